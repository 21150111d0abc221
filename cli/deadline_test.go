package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/zwgk-bot/zwgk/app"
	"github.com/zwgk-bot/zwgk/office"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
	"github.com/zwgk-bot/zwgk/workflow"
)

// zwgkDeadline runs zwgk deadline args in-process with DATABASE_URL=url
// ("" for none) and returns what it printed.
func zwgkDeadline(url string, args ...string) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	env := map[string]string{"DATABASE_URL": url}
	err = Run(context.Background(), append([]string{"deadline"}, args...), func(k string) string { return env[k] }, &out, &errOut)
	return out.String(), errOut.String(), err
}

// migratedDatabase returns the URL of a migrated database of tb's own.
func migratedDatabase(tb testing.TB) (string, *storage.DB) {
	tb.Helper()
	url := storagetest.NewDatabase(tb)
	db, err := storage.Open(context.Background(), url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return url, db
}

// TestDeadlineCommandExample runs the example of zwgk help deadline. The
// expectations are counted by hand on the embedded calendar (元旦
// 2027-01-01 off; nothing else off from December 2026 to January 2027):
// received Tue 12-01, 补正 asked Thu 12-03 (its 15 WD end Thu 12-24),
// received Thu 12-10: the clock starts again from 12-10. The consultation
// sent Fri 12-11 (WD 1, counted) and answered Fri 12-18 stops 12-14..18
// (5 WD). WD 2..20 are 12-21..25, 28..31, 2027-01-04..08, 11..15; the 10
// WD of the extension are 01-18..22, 25..29. On Sun 12-20 there are 29
// working days to Fri 01-29: 12-21..25, 28..31, then four weeks of January.
func TestDeadlineCommandExample(t *testing.T) {
	t.Parallel()
	url, _ := migratedDatabase(t)
	out, stderr, err := zwgkDeadline(url, "--received", "2026-12-01", "--supplement-asked", "2026-12-03",
		"--supplement-received", "2026-12-10", "--consult", "2026-12-11:2026-12-18", "--extended", "--extension-days", "10", "--on", "2026-12-20")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	for _, line := range []string{
		"答复期限：2027年1月29日（周五）\n",
		"补正期限15个工作日，至2026年12月24日（周四）",
		"收到补正：2026年12月10日（周四），答复期限自该日起重新计算",
		"计时起点：2026年12月10日（周四）",
		"法定期限：20个工作日",
		"不计入5个工作日",
		"2026年12月11日发出，2026年12月18日答复",
		"延长：10个工作日",
		"合计：计时起点后第35个工作日",
		"截至2026年12月20日（周日）：剩余29个工作日",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("output lacks %q:\n%s", line, out)
		}
	}
	for _, not := range []string{"暂停计时", "最迟于"} {
		if strings.Contains(out, not) {
			t.Errorf("output has %q, which does not apply:\n%s", not, out)
		}
	}
}

func TestDeadlineUsageErrors(t *testing.T) {
	t.Parallel()
	// No database: a wrong command line is told before anything is opened.
	for _, c := range []struct {
		args []string
		flag string // what stderr must name
	}{
		{nil, "--received"},
		{[]string{"--received", "2026-13-01"}, "-received"},
		{[]string{"--received", "2026/12/01"}, "-received"},
		{[]string{"--received", "2026-12-01", "--on", "tomorrow"}, "-on"},
		{[]string{"--received", "2026-12-01", "--consult", "2026-12-11"}, "-consult"},
		{[]string{"--received", "2026-12-01", "--consult", "2026-12-11:12-18"}, "-consult"},
		{[]string{"--received", "2026-12-01", "--consult", "2026-12-02:2026-12-03", "--consult", "2026-12-11:2026-12-10"}, "--consult 第2项"},
		{[]string{"--received", "2026-12-01", "--consult", "2026-11-30:"}, "--consult 第1项"},
		{[]string{"--received", "2026-12-01", "--supplement-asked", "2026-12-03", "--supplement-received", "2026-12-02"}, "--supplement-received"},
		{[]string{"--received", "2026-12-01", "--supplement-received", "2026-12-02"}, "--supplement-received"},
		{[]string{"--received", "2026-12-01", "--supplement-asked", "2026-11-30"}, "--supplement-asked"},
		{[]string{"--received", "2026-12-01", "--supplement-days", "10"}, "--supplement-days"},
		{[]string{"--received", "2026-12-01", "--supplement-asked", "2026-12-03", "--supplement-days", "0"}, "--supplement-days"},
		{[]string{"--received", "2026-12-01", "--extension-days", "10"}, "--extension-days"},
		{[]string{"--received", "2026-12-01", "--extended", "--extension-days", "21"}, "--extension-days"},
		{[]string{"--received", "2026-12-01", "--extended", "--extension-days", "0"}, "--extension-days"},
		{[]string{"--received", "2026-12-01", "--extended", "--extension-days", "-3"}, "--extension-days"},
		{[]string{"--received", "2026-12-01", "--supplement-asked", "2026-12-03", "--extended"}, "--extended"},
		{[]string{"--received", "2026-12-01", "--extended=maybe"}, "-extended"},
		{[]string{"--received", "2026-12-01", "2026-12-03"}, `"2026-12-03"`},
		{[]string{"--received", "2026-12-01", "--bogus"}, "-bogus"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			t.Parallel()
			out, stderr, err := zwgkDeadline("", c.args...)
			if !errors.Is(err, ErrUsage) || ExitCode(err) != 2 {
				t.Fatalf("err %v (exit %d); want a usage error, exit 2", err, ExitCode(err))
			}
			// The first line is the complaint; the usage line after it names
			// every flag, so it must not be what matches.
			first, _, _ := strings.Cut(stderr, "\n")
			if !strings.Contains(first, c.flag) || !strings.Contains(stderr, "usage: zwgk deadline") {
				t.Fatalf("the first line does not name %s, or no usage follows:\n%s", c.flag, stderr)
			}
			if out != "" {
				t.Fatalf("printed a result for a wrong command line:\n%s", out)
			}
		})
	}
	// A good command line without a database is a failure, not a usage
	// error: it names the variable.
	_, _, err := zwgkDeadline("", "--received", "2026-12-01")
	if err == nil || errors.Is(err, ErrUsage) || ExitCode(err) != 1 || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Fatalf("without DATABASE_URL: %v (exit %d)", err, ExitCode(err))
	}
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{ErrUsage, 2},
		{fmt.Errorf("deadline: %w", ErrUsage), 2},
		{errors.New("postgres: connection refused"), 1},
	} {
		if got := ExitCode(c.err); got != c.want {
			t.Errorf("ExitCode(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

func TestHelpDeadline(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := Run(context.Background(), []string{"help", "deadline"}, func(string) string { return "" }, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"usage: zwgk deadline --received D", "--consult FROM:TO", "--extension-days N", "status 2", "zwgk deadline --received 2026-12-01"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("help deadline lacks %q:\n%s", w, out.String())
		}
	}
	out.Reset()
	if err := Run(context.Background(), []string{"help"}, func(string) string { return "" }, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "deadline --received D") {
		t.Errorf("zwgk help does not list deadline:\n%s", out.String())
	}
}

// deadlineOutput is what zwgk deadline printed, read back.
type deadlineOutput struct {
	due, supplementBy, supplementDue, pausedUntil time.Time
	paused, extended                              int
	left                                          *int
	lapsed                                        bool
}

var (
	reDue           = regexp.MustCompile(`答复期限：(\d{4})年(\d{1,2})月(\d{1,2})日`)
	reSupplementBy  = regexp.MustCompile(`最迟于(\d{4})年(\d{1,2})月(\d{1,2})日`)
	reSupplementDue = regexp.MustCompile(`补正期限\d+个工作日，至(\d{4})年(\d{1,2})月(\d{1,2})日`)
	rePausedUntil   = regexp.MustCompile(`暂停，最迟至(\d{4})年(\d{1,2})月(\d{1,2})日`)
	rePaused        = regexp.MustCompile(`不计入(\d+)个工作日`)
	reExtended      = regexp.MustCompile(`延长：(\d+)个工作日`)
	reLeft          = regexp.MustCompile(`剩余(\d+)个工作日|(今天到期)|已逾期(\d+)个工作日`)
)

func readDeadline(out string) deadlineOutput {
	loc := app.BusinessLocation()
	date := func(re *regexp.Regexp) time.Time {
		m := re.FindStringSubmatch(out)
		if m == nil {
			return time.Time{}
		}
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		return time.Date(y, time.Month(mo), d, 0, 0, 0, 0, loc)
	}
	num := func(re *regexp.Regexp) int {
		if m := re.FindStringSubmatch(out); m != nil {
			n, _ := strconv.Atoi(m[1])
			return n
		}
		return 0
	}
	o := deadlineOutput{due: date(reDue), supplementBy: date(reSupplementBy), supplementDue: date(reSupplementDue),
		pausedUntil: date(rePausedUntil), paused: num(rePaused), extended: num(reExtended), lapsed: strings.Contains(out, "补正期限已过")}
	if m := reLeft.FindStringSubmatch(out); m != nil {
		n := 0
		switch {
		case m[1] != "":
			n, _ = strconv.Atoi(m[1])
		case m[3] != "":
			n, _ = strconv.Atoi(m[3])
			n = -n
		}
		o.left = &n
	}
	return o
}

// TestDeadlineCommandAgreesWithWorkflow runs each case through the command
// and through workflow.ApplicationDeadlines on the same calendar, and
// checks that the command prints what the workflow computed, and that
// both refuse the same wrong events, the command naming the flag that
// gave the field the workflow names.
func TestDeadlineCommandAgreesWithWorkflow(t *testing.T) {
	t.Parallel()
	url, db := migratedDatabase(t)
	cal, err := office.LoadCalendar(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	loc := cal.Location()
	d := func(s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation(time.DateOnly, s, loc)
		if err != nil {
			panic(err)
		}
		return t
	}
	c := func(sent, answered string) workflow.Consultation {
		return workflow.Consultation{Sent: d(sent), Answered: d(answered)}
	}
	type ev = workflow.ApplicationEvents
	cases := []struct {
		args []string
		ev   ev
		on   string
		// For wrong events: the field the workflow names and the flag the
		// command names.
		field, flag string
	}{
		{[]string{"--received", "2026-12-01"}, ev{Received: d("2026-12-01")}, "2026-12-29", "", ""},
		{[]string{"--received", "2026-12-15"}, ev{Received: d("2026-12-15")}, "2027-01-14", "", ""},
		{[]string{"--received", "2027-01-25"}, ev{Received: d("2027-01-25")}, "2027-02-08", "", ""},
		{[]string{"--received", "2026-12-05"}, ev{Received: d("2026-12-05")}, "2026-12-05", "", ""},
		{[]string{"--received", "2026-12-01", "--extended"}, ev{Received: d("2026-12-01"), ExtensionDays: 20}, "2027-01-30", "", ""},
		{[]string{"--received", "2026-12-01", "--extended", "--extension-days", "10"}, ev{Received: d("2026-12-01"), ExtensionDays: 10}, "", "", ""},
		{[]string{"--received", "2026-12-01", "--supplement-asked", "2026-12-03"}, ev{Received: d("2026-12-01"), SupplementAsked: d("2026-12-03")}, "2026-12-24", "", ""},
		{[]string{"--received", "2026-12-01", "--supplement-asked", "2026-12-03", "--supplement-days", "10"},
			ev{Received: d("2026-12-01"), SupplementAsked: d("2026-12-03"), SupplementDays: 10}, "2026-12-18", "", ""},
		{[]string{"--received", "2026-12-01", "--supplement-asked", "2026-12-11", "--supplement-received", "2026-12-14"},
			ev{Received: d("2026-12-01"), SupplementAsked: d("2026-12-11"), SupplementReceived: d("2026-12-14")}, "", "", ""},
		{[]string{"--received", "2026-11-02", "--consult", "2026-11-10:2026-11-19", "--consult", "2026-11-04:2026-11-13"},
			ev{Received: d("2026-11-02"), Consultations: []workflow.Consultation{c("2026-11-10", "2026-11-19"), c("2026-11-04", "2026-11-13")}}, "2026-12-16", "", ""},
		{[]string{"--received", "2026-11-02", "--consult", "2026-11-04:"},
			ev{Received: d("2026-11-02"), Consultations: []workflow.Consultation{c("2026-11-04", "")}}, "2026-11-20", "", ""},
		{[]string{"--received", "2027-01-04", "--consult", "2027-01-27:", "--extended", "--extension-days", "5"},
			ev{Received: d("2027-01-04"), Consultations: []workflow.Consultation{c("2027-01-27", "")}, ExtensionDays: 5}, "2027-02-10", "", ""},
		{[]string{"--received", "2026-12-01", "--supplement-asked", "2026-12-03", "--supplement-received", "2026-12-10", "--consult", "2026-12-04:2026-12-15", "--consult", "2026-12-28:", "--extended"},
			ev{Received: d("2026-12-01"), SupplementAsked: d("2026-12-03"), SupplementReceived: d("2026-12-10"),
				Consultations: []workflow.Consultation{c("2026-12-04", "2026-12-15"), c("2026-12-28", "")}, ExtensionDays: 20}, "2027-03-01", "", ""},
		// Wrong events.
		{[]string{"--received", "2026-12-01", "--supplement-asked", "2026-12-03", "--supplement-received", "2026-12-02"},
			ev{Received: d("2026-12-01"), SupplementAsked: d("2026-12-03"), SupplementReceived: d("2026-12-02")}, "", "SupplementReceived", "--supplement-received"},
		{[]string{"--received", "2026-12-01", "--consult", "2026-12-11:2026-12-10"},
			ev{Received: d("2026-12-01"), Consultations: []workflow.Consultation{c("2026-12-11", "2026-12-10")}}, "", "Consultations", "--consult 第1项"},
		{[]string{"--received", "2026-12-01", "--extended", "--extension-days", "25"},
			ev{Received: d("2026-12-01"), ExtensionDays: 25}, "", "ExtensionDays", "--extension-days"},
		{[]string{"--received", "2026-12-01", "--supplement-asked", "2026-12-02", "--extended"},
			ev{Received: d("2026-12-01"), SupplementAsked: d("2026-12-02"), ExtensionDays: 20}, "", "ExtensionDays", "--extended"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			args := tc.args
			if tc.on != "" {
				args = append(args[:len(args):len(args)], "--on", tc.on)
			}
			out, stderr, cmdErr := zwgkDeadline(url, args...)
			due, wfErr := workflow.ApplicationDeadlines(cal, tc.ev)
			if tc.field != "" {
				var ie *workflow.ApplicationInputError
				if !errors.As(wfErr, &ie) || ie.Field != tc.field {
					t.Fatalf("workflow: %v; want an error on %s", wfErr, tc.field)
				}
				if ExitCode(cmdErr) != 2 || !strings.Contains(stderr, tc.flag+"：") || !strings.Contains(stderr, ie.Problem) {
					t.Fatalf("command: %v (exit %d), stderr %q; want %s named with %q", cmdErr, ExitCode(cmdErr), stderr, tc.flag, ie.Problem)
				}
				return
			}
			if wfErr != nil || cmdErr != nil {
				t.Fatalf("workflow: %v; command: %v\n%s", wfErr, cmdErr, stderr)
			}
			got := readDeadline(out)
			sameDay := func(what string, cmd, wf time.Time) {
				t.Helper()
				if cmd.IsZero() != wf.IsZero() || !cmd.IsZero() && cmd.Format(time.DateOnly) != wf.In(loc).Format(time.DateOnly) {
					t.Errorf("%s: command %v, workflow %v\n%s", what, cmd, wf, out)
				}
			}
			sameDay("reply due", got.due, due.ReplyDue)
			sameDay("补正告知书 by", got.supplementBy, due.SupplementBy)
			sameDay("补正期限", got.supplementDue, due.SupplementDue)
			sameDay("paused until", got.pausedUntil, due.PausedUntil)
			if got.paused != due.PausedDays || got.extended != due.ExtendedDays {
				t.Errorf("paused %d, extended %d; workflow %d, %d\n%s", got.paused, got.extended, due.PausedDays, due.ExtendedDays, out)
			}
			if tc.on == "" {
				if got.left != nil || got.lapsed {
					t.Errorf("working days left printed without --on:\n%s", out)
				}
				return
			}
			if due.AwaitingSupplement {
				if want := due.SupplementLapsed(d(tc.on)); got.lapsed != want || got.left != nil {
					t.Errorf("on %s: command lapsed %v, workflow %v\n%s", tc.on, got.lapsed, want, out)
				}
				return
			}
			want, err := due.WorkingDaysLeft(cal, d(tc.on))
			if err != nil || got.left == nil || *got.left != want {
				t.Errorf("on %s: command %v left, workflow %d (%v)\n%s", tc.on, got.left, want, err, out)
			}
		})
	}
}

// TestDeadlineUsesTheOfficeYears checks that the command computes on the
// calendar in force, with the years the office added in Postgres, and that
// a deadline beyond it is refused, naming the year.
func TestDeadlineUsesTheOfficeYears(t *testing.T) {
	t.Parallel()
	url, db := migratedDatabase(t)
	// Mon 2027-12-20: the 20 WD reach 2028, which is not embedded.
	_, _, err := zwgkDeadline(url, "--received", "2027-12-20")
	if !errors.Is(err, workflow.ErrNoCalendarData) || !strings.Contains(err.Error(), "2028") || ExitCode(err) != 1 {
		t.Fatalf("without 2028: %v (exit %d)", err, ExitCode(err))
	}

	// A made-up 2028 (test data, not the State Council's): what matters
	// here is 元旦 2028-01-01 (Sat) to 01-03 (Mon) off.
	ctx := context.Background()
	now := time.Now()
	err = db.WithTx(ctx, func(tx *storage.Tx) error {
		id, err := storage.ProposeCalendarYear(ctx, tx, storage.CalendarYear{Year: 2028,
			Off: pq.StringArray{"2028-01-01", "2028-01-02", "2028-01-03", "2028-01-25", "2028-01-26", "2028-01-27", "2028-01-28", "2028-01-29",
				"2028-01-30", "2028-01-31", "2028-02-01", "2028-02-02", "2028-04-03", "2028-04-04", "2028-04-05", "2028-05-01", "2028-05-02",
				"2028-05-03", "2028-05-04", "2028-05-05", "2028-05-28", "2028-05-29", "2028-05-30", "2028-10-01", "2028-10-02", "2028-10-03",
				"2028-10-04", "2028-10-05", "2028-10-06", "2028-10-07"},
			Work:   pq.StringArray{"2028-01-22", "2028-02-05", "2028-04-29", "2028-05-06", "2028-09-30", "2028-10-08"},
			Notice: "test data", ProposedBy: "test", ProposedAt: now})
		if err != nil {
			return err
		}
		return storage.DecideCalendarYear(ctx, tx, id, storage.CalendarConfirmed, "test", now)
	})
	if err != nil {
		t.Fatal(err)
	}
	// 2027-12-21..24 (4), 27..31 (9), 2028-01-01..03 off, 01-04..07
	// (13), 10..14 (18), 17, 18 (20).
	out, stderr, err := zwgkDeadline(url, "--received", "2027-12-20")
	if err != nil {
		t.Fatalf("with the office's 2028: %v\n%s", err, stderr)
	}
	if !strings.Contains(out, "答复期限：2028年1月18日（周二）") {
		t.Fatalf("due day not on the office's 2028:\n%s", out)
	}
}
