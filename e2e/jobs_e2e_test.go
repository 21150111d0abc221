package e2e

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
)

// jobs runs `zwgk jobs ARGS` with env and returns what it printed.
func jobs(t *testing.T, env func(string) string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), append([]string{"-log-level", "error", "jobs"}, args...), env, &out, &errb)
	return out.String() + errb.String(), err
}

func TestJobsListsSchedulesAndNextRuns(t *testing.T) {
	t.Parallel()
	env := map[string]string{"SCHEDULES": "approver_digest=10 9 * * *;annual_meeting=off"}
	getenv := func(k string) string { return env[k] }
	out, err := jobs(t, getenv, "--at", "2026-02-13T15:00")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"office_digest", "35 8 * * *", "2026-02-14 08:35, 2026-02-24 08:35, 2026-02-25 08:35",
		"approver_digest", "10 9 * * *", "2026-02-14 09:10, 2026-02-24 09:10, 2026-02-25 09:10",
		"deadline", "escalation", "annual_report", "55 9 * * * (off)", "待办提醒",
		// The 12345 order reminders.
		"order_due", "35 9 * * *", "2026-02-14 09:35, 2026-02-24 09:35, 2026-02-25 09:35",
		"order_accept", "40 9 * * *", "order_overdue", "50 9 * * *",
		"order_urgent", "7-59/15 * * * * (also outside working time)", "2026-02-13 15:07, 2026-02-13 15:22, 2026-02-13 15:37",
		"12345工单到期提醒", "12345工单签收超时", "12345工单超期督办", "12345紧急工单",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("zwgk jobs lacks %q:\n%s", want, out)
		}
	}
	env["URGENT_OVERDUE_ANYTIME"] = "off"
	if out, err := jobs(t, getenv, "--at", "2026-02-13T15:00"); err != nil || strings.Contains(out, "also outside working time") {
		t.Errorf("URGENT_OVERDUE_ANYTIME=off: %v\n%s", err, out)
	}
	env["URGENT_OVERDUE_ANYTIME"] = "sometimes"
	if _, err := jobs(t, getenv); err == nil || !strings.Contains(err.Error(), "URGENT_OVERDUE_ANYTIME") {
		t.Errorf("a bad URGENT_OVERDUE_ANYTIME: %v, want an error naming it", err)
	}
	delete(env, "URGENT_OVERDUE_ANYTIME")
	env["SCHEDULES"] = "digest=5 9 * * *"
	if _, err := jobs(t, getenv); err == nil || !strings.Contains(err.Error(), "SCHEDULES") {
		t.Errorf("a bad SCHEDULES: %v, want an error naming it", err)
	}
	var help bytes.Buffer
	if err := run(context.Background(), []string{"help"}, getenv, &help, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"jobs", "SCHEDULES", "CALENDAR_FILE", "MEETING_DUE", "URGENT_OVERDUE_ANYTIME"} {
		if !strings.Contains(help.String(), want) {
			t.Errorf("zwgk help lacks %q", want)
		}
	}
}

// zwgk jobs run queues through the same path as the scheduler; the
// serving bot delivers; a second run of the slot sends nothing.
func TestJobsRunDeliversOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	ctx := context.Background()
	created := time.Date(2026, 2, 12, 14, 0, 0, 0, businessLocation())
	f := &storage.Form{Year: 2026, Seq: 1, Version: 1, State: "review", Stage: "section", Assignees: []string{head},
		Section: "综合一股", Submitter: staff, Title: "关于某项目环评审批结果的公示", Summary: "审批结果。",
		FormedOn: created, Mode: "依申请公开", Column: "环境保护", Platforms: []string{"政府网站"}, CreatedAt: created, UpdatedAt: created}
	if err := h.db.WithTx(ctx, func(tx *storage.Tx) error { _, err := storage.InsertForm(ctx, tx, f); return err }); err != nil {
		t.Fatal(err)
	}

	out, err := jobs(t, h.getenv, "run", "approver_digest", "--at", "2026-02-13T09:06")
	if err != nil || !strings.Contains(out, "(slot 2026-02-13 09:05), queued 1 messages") {
		t.Fatalf("jobs run = %q, %v", out, err)
	}
	c.text(head, "【待办提醒】您有 1 件", "公开审〔2026〕1号", "已等待1个工作日", "「待办」")
	out, err = jobs(t, h.getenv, "run", "approver_digest", "--at", "2026-02-13T09:30")
	if err != nil || !strings.Contains(out, "queued 0 messages") {
		t.Fatalf("second jobs run = %q, %v", out, err)
	}
	out, err = jobs(t, h.getenv, "run", "approver_digest", "--at", "2026-02-15T09:05")
	if err != nil || !strings.Contains(out, "not working time") {
		t.Fatalf("jobs run on a holiday = %q, %v", out, err)
	}
	if _, err := jobs(t, h.getenv, "run", "nonsense"); err == nil || !strings.Contains(err.Error(), "unknown job") {
		t.Fatalf("unknown job: %v", err)
	}
	c.none(head)
}

// The 12345 order reminders go the same way: a due reminder to the
// handler in working time; an urgent order gone overdue reported at night
// on a day off (URGENT_OVERDUE_ANYTIME is on by default); each once.
func TestJobsRunRemindsOfOrders(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	ctx := context.Background()
	loc := businessLocation()
	insert := func(o *storage.Order, handler string) {
		t.Helper()
		err := h.db.WithTx(ctx, func(tx *storage.Tx) error {
			if _, err := storage.InsertOrder(ctx, tx, o); err != nil {
				return err
			}
			if handler == "" {
				return nil
			}
			return storage.ChangeOrder(ctx, tx, storage.OrderChange{ID: o.ID, FromState: "dispatched", At: o.ReceivedAt,
				State: "assigned", Handler: &handler})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	received := time.Date(2026, 2, 10, 9, 0, 0, 0, loc)
	insert(&storage.Order{TicketNo: "GD202602100001", Category: "咨询", Content: "咨询排污许可办理流程。",
		ReceivedAt: received, DueAt: time.Date(2026, 2, 13, 23, 59, 59, 0, loc), Section: "综合一股", Registrar: office2,
		State: "dispatched", Source: "api", CreatedAt: received}, staff)
	out, err := jobs(t, h.getenv, "run", "order_due", "--at", "2026-02-12T09:36")
	if err != nil || !strings.Contains(out, "queued 1 messages") {
		t.Fatalf("jobs run order_due = %q, %v", out, err)
	}
	c.text(staff, "【12345工单到期提醒】12345工单 GD202602100001（咨询）还剩1个工作日到期，办理时限：2026年2月13日。", "「办结」")
	if out, err := jobs(t, h.getenv, "run", "order_due", "--at", "2026-02-12T10:00"); err != nil || !strings.Contains(out, "queued 0 messages") {
		t.Fatalf("second jobs run order_due = %q, %v", out, err)
	}

	// Urgent, dispatched to 综合二股 in the Spring Festival night, never
	// signed for: at 03:10 the next night the head, the office and the
	// leader hear of it.
	received = time.Date(2026, 2, 15, 3, 0, 0, 0, loc)
	insert(&storage.Order{TicketNo: "GD202602150001", Category: "投诉", Content: "某企业夜间排放刺鼻气体。", Urgent: true,
		ReceivedAt: received, DueAt: received.Add(24 * time.Hour), Section: "综合二股", Registrar: office2,
		State: "dispatched", Source: "api", CreatedAt: received}, "")
	out, err = jobs(t, h.getenv, "run", "order_urgent", "--at", "2026-02-16T03:10")
	if err != nil || !strings.Contains(out, "queued 4 messages") {
		t.Fatalf("jobs run order_urgent at night = %q, %v", out, err)
	}
	for _, u := range []string{head2, office1, office2, leader} {
		c.text(u, "【12345紧急工单超时】12345工单 GD202602150001（投诉，紧急）已超过办理时限（2026年2月16日 03:00），已超期10分钟，待综合二股（杨帆）签收。")
	}
	if out, err := jobs(t, h.getenv, "run", "order_urgent", "--at", "2026-02-16T03:25"); err != nil || !strings.Contains(out, "queued 0 messages") {
		t.Fatalf("second jobs run order_urgent = %q, %v", out, err)
	}
	// The other order jobs keep the quiet rules.
	if out, err := jobs(t, h.getenv, "run", "order_overdue", "--at", "2026-02-16T09:50"); err != nil || !strings.Contains(out, "not working time") {
		t.Fatalf("jobs run order_overdue on a holiday = %q, %v", out, err)
	}
	for _, u := range []string{staff, head2, office1, office2, leader} {
		c.none(u)
	}
}

func TestMeetingAndAnnualReportCommands(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	ctx := context.Background()

	// No meeting recorded by 30 June: the office is reminded.
	out, err := jobs(t, h.getenv, "run", "annual_meeting", "--at", "2026-07-01T10:00")
	if err != nil || !strings.Contains(out, "queued 2 messages") {
		t.Fatalf("annual_meeting = %q, %v", out, err)
	}
	c.text(office1, "【专题会议提醒】2026年尚未登记政务公开专题工作会议", "会议 登记")
	c.text(office2, "【专题会议提醒】")

	c.say(staff, "会议 登记 2026-06-28 研究部署2026年政务公开工作")
	c.text(staff, "专题工作会议由综合办公室、主要负责人或纪检监督人员登记")
	c.say(leader, "会议 登记 明年 研究")
	c.text(leader, "没有识别出会议日期「明年」")
	c.say(leader, "会议 登记 2099-01-01 研究")
	c.text(leader, "会议日期不能晚于今天")
	c.say(leader, "会议 登记")
	c.text(leader, "请按「会议 登记 日期 主题」发送")
	c.say(office1, "会议 登记 2026-07-03 研究部署2026年政务公开工作")
	c.text(office1, "已登记政务公开专题工作会议：2026年7月3日「研究部署2026年政务公开工作」。2026年共登记1次。")
	c.say(office2, "会议 登记 2026-07-03 研究部署2026年政务公开工作")
	c.text(office2, "该会议已于", "由陈立新登记，无需重复登记")
	out, err = jobs(t, h.getenv, "run", "annual_meeting", "--at", "2026-07-06T10:00")
	if err != nil || !strings.Contains(out, "queued 0 messages") {
		t.Fatalf("annual_meeting after a meeting = %q, %v", out, err)
	}

	c.say(head, "年度报告 已完成")
	c.text(head, "年度报告由综合办公室审核人员查看和登记")
	c.say(office2, "年度报告 好了")
	c.text(office2, "没有识别出年度「好了」", "查看该年度报告的主要数据和校验结果")
	c.say(office2, "年度报告 2015 已发布")
	c.text(office2, "年度「2015」有误：请填写2019至")
	now := time.Now().In(businessLocation())
	year := now.Year() - 1
	y := strconv.Itoa(year)
	c.say(office2, "年度报告 "+strconv.Itoa(now.Year())+" 已发布")
	c.text(office2, strconv.Itoa(now.Year())+"年度尚未结束")

	// An office figure the register does not balance with: the checks
	// fail, and 已发布 is refused until confirmed with a reason.
	err = h.db.WithTx(ctx, func(tx *storage.Tx) error {
		return storage.SetAnnualFigure(ctx, tx, storage.AnnualFigure{Year: year, Table: storage.AnnualTable3, Row: "carried_in", Column: "自然人",
			Value: 2, EnteredBy: office1, Reason: "原系统台账", EnteredAt: time.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	// The January reminder says the checks fail and links to the draft.
	out, err = jobs(t, h.getenv, "run", "annual_report", "--at", strconv.Itoa(now.Year())+"-01-05T10:00")
	if err != nil || !strings.Contains(out, "queued 2 messages") {
		t.Fatalf("annual_report = %q, %v", out, err)
	}
	c.text(office1, "【年度报告提醒】"+y+"年度政府信息公开工作年度报告", "目前报告数据有2项校验未通过", "报告草稿（可打印）：http", "/annual/"+y+"?", "「年度报告 "+y+" 已发布」")
	c.text(office2, "【年度报告提醒】")
	c.say(office2, "年度报告 "+y)
	page := letterLink(t, c.text(office2, y+"年度政府信息公开工作年度报告\n表二 主动公开：", "表三 依申请公开：本年新收0件，上年结转2件，本年办结0件，结转下年度0件。",
		"校验：未通过（2项）：\n1. 表三 自然人：一 + 二 = 2，三（七） + 四 = 0\n2. 表三 总计：一 + 二 = 2，三（七） + 四 = 0", "状态：未登记发布。发布后请发送「年度报告 "+y+" 已发布」。",
		"文字部分：第一、五、六部分仍为系统草稿", "全文（可打印）：http", "链接30天内有效。"), "全文")
	resp, err := http.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), y+"年政府信息公开工作年度报告") || !strings.Contains(string(body), "表三 自然人：一 &#43; 二 = 2") {
		t.Fatalf("the report's page: %d %.300s", resp.StatusCode, body)
	}
	// Without a year only from January to March (a record cannot be
	// undone); a question after 已发布 records nothing.
	c.say(office2, "年度报告 已完成")
	if now.Month() > time.March {
		c.text(office2, "请写明登记发布的年度，如「年度报告 "+y+" 已发布」。")
	} else {
		c.text(office2, y+"年度报告的数据校验未通过")
	}
	c.say(office2, "年度报告 ２０"+y[2:]+" 已发布 了吗？")
	c.text(office2, "没有登记。登记"+y+"年度报告已发布请发送「年度报告 "+y+" 已发布」")
	c.say(office2, "年度报告 "+y+" 已完成")
	c.text(office2, y+"年度报告的数据校验未通过，暂不能登记为已发布：\n1. 表三 自然人", "「年度报告 "+y+" 已发布 确认 理由：说明」")
	c.say(office2, "年度报告 "+y+" 已发布 确认")
	c.text(office2, "请写明按未通过校验的数据发布的理由")
	if _, err := storage.GetAnnualReport(ctx, h.db, year); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("report after the refusals: %v, want none", err)
	}
	c.say(office2, "年度报告 "+y+" 已发布 确认 理由：上年结转数以原系统台账为准")
	c.text(office2, "已登记："+y+"年度政府信息公开工作年度报告已发布（林晓燕", "不再提醒", "未通过的2项校验及理由已一并记录")
	c.say(office1, "年度报告 "+y+" 已发布")
	c.text(office1, y+"年度报告已于", "由林晓燕登记为已发布，无需重复登记")
	c.say(office1, "年度报告")
	if now.Month() > time.March { // the year being prepared
		c.text(office1, strconv.Itoa(now.Year())+"年度政府信息公开工作年度报告（"+strconv.Itoa(now.Year())+"年尚未结束，数据截至")
	} else {
		c.text(office1, y+"年度政府信息公开工作年度报告\n")
	}
	c.say(office1, "年度报告 "+y)
	c.text(office1, "状态：已于", "由林晓燕登记为已发布（2项校验未通过，理由：上年结转数以原系统台账为准）。")

	// Recorded durably, with who, when, the problems and the reason.
	r, err := storage.GetAnnualReport(ctx, h.db, year)
	if err != nil || r.DoneBy != office2 || len(r.Problems) != 2 || r.OverrideReason != "上年结转数以原系统台账为准" {
		t.Fatalf("annual report record = %+v, %v", r, err)
	}
	ms, err := storage.MeetingsIn(ctx, h.db, 2026)
	if err != nil || len(ms) != 1 || ms[0].RecordedBy != office1 || ms[0].HeldOn.Format(time.DateOnly) != "2026-07-03" {
		t.Fatalf("meetings = %+v, %v", ms, err)
	}
	for entity, want := range map[string]struct {
		id      string
		actions []string
	}{"annual_report": {y, []string{"set_figure", "annual_report_done"}}, "meeting": {strconv.FormatInt(ms[0].ID, 10), []string{"meeting_record"}}} {
		trail, err := storage.AuditTrail(ctx, h.db, entity, want.id)
		if err != nil || len(trail) != len(want.actions) {
			t.Errorf("audit of %s %s = %+v, %v; want %v", entity, want.id, trail, err, want.actions)
			continue
		}
		for i, a := range want.actions {
			if trail[i].Action != a {
				t.Errorf("audit of %s %s [%d] = %s, want %s", entity, want.id, i, trail[i].Action, a)
			}
		}
	}
	if trail, _ := storage.AuditTrail(ctx, h.db, "annual_report", y); len(trail) == 2 && !strings.Contains(string(trail[1].Detail), "上年结转数以原系统台账为准") {
		t.Errorf("the override's audit detail = %s, want the reason", trail[1].Detail)
	}
	c.none(office1)
	c.none(office2)
}

// serve runs the scheduler beside the bot and stops it before the outbox
// worker on shutdown.
func TestServeStartsAndStopsTheScheduler(t *testing.T) {
	t.Parallel()
	h := newHarness(t) // a first replica, scheduler off
	env := map[string]string{}
	for k, v := range h.env {
		env[k] = v
	}
	env["HTTP_ADDR"] = freeAddr(t)
	env["SCHEDULES"] = "annual_meeting=off"
	var logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, io.Discard, &logs)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(logs.String(), "scheduler started") {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("no scheduler started:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	l := logs.String()
	if i, j := strings.Index(l, "shutting down"), strings.Index(l, "scheduler stopped"); i < 0 || j < i {
		t.Errorf("scheduler not stopped after the shutdown began:\n%s", l)
	}
	if !strings.Contains(h.stderr.String(), "scheduler off") {
		t.Errorf("SCHEDULES=off did not say the scheduler is off:\n%s", h.stderr.String())
	}
}

// TestServeRefusesABrokenCalendarFile: serve does not start on a broken
// CALENDAR_FILE, and says which variable is wrong (the file's checks and
// the end-of-calendar warning are tested in app/).
func TestServeRefusesABrokenCalendarFile(t *testing.T) {
	t.Parallel()
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("years:\n  2028:\n    off: [\"2028-13-01\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := map[string]string{"CALENDAR_FILE": bad}
	env := func(k string) string {
		if v, ok := h[k]; ok {
			return v
		}
		return map[string]string{
			"DATABASE_URL": "postgres://127.0.0.1:1/none", "REDIS_URL": "redis://127.0.0.1:1/0",
			"WECOM_CORP_ID": "wwx", "WECOM_AGENT_ID": "1", "WECOM_SECRET": "s", "WECOM_TOKEN": "t",
			"WECOM_AES_KEY": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "ROSTER_FILE": rosterFile(t),
		}[k]
	}
	if err := run(context.Background(), []string{"serve"}, env, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "CALENDAR_FILE") {
		t.Errorf("serve with a broken CALENDAR_FILE: %v", err)
	}
}
