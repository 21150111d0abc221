// Package scheduler runs the bureau's reminders: digests for approvers and
// the office, escalations, 主动公开 deadlines, the yearly duties and the
// 12345 work orders' time limits.
//
// Each job is a method that receives the run's transaction and clock in a
// Tick, so tests drive it with a fake clock and no cron. RunJob is the one
// path every run takes, whether cron, the catch-up pass or an operator
// (zwgk jobs run) starts it:
//
//   - quiet rules: nothing happens outside working time (the calendar's
//     working days and hours). The one exception is a job marked OffHours
//     (order_urgent, unless URGENT_OVERDUE_ANYTIME=off): it also runs on
//     days off and at night, with Tick.Working false, and must then queue
//     nothing but what the exception is for (an urgent 12345 order that
//     has just gone overdue);
//   - one replica at a time: the run's transaction takes the job's
//     Postgres advisory lock (pg_try_advisory_xact_lock) and gives up at
//     once when another replica holds it;
//   - one run per slot: a slot is the latest scheduled time not after now;
//     job_runs records it done, so a second replica, a catch-up pass or a
//     restart does not run it again, and a slot older than the job's MaxAge
//     (yesterday's digest) is recorded as skipped instead;
//   - exactly once: every reminder has a key (job, entity, slot) inserted
//     in the same transaction as its outbox rows, so even a manual rerun of
//     a slot queues nothing twice.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// EnvSchedules names the variable whose value Options.Schedules carries,
// for error messages.
const EnvSchedules = "SCHEDULES"

// catchUpEvery is how often the catch-up pass looks for slots that were
// missed (a failed run, a replica that was down at the time).
const catchUpEvery = 10 * time.Minute

// Job is one kind of reminder. Jobs are listed in jobs.go.
type Job struct {
	Name    string
	Summary string // one line for zwgk jobs
	// Schedule is the default: cron specs (minute hour dom month dow,
	// Asia/Shanghai) separated by "|". Specs fire every day; the calendar
	// decides whether the day is a working day.
	Schedule string
	// MaxAge is how late a slot may still be run; an older one is skipped.
	MaxAge time.Duration
	// OffHours exempts the job from the quiet rules: it runs outside
	// working time too, with Tick.Working false, and must then queue only
	// the reminders the exception allows.
	OffHours bool
	// Run queues the job's reminders through t.
	Run func(ctx context.Context, t *Tick) error

	specs  []string
	scheds []cron.Schedule
	auto   bool // run by cron and catch-up; false when SCHEDULES turns it off
}

// Options are a Scheduler's dependencies and settings.
type Options struct {
	DB       *storage.DB
	Roster   *config.Roster
	Calendar *workflow.Calendar
	Log      *slog.Logger
	Now      func() time.Time // the clock of cron runs; time.Now when nil
	// Queued is called after a run queued messages, to wake the outbox
	// worker. May be nil.
	Queued func()
	// Schedules overrides the default schedules (SCHEDULES): "off" for no
	// automatic runs at all, or "name=spec|spec;name=off;...".
	Schedules string
	// MeetingDue is MM-DD (MEETING_DUE), the date by which the year's
	// 专题工作会议 should be recorded; "" means 06-30.
	MeetingDue string
	// QuietUrgent holds overdue urgent 12345 orders to the quiet rules
	// like every other reminder (URGENT_OVERDUE_ANYTIME=off). By default
	// an urgent order that goes overdue is reported at once, at any hour
	// of any day.
	QuietUrgent bool
	// Observe, when set, hears of every call of a job: its outcome (Ran,
	// Failed, Quiet, ...), and for a run or a failure its duration, for a
	// run the messages it queued (the metrics).
	Observe func(job, outcome string, took time.Duration, queued int)
	// ReportLink, when set, makes the signed link of a year's printable
	// 年度报告 for the annual_report reminder (app.AnnualLink).
	ReportLink func(year int, now time.Time) string
}

// Scheduler runs the jobs. Build it with New.
type Scheduler struct {
	db       *storage.DB
	roster   *config.Roster
	cal      *workflow.Calendar
	log      *slog.Logger
	now      func() time.Time
	queued   func()
	loc      *time.Location
	meeting  struct{ month, day int }
	jobs     []*Job
	disabled bool // SCHEDULES=off
	quietUrg bool // Options.QuietUrgent
	observe  func(job, outcome string, took time.Duration, queued int)
	report   func(year int, now time.Time) string // Options.ReportLink
}

// New builds a scheduler. Errors name the variable at fault.
func New(o Options) (*Scheduler, error) {
	s := &Scheduler{db: o.DB, roster: o.Roster, cal: o.Calendar, log: o.Log, now: o.Now, queued: o.Queued, quietUrg: o.QuietUrgent, observe: o.Observe, report: o.ReportLink}
	if s.cal == nil {
		s.cal = workflow.DefaultCalendar()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.loc = s.cal.Location()
	m, d, err := ParseMonthDay(o.MeetingDue)
	if err != nil {
		return nil, fmt.Errorf("MEETING_DUE: %w", err)
	}
	s.meeting.month, s.meeting.day = m, d
	for _, mk := range jobList {
		j := mk(s)
		s.jobs = append(s.jobs, &j)
	}
	if err := s.applySchedules(o.Schedules); err != nil {
		return nil, err
	}
	return s, nil
}

// ParseMonthDay reads MM-DD (06-30, 6-30); "" is 06-30.
func ParseMonthDay(v string) (month, day int, err error) {
	if v == "" {
		return 6, 30, nil
	}
	t, err := time.Parse("1-2", v)
	if err != nil {
		return 0, 0, fmt.Errorf("want a month and day such as 06-30, got %q", v)
	}
	return int(t.Month()), t.Day(), nil
}

var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// applySchedules parses each job's schedule, with the overrides of spec.
func (s *Scheduler) applySchedules(spec string) error {
	over := map[string]string{}
	spec = strings.TrimSpace(spec)
	if spec == "off" {
		s.disabled = true
		spec = ""
	}
	var problems []string
	for part := range strings.SplitSeq(spec, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, v, ok := strings.Cut(part, "=")
		name, v = strings.TrimSpace(name), strings.TrimSpace(v)
		switch {
		case !ok || v == "":
			problems = append(problems, fmt.Sprintf("%q: want name=cron spec", part))
		case s.job(name) == nil:
			problems = append(problems, fmt.Sprintf("unknown job %q (jobs: %s)", name, strings.Join(s.Names(), ", ")))
		default:
			over[name] = v
		}
	}
	for _, j := range s.jobs {
		v := j.Schedule
		if o, ok := over[j.Name]; ok {
			v = o
		}
		j.auto = !s.disabled && v != "off"
		if v == "off" {
			v = j.Schedule // still listed and runnable by hand
		}
		j.specs, j.scheds = nil, nil
		for one := range strings.SplitSeq(v, "|") {
			one = strings.TrimSpace(one)
			sch, err := parseSpec(one)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: %q: %v", j.Name, one, err))
				continue
			}
			if ss, ok := sch.(*cron.SpecSchedule); ok {
				ss.Location = s.loc
			}
			j.specs = append(j.specs, one)
			j.scheds = append(j.scheds, sch)
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s: %s", EnvSchedules, strings.Join(problems, "; "))
	}
	return nil
}

func parseSpec(spec string) (cron.Schedule, error) {
	if strings.Contains(spec, "TZ=") {
		return nil, errors.New("times are Asia/Shanghai; remove the time zone")
	}
	if strings.HasPrefix(spec, "@every") {
		return nil, errors.New("@every has no fixed slots; use a cron spec")
	}
	return parser.Parse(spec)
}

// Names lists the jobs in order.
func (s *Scheduler) Names() []string {
	var out []string
	for _, j := range s.jobs {
		out = append(out, j.Name)
	}
	return out
}

func (s *Scheduler) job(name string) *Job {
	for _, j := range s.jobs {
		if j.Name == name {
			return j
		}
	}
	return nil
}

// JobInfo describes a job for zwgk jobs.
type JobInfo struct {
	Name, Summary string
	Specs         []string
	Auto          bool // runs on its schedule (not turned off)
	OffHours      bool // runs outside working time too (Job.OffHours)
}

// Jobs describes every job.
func (s *Scheduler) Jobs() []JobInfo {
	var out []JobInfo
	for _, j := range s.jobs {
		out = append(out, JobInfo{Name: j.Name, Summary: j.Summary, Specs: slices.Clone(j.specs), Auto: j.auto, OffHours: j.OffHours})
	}
	return out
}

// NextRuns returns the next n times after from at which the job would
// act: its scheduled times that fall in working time. It stops early with
// an error when the calendar has no data for the days ahead.
func (s *Scheduler) NextRuns(name string, from time.Time, n int) ([]time.Time, error) {
	j := s.job(name)
	if j == nil {
		return nil, fmt.Errorf("unknown job %q", name)
	}
	var out []time.Time
	t := from.In(s.loc)
	for range 1000 {
		if len(out) == n {
			break
		}
		var next time.Time
		for _, sch := range j.scheds {
			if c := sch.Next(t); !c.IsZero() && (next.IsZero() || c.Before(next)) {
				next = c
			}
		}
		if next.IsZero() {
			break
		}
		t = next
		ok, err := s.cal.InWorkingTime(next)
		if err != nil {
			return out, err
		}
		if ok {
			out = append(out, next)
		}
	}
	return out, nil
}

// latestSlot is the latest scheduled time of j not after now.
func (j *Job) latestSlot(now time.Time) (time.Time, bool) {
	var best time.Time
	for _, sch := range j.scheds {
		for _, back := range []time.Duration{26 * time.Hour, 8 * 24 * time.Hour, 32 * 24 * time.Hour} {
			var last time.Time
			for t := now.Add(-back); ; {
				n := sch.Next(t)
				if n.IsZero() || n.After(now) {
					break
				}
				last, t = n, n
			}
			if !last.IsZero() {
				if last.After(best) {
					best = last
				}
				break
			}
		}
	}
	return best, !best.IsZero()
}

// Tick is one run of a job: its transaction, its clock and its slot.
type Tick struct {
	Job  string
	Now  time.Time // the run's clock, in Asia/Shanghai
	Slot time.Time // the scheduled time this run stands for
	Tx   *storage.Tx
	// Working reports whether Now is working time. It is false only in a
	// run of an OffHours job, which must then queue only the reminders
	// exempt from the quiet rules.
	Working bool

	queued int
}

// Today is the date of Now, as used in reminder keys: 2026-02-12.
func (t *Tick) Today() string { return t.Now.Format(time.DateOnly) }

// Week is the ISO week of Now, for weekly reminder keys: 2026-W07.
func (t *Tick) Week() string {
	y, w := t.Now.ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w)
}

// Claim records the reminder key (the tick's job, entity, slot) for
// recipients. It reports false when that reminder was queued before: the
// caller then queues nothing for it.
func (t *Tick) Claim(ctx context.Context, entity, slot string, recipients []string) (bool, error) {
	return storage.ClaimReminder(ctx, t.Tx, t.Job, entity, slot, recipients)
}

// Text queues a text message to one person, split at WeCom's size limit.
func (t *Tick) Text(ctx context.Context, to, content string) error {
	for _, part := range bot.SplitText(content, bot.MaxTextBytes) {
		if _, err := storage.Enqueue(ctx, t.Tx, storage.KindMessage, to, bot.TextMessage(to, part), ""); err != nil {
			return err
		}
		t.queued++
	}
	return nil
}

// Remind claims the key (entity, slot) for one recipient and, when it is
// new, queues the text.
func (t *Tick) Remind(ctx context.Context, entity, slot, to, content string) error {
	fresh, err := t.Claim(ctx, entity, slot, []string{to})
	if err != nil || !fresh {
		return err
	}
	return t.Text(ctx, to, content)
}

// Outcome is what became of a call of RunJob.
type Outcome string

// Outcomes of RunJob.
const (
	Ran        Outcome = "ran"         // the job ran; Result.Queued says how many messages
	DoneBefore Outcome = "done before" // the slot was already run or skipped
	Busy       Outcome = "busy"        // another replica is running the job now
	Quiet      Outcome = "quiet"       // now is not working time
	Stale      Outcome = "stale"       // the slot is older than the job's MaxAge: skipped for good
	Off        Outcome = "off"         // the job is turned off in SCHEDULES
	NoSlot     Outcome = "no slot"     // the job has no scheduled time in the past month
	// Failed is never in a Result (RunJob returns the error instead); the
	// Observe hook hears of it.
	Failed Outcome = "failed"
)

// Result reports a call of RunJob.
type Result struct {
	Job     string
	Slot    time.Time
	Outcome Outcome
	Queued  int
	Took    time.Duration
}

// RunJob runs the job name as of now, started by trigger (one of the
// storage.Trigger values). A manual run acts even if the slot was done
// before or is old, but respects the quiet rules (an OffHours job runs
// outside working time too), and its reminders keep their keys, so it
// never repeats one.
func (s *Scheduler) RunJob(ctx context.Context, name string, now time.Time, trigger string) (Result, error) {
	j := s.job(name)
	if j == nil {
		return Result{}, fmt.Errorf("unknown job %q (jobs: %s)", name, strings.Join(s.Names(), ", "))
	}
	manual := trigger == storage.TriggerManual
	now = now.In(s.loc)
	res := Result{Job: name}
	if !j.auto && !manual {
		res.Outcome = Off
		return res, nil
	}
	slot, ok := j.latestSlot(now)
	if !ok {
		if !manual {
			res.Outcome = NoSlot
			return res, nil
		}
		slot = now.Truncate(time.Minute)
	}
	res.Slot = slot
	working, err := s.cal.InWorkingTime(now)
	if err != nil && j.OffHours && errors.Is(err, workflow.ErrNoCalendarData) {
		// Past the calendar's end an OffHours job still does what the
		// exception allows (it needs no calendar); the other jobs fail
		// loudly, which is the operator's signal.
		working, err = false, nil
	}
	if err != nil {
		err = fmt.Errorf("job %s: quiet rules: %w", name, err)
		s.log.ErrorContext(ctx, "job not run", "job", name, "slot", slot, "trigger", trigger, "err", err)
		if s.observe != nil {
			s.observe(name, string(Failed), 0, 0)
		}
		return res, err
	}
	if !working && !j.OffHours {
		res.Outcome = Quiet
		s.logResult(ctx, res, trigger)
		return res, nil
	}

	started := time.Now()
	var t *Tick
	err = s.db.WithTx(ctx, func(tx *storage.Tx) error {
		locked, err := storage.TryJobLock(ctx, tx, name)
		if err != nil || !locked {
			res.Outcome = Busy
			return err
		}
		run := storage.JobRun{Job: name, Slot: slot, RunAt: now, Trigger: trigger, StartedAt: started}
		if !manual {
			done, err := storage.SlotDone(ctx, tx, name, slot)
			if err != nil || done {
				res.Outcome = DoneBefore
				return err
			}
			if now.Sub(slot) > j.MaxAge {
				res.Outcome = Stale
				run.Status, run.FinishedAt, run.Detail = storage.RunSkipped, time.Now(), "older than "+j.MaxAge.String()
				_, err := storage.RecordRun(ctx, tx, run)
				return err
			}
		}
		t = &Tick{Job: name, Now: now, Slot: slot, Tx: tx, Working: working}
		if err := j.Run(ctx, t); err != nil {
			return err
		}
		res.Outcome, res.Queued = Ran, t.queued
		run.Status, run.FinishedAt, run.Queued = storage.RunDone, time.Now(), t.queued
		_, err = storage.RecordRun(ctx, tx, run)
		return err
	})
	res.Took = time.Since(started)
	if err != nil {
		err = fmt.Errorf("job %s at %s: %w", name, slot.Format("2006-01-02 15:04"), err)
		s.log.ErrorContext(ctx, "job failed", "job", name, "slot", slot, "trigger", trigger, "duration", res.Took, "err", err)
		// Recorded outside the rolled-back transaction, for the operator;
		// a failed run does not mark the slot, so catch-up tries again.
		_, rerr := storage.RecordRun(context.WithoutCancel(ctx), s.db, storage.JobRun{
			Job: name, Slot: slot, RunAt: now, Trigger: trigger, Status: storage.RunFailed,
			StartedAt: started, FinishedAt: time.Now(), Detail: err.Error(),
		})
		if rerr != nil {
			s.log.ErrorContext(ctx, "job failure not recorded", "job", name, "err", rerr)
		}
		if s.observe != nil {
			s.observe(name, string(Failed), res.Took, 0)
		}
		return Result{Job: name, Slot: slot}, err
	}
	s.logResult(ctx, res, trigger)
	if res.Queued > 0 && s.queued != nil {
		s.queued()
	}
	return res, nil
}

// logResult logs what an operator needs: every run with its duration and
// count, and skipped slots; the routine no-ops of catch-up only at debug.
func (s *Scheduler) logResult(ctx context.Context, r Result, trigger string) {
	if s.observe != nil {
		s.observe(r.Job, string(r.Outcome), r.Took, r.Queued)
	}
	attrs := []any{"job", r.Job, "slot", r.Slot.Format("2006-01-02 15:04"), "trigger", trigger}
	switch {
	case r.Outcome == Ran:
		s.log.InfoContext(ctx, "job run", append(attrs, "queued", r.Queued, "duration", r.Took)...)
	case r.Outcome == Stale:
		s.log.InfoContext(ctx, "job slot skipped: too old", attrs...)
	case trigger == storage.TriggerCatchUp || r.Outcome == DoneBefore:
		s.log.DebugContext(ctx, "job not run", append(attrs, "outcome", string(r.Outcome))...)
	default:
		s.log.InfoContext(ctx, "job not run", append(attrs, "outcome", string(r.Outcome))...)
	}
}

// CatchUp runs every job whose latest slot has not been run: after
// downtime, each missed job runs once for its latest slot (if that is not
// too old), not once per missed tick.
func (s *Scheduler) CatchUp(ctx context.Context, now time.Time, trigger string) {
	for _, j := range s.jobs {
		if !j.auto {
			continue
		}
		// Errors are logged by RunJob; one job's failure must not stop
		// the others.
		s.RunJob(ctx, j.Name, now, trigger)
	}
}

// Disabled reports whether SCHEDULES turned all automatic runs off.
func (s *Scheduler) Disabled() bool { return s.disabled }

// Run runs the jobs on their schedules until ctx ends, then stops cron and
// waits for a run in flight to finish. It first catches up on slots missed
// while no replica was running.
func (s *Scheduler) Run(ctx context.Context) {
	if s.disabled {
		s.log.InfoContext(ctx, "scheduler off (SCHEDULES=off)")
		return
	}
	lg := cronLogger{s.log}
	c := cron.New(cron.WithLocation(s.loc), cron.WithLogger(lg),
		cron.WithChain(cron.Recover(lg), cron.SkipIfStillRunning(lg)))
	// A run in flight finishes its transaction after ctx ends; Stop waits.
	runCtx := context.WithoutCancel(ctx)
	for _, j := range s.jobs {
		if !j.auto {
			continue
		}
		name := j.Name
		for _, sch := range j.scheds {
			c.Schedule(sch, cron.FuncJob(func() { s.RunJob(runCtx, name, s.now(), storage.TriggerCron) }))
		}
	}
	c.Schedule(cron.Every(catchUpEvery), cron.FuncJob(func() { s.CatchUp(runCtx, s.now(), storage.TriggerCatchUp) }))
	c.Start()
	s.log.InfoContext(ctx, "scheduler started", "jobs", len(s.jobs))
	cron.NewChain(cron.Recover(lg)).Then(cron.FuncJob(func() {
		s.CatchUp(runCtx, s.now(), storage.TriggerStartup)
	})).Run()
	<-ctx.Done()
	<-c.Stop().Done()
	s.log.Info("scheduler stopped")
}

// cronLogger adapts slog to cron's logger. Cron's own info (each wake-up)
// is debug detail; a skipped overlapping run is worth seeing.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) {
	if msg == "skip" {
		l.log.Info("cron: run skipped, the previous one is still running", kv...)
		return
	}
	l.log.Debug("cron: "+msg, kv...)
}

func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}

// CalendarEnd is the last day the working-day calendar covers.
func (s *Scheduler) CalendarEnd() time.Time { return s.cal.CoveredUntil() }
