package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

// TestOutboxSessionEndFreesItsRows: rows claimed through a session are
// another session's as soon as the first one ends, long before their
// lease; rows claimed without a session (lease only) and rows of a live
// session are not. A write of the ended claim does not undo the new one.
func TestOutboxSessionEndFreesItsRows(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	now := time.Now().Add(time.Second)
	for _, to := range []string{"a", "b", "c"} {
		if _, err := storage.Enqueue(ctx, db, storage.KindMessage, to, map[string]string{"to": to}, ""); err != nil {
			t.Fatal(err)
		}
	}
	first, err := db.OpenOutboxSession(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	second, err := db.OpenOutboxSession(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if first.Owner() == second.Owner() {
		t.Fatalf("two sessions with owner %d", first.Owner())
	}
	lease := time.Hour
	a, err := first.ClaimPaced(ctx, now, 1, lease, storage.Pace{})
	if err != nil || len(a) != 1 || a[0].Recipient != "a" || a[0].ClaimedBy.Int32 != first.Owner() {
		t.Fatalf("first session's claim = %+v, %v", a, err)
	}
	b, err := db.ClaimOutbox(ctx, now, 1, lease) // no session: the lease alone
	if err != nil || len(b) != 1 || b[0].Recipient != "b" {
		t.Fatalf("claim without a session = %+v, %v", b, err)
	}
	if got, err := second.ClaimPaced(ctx, now, 10, lease, storage.Pace{}); err != nil || len(got) != 1 || got[0].Recipient != "c" {
		t.Fatalf("while the first session lives, the second claims %v, %v; want c only", recipients(got), err)
	}

	pid := first.PID()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	waitGone(t, db, pid)
	got, err := second.ClaimPaced(ctx, now, 10, lease, storage.Pace{})
	if err != nil || len(got) != 1 || got[0].ID != a[0].ID || got[0].ClaimedBy.Int32 != second.Owner() {
		t.Fatalf("after the first session ended, the second claims %v, %v; want a's row, leased for an hour", recipients(got), err)
	}
	// The first claim's holder, had it lived, could not give the row back
	// now: it is the second claim's.
	if err := db.ReleaseClaim(ctx, a[0], now); err != nil {
		t.Fatal(err)
	}
	var lockedUntil time.Time
	if err := db.GetContext(ctx, &lockedUntil, `SELECT locked_until FROM outbox WHERE id = $1`, a[0].ID); err != nil || lockedUntil.Before(now.Add(time.Minute)) {
		t.Fatalf("after the stale release the row is leased until %v (%v), want the second claim's lease", lockedUntil, err)
	}
	if err := db.ReleaseClaim(ctx, got[0], now); err != nil {
		t.Fatal(err)
	}
	if err := db.GetContext(ctx, &lockedUntil, `SELECT coalesce(locked_until, 'epoch') FROM outbox WHERE id = $1`, a[0].ID); err != nil || lockedUntil.After(now) {
		t.Fatalf("after its own release the row is leased until %v (%v), want free", lockedUntil, err)
	}
}

// waitGone waits until Postgres has seen a closed connection's backend
// exit (it does so asynchronously).
func waitGone(t *testing.T, db *storage.DB, pid int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var alive bool
		if err := db.GetContext(context.Background(), &alive, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)`, pid); err != nil {
			t.Fatal(err)
		}
		if !alive {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("backend %d is still there", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
