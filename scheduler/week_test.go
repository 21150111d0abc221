package scheduler

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
	"github.com/zwgk-bot/zwgk/workflow"
)

// daySlots are the default schedules in the order they fire in a day.
var daySlots = []struct{ job, hm string }{
	{"office_digest", "08:35"},
	{"approver_digest", "09:05"},
	{"deadline", "09:15"},
	{"escalation", "09:25"},
	{"annual_report", "09:45"},
	{"annual_meeting", "09:55"},
	{"approver_digest", "14:35"},
}

// springFestival seeds the forms that exist before 2026-02-12, in every
// state, and returns the events of the days that follow, in time order.
//
// 2026: Thu 02-12 and Fri 02-13 are working days, Sat 02-14 is a 调休
// working day, 02-15..02-23 is the Spring Festival holiday, Tue 02-24 is
// the first working day after it.
func springFestival(sd *seeder) []struct {
	when string
	do   func()
} {
	// F1: stuck at the section head since Tuesday; 主动公开, formed
	// 01-16, so due 02-13.
	sd.create("F1", formSeed{seq: 1, submitter: lina, section: "综合一股", active: true, formed: "2026-01-16",
		stage: "section", assignees: []string{zhangwei}, created: "2026-02-10 09:00"})
	// F4: withdrawn; its deadline (02-12) no longer matters.
	sd.create("F4", formSeed{seq: 4, submitter: lina, section: "综合一股", active: true, formed: "2026-01-15",
		stage: "section", assignees: []string{zhangwei}, created: "2026-02-09 10:00"})
	sd.move("F4", "withdrawn", "", nil, "2026-02-09 11:00")
	// F5: published; its deadline (02-11) was met.
	sd.create("F5", formSeed{seq: 5, submitter: liuyang, section: "综合一股", active: true, formed: "2026-01-14",
		stage: "publish", assignees: []string{hejing}, created: "2026-02-03 10:00"})
	sd.move("F5", "published", "", nil, "2026-02-09 15:00")
	// F6: rejected on 02-11, waiting for 李娜 to revise; due 02-24.
	sd.create("F6", formSeed{seq: 6, submitter: lina, section: "综合一股", active: true, formed: "2026-01-20",
		stage: "section", assignees: []string{zhangwei}, created: "2026-02-05 10:00"})
	sd.move("F6", "rejected", "", nil, "2026-02-11 10:00")
	// F7: 依申请公开 (no deadline), at the leader since Wednesday 16:00.
	sd.create("F7", formSeed{seq: 7, submitter: huanglei, section: "综合二股", formed: "2026-02-10",
		stage: "section", assignees: []string{"yangfan"}, created: "2026-02-11 09:00"})
	sd.move("F7", "review", "leader", []string{leader}, "2026-02-11 16:00")

	return []struct {
		when string
		do   func()
	}{
		// F2: 主动公开 formed 02-02 (due 03-06), submitted Thursday
		// afternoon, approved by the head on Friday.
		{"2026-02-12 14:00", func() {
			sd.create("F2", formSeed{seq: 2, submitter: liuyang, section: "综合一股", active: true, formed: "2026-02-02",
				stage: "section", assignees: []string{zhangwei}, created: "2026-02-12 14:00"})
		}},
		{"2026-02-13 10:00", func() { sd.move("F2", "review", "office", office, "2026-02-13 10:00") }},
		// F3: 依申请公开, submitted Friday evening, through the head and
		// the office on the 调休 Saturday, then waiting to be published.
		{"2026-02-13 16:00", func() {
			sd.create("F3", formSeed{seq: 3, submitter: xupeng, section: "环境监察室", formed: "2026-02-13",
				stage: "section", assignees: []string{wumin}, created: "2026-02-13 16:00"})
		}},
		{"2026-02-14 09:50", func() { sd.move("F3", "review", "office", office, "2026-02-14 09:50") }},
		{"2026-02-14 11:00", func() { sd.move("F3", "publishing", "publish", []string{hejing}, "2026-02-14 11:00") }},
	}
}

func TestRemindersThroughSpringFestivalWeek(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	s := newScheduler(t, db, Options{})
	sd := newSeeder(t, db)
	events := springFestival(sd)

	// The deadlines the reminders rest on (条例 Art. 26, 20 working days,
	// the holiday not counted).
	for name, want := range map[string]string{"F1": "2026-02-13", "F4": "2026-02-12", "F5": "2026-02-11", "F6": "2026-02-24"} {
		if got := sd.forms[name].Deadline.Time.Format(time.DateOnly); got != want {
			t.Fatalf("%s deadline = %s, want %s", name, got, want)
		}
	}

	got := map[string][]string{} // day → reminder keys queued that day
	texts := map[string]string{} // "job@slot to" → text
	seen := map[string]bool{}
	var lastID int64
	for day := at(t, "2026-02-12"); !day.After(at(t, "2026-02-24")); day = day.AddDate(0, 0, 1) {
		d := day.Format(time.DateOnly)
		working, _ := workflow.DefaultCalendar().IsWorkingDay(day)
		for _, sl := range daySlots {
			slot := at(t, d+" "+sl.hm)
			for len(events) > 0 && !at(t, events[0].when).After(slot) {
				events[0].do()
				events = events[1:]
			}
			res, err := s.RunJob(ctx, sl.job, slot.Add(3*time.Second), storage.TriggerCron)
			if err != nil {
				t.Fatalf("%s %s: %v", sl.job, slot, err)
			}
			if want := map[bool]Outcome{true: Ran, false: Quiet}[working]; res.Outcome != want {
				t.Fatalf("%s at %s: %s, want %s", sl.job, slot, res.Outcome, want)
			}
			if res.Outcome == Ran && !res.Slot.Equal(slot) {
				t.Fatalf("%s at %s ran slot %s", sl.job, slot, res.Slot)
			}

			// What this run claimed, and what it queued: one text to each
			// recipient of the new keys, nothing else.
			var fresh []string
			recipients := map[string]bool{}
			for _, r := range reminders(t, db) {
				k := sd.keyString(r)
				if seen[k] {
					continue
				}
				seen[k] = true
				fresh = append(fresh, k)
				for _, to := range r.Recipients {
					recipients[to] = true
				}
			}
			got[d] = append(got[d], fresh...)
			msgs := outboxAfter(t, db, lastID)
			var to []string
			for _, m := range msgs {
				if slices.Contains(to, m.To) {
					t.Errorf("%s at %s: two texts to %s", sl.job, slot, m.To)
				}
				to = append(to, m.To)
				texts[sl.job+"@"+d+" "+sl.hm+" "+m.To] = m.Text
				lastID = m.ID
			}
			if len(to) != len(recipients) || res.Queued != len(msgs) {
				t.Errorf("%s at %s: queued %d texts to %v (reported %d), want one to each of %v", sl.job, slot, len(msgs), to, res.Queued, recipients)
			}
			for _, r := range to {
				if !recipients[r] {
					t.Errorf("%s at %s: text to %s without a reminder key", sl.job, slot, r)
				}
			}

			// A restart runs the same slot again, by cron or by hand:
			// nothing is queued twice.
			for _, trig := range []string{storage.TriggerCron, storage.TriggerStartup, storage.TriggerManual} {
				again, err := s.RunJob(ctx, sl.job, slot.Add(time.Minute), trig)
				if err != nil {
					t.Fatal(err)
				}
				if again.Queued != 0 || (working && trig != storage.TriggerManual && again.Outcome != DoneBefore) {
					t.Errorf("%s at %s run again (%s): %s, queued %d", sl.job, slot, trig, again.Outcome, again.Queued)
				}
			}
			if extra := outboxAfter(t, db, lastID); len(extra) > 0 {
				t.Errorf("%s at %s run again: queued %d texts", sl.job, slot, len(extra))
			}
		}
	}
	if len(events) > 0 {
		t.Fatalf("%d events not applied", len(events))
	}

	digest := func(slot string, users ...string) []string {
		var out []string
		for _, u := range users {
			job := "approver_digest"
			if strings.HasSuffix(slot, "08:35") {
				job = "office_digest"
			}
			out = append(out, job+" user:"+u+" "+slot+" → "+u)
		}
		return out
	}
	const (
		toF1     = "chenlixin,linxiaoyan,zhangwei"
		toF6     = "chenlixin,lina,linxiaoyan"
		toOffice = "chenlixin,linxiaoyan"
		overF1   = "zhangwei,zhouzhenhua"
	)
	want := map[string][]string{
		"2026-02-12": slices.Concat(
			digest("2026-02-12T08:35", chenlixin, linxiao),
			digest("2026-02-12T09:05", zhangwei, leader),
			[]string{
				"deadline form:F1:urgent 2026-02-12 → " + toF1,
				"deadline form:F6:urgent 2026-02-12 → " + toF6,
				"escalation form:F1:v1:section 2026-02-12 → " + toOffice,
				"annual_report report:2025 2026-W07 → " + toOffice,
			},
			digest("2026-02-12T14:35", zhangwei, leader)),
		"2026-02-13": slices.Concat(
			digest("2026-02-13T08:35", chenlixin, linxiao),
			digest("2026-02-13T09:05", zhangwei, leader),
			[]string{
				"deadline form:F1:urgent 2026-02-13 → " + toF1,
				"deadline form:F6:urgent 2026-02-13 → " + toF6,
				"escalation form:F1:v1:section 2026-02-13 → " + toOffice,
				"escalation form:F7:v1:leader 2026-02-13 → " + toOffice,
			},
			digest("2026-02-13T14:35", chenlixin, linxiao, zhangwei, leader)),
		"2026-02-14": slices.Concat(
			digest("2026-02-14T08:35", chenlixin, linxiao),
			digest("2026-02-14T09:05", chenlixin, linxiao, wumin, zhangwei, leader),
			[]string{
				"deadline form:F1:overdue 2026-02-14 → " + overF1,
				"deadline form:F6:urgent 2026-02-14 → " + toF6,
				"escalation form:F1:v1:section 2026-02-14 → " + toOffice,
				"escalation form:F7:v1:leader 2026-02-14 → " + toOffice,
			},
			digest("2026-02-14T14:35", chenlixin, hejing, linxiao, zhangwei, leader)),
		"2026-02-24": slices.Concat(
			digest("2026-02-24T08:35", chenlixin, linxiao),
			digest("2026-02-24T09:05", chenlixin, hejing, linxiao, zhangwei, leader),
			[]string{
				"deadline form:F1:overdue 2026-02-24 → " + overF1,
				"deadline form:F6:urgent 2026-02-24 → " + toF6,
				"escalation form:F1:v1:section 2026-02-24 → " + toOffice,
				"escalation form:F2:v1:office 2026-02-24 → " + toOffice,
				"escalation form:F7:v1:leader 2026-02-24 → " + toOffice,
				"annual_report report:2025 2026-W09 → " + toOffice,
			},
			digest("2026-02-24T14:35", chenlixin, hejing, linxiao, zhangwei, leader)),
	}
	for day := at(t, "2026-02-12"); !day.After(at(t, "2026-02-24")); day = day.AddDate(0, 0, 1) {
		d := day.Format(time.DateOnly)
		g, w := slices.Clone(got[d]), slices.Clone(want[d])
		slices.Sort(g)
		slices.Sort(w)
		if !slices.Equal(g, w) {
			t.Errorf("%s: reminders\n  %s\nwant\n  %s", d, strings.Join(g, "\n  "), strings.Join(w, "\n  "))
		}
	}

	// What the texts say.
	text := func(key string) string {
		t.Helper()
		v, ok := texts[key]
		if !ok {
			t.Fatalf("no text %s", key)
		}
		return v
	}
	mustContain(t, "office digest 02-12", text("office_digest@2026-02-12 08:35 chenlixin"),
		"【政务公开日报】2026年2月12日", "上一工作日以来新提交：1件（公开审〔2026〕7号）", "今日到期：无", "已逾期：无", "待发布：无")
	mustContain(t, "office digest 02-24", text("office_digest@2026-02-24 08:35 linxiaoyan"),
		"上一工作日以来新提交：无", "今日到期：1件（公开审〔2026〕6号）", "已逾期：1件（公开审〔2026〕1号）", "待发布：1件（公开审〔2026〕3号）")
	mustContain(t, "张伟's digest 02-13 09:05", text("approver_digest@2026-02-13 09:05 zhangwei"),
		"您有 2 件", "公开审〔2026〕1号", "公开审〔2026〕2号", "最早一件已等待 3 个工作日", "最近的公开时限：2026年2月13日（公开审〔2026〕1号）", "「待办」")
	lead := text("approver_digest@2026-02-12 09:05 zhouzhenhua")
	mustContain(t, "周振华's digest 02-12", lead, "您有 1 件", "待主要负责人审核，已等待1个工作日")
	if strings.Contains(lead, "公开时限") {
		t.Errorf("a 依申请公开 form's digest names a deadline:\n%s", lead)
	}
	mustContain(t, "陈立新's digest 02-13 14:35", text("approver_digest@2026-02-13 14:35 chenlixin"), "今日送达")
	mustContain(t, "陈立新's digest 02-24 09:05", text("approver_digest@2026-02-24 09:05 chenlixin"), "您有 1 件", "已等待2个工作日，公开时限2026年3月6日")
	mustContain(t, "deadline to the office 02-12", text("deadline@2026-02-12 09:15 chenlixin"),
		"公开审〔2026〕1号", "2026年2月13日到期，还剩1个工作日", "公开审〔2026〕6号", "2026年2月24日到期，还剩3个工作日", "已驳回，待承办人李娜修改或撤回", "请督促办理")
	liNa := text("deadline@2026-02-12 09:15 lina")
	mustContain(t, "deadline to 李娜 02-12", liNa, "公开审〔2026〕6号", "请抓紧在驳回通知卡片上修改后重新提交")
	if strings.Contains(liNa, "公开审〔2026〕1号") {
		t.Errorf("李娜 was told of a form she does not act on:\n%s", liNa)
	}
	mustContain(t, "deadline to 张伟 02-13", text("deadline@2026-02-13 09:15 zhangwei"), "今日（2026年2月13日）到期", "请抓紧办理。发送「待办」")
	mustContain(t, "overdue to the leader 02-14", text("deadline@2026-02-14 09:15 zhouzhenhua"), "公开审〔2026〕1号", "已逾期1个工作日（时限2026年2月13日）")
	mustContain(t, "overdue to the leader 02-24", text("deadline@2026-02-24 09:15 zhouzhenhua"), "已逾期2个工作日")
	mustContain(t, "deadline to 李娜 02-24", text("deadline@2026-02-24 09:15 lina"), "今日（2026年2月24日）到期", "修改后重新提交")
	mustContain(t, "escalation 02-24", text("escalation@2026-02-24 09:25 chenlixin"),
		"公开审〔2026〕1号", "已等待5个工作日", "公开审〔2026〕7号", "已等待4个工作日", "公开审〔2026〕2号", "待办公室审核（陈立新、林晓燕），已等待2个工作日")
	mustContain(t, "annual report 02-24", text("annual_report@2026-02-24 09:45 linxiaoyan"),
		"2025年度政府信息公开工作年度报告", "2026年1月31日", "已过", "「年度报告 2025 已发布」")
}
