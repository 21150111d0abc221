package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

// The batch statements write 5 000 rows each; the tests below cross that
// boundary.
const pastOneBatch = 5003

// TestEnqueueManyWritesWhatEnqueueWrites queues the same calls with
// EnqueueMany in one database and with Enqueue one by one in another: the
// rows (kind, recipient, payload, key, WeCom's duplicate check) and their
// order must be the same, across a batch boundary, with repeated content,
// repeated keys and calls already pending.
func TestEnqueueManyWritesWhatEnqueueWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	msg := func(to, text string) map[string]any {
		return map[string]any{"touser": to, "msgtype": "text", "text": map[string]string{"content": text}}
	}
	items := []storage.OutboxItem{
		{Kind: storage.KindMessage, Recipient: "u1", Payload: msg("u1", "已在队列中")}, // pending before: no duplicate check
		{Kind: storage.KindMessage, Recipient: "u2", Payload: msg("u2", "同样的内容")}, // new: checked
		{Kind: storage.KindMessage, Recipient: "u2", Payload: msg("u2", "同样的内容")}, // repeats the previous: not checked
		{Kind: storage.KindMessage, Recipient: "u3", Payload: msg("u3", "同样的内容")}, // another person: checked
		{Kind: storage.KindMessage, Recipient: "u4", Payload: msg("u4", "卡片"), IdemKey: "k1"},
		{Kind: storage.KindMessage, Recipient: "u4", Payload: msg("u4", "卡片又一次"), IdemKey: "k1"}, // key used just before: skipped
		{Kind: storage.KindMessage, Recipient: "u4", Payload: msg("u4", "旧键"), IdemKey: "k0"},    // key used before: skipped
		{Kind: storage.KindCardUpdate, Recipient: "u5", Payload: map[string]string{"a": "b"}},
	}
	tail := []storage.OutboxItem{
		{Kind: storage.KindMessage, Recipient: "u2", Payload: msg("u2", "同样的内容")},              // a repeat of an earlier batch's call
		{Kind: storage.KindMessage, Recipient: "u4", Payload: msg("u4", "再一次"), IdemKey: "k1"}, // a key of an earlier batch: skipped
	}
	// filled is items, then enough calls to reach the next batch, then tail.
	filled := append([]storage.OutboxItem{}, items...)
	for i := len(filled); i < pastOneBatch; i++ {
		filled = append(filled, storage.OutboxItem{Kind: storage.KindMessage, Recipient: fmt.Sprintf("v%d", i%7), Payload: msg("v", fmt.Sprint(i))})
	}
	filled = append(filled, tail...)
	items = append(items, tail...)
	type row struct {
		Kind      string  `db:"kind"`
		Recipient string  `db:"recipient"`
		Payload   string  `db:"payload"`
		Key       *string `db:"idem_key"`
		DupCheck  bool    `db:"dup_check"`
	}
	queue := func(many bool, items []storage.OutboxItem) ([]row, int) {
		db := storagetest.NewDB(t)
		var n int
		err := db.WithTx(ctx, func(tx *storage.Tx) error {
			for _, p := range []struct{ to, text, key string }{{"u1", "已在队列中", ""}, {"u4", "早先的", "k0"}} {
				if _, err := storage.Enqueue(ctx, tx, storage.KindMessage, p.to, msg(p.to, p.text), p.key); err != nil {
					return err
				}
			}
			if many {
				var err error
				n, err = storage.EnqueueMany(ctx, tx, items)
				return err
			}
			for _, it := range items {
				id, err := storage.Enqueue(ctx, tx, it.Kind, it.Recipient, it.Payload, it.IdemKey)
				if err != nil {
					return err
				}
				if id != 0 {
					n++
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var rows []row
		if err := db.SelectContext(ctx, &rows, `SELECT kind, recipient, payload::text AS payload, idem_key, dup_check FROM outbox ORDER BY id`); err != nil {
			t.Fatal(err)
		}
		return rows, n
	}
	// One by one (slow: a round trip each) for the calls that matter, in
	// batches for those and for them spread over two batches.
	one, n1 := queue(false, items)
	many, n2 := queue(true, items)
	if n1 != n2 || n2 != len(items)-3 {
		t.Fatalf("EnqueueMany wrote %d rows, Enqueue %d, want %d", n2, n1, len(items)-3)
	}
	same := func(a, b row) bool {
		return a.Kind == b.Kind && a.Recipient == b.Recipient && a.Payload == b.Payload && a.DupCheck == b.DupCheck &&
			(a.Key == nil) == (b.Key == nil) && (a.Key == nil || *a.Key == *b.Key)
	}
	if len(one) != len(many) {
		t.Fatalf("%d rows one by one, %d in batches", len(one), len(many))
	}
	for i := range one {
		if !same(one[i], many[i]) {
			t.Fatalf("row %d: one by one %+v, in batches %+v", i, one[i], many[i])
		}
	}
	if many[2].DupCheck != false || many[3].DupCheck != true || many[4].DupCheck != false || many[len(many)-1].DupCheck != false {
		t.Fatalf("duplicate checks: %+v %+v %+v ... %+v", many[2], many[3], many[4], many[len(many)-1])
	}
	spread, n3 := queue(true, filled)
	if n3 != len(filled)-3 || len(spread) != n3+2 {
		t.Fatalf("over two batches: wrote %d rows (%d in all), want %d", n3, len(spread), len(filled)-3)
	}
	for i, r := range many {
		j := i
		if i == len(many)-1 { // the tail's one row, after the filler
			j = len(spread) - 1
		}
		if !same(r, spread[j]) {
			t.Fatalf("row %d over two batches: %+v, in one %+v", j, spread[j], r)
		}
	}
}

// TestInsertOrdersKeepsKnownAndOrder: across a batch boundary, new orders
// get ids in the order given, a known 工单号 is left as stored, a 工单号
// twice is stored once; their cards and audit entries follow.
func TestInsertOrdersKeepsKnownAndOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	now := time.Now().Truncate(time.Microsecond)
	order := func(ticket, content string) *storage.Order {
		return &storage.Order{TicketNo: ticket, Category: "投诉", Content: content, ReceivedAt: now.Add(-time.Hour), DueAt: now.Add(24 * time.Hour),
			Section: "综合一股", Registrar: "linxiaoyan", State: "dispatched", Source: "csv", CreatedAt: now}
	}
	known := order("K-1", "原有内容")
	err := db.WithTx(ctx, func(tx *storage.Tx) error {
		_, err := storage.InsertOrder(ctx, tx, known)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var batch []*storage.Order
	for i := range pastOneBatch {
		batch = append(batch, order(fmt.Sprintf("N-%d", i), "内容"))
	}
	batch[1].AcceptDueAt.Valid, batch[1].AcceptDueAt.Time = true, now.Add(8*time.Hour)
	batch = append(batch, order("K-1", "改过的内容"), order("N-5002", "重复"), order("N-last", "最后"))
	var created []bool
	err = db.WithTx(ctx, func(tx *storage.Tx) error {
		var err error
		if created, err = storage.InsertOrders(ctx, tx, batch); err != nil {
			return err
		}
		var cards []storage.OrderCard
		var audits []storage.AuditRecord
		for i, c := range batch {
			if created[i] {
				cards = append(cards, storage.OrderCard{TaskID: "t" + c.TicketNo, OrderID: c.ID, Kind: "dispatch", State: "dispatched#0", Section: c.Section, Holders: pq.StringArray{"zhangwei"}})
				audits = append(audits, storage.AuditRecord{Actor: c.Registrar, Action: "register", Entity: storage.EntityOrder, EntityID: c.TicketNo, Detail: map[string]any{"i": i}})
			}
		}
		if err := storage.InsertOrderCards(ctx, tx, cards); err != nil {
			return err
		}
		return storage.AuditMany(ctx, tx, audits)
	})
	if err != nil {
		t.Fatal(err)
	}
	last := int64(0)
	for i, c := range batch {
		want := i < pastOneBatch || i == len(batch)-1
		if created[i] != want {
			t.Fatalf("order %d (%s): created %v, want %v", i, c.TicketNo, created[i], want)
		}
		if want {
			if c.ID <= last {
				t.Fatalf("order %d (%s): id %d after %d", i, c.TicketNo, c.ID, last)
			}
			last = c.ID
		}
	}
	got, err := storage.OrderByTicket(ctx, db, "K-1")
	if err != nil || got.Content != "原有内容" || got.ID != known.ID {
		t.Fatalf("known order: %+v, %v", got, err)
	}
	got, err = storage.OrderByTicket(ctx, db, "N-1")
	if err != nil || !got.AcceptDueAt.Valid || !got.AcceptDueAt.Time.Equal(batch[1].AcceptDueAt.Time) || !got.ReceivedAt.Equal(now.Add(-time.Hour)) || !got.CreatedAt.Equal(now) {
		t.Fatalf("order N-1 as stored: %+v, %v", got, err)
	}
	if got, _ = storage.OrderByTicket(ctx, db, "N-0"); got.AcceptDueAt.Valid {
		t.Fatalf("order N-0 has an accept_due_at: %+v", got)
	}
	var bad int
	if err := db.GetContext(ctx, &bad, `
		SELECT count(*) FROM orders o WHERE o.ticket_no LIKE 'N-%' AND NOT (
			(SELECT count(*) FROM order_cards c WHERE c.order_id = o.id AND c.task_id = 't' || o.ticket_no AND c.holders = '{zhangwei}') = 1
			AND (SELECT count(*) FROM audit_log a WHERE a.entity_id = o.ticket_no AND a.entity = 'order') = 1)`); err != nil || bad != 0 {
		t.Fatalf("%d orders without their card and audit entry (%v)", bad, err)
	}
	if err := db.GetContext(ctx, &bad, `
		SELECT count(*) FROM (SELECT (detail->>'i')::int AS i, lag((detail->>'i')::int) OVER (ORDER BY id) AS prev FROM audit_log) x
		WHERE x.prev >= x.i`); err != nil || bad != 0 {
		t.Fatalf("%d audit entries out of order (%v)", bad, err)
	}
}

// TestTextArrayRoundTrips: what the batch statements pass as text[]
// arrives as it was, quotes, backslashes, braces, commas and all.
func TestTextArrayRoundTrips(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	in := []string{"", "a", `"`, `\`, `\"`, "{a,b}", "NULL", " 空格 ", "行一\n行二\t", `{"text": {"content": "引号\"与\\反斜杠"}}`, ","}
	for _, ss := range [][]string{nil, {}, in} {
		var out pq.StringArray
		if err := db.GetContext(context.Background(), &out, `SELECT $1::text[]`, storage.TextArray(ss)); err != nil {
			t.Fatal(err)
		}
		if len(out) != len(ss) {
			t.Fatalf("%q came back as %q", ss, out)
		}
		for i := range ss {
			if out[i] != ss[i] {
				t.Fatalf("element %d: %q came back as %q", i, ss[i], out[i])
			}
		}
	}
}
