package scheduler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
	"github.com/zwgk-bot/zwgk/workflow"
)

// seedFeb24 leaves the forms as they stand on the morning of 2026-02-24.
func seedFeb24(sd *seeder) {
	for _, e := range springFestival(sd) {
		e.do()
	}
}

// runDay runs every slot of day once, as cron would.
func runDay(t *testing.T, s *Scheduler, day string) {
	t.Helper()
	for _, sl := range daySlots {
		if _, err := s.RunJob(context.Background(), sl.job, at(t, day+" "+sl.hm).Add(time.Second), storage.TriggerCron); err != nil {
			t.Fatal(err)
		}
	}
}

// queued is the outbox as sorted "to: text" lines.
func queued(t *testing.T, db *storage.DB) []string {
	t.Helper()
	var out []string
	for _, m := range outboxAfter(t, db, 0) {
		out = append(out, m.To+": "+m.Text)
	}
	slices.Sort(out)
	return out
}

func keys(t *testing.T, sd *seeder) []string {
	t.Helper()
	var out []string
	for _, r := range reminders(t, sd.db) {
		out = append(out, sd.keyString(r))
	}
	slices.Sort(out)
	return out
}

func TestTwoInstancesSendEachReminderOnce(t *testing.T) {
	t.Parallel()
	var slots []string
	for _, sl := range daySlots {
		slots = append(slots, sl.job+" "+sl.hm)
	}
	twoInstances(t, seedFeb24, "2026-02-24", slots, "14:40", 20)
}

// twoInstances runs the slots ("job HH:MM") of day on databases seeded by
// seed: first with one instance, each slot once, for reference; then with
// two replicas on one database, each with its own pool, firing every slot
// at once from several goroutines, by cron, catch-up and by hand. The
// replicas must queue exactly what the one instance queued (at least
// least texts), under the same keys, and a catch-up pass at after must
// queue nothing more than it does after the one instance's run (jobs whose
// slots were not run, such as the annual report, may have something).
func twoInstances(t *testing.T, seed func(*seeder), day string, slots []string, after string, least int) {
	t.Helper()
	ctx := context.Background()
	type slot struct {
		job string
		at  time.Time
	}
	var sls []slot
	for _, v := range slots {
		job, hm, _ := strings.Cut(v, " ")
		sls = append(sls, slot{job, at(t, day+" "+hm)})
	}

	// The reference: one instance, each slot once.
	refDB := storagetest.NewDB(t)
	ref := newSeeder(t, refDB)
	seed(ref)
	one := newScheduler(t, refDB, Options{})
	for _, sl := range sls {
		if _, err := one.RunJob(ctx, sl.job, sl.at.Add(time.Second), storage.TriggerCron); err != nil {
			t.Fatal(err)
		}
	}
	want := queued(t, refDB)
	if len(want) < least {
		t.Fatalf("the reference day queued only %d texts", len(want))
	}
	refKeys := keys(t, ref)
	one.CatchUp(ctx, at(t, day+" "+after), storage.TriggerCatchUp)
	wantAfter := queued(t, refDB)

	url := storagetest.NewDatabase(t)
	var dbs [2]*storage.DB
	for i := range dbs {
		db, err := storage.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		dbs[i] = db
	}
	sd := newSeeder(t, dbs[0])
	seed(sd)
	replicas := []*Scheduler{newScheduler(t, dbs[0], Options{}), newScheduler(t, dbs[1], Options{})}
	triggers := []string{storage.TriggerCron, storage.TriggerCatchUp, storage.TriggerManual}
	ran := map[string]int{}
	var mu sync.Mutex
	for _, sl := range sls {
		now := sl.at.Add(2 * time.Second)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for _, s := range replicas {
			for _, trig := range triggers {
				wg.Go(func() {
					<-start
					res, err := s.RunJob(ctx, sl.job, now, trig)
					if err != nil {
						t.Errorf("%s %s: %v", sl.job, trig, err)
						return
					}
					mu.Lock()
					ran[string(res.Outcome)]++
					mu.Unlock()
				})
			}
		}
		close(start)
		wg.Wait()
	}
	got := queued(t, dbs[0])
	if !slices.Equal(got, want) {
		t.Errorf("two replicas queued %d texts, one queues %d:\n%s", len(got), len(want), diff(got, want))
	}
	if k, rk := keys(t, sd), refKeys; !slices.Equal(k, rk) {
		t.Errorf("keys differ:\n%s", diff(k, rk))
	}
	// A scheduled slot is recorded done once at most (not at all when a
	// manual run won the lock; the keys keep a later scheduled run from
	// repeating what it queued).
	runs, err := storage.JobRuns(ctx, dbs[0], "")
	if err != nil {
		t.Fatal(err)
	}
	done := map[string]int{}
	for _, r := range runs {
		if r.Status == storage.RunDone && r.Trigger != storage.TriggerManual {
			done[r.Job+" "+r.Slot.In(shanghai).Format("15:04")]++
		}
	}
	for _, sl := range slots {
		if n := done[sl]; n > 1 {
			t.Errorf("%s recorded done %d times", sl, n)
		}
	}
	t.Logf("outcomes: %v", ran)
	// Catch-up later that day queues nothing more.
	for _, s := range replicas {
		s.CatchUp(ctx, at(t, day+" "+after), storage.TriggerCatchUp)
	}
	if got := queued(t, dbs[0]); !slices.Equal(got, wantAfter) {
		t.Errorf("catch-up after the race queued %d texts, after one instance %d:\n%s", len(got)-len(want), len(wantAfter)-len(want), diff(got, wantAfter))
	}
}

// diff lists the lines only in a (-) or only in b (+).
func diff(a, b []string) string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, "- "+x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			out = append(out, "+ "+x)
		}
	}
	if len(out) == 0 {
		return "(same lines, different counts)"
	}
	return strings.Join(out, "\n")
}

// A run that fails after queuing (a crash, a lost connection) leaves
// nothing behind, and the next run of the slot sends once.
func TestFailedRunRollsBackAndIsRetried(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	var observed []string // what the metrics hear
	s := newScheduler(t, db, Options{Observe: func(job, outcome string, took time.Duration, queued int) {
		observed = append(observed, fmt.Sprintf("%s %s %d %v", job, outcome, queued, took > 0))
	}})
	fail := true
	sch, err := parseSpec("5 10 * * *")
	if err != nil {
		t.Fatal(err)
	}
	s.jobs = append(s.jobs, &Job{
		Name: "flaky", MaxAge: time.Hour, auto: true, specs: []string{"5 10 * * *"}, scheds: []cron.Schedule{sch},
		Run: func(ctx context.Context, tk *Tick) error {
			if err := tk.Remind(ctx, "user:"+lina, tk.Today(), lina, "提醒"); err != nil {
				return err
			}
			if fail {
				fail = false
				return errors.New("connection lost")
			}
			return nil
		},
	})
	now := at(t, "2026-02-24 10:05").Add(time.Second)
	if _, err := s.RunJob(ctx, "flaky", now, storage.TriggerCron); err == nil {
		t.Fatal("the failing run reported no error")
	}
	if n := len(outboxAfter(t, db, 0)); n != 0 || len(reminders(t, db)) != 0 {
		t.Fatalf("a failed run left %d texts and %d keys", n, len(reminders(t, db)))
	}
	res, err := s.RunJob(ctx, "flaky", now.Add(10*time.Minute), storage.TriggerCatchUp)
	if err != nil || res.Outcome != Ran || res.Queued != 1 {
		t.Fatalf("retry = %+v, %v; want ran, 1 queued", res, err)
	}
	for _, trig := range []string{storage.TriggerCron, storage.TriggerManual} {
		if res, err := s.RunJob(ctx, "flaky", now.Add(20*time.Minute), trig); err != nil || res.Queued != 0 {
			t.Fatalf("%s after success = %+v, %v; want nothing queued", trig, res, err)
		}
	}
	if n := len(outboxAfter(t, db, 0)); n != 1 {
		t.Fatalf("texts = %d, want 1", n)
	}
	runs, _ := storage.JobRuns(ctx, db, "flaky")
	var st []string
	for _, r := range runs {
		st = append(st, r.Trigger+":"+r.Status)
	}
	if want := []string{"cron:failed", "catchup:done", "manual:done"}; !slices.Equal(st, want) {
		t.Errorf("runs = %v, want %v", st, want)
	}
	if !strings.Contains(runs[0].Detail, "connection lost") {
		t.Errorf("failed run detail = %q", runs[0].Detail)
	}
	if want := []string{"flaky failed 0 true", "flaky ran 1 true", "flaky done before 0 true", "flaky ran 0 true"}; !slices.Equal(observed, want) {
		t.Errorf("observed %q, want %q", observed, want)
	}
}

// After downtime each job runs once for its latest slot, if that is not
// too old; yesterday's digest is skipped, never sent late.
func TestCatchUpAfterDowntime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	sd := newSeeder(t, db)
	seedFeb24(sd)
	s := newScheduler(t, db, Options{})

	// Down since the 调休 Saturday; back at 08:40 on the first working day
	// after the holiday. The latest approver digest slot is the holiday's
	// 14:35 (too old: skipped); the office digest of 08:35 is due.
	s.CatchUp(ctx, at(t, "2026-02-24 08:40"), storage.TriggerStartup)
	// Down again from 08:41 to 16:00: every job but the office digest
	// (its slot is 7 hours old) runs once, the digest for 14:35 only.
	s.CatchUp(ctx, at(t, "2026-02-24 16:00"), storage.TriggerStartup)
	s.CatchUp(ctx, at(t, "2026-02-24 16:10"), storage.TriggerCatchUp)

	runs, err := storage.JobRuns(ctx, db, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range runs {
		got = append(got, fmt.Sprintf("%s %s %s", r.Job, r.Slot.In(shanghai).Format("01-02 15:04"), r.Status))
	}
	want := []string{
		"office_digest 02-24 08:35 done",
		"approver_digest 02-23 14:35 skipped",
		"deadline 02-23 09:15 skipped",
		"escalation 02-23 09:25 skipped",
		"annual_report 02-23 09:45 skipped",
		"annual_meeting 02-23 09:55 skipped",
		"outbox_failures 02-23 08:50 skipped",
		"order_due 02-23 09:35 skipped",
		"order_accept 02-23 09:40 skipped",
		"order_overdue 02-23 09:50 skipped",
		"order_urgent 02-24 08:37 done",
		"application_supplement 02-23 10:05 skipped",
		"application_due 02-23 10:10 skipped",
		"application_lapsed 02-23 10:15 skipped",
		"application_overdue 02-23 10:20 skipped",
		"approver_digest 02-24 14:35 done",
		"deadline 02-24 09:15 done",
		"escalation 02-24 09:25 done",
		"annual_report 02-24 09:45 done",
		"annual_meeting 02-24 09:55 done",
		"outbox_failures 02-24 08:50 done",
		"order_due 02-24 09:35 done",
		"order_accept 02-24 09:40 done",
		"order_overdue 02-24 09:50 done",
		// Every 15 minutes: the latest slot of each pass.
		"order_urgent 02-24 15:52 done",
		"application_supplement 02-24 10:05 done",
		"application_due 02-24 10:10 done",
		"application_lapsed 02-24 10:15 done",
		"application_overdue 02-24 10:20 done",
		"order_urgent 02-24 16:07 done",
	}
	if !slices.Equal(got, want) {
		t.Errorf("runs:\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	// One approver digest each, for 14:35 only.
	var digests []string
	for _, r := range reminders(t, db) {
		if r.Job == "approver_digest" {
			digests = append(digests, r.Entity+" "+r.Slot)
		}
	}
	slices.Sort(digests)
	wantDigests := []string{
		"user:chenlixin 2026-02-24T14:35", "user:hejing 2026-02-24T14:35", "user:linxiaoyan 2026-02-24T14:35",
		"user:zhangwei 2026-02-24T14:35", "user:zhouzhenhua 2026-02-24T14:35",
	}
	if !slices.Equal(digests, wantDigests) {
		t.Errorf("digests = %v, want %v", digests, wantDigests)
	}
}

func TestQuietRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	sd := newSeeder(t, db)
	seedFeb24(sd)
	s := newScheduler(t, db, Options{QuietUrgent: true})
	// By default order_urgent runs outside working time too, for urgent
	// orders gone overdue (none here): it queues nothing else.
	anytime := newScheduler(t, db, Options{})
	for _, when := range []string{
		"2026-02-15 09:05", // 春节
		"2026-02-21 09:05", // a Saturday in the holiday
		"2026-02-24 12:30", // lunch
		"2026-02-24 08:00", // before office hours
		"2026-02-24 18:00", // after them
		"2026-02-28 07:00", // 调休 Saturday, before office hours
	} {
		for _, j := range s.Names() {
			res, err := s.RunJob(ctx, j, at(t, when), storage.TriggerManual)
			if err != nil || res.Outcome != Quiet {
				t.Errorf("%s at %s: %s, %v; want quiet", j, when, res.Outcome, err)
			}
			want := Quiet
			if j == "order_urgent" {
				want = Ran
			}
			if res, err := anytime.RunJob(ctx, j, at(t, when), storage.TriggerManual); err != nil || res.Outcome != want || res.Queued != 0 {
				t.Errorf("%s at %s by default: %+v, %v; want %s, nothing queued", j, when, res, err, want)
			}
		}
		s.CatchUp(ctx, at(t, when), storage.TriggerCatchUp)
	}
	if n := len(outboxAfter(t, db, 0)); n != 0 {
		t.Errorf("%d texts outside working time", n)
	}
	runs, _ := storage.JobRuns(ctx, db, "")
	for _, r := range runs {
		if r.Job != "order_urgent" {
			t.Errorf("quiet times recorded a run: %+v", r)
		}
	}
	// A year without calendar data is an error, not a guess.
	if _, err := s.RunJob(ctx, "approver_digest", at(t, "2028-01-04 09:05"), storage.TriggerCron); !errors.Is(err, workflow.ErrNoCalendarData) {
		t.Errorf("run in 2028: %v, want ErrNoCalendarData", err)
	}
	// ... except for order_urgent's report of overdue urgent orders, which
	// needs no calendar: it runs as outside working time.
	if res, err := anytime.RunJob(ctx, "order_urgent", at(t, "2028-01-04 09:07"), storage.TriggerCron); err != nil || res.Outcome != Ran {
		t.Errorf("order_urgent in 2028: %+v, %v; want ran", res, err)
	}
	if _, err := s.RunJob(ctx, "order_urgent", at(t, "2028-01-04 09:22"), storage.TriggerCron); !errors.Is(err, workflow.ErrNoCalendarData) {
		t.Errorf("order_urgent in 2028 with URGENT_OVERDUE_ANYTIME=off: %v, want ErrNoCalendarData", err)
	}
}
