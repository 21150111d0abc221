package scheduler

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
	"github.com/zwgk-bot/zwgk/workflow"
)

// People of the example roster the application tests add.
const (
	yangfan = "yangfan" // 杨帆, head of 综合二股
	guoting = "guoting" // 郭婷, 环境监察室
)

// appJobs are the 依申请公开 jobs with their default times, in the order
// they fire.
var appJobs = []struct{ job, hm string }{
	{"application_supplement", "10:05"},
	{"application_due", "10:10"},
	{"application_lapsed", "10:15"},
	{"application_overdue", "10:20"},
}

// appSeeder puts applications into the database through the storage
// functions, as the applications flow would, at chosen times.
type appSeeder struct {
	t    testing.TB
	db   *storage.DB
	s    *Scheduler
	apps map[string]*storage.Application // by test name: R, D, ...
}

func newAppSeeder(t testing.TB, db *storage.DB, s *Scheduler) *appSeeder {
	return &appSeeder{t: t, db: db, s: s, apps: map[string]*storage.Application{}}
}

// add registers an application received on the day (YYYY-MM-DD), in
// section when given (dispatched), with the office member linxiaoyan as
// its registrar.
func (sd *appSeeder) add(name, received, section string) *storage.Application {
	sd.t.Helper()
	day := at(sd.t, received)
	a := &storage.Application{
		Channel: "网络", ReceivedD: day, ApplicantName: "申请人" + name, ApplicantType: "自然人",
		Content: "关于事项" + name + "的环境影响评价文件", ProvideForm: "电子", State: string(workflow.ApplicationRegistered),
		Section: section, Registrar: linxiao, Source: "chat", CreatedAt: day.Add(9 * time.Hour),
	}
	if section != "" {
		a.State = string(workflow.ApplicationDispatched)
	}
	due, err := sd.s.cal.AddWorkingDays(day, workflow.ReplyDays)
	if err != nil {
		sd.t.Fatal(err)
	}
	a.DueD = due
	err = sd.db.WithTx(context.Background(), func(tx *storage.Tx) error {
		_, err := storage.InsertApplication(context.Background(), tx, a)
		return err
	})
	if err != nil {
		sd.t.Fatal(err)
	}
	sd.apps[name] = a
	return a
}

// change moves an application on at when, guarded by its state like a
// click; state "" keeps it. Unless stale, due_on is refreshed from the
// events afterwards, as the flow does at each change.
func (sd *appSeeder) change(name, state string, set map[string]any, when string, stale bool) {
	sd.t.Helper()
	ctx := context.Background()
	a := sd.apps[name]
	if state == "" {
		state = a.State
	}
	err := sd.db.WithTx(ctx, func(tx *storage.Tx) error {
		err := storage.ChangeApplication(ctx, tx, storage.ApplicationChange{ID: a.ID, FromState: a.State, At: at(sd.t, when), State: state, Set: set})
		if err != nil {
			return err
		}
		got, err := storage.LockApplication(ctx, tx, a.ID)
		if err != nil {
			return err
		}
		*a = *got
		if stale {
			return nil
		}
		cs, err := storage.Consultations(ctx, tx, a.ID)
		if err != nil {
			return err
		}
		due, err := workflow.ApplicationDeadlines(sd.s.cal, a.ClockEvents(sd.s.cal, cs))
		if err != nil {
			return err
		}
		d := due.ReplyDue
		if due.AwaitingSupplement {
			d = due.SupplementDue
		}
		_, err = tx.ExecContext(ctx, `UPDATE applications SET due_on = $2 WHERE id = $1`, a.ID, storage.DayParam(d.In(shanghai)))
		return err
	})
	if err != nil {
		sd.t.Fatalf("change %s: %v", name, err)
	}
}

func (sd *appSeeder) accept(name, handler, when string) {
	sd.change(name, string(workflow.ApplicationAccepted), map[string]any{"handler": handler}, when, false)
}

func (sd *appSeeder) askSupplement(name, when string) {
	day := at(sd.t, when[:10])
	due, err := sd.s.cal.AddWorkingDays(day, workflow.DefaultSupplementDays)
	if err != nil {
		sd.t.Fatal(err)
	}
	sd.change(name, string(workflow.ApplicationSupplement), map[string]any{"supplement_asked_on": day, "supplement_due_on": due.In(shanghai),
		"supplement_items": "请补充所需信息的文号。"}, when, false)
}

func (sd *appSeeder) supplemented(name, when string) {
	sd.change(name, string(workflow.ApplicationAccepted), map[string]any{"supplement_received_on": at(sd.t, when[:10])}, when, false)
}

// consult records a 征求意见 sent on the day of when, never answered.
func (sd *appSeeder) consult(name, when string) {
	sd.t.Helper()
	ctx := context.Background()
	a := sd.apps[name]
	err := sd.db.WithTx(ctx, func(tx *storage.Tx) error {
		return storage.AddConsultation(ctx, tx, &storage.Consultation{ApplicationID: a.ID, Kind: "third_party", Party: "某化工有限公司", SentD: at(sd.t, when[:10])})
	})
	if err != nil {
		sd.t.Fatal(err)
	}
	sd.change(name, "", nil, when, false)
}

// review sends the reply to stage's assignees.
func (sd *appSeeder) review(name string, stage workflow.Stage, assignees []string, when string) {
	state := workflow.ApplicationReview
	if stage == workflow.StagePublish {
		state = workflow.ApplicationApproved
	}
	sd.change(name, string(state), map[string]any{"stage": string(stage), "assignees": pq.StringArray(assignees),
		"outcome": string(workflow.OutcomeOther), "reply_round": 1}, when, false)
}

func (sd *appSeeder) close(name, when string) {
	sd.change(name, string(workflow.ApplicationClosed), map[string]any{"delivered_on": at(sd.t, when[:10])}, when, false)
}

// entityName replaces application ids in a reminder entity by the test's
// names.
func (sd *appSeeder) entityName(entity string) string {
	for n, a := range sd.apps {
		entity = regexp.MustCompile(fmt.Sprintf(`^application:%d:`, a.ID)).ReplaceAllString(entity, "application:"+n+":")
	}
	return entity
}

// numberName is the test's name of the application numbered n.
func (sd *appSeeder) numberName(n string) string {
	for name, a := range sd.apps {
		if a.Number() == n {
			return name
		}
	}
	return n
}

func (sd *appSeeder) keyString(r storage.Reminder) string {
	rs := slices.Clone([]string(r.Recipients))
	slices.Sort(rs)
	return fmt.Sprintf("%s %s %s → %s", r.Job, sd.entityName(r.Entity), r.Slot, strings.Join(rs, ","))
}

var appNumber = regexp.MustCompile(`依申请〔\d{4}〕\d+号`)

// appDecember seeds the applications of the test and returns the events
// of the days that follow. All but W and Z were received on Tuesday
// 2026-12-01 (day 0): their 5th working day is 12-08, the last day for a
// 补正告知书 12-10, the reply due 12-29 (20 WD) unless the clock moved.
// 2027-01-01..03 is 元旦.
func appDecember(sd *appSeeder) []event {
	// R: registered, never dispatched: the office holds it.
	sd.add("R", "2026-12-01", "")
	// D: dispatched to 综合二股, never signed for: its head 杨帆 holds it.
	sd.add("D", "2026-12-01", "综合二股")
	// H: with 李娜, who sends a 补正告知书 on day 6 (default 15 WD: due
	// 12-30); nothing comes; the office closes it as 逾期不补正 on 01-04.
	sd.add("H", "2026-12-01", "综合一股")
	sd.accept("H", lina, "2026-12-02 09:00")
	// A: with 刘洋; approved on 12-15, it waits for the office's 送达
	// until it is delivered on its due day.
	sd.add("A", "2026-12-01", "综合一股")
	sd.accept("A", liuyang, "2026-12-02 09:00")
	// V: with 刘洋; at the section head's review from 12-16, with his
	// extension request waiting for the office head all along.
	sd.add("V", "2026-12-01", "综合一股")
	sd.accept("V", liuyang, "2026-12-02 09:00")
	// P: 杨帆 handles it himself; a 征求意见 sent on 12-25 (2 WD before
	// the due day) is never answered: the clock pauses 15 WD, to 01-20.
	sd.add("P", "2026-12-01", "综合二股")
	sd.accept("P", yangfan, "2026-12-02 09:00")
	// C: with 徐鹏; a 征求意见 sent on 12-03, never answered: due 01-20.
	sd.add("C", "2026-12-01", "环境监察室")
	sd.accept("C", xupeng, "2026-12-02 09:00")
	// X: with 郭婷; an extension of 10 WD granted on 12-15 (due 01-13),
	// stored due_on left at 12-29: the reminders recompute the clock.
	sd.add("X", "2026-12-01", "环境监察室")
	sd.accept("X", guoting, "2026-12-02 09:00")
	// S: with 黄磊; 补正 asked on 12-03 and received on 12-07: the clock
	// restarts, due 2027-01-05; delivered on 01-08.
	sd.add("S", "2026-12-01", "综合二股")
	sd.accept("S", huanglei, "2026-12-02 09:00")
	sd.askSupplement("S", "2026-12-03 09:00")
	// Z: closed in November, its deadline long past.
	sd.add("Z", "2026-11-02", "综合一股")
	sd.accept("Z", lina, "2026-11-03 09:00")
	sd.review("Z", workflow.StagePublish, office, "2026-11-20 09:00")
	sd.close("Z", "2026-11-30 09:00")

	return []event{
		{"2026-12-03 09:00", func() { sd.consult("C", "2026-12-03 09:00") }},
		// W: received on Saturday 12-05, with 黄磊: day 5 is 12-11, the
		// last day for the notice 12-15, the reply due 2027-01-04.
		{"2026-12-07 09:00", func() {
			sd.add("W", "2026-12-05", "综合二股")
			sd.accept("W", huanglei, "2026-12-07 09:00")
		}},
		{"2026-12-07 11:00", func() { sd.supplemented("S", "2026-12-07 11:00") }},
		{"2026-12-09 09:00", func() { sd.askSupplement("H", "2026-12-09 09:00") }},
		{"2026-12-15 09:00", func() { sd.review("A", workflow.StagePublish, office, "2026-12-15 09:00") }},
		{"2026-12-15 09:30", func() {
			sd.change("X", "", map[string]any{"extension_days": 10, "extension_reason": "需调取档案"}, "2026-12-15 09:30", true)
		}},
		{"2026-12-16 09:00", func() {
			sd.change("V", "", map[string]any{"ext_request_days": 10, "ext_request_reason": "需现场核实", "ext_requested_by": liuyang}, "2026-12-16 09:00", false)
			sd.review("V", workflow.StageSection, []string{zhangwei}, "2026-12-16 09:05")
		}},
		{"2026-12-25 09:00", func() { sd.consult("P", "2026-12-25 09:00") }},
		{"2026-12-29 15:00", func() { sd.close("A", "2026-12-29 15:00") }},
		{"2027-01-04 11:00", func() {
			sd.change("H", string(workflow.ApplicationClosed), map[string]any{"outcome": string(workflow.OutcomeOther),
				"reason": string(workflow.ReasonNoSupplement), "delivered_on": at(sd.t, "2027-01-04")}, "2027-01-04 11:00", false)
		}},
		{"2027-01-08 09:00", func() {
			sd.review("S", workflow.StagePublish, office, "2027-01-08 09:00")
			sd.close("S", "2027-01-08 09:10")
		}},
	}
}

// appRun is what appDrive saw: the new keys of each day, the texts by
// "job@YYYY-MM-DD to", and the application names each person's overdue
// escalation listed, by "YYYY-MM-DD to".
type appRun struct {
	keys    map[string][]string
	texts   map[string]string
	overdue map[string][]string
}

// appDrive runs the application jobs at their slots on every day from
// first to last, applying each event before the first slot after it. It
// checks every run: quiet on days off; one text to each recipient of the
// new keys and to nobody else; and that running the slot again by cron,
// at start-up or by hand queues nothing.
func appDrive(t *testing.T, s *Scheduler, sd *appSeeder, events []event, first, last string) appRun {
	t.Helper()
	ctx := context.Background()
	run := appRun{keys: map[string][]string{}, texts: map[string]string{}, overdue: map[string][]string{}}
	seen := map[string]bool{}
	var lastID int64
	for day := at(t, first); !day.After(at(t, last)); day = day.AddDate(0, 0, 1) {
		d := day.Format(time.DateOnly)
		working, err := s.cal.IsWorkingDay(day)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range appJobs {
			slot := at(t, d+" "+j.hm)
			for len(events) > 0 && !at(t, events[0].when).After(slot) {
				events[0].do()
				events = events[1:]
			}
			res, err := s.RunJob(ctx, j.job, slot.Add(3*time.Second), storage.TriggerCron)
			if err != nil {
				t.Fatalf("%s at %s: %v", j.job, slot, err)
			}
			want := Quiet
			if working {
				want = Ran
			}
			if res.Outcome != want {
				t.Fatalf("%s at %s: %s, want %s", j.job, slot, res.Outcome, want)
			}
			wantTo := map[string]bool{}
			for _, r := range reminders(t, sd.db) {
				k := sd.keyString(r)
				if seen[k] {
					continue
				}
				seen[k] = true
				run.keys[d] = append(run.keys[d], k)
				if r.Job != j.job {
					t.Errorf("%s at %s claimed a key of %s: %s", j.job, slot, r.Job, k)
				}
				for _, to := range r.Recipients {
					wantTo[to] = true
				}
			}
			msgs := outboxAfter(t, sd.db, lastID)
			gotTo := map[string]int{}
			for _, m := range msgs {
				gotTo[m.To]++
				run.texts[j.job+"@"+d+" "+m.To] = m.Text
				if j.job == "application_overdue" {
					for _, n := range appNumber.FindAllString(m.Text, -1) {
						run.overdue[d+" "+m.To] = append(run.overdue[d+" "+m.To], sd.numberName(n))
					}
				}
				if bad := yearless(m.Text); len(bad) > 0 {
					t.Errorf("%s at %s to %s: %q without the year in\n%s", j.job, slot, m.To, bad, m.Text)
				}
				lastID = m.ID
			}
			if res.Queued != len(msgs) {
				t.Errorf("%s at %s: reported %d queued, %d in the outbox", j.job, slot, res.Queued, len(msgs))
			}
			for to, n := range gotTo {
				if n != 1 || !wantTo[to] {
					t.Errorf("%s at %s: %d texts to %s, want %d", j.job, slot, n, to, map[bool]int{true: 1}[wantTo[to]])
				}
			}
			for to := range wantTo {
				if gotTo[to] == 0 {
					t.Errorf("%s at %s: no text to %s", j.job, slot, to)
				}
			}
			if !working {
				continue
			}
			// A second run of the slot, by cron, at start-up or by hand
			// (zwgk jobs run), later the same day: nothing more.
			for _, trig := range []string{storage.TriggerCron, storage.TriggerStartup, storage.TriggerManual} {
				again, err := s.RunJob(ctx, j.job, slot.Add(time.Hour), trig)
				if err != nil {
					t.Fatal(err)
				}
				if again.Queued != 0 || (trig == storage.TriggerManual) != (again.Outcome == Ran) {
					t.Errorf("%s at %s run again (%s): %s, queued %d", j.job, slot, trig, again.Outcome, again.Queued)
				}
			}
			if extra := outboxAfter(t, sd.db, lastID); len(extra) > 0 {
				t.Errorf("%s at %s run again: queued %d texts", j.job, slot, len(extra))
			}
		}
	}
	if len(events) > 0 {
		t.Fatalf("%d events not applied", len(events))
	}
	return run
}

func TestApplicationRemindersFromDecemberToJanuary(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	s := newScheduler(t, db, Options{})
	sd := newAppSeeder(t, db, s)
	events := sortEvents(appDecember(sd))
	run := appDrive(t, s, sd, events, "2026-12-01", "2027-01-22")

	const (
		o    = "chenlixin,linxiaoyan"
		lead = "zhouzhenhua"
	)
	sup := func(app, slot, to string) string {
		return "application_supplement application:" + app + ":supplement_notice " + slot + " → " + to
	}
	due := func(app string, cp int, slot, to string) string {
		return fmt.Sprintf("application_due application:%s:due%d %s → %s", app, cp, slot, to)
	}
	over := func(day string, to ...string) []string {
		var out []string
		for _, u := range to {
			out = append(out, "application_overdue applications:overdue:"+u+" "+day+" → "+u)
		}
		return out
	}
	// Overdue from 12-30: R (office, leader), D (杨帆 too) and V (刘洋, his
	// reviewer 张伟 and the office head 陈立新, who holds his extension).
	over1230 := []string{chenlixin, linxiao, lead, yangfan, liuyang, zhangwei}
	want := map[string][]string{
		// Day 5: every application without a 补正告知书, to its holder;
		// S asked for one on 12-03.
		"2026-12-08": {
			sup("R", "2026-12-10", o),
			sup("D", "2026-12-10", yangfan),
			sup("H", "2026-12-10", lina),
			sup("A", "2026-12-10", liuyang),
			sup("V", "2026-12-10", liuyang),
			sup("P", "2026-12-10", yangfan),
			sup("C", "2026-12-10", xupeng),
			sup("X", "2026-12-10", guoting),
		},
		// W, received on a Saturday: its day 5.
		"2026-12-11": {sup("W", "2026-12-15", huanglei)},
		// 5 WD before 12-29: A waits for the office's 送达, V's extension
		// for the office head; X was extended (its due_on is stale); H
		// waits for the 补正 and S restarted.
		"2026-12-22": {
			due("R", 5, "2026-12-29", o),
			due("D", 5, "2026-12-29", yangfan),
			due("A", 5, "2026-12-29", o+","+liuyang),
			due("V", 5, "2026-12-29", chenlixin+","+liuyang),
			due("P", 5, "2026-12-29", yangfan),
		},
		"2026-12-24": {
			due("R", 3, "2026-12-29", o),
			due("D", 3, "2026-12-29", yangfan),
			due("A", 3, "2026-12-29", o+","+liuyang),
			due("V", 3, "2026-12-29", chenlixin+","+liuyang),
			due("P", 3, "2026-12-29", yangfan),
		},
		// W's 5 WD before 2027-01-04; P's 征求意见 moved its deadline.
		"2026-12-25": {due("W", 5, "2027-01-04", huanglei)},
		"2026-12-28": {
			due("R", 1, "2026-12-29", o),
			due("D", 1, "2026-12-29", yangfan),
			due("A", 1, "2026-12-29", o+","+liuyang),
			due("V", 1, "2026-12-29", chenlixin+","+liuyang),
			due("S", 5, "2027-01-05", huanglei),
		},
		"2026-12-29": {due("W", 3, "2027-01-04", huanglei)},
		"2026-12-30": append([]string{due("S", 3, "2027-01-05", huanglei)}, over("2026-12-30", over1230...)...),
		// H's 补正期限 (12-30) has passed.
		"2026-12-31": append([]string{
			due("W", 1, "2027-01-04", huanglei),
			"application_lapsed application:H:supplement_lapsed 2026-12-30 → lina,linxiaoyan",
		}, over("2026-12-31", over1230...)...),
		"2027-01-04": append([]string{due("S", 1, "2027-01-05", huanglei)}, over("2027-01-04", over1230...)...),
		"2027-01-05": over("2027-01-05", append(slices.Clone(over1230), huanglei)...),
		"2027-01-06": append([]string{due("X", 5, "2027-01-13", guoting)}, over("2027-01-06", append(slices.Clone(over1230), huanglei)...)...),
		"2027-01-07": over("2027-01-07", append(slices.Clone(over1230), huanglei)...),
		"2027-01-08": append([]string{due("X", 3, "2027-01-13", guoting)}, over("2027-01-08", append(slices.Clone(over1230), huanglei)...)...),
		"2027-01-11": over("2027-01-11", append(slices.Clone(over1230), huanglei)...),
		"2027-01-12": append([]string{due("X", 1, "2027-01-13", guoting)}, over("2027-01-12", append(slices.Clone(over1230), huanglei)...)...),
		"2027-01-13": append([]string{due("C", 5, "2027-01-20", xupeng), due("P", 5, "2027-01-20", yangfan)},
			over("2027-01-13", append(slices.Clone(over1230), huanglei)...)...),
		"2027-01-14": over("2027-01-14", append(slices.Clone(over1230), huanglei, guoting)...),
		"2027-01-15": append([]string{due("C", 3, "2027-01-20", xupeng), due("P", 3, "2027-01-20", yangfan)},
			over("2027-01-15", append(slices.Clone(over1230), huanglei, guoting)...)...),
		"2027-01-18": over("2027-01-18", append(slices.Clone(over1230), huanglei, guoting)...),
		"2027-01-19": append([]string{due("C", 1, "2027-01-20", xupeng), due("P", 1, "2027-01-20", yangfan)},
			over("2027-01-19", append(slices.Clone(over1230), huanglei, guoting)...)...),
		"2027-01-20": over("2027-01-20", append(slices.Clone(over1230), huanglei, guoting)...),
		"2027-01-21": over("2027-01-21", append(slices.Clone(over1230), huanglei, guoting, xupeng)...),
		"2027-01-22": over("2027-01-22", append(slices.Clone(over1230), huanglei, guoting, xupeng)...),
	}
	compareDays(t, "2026-12-01", "2027-01-22", run.keys, want)
	for _, keys := range run.keys {
		for _, k := range keys {
			if strings.Contains(k, ":Z:") {
				t.Errorf("a closed application was reminded of: %s", k)
			}
		}
	}

	// Each person's overdue escalation lists all their overdue
	// applications, soonest due first.
	for when, wantApps := range map[string][]string{
		"2026-12-30 " + lead:      {"R", "D", "V"},
		"2026-12-30 " + chenlixin: {"R", "D", "V"},
		"2026-12-30 " + yangfan:   {"D"},
		"2026-12-30 " + liuyang:   {"V"},
		"2026-12-30 " + zhangwei:  {"V"},
		"2027-01-06 " + huanglei:  {"W", "S"},
		"2027-01-08 " + huanglei:  {"W"},
		"2027-01-21 " + lead:      {"R", "D", "V", "W", "X", "P", "C"},
		"2027-01-21 " + yangfan:   {"D", "P"},
	} {
		if got := run.overdue[when]; !slices.Equal(got, wantApps) {
			t.Errorf("overdue escalation %s lists %v, want %v", when, run.overdue[when], wantApps)
		}
	}

	// The texts: the number, the dates with their year, the stage, what
	// to do, how to look it up.
	num := func(name string) string { return sd.apps[name].Number() }
	for key, want := range map[string][]string{
		"application_supplement@2026-12-08 " + lina: {"【补正告知提醒】" + num("H") + "（申请人H申请「", "于2026年12月1日收到，尚未发出补正告知书",
			"如需申请人补正，应最迟于2026年12月10日（还剩2个工作日）", "第三十条", "无需补正的，请忽略本提醒", "「补正告知」", "「申请 " + num("H") + "」"},
		"application_supplement@2026-12-08 " + zhangwei:  nil, // 张伟 holds none of them
		"application_supplement@2026-12-08 " + chenlixin: {"【补正告知提醒】" + num("R"), "尚未分办，请尽快分办至承办股室"},
		"application_supplement@2026-12-08 " + yangfan: {"以下2件政府信息公开申请尚未发出补正告知书", "无需补正的，请忽略",
			"· " + num("D") + " 申请人D：2026年12月1日收到，补正告知书最迟2026年12月10日发出（还剩2个工作日），已分办至综合二股，待杨帆签收",
			"· " + num("P") + " 申请人P：", "综合二股 杨帆办理中", "「申请 编号」"},
		"application_supplement@2026-12-11 " + huanglei: {num("W"), "于2026年12月5日收到", "最迟于2026年12月15日（还剩2个工作日）"},
		"application_due@2026-12-22 " + liuyang: {"以下2件", "· " + num("A") + " 申请人A：还剩5个工作日，答复期限：2026年12月29日，答复已审定，待综合办公室送达（陈立新、林晓燕）",
			"· " + num("V") + " 申请人V：还剩5个工作日，答复期限：2026年12月29日，答复审核中，待股室负责人审核（张伟），延期申请（10个工作日）待陈立新审批", "第三十三条"},
		"application_due@2026-12-22 " + linxiao:   {"【依申请公开答复期限提醒】以下2件", num("R"), "已登记，待综合办公室分办", num("A")},
		"application_due@2026-12-22 " + chenlixin: {"以下3件", num("V"), "延期申请（10个工作日）待陈立新审批"},
		"application_due@2026-12-22 " + yangfan:   {"以下2件", num("D"), num("P")},
		"application_due@2026-12-25 " + huanglei: {"【依申请公开答复期限提醒】" + num("W") + "（申请人W申请「", "还剩5个工作日，答复期限：2027年1月4日。当前：综合二股 黄磊办理中。",
			"「拟写答复」", "「申请延期」", "「申请 " + num("W") + "」"},
		"application_due@2026-12-31 " + huanglei: {num("W"), "还剩1个工作日，答复期限：2027年1月4日"},
		"application_due@2026-12-28 " + huanglei: {num("S"), "还剩5个工作日，答复期限：2027年1月5日"},
		"application_due@2027-01-06 " + guoting:  {num("X"), "还剩5个工作日，答复期限：2027年1月13日（已延期10个工作日）", "已延长答复期限，不能再次延期"},
		"application_due@2027-01-13 " + yangfan:  {num("P"), "还剩5个工作日，答复期限：2027年1月20日（征求意见中，自2026年12月25日起暂停计算，最迟至2027年1月18日；收到意见后期限相应调整）"},
		"application_due@2027-01-19 " + yangfan:  {num("P"), "还剩1个工作日，答复期限：2027年1月20日（征求意见不计入15个工作日）"},
		"application_due@2027-01-13 " + xupeng:   {num("C"), "（征求意见不计入15个工作日）"},
		"application_lapsed@2026-12-31 " + lina: {"【补正期限届满】" + num("H"), "的补正期限（2026年12月30日）已届满，尚未登记收到补正", "视为放弃申请",
			"可由综合办公室（林晓燕）在补正卡片上点击「逾期未补正」办结", "「已收到补正」", "「申请 " + num("H") + "」"},
		"application_lapsed@2026-12-31 " + linxiao: {"可在补正卡片上点击「逾期未补正」办结"},
		"application_overdue@2026-12-30 " + lead: {"【依申请公开超期督办】以下政府信息公开申请已超过答复期限",
			"· " + num("R") + " 申请人R：答复期限2026年12月29日，已超期1个工作日，已登记，待综合办公室分办", "请督促办理。"},
		"application_overdue@2026-12-30 " + zhangwei: {num("V"), "答复审核中，待股室负责人审核（张伟）", "请立即办理。"},
		"application_overdue@2027-01-04 " + lead:     {"已超期3个工作日"},
		"application_overdue@2027-01-21 " + xupeng:   {num("C"), "答复期限2027年1月20日（征求意见不计入15个工作日），已超期1个工作日，环境监察室 徐鹏办理中", "请立即办理。"},
	} {
		text, ok := run.texts[key]
		if want == nil {
			if ok {
				t.Errorf("%s: unexpected text\n%s", key, text)
			}
			continue
		}
		if !ok {
			t.Errorf("%s: no text", key)
			continue
		}
		mustContain(t, key, text, want...)
	}
}

func TestAppCheckpoint(t *testing.T) {
	t.Parallel()
	for left, want := range map[int]int{7: 0, 6: 0, 5: 5, 4: 5, 3: 3, 2: 3, 1: 1, 0: 1, -1: 0} {
		if got := appCheckpoint(left); got != want {
			t.Errorf("appCheckpoint(%d) = %d, want %d", left, got, want)
		}
	}
}

// A run that dies before it commits leaves no key: the next run sends
// the reminders, once.
func TestApplicationRemindersSurviveAFailedRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	s := newScheduler(t, db, Options{})
	sd := newAppSeeder(t, db, s)
	sd.add("R", "2026-12-01", "")
	sd.add("D", "2026-12-01", "综合二股")
	// The job fails after it has queued its texts: everything is rolled
	// back.
	overdue := s.job("application_overdue")
	run := overdue.Run
	overdue.Run = func(ctx context.Context, t *Tick) error {
		if err := run(ctx, t); err != nil {
			return err
		}
		return fmt.Errorf("the process died")
	}
	when := at(t, "2026-12-30 10:20")
	if _, err := s.RunJob(ctx, "application_overdue", when, storage.TriggerCron); err == nil {
		t.Fatal("the failing run reported no error")
	}
	if n := len(outboxAfter(t, db, 0)); n != 0 {
		t.Fatalf("a failed run left %d texts", n)
	}
	if rs := reminders(t, db); len(rs) != 0 {
		t.Fatalf("a failed run left keys: %v", rs)
	}
	overdue.Run = run
	if _, err := s.RunJob(ctx, "application_overdue", when.Add(10*time.Minute), storage.TriggerCatchUp); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, m := range outboxAfter(t, db, 0) {
		got[m.To]++
	}
	want := map[string]int{chenlixin: 1, linxiao: 1, leader: 1, yangfan: 1}
	for u, n := range want {
		if got[u] != n {
			t.Errorf("after catch-up %s got %d texts, want %d (all: %v)", u, got[u], n, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("after catch-up texts to %v, want %v", got, want)
	}
	res, err := s.RunJob(ctx, "application_overdue", when.Add(time.Hour), storage.TriggerManual)
	if err != nil || res.Queued != 0 {
		t.Errorf("a manual run after catch-up: %+v, %v; want nothing queued", res, err)
	}
}

// An application whose events cannot have happened is left out and
// logged; the others are still reminded of.
func TestApplicationWithImpossibleEventsDoesNotStopTheOthers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	s := newScheduler(t, db, Options{})
	sd := newAppSeeder(t, db, s)
	sd.add("R", "2026-12-01", "")
	bad := sd.add("B", "2026-12-01", "")
	// A 补正 received before it was asked for.
	if _, err := db.ExecContext(ctx, `UPDATE applications SET supplement_asked_on = '2026-12-05', supplement_received_on = '2026-12-03' WHERE id = $1`, bad.ID); err != nil {
		t.Fatal(err)
	}
	res, err := s.RunJob(ctx, "application_overdue", at(t, "2026-12-30 10:20"), storage.TriggerCron)
	if err != nil || res.Queued != 3 {
		t.Fatalf("overdue with a broken application: %+v, %v; want 3 texts (the office and the leader)", res, err)
	}
	for _, m := range outboxAfter(t, db, 0) {
		if strings.Contains(m.Text, bad.Number()) || !strings.Contains(m.Text, sd.apps["R"].Number()) {
			t.Errorf("text to %s:\n%s", m.To, m.Text)
		}
	}
}

func TestApplicationJobsSchedules(t *testing.T) {
	t.Parallel()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]JobInfo{}
	for _, j := range s.Jobs() {
		byName[j.Name] = j
	}
	for _, j := range appJobs {
		spec := fmt.Sprintf("%d %d * * *", atoi(j.hm[3:]), atoi(j.hm[:2]))
		if got := byName[j.job]; !slices.Equal(got.Specs, []string{spec}) || !got.Auto || got.OffHours || got.Summary == "" {
			t.Errorf("%s = %+v, want %q, automatic, quiet rules", j.job, got, spec)
		}
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// appYearEnd seeds applications whose reminders fall at the turn of the
// year, for TestEveryReminderDateCarriesItsYear: a 补正告知书 due on
// 2027-01-05 (received 12-24, reminded on 12-31); a reply due on
// 2027-01-04 (received Saturday 12-05); a 补正期限 that ended on 12-30.
func appYearEnd(sd *appSeeder) {
	sd.add("Y", "2026-12-24", "综合一股")
	sd.accept("Y", lina, "2026-12-24 10:00")
	sd.add("Q", "2026-12-05", "综合二股")
	sd.accept("Q", huanglei, "2026-12-07 10:00")
	sd.add("L", "2026-12-01", "环境监察室")
	sd.accept("L", xupeng, "2026-12-02 10:00")
	sd.askSupplement("L", "2026-12-09 10:00")
}

// Two replicas firing the application jobs at once, by cron, catch-up and
// by hand, queue what one instance queues, under the same keys.
func TestTwoInstancesSendEachApplicationReminderOnce(t *testing.T) {
	t.Parallel()
	// New Year's Eve: W's last reminder, H's lapsed 补正期限 and the
	// overdue escalation of R, D and V.
	seed := func(sd *seeder) {
		asd := newAppSeeder(sd.t, sd.db, newScheduler(sd.t, sd.db, Options{}))
		for _, e := range sortEvents(appDecember(asd)) {
			if at(sd.t, e.when).Before(at(sd.t, "2026-12-31 10:00")) {
				e.do()
			}
		}
	}
	var slots []string
	for _, j := range appJobs {
		slots = append(slots, j.job+" "+j.hm)
	}
	twoInstances(t, seed, "2026-12-31", slots, "14:40", 9)
}
