package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/app"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

// TestOrderStatisticsMatchHandCount seeds a month of orders with known
// outcomes and compares the report with figures counted by hand.
func TestOrderStatisticsMatchHandCount(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	loc := app.BusinessLocation()
	at := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, loc) }
	ptr := func(t time.Time) *time.Time { return &t }
	type seed struct {
		ticket, cat, section string
		received, due        time.Time
		answered, closed     *time.Time
	}
	seeds := []seed{
		{"S1", "投诉", "综合一股", at(2, 9), at(20, 23), ptr(at(10, 9)), ptr(at(11, 9))},           // on time, closed
		{"S2", "投诉", "综合一股", at(3, 9), at(5, 23), ptr(at(6, 9)), ptr(at(7, 9))},              // late, closed
		{"S3", "咨询", "综合二股", at(4, 9), at(6, 23), ptr(at(5, 9)), nil},                        // on time, not yet replied
		{"S4", "举报", "综合二股", at(10, 9), at(12, 23), nil, nil},                                // overdue, open
		{"S5", "建议", "综合一股", at(25, 9), at(30, 23), nil, nil},                                // open, not due yet
		{"S0", "投诉", "综合一股", time.Date(2026, 10, 31, 9, 0, 0, 0, loc), at(20, 23), nil, nil}, // October: not counted
	}
	err := db.WithTx(ctx, func(tx *storage.Tx) error {
		for _, s := range seeds {
			c := &storage.Order{TicketNo: s.ticket, Category: s.cat, Content: "x", ReceivedAt: s.received, DueAt: s.due,
				Section: s.section, Registrar: "linxiaoyan", State: "dispatched", Source: "test", CreatedAt: s.received}
			if _, err := storage.InsertOrder(ctx, tx, c); err != nil {
				return err
			}
			if s.answered != nil {
				state := "answered"
				if s.closed != nil {
					state = "closed"
				}
				if err := storage.ChangeOrder(ctx, tx, storage.OrderChange{ID: c.ID, FromState: "dispatched", At: *s.answered, State: state, AnsweredAt: s.answered, ClosedAt: s.closed}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	now := at(28, 12)
	total, err := storage.OrderStats(ctx, db, at(1, 0), time.Date(2026, 12, 1, 0, 0, 0, 0, loc), now, "")
	if err != nil {
		t.Fatal(err)
	}
	want := storage.OrderStat{Group: "", Received: 5, Answered: 3, Closed: 2, OnTime: 2, Overdue: 2, Open: 2}
	if len(total) != 1 || total[0] != want {
		t.Fatalf("total %+v, want %+v", total, want)
	}
	bySection, _ := storage.OrderStats(ctx, db, at(1, 0), time.Date(2026, 12, 1, 0, 0, 0, 0, loc), now, "section")
	wantSec := []storage.OrderStat{
		{Group: "综合一股", Received: 3, Answered: 2, Closed: 2, OnTime: 1, Overdue: 1, Open: 1},
		{Group: "综合二股", Received: 2, Answered: 1, Closed: 0, OnTime: 1, Overdue: 1, Open: 1},
	}
	if len(bySection) != 2 || bySection[0] != wantSec[0] || bySection[1] != wantSec[1] {
		t.Fatalf("by section %+v, want %+v", bySection, wantSec)
	}
	var out bytes.Buffer
	if err := writeReport(ctx, db, at(1, 0), time.Date(2026, 12, 1, 0, 0, 0, 0, loc), now, true, &out); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"total,,5,3,2,2,2,2,60.0%,40.0%", "section,综合一股,3,2,2,1,1,1,66.7%,33.3%", "category,投诉,2,2,2,1,1,0,100.0%,50.0%"} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("CSV report lacks %q:\n%s", line, out.String())
		}
	}
}
