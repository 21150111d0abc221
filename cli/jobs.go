package cli

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/zwgk-bot/zwgk/app"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/office"
	"github.com/zwgk-bot/zwgk/scheduler"
	"github.com/zwgk-bot/zwgk/storage"
)

const jobsDetail = `Without arguments: lists the reminder jobs, their schedules (SCHEDULES
overrides the defaults; times are Asia/Shanghai) and their next three runs
in working time (--at TIME lists them from another moment).

run NAME [--at TIME] runs one job now, or as of TIME (2026-12-01T09:05),
through the same path as the scheduler: quiet rules (nothing outside working
time, except order_urgent's report of an urgent 12345 order gone overdue
while URGENT_OVERDUE_ANYTIME is on) and the reminder keys apply, so it never
sends a reminder twice; it does not wait for the job's schedule and runs
even a slot already done.
Needs the full configuration; the serving replicas deliver what it queues.`

// parseAt reads --at: 2026-12-01T09:05, 2026-12-01 09:05 or RFC 3339.
func parseAt(v string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--at: %q is not a time such as 2026-12-01T09:05", v)
}

func cmdJobs(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "run" {
		if len(args) < 2 || strings.HasPrefix(args[1], "-") {
			return errors.New("usage: zwgk jobs run NAME [--at 2026-12-01T09:05]")
		}
		return jobsRun(ctx, e, args[1], args[2:])
	}
	fs := flag.NewFlagSet("jobs", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	at := fs.String("at", "", "list the next runs from this time instead of now")
	if err := fs.Parse(args); err != nil {
		return ErrUsage
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("jobs: unexpected %q; usage: zwgk jobs [--at TIME] | zwgk jobs run NAME [--at TIME]", fs.Arg(0))
	}
	// Listing needs no database: only the schedules and the calendar.
	cal, err := app.LoadCalendar(strings.TrimSpace(e.getenv(config.EnvCalendar)))
	if err != nil {
		return err
	}
	anytime, err := config.ParseOnOff(cmp.Or(strings.TrimSpace(e.getenv(config.EnvUrgentAny)), config.DefaultUrgentAny))
	if err != nil {
		return fmt.Errorf("%s: %w", config.EnvUrgentAny, err)
	}
	sch, err := scheduler.New(scheduler.Options{Calendar: cal, Schedules: e.getenv(config.EnvSchedules),
		MeetingDue: strings.TrimSpace(e.getenv(config.EnvMeetingDue)), QuietUrgent: !anytime})
	if err != nil {
		return err
	}
	from := time.Now()
	if *at != "" {
		if from, err = parseAt(*at, cal.Location()); err != nil {
			return err
		}
	}
	listJobs(e.stdout, sch, from)
	return nil
}

func listJobs(w io.Writer, sch *scheduler.Scheduler, from time.Time) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tSCHEDULE (Asia/Shanghai)\tNEXT RUNS (working time)")
	for _, j := range sch.Jobs() {
		spec := strings.Join(j.Specs, " | ")
		if !j.Auto {
			spec += " (off)"
		} else if j.OffHours {
			spec += " (also outside working time)"
		}
		var next []string
		runs, err := sch.NextRuns(j.Name, from, 3)
		for _, r := range runs {
			next = append(next, r.Format("2006-01-02 15:04"))
		}
		if err != nil {
			next = append(next, "(the calendar ends "+sch.CalendarEnd().Format(time.DateOnly)+")")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", j.Name, spec, strings.Join(next, ", "))
	}
	tw.Flush()
	fmt.Fprintln(w)
	for _, j := range sch.Jobs() {
		fmt.Fprintf(w, "%s: %s\n", j.Name, j.Summary)
	}
	if sch.Disabled() {
		fmt.Fprintln(w, "\nSCHEDULES=off: no job runs automatically; zwgk jobs run still works.")
	}
}

func jobsRun(ctx context.Context, e *env, name string, args []string) error {
	fs := flag.NewFlagSet("jobs run", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	at := fs.String("at", "", "run as of this time (2026-12-01T09:05) instead of now")
	if err := fs.Parse(args); err != nil {
		return ErrUsage
	}
	cfg, roster, err := app.LoadConfig(e.getenv)
	if err != nil {
		return err
	}
	extra, err := app.ReadCalendarFile(cfg.CalendarFile)
	if err != nil {
		return err
	}
	now := time.Now()
	if *at != "" {
		if now, err = parseAt(*at, app.BusinessLocation()); err != nil {
			return err
		}
	}
	db, err := storage.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	cal, err := office.LoadCalendar(ctx, db, extra)
	if err != nil {
		return err
	}
	sch, err := scheduler.New(scheduler.Options{
		DB: db, Roster: roster, Calendar: cal, Log: e.log,
		Schedules: cfg.Schedules, MeetingDue: cfg.MeetingDue, QuietUrgent: !cfg.UrgentAnytime,
		ReportLink: app.AnnualLink(cfg),
	})
	if err != nil {
		return err
	}
	res, err := sch.RunJob(ctx, name, now, storage.TriggerManual)
	if err != nil {
		return err
	}
	when := now.In(cal.Location()).Format("2006-01-02 15:04")
	switch res.Outcome {
	case scheduler.Ran:
		fmt.Fprintf(e.stdout, "%s: ran at %s (slot %s), queued %d messages in %s\n",
			name, when, res.Slot.Format("2006-01-02 15:04"), res.Queued, res.Took.Round(time.Millisecond))
	case scheduler.Quiet:
		fmt.Fprintf(e.stdout, "%s: %s is not working time (quiet rules); nothing sent\n", name, when)
	case scheduler.Busy:
		fmt.Fprintf(e.stdout, "%s: another replica is running it right now; nothing done\n", name)
	default:
		fmt.Fprintf(e.stdout, "%s: %s\n", name, res.Outcome)
	}
	return nil
}
