package cli

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zwgk-bot/zwgk/api"
	"github.com/zwgk-bot/zwgk/app"
	"github.com/zwgk-bot/zwgk/orders"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// csvColumns are the columns an import file may have; the first row names
// them, in any order.
var csvColumns = []string{"ticket_no", "category", "content", "location", "caller_name", "caller_phone", "urgency", "received_at", "due_at", "section", "openid", "registrar"}

// cmdImport: zwgk import orders FILE.csv [--dry-run] [--registrar USERID]
// ("complaints", the old name, still works).
func cmdImport(ctx context.Context, e *env, args []string) error {
	if len(args) < 1 || args[0] != "orders" && args[0] != "complaints" && args[0] != "applications" {
		return errors.New("usage: zwgk import orders|applications FILE.csv [--dry-run] [--registrar USERID]")
	}
	fs := flag.NewFlagSet("import orders", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dry := fs.Bool("dry-run", false, "check every row and write nothing")
	registrar := fs.String("registrar", "", "userid of the 首问责任人 for rows without a registrar column (default: the first office member)")
	var file string
	rest := args[1:]
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		file, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return ErrUsage
	}
	if file == "" && fs.NArg() > 0 {
		file = fs.Arg(0)
	}
	if file == "" {
		return errors.New("usage: zwgk import orders FILE.csv [--dry-run] [--registrar USERID]")
	}
	cfg, roster, err := app.LoadConfig(e.getenv)
	if err != nil {
		return err
	}
	s, err := app.Open(ctx, cfg, roster, e.log)
	if err != nil {
		return err
	}
	defer s.Close()
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	if args[0] == "applications" {
		return importApplications(ctx, s, f, file, *registrar, *dry, e.stdout)
	}
	return importComplaints(ctx, s, f, file, *registrar, *dry, e.stdout)
}

// importComplaints checks every row first; it writes all rows in one
// transaction only when every row is good, and nothing otherwise.
func importComplaints(ctx context.Context, s *app.Service, r io.Reader, name, registrar string, dry bool, out io.Writer) error {
	file := &csvFile{name: name, columns: csvColumns, required: []string{"ticket_no", "category", "content", "section"}}
	now := time.Now()
	type row struct {
		line int
		c    *storage.Order
	}
	var rows []row
	seen := map[string]int{}
	var failed error
	err := file.rows(r, func(line int, get func(string) string) {
		if failed != nil {
			return
		}
		in := orders.Input{
			TicketNo: get("ticket_no"), Category: get("category"), Content: get("content"), Location: get("location"),
			CallerName: get("caller_name"), CallerPhone: get("caller_phone"), Urgency: get("urgency"),
			ReceivedAt: get("received_at"), DueAt: get("due_at"), Section: get("section"), OpenID: get("openid"),
			Registrar: get("registrar"),
		}
		if in.Registrar == "" {
			in.Registrar = registrar
		}
		c, err := s.Bot().Orders.Validate(in, now)
		var fe api.FieldErrors
		if errors.As(err, &fe) {
			for _, p := range fe {
				file.problem(line, p.Field+": "+p.Message)
			}
			return
		}
		if err != nil {
			failed = err
			return
		}
		if first, dup := seen[c.TicketNo]; dup {
			file.problem(line, fmt.Sprintf("ticket_no %s repeats line %d", c.TicketNo, first))
			return
		}
		seen[c.TicketNo] = line
		c.Source = "csv"
		rows = append(rows, row{line, c})
	})
	if err == nil {
		err = failed
	}
	if err != nil {
		return err
	}
	if len(file.problems) > 0 {
		return reportProblems(out, file.problems)
	}
	// A dry run is the import itself, rolled back at the end, so that it
	// finds whatever the import would (a check only of the fields once
	// passed rows Postgres then refused).
	cs := make([]*storage.Order, len(rows))
	for i, r := range rows {
		cs[i] = r.c
	}
	var res orders.Batch
	err = s.DB().WithTx(ctx, func(tx *storage.Tx) error {
		var err error
		if res, err = s.Bot().Orders.RegisterMany(ctx, tx, cs, now); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if dry {
			return errDryRun
		}
		return nil
	})
	if err != nil && !(dry && errors.Is(err, errDryRun)) {
		return err
	}
	var created, known int
	for i, ok := range res.Created {
		if ok {
			created++
			continue
		}
		known++
		fmt.Fprintf(out, "%s:%d: ticket_no %s was already registered; kept as it is\n", name, rows[i].line, rows[i].c.TicketNo)
	}
	if created > 0 {
		fmt.Fprintf(out, "%s: %s\n", name, cardsNote(s, res.Cards, dry))
	}
	if dry {
		fmt.Fprintf(out, "%s: %d rows are good: %d new, %d already known (dry run: nothing written)\n", name, len(rows), created, known)
		return nil
	}
	if res.Queued > 0 {
		// The serving replicas' outbox workers pick these up; deliver here
		// too so that a one-off import sends its cards at once.
		if _, err := s.Worker().DeliverDue(ctx); err != nil {
			fmt.Fprintf(out, "cards queued; delivery will continue in the running bot (%v)\n", err)
		}
	}
	fmt.Fprintf(out, "%s: %d orders registered, %d already known\n", name, created, known)
	return nil
}

// cardsNote says how many 待签收 cards the import queues to each section
// head and how long the outbox takes to deliver them at WeCom's pace per
// person: a year's file is a day or more of cards, during which the
// heads' other messages wait behind them.
func cardsNote(s *app.Service, cards map[string]int, dry bool) string {
	b, p := s.Bot().Orders, s.Worker().Pace
	var parts []string
	var longest time.Duration
	done := map[string]bool{}
	for _, sec := range b.Roster.Sections {
		n := cards[sec.Head]
		if n == 0 || done[sec.Head] {
			continue
		}
		done[sec.Head] = true
		parts = append(parts, fmt.Sprintf("%s (%s) %d", b.Name(sec.Head), sec.Head, n))
		longest = max(longest, paced(n, p.PerMinute, p.PerHour))
	}
	verb := "queued"
	if dry {
		verb = "would be queued"
	}
	note := fmt.Sprintf("待签收 cards %s to the section heads: %s", verb, strings.Join(parts, ", "))
	if longest >= time.Hour {
		note += fmt.Sprintf("; at %d a minute and %d an hour per person (OUTBOX_RECIPIENT_RATE) the last arrives in about %.0f hours, and the heads' other messages wait behind them",
			p.PerMinute, p.PerHour, longest.Hours())
	}
	return note
}

// paced is how long n messages to one person take at perMinute and
// perHour (0: no limit).
func paced(n, perMinute, perHour int) time.Duration {
	var d time.Duration
	if perMinute > 0 {
		d = time.Duration(n/perMinute) * time.Minute
	}
	if perHour > 0 {
		d = max(d, time.Duration(n/perHour)*time.Hour)
	}
	return d
}

// notUTF8 says what is wrong with a line that is not UTF-8, and how to
// mend the file.
const notUTF8 = "文件不是 UTF-8 编码（此行含非 UTF-8 字符，可能是 GBK），请将文件另存为 UTF-8 后再导入（Excel：另存为「CSV UTF-8（逗号分隔）」）。"

// errDryRun rolls back the transaction of a dry run.
var errDryRun = errors.New("dry run")

func allUTF8(rec []string) bool {
	for _, f := range rec {
		if !utf8.ValidString(f) {
			return false
		}
	}
	return true
}

func reportProblems(out io.Writer, problems []string) error {
	for _, p := range problems {
		fmt.Fprintln(out, p)
	}
	return fmt.Errorf("%d problems; nothing was written", len(problems))
}

// cmdReport: zwgk report orders --from 2026-11-01 --to 2026-11-30 [--csv]
// ("complaints", the old name, still works), or zwgk report annual
// (cli/annual.go).
func cmdReport(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "annual" {
		return cmdReportAnnual(ctx, e, args[1:])
	}
	if len(args) < 1 || args[0] != "orders" && args[0] != "complaints" {
		return errors.New("usage: zwgk report orders --from YYYY-MM-DD --to YYYY-MM-DD [--csv] | " + strings.TrimPrefix(reportAnnualUsage, "usage: zwgk "))
	}
	fs := flag.NewFlagSet("report orders", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fromS := fs.String("from", "", "first day (YYYY-MM-DD), required")
	toS := fs.String("to", "", "last day, included (YYYY-MM-DD), required")
	asCSV := fs.Bool("csv", false, "write CSV instead of text")
	if err := fs.Parse(args[1:]); err != nil {
		return ErrUsage
	}
	loc := app.BusinessLocation()
	from, err1 := time.ParseInLocation(time.DateOnly, *fromS, loc)
	to, err2 := time.ParseInLocation(time.DateOnly, *toS, loc)
	if err1 != nil || err2 != nil || to.Before(from) {
		return errors.New("--from and --to must be dates YYYY-MM-DD with --from <= --to")
	}
	url := e.getenv("DATABASE_URL")
	if url == "" {
		return errors.New("DATABASE_URL: required")
	}
	db, err := storage.Open(ctx, url)
	if err != nil {
		return err
	}
	defer db.Close()
	return writeReport(ctx, db, from, to.AddDate(0, 0, 1), time.Now(), *asCSV, e.stdout)
}

func writeReport(ctx context.Context, db *storage.DB, from, to, now time.Time, asCSV bool, out io.Writer) error {
	w := csv.NewWriter(out)
	if asCSV {
		w.Write([]string{"by", "group", "received", "answered", "closed", "on_time", "overdue", "open", "handling_rate", "on_time_rate"})
	} else {
		fmt.Fprintf(out, "12345 work orders received %s to %s (as of %s)\n", from.Format(time.DateOnly), to.AddDate(0, 0, -1).Format(time.DateOnly), now.In(from.Location()).Format("2006-01-02 15:04"))
		fmt.Fprintf(out, "%-10s %-12s %8s %8s %8s %8s %8s %8s %8s %8s\n", "by", "group", "received", "answered", "closed", "on_time", "overdue", "open", "handling", "on_time%")
	}
	for _, by := range []string{"", "section", "category"} {
		rows, err := storage.OrderStats(ctx, db, from, to, now, by)
		if err != nil {
			return err
		}
		if by == "" && len(rows) == 0 {
			rows = []storage.OrderStat{{}}
		}
		label := by
		if label == "" {
			label = "total"
		}
		for _, r := range rows {
			rec := []string{label, r.Group, strconv.Itoa(r.Received), strconv.Itoa(r.Answered), strconv.Itoa(r.Closed),
				strconv.Itoa(r.OnTime), strconv.Itoa(r.Overdue), strconv.Itoa(r.Open),
				workflow.Rate(r.Answered, r.Received), workflow.Rate(r.OnTime, r.Received)}
			if asCSV {
				w.Write(rec)
				continue
			}
			fmt.Fprintf(out, "%-10s %-12s %8s %8s %8s %8s %8s %8s %8s %8s\n", rec[0], rec[1], rec[2], rec[3], rec[4], rec[5], rec[6], rec[7], rec[8], rec[9])
		}
	}
	w.Flush()
	return w.Error()
}
