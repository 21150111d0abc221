package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/zwgk-bot/zwgk/app"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/office"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

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

func cmdCalendar(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "add" {
		return calendarAdd(ctx, e, args[1:])
	}
	if len(args) > 0 {
		return fmt.Errorf("calendar: unexpected %q; usage: zwgk calendar | zwgk calendar add FILE [--year Y] [--yes]", args[0])
	}
	cal, err := officeCalendar(ctx, e)
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

// officeCalendar is the working-day calendar in force, as the bot computes
// with it: the embedded years, the office's years in Postgres
// (DATABASE_URL, required: a year the office confirmed or amended must
// not be missed) and CALENDAR_FILE.
func officeCalendar(ctx context.Context, e *env) (*workflow.Calendar, error) {
	extra, err := app.ReadCalendarFile(strings.TrimSpace(e.getenv(config.EnvCalendar)))
	if err != nil {
		return nil, err
	}
	dbURL := strings.TrimSpace(e.getenv(config.EnvDatabaseURL))
	if dbURL == "" {
		return nil, fmt.Errorf("%s is required: the office's years are stored in Postgres", config.EnvDatabaseURL)
	}
	db, err := storage.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	return office.LoadCalendar(ctx, db, extra)
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
		return ErrUsage
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
	cfg, roster, err := app.LoadConfig(e.getenv)
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
	s, err := app.Open(ctx, cfg, roster, e.log)
	if err != nil {
		return err
	}
	defer s.Close()
	years := s.Calendar().Years()
	if n.Year < years[0]-1 || n.Year > years[len(years)-1]+1 {
		return fmt.Errorf("calendar add: the calendar covers %d to %d; %d is not next to them", years[0], years[len(years)-1], n.Year)
	}
	reply, err := s.Bot().Office.AddCalendarYear(ctx, n, string(text), who)
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
