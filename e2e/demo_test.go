package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

// demoFollower is the demo 公众号's follower, whose phone the page shows
// (cli/demo.go).
const demoFollower = "o_demo_follower"

// demoInstance is `zwgk demo` started in-process as the README's command
// does, on a free port, with a database and Redis prefix of its own
// (DEMO_DATABASE), so that it neither sees nor disturbs another demo.
type demoInstance struct {
	base   string
	dbURL  string
	prefix string
	stdout *syncBuffer
	stderr *syncBuffer
}

func startDemo(t *testing.T) *demoInstance {
	t.Helper()
	var b [5]byte
	rand.Read(b[:])
	name := "zwgk_demo_test_" + hex.EncodeToString(b[:])
	addr := freeAddr(t)
	env := map[string]string{
		"DATABASE_URL":  storagetest.DatabaseURL(),
		"REDIS_URL":     storagetest.RedisURL(),
		"HTTP_ADDR":     addr,
		"DEMO_DATABASE": name,
		// The demo's reminders follow the real clock; a test must not
		// meet a 09:05 digest.
		"SCHEDULES": "off",
	}
	d := &demoInstance{base: "http://" + addr, prefix: strings.ReplaceAll(name, "_", "-") + ":", stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"demo"}, func(k string) string { return env[k] }, d.stdout, d.stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("demo returned %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("demo did not stop within 20 s")
		}
		dropDemoData(t, name, d.prefix)
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-done:
			t.Fatalf("demo exited early: %v\n%s", err, d.stderr.String())
		default:
		}
		resp, err := http.Get(d.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo not ready within 30 s: %v\n%s", err, d.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The demo has created its database beside the tests' one.
	u, err := url.Parse(storagetest.DatabaseURL())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	d.dbURL = u.String()
	return d
}

// dropDemoData removes what a test's demo left: its database and keys.
func dropDemoData(t *testing.T, name, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := storage.Open(ctx, storagetest.DatabaseURL())
	if err != nil {
		t.Logf("drop demo database: %v", err)
		return
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(name)+" WITH (FORCE)"); err != nil {
		t.Logf("drop demo database %s: %v", name, err)
	}
	rdb, err := storage.OpenRedis(ctx, storagetest.RedisURL(), prefix)
	if err != nil {
		t.Logf("redis: %v", err)
		return
	}
	defer rdb.Close()
	iter := rdb.Client.Scan(ctx, 0, prefix+"*", 500).Iterator()
	for iter.Next(ctx) {
		rdb.Client.Del(ctx, iter.Val())
	}
}

func (d *demoInstance) post(t *testing.T, path, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(d.base+path, "text/plain; charset=utf-8", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestDemoResetClearsData checks 重置演示数据: the demo's tables (but not
// the migrations' record), its Redis keys and the sandbox are emptied, so
// a conversation in progress is gone and numbering starts again.
func TestDemoResetClearsData(t *testing.T) {
	t.Parallel()
	d := startDemo(t)
	if st, body := d.post(t, "/sandbox/api/users/lina/text", "提交"); st != 200 || !strings.Contains(body, "开始填写") {
		t.Fatalf("提交: %d %s", st, body)
	}
	// The demo serves its metrics beside the page, and says so.
	if resp, err := http.Get(d.base + "/metrics"); err != nil {
		t.Fatal(err)
	} else {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), `zwgk_callbacks_total{outcome="handled",source="wecom"}`) {
			t.Errorf("demo /metrics: %d, no WeCom callbacks counted", resp.StatusCode)
		}
	}
	if !strings.Contains(d.stdout.String(), d.base+"/metrics") {
		t.Errorf("the intro does not mention %s/metrics", d.base)
	}
	ctx := context.Background()
	db, err := storage.Open(ctx, d.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rdb, err := storage.OpenRedis(ctx, storagetest.RedisURL(), d.prefix)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	rows := func() map[string]int {
		t.Helper()
		var tables []string
		if err := db.SelectContext(ctx, &tables, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1`); err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, tb := range tables {
			var n int
			if err := db.GetContext(ctx, &n, "SELECT count(*) FROM "+pq.QuoteIdentifier(tb)); err != nil {
				t.Fatal(err)
			}
			if n > 0 {
				out[tb] = n
			}
		}
		return out
	}
	redisKeys := func() []string {
		t.Helper()
		keys, err := rdb.Client.Keys(ctx, d.prefix+"*").Result()
		if err != nil {
			t.Fatal(err)
		}
		return keys
	}
	if before := rows(); before["inbox"] == 0 || before["goose_db_version"] == 0 {
		t.Fatalf("before the reset: rows %v", before)
	}
	if len(redisKeys()) == 0 {
		t.Fatal("before the reset: no Redis keys with the demo's prefix")
	}

	if st, body := d.post(t, "/sandbox/web/reset", ""); st != 200 {
		t.Fatalf("reset: %d %s", st, body)
	}
	// What remains is the migrations and the demo follower following the
	// 公众号 again: one callback, its audit entry, its welcome message (whose
	// delivery may be holding the token's lock at this moment).
	after := rows()
	want := map[string]int{"inbox": 1, "audit_log": 1, "outbox": 1, "mp_followers": 1, "mp_follower_events": 1}
	for tb, n := range after {
		if tb != "goose_db_version" && want[tb] != n {
			t.Errorf("after the reset %s holds %d rows, want %d (all: %v)", tb, n, want[tb], after)
		}
	}
	for _, k := range redisKeys() {
		if rest := strings.TrimPrefix(k, d.prefix); !strings.HasPrefix(rest, "seen:mp:event:"+demoFollower+":") &&
			!strings.HasPrefix(rest, "cache:mp:token:") && !strings.HasPrefix(rest, "lock:mp:token:") && !strings.HasPrefix(rest, "rate:") &&
			!strings.HasPrefix(rest, "nonce:mp:") { // the follow callback's timestamp+nonce (plain mode)
			t.Errorf("after the reset Redis keeps %s", k)
		}
	}
	resp, err := http.Get(d.base + "/sandbox/api/users/lina/messages")
	if err != nil {
		t.Fatal(err)
	}
	var msgs []json.RawMessage
	json.NewDecoder(resp.Body).Decode(&msgs)
	resp.Body.Close()
	if len(msgs) != 0 {
		t.Errorf("after the reset lina still has %d messages", len(msgs))
	}
	// The draft is gone: 提交 starts afresh rather than resuming.
	if st, body := d.post(t, "/sandbox/api/users/lina/text", "提交"); st != 200 || !strings.Contains(body, "开始填写") {
		t.Fatalf("提交 after the reset: %d %s", st, body)
	}
}

func TestDemoRefusesABadDatabaseName(t *testing.T) {
	t.Parallel()
	env := map[string]string{"HTTP_ADDR": "127.0.0.1:0", "DEMO_DATABASE": "zwgk-demo; DROP"}
	err := run(context.Background(), []string{"demo"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "DEMO_DATABASE") {
		t.Fatalf("demo with a bad DEMO_DATABASE: %v, want an error naming it", err)
	}
}
