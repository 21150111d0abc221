package outbox_test

// Crashes, killed connections and Postgres outages between a send and its
// mark (issue 14, items 2 and 3), for real: a worker process killed with
// SIGKILL, a session's backend ended with pg_terminate_backend, a database
// that drops every connection and refuses new ones for a while.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/outbox"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

// The worker process that TestKilledProcessRowsGoOnAtOnce kills is this
// test binary, started again with crashChildEnv set.
const crashChildEnv = "ZWGK_OUTBOX_CRASH_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) != "" {
		os.Exit(crashChild())
	}
	os.Exit(m.Run())
}

// crashChild delivers one batch, one row at a time, and stops for good
// right after WeCom accepted the first row, before anything is recorded;
// it prints that row and its session's backend for the parent, which
// kills it there.
func crashChild() int {
	ctx := context.Background()
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	db, err := storage.Open(ctx, os.Getenv("ZWGK_CHILD_DATABASE"))
	if err != nil {
		return fail(err)
	}
	redis, err := storage.OpenRedis(ctx, storagetest.RedisURL(), os.Getenv("ZWGK_CHILD_REDIS_PREFIX"))
	if err != nil {
		return fail(err)
	}
	hc, err := bot.NewHTTPClient(map[string]string{bot.WeComHost: os.Getenv("ZWGK_CHILD_WECOM")})
	if err != nil {
		return fail(err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	w := outbox.NewWorker(db, bot.NewClient("wwout", 7, "s", hc, redis, log), log)
	w.Concurrency = 1
	outbox.SetHooks(w, outbox.Hooks{AfterCall: func(r storage.OutboxRow, err error) {
		fmt.Printf("sent %d %d %v\n", r.ID, outbox.SessionPID(w), err)
		time.Sleep(time.Hour) // the parent kills the process here
	}})
	if _, err := w.DeliverDue(ctx); err != nil {
		return fail(err)
	}
	return fail(fmt.Errorf("the batch ended without a send"))
}

// TestKilledProcessRowsGoOnAtOnce kills a worker process (SIGKILL) after
// WeCom accepted one of its rows and before the row was marked. Postgres
// sees the process's connection end and drops its session lock, so
// another worker takes every row the dead one held at once, although
// their leases have more than a minute to run, and each person's messages
// still arrive once each, in order: the row sent twice is absorbed by
// WeCom's duplicate check.
func TestKilledProcessRowsGoOnAtOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	users := []string{"a", "b", "c"}
	for _, u := range users {
		f.enqueue(t, u, u+" 的第1条")
		f.enqueue(t, u, u+" 的第2条")
	}

	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), crashChildEnv+"=1", "ZWGK_CHILD_DATABASE="+f.dbURL,
		"ZWGK_CHILD_REDIS_PREFIX="+f.redis.Prefix, "ZWGK_CHILD_WECOM="+f.srvURL)
	var stderr syncLog
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(stdout)
		if s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()
	var line string
	select {
	case line = <-lines:
	case <-time.After(2 * time.Minute):
		t.Fatalf("the worker process never sent; its log:\n%s", stderr.String())
	}
	var sentID int64
	var pid int
	if _, err := fmt.Sscanf(line, "sent %d %d", &sentID, &pid); err != nil || !strings.HasSuffix(line, "<nil>") {
		t.Fatalf("worker process said %q (%v); its log:\n%s", line, err, stderr.String())
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	waitBackendGone(t, f.db, pid)

	// The dead process's rows: the heads of a, b and c, leased for long
	// still. The next worker takes them now.
	f.now = time.Now()
	var leased int
	if err := f.db.GetContext(context.Background(), &leased, `
		SELECT count(*) FROM outbox WHERE status = 'pending' AND locked_until > $1`, f.now.Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	if leased != len(users) {
		t.Fatalf("%d rows leased by the dead process, want %d", leased, len(users))
	}
	n, err := f.worker.DeliverDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != len(users) {
		t.Fatalf("the next worker took %d of the dead process's %d rows at once", n, len(users))
	}
	f.drain(t)
	for _, u := range users {
		if got, want := texts(f.corp.Messages(u)), u+" 的第1条,"+u+" 的第2条"; got != want {
			t.Errorf("%s received %q, want %q", u, got, want)
		}
	}
	if d := f.corp.Duplicates(); d != 1 {
		t.Errorf("WeCom's duplicate check absorbed %d repeats, want 1 (the row sent by the dead process)", d)
	}
}

// TestEndedSessionFreesRowsAtOnce: a worker hangs holding two rows, and
// its session's backend is ended (pg_terminate_backend, as when Postgres
// drops a client). Another worker sends the rows at once, well within
// their leases; when the first one wakes up it sees that its session is
// gone and leaves the rows alone, so nothing is sent twice.
func TestEndedSessionFreesRowsAtOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enqueue(t, "a", "a1")
	f.enqueue(t, "a", "a2")
	f.enqueue(t, "b", "b1")
	f.now = time.Now().Add(time.Second) // the rows are due

	hung := make(chan int64, 2)
	resume := make(chan struct{})
	first := f.newWorker()
	outbox.SetHooks(first, outbox.Hooks{BeforeCall: func(r storage.OutboxRow) {
		hung <- r.ID
		<-resume
	}})
	done := make(chan error, 1)
	go func() {
		_, err := first.DeliverDue(context.Background())
		done <- err
	}()
	for range 2 {
		select {
		case <-hung:
		case <-time.After(time.Minute):
			t.Fatal("the first worker did not claim both heads")
		}
	}
	terminateBackend(t, outbox.SessionPID(first))

	var leased int
	f.db.GetContext(context.Background(), &leased, `
		SELECT count(*) FROM outbox WHERE status = 'pending' AND locked_until > $1`, f.now.Add(time.Minute))
	if leased != 2 {
		t.Fatalf("%d rows leased for more than a minute, want the 2 the hung worker holds", leased)
	}
	second := f.newWorker()
	n, err := second.DeliverDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("the second worker took %d rows, want the 2 whose holder's session ended", n)
	}
	if n, err := second.DeliverDue(context.Background()); err != nil || n != 1 {
		t.Fatalf("second round: %d rows, %v; want a2", n, err)
	}

	close(resume)
	select {
	case <-done: // it may report its lost session; what matters is what it sent
	case <-time.After(time.Minute):
		t.Fatal("the first worker did not finish")
	}
	if got := texts(f.corp.Messages("a")); got != "a1,a2" {
		t.Errorf("a received %q, want a1,a2", got)
	}
	if got := texts(f.corp.Messages("b")); got != "b1" {
		t.Errorf("b received %q, want b1", got)
	}
	if n := f.corp.APICalls("message/send"); n != 3 {
		t.Errorf("%d calls of message/send, want 3: the first worker must not send what the second took", n)
	}
	if p := f.pending(t); p != 0 {
		t.Errorf("%d rows pending", p)
	}
}

// TestMarkWaitsForPostgres: WeCom accepts a message, and before the worker
// marks it the database ends every connection (pg_terminate_backend) and
// refuses new ones for a while. The worker keeps trying to mark the row
// until the database takes it, and the message, a deliberate repeat
// without WeCom's duplicate check, arrives once.
func TestMarkWaitsForPostgres(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enqueue(t, "a", "帮助")
	f.drain(t)
	repeat := f.enqueue(t, "a", "帮助") // asked again at once: meant to arrive again
	admin := adminDB(t)
	name := databaseName(t, f.dbURL)
	t.Cleanup(func() { allowConnections(t, admin, name, true) })

	var mu sync.Mutex
	var failures []error
	var once sync.Once
	outbox.SetHooks(f.worker, outbox.Hooks{
		AfterCall: func(r storage.OutboxRow, err error) {
			if r.ID != repeat || err != nil {
				return
			}
			once.Do(func() {
				if r.DupInterval != 0 {
					t.Errorf("the repeat has a duplicate check of %d s: it would not show a resend", r.DupInterval)
				}
				allowConnections(t, admin, name, false)
				terminateAll(t, admin, name)
			})
		},
		Write: func(what string, attempt int, prev error) error {
			if what != "sent" || prev == nil {
				return nil
			}
			mu.Lock()
			failures = append(failures, prev)
			mu.Unlock()
			if refused(prev) {
				allowConnections(t, admin, name, true)
			}
			return nil
		},
	})
	n, err := f.worker.DeliverDue(context.Background())
	allowConnections(t, admin, name, true) // whatever happened
	if err != nil || n != 1 {
		t.Fatalf("delivery = %d rows, %v; want the repeat", n, err)
	}
	mu.Lock()
	if len(failures) == 0 || !refused(failures[len(failures)-1]) {
		t.Errorf("failed attempts to mark: %v; want the last refused by the closed database", failures)
	}
	mu.Unlock()
	var status string
	if err := f.db.GetContext(context.Background(), &status, `SELECT status FROM outbox WHERE id = $1`, repeat); err != nil || status != "sent" {
		t.Errorf("the repeat is %q (%v), want sent", status, err)
	}
	f.drain(t) // past every lease: nothing goes again
	if got := texts(f.corp.Messages("a")); got != "帮助,帮助" {
		t.Fatalf("a received %q, want 帮助 twice (the second a meant repeat), not three times", got)
	}
}

// TestMarkSurvivesPostgresRestart: WeCom accepts a message and Postgres
// shuts down (a private server, pg_ctl stop -m fast) before the worker
// marks it. The worker keeps trying; Postgres starts again; another
// worker, on the restarted Postgres, must not take the row although its
// holder's lock is gone (the restart ended it, not a crash: the holder is
// alive and about to record the send); then the mark goes through and the
// message, a deliberate repeat without WeCom's duplicate check, arrives
// once.
func TestMarkSurvivesPostgresRestart(t *testing.T) {
	t.Parallel()
	pg := startPrivatePostgres(t)
	f := newFixtureOn(t, pg.url)
	f.enqueue(t, "a", "帮助")
	f.drain(t)
	repeat := f.enqueue(t, "a", "帮助")

	first, second := f.newWorker(), f.newWorker()
	var mu sync.Mutex
	restarted := false
	othersClaimed := -1
	outbox.SetHooks(first, outbox.Hooks{
		AfterCall: func(r storage.OutboxRow, err error) {
			mu.Lock()
			defer mu.Unlock()
			if r.ID == repeat && err == nil && !restarted {
				pg.stop(t)
			}
		},
		Write: func(what string, attempt int, prev error) error {
			mu.Lock()
			defer mu.Unlock()
			if what != "sent" || restarted || !errors.Is(prev, syscall.ECONNREFUSED) {
				return nil
			}
			// Postgres is down and the row unmarked: start it again, and
			// let another worker try before the mark does.
			restarted = true
			pg.start(t)
			n, err := second.DeliverDue(context.Background())
			if err != nil {
				t.Errorf("the other worker, right after the restart: %v", err)
			}
			othersClaimed = n
			return nil
		},
	})
	n, err := first.DeliverDue(context.Background())
	mu.Lock()
	if !restarted {
		restarted = true
		pg.start(t)
	}
	mu.Unlock()
	if err != nil || n != 1 {
		t.Fatalf("delivery = %d rows, %v; want the repeat", n, err)
	}
	if othersClaimed != 0 {
		t.Errorf("another worker claimed %d rows right after the restart, want none", othersClaimed)
	}
	var status string
	if err := f.db.GetContext(context.Background(), &status, `SELECT status FROM outbox WHERE id = $1`, repeat); err != nil || status != "sent" {
		t.Errorf("the repeat is %q (%v), want sent", status, err)
	}
	f.drain(t)
	if got := texts(f.corp.Messages("a")); got != "帮助,帮助" {
		t.Fatalf("a received %q, want 帮助 twice (the second a meant repeat), not three times", got)
	}
}

// TestBatchMarkRetried: the rows whose repeat WeCom would absorb are
// marked sent together at the end of their batch; when Postgres refuses
// that statement (57P03, shutting down) the worker tries it again instead
// of leaving the rows to go again after their lease.
func TestBatchMarkRetried(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enqueue(t, "a", "a1")
	f.enqueue(t, "b", "b1")
	var mu sync.Mutex
	attempts := 0
	outbox.SetHooks(f.worker, outbox.Hooks{Write: func(what string, attempt int, prev error) error {
		if what != "sent-batch" {
			return nil
		}
		mu.Lock()
		attempts++
		mu.Unlock()
		if attempt <= 3 {
			return &pq.Error{Code: "57P03", Message: "the database system is shutting down"}
		}
		return nil
	}})
	f.drain(t)
	mu.Lock()
	defer mu.Unlock()
	if attempts != 4 {
		t.Errorf("%d attempts to mark the batch, want 4", attempts)
	}
	if n := f.corp.APICalls("message/send"); n != 2 {
		t.Errorf("%d calls of message/send for 2 rows: the batch went again", n)
	}
	if got := texts(f.corp.Messages("a")) + ";" + texts(f.corp.Messages("b")); got != "a1;b1" {
		t.Errorf("received %q", got)
	}
}

// TestRepeatedMessageGetsAShorterDuplicateCheck: a text sent again to the
// same person (帮助 asked twice) must arrive again, so its duplicate check
// may not reach back to the first one; it gets the time since then, less a
// margin, and so a retry of the repeat after a lost answer is still
// absorbed. A repeat a few seconds after goes without the check.
func TestRepeatedMessageGetsAShorterDuplicateCheck(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var mu sync.Mutex
	var intervals []int
	hook := func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if strings.HasSuffix(r.URL.Path, "/message/send") {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			var m bot.OutMessage
			json.Unmarshal(body, &m)
			if m.EnableDuplicateCheck != 1 {
				m.DuplicateCheckInterval = 0
			}
			mu.Lock()
			intervals = append(intervals, m.DuplicateCheckInterval)
			mu.Unlock()
		}
		next.ServeHTTP(w, r)
	}
	f.intercept.Store(&hook)

	f.enqueue(t, "a", "帮助")
	f.drain(t)
	f.now = f.now.Add(10 * time.Minute)
	f.enqueue(t, "a", "帮助")
	f.corp.DropAnswerNext("message/send", 1, "") // delivered, the answer lost: it is tried again
	f.drain(t)
	f.now = f.now.Add(3 * time.Second)
	f.enqueue(t, "a", "帮助")
	f.drain(t)

	if got := texts(f.corp.Messages("a")); got != "帮助,帮助,帮助" {
		t.Errorf("a received %q, want 帮助 three times", got)
	}
	mu.Lock()
	defer mu.Unlock()
	full := int(storage.DuplicateCheckWindow.Seconds())
	if want := []int{full, 595, 595, 0}; fmt.Sprint(intervals) != fmt.Sprint(want) {
		t.Errorf("duplicate_check_interval of the calls %v, want %v", intervals, want)
	}
	if d := f.corp.Duplicates(); d != 1 {
		t.Errorf("%d repeats absorbed, want 1 (the retry after the lost answer)", d)
	}
}

// adminDB connects to the tests' server outside the test's database.
func adminDB(t *testing.T) *storage.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := storage.Open(ctx, storagetest.DatabaseURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func databaseName(t *testing.T, dbURL string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(u.Path, "/")
}

// allowConnections opens or closes the database to new connections.
func allowConnections(t *testing.T, admin *storage.DB, name string, allow bool) {
	t.Helper()
	if _, err := admin.ExecContext(context.Background(), fmt.Sprintf(`ALTER DATABASE %s ALLOW_CONNECTIONS %t`,
		pq.QuoteIdentifier(name), allow)); err != nil {
		t.Errorf("allow connections %t: %v", allow, err)
	}
}

// refused reports the error of a connection to a database that does not
// accept connections (ALLOW_CONNECTIONS false): 55000.
func refused(err error) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && pe.Code == "55000"
}

// terminateAll ends every connection to the database and waits until they
// are gone.
func terminateAll(t *testing.T, admin *storage.DB, name string) {
	t.Helper()
	var ended []bool
	if err := admin.SelectContext(context.Background(), &ended, `
		SELECT pg_terminate_backend(pid, 30000) FROM pg_stat_activity WHERE datname = $1`, name); err != nil {
		t.Error(err)
	}
	for _, ok := range ended {
		if !ok {
			t.Errorf("a backend of %s did not end", name)
		}
	}
}

// terminateBackend ends one backend and waits until it is gone.
func terminateBackend(t *testing.T, pid int) {
	t.Helper()
	if pid == 0 {
		t.Fatal("no session to end")
	}
	var ok bool
	if err := adminDB(t).GetContext(context.Background(), &ok, `SELECT pg_terminate_backend($1, 30000)`, pid); err != nil || !ok {
		t.Fatalf("terminate backend %d: %v, %v", pid, ok, err)
	}
}

// waitBackendGone waits until Postgres has seen a killed process's
// connection end: its backend exits when it reads the end of the socket.
func waitBackendGone(t *testing.T, db *storage.DB, pid int) {
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
			t.Fatalf("backend %d of the killed process is still there", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
