package scheduler

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
	"github.com/zwgk-bot/zwgk/workflow"
)

func TestSchedules(t *testing.T) {
	t.Parallel()
	s, err := New(Options{Schedules: " approver_digest = 10 9 * * * | 40 14 * * 1-5 ; annual_meeting=off "})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]JobInfo{}
	for _, j := range s.Jobs() {
		byName[j.Name] = j
	}
	if got := byName["approver_digest"].Specs; !slices.Equal(got, []string{"10 9 * * *", "40 14 * * 1-5"}) {
		t.Errorf("approver_digest specs = %v", got)
	}
	if got := byName["office_digest"].Specs; !slices.Equal(got, []string{"35 8 * * *"}) {
		t.Errorf("office_digest keeps its default, got %v", got)
	}
	// The 12345 order jobs' defaults: daily, and every 15 minutes around
	// the clock for urgent orders (the quiet rules' one exception).
	for name, spec := range map[string]string{
		"order_due": "35 9 * * *", "order_accept": "40 9 * * *", "order_overdue": "50 9 * * *", "order_urgent": "7-59/15 * * * *",
	} {
		if got := byName[name].Specs; !slices.Equal(got, []string{spec}) || !byName[name].Auto || byName[name].OffHours != (name == "order_urgent") {
			t.Errorf("%s = %+v, want %q, automatic", name, byName[name], spec)
		}
	}
	if quiet, err := New(Options{QuietUrgent: true}); err != nil || quiet.job("order_urgent").OffHours {
		t.Errorf("URGENT_OVERDUE_ANYTIME=off: order_urgent still runs outside working time (%v)", err)
	}
	if byName["annual_meeting"].Auto || !byName["deadline"].Auto {
		t.Errorf("auto: annual_meeting %v (want off), deadline %v", byName["annual_meeting"].Auto, byName["deadline"].Auto)
	}
	if res, err := s.RunJob(context.Background(), "annual_meeting", at(t, "2026-07-01 10:00"), storage.TriggerCron); err != nil || res.Outcome != Off {
		t.Errorf("a job turned off ran by cron: %+v, %v", res, err)
	}

	// The next runs skip the holiday and take in the 调休 Saturday.
	runs, err := s.NextRuns("approver_digest", at(t, "2026-02-13 15:00"), 4)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range runs {
		got = append(got, r.Format("01-02 15:04"))
	}
	// 14:40 is Monday to Friday only: not on Saturday the 14th.
	if want := []string{"02-14 09:10", "02-24 09:10", "02-24 14:40", "02-25 09:10"}; !slices.Equal(got, want) {
		t.Errorf("next runs = %v, want %v", got, want)
	}
	// order_urgent's next runs in working time: after 17:30 on Friday, the
	// 调休 Saturday morning.
	runs, err = s.NextRuns("order_urgent", at(t, "2026-02-13 17:10"), 3)
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, r := range runs {
		got = append(got, r.Format("01-02 15:04"))
	}
	if want := []string{"02-13 17:22", "02-14 08:37", "02-14 08:52"}; !slices.Equal(got, want) {
		t.Errorf("order_urgent next runs = %v, want %v", got, want)
	}
	if runs, err := s.NextRuns("deadline", at(t, "2027-12-30 10:00"), 3); err == nil || len(runs) != 1 {
		t.Errorf("next runs past the calendar = %v, %v; want one and an error", runs, err)
	}

	off, err := New(Options{Schedules: "off"})
	if err != nil || !off.Disabled() {
		t.Fatalf("SCHEDULES=off: %v, disabled %v", err, off.Disabled())
	}
	for _, j := range off.Jobs() {
		if j.Auto {
			t.Errorf("%s runs automatically with SCHEDULES=off", j.Name)
		}
	}

	for spec, want := range map[string]string{
		"digest=5 9 * * *":                 `unknown job "digest"`,
		"deadline":                         `"deadline": want name=cron spec`,
		"deadline=61 9 * * *":              `deadline: "61 9 * * *"`,
		"deadline=@every 1h":               "@every has no fixed slots",
		"deadline=CRON_TZ=UTC 5 9 * * *":   "times are Asia/Shanghai",
		"escalation=5 9 * * *|nonsense":    `escalation: "nonsense"`,
		"office_digest=35 8 * * *;x=1 * *": `unknown job "x"`,
	} {
		_, err := New(Options{Schedules: spec})
		if err == nil || !strings.HasPrefix(err.Error(), "SCHEDULES: ") || !strings.Contains(err.Error(), want) {
			t.Errorf("SCHEDULES=%q: %v, want an error naming SCHEDULES with %q", spec, err, want)
		}
	}
	if _, err := New(Options{MeetingDue: "13-01"}); err == nil || !strings.HasPrefix(err.Error(), "MEETING_DUE") {
		t.Errorf("MEETING_DUE=13-01: %v", err)
	}
}

func TestLatestSlot(t *testing.T) {
	t.Parallel()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	j := s.job("approver_digest")
	for now, want := range map[string]string{
		"2026-02-24 09:05": "2026-02-24 09:05", // the firing itself
		"2026-02-24 09:04": "2026-02-23 14:35",
		"2026-02-24 16:00": "2026-02-24 14:35",
		"2026-02-24 00:00": "2026-02-23 14:35",
	} {
		got, ok := j.latestSlot(at(t, now))
		if !ok || !got.Equal(at(t, want)) {
			t.Errorf("latest slot at %s = %v, want %s", now, got, want)
		}
	}
}

// The 年度报告 is chased weekly from 2 January until an office member
// marks it done; the 专题工作会议 from MEETING_DUE until one is recorded.
func TestYearlyRemindersStopWhenRecorded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	s := newScheduler(t, db, Options{MeetingDue: "01-05"})
	run := func(job, when string) Result {
		t.Helper()
		res, err := s.RunJob(ctx, job, at(t, when), storage.TriggerManual)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	// 2026-01-02 is 元旦 (off): quiet. 01-04 is a 调休 Sunday, the first
	// working day: the reminder; again on 01-05 (a new ISO week) but not on
	// 01-06 (the same week).
	if res := run("annual_report", "2026-01-02 09:45"); res.Outcome != Quiet {
		t.Errorf("annual_report on 元旦: %s", res.Outcome)
	}
	for _, c := range []struct {
		when string
		n    int
	}{{"2026-01-04 09:45", 2}, {"2026-01-05 09:45", 2}, {"2026-01-06 09:45", 0}} {
		if res := run("annual_report", c.when); res.Queued != c.n {
			t.Errorf("annual_report at %s queued %d, want %d", c.when, res.Queued, c.n)
		}
	}
	msgs := outboxAfter(t, db, 0)
	mustContain(t, "the first 年度报告 reminder", msgs[0].Text, "2025年度政府信息公开工作年度报告应于2026年1月31日前报送", "距截止还有27天", "「年度报告 2025」", "「年度报告 2025 已发布」")
	if msgs[0].To != chenlixin || msgs[1].To != linxiao {
		t.Errorf("年度报告 reminder went to %s and %s, want the office", msgs[0].To, msgs[1].To)
	}
	err := db.WithTx(ctx, func(tx *storage.Tx) error {
		_, _, err := storage.MarkAnnualReport(ctx, tx, storage.AnnualReport{Year: 2025, DoneBy: linxiao, DoneAt: at(t, "2026-01-07 10:00")})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if res := run("annual_report", "2026-01-12 09:45"); res.Queued != 0 {
		t.Errorf("annual_report after 已完成 queued %d", res.Queued)
	}
	// Outside 2 January – 31 March there is nothing to chase.
	if res := run("annual_report", "2026-04-07 09:45"); res.Queued != 0 {
		t.Errorf("annual_report in April queued %d", res.Queued)
	}

	// Meeting: not before MEETING_DUE (01-05), weekly after it.
	if res := run("annual_meeting", "2026-01-04 09:55"); res.Queued != 0 {
		t.Errorf("annual_meeting before its date queued %d", res.Queued)
	}
	before := len(outboxAfter(t, db, 0))
	for _, c := range []struct {
		when string
		n    int
	}{{"2026-01-05 09:55", 2}, {"2026-01-09 09:55", 0}, {"2026-01-12 09:55", 2}} {
		if res := run("annual_meeting", c.when); res.Queued != c.n {
			t.Errorf("annual_meeting at %s queued %d, want %d", c.when, res.Queued, c.n)
		}
	}
	m := outboxAfter(t, db, 0)[before]
	mustContain(t, "the meeting reminder", m.Text, "2026年尚未登记政务公开专题工作会议", "应于2026年1月5日前召开", "会议 登记 2026-01-05")
	err = db.WithTx(ctx, func(tx *storage.Tx) error {
		_, err := storage.InsertMeeting(ctx, tx, storage.Meeting{HeldOn: at(t, "2026-01-13"), Topic: "研究部署全年政务公开工作", RecordedBy: leader, RecordedAt: at(t, "2026-01-13 16:00")})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if res := run("annual_meeting", "2026-01-19 09:55"); res.Queued != 0 {
		t.Errorf("annual_meeting after a meeting was recorded queued %d", res.Queued)
	}
}

// A 主动公开 deadline the calendar could not compute reaches the office in
// its digest; once the calendar has the year, the deadline job fills it in.
// The digest also warns when the calendar is about to run out.
func TestMissingDeadlineAndCalendarEndReachTheOffice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	sd := newSeeder(t, db)
	// Formed 2027-12-17: 20 working days reach into 2028, which the
	// embedded calendar does not cover; the form was stored without a
	// deadline.
	f := sd.create("F9", formSeed{seq: 9, submitter: lina, section: "综合一股", active: true, noDeadline: true, formed: "2027-12-17",
		stage: "section", assignees: []string{zhangwei}, created: "2027-12-20 09:00"})

	s := newScheduler(t, db, Options{})
	res, err := s.RunJob(ctx, "office_digest", at(t, "2027-12-21 08:36"), storage.TriggerCron)
	if err != nil || res.Queued != 2 {
		t.Fatalf("office digest = %+v, %v; want 2 texts", res, err)
	}
	text := outboxAfter(t, db, 0)[0].Text
	mustContain(t, "office digest", text,
		"1件主动公开审批单的公开时限无法计算（公开审〔2026〕9号）", "工作日历仅覆盖至2027年12月31日", "「日历 添加」")
	if res, err := s.RunJob(ctx, "deadline", at(t, "2027-12-21 09:16"), storage.TriggerCron); err != nil || res.Queued != 0 {
		t.Fatalf("deadline without the year = %+v, %v", res, err)
	}

	// CALENDAR_FILE now adds 2028: the deadline job fills the deadline in.
	cal, err := workflow.NewCalendar([]byte(`years:
  2028:
    off: ["2028-01-01", "2028-02-10..2028-02-20", "2028-05-01..2028-05-05", "2028-10-01..2028-10-08"]
`))
	if err != nil {
		t.Fatal(err)
	}
	s2 := newScheduler(t, db, Options{Calendar: cal})
	if _, err := s2.RunJob(ctx, "deadline", at(t, "2027-12-22 09:16"), storage.TriggerCron); err != nil {
		t.Fatal(err)
	}
	got, err := storage.GetForm(ctx, db, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	// 2027-12-20..24 and 27..31 are 10 working days; 2028-01-03..07 and
	// 10..14 the other 10.
	want := sql.NullTime{Time: at(t, "2028-01-14 23:59").Add(59 * time.Second), Valid: true}
	if !got.Deadline.Valid || !got.Deadline.Time.Equal(want.Time) {
		t.Errorf("deadline = %v, want %v", got.Deadline, want.Time)
	}
	trail, _ := storage.AuditTrail(ctx, db, "form", strconv.FormatInt(f.ID, 10))
	if len(trail) != 1 || trail[0].Action != "deadline" || trail[0].Actor != "scheduler" {
		t.Errorf("audit = %+v, want one deadline entry by the scheduler", trail)
	}
}

// A notice the 公众号's 群发 quota kept from the followers is reported in
// the next office digest, even on a day with nothing else to say, and
// only in that one.
func TestOfficeDigestReportsRefusedNotices(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	err := db.WithTx(ctx, func(tx *storage.Tx) error {
		_, err := storage.ClaimNotice(ctx, tx, storage.Notice{Kind: "form", Ref: "15", Mode: "mass", QueuedAt: at(t, "2026-11-30 10:04"),
			Status: storage.NoticeRefused, Detail: []byte(`{"title":"通报","serial":"公开审〔2026〕15号"}`),
			Reason: "2026年11月的4次群发已用完（服务号的关注者每月最多接收4次群发），2026年12月1日起恢复"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s := newScheduler(t, db, Options{})
	res, err := s.RunJob(ctx, "office_digest", at(t, "2026-12-01 08:36"), storage.TriggerCron)
	if err != nil || res.Queued != 2 {
		t.Fatalf("office digest = %+v, %v; want 2 texts", res, err)
	}
	mustContain(t, "office digest", outboxAfter(t, db, 0)[0].Text,
		"请注意：公开审〔2026〕15号未能推送给公众号关注者，原因是2026年11月的4次群发已用完（服务号的关注者每月最多接收4次群发），2026年12月1日起恢复。")
	if res, err := s.RunJob(ctx, "office_digest", at(t, "2026-12-02 08:36"), storage.TriggerCron); err != nil || res.Queued != 0 {
		t.Fatalf("the next day's digest = %+v, %v; want nothing", res, err)
	}
}
