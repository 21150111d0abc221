// Package cli is the zwgk command: its subcommands (one file each), their
// usage and help. main calls Run; so do the end-to-end tests.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/zwgk-bot/zwgk/config"
)

// ErrUsage reports a usage error whose message was already printed.
var ErrUsage = errors.New("usage")

type command struct {
	name, args, summary string
	detail              string // more for 'zwgk help <command>'
	run                 func(ctx context.Context, e *env, args []string) error
}

// env is what every subcommand receives instead of globals.
type env struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
}

func commands() []command {
	return []command{
		{"serve", "", "run the bot: WeCom callback, outbox worker, health endpoints", `Serves on HTTP_ADDR:
  /wecom/callback   WeCom's callback URL (GET verification, POST messages)
  /healthz          the process is up
  /readyz           Postgres and Redis answer
Migrations are applied at start under an advisory lock, so replicas may
start together. SIGTERM stops accepting, finishes in-flight work, closes pools.`, cmdServe},
		{"migrate", "", "apply database migrations and exit", "Applies the embedded migrations to DATABASE_URL and exits.", cmdMigrate},
		{"demo", "", "run the bot with a local WeCom sandbox and the example roster", `Starts the bot and a local WeCom sandbox in one process, with the example
roster (or ROSTER_FILE). Needs only DATABASE_URL and REDIS_URL (defaults:
local Postgres and Redis); it uses its own database zwgk_demo and Redis
prefix zwgk-demo: (DEMO_DATABASE=my_demo switches to the database my_demo
and the prefix my-demo:). Serves the web chat at / on HTTP_ADDR and the
sandbox's user API under /sandbox/api/. Prints the address to open and
opens nothing itself. Nothing leaves the machine.`, cmdDemo},
		{"menu", "sync", "create the app menu in WeCom (公开申请 / 我的待办 / 更多)", "Creates the app menu through WeCom's menu/create API.", cmdMenu},
		{"import", "orders|applications FILE.csv", "register 12345 orders or 政府信息公开申请 from a CSV file (checks every row; writes all or nothing)", "Columns (first row, any order): ticket_no, category, content, section (required), location, caller_name, caller_phone, urgency (normal/urgent), received_at and due_at (RFC 3339), openid, registrar.\nFlags: --dry-run (check only), --registrar USERID (首问责任人 of rows without one; default the first office member).\n'import complaints', the old name, still works.\nApplications: columns channel, received_on (YYYY-MM-DD), applicant_name, applicant_type, content, provide_form (required), external_id, applicant_id_no, applicant_phone, applicant_address, section, registrar; for the year's answered ones outcome and reason (table 三's words) and closed_on.", cmdImport},
		{"report", "orders --from D --to D [--csv] | annual --year Y [--xlsx FILE] [--csv FILE]", "12345 statistics; or the 政府信息公开工作年度报告: tables 二, 三 and 四, the text sections and the checks", "orders: by section and by category, for orders received between --from and --to (both included, YYYY-MM-DD): received, answered, closed, on time, overdue, open, rates. Needs DATABASE_URL only. 'report complaints', the old name, still works.\n\nannual: " + annualDetail, cmdReport},
		{"annual", annualArgs, "the office's entries for the annual report: its own 上年结转 or table 四 figures, a 行政复议 or 行政诉讼 about an application, its text of section 一, 五 or 六", annualEntryDetail, cmdAnnual},
		{"loadtest", "[--mode flows|rate] [--users N] [--duration D] [--rate R] [--seed-orders N] [--kill-every D] [--flush-redis-every D]", "measure the bot under load through the sandbox (see docs/performance.md)", "Starts a bot (a child process, to measure its memory) on a fresh database and Redis prefix with a generated roster, drives it through the sandbox with signed, encrypted callbacks, and reports throughput, callback latency percentiles, outbox delivery lag, errors and peak RSS, then checks that every flow took effect exactly once. --ceilings (default on) also runs pgbench and redis-benchmark against the same servers. --seed-orders N first fills the database and times the statistics and overdue queries. --kill-every D (flows only) kills the bot with SIGKILL about every D and starts it again, --flush-redis-every D deletes the run's Redis keys, and the run then checks that every message each person received came exactly once (--restart-after D, --callback-retry D, --bot PATH: see docs/performance.md).", cmdLoadtest},
		{"calendar", "[add FILE [--year Y] [--yes]]", "list the years the working-day calendar covers, or add one from its State Council notice", calendarDetail, cmdCalendar},
		{"deadline", deadlineArgs, "the legal deadlines of a 政府信息公开申请: 补正, reply due, 征求意见 pauses, extension", deadlineDetail, cmdDeadline},
		{"jobs", "[run NAME] [--at TIME]", "list the reminder jobs and their next runs, or run one now", jobsDetail, cmdJobs},
		{"outbox", "[retry ID]", "show pending, failed and recently sent outbound messages, or re-queue a failed one", outboxDetail, cmdOutbox},
		{"version", "", "print the version", "", cmdVersion},
		{"help", "[command]", "explain the commands and the environment variables", "", nil},
	}
}

// ExitCode is the process's exit status for an error of Run: 0 for none,
// 2 for a usage error (what the flag package exits with, so scripts can
// tell a wrong command line from a failure), 1 for any other.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrUsage):
		return 2
	}
	return 1
}

// Run runs the zwgk command line args (without the program name) with the
// environment getenv until ctx ends. A usage error is printed to stderr
// and returned as ErrUsage.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zwgk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	logFormat := fs.String("log-format", "text", "log format: text or json")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	fs.Usage = func() { usage(stderr) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return ErrUsage
	}
	log, err := newLogger(stderr, *logFormat, *logLevel)
	if err != nil {
		return err
	}
	e := &env{getenv: getenv, stdout: stdout, stderr: stderr, log: log}
	rest := fs.Args()
	if len(rest) == 0 {
		usage(stderr)
		return ErrUsage
	}
	name, rest := rest[0], rest[1:]
	if name == "help" || name == "-h" || name == "--help" {
		return help(stdout, rest)
	}
	for _, c := range commands() {
		if c.name == name && c.run != nil {
			if len(rest) > 0 && (rest[0] == "-h" || rest[0] == "--help") {
				return help(stdout, []string{name})
			}
			return c.run(ctx, e, rest)
		}
	}
	fmt.Fprintf(stderr, "zwgk: unknown command %q\n\n", name)
	usage(stderr)
	return ErrUsage
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("-log-level: %q is not debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("-log-format: %q is not text or json", format)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: zwgk [-log-format text|json] [-log-level info] <command> [arguments]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands() {
		printColumns(w, 22, strings.TrimSpace(c.name+" "+c.args), c.summary)
	}
	fmt.Fprintln(w, "\nRun 'zwgk help' for the environment variables, 'zwgk help <command>' for one command.")
}

func help(w io.Writer, args []string) error {
	if len(args) > 0 {
		for _, c := range commands() {
			if c.name == args[0] {
				fmt.Fprintf(w, "usage: zwgk %s\n\n%s\n", strings.TrimSpace(c.name+" "+c.args), c.summary)
				if c.detail != "" {
					fmt.Fprintln(w, "\n"+c.detail)
				}
				return nil
			}
		}
		return fmt.Errorf("help: unknown command %q", args[0])
	}
	usage(w)
	fmt.Fprintln(w, "\nenvironment:")
	for _, v := range config.Variables() {
		req := ""
		if v.Required {
			req = " (required)"
		}
		def := ""
		if v.Default != "" {
			def = " [default " + v.Default + "]"
		}
		printColumns(w, 16, v.Name, v.Meaning+req+def)
	}
	return nil
}

// printColumns prints a two-column help line; a name too long for its
// column gets the text on the next line, so the texts stay aligned.
func printColumns(w io.Writer, width int, name, text string) {
	if len(name) > width {
		fmt.Fprintf(w, "  %s\n  %*s %s\n", name, width, "", text)
		return
	}
	fmt.Fprintf(w, "  %-*s %s\n", width, name, text)
}
