package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/app"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/orders"
	"github.com/zwgk-bot/zwgk/sandbox"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

// importService is the service zwgk import opens, on a database and
// Redis prefix of tb's own, with the example roster and a sandbox for
// WeCom.
func importService(tb testing.TB) *app.Service {
	tb.Helper()
	sb := sandbox.New()
	srv := httptest.NewServer(sb.Handler())
	tb.Cleanup(srv.Close)
	roster := filepath.Join(tb.TempDir(), "roster.yaml")
	if err := os.WriteFile(roster, config.ExampleRoster, 0o600); err != nil {
		tb.Fatal(err)
	}
	rdb := storagetest.NewRedis(tb)
	env := map[string]string{
		"DATABASE_URL": storagetest.NewDatabase(tb), "REDIS_URL": storagetest.RedisURL(), "REDIS_PREFIX": rdb.Prefix,
		"WECOM_CORP_ID": "wwimport", "WECOM_AGENT_ID": "1000002", "WECOM_SECRET": "sandbox-secret-import",
		"WECOM_TOKEN": "QDG6eK", "WECOM_AES_KEY": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
		"WECOM_API_BASE": srv.URL, "ROSTER_FILE": roster, "SCHEDULES": "off",
	}
	if _, err := sb.AddCorp(sandbox.CorpConfig{CorpID: env["WECOM_CORP_ID"], Secret: env["WECOM_SECRET"], AgentID: 1000002,
		Token: env["WECOM_TOKEN"], EncodingAESKey: env["WECOM_AES_KEY"], CallbackURL: "http://127.0.0.1:1/"}); err != nil {
		tb.Fatal(err)
	}
	cfg, r, err := app.LoadConfig(func(k string) string { return env[k] })
	if err != nil {
		tb.Fatal(err)
	}
	s, err := app.Open(context.Background(), cfg, r, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

// ordersCSV is an import file of n orders numbered from prefix, received
// over the past year, for the three sections and two registrars (the
// default one and linxiaoyan) in turn.
func ordersCSV(prefix string, n int, now time.Time) string {
	var sb strings.Builder
	sb.WriteString("ticket_no,category,content,location,caller_name,caller_phone,urgency,received_at,section,registrar\n")
	cats := []string{"咨询", "求助", "投诉", "举报", "建议"}
	secs := []string{"综合一股", "综合二股", "环境监察室"}
	regs := []string{"", "linxiaoyan"}
	start := now.AddDate(-1, 0, 0)
	for i := range n {
		at := start.Add(time.Duration(i) * (360 * 24 * time.Hour / time.Duration(n)))
		urgency := "normal"
		if i%50 == 7 {
			urgency = "urgent"
		}
		fmt.Fprintf(&sb, "%s%07d,%s,某小区附近工地夜间施工噪声扰民，请求核查处理（第%d号）,某街道%d号,王先生,138%08d,%s,%s,%s,%s\n",
			prefix, i, cats[i%len(cats)], i, i%300, i, urgency, at.Format(time.RFC3339), secs[i%len(secs)], regs[i%len(regs)])
	}
	return sb.String()
}

func countRows(tb testing.TB, db *storage.DB, query string, args ...any) int {
	tb.Helper()
	var n int
	if err := db.GetContext(context.Background(), &n, query, args...); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return n
}

// TestImportOrdersBatch imports a few thousand orders into a database
// that already holds some (analysed, the case where the row-by-row import
// became quadratic): the dry run writes nothing, the import gives every
// new order exactly one audit entry, one 待签收 card row and one queued
// card to its section head, each registrar one message for the batch,
// leaves the known orders as they were, and a repeat changes nothing.
func TestImportOrdersBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := importService(t)
	db := s.DB()
	now := time.Now()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	run := func(file string, dry bool) string {
		t.Helper()
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var out strings.Builder
		if err := importComplaints(ctx, s, f, filepath.Base(file), "", dry, &out); err != nil {
			t.Fatalf("import %s: %v\n%s", file, err, out.String())
		}
		return out.String()
	}
	// Two orders already stored, one of which the file repeats.
	out := run(write("old.csv", ordersCSV("OLD", 2, now)), false)
	if !strings.Contains(out, "2 orders registered") {
		t.Fatalf("first import: %s", out)
	}
	if _, err := db.ExecContext(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	stored := func() string {
		var j string
		if err := db.GetContext(ctx, &j, `SELECT to_jsonb(o)::text FROM orders o WHERE ticket_no = 'OLD0000001'`); err != nil {
			t.Fatal(err)
		}
		return j
	}
	before := stored()
	tables := func() [4]int {
		return [4]int{countRows(t, db, `SELECT count(*) FROM orders`), countRows(t, db, `SELECT count(*) FROM order_cards`),
			countRows(t, db, `SELECT count(*) FROM audit_log`), countRows(t, db, `SELECT count(*) FROM outbox`)}
	}
	start := tables()

	const n = 3000 // the storage tests cross the batches' boundaries
	body := ordersCSV("CSV", n, now)
	body += "OLD0000001,建议,改过的内容不应写入,,,,normal,,综合二股,\n"
	file := write("year.csv", body)

	out = run(file, true)
	if !strings.Contains(out, fmt.Sprintf("%d rows are good: %d new, 1 already known", n+1, n)) ||
		!strings.Contains(out, fmt.Sprintf("year.csv:%d: ticket_no OLD0000001 was already registered", n+2)) {
		t.Fatalf("dry run: %s", out)
	}
	if got := tables(); got != start {
		t.Fatalf("dry run wrote: orders, cards, audit, outbox %v, before %v", got, start)
	}

	out = run(file, false)
	if !strings.Contains(out, fmt.Sprintf("%d orders registered, 1 already known", n)) || !strings.Contains(out, "张伟 (zhangwei) 1000") {
		t.Fatalf("import: %s", out)
	}
	if got, want := tables(), [4]int{start[0] + n, start[1] + n, start[2] + n, start[3] + n + 2}; got != want {
		t.Fatalf("orders, cards, audit, outbox: %v, want %v", got, want)
	}
	if after := stored(); after != before {
		t.Fatalf("a known order changed:\n%+v\n%+v", before, after)
	}
	// Every new order: one register entry, one dispatch card held by its
	// section's head, and that card queued to the head under its key.
	if bad := countRows(t, db, `
		SELECT count(*) FROM orders o WHERE o.ticket_no LIKE 'CSV%' AND NOT (
			(SELECT count(*) FROM audit_log a WHERE a.entity = 'order' AND a.entity_id = o.ticket_no AND a.action = 'register'
			   AND a.actor = o.registrar AND a.detail->>'source' = 'csv' AND a.detail->>'section' = o.section) = 1
			AND (SELECT count(*) FROM order_cards c WHERE c.order_id = o.id AND c.kind = 'dispatch'
			   AND c.holders = ARRAY[CASE o.section WHEN '综合一股' THEN 'zhangwei' WHEN '综合二股' THEN 'yangfan' ELSE 'wumin' END]) = 1
			AND (SELECT count(*) FROM order_cards c JOIN outbox m ON m.idem_key = 'card:' || c.task_id
			   WHERE c.order_id = o.id AND m.recipient = c.holders[1] AND m.payload->>'touser' = c.holders[1]
			     AND m.payload->'template_card'->>'task_id' = c.task_id
			     AND m.payload->'template_card'->'main_title'->>'title' = '12345工单 ' || o.ticket_no) = 1)`); bad != 0 {
		t.Fatalf("%d imported orders lack their audit entry, card or queued message", bad)
	}
	// A head's cards are queued in the file's order.
	if bad := countRows(t, db, `
		SELECT count(*) FROM (SELECT o.id, lag(o.id) OVER (PARTITION BY m.recipient ORDER BY m.id) AS prev
			FROM outbox m JOIN order_cards c ON m.idem_key = 'card:' || c.task_id JOIN orders o ON o.id = c.order_id
			WHERE o.ticket_no LIKE 'CSV%') x WHERE x.prev > x.id`); bad != 0 {
		t.Fatalf("%d cards queued out of the file's order", bad)
	}
	// The registrars: one message each for the batch, queued before the
	// cards.
	var texts []struct {
		Recipient string `db:"recipient"`
		Content   string `db:"content"`
	}
	if err := db.SelectContext(ctx, &texts, `
		SELECT recipient, payload->'text'->>'content' AS content FROM outbox
		WHERE payload->>'msgtype' = 'text' AND id < (SELECT min(m.id) FROM outbox m JOIN order_cards c ON m.idem_key = 'card:' || c.task_id
			JOIN orders o ON o.id = c.order_id WHERE o.ticket_no LIKE 'CSV%')
		  AND id > (SELECT max(m.id) FROM outbox m JOIN order_cards c ON m.idem_key = 'card:' || c.task_id
			JOIN orders o ON o.id = c.order_id WHERE o.ticket_no LIKE 'OLD%')
		ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if len(texts) != 2 || texts[0].Recipient != "chenlixin" || texts[1].Recipient != "linxiaoyan" ||
		!strings.Contains(texts[0].Content, "1500件工单已由系统登记（您为首问责任人），已派发综合一股（张伟）500件、综合二股（杨帆）500件、环境监察室（吴敏）500件签收") {
		t.Fatalf("registrars' messages: %+v", texts)
	}

	out = run(file, false)
	if !strings.Contains(out, fmt.Sprintf("0 orders registered, %d already known", n+1)) {
		t.Fatalf("repeat: %s", out)
	}
	if got, want := tables(), [4]int{start[0] + n, start[1] + n, start[2] + n, start[3] + n + 2}; got != want {
		t.Fatalf("a repeat wrote: %v, want %v", got, want)
	}
}

// TestRegisterManyWritesWhatRegisterWrites: the same order registered
// alone (as the API does) and in a batch gives the same order row, audit
// entry, card row and queued card, but for its id, number and task_id.
func TestRegisterManyWritesWhatRegisterWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := importService(t)
	db, flow := s.DB(), s.Bot().Orders
	now := time.Now()
	in := orders.Input{Category: "投诉", Content: "噪声扰民，夜间施工", Location: "某路1号", CallerName: "王先生",
		CallerPhone: "13800138000", Urgency: "urgent", ReceivedAt: now.Add(-time.Hour).Format(time.RFC3339), Section: "综合二股",
		OpenID: "oABC", Registrar: "linxiaoyan"}
	order := func(ticket string) *storage.Order {
		in.TicketNo = ticket
		c, err := flow.Validate(in, now)
		if err != nil {
			t.Fatal(err)
		}
		c.Source = "csv"
		return c
	}
	one, many := order("ONE-1"), order("MANY-1")
	err := db.WithTx(ctx, func(tx *storage.Tx) error {
		if _, _, err := flow.Register(ctx, tx, one, now); err != nil {
			return err
		}
		_, err := flow.RegisterMany(ctx, tx, []*storage.Order{many}, now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	type written struct {
		Order, Audit, Card, Message, Text string
	}
	read := func(c *storage.Order) written {
		var w written
		q := func(dst *string, query string) {
			if err := db.GetContext(ctx, dst, query, c.ID, c.TicketNo); err != nil {
				t.Fatalf("%s: %v", query, err)
			}
			*dst = strings.ReplaceAll(*dst, c.TicketNo, "NO")
		}
		q(&w.Order, `SELECT (to_jsonb(o) - 'id' - 'ticket_no')::text FROM orders o WHERE id = $1 AND ticket_no = $2`)
		q(&w.Audit, `SELECT jsonb_build_array(actor, action, entity, entity_id, detail)::text FROM audit_log WHERE entity_id = $2 AND $1 > 0`)
		q(&w.Card, `SELECT jsonb_build_array(kind, state, section, holders)::text FROM order_cards WHERE order_id = $1 AND $2 <> ''`)
		q(&w.Message, `SELECT jsonb_build_array(m.kind, m.recipient, m.dup_check, m.status,
				m.payload #- '{template_card,task_id}')::text
			FROM outbox m JOIN order_cards c ON m.idem_key = 'card:' || c.task_id WHERE c.order_id = $1 AND $2 <> ''`)
		q(&w.Text, `SELECT jsonb_build_array(kind, recipient, dup_check, payload)::text FROM outbox
			WHERE payload->'text'->>'content' LIKE '%' || $2 || '%' AND $1 > 0`)
		return w
	}
	a, b := read(one), read(many)
	if a != b {
		t.Fatalf("Register and RegisterMany wrote differently:\n%+v\n%+v", a, b)
	}
	var card json.RawMessage
	if err := db.GetContext(ctx, &card, `SELECT payload FROM outbox WHERE idem_key LIKE 'card:o' || $1 || 'd-%'`, many.ID); err != nil || !strings.Contains(string(card), "MANY-1") {
		t.Fatalf("batch card: %s %v", card, err)
	}
}

// BenchmarkImportOrders is zwgk import orders of a file of
// ZWGK_IMPORT_ROWS orders (default 10 000) into a database already
// holding 30 orders, analysed: the case that was quadratic. Each
// iteration imports a file of new orders, so the table grows; run it with
// -benchtime 1x for the figure of one import (docs/performance.md).
func BenchmarkImportOrders(b *testing.B) {
	rows := 10000
	if v, err := strconv.Atoi(os.Getenv("ZWGK_IMPORT_ROWS")); err == nil && v > 0 {
		rows = v
	}
	ctx := context.Background()
	s := importService(b)
	now := time.Now()
	dir := b.TempDir()
	imp := func(prefix string, n int) {
		body := ordersCSV(prefix, n, now)
		if err := importComplaints(ctx, s, strings.NewReader(body), prefix+".csv", "", false, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	imp("SEED", 30)
	if _, err := s.DB().ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	files := []string{}
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		prefix := "B" + strconv.Itoa(i) + "-"
		p := filepath.Join(dir, prefix+".csv")
		if err := os.WriteFile(p, []byte(ordersCSV(prefix, rows, now)), 0o600); err != nil {
			b.Fatal(err)
		}
		files = append(files, p)
		f, err := os.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		err = importComplaints(ctx, s, f, p, "", false, io.Discard)
		b.StopTimer()
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// TestRegisterManyChecksCardsByIndex: the foreign-key check of each card
// (order_cards → orders) and the outbox's check for a repeated message
// look rows up by index, even when the session already holds the check's
// plan from when orders was small (here: a few orders, analysed, then
// orders registered one by one in the same transaction, as an API call
// would). A sequential scan per row is what made the import quadratic;
// Postgres counts the scans of the transaction in pg_stat_xact_user_tables.
func TestRegisterManyChecksCardsByIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := importService(t)
	db, flow := s.DB(), s.Bot().Orders
	now := time.Now()
	order := func(ticket string) *storage.Order {
		c, err := flow.Validate(orders.Input{TicketNo: ticket, Category: "投诉", Content: "噪声扰民", Section: "综合一股"}, now)
		if err != nil {
			t.Fatal(err)
		}
		c.Source = "csv"
		return c
	}
	register := func(tx *storage.Tx, prefix string, n int) error {
		for i := range n {
			if _, _, err := flow.Register(ctx, tx, order(fmt.Sprintf("%s%d", prefix, i)), now); err != nil {
				return err
			}
		}
		return nil
	}
	if err := db.WithTx(ctx, func(tx *storage.Tx) error { return register(tx, "OLD", 30) }); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	scans := func(tx *storage.Tx) (o, m int) {
		t.Helper()
		err := tx.QueryRowContext(ctx, `SELECT
			(SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'orders'),
			(SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'outbox')`).Scan(&o, &m)
		if err != nil {
			t.Fatal(err)
		}
		return o, m
	}
	const n = 2000
	err := db.WithTx(ctx, func(tx *storage.Tx) error {
		// More than five checks: Postgres then keeps a generic plan.
		if err := register(tx, "API", 10); err != nil {
			return err
		}
		o0, m0 := scans(tx)
		batch := make([]*storage.Order, n)
		for i := range batch {
			batch[i] = order(fmt.Sprintf("CSV%d", i))
		}
		if _, err := flow.RegisterMany(ctx, tx, batch, now); err != nil {
			return err
		}
		o1, m1 := scans(tx)
		if o1-o0 > 10 || m1-m0 > 10 {
			t.Errorf("registering %d orders scanned orders %d times and outbox %d times", n, o1-o0, m1-m0)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
