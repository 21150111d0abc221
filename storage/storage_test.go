package storage_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/cache"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

// The adapter must satisfy silenceper's interfaces without importing them
// in production code (that would link go-redis v8).
var _ cache.ContextCache = storage.Cache{}

func TestInboxRecordsEachKeyOnce(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	e := storage.InboxEntry{DedupKey: "msg:1", FromUser: "u", MsgType: "text", Payload: "{}"}
	first, err := storage.RecordInbox(ctx, db, e)
	if err != nil || !first {
		t.Fatalf("first record = %v, %v; want true, nil", first, err)
	}
	again, err := storage.RecordInbox(ctx, db, e)
	if err != nil || again {
		t.Fatalf("repeat record = %v, %v; want false, nil", again, err)
	}
	if n, _ := storage.CountInbox(ctx, db, "msg:1"); n != 1 {
		t.Fatalf("inbox rows = %d, want 1", n)
	}
}

func TestInboxConcurrentRepeatsExactlyOneWins(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Go(func() {
			err := db.WithTx(ctx, func(tx *storage.Tx) error {
				fresh, err := storage.RecordInbox(ctx, tx, storage.InboxEntry{DedupKey: "card:x", FromUser: "u", MsgType: "event", Payload: "{}"})
				if fresh {
					mu.Lock()
					wins++
					mu.Unlock()
				}
				return err
			})
			if err != nil {
				t.Errorf("tx: %v", err)
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d transactions saw the callback as new, want 1", wins)
	}
}

func TestWithTxRollsBackOnError(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := db.WithTx(ctx, func(tx *storage.Tx) error {
		if _, err := storage.Enqueue(ctx, tx, storage.KindMessage, "u", map[string]string{"a": "b"}, ""); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("WithTx error = %v, want boom", err)
	}
	rows, err := db.ListOutbox(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 0 {
		t.Fatalf("outbox has %d rows after rollback, want 0", len(rows))
	}
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	if err := storage.Audit(ctx, db, "zhangwei", "submit", "form", "1", map[string]string{"title": "t"}); err != nil {
		t.Fatal(err)
	}
	trail, err := storage.AuditTrail(ctx, db, "form", "1")
	if err != nil || len(trail) != 1 || trail[0].Actor != "zhangwei" || trail[0].Action != "submit" {
		t.Fatalf("trail = %+v, %v", trail, err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE audit_log SET actor = 'x'`); err == nil {
		t.Fatal("UPDATE of audit_log succeeded, want refusal")
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM audit_log`); err == nil {
		t.Fatal("DELETE of audit_log succeeded, want refusal")
	}
}

func TestOutboxIdempotencyKey(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	id1, err := storage.Enqueue(ctx, db, storage.KindMessage, "u", map[string]int{"n": 1}, "remind:form:1:2026-11-30")
	if err != nil || id1 == 0 {
		t.Fatalf("first enqueue = %d, %v", id1, err)
	}
	id2, err := storage.Enqueue(ctx, db, storage.KindMessage, "u", map[string]int{"n": 2}, "remind:form:1:2026-11-30")
	if err != nil || id2 != 0 {
		t.Fatalf("repeat enqueue = %d, %v; want 0, nil", id2, err)
	}
}

func TestOutboxClaimKeepsPerRecipientOrder(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	now := time.Now()
	for _, to := range []string{"a", "a", "b", "a"} {
		if _, err := storage.Enqueue(ctx, db, storage.KindMessage, to, map[string]string{"to": to}, ""); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.ClaimOutbox(ctx, now.Add(time.Second), 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Recipient != "a" || got[1].Recipient != "b" {
		t.Fatalf("first claim = %v, want the oldest of a and of b", recipients(got))
	}
	// While a's first row is leased and unsent, a's later rows wait.
	more, err := db.ClaimOutbox(ctx, now.Add(2*time.Second), 10, time.Minute)
	if err != nil || len(more) != 0 {
		t.Fatalf("second claim = %v, %v; want nothing", recipients(more), err)
	}
	if err := db.MarkSent(ctx, got[0].ID, now, map[string]string{"msgid": "1"}); err != nil {
		t.Fatal(err)
	}
	next, err := db.ClaimOutbox(ctx, now.Add(3*time.Second), 10, time.Minute)
	if err != nil || len(next) != 1 || next[0].ID != got[0].ID+1 {
		t.Fatalf("after sending a's first, claim = %v, %v; want a's second", recipients(next), err)
	}
}

func TestOutboxLeaseExpiryMakesRowClaimableAgain(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	now := time.Now()
	if _, err := storage.Enqueue(ctx, db, storage.KindMessage, "a", map[string]string{}, ""); err != nil {
		t.Fatal(err)
	}
	first, err := db.ClaimOutbox(ctx, now.Add(time.Second), 10, 30*time.Second)
	if err != nil || len(first) != 1 {
		t.Fatalf("claim = %d rows, %v", len(first), err)
	}
	// A worker that died holding the lease: after it expires, another takes it.
	again, err := db.ClaimOutbox(ctx, now.Add(time.Minute), 10, 30*time.Second)
	if err != nil || len(again) != 1 || again[0].Attempts != 2 {
		t.Fatalf("reclaim = %+v, %v; want the row with attempts 2", again, err)
	}
}

func TestOutboxRetryAndFailure(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	now := time.Now()
	id, _ := storage.Enqueue(ctx, db, storage.KindMessage, "a", map[string]string{}, "")
	if _, err := db.ClaimOutbox(ctx, now.Add(time.Second), 10, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkRetry(ctx, id, now.Add(time.Hour), "45009"); err != nil {
		t.Fatal(err)
	}
	if rows, _ := db.ClaimOutbox(ctx, now.Add(time.Minute), 10, time.Minute); len(rows) != 0 {
		t.Fatalf("row claimed before its retry time")
	}
	rows, _ := db.ClaimOutbox(ctx, now.Add(2*time.Hour), 10, time.Minute)
	if len(rows) != 1 {
		t.Fatalf("row not claimed after its retry time")
	}
	if err := db.MarkFailed(ctx, id, "81013 invalid user"); err != nil {
		t.Fatal(err)
	}
	failed, _ := db.ListOutbox(ctx, "failed", 10)
	if len(failed) != 1 || failed[0].LastError != "81013 invalid user" {
		t.Fatalf("failed list = %+v", failed)
	}
}

func TestFirstGreetingOncePerDay(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	day := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	for i, want := range []bool{true, false} {
		got, err := storage.FirstGreeting(ctx, db, "u", day)
		if err != nil || got != want {
			t.Fatalf("greeting %d = %v, %v; want %v", i, got, err, want)
		}
	}
	if got, _ := storage.FirstGreeting(ctx, db, "u", day.AddDate(0, 0, 1)); !got {
		t.Fatal("no greeting on the next day")
	}
}

func TestSessionRoundTripAndExpiry(t *testing.T) {
	t.Parallel()
	r := storagetest.NewRedis(t)
	ctx := context.Background()
	s := r.Sessions(time.Second)
	type draft struct{ Step, Title string }
	if ok, err := s.Load(ctx, "u", &draft{}); ok || err != nil {
		t.Fatalf("empty load = %v, %v", ok, err)
	}
	if err := s.Save(ctx, "u", draft{Step: "title", Title: "环评公示"}); err != nil {
		t.Fatal(err)
	}
	var got draft
	if ok, err := s.Load(ctx, "u", &got); !ok || err != nil || got.Title != "环评公示" {
		t.Fatalf("load = %v, %v, %+v", ok, err, got)
	}
	// Other users and other prefixes do not see it.
	other := storagetest.NewRedis(t).Sessions(time.Minute)
	if ok, _ := other.Load(ctx, "u", &draft{}); ok {
		t.Fatal("a session leaked across prefixes")
	}
	time.Sleep(1100 * time.Millisecond)
	if ok, _ := s.Load(ctx, "u", &got); ok {
		t.Fatal("session outlived its idle TTL")
	}
}

func TestSessionLoadRefreshesTTL(t *testing.T) {
	t.Parallel()
	r := storagetest.NewRedis(t)
	ctx := context.Background()
	s := r.Sessions(time.Hour)
	if err := s.Save(ctx, "u", map[string]string{"a": "b"}); err != nil {
		t.Fatal(err)
	}
	key := r.Prefix + "session:u"
	r.Client.Expire(ctx, key, time.Minute)
	var v map[string]string
	if ok, err := s.Load(ctx, "u", &v); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if ttl := r.Client.TTL(ctx, key).Val(); ttl < 59*time.Minute {
		t.Fatalf("TTL after load = %v, want refreshed to about 1h", ttl)
	}
}

func TestTryLockExcludesAndReleasesOnlyOwn(t *testing.T) {
	t.Parallel()
	r := storagetest.NewRedis(t)
	ctx := context.Background()
	unlock, ok, err := r.TryLock(ctx, "job", time.Minute)
	if err != nil || !ok {
		t.Fatalf("first lock = %v, %v", ok, err)
	}
	if _, ok, _ := r.TryLock(ctx, "job", time.Minute); ok {
		t.Fatal("second holder got the lock")
	}
	unlock(ctx)
	unlock2, ok, _ := r.TryLock(ctx, "job", time.Minute)
	if !ok {
		t.Fatal("lock not free after unlock")
	}
	unlock(ctx) // a stale unlock must not release the new holder's lock
	if _, ok, _ := r.TryLock(ctx, "job", time.Minute); ok {
		t.Fatal("stale unlock released another holder's lock")
	}
	unlock2(ctx)
}

func TestCacheAdapterAndConditionalDelete(t *testing.T) {
	t.Parallel()
	r := storagetest.NewRedis(t)
	ctx := context.Background()
	c := r.SDKCache()
	if c.Get("k") != nil || c.IsExist("k") {
		t.Fatal("missing key reads as present")
	}
	if err := c.Set("k", "tok1", time.Minute); err != nil {
		t.Fatal(err)
	}
	if c.Get("k") != "tok1" || !c.IsExist("k") {
		t.Fatalf("Get = %v", c.Get("k"))
	}
	if err := r.DeleteStringIf(ctx, "k", "other"); err != nil {
		t.Fatal(err)
	}
	if c.Get("k") != "tok1" {
		t.Fatal("conditional delete removed a different value")
	}
	if err := r.DeleteStringIf(ctx, "k", "tok1"); err != nil {
		t.Fatal(err)
	}
	if c.IsExist("k") {
		t.Fatal("conditional delete kept the matching value")
	}
}

func TestRedisOutageIsAnErrorNotAMiss(t *testing.T) {
	t.Parallel()
	r := storagetest.NewRedis(t)
	r.Close()
	if _, _, err := r.GetString(context.Background(), "k"); err == nil {
		t.Fatal("GetString on a closed client returned no error")
	}
}

func TestMigrateIsIdempotentAndConcurrent(t *testing.T) {
	t.Parallel()
	url := storagetest.NewDatabase(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 3 {
		wg.Go(func() {
			db, err := storage.Open(ctx, url)
			if err != nil {
				errs <- err
				return
			}
			defer db.Close()
			_, err = db.Migrate(ctx)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent migrate: %v", err)
		}
	}
}

func recipients(rows []storage.OutboxRow) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Recipient)
	}
	return out
}

// TestMassNoticeCountAndRefusals: the 群发 quota counts the period's mass
// notices whose outbox row did not fail (WeChat counts what it sent);
// refused notices are listed for the digest and never counted.
func TestMassNoticeCountAndRefusals(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	nov := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	ids := map[string]int64{}
	err := db.WithTx(ctx, func(tx *storage.Tx) error {
		if err := storage.LockMassQuota(ctx, tx); err != nil {
			return err
		}
		for i, ref := range []string{"1", "2", "3"} {
			at := nov.Add(time.Duration(i+1) * 24 * time.Hour)
			if _, err := storage.ClaimNotice(ctx, tx, storage.Notice{Kind: "form", Ref: ref, Mode: "mass", Recipients: 1, QueuedAt: at}); err != nil {
				return err
			}
			id, err := storage.Enqueue(ctx, tx, storage.KindMPMass, "mp:tag:1", map[string]string{"n": ref}, "mpmass:form:"+ref)
			if err != nil {
				return err
			}
			ids[ref] = id
		}
		// October's does not count in November; a template notice never does.
		if _, err := storage.ClaimNotice(ctx, tx, storage.Notice{Kind: "form", Ref: "0", Mode: "mass", Recipients: 1, QueuedAt: nov.Add(-time.Hour)}); err != nil {
			return err
		}
		if _, err := storage.ClaimNotice(ctx, tx, storage.Notice{Kind: "form", Ref: "9", Mode: "template", Recipients: 5, QueuedAt: nov.Add(time.Hour)}); err != nil {
			return err
		}
		_, err := storage.ClaimNotice(ctx, tx, storage.Notice{Kind: "form", Ref: "4", Mode: "mass", QueuedAt: nov.Add(5 * 24 * time.Hour),
			Status: storage.NoticeRefused, Reason: "11月的4次群发已用完", Detail: []byte(`{"serial":"公开审〔2026〕4号"}`)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	dec := nov.AddDate(0, 1, 0)
	if n, err := storage.CountMassNotices(ctx, db, nov, dec); err != nil || n != 3 {
		t.Fatalf("count = %d, %v; want 3", n, err)
	}
	if err := db.MarkFailed(ctx, ids["2"], "45159 invalid tag id"); err != nil {
		t.Fatal(err)
	}
	if n, err := storage.CountMassNotices(ctx, db, nov, dec); err != nil || n != 2 {
		t.Fatalf("count after a failure = %d, %v; want 2", n, err)
	}
	refused, err := storage.RefusedNotices(ctx, db, nov, dec)
	if err != nil || len(refused) != 1 || refused[0].Ref != "4" || refused[0].Reason != "11月的4次群发已用完" {
		t.Fatalf("refused = %+v, %v", refused, err)
	}
	if n, err := storage.GetNotice(ctx, db, "form", "1"); err != nil || n.Status != storage.NoticeQueued {
		t.Fatalf("a queued notice: %+v, %v", n, err)
	}
	if refused, _ := storage.RefusedNotices(ctx, db, dec, dec.AddDate(0, 1, 0)); len(refused) != 0 {
		t.Fatalf("refusals in December: %+v", refused)
	}
}
