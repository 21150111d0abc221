package e2e

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/app"
	"github.com/zwgk-bot/zwgk/sandbox"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

func readNoticeFixture(t *testing.T, year string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "workflow", "testdata", "notice-"+year+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A form formed today has a real 公开时限 (the calendar reaches into 2027);
// a form whose limit falls in a year without data (2024: before the
// embedded years) shows 无法计算 until the office pastes that year's
// notice, confirms it on the card, and then the deadline appears and the
// people who must act are told.
func TestOfficeAddsACalendarYearFromTheNotice(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	ctx := context.Background()
	cal := workflow.DefaultCalendar()
	loc := cal.Location()

	today := c.submit(staff, ordinary)
	card := c.card(head)
	due, err := cal.AddWorkingDays(time.Now().In(loc), workflow.ActiveDisclosureDays)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fieldOf(card, "公开时限"), workflow.FormatDate(due, loc)+"前"; got != want {
		t.Errorf("%s: 公开时限 %q, want %q", today, got, want)
	}

	old := ordinary
	old.title, old.formed = "关于2024年度某项目验收结果的公示", "2024-12-10"
	serial := c.submit(staff, old)
	card = c.card(head)
	if got := fieldOf(card, "公开时限"); !strings.Contains(got, "无法计算") {
		t.Errorf("%s: 公开时限 %q, want 无法计算", serial, got)
	}
	c.text(office1, "提醒："+serial+" 的主动公开时限无法计算")
	c.text(office2, "提醒："+serial+" 的主动公开时限无法计算")

	// Not for staff; and bad pastes change nothing.
	c.say(staff, "日历 添加 "+readNoticeFixture(t, "2024"))
	c.text(staff, "工作日历由综合办公室维护")
	notice2027 := readNoticeFixture(t, "2027")
	c.say(office1, "日历 添加 2028 "+notice2027[strings.Index(notice2027, "一、"):])
	c.text(office1, "未能添加：元旦：「1月1日（周五）」与日历不符：2028年1月1日是周六", "未作任何更改")
	c.say(office1, "日历 添加 "+strings.Replace(notice2027, "2月14日（周日）上班", "2月30日（周日）上班", 1))
	c.text(office1, "未能添加：春节：「2月30日」不是有效日期")
	c.say(office1, "日历 添加 "+notice2027)
	c.text(office1, "2027年的节假日安排与工作日历现有数据（系统内置）完全一致，无需添加。")
	c.say(office1, "日历 添加 "+strings.Replace(readNoticeFixture(t, "2024"), "2024年", "", -1))
	c.text(office1, "通知中没有写明年份")
	c.say(office1, "取消")
	c.text(office1, "已取消")
	if n := countRows(t, h, `SELECT count(*) FROM calendar_years`); n != 0 {
		t.Fatalf("bad pastes stored %d calendar years", n)
	}

	// The 2024 notice, pasted in two messages.
	c.say(office1, "日历 添加")
	c.text(office1, "请发送国务院办公厅节假日安排通知的全文")
	c.say(office1, readNoticeFixture(t, "2024"))
	c.text(office1, "已识别2024年节假日安排", "春节：2月10日（周六）至2月17日（周六）放假，共8天；2月4日（周日）、2月18日（周日）上班", "全年工作日")
	confirm := c.card(office1)
	if confirm.Card.MainTitle.Title != "2024年节假日安排" {
		t.Fatalf("card title %q", confirm.Card.MainTitle.Title)
	}
	c.none(head) // nothing changes before the confirmation
	c.click(office1, confirm, "confirm")
	c.text(office1, "已确认：2024年节假日安排已生效", "1件审批单原先无法计算的主动公开时限已算出")
	waitUpdated(t, h, office1, confirm.Card.TaskID, "已确认")

	// 2024-12-11..31 are 15 working days; 2025-01-01 is off; 01-02, 03,
	// 06, 07 and 08 are the other 5.
	for _, who := range []string{head, office1, office2} {
		c.text(who, "【公开时限】", serial, "2025年1月8日前，已逾期")
	}
	var deadline time.Time
	if err := h.db.GetContext(ctx, &deadline, `SELECT deadline FROM forms WHERE year = 2026 AND seq = $1`, seqOf(t, serial)); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2025, 1, 8, 23, 59, 59, 0, loc); !deadline.Equal(want) {
		t.Errorf("deadline = %v, want %v", deadline, want)
	}
	trail, err := storage.AuditTrail(ctx, h.db, "calendar_year", "2024")
	if err != nil {
		t.Fatal(err)
	}
	if len(trail) != 2 || trail[1].Action != "calendar_confirm" || trail[1].Actor != office1 || !strings.Contains(string(trail[1].Detail), "一、元旦") {
		t.Errorf("audit = %+v, want the proposal and the confirmation by %s with the text", trail, office1)
	}

	// A later click changes nothing (取消 after 确认; the same click in the
	// same second is WeCom's own repeat, which the inbox ignores); the
	// coverage names the office.
	c.clickAnyway(office1, confirm, "cancel")
	c.text(office1, "2024年节假日安排已确认，此卡片已失效")
	c.say(office2, "日历")
	c.text(office2, "2024年（办公室添加）、2025年（系统内置）、2026年（系统内置）、2027年（系统内置）", "「日历 添加」")
	c.none(head)
	if n := countRows(t, h, `SELECT count(*) FROM calendar_years WHERE status = 'confirmed'`); n != 1 {
		t.Errorf("%d confirmed years, want 1", n)
	}
}

// fieldOf returns the value of a card's key-value line.
func fieldOf(m sandbox.Received, key string) string {
	for _, f := range m.Card.HorizontalContentList {
		if f.KeyName == key {
			return f.Value
		}
	}
	return ""
}

func countRows(t *testing.T, h *harness, query string) int {
	t.Helper()
	var n int
	if err := h.db.GetContext(context.Background(), &n, query); err != nil {
		t.Fatal(err)
	}
	return n
}

func seqOf(t *testing.T, serial string) int {
	t.Helper()
	_, n, ok := workflow.ParseSerial(serial)
	if !ok {
		t.Fatalf("bad serial %q", serial)
	}
	return n
}

// A year confirmed on one replica (here by zwgk calendar add, a process
// of its own) reaches another replica's calendar without a restart, and
// zwgk calendar lists it with its source.
func TestCalendarYearReachesEveryReplica(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg, roster, err := app.LoadConfig(h.getenv)
	if err != nil {
		t.Fatal(err)
	}
	replica, err := app.Open(ctx, cfg, roster, discardLog())
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close()
	go replica.RefreshCalendar(ctx, 20*time.Millisecond)

	file := filepath.Join(t.TempDir(), "2024.txt")
	if err := os.WriteFile(file, []byte(readNoticeFixture(t, "2024")), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errs strings.Builder
	// Without --yes (and no one at a terminal to say y) nothing is stored.
	if err := run(ctx, []string{"calendar", "add", file}, h.getenv, &out, &errs); err == nil || !strings.Contains(err.Error(), "not confirmed") {
		t.Fatalf("calendar add without --yes: %v", err)
	}
	if n := countRows(t, h, `SELECT count(*) FROM calendar_years`); n != 0 {
		t.Fatalf("unconfirmed add stored %d rows", n)
	}
	out.Reset()
	if err := run(ctx, []string{"calendar", "add", file, "--yes", "--by", office1}, h.getenv, &out, &errs); err != nil {
		t.Fatalf("calendar add: %v\n%s", err, errs.String())
	}
	if !strings.Contains(out.String(), "春节：2月10日（周六）至2月17日（周六）放假，共8天") || !strings.Contains(out.String(), "已确认：2024年节假日安排已生效") {
		t.Errorf("calendar add printed:\n%s", out.String())
	}
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Contains(replica.Calendar().Years(), 2024) {
		if time.Now().After(deadline) {
			t.Fatalf("the replica's calendar still covers %v", replica.Calendar().Years())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if ok, err := replica.Bot().Calendar.IsWorkingDay(time.Date(2024, 2, 4, 12, 0, 0, 0, businessLocation())); err != nil || !ok {
		t.Errorf("the replica's bot: 2024-02-04 (调休 Sunday) working = %v, %v", ok, err)
	}
	out.Reset()
	if err := run(ctx, []string{"calendar"}, h.getenv, &out, &errs); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2024  office", "confirmed by " + office1, "2027  embedded", "covered until 2027-12-31"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("zwgk calendar lacks %q:\n%s", want, out.String())
		}
	}
	// The year is audited as the operator's confirmation.
	trail, _ := storage.AuditTrail(ctx, h.db, "calendar_year", "2024")
	if len(trail) != 1 || trail[0].Action != "calendar_confirm" || trail[0].Actor != office1 {
		t.Errorf("audit = %+v", trail)
	}
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
