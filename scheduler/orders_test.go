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

// event is something that happens at a time of the test week.
type event = struct {
	when string
	do   func()
}

// Moves of an order, as the handlers' cards make them.
func (sd *seeder) accept(name, when string) {
	v := at(sd.t, when)
	sd.change(name, storage.OrderChange{State: string(workflow.OrderAccepted), AcceptedAt: &v}, when)
}

func (sd *seeder) assign(name, handler, when string) {
	sd.change(name, storage.OrderChange{State: string(workflow.OrderAssigned), Handler: &handler}, when)
}

func (sd *seeder) answer(name, when string) {
	v, answer, finding, measures := at(sd.t, when), "已现场核查并责令整改。", "属实", "责令整改"
	sd.change(name, storage.OrderChange{State: string(workflow.OrderAnswered), Answer: &answer, Finding: &finding,
		Measures: &measures, AnsweredAt: &v, ClearExt: true}, when)
}

func (sd *seeder) close(name, when string) {
	v := at(sd.t, when)
	sd.change(name, storage.OrderChange{State: string(workflow.OrderClosed), ClosedAt: &v}, when)
}

// orderWeek seeds the 12345 orders that exist before 2026-02-12, in every
// state, and returns the events of the days that follow, in time order.
// The calendar is springFestival's: Thu 02-12, Fri 02-13 and the 调休
// Saturday 02-14 are working days, 02-15..02-23 the Spring Festival
// holiday, Tue 02-24 and Wed 02-25 working days again.
func orderWeek(sd *seeder) []event {
	// A: dispatched to 综合一股 on Wednesday, not signed for by its 签收
	// limit (Thursday); 张伟 signs for it on 02-24.
	sd.order("A", orderSeed{category: "投诉", received: "2026-02-11 10:00", due: "2026-03-10", acceptDue: "2026-02-12",
		section: "综合一股", registrar: hejing})
	// C: with 李娜, due Friday; answered on its due day, replied to 12345
	// only on 02-24.
	sd.order("C", orderSeed{category: "求助", received: "2026-02-06 10:00", due: "2026-02-13", acceptDue: "2026-02-09",
		section: "综合一股", registrar: linxiao})
	sd.accept("C", "2026-02-06 11:00")
	sd.assign("C", lina, "2026-02-06 11:05")
	// D: with 徐鹏, due Thursday, never answered.
	sd.order("D", orderSeed{category: "投诉", received: "2026-01-22 10:00", due: "2026-02-12", acceptDue: "2026-01-23",
		section: "环境监察室", registrar: chenlixin})
	sd.accept("D", "2026-01-22 11:00")
	sd.assign("D", xupeng, "2026-01-22 11:05")
	// E: with 黄磊, overdue since 02-10; his 延期 request waits for the
	// office all week (the limit does not move until it is approved).
	sd.order("E", orderSeed{category: "举报", received: "2026-01-20 09:00", due: "2026-02-10", acceptDue: "2026-01-21",
		section: "综合二股", registrar: chenlixin})
	sd.accept("E", "2026-01-20 10:00")
	sd.assign("E", huanglei, "2026-01-20 10:05")
	ext, reason := endOf(sd.t, "2026-02-27"), "需联合住建部门现场核查"
	sd.change("E", storage.OrderChange{ExtUntil: &ext, ExtReason: &reason}, "2026-02-10 16:00")
	// F: with 刘洋, due Friday; on Thursday the office approves an
	// extension to 02-25.
	sd.order("F", orderSeed{category: "建议", received: "2026-01-28 09:00", due: "2026-02-13", acceptDue: "2026-01-29",
		section: "综合一股", registrar: chenlixin})
	sd.accept("F", "2026-01-28 10:00")
	sd.assign("F", liuyang, "2026-01-28 10:05")
	// G: urgent, received Wednesday 22:00 (24 hours: due Thursday 22:00),
	// with 李娜 from the night shift; answered Friday, replied Saturday.
	sd.order("G", orderSeed{category: "投诉", urgent: true, received: "2026-02-11 22:00", due: "2026-02-12 22:00", acceptDue: "2026-02-12",
		section: "综合一股", registrar: chenlixin})
	sd.accept("G", "2026-02-11 22:30")
	sd.assign("G", lina, "2026-02-11 22:35")
	// J: returned by 综合一股 on Wednesday; its registrar 何静 re-dispatches
	// it to 综合二股 only on Saturday, where nobody signs for it.
	sd.order("J", orderSeed{category: "咨询", received: "2026-02-11 09:00", due: "2026-02-13", acceptDue: "2026-02-12",
		section: "综合一股", registrar: hejing})
	sd.change("J", storage.OrderChange{State: string(workflow.OrderReturned)}, "2026-02-11 15:00")
	// K: closed before the week, its due time long past: never reminded.
	sd.order("K", orderSeed{category: "咨询", received: "2026-02-05 09:00", due: "2026-02-09", acceptDue: "2026-02-06",
		section: "综合二股", registrar: chenlixin})
	sd.accept("K", "2026-02-05 10:00")
	sd.assign("K", huanglei, "2026-02-05 10:05")
	sd.answer("K", "2026-02-09 15:00")
	sd.close("K", "2026-02-10 09:00")
	// M: with 郭婷, due 02-24, answered early; the reply to 12345 is
	// forgotten.
	sd.order("M", orderSeed{category: "求助", received: "2026-02-09 09:00", due: "2026-02-24", acceptDue: "2026-02-10",
		section: "环境监察室", registrar: linxiao})
	sd.accept("M", "2026-02-09 10:00")
	sd.assign("M", "guoting", "2026-02-09 10:05")
	// N: with 刘洋, due on a day off (Sunday 02-15, in the holiday).
	sd.order("N", orderSeed{category: "咨询", received: "2026-02-10 09:00", due: "2026-02-15", acceptDue: "2026-02-11",
		section: "综合一股", registrar: chenlixin})
	sd.accept("N", "2026-02-10 10:00")
	sd.assign("N", liuyang, "2026-02-10 10:05")

	return []event{
		// B: 咨询, due on the 调休 Saturday; signed for by 吴敏, who names
		// no handler.
		{"2026-02-12 09:00", func() {
			sd.order("B", orderSeed{category: "咨询", received: "2026-02-12 09:00", due: "2026-02-14", acceptDue: "2026-02-13",
				section: "环境监察室", registrar: chenlixin})
		}},
		{"2026-02-12 09:30", func() { sd.accept("B", "2026-02-12 09:30") }},
		// L: urgent, closed within hours: never reminded.
		{"2026-02-12 08:00", func() {
			sd.order("L", orderSeed{category: "求助", urgent: true, received: "2026-02-12 08:00", due: "2026-02-13 08:00", acceptDue: "2026-02-13",
				section: "综合二股", registrar: chenlixin})
		}},
		{"2026-02-12 08:10", func() { sd.accept("L", "2026-02-12 08:10") }},
		{"2026-02-12 08:15", func() { sd.assign("L", huanglei, "2026-02-12 08:15") }},
		{"2026-02-12 10:30", func() { sd.answer("L", "2026-02-12 10:30") }},
		{"2026-02-12 11:00", func() { sd.close("L", "2026-02-12 11:00") }},
		// F's extension: requested and approved (due_at moves).
		{"2026-02-12 10:00", func() {
			until, why := endOf(sd.t, "2026-02-25"), "需等待监测报告"
			sd.change("F", storage.OrderChange{ExtUntil: &until, ExtReason: &why}, "2026-02-12 10:00")
		}},
		{"2026-02-12 11:00", func() {
			until := sd.orders["F"].ExtUntil.Time
			sd.change("F", storage.OrderChange{DueAt: &until, ClearExt: true}, "2026-02-12 11:00")
		}},
		// I: urgent, received Friday 10:00 (due Saturday 10:00), signed
		// for by 杨帆; its 50% and 80% fall in the night.
		{"2026-02-13 10:00", func() {
			sd.order("I", orderSeed{category: "求助", urgent: true, received: "2026-02-13 10:00", due: "2026-02-14 10:00", acceptDue: "2026-02-14",
				section: "综合二股", registrar: chenlixin})
		}},
		{"2026-02-13 10:00", func() { sd.answer("M", "2026-02-13 10:00") }},
		{"2026-02-13 10:30", func() { sd.accept("I", "2026-02-13 10:30") }},
		{"2026-02-13 15:00", func() { sd.answer("G", "2026-02-13 15:00") }},
		{"2026-02-13 16:00", func() { sd.answer("C", "2026-02-13 16:00") }},
		{"2026-02-14 09:00", func() { sd.assign("I", huanglei, "2026-02-14 09:00") }},
		{"2026-02-14 09:30", func() { sd.answer("I", "2026-02-14 09:30") }},
		{"2026-02-14 10:00", func() { sd.close("G", "2026-02-14 10:00") }},
		{"2026-02-14 10:30", func() { sd.close("I", "2026-02-14 10:30") }},
		{"2026-02-14 11:00", func() {
			to := "综合二股"
			sd.change("J", storage.OrderChange{State: string(workflow.OrderDispatched), Section: &to}, "2026-02-14 11:00")
		}},
		// H: urgent, received in the holiday night, dispatched to 综合二股;
		// nobody signs for it.
		{"2026-02-15 03:00", func() {
			sd.order("H", orderSeed{category: "投诉", urgent: true, received: "2026-02-15 03:00", due: "2026-02-16 03:00", acceptDue: "2026-02-24",
				section: "综合二股", registrar: hejing})
		}},
		// P: urgent, received on the holiday's last day, due 09:45 on the
		// first working day, between order_overdue's run (09:50) and
		// order_urgent's (09:52): with 郭婷 of 环境监察室.
		{"2026-02-23 09:45", func() {
			sd.order("P", orderSeed{category: "投诉", urgent: true, received: "2026-02-23 09:45", due: "2026-02-24 09:45", acceptDue: "2026-02-24",
				section: "环境监察室", registrar: chenlixin})
		}},
		{"2026-02-23 10:00", func() { sd.accept("P", "2026-02-23 10:00") }},
		{"2026-02-23 10:05", func() { sd.assign("P", "guoting", "2026-02-23 10:05") }},
		{"2026-02-24 10:00", func() { sd.close("C", "2026-02-24 10:00") }},
		{"2026-02-24 11:00", func() { sd.accept("A", "2026-02-24 11:00") }},
	}
}

// sortEvents orders events by time, keeping the order of equal times.
func sortEvents(es []event) []event {
	slices.SortStableFunc(es, func(a, b event) int { return strings.Compare(a.when, b.when) })
	return es
}

// orderJobs are the order jobs run once a day, in the order they fire.
var orderJobs = []struct{ job, hm string }{
	{"order_due", "09:35"},
	{"order_accept", "09:40"},
	{"order_overdue", "09:50"},
}

// slotRun is a job's scheduled run.
type slotRun struct {
	job string
	at  time.Time
}

// orderSlots are the order jobs' default slots from the first day to the
// last, in time order: the daily ones and order_urgent's every 15 minutes
// (:07, :22, :37, :52), around the clock.
func orderSlots(t *testing.T, first, last string) []slotRun {
	t.Helper()
	var out []slotRun
	for day := at(t, first); !day.After(at(t, last)); day = day.AddDate(0, 0, 1) {
		for m := 7; m < 24*60; m += 15 {
			out = append(out, slotRun{"order_urgent", day.Add(time.Duration(m) * time.Minute)})
		}
		for _, j := range orderJobs {
			out = append(out, slotRun{j.job, at(t, day.Format(time.DateOnly)+" "+j.hm)})
		}
	}
	slices.SortStableFunc(out, func(a, b slotRun) int { return a.at.Compare(b.at) })
	return out
}

// drive runs the slots in order, applying each event before the first slot
// at or after it. It checks every run: the outcome (quiet outside working
// time, except order_urgent when anytime), one text for each recipient of
// each new key (one per person for order_overdue's digest of the day), and
// that running the slot again by cron, at start-up or by hand queues
// nothing. It returns the new keys of each day and the texts, by
// "job@YYYY-MM-DD HH:MM to".
func drive(t *testing.T, s *Scheduler, sd *seeder, events []event, slots []slotRun, anytime bool) (map[string][]string, map[string]string) {
	t.Helper()
	ctx := context.Background()
	cal := workflow.DefaultCalendar()
	got := map[string][]string{}
	texts := map[string]string{}
	seen := map[string]bool{}
	var lastID int64
	for _, sl := range slots {
		for len(events) > 0 && !at(t, events[0].when).After(sl.at) {
			events[0].do()
			events = events[1:]
		}
		res, err := s.RunJob(ctx, sl.job, sl.at.Add(3*time.Second), storage.TriggerCron)
		if err != nil {
			t.Fatalf("%s %s: %v", sl.job, sl.at, err)
		}
		working, _ := cal.InWorkingTime(sl.at)
		want := Quiet
		if working || (sl.job == "order_urgent" && anytime) {
			want = Ran
		}
		if res.Outcome != want || (res.Outcome == Ran && !res.Slot.Equal(sl.at)) {
			t.Fatalf("%s at %s: %s (slot %s), want %s", sl.job, sl.at, res.Outcome, res.Slot, want)
		}

		// The new keys, and the texts they stand for.
		wantTo := map[string]int{}
		var fresh []storage.Reminder
		for _, r := range reminders(t, sd.db) {
			k := sd.keyString(r)
			if seen[k] {
				continue
			}
			seen[k] = true
			fresh = append(fresh, r)
			d := sl.at.Format(time.DateOnly)
			got[d] = append(got[d], k)
			for _, to := range r.Recipients {
				switch {
				case sl.job == orderOverdueName || sl.job == "order_accept":
					wantTo[to] = 1 // one text each: several orders are listed in it
				case r.Job == sl.job:
					wantTo[to]++
				}
			}
		}
		msgs := outboxAfter(t, sd.db, lastID)
		gotTo := map[string]int{}
		for _, m := range msgs {
			gotTo[m.To]++
			key := sl.job + "@" + sl.at.Format("2006-01-02 15:04") + " " + m.To
			if _, dup := texts[key]; dup {
				key += "#2"
			}
			texts[key] = m.Text
			lastID = m.ID
		}
		if len(gotTo) != len(wantTo) || res.Queued != len(msgs) {
			t.Errorf("%s at %s: texts to %v (reported %d), want %v", sl.job, sl.at, gotTo, res.Queued, wantTo)
		}
		for to, n := range wantTo {
			if gotTo[to] != n {
				t.Errorf("%s at %s: %d texts to %s, want %d", sl.job, sl.at, gotTo[to], to, n)
			}
		}

		// A restart runs the same slot again: nothing more.
		if len(fresh) == 0 && sl.job == "order_urgent" {
			continue // (every 15 minutes: only where it sent something)
		}
		for _, trig := range []string{storage.TriggerCron, storage.TriggerStartup, storage.TriggerManual} {
			again, err := s.RunJob(ctx, sl.job, sl.at.Add(time.Minute), trig)
			if err != nil {
				t.Fatal(err)
			}
			if again.Queued != 0 || (want == Ran && trig != storage.TriggerManual && again.Outcome != DoneBefore) {
				t.Errorf("%s at %s run again (%s): %s, queued %d", sl.job, sl.at, trig, again.Outcome, again.Queued)
			}
		}
		if extra := outboxAfter(t, sd.db, lastID); len(extra) > 0 {
			t.Errorf("%s at %s run again: queued %d texts", sl.job, sl.at, len(extra))
		}
	}
	if len(events) > 0 {
		t.Fatalf("%d events not applied", len(events))
	}
	return got, texts
}

// compareDays checks the keys of each day from first to last.
func compareDays(t *testing.T, first, last string, got, want map[string][]string) {
	t.Helper()
	for day := at(t, first); !day.After(at(t, last)); day = day.AddDate(0, 0, 1) {
		d := day.Format(time.DateOnly)
		g, w := slices.Clone(got[d]), slices.Clone(want[d])
		slices.Sort(g)
		slices.Sort(w)
		if !slices.Equal(g, w) {
			t.Errorf("%s: reminders\n  %s\nwant\n  %s\ndiff\n%s", d, strings.Join(g, "\n  "), strings.Join(w, "\n  "), diff(g, w))
		}
	}
}

func TestOrderRemindersThroughSpringFestivalWeek(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	s := newScheduler(t, db, Options{})
	sd := newSeeder(t, db)
	events := sortEvents(orderWeek(sd))
	got, texts := drive(t, s, sd, events, orderSlots(t, "2026-02-12", "2026-02-25"), true)

	const (
		o       = "chenlixin,linxiaoyan" // the office
		lead    = "zhouzhenhua"
		acceptA = "chenlixin,hejing,linxiaoyan"
		overB   = "chenlixin,linxiaoyan,wumin," + lead
		overD   = "chenlixin,linxiaoyan,wumin,xupeng," + lead
		overE   = "chenlixin,huanglei,linxiaoyan,yangfan," + lead
		overG   = "chenlixin,lina,linxiaoyan,zhangwei," + lead
		overH   = "chenlixin,linxiaoyan,yangfan," + lead
		overJ1  = "chenlixin,hejing,linxiaoyan,zhangwei," + lead // returned: its registrar acts
		overJ2  = "chenlixin,linxiaoyan,yangfan," + lead         // re-dispatched to 综合二股
		overN   = "chenlixin,linxiaoyan,liuyang,zhangwei," + lead
		overP   = "chenlixin,guoting,linxiaoyan,wumin," + lead
	)
	want := map[string][]string{
		"2026-02-12": {
			"order_due order:C:before 2026-02-12 → lina",
			"order_due order:D:due 2026-02-12 → xupeng",
			"order_due order:F:before 2026-02-12 → liuyang", // before its extension
			"order_due order:J:before 2026-02-12 → hejing",
			"order_overdue order:E:overdue 2026-02-12 → " + overE,
			"order_urgent order:G:50% 2026-02-12T22:00 → lina",
			"order_urgent order:G:80% 2026-02-12T22:00 → lina",
			// G goes overdue at 22:00: reported at 22:07, which is also
			// the day's escalation.
			"order_urgent order:G:overdue 2026-02-12T22:00 → " + overG,
			"order_overdue order:G:overdue 2026-02-12 → " + overG,
		},
		"2026-02-13": {
			"order_due order:B:before 2026-02-13 → wumin",
			"order_due order:C:due 2026-02-13 → lina",
			"order_due order:J:due 2026-02-13 → hejing",
			"order_due order:N:before 2026-02-13 → liuyang",
			"order_accept order:A:accept 2026-02-13 → " + acceptA,
			"order_overdue order:D:overdue 2026-02-13 → " + overD,
			"order_overdue order:E:overdue 2026-02-13 → " + overE,
			"order_overdue order:G:overdue 2026-02-13 → " + overG,
		},
		"2026-02-14": {
			"order_urgent order:I:80% 2026-02-14T10:00 → yangfan", // 50% and 80% passed in the night
			"order_due order:B:due 2026-02-14 → wumin",
			"order_due order:N:due 2026-02-14 → liuyang", // due on Sunday
			"order_accept order:A:accept 2026-02-14 → " + acceptA,
			"order_overdue order:C:overdue 2026-02-14 → " + o, // answered: the reply is late
			"order_overdue order:D:overdue 2026-02-14 → " + overD,
			"order_overdue order:E:overdue 2026-02-14 → " + overE,
			"order_overdue order:G:overdue 2026-02-14 → " + o,
			"order_overdue order:J:overdue 2026-02-14 → " + overJ1,
		},
		// The holiday: only H, urgent, the night it goes overdue.
		"2026-02-16": {
			"order_urgent order:H:overdue 2026-02-16T03:00 → " + overH,
			"order_overdue order:H:overdue 2026-02-16 → " + overH,
		},
		"2026-02-24": {
			"order_urgent order:P:80% 2026-02-24T09:45 → guoting",
			"order_due order:F:before 2026-02-24 → liuyang", // the extended due date
			"order_due order:M:due 2026-02-24 → linxiaoyan", // answered: its registrar, to reply
			"order_accept order:A:accept 2026-02-24 → " + acceptA,
			"order_accept order:J:accept 2026-02-24 → " + acceptA,
			"order_overdue order:B:overdue 2026-02-24 → " + overB,
			"order_overdue order:C:overdue 2026-02-24 → " + o,
			"order_overdue order:D:overdue 2026-02-24 → " + overD,
			"order_overdue order:E:overdue 2026-02-24 → " + overE,
			"order_overdue order:H:overdue 2026-02-24 → " + overH,
			"order_overdue order:J:overdue 2026-02-24 → " + overJ2,
			"order_overdue order:N:overdue 2026-02-24 → " + overN,
			"order_overdue order:P:overdue 2026-02-24 → " + overP,
			// P went overdue at 09:45 and order_overdue listed it at 09:50:
			// order_urgent's report at 09:52 is recorded, sent to nobody.
			"order_urgent order:P:overdue 2026-02-24T09:45 → ",
		},
		"2026-02-25": {
			"order_due order:F:due 2026-02-25 → liuyang",
			"order_accept order:H:accept 2026-02-25 → chenlixin,hejing,linxiaoyan",
			"order_accept order:J:accept 2026-02-25 → " + acceptA,
			"order_overdue order:B:overdue 2026-02-25 → " + overB,
			"order_overdue order:D:overdue 2026-02-25 → " + overD,
			"order_overdue order:E:overdue 2026-02-25 → " + overE,
			"order_overdue order:H:overdue 2026-02-25 → " + overH,
			"order_overdue order:J:overdue 2026-02-25 → " + overJ2,
			"order_overdue order:M:overdue 2026-02-25 → " + o,
			"order_overdue order:N:overdue 2026-02-25 → " + overN,
			"order_overdue order:P:overdue 2026-02-25 → " + overP,
		},
	}
	compareDays(t, "2026-02-12", "2026-02-25", got, want)
	for _, keys := range got {
		for _, k := range keys {
			if strings.Contains(k, ":K:") || strings.Contains(k, ":L:") {
				t.Errorf("a closed order was reminded of: %s", k)
			}
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
	if got, want := text("order_due@2026-02-12 09:35 lina"),
		"【12345工单到期提醒】12345工单 20260206-C（求助）还剩1个工作日到期，办理时限：2026年2月13日。"+
			"请抓紧办理，办结后在办理卡片上点击「办结」；确需延期的，请点击「申请延期」。发送「工单 20260206-C」可查看详情。"; got != want {
		t.Errorf("C's reminder to 李娜:\n%s\nwant\n%s", got, want)
	}
	mustContain(t, "D due today", text("order_due@2026-02-12 09:35 xupeng"), "20260122-D（投诉）今日到期，办理时限：2026年2月12日。", "点击「办结」")
	mustContain(t, "B to the head", text("order_due@2026-02-13 09:35 wumin"), "20260212-B（咨询）还剩1个工作日到期，办理时限：2026年2月14日。", "尚未指定承办人，请在卡片上指定承办人")
	mustContain(t, "J to its registrar", text("order_due@2026-02-13 09:35 hejing"), "今日到期", "已被退回，请在卡片上选择股室重新派发")
	mustContain(t, "N due on a day off", text("order_due@2026-02-14 09:35 liuyang"), "2026年2月15日到期，今天是到期前最后一个工作日，办理时限：2026年2月15日。")
	mustContain(t, "F extended", text("order_due@2026-02-24 09:35 liuyang"), "20260128-F（建议）还剩1个工作日到期，办理时限：2026年2月25日。")
	mustContain(t, "M answered", text("order_due@2026-02-24 09:35 linxiaoyan"), "今日到期", "该工单已办结，尚未回复12345，请将答复回复12345后点击「已回复12345」")
	if got, want := text("order_accept@2026-02-13 09:40 hejing"),
		"【12345工单签收超时】12345工单 20260211-A（投诉）派发综合一股（张伟）后，超过签收时限（2026年2月12日）仍未签收，办理时限：2026年3月10日。"+
			"请联系张伟及时签收；如派发有误，请其退回后重新派发。发送「工单 20260211-A」可查看详情。"; got != want {
		t.Errorf("A's 签收 reminder:\n%s\nwant\n%s", got, want)
	}
	mustContain(t, "J's and A's 签收 reminder", text("order_accept@2026-02-24 09:40 hejing"), "以下2件12345工单超过签收时限仍未签收",
		"· 20260211-J（咨询）派发综合二股（杨帆），签收时限：2026年2月12日，办理时限：2026年2月13日（已超期）", "· 20260211-A（投诉）派发综合一股（张伟）")
	mustContain(t, "G at 50%", text("order_urgent@2026-02-12 10:07 lina"),
		"【12345紧急工单提醒】12345工单 20260211-G（投诉，紧急）办理时间已过半，还剩11小时52分钟，办理时限：2026年2月12日 22:00。", "点击「办结」")
	mustContain(t, "G at 80%", text("order_urgent@2026-02-12 17:22 lina"), "办理时间已用去80%，还剩4小时37分钟")
	if got, want := text("order_urgent@2026-02-12 22:07 zhouzhenhua"),
		"【12345紧急工单超时】12345工单 20260211-G（投诉，紧急）已超过办理时限（2026年2月12日 22:00），已超期7分钟，综合一股 李娜办理中。"+
			"请立即办理或督促办理。发送「工单 20260211-G」可查看详情。"; got != want {
		t.Errorf("G's report to the leader:\n%s\nwant\n%s", got, want)
	}
	mustContain(t, "H in the holiday night", text("order_urgent@2026-02-16 03:07 yangfan"), "20260215-H（投诉，紧急）", "已超期7分钟，待综合二股（杨帆）签收")
	mustContain(t, "I at 80% only", text("order_urgent@2026-02-14 08:37 yangfan"), "办理时间已用去80%，还剩1小时22分钟", "尚未指定承办人")

	lead24 := text("order_overdue@2026-02-24 09:50 zhouzhenhua")
	mustContain(t, "the leader's digest 02-24", lead24,
		"【12345工单超期督办】以下12345工单已超过办理时限，尚未办结回复：",
		"· 20260122-D（投诉）办理时限：2026年2月12日，已超期3个工作日，环境监察室 徐鹏办理中",
		"· 20260120-E（举报）办理时限：2026年2月10日，已超期5个工作日，综合二股 黄磊办理中，延期申请（延至2026年2月27日）待办公室审核",
		"· 20260212-B（咨询）办理时限：2026年2月14日，已超期1个工作日，环境监察室（吴敏）已签收，待指定承办人",
		"· 20260215-H（投诉，紧急）办理时限：2026年2月16日 03:00，已超期8天6小时，待综合二股（杨帆）签收",
		"· 20260223-P（投诉，紧急）办理时限：2026年2月24日 09:45，已超期5分钟",
		"· 20260211-J（咨询）", "待综合二股（杨帆）签收",
		"请督促办理。")
	if strings.Contains(lead24, "20260206-C") {
		t.Errorf("the leader hears of an answered order waiting for its reply:\n%s", lead24)
	}
	mustContain(t, "徐鹏's digest 02-24", text("order_overdue@2026-02-24 09:50 xupeng"), "20260122-D", "请立即办理。")
	mustContain(t, "the office 02-14", text("order_overdue@2026-02-14 09:50 chenlixin"),
		"· 20260206-C（求助）办理时限：2026年2月13日，已超期1个工作日，李娜已办结，待登记人林晓燕回复12345",
		"· 20260211-J（咨询）办理时限：2026年2月13日，已超期1个工作日，已被综合一股退回，待登记人何静重新派发")
}

// With URGENT_OVERDUE_ANYTIME=off the quiet rules hold for urgent orders
// too: H, overdue in the holiday night, is reported at the first run in
// working time, once, and order_overdue does not repeat it that day.
func TestUrgentOverdueWaitsForWorkingTimeWhenTheExceptionIsOff(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	s := newScheduler(t, db, Options{QuietUrgent: true})
	if j := s.job("order_urgent"); j.OffHours {
		t.Fatal("order_urgent runs outside working time with QuietUrgent")
	}
	sd := newSeeder(t, db)
	var events []event
	for _, e := range sortEvents(orderWeek(sd)) {
		if e.when >= "2026-02-15" && e.when < "2026-02-24" {
			events = append(events, e) // H and P
		}
	}
	// Only H and P are open; the rest is closed out of the way.
	for name, c := range sd.orders {
		if c.State != string(workflow.OrderClosed) {
			sd.change(name, storage.OrderChange{State: string(workflow.OrderClosed)}, "2026-02-14 18:00")
		}
	}
	got, texts := drive(t, s, sd, events, orderSlots(t, "2026-02-15", "2026-02-24"), false)
	const overH, overP = "chenlixin,linxiaoyan,yangfan,zhouzhenhua", "chenlixin,guoting,linxiaoyan,wumin,zhouzhenhua"
	want := map[string][]string{
		"2026-02-24": {
			"order_urgent order:H:overdue 2026-02-16T03:00 → " + overH, // 08:37
			"order_overdue order:H:overdue 2026-02-24 → " + overH,
			"order_urgent order:P:80% 2026-02-24T09:45 → guoting",
			"order_overdue order:P:overdue 2026-02-24 → " + overP,
			"order_urgent order:P:overdue 2026-02-24T09:45 → ",
		},
	}
	compareDays(t, "2026-02-15", "2026-02-24", got, want)
	mustContain(t, "H at 08:37", texts["order_urgent@2026-02-24 08:37 zhouzhenhua"], "【12345紧急工单超时】", "已超期8天5小时")
	if h := texts["order_overdue@2026-02-24 09:50 yangfan"]; h != "" {
		t.Errorf("order_overdue repeated H to 杨帆 the day it was reported:\n%s", h)
	}
	runs, err := storage.JobRuns(context.Background(), db, "order_urgent")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if ok, _ := workflow.DefaultCalendar().InWorkingTime(r.RunAt); !ok {
			t.Errorf("order_urgent ran at %s", r.RunAt.In(shanghai))
		}
	}
}

// seedOrdersFeb24 leaves the orders as they stand on the morning of
// 2026-02-24.
func seedOrdersFeb24(sd *seeder) {
	for _, e := range sortEvents(orderWeek(sd)) {
		if e.when < "2026-02-24 08:00" {
			e.do()
		}
	}
}

// The order jobs' slots of 2026-02-24, 08:37 to 17:22.
func orderSlotsFeb24(t *testing.T) []string {
	var out []string
	for _, sl := range orderSlots(t, "2026-02-24", "2026-02-24") {
		if hm := sl.at.Format("15:04"); hm >= "08:37" && hm <= "17:22" {
			out = append(out, sl.job+" "+hm)
		}
	}
	return out
}

func TestTwoInstancesSendEachOrderReminderOnce(t *testing.T) {
	t.Parallel()
	twoInstances(t, seedOrdersFeb24, "2026-02-24", orderSlotsFeb24(t), "17:25", 15)
}

// TestOrderDueListsSeveralOrdersInOneText: a handler with two orders due
// tomorrow gets one text naming both, not two messages.
func TestOrderDueListsSeveralOrdersInOneText(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	s := newScheduler(t, db, Options{})
	sd := newSeeder(t, db)
	for _, name := range []string{"P", "Q"} {
		sd.order(name, orderSeed{category: "求助", received: "2026-02-06 10:00", due: "2026-02-13", acceptDue: "2026-02-09",
			section: "综合一股", registrar: hejing})
		sd.accept(name, "2026-02-06 11:00")
		sd.assign(name, lina, "2026-02-06 11:05")
	}
	res, err := s.RunJob(context.Background(), "order_due", at(t, "2026-02-12 09:35"), storage.TriggerManual)
	if err != nil {
		t.Fatal(err)
	}
	msgs := outboxAfter(t, db, 0)
	if res.Queued != 1 || len(msgs) != 1 || msgs[0].To != lina {
		t.Fatalf("queued %d: %+v, want one text to %s", res.Queued, msgs, lina)
	}
	mustContain(t, "the list", msgs[0].Text, "以下2件12345工单即将到期", "· 20260206-P（求助）还剩1个工作日到期", "· 20260206-Q（求助）", "发送「我的工单」")
}
