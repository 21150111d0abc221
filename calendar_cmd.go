package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/office"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// calendarRefresh is how often a replica looks for a year another one
// (or zwgk calendar add) put in force: a minute at most between the
// office's confirmation and every replica computing with it.
const calendarRefresh = 30 * time.Second

const calendarDetail = `zwgk calendar lists the years the working-day calendar covers and where
each comes from: embedded (compiled in, from the State Council notices),
office (pasted in the chat with 「日历 添加」 and confirmed, or added with
zwgk calendar add), file (a whole year in CALENDAR_FILE); "local" marks a
year CALENDAR_FILE changes.

zwgk calendar add FILE [--year Y] [--by USERID] [--yes] reads the notice's
text from FILE (as published: 一、元旦：1月1日（周五）至3日（周日）放假，共3天。…),
shows what it understood and, with --yes (or when confirmed at the
terminal), puts the year in force exactly as a confirmation in the chat
does: stored in Postgres and audited (by USERID, default "operator"), the
deadlines it makes computable filled in and announced; serving replicas
take it within 30 seconds. --year gives the year when the text does not.
Needs the full configuration.`

// readCalendarFile reads CALENDAR_FILE ("" = none) and checks it.
func readCalendarFile(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", config.EnvCalendar, err)
	}
	if _, err := workflow.NewCalendar(data); err != nil {
		return nil, fmt.Errorf("%s %s: %w", config.EnvCalendar, path, err)
	}
	return data, nil
}

// loadCalendar is the embedded working-day calendar plus CALENDAR_FILE,
// for what runs without a database; the service adds the office's years
// (office.LoadCalendar).
func loadCalendar(path string) (*workflow.Calendar, error) {
	data, err := readCalendarFile(path)
	if err != nil {
		return nil, err
	}
	return workflow.NewCalendar(data)
}

// refreshCalendar keeps s.cal current with the years in Postgres, so that
// a year confirmed on another replica is used here too. It returns when
// ctx ends.
func (s *service) refreshCalendar(ctx context.Context, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		v, err := storage.CalendarVersion(ctx, s.db)
		if err != nil || v == s.calVersion {
			if err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "calendar refresh", "err", err)
			}
			continue
		}
		cal, err := office.LoadCalendar(ctx, s.db, s.calExtra)
		if err != nil {
			s.log.ErrorContext(ctx, "calendar refresh: keeping the calendar in use", "err", err)
			continue
		}
		s.cal.Replace(cal)
		s.calVersion = v
		s.log.InfoContext(ctx, "working-day calendar reloaded", "covered_until", cal.CoveredUntil().Format(time.DateOnly))
	}
}

func cmdCalendar(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "add" {
		return calendarAdd(ctx, e, args[1:])
	}
	if len(args) > 0 {
		return fmt.Errorf("calendar: unexpected %q; usage: zwgk calendar | zwgk calendar add FILE [--year Y] [--yes]", args[0])
	}
	path := strings.TrimSpace(e.getenv(config.EnvCalendar))
	extra, err := readCalendarFile(path)
	if err != nil {
		return err
	}
	dbURL := strings.TrimSpace(e.getenv(config.EnvDatabaseURL))
	if dbURL == "" {
		return fmt.Errorf("%s is required: the office's years are stored in Postgres", config.EnvDatabaseURL)
	}
	db, err := storage.Open(ctx, dbURL)
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
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "YEAR\tSOURCE\tWORKING DAYS\tNOTE")
	for _, s := range cal.Coverage() {
		n, err := cal.WorkingDaysIn(s.Year)
		if err != nil {
			return err
		}
		src := s.Source
		if s.Local {
			src += " + local"
		}
		fmt.Fprintf(w, "%d\t%s\t%d\t%s\n", s.Year, src, n, s.Note)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	until := cal.CoveredUntil()
	fmt.Fprintf(e.stdout, "covered until %s; deadlines beyond it cannot be computed.\n", until.Format(time.DateOnly))
	if until.Sub(time.Now()) < 60*24*time.Hour {
		fmt.Fprintf(e.stdout, "add %d when its notice is out: an office member sends 「日历 添加」 with its text in the chat, or zwgk calendar add FILE.\n", until.Year()+1)
	}
	return nil
}

func calendarAdd(ctx context.Context, e *env, args []string) error {
	const usage = "usage: zwgk calendar add FILE [--year Y] [--by USERID] [--yes]"
	fs := flag.NewFlagSet("calendar add", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	year := fs.Int("year", 0, "the notice's year, when its text does not say")
	by := fs.String("by", "operator", "who confirms (a roster userid, or operator)")
	yes := fs.Bool("yes", false, "put the year in force without asking")
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if file == "" && fs.NArg() > 0 {
		file = fs.Arg(0)
	}
	if file == "" {
		return errors.New(usage)
	}
	text, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("calendar add: %w", err)
	}
	n, err := workflow.ParseHolidayNotice(string(text), *year)
	if errors.Is(err, workflow.ErrNoticeYear) {
		return fmt.Errorf("calendar add %s: the text names no year; give it with --year", file)
	}
	if err != nil {
		return fmt.Errorf("calendar add %s: %s", file, err.Error())
	}
	fmt.Fprintf(e.stdout, "%s: %d\n", file, n.Year)
	for _, h := range n.Holidays {
		fmt.Fprintf(e.stdout, "  %s：%s\n", h.Name, h.Describe())
	}
	if !*yes {
		if !isTerminal(os.Stdin) {
			return errors.New("calendar add: not confirmed; check the lines above and run again with --yes")
		}
		fmt.Fprint(e.stdout, "put this year in force? [y/N] ")
		var answer string
		fmt.Fscanln(os.Stdin, &answer)
		if answer != "y" && answer != "Y" && answer != "yes" {
			return errors.New("calendar add: not confirmed; nothing stored")
		}
	}
	cfg, roster, err := loadConfig(e)
	if err != nil {
		return err
	}
	who := config.Person{UserID: *by, Name: *by}
	if *by != "operator" {
		p, ok := roster.Person(*by)
		if !ok {
			return fmt.Errorf("calendar add: --by %q is not in the roster", *by)
		}
		who = p
	}
	s, err := openService(ctx, cfg, roster, e.log)
	if err != nil {
		return err
	}
	defer s.close()
	years := s.cal.Years()
	if n.Year < years[0]-1 || n.Year > years[len(years)-1]+1 {
		return fmt.Errorf("calendar add: the calendar covers %d to %d; %d is not next to them", years[0], years[len(years)-1], n.Year)
	}
	reply, err := s.bot.Office.AddCalendarYear(ctx, n, string(text), who)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, reply)
	return nil
}

// isTerminal reports whether f is a character device (a terminal), so
// that calendar add asks only a person.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
