package scheduler

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

// What a date or a time looks like in a text, with or without its year.
var (
	// 1月5日, 12月的 (a month is a date too), 2027年1月5日 with its year.
	monthRef = regexp.MustCompile(`(\d{4}年)?\d{1,2}月`)
	// 01-05 or 1/5, but not a part of 2026-06-30, 0475-8888888 or a
	// ticket number 20261228-A.
	dashDate = regexp.MustCompile(`(?:^|[^\d-])\d{1,2}[-/]\d{1,2}(?:[^\d-]|$)`)
	// 20:00, after its date with its year or not.
	clockRef = regexp.MustCompile(`(\d{4}年\d{1,2}月\d{1,2}日 )?\d{1,2}:\d{2}`)
)

// yearless lists the dates and times of text that do not say their year:
// read at the turn of the year, 「1月4日」 could be either.
func yearless(text string) []string {
	var out []string
	for _, m := range monthRef.FindAllStringSubmatch(text, -1) {
		if m[1] == "" {
			out = append(out, m[0])
		}
	}
	out = append(out, dashDate.FindAllString(text, -1)...)
	for _, m := range clockRef.FindAllStringSubmatch(text, -1) {
		if m[1] == "" {
			out = append(out, m[0])
		}
	}
	return out
}

func TestYearless(t *testing.T) {
	t.Parallel()
	for text, want := range map[string][]string{
		"办理时限：2027年1月4日。":                        nil,
		"办理时限（2027年1月1日 20:00），已超期7分钟":           nil,
		"会议 登记 2026-06-30 研究部署2026年政务公开工作":       nil,
		"联系电话 0475-8888888，工单 20261228-A":        nil,
		"原因是2026年12月的4次群发已用完，2027年1月1日起恢复":       nil,
		"办理时限：1月4日。":                             {"1月"},
		"12月的4次群发已用完":                            {"12月"},
		"公开时限2026年12月31日，1月8日前":                  {"1月"},
		"12-31 09:30 李娜提交":                       {"12-31 ", "09:30"},
		"已超过办理时限（1月1日 20:00）":                    {"1月", "20:00"},
		"自2026年12月31日 08:50以来，2026年12月31日 16:00": nil,
	} {
		if got := yearless(text); !slices.Equal(got, want) {
			t.Errorf("yearless(%q) = %q, want %q", text, got, want)
		}
	}
}

// TestEveryReminderDateCarriesItsYear runs every job through the turn of
// the year, 2026-12-28 to 2027-01-05 (元旦 1 to 3 January off), over forms
// and orders whose deadlines fall on both sides of it, and checks that
// each text names every date with its year (issue 15 item 1): in late
// December 「1月4日」 alone does not say which year.
func TestEveryReminderDateCarriesItsYear(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	s := newScheduler(t, db, Options{})
	sd := newSeeder(t, db)

	// Forms (主动公开, 20 working days from formation).
	// Y1: formed 11-30, due 12-28; at the office since 12-21: overdue
	// from 12-29, escalated daily.
	sd.create("Y1", formSeed{seq: 31, submitter: lina, section: "综合一股", active: true, formed: "2026-11-30",
		stage: "section", assignees: []string{zhangwei}, created: "2026-12-18 09:00"})
	sd.move("Y1", "review", "office", office, "2026-12-21 10:00")
	// Y2: formed 12-10, due 2027-01-08; with the section head.
	sd.create("Y2", formSeed{seq: 32, submitter: liuyang, section: "综合一股", active: true, formed: "2026-12-10",
		stage: "section", assignees: []string{zhangwei}, created: "2026-12-24 15:00"})
	// Y3: formed 12-03, due 12-31; rejected, waiting for 李娜.
	sd.create("Y3", formSeed{seq: 33, submitter: lina, section: "综合一股", active: true, formed: "2026-12-03",
		stage: "section", assignees: []string{zhangwei}, created: "2026-12-10 09:00"})
	sd.move("Y3", "rejected", "", nil, "2026-12-11 10:00")
	// Y4: waiting to be published since 12-30.
	sd.create("Y4", formSeed{seq: 34, submitter: xupeng, section: "环境监察室", active: true, formed: "2026-12-21",
		stage: "publish", assignees: []string{hejing}, created: "2026-12-30 09:00"})
	for name, want := range map[string]string{"Y1": "2026-12-28", "Y2": "2027-01-08", "Y3": "2026-12-31"} {
		if got := sd.forms[name].Deadline.Time.In(shanghai).Format(time.DateOnly); got != want {
			t.Fatalf("%s deadline = %s, want %s", name, got, want)
		}
	}

	// 12345 orders.
	// A: with 李娜, due 12-31; never answered.
	sd.order("A", orderSeed{category: "求助", received: "2026-12-24 10:00", due: "2026-12-31", acceptDue: "2026-12-25",
		section: "综合一股", registrar: chenlixin})
	sd.accept("A", "2026-12-24 11:00")
	sd.assign("A", lina, "2026-12-24 11:05")
	// B: with 刘洋, due on Saturday 2027-01-02, a day off; his 延期 request
	// to 01-15 waits for the office.
	sd.order("B", orderSeed{category: "咨询", received: "2026-12-29 09:00", due: "2027-01-02", acceptDue: "2026-12-30",
		section: "综合一股", registrar: chenlixin})
	sd.accept("B", "2026-12-29 10:00")
	sd.assign("B", liuyang, "2026-12-29 10:05")
	ext, why := endOf(t, "2027-01-15"), "需等待监测报告"
	sd.change("B", storage.OrderChange{ExtUntil: &ext, ExtReason: &why}, "2026-12-30 16:00")
	// C: dispatched to 综合二股 on 12-28, never signed for.
	sd.order("C", orderSeed{category: "投诉", received: "2026-12-28 09:00", due: "2027-01-18", acceptDue: "2026-12-29",
		section: "综合二股", registrar: hejing})
	// D: with 徐鹏, due 2027-01-05.
	sd.order("D", orderSeed{category: "咨询", received: "2026-12-31 09:00", due: "2027-01-05", acceptDue: "2027-01-04",
		section: "环境监察室", registrar: chenlixin})
	sd.accept("D", "2026-12-31 10:00")
	sd.assign("D", xupeng, "2026-12-31 10:05")

	appYearEnd(newAppSeeder(t, db, s)) // 依申请公开 (applications_test.go)

	var lastID int64 // the last outbox row read
	events := sortEvents([]event{
		// E: urgent, received on New Year's Eve at 10:00 (due 2027-01-01
		// 10:00), with 李娜: 50% at 22:00, overdue on 元旦.
		{"2026-12-31 10:00", func() {
			sd.order("E", orderSeed{category: "投诉", urgent: true, received: "2026-12-31 10:00", due: "2027-01-01 10:00", acceptDue: "2027-01-01",
				section: "综合一股", registrar: chenlixin})
		}},
		{"2026-12-31 10:30", func() { sd.accept("E", "2026-12-31 10:30") }},
		{"2026-12-31 10:35", func() { sd.assign("E", lina, "2026-12-31 10:35") }},
		// A text to 张伟 given up on New Year's Eve: the office hears of it
		// on 2027-01-04.
		{"2026-12-31 16:00", func() {
			id, err := storage.Enqueue(ctx, db, storage.KindMessage, zhangwei, bot.TextMessage(zhangwei, "您有1件待审核的审批单"), "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.ClaimOutbox(ctx, at(t, "2026-12-31 16:00"), 10, 0); err != nil {
				t.Fatal(err)
			}
			if err := db.MarkFailedCode(ctx, id, at(t, "2026-12-31 16:00"), 81013, "errcode 81013"); err != nil {
				t.Fatal(err)
			}
			lastID = id // no job's text
		}},
	})

	// Every slot of every job, in time order.
	slots := orderSlots(t, "2026-12-28", "2027-01-05")
	for day := at(t, "2026-12-28"); !day.After(at(t, "2027-01-05")); day = day.AddDate(0, 0, 1) {
		d := day.Format(time.DateOnly)
		for _, sl := range append(slices.Concat(daySlots, appJobs), struct{ job, hm string }{"outbox_failures", "08:50"}) {
			slots = append(slots, slotRun{sl.job, at(t, d+" "+sl.hm)})
		}
	}
	slices.SortStableFunc(slots, func(a, b slotRun) int { return a.at.Compare(b.at) })

	texts := map[string][]string{} // job → its texts, "when to: text"
	for _, sl := range slots {
		for len(events) > 0 && !at(t, events[0].when).After(sl.at) {
			events[0].do()
			events = events[1:]
		}
		if _, err := s.RunJob(ctx, sl.job, sl.at.Add(3*time.Second), storage.TriggerCron); err != nil {
			t.Fatalf("%s at %s: %v", sl.job, sl.at, err)
		}
		for _, m := range outboxAfter(t, db, lastID) {
			if bad := yearless(m.Text); len(bad) > 0 {
				t.Errorf("%s at %s to %s: %q without the year in\n%s", sl.job, sl.at.Format("2006-01-02 15:04"), m.To, bad, m.Text)
			}
			texts[sl.job] = append(texts[sl.job], sl.at.Format("2006-01-02 15:04")+" "+m.To+": "+m.Text)
			lastID = m.ID
		}
	}
	if len(events) > 0 {
		t.Fatalf("%d events not applied", len(events))
	}

	for _, j := range s.Jobs() {
		if len(texts[j.Name]) == 0 {
			t.Errorf("%s sent nothing from 2026-12-28 to 2027-01-05: the test does not reach its texts", j.Name)
		}
	}

	// The dates that cross the year, as said.
	all := strings.Join(slices.Concat(texts["approver_digest"], texts["deadline"], texts["escalation"], texts["office_digest"],
		texts["order_due"], texts["order_accept"], texts["order_overdue"], texts["order_urgent"],
		texts["annual_report"], texts["annual_meeting"], texts["outbox_failures"],
		texts["application_supplement"], texts["application_due"], texts["application_lapsed"], texts["application_overdue"]), "\n")
	for _, want := range []string{
		"【政务公开日报】2027年1月4日",
		"公开时限2027年1月8日",
		"已逾期1个工作日（时限2026年12月28日）",
		"2026年12月31日到期，还剩3个工作日",
		"2027年1月2日到期，今天是到期前最后一个工作日，办理时限：2027年1月2日",
		"延期申请（延至2027年1月15日）待办公室审核",
		"超过签收时限（2026年12月29日）仍未签收",
		"已超过办理时限（2027年1月1日 10:00）",
		"2026年度政府信息公开工作年度报告应于2027年1月31日前报送",
		"应于2026年6月30日前召开",
		"自2026年12月31日 08:50以来",
		"补正告知书。如需申请人补正，应最迟于2027年1月5日",
		"还剩1个工作日，答复期限：2027年1月4日",
		"的补正期限（2026年12月30日）已届满",
		"答复期限2027年1月4日，已超期1个工作日",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no reminder says %q", want)
		}
	}
	if t.Failed() {
		for _, j := range s.Jobs() {
			t.Logf("%s:\n%s", j.Name, strings.Join(texts[j.Name], "\n"))
		}
	}
}
