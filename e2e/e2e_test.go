package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/sandbox"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

// harness is one bot started through run("serve"), exactly as in
// production, against its own database, Redis prefix and sandbox corp.
type harness struct {
	t      *testing.T
	env    map[string]string
	base   string
	corp   *sandbox.Corp
	db     *storage.DB
	redis  *storage.Redis
	stderr *syncBuffer
}

// syncBuffer collects a command's log output safely across goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func rosterFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "roster.yaml")
	if err := os.WriteFile(p, config.ExampleRoster, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

var corpSeq struct {
	sync.Mutex
	n int
}

// newHarness starts a bot; each option may change its environment.
func newHarness(t *testing.T, options ...func(env map[string]string)) *harness {
	t.Helper()
	sb := sandbox.New()
	// WeCom's API, and its 网页授权 page for the 办公桌 (the person is the
	// sandbox.VisitorCookie's).
	sbMux := http.NewServeMux()
	sbMux.Handle("/connect/", sb.OAuthHandler())
	sbMux.Handle("/", sb.Handler())
	sbSrv := httptest.NewServer(sbMux)
	t.Cleanup(sbSrv.Close)

	corpSeq.Lock()
	corpSeq.n++
	corpID := fmt.Sprintf("wwtest%d", corpSeq.n)
	corpSeq.Unlock()

	dbURL := storagetest.NewDatabase(t)
	rdb := storagetest.NewRedis(t)
	addr := freeAddr(t)
	h := &harness{
		t:    t,
		base: "http://" + addr,
		env: map[string]string{
			"DATABASE_URL":     dbURL,
			"REDIS_URL":        storagetest.RedisURL(),
			"REDIS_PREFIX":     rdb.Prefix,
			"HTTP_ADDR":        addr,
			"WECOM_CORP_ID":    corpID,
			"WECOM_AGENT_ID":   "1000002",
			"WECOM_SECRET":     "sandbox-secret-" + corpID,
			"WECOM_TOKEN":      "QDG6eK",
			"WECOM_AES_KEY":    "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
			"WECOM_API_BASE":   sbSrv.URL,
			"WECOM_OAUTH_BASE": sbSrv.URL,
			"ROSTER_FILE":      rosterFile(t),
			// Reminders follow the real clock; tests drive them with
			// zwgk jobs run --at instead (jobs_e2e_test.go).
			"SCHEDULES": "off",
			// Tests play a conversation faster than a person can; pacing to
			// WeCom's per-member limit is tested in outbox/.
			"OUTBOX_RECIPIENT_RATE": "1000/m",
		},
		redis:  rdb,
		stderr: &syncBuffer{},
	}
	for _, o := range options {
		o(h.env)
	}
	corp, err := sb.AddCorp(sandbox.CorpConfig{
		CorpID: corpID, Secret: h.env["WECOM_SECRET"], AgentID: 1000002,
		Token: h.env["WECOM_TOKEN"], EncodingAESKey: h.env["WECOM_AES_KEY"],
		CallbackURL: h.base + "/wecom/callback", TrustedDomain: addr,
	})
	if err != nil {
		t.Fatal(err)
	}
	h.corp = corp

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, h.getenv, io.Discard, h.stderr)
	}()
	t.Cleanup(func() {
		if t.Failed() {
			// What the bot logged tells a slow machine from a lost reply.
			log := h.stderr.String()
			if len(log) > 20000 {
				log = log[len(log)-20000:]
			}
			t.Logf("the bot's log (last part):\n%s", log)
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("serve did not stop within 20 s")
		}
	})
	h.waitReady(done)

	db, err := storage.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h.db = db
	return h
}

func (h *harness) getenv(k string) string { return h.env[k] }

func (h *harness) waitReady(done chan error) {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			h.t.Fatalf("serve exited early: %v\n%s", err, h.stderr.String())
		default:
		}
		resp, err := http.Get(h.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	h.t.Fatalf("bot not ready within 30 s\n%s", h.stderr.String())
}

// waitTexts waits for user to have n messages and returns their texts.
func (h *harness) waitTexts(user string, n int) []string {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msgs, err := h.corp.WaitMessages(ctx, user, n)
	if err != nil {
		h.t.Fatalf("%s received %d messages, want %d: %v", user, len(msgs), n, err)
	}
	var out []string
	for _, m := range msgs {
		out = append(out, m.Text)
	}
	return out
}

// quiet asserts that user receives nothing more than n messages for a
// while: what a duplicate or a refused callback must not cause.
func (h *harness) quiet(user string, n int) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	msgs, _ := h.corp.WaitMessages(ctx, user, n+1)
	if len(msgs) > n {
		h.t.Fatalf("%s received %d messages, want %d: last %q", user, len(msgs), n, msgs[len(msgs)-1].Text)
	}
}

func (h *harness) outboxCount() int {
	h.t.Helper()
	var n int
	if err := h.db.GetContext(context.Background(), &n, `SELECT count(*) FROM outbox`); err != nil {
		h.t.Fatal(err)
	}
	return n
}

func TestHelpByTextAndMenu(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	u := h.corp.User("zhangwei")
	if st, err := u.SendText(ctx, "帮助"); err != nil || st != 200 {
		t.Fatalf("send = %d, %v", st, err)
	}
	texts := h.waitTexts("zhangwei", 1)
	for _, want := range []string{"张伟", "提交", "我的申请", "查询", "登记12345", "帮助"} {
		if !strings.Contains(texts[0], want) {
			t.Errorf("help text lacks %q:\n%s", want, texts[0])
		}
	}
	if st, err := u.ClickMenu(ctx, "help"); err != nil || st != 200 {
		t.Fatalf("menu click = %d, %v", st, err)
	}
	texts = h.waitTexts("zhangwei", 2)
	if texts[1] != texts[0] {
		t.Errorf("menu 帮助 answered %q, want the help text", texts[1])
	}
}

func TestStrangerIsRefusedPolitely(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if _, err := h.corp.User("outsider").SendText(context.Background(), "帮助"); err != nil {
		t.Fatal(err)
	}
	got := h.waitTexts("outsider", 1)[0]
	if !strings.Contains(got, "尚未登记") || !strings.Contains(got, "综合办公室") {
		t.Fatalf("refusal = %q, want it to say 尚未登记 and name 综合办公室", got)
	}
	if strings.Contains(got, "政务公开助手可以办理") {
		t.Fatal("a stranger received the help text")
	}
}

func TestRepostedCallbackIsActedOnOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	plain := []byte(`<xml><ToUserName><![CDATA[` + h.env["WECOM_CORP_ID"] + `]]></ToUserName><FromUserName><![CDATA[zhangwei]]></FromUserName>` +
		fmt.Sprintf(`<CreateTime>%d</CreateTime>`, time.Now().Unix()) +
		`<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[帮助]]></Content><MsgId>123456789</MsgId><AgentID>1000002</AgentID></xml>`)
	q, body, err := h.corp.Seal(plain)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		st, err := h.corp.PostRaw(ctx, q, body)
		if err != nil || st != 200 {
			t.Fatalf("post %d = %d, %v; want 200", i, st, err)
		}
	}
	h.waitTexts("zhangwei", 1)
	h.quiet("zhangwei", 1)

	// Postgres decides, not Redis: with the fast path gone, still once.
	keys, _ := h.redis.Client.Keys(ctx, h.redis.Prefix+"seen:*").Result()
	if len(keys) == 0 {
		t.Fatal("the dedup fast path recorded nothing")
	}
	h.redis.Client.Del(ctx, keys...)
	q2, body2, _ := h.corp.Seal(plain)
	if st, err := h.corp.PostRaw(ctx, q2, body2); err != nil || st != 200 {
		t.Fatalf("post after Redis flush = %d, %v", st, err)
	}
	h.quiet("zhangwei", 1)
	var n int
	h.db.GetContext(ctx, &n, `SELECT count(*) FROM inbox WHERE dedup_key = 'msg:123456789'`)
	if n != 1 {
		t.Fatalf("inbox rows = %d, want 1", n)
	}
}

func TestForgedOrStaleCallbacksAreRefusedAndNothingSent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	plain := []byte(`<xml><ToUserName>` + h.env["WECOM_CORP_ID"] + `</ToUserName><FromUserName>zhangwei</FromUserName>` +
		fmt.Sprintf(`<CreateTime>%d</CreateTime>`, time.Now().Unix()) +
		`<MsgType>text</MsgType><Content>帮助</Content><MsgId>42</MsgId><AgentID>1000002</AgentID></xml>`)
	q, body, err := h.corp.Seal(plain)
	if err != nil {
		t.Fatal(err)
	}
	forged := cloneValues(q)
	forged.Set("msg_signature", strings.Repeat("0", 40))
	stale := cloneValues(q)
	stale.Set("timestamp", fmt.Sprint(time.Now().Add(-11*time.Minute).Unix()))
	cases := []struct {
		name string
		post func() (int, error)
		want int
	}{
		{"forged signature", func() (int, error) { return h.corp.PostRaw(ctx, forged, body) }, 403},
		{"stale timestamp", func() (int, error) { return h.corp.PostRaw(ctx, stale, body) }, 403},
		{"not xml", func() (int, error) { return h.corp.PostRaw(ctx, q, []byte("hello")) }, 400},
		{"too large", func() (int, error) { return h.corp.PostRaw(ctx, q, bytes.Repeat([]byte("x"), 70<<10)) }, 413},
	}
	for _, c := range cases {
		st, err := c.post()
		if err != nil || st != c.want {
			t.Errorf("%s: status %d, %v; want %d", c.name, st, err, c.want)
		}
	}
	// A message for another app of the corp, properly signed.
	other := bytes.Replace(plain, []byte("<AgentID>1000002</AgentID>"), []byte("<AgentID>1000003</AgentID>"), 1)
	if st, err := h.corp.PostPlain(ctx, other); err != nil || st != 403 {
		t.Errorf("foreign agent: status %d, %v; want 403", st, err)
	}
	h.quiet("zhangwei", 0)
	if n := h.outboxCount(); n != 0 {
		t.Fatalf("outbox has %d rows after refused callbacks, want 0", n)
	}
	var inbox int
	h.db.GetContext(ctx, &inbox, `SELECT count(*) FROM inbox`)
	if inbox != 0 {
		t.Fatalf("inbox has %d rows after refused callbacks, want 0", inbox)
	}
}

func TestAccessTokenFetchedOnceAndAgainAfterRevoke(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	users := []string{"zhangwei", "lina", "liuyang", "yangfan", "huanglei"}
	var wg sync.WaitGroup
	for _, id := range users {
		wg.Go(func() {
			for range 2 {
				if _, err := h.corp.User(id).SendText(ctx, "帮助"); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	for _, id := range users {
		h.waitTexts(id, 2)
	}
	if n := h.corp.TokenFetches(); n != 1 {
		t.Fatalf("gettoken called %d times for %d messages, want 1", n, 2*len(users))
	}
	h.corp.RevokeTokens()
	if _, err := h.corp.User("zhangwei").SendText(ctx, "帮助"); err != nil {
		t.Fatal(err)
	}
	h.waitTexts("zhangwei", 3)
	if n := h.corp.TokenFetches(); n != 2 {
		t.Fatalf("gettoken called %d times after revocation, want 2", n)
	}
}

func TestEnterAgentGreetsOncePerDay(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	u := h.corp.User("lina")
	for range 2 {
		if st, err := u.EnterAgent(ctx); err != nil || st != 200 {
			t.Fatalf("enter = %d, %v", st, err)
		}
		time.Sleep(1100 * time.Millisecond) // a distinct CreateTime: a new event, not a repeat
	}
	got := h.waitTexts("lina", 1)
	if !strings.Contains(got[0], "李娜") || !strings.Contains(got[0], "欢迎") {
		t.Fatalf("greeting = %q", got[0])
	}
	h.quiet("lina", 1)
}

func TestUnsupportedMessageGetsPoliteAnswer(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	plain := []byte(`<xml><ToUserName>` + h.env["WECOM_CORP_ID"] + `</ToUserName><FromUserName>lina</FromUserName>` +
		fmt.Sprintf(`<CreateTime>%d</CreateTime>`, time.Now().Unix()) +
		`<MsgType>voice</MsgType><MediaId>m</MediaId><Format>amr</Format><MsgId>77</MsgId><AgentID>1000002</AgentID></xml>`)
	if st, err := h.corp.PostPlain(context.Background(), plain); err != nil || st != 200 {
		t.Fatalf("post = %d, %v", st, err)
	}
	if got := h.waitTexts("lina", 1)[0]; !strings.Contains(got, "暂不支持") {
		t.Fatalf("answer = %q, want 暂不支持…", got)
	}
}

func TestUnknownTextAndCardClickAnswered(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	u := h.corp.User("liuyang")
	u.SendText(ctx, "今天天气怎么样")
	if got := h.waitTexts("liuyang", 1)[0]; !strings.Contains(got, "帮助") {
		t.Fatalf("unknown text answered %q", got)
	}
	u.ClickAnyway(ctx, "form-1-section", "button_interaction", "approve", nil)
	if got := h.waitTexts("liuyang", 2)[1]; !strings.Contains(got, "已失效") {
		t.Fatalf("stray card click answered %q", got)
	}
}

func TestURLVerification(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	st, body, err := h.corp.VerifyURL(context.Background(), "5927782489442352469")
	if err != nil || st != 200 || body != "5927782489442352469" {
		t.Fatalf("verify = %d %q %v", st, body, err)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, p := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(h.base + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s = %d", p, resp.StatusCode)
		}
	}
}

func TestMenuSyncCreatesTheMenu(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"menu", "sync"}, h.getenv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	m := h.corp.Menu()
	if m == nil || len(m.Buttons) != 3 {
		t.Fatalf("menu = %+v", m)
	}
	if m.Buttons[0].Name != "公开申请" || m.Buttons[0].Key != "submit" || m.Buttons[1].Name != "我的待办" || len(m.Buttons[2].SubButton) != 5 {
		t.Fatalf("menu = %+v", m)
	}
	names := []string{}
	for _, b := range m.Buttons[2].SubButton {
		names = append(names, b.Name)
	}
	if strings.Join(names, ",") != "办公桌,登记12345,登记申请,查询,帮助" {
		t.Fatalf("更多 = %v", names)
	}
	if desk := m.Buttons[2].SubButton[0]; desk.Type != "view" || desk.URL != h.getenv("PUBLIC_BASE_URL")+"/desk" && !strings.HasSuffix(desk.URL, "/desk") {
		t.Fatalf("办公桌 = %+v, want a view item opening /desk", desk)
	}
}

func TestOutboxRetriesWhenWeComFails(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.corp.FailNext("message/send", 1, 502, 0)
	h.corp.FailNext("message/send", 1, 0, 45009)
	if _, err := h.corp.User("hejing").SendText(context.Background(), "帮助"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	msgs, err := h.corp.WaitMessages(ctx, "hejing", 1)
	if err != nil {
		t.Fatalf("message did not arrive after transient failures: %v", err)
	}
	h.quiet("hejing", len(msgs))
	if n := h.corp.APICalls("message/send"); n != 3 {
		t.Fatalf("message/send called %d times, want 3 (two failures, one success)", n)
	}
}

func TestStartupRefusesBadConfigNamingTheVariable(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": "postgres://x", "WECOM_AES_KEY": "short"}
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, io.Discard, &stderr)
	if err == nil {
		t.Fatal("serve started with a broken configuration")
	}
	for _, want := range []string{"WECOM_AES_KEY", "WECOM_CORP_ID", "REDIS_URL", "ROSTER_FILE"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s:\n%v", want, err)
		}
	}
}

func TestCommandsAndHelp(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"help"}, func(string) string { return "" }, &out, &errb); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"serve", "migrate", "demo", "menu sync", "version", "WECOM_AES_KEY", "DATABASE_URL"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
	out.Reset()
	if err := run(context.Background(), []string{"version"}, func(string) string { return "" }, &out, &errb); err != nil || !strings.HasPrefix(out.String(), "zwgk ") {
		t.Errorf("version = %q, %v", out.String(), err)
	}
	if err := run(context.Background(), []string{"frobnicate"}, func(string) string { return "" }, &out, &errb); err == nil {
		t.Error("unknown command accepted")
	}
}

func TestMigrateCommand(t *testing.T) {
	t.Parallel()
	dbURL := storagetest.NewDatabase(t)
	var out bytes.Buffer
	env := func(k string) string {
		if k == "DATABASE_URL" {
			return dbURL
		}
		return ""
	}
	if err := run(context.Background(), []string{"migrate"}, env, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "migrations applied: ") || strings.HasPrefix(out.String(), "migrations applied: 0") {
		t.Fatalf("first migrate said %q", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"migrate"}, env, &out, io.Discard); err != nil || !strings.Contains(out.String(), "applied: 0") {
		t.Fatalf("second migrate said %q, %v", out.String(), err)
	}
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// TestDemoAnswersThroughItsSandbox starts `zwgk demo` as the README's
// command does and plays one exchange through its user API. It has a
// database of its own, so that neither a developer's demo nor another
// checkout's tests (with other migrations) meet it.
func TestDemoAnswersThroughItsSandbox(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	var rnd [5]byte
	rand.Read(rnd[:])
	name := "zwgk_demo_test_" + hex.EncodeToString(rnd[:])
	env := map[string]string{
		"DATABASE_URL":  storagetest.DatabaseURL(),
		"REDIS_URL":     storagetest.RedisURL(),
		"HTTP_ADDR":     addr,
		"DEMO_DATABASE": name,
	}
	t.Cleanup(func() { dropDemoData(t, name, strings.ReplaceAll(name, "_", "-")+":") })
	var stdout syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"demo"}, func(k string) string { return env[k] }, &stdout, io.Discard)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("demo returned %v", err)
		}
	}()
	base := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo not ready: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(stdout.String(), base) || !strings.Contains(stdout.String(), "zhangwei") {
		t.Errorf("demo did not print where to look:\n%s", stdout.String())
	}
	resp, err := http.Post(base+"/sandbox/api/users/zhangwei/text", "text/plain", strings.NewReader("帮助"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "政务公开助手可以办理") {
		t.Fatalf("demo answered %d %s", resp.StatusCode, body)
	}
	resp, err = http.Post(base+"/sandbox/api/users/nobody/text", "text/plain", strings.NewReader("帮助"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("unknown demo user: status %d, want 404", resp.StatusCode)
	}
}

func TestDemoRefusesATakenPort(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	env := map[string]string{"HTTP_ADDR": ln.Addr().String()}
	err = run(context.Background(), []string{"demo"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "already in use") {
		t.Fatalf("demo on a taken port: %v, want an 'already in use' error", err)
	}
}
