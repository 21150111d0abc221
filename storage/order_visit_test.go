package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

// TestReopeningStartsARoundAndStatsCountTheLatestVisit: a reopening clears
// the round's 回访, and the statistics count each order by its latest one,
// orders reopened before this rule included.
func TestReopeningStartsARoundAndStatsCountTheLatestVisit(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	str := func(s string) *string { return &s }
	c := &storage.Order{TicketNo: "V1", Category: "投诉", Content: "x", ReceivedAt: at, DueAt: at.AddDate(0, 0, 20),
		Section: "综合一股", Registrar: "r", State: "closed", Source: "test", CreatedAt: at}
	legacy := *c
	legacy.TicketNo = "V0"
	stats := func() storage.OrderStat {
		t.Helper()
		rows, err := storage.OrderStats(ctx, db, at.AddDate(0, 0, -1), at.AddDate(0, 1, 0), at.AddDate(0, 0, 5), "")
		if err != nil || len(rows) != 1 {
			t.Fatalf("stats %v, %v", rows, err)
		}
		return rows[0]
	}
	change := func(ch storage.OrderChange) error {
		return db.WithTx(ctx, func(tx *storage.Tx) error { return storage.ChangeOrder(ctx, tx, ch) })
	}
	err := db.WithTx(ctx, func(tx *storage.Tx) error {
		if _, err := storage.InsertOrder(ctx, tx, c); err != nil {
			return err
		}
		_, err := storage.InsertOrder(ctx, tx, &legacy)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := change(storage.OrderChange{ID: c.ID, FromState: "closed", At: at, State: "assigned", Reopen: true, Visit: str("不满意")}); err == nil {
		t.Fatal("a reopening that also sets a visit was applied")
	}
	if err := change(storage.OrderChange{ID: c.ID, FromState: "closed", At: at, State: "assigned", Reopen: true}); err != nil {
		t.Fatal(err)
	}
	got, err := storage.OrderByTicket(ctx, db, "V1")
	if err != nil || got.Visit != "" || got.ReopenCount != 1 || got.State != "assigned" {
		t.Fatalf("after the reopening: %+v, %v", got, err)
	}
	// Reopened, not yet visited again: its latest visit is the 不满意.
	if s := stats(); s.Visited != 1 || s.Unsatisfied != 1 || s.Reopened != 1 || s.Satisfied != 0 {
		t.Fatalf("stats while handled again: %+v", s)
	}
	if err := change(storage.OrderChange{ID: c.ID, FromState: "assigned", At: at, State: "closed", Visit: str("满意")}); err != nil {
		t.Fatal(err)
	}
	if s := stats(); s.Visited != 1 || s.Satisfied != 1 || s.Unsatisfied != 0 || s.FairlyOK != 0 || s.Reopened != 1 {
		t.Fatalf("stats after the second visit: %+v", s)
	}

	// An order reopened before rounds kept the 不满意 that reopened it: it
	// counts by that until its next visit, as one reopened now does.
	if _, err := db.ExecContext(ctx, `UPDATE orders SET visit = '不满意', reopen_count = 1, state = 'assigned' WHERE ticket_no = 'V0'`); err != nil {
		t.Fatal(err)
	}
	if s := stats(); s.Visited != 2 || s.Satisfied != 1 || s.Unsatisfied != 1 || s.Reopened != 2 {
		t.Fatalf("stats with an order reopened before rounds: %+v", s)
	}
}
