package bot_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/sandbox"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

type mpRecorder struct {
	mu   sync.Mutex
	msgs []*bot.Message
	// fail is how many of the next calls fail (as when Postgres is
	// unavailable): the endpoint answers 503 and WeChat posts again.
	fail int
}

func (r *mpRecorder) ReceiveMP(_ context.Context, m *bot.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail > 0 {
		r.fail--
		return errors.New("not recorded")
	}
	r.msgs = append(r.msgs, m)
	return nil
}

func (r *mpRecorder) contents() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, m := range r.msgs {
		out = append(out, m.Content)
	}
	return out
}

func (r *mpRecorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.msgs)
}

const mpKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"

// mpEndpoint serves an MPCallback (safe mode when safe) to a sandbox 公众号
// of appID, which signs with token.
func mpEndpoint(t *testing.T, safe bool, appID, token string) (*sandbox.MP, *mpRecorder) {
	t.Helper()
	rec := &mpRecorder{}
	h := &bot.MPCallback{Token: "mptoken", Receiver: rec, Now: time.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if safe {
		cr, err := bot.NewCrypto("mptoken", mpKey, "wxbot")
		if err != nil {
			t.Fatal(err)
		}
		h.Crypto = cr
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	sb := sandbox.New()
	sb.RetryDelay = time.Millisecond
	mp, err := sb.AddMP(sandbox.MPConfig{AppID: appID, Secret: "s", Token: token, EncodingAESKey: mpKey, CallbackURL: srv.URL, SafeMode: safe})
	if err != nil {
		t.Fatal(err)
	}
	return mp, rec
}

func TestMPCallbackURLCheckEchoesAsIs(t *testing.T) {
	t.Parallel()
	mp, _ := mpEndpoint(t, true, "wxbot", "mptoken")
	st, body, err := mp.VerifyURL(context.Background(), "1234567890123456789")
	if err != nil || st != 200 || body != "1234567890123456789" {
		t.Fatalf("URL check = %d %q, %v", st, body, err)
	}
	forger, _ := mpEndpoint(t, true, "wxbot", "wrongtoken")
	// A signature made with another token, sent to the first endpoint.
	q := forger.Sign("", "")
	q.Set("echostr", "x")
	resp, err := http.Get(mp.Config().CallbackURL + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("forged URL check = %d, want 403", resp.StatusCode)
	}
}

func TestMPCallbackPlainAndSafeMode(t *testing.T) {
	t.Parallel()
	for _, safe := range []bool{false, true} {
		mp, rec := mpEndpoint(t, safe, "wxbot", "mptoken")
		f := mp.Follower("oFollower")
		if st, err := f.Follow(context.Background()); err != nil || st != 200 {
			t.Fatalf("safe=%v: follow = %d, %v", safe, st, err)
		}
		if st, err := f.SendText(context.Background(), "订阅"); err != nil || st != 200 {
			t.Fatalf("safe=%v: text = %d, %v", safe, st, err)
		}
		if st, err := f.ClickMenu(context.Background(), "subscribe_notices"); err != nil || st != 200 {
			t.Fatalf("safe=%v: click = %d, %v", safe, st, err)
		}
		if rec.count() != 3 {
			t.Fatalf("safe=%v: %d messages received, want 3", safe, rec.count())
		}
		m := rec.msgs
		if m[0].Event != bot.MPEventSubscribe || m[1].Content != "订阅" || m[1].MsgID == "" || m[2].Event != bot.MPEventClick ||
			m[2].EventKey != "subscribe_notices" || m[2].FromUserName != "oFollower" {
			t.Fatalf("safe=%v: parsed %+v %+v %+v", safe, m[0], m[1], m[2])
		}
	}
}

func TestMPCallbackRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	plain := []byte(`<xml><ToUserName><![CDATA[gh_x]]></ToUserName><FromUserName><![CDATA[oX]]></FromUserName>` +
		`<CreateTime>` + strconv.FormatInt(time.Now().Unix(), 10) + `</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
		`<Content><![CDATA[订阅]]></Content><MsgId>1</MsgId></xml>`)

	safeMP, safeRec := mpEndpoint(t, true, "wxbot", "mptoken")
	plainMP, plainRec := mpEndpoint(t, false, "wxbot", "mptoken")
	otherApp, _ := mpEndpoint(t, true, "wxother", "mptoken") // right token, wrong AppID

	sq, sbody, err := safeMP.Seal(plain)
	if err != nil {
		t.Fatal(err)
	}
	pq, pbody, _ := plainMP.Seal(plain)
	oq, obody, _ := otherApp.Seal(plain)
	with := func(q url.Values, k, v string) url.Values {
		c := url.Values{}
		for kk, vv := range q {
			c[kk] = append([]string(nil), vv...)
		}
		if v == "" {
			c.Del(k)
		} else {
			c.Set(k, v)
		}
		return c
	}
	stale := strconv.FormatInt(time.Now().Add(-11*time.Minute).Unix(), 10)
	cases := []struct {
		name string
		mp   *sandbox.MP
		q    url.Values
		body []byte
		want int
	}{
		{"plain: forged signature", plainMP, with(pq, "signature", "0000000000000000000000000000000000000000"), pbody, 403},
		{"plain: no signature", plainMP, with(pq, "signature", ""), pbody, 403},
		{"plain: stale timestamp", plainMP, with(pq, "timestamp", stale), pbody, 403},
		{"plain: not xml", plainMP, pq, []byte("hello"), 400},
		{"plain: too large", plainMP, pq, bytes.Repeat([]byte("x"), 70<<10), 413},
		{"plain: safe mode not configured", plainMP, sq, sbody, 400},
		{"safe: plain body refused", safeMP, pq, pbody, 403},
		{"safe: forged msg_signature", safeMP, with(sq, "msg_signature", "0000000000000000000000000000000000000000"), sbody, 403},
		{"safe: another app's message", safeMP, oq, obody, 403},
		{"safe: unknown encrypt_type", safeMP, with(sq, "encrypt_type", "des"), sbody, 400},
		{"safe: tampered ciphertext", safeMP, sq, bytes.Replace(sbody, []byte("<Encrypt><![CDATA["), []byte("<Encrypt><![CDATA[AAAA"), 1), 403},
	}
	for _, c := range cases {
		st, err := c.mp.PostRaw(ctx, c.q, c.body)
		if err != nil || st != c.want {
			t.Errorf("%s: status %d, %v; want %d", c.name, st, err, c.want)
		}
	}
	if n := safeRec.count() + plainRec.count(); n != 0 {
		t.Fatalf("%d refused callbacks reached the receiver", n)
	}
	// The genuine ones pass.
	if st, _ := safeMP.PostRaw(ctx, sq, sbody); st != 200 {
		t.Fatalf("genuine safe callback: %d", st)
	}
	if st, _ := plainMP.PostRaw(ctx, pq, pbody); st != 200 {
		t.Fatalf("genuine plain callback: %d", st)
	}
}

// followerText is a follower's text message as WeChat posts it.
func followerText(openid, content string, msgID int) []byte {
	return []byte(`<xml><ToUserName><![CDATA[gh_x]]></ToUserName><FromUserName><![CDATA[` + openid + `]]></FromUserName>` +
		`<CreateTime>` + strconv.FormatInt(time.Now().Unix(), 10) + `</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
		`<Content><![CDATA[` + content + `]]></Content><MsgId>` + strconv.Itoa(msgID) + `</MsgId></xml>`)
}

// replica is one bot process's 公众号 endpoint, with its own memory and
// the Redis it is given.
func replica(t *testing.T, crypto *bot.Crypto, guard bot.ReplayGuard) (string, *mpRecorder) {
	t.Helper()
	rec := &mpRecorder{}
	h := &bot.MPCallback{Token: "mptoken", Crypto: crypto, Receiver: rec, Now: time.Now, Replay: guard,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL, rec
}

func postTo(t *testing.T, url string, q url.Values, body []byte) int {
	t.Helper()
	resp, err := http.Post(url+"?"+q.Encode(), "text/xml", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// signer signs callbacks as the 公众号 platform does; its own callback
// URL is not used.
func signer(t *testing.T, safe bool) *sandbox.MP {
	t.Helper()
	mp, err := sandbox.New().AddMP(sandbox.MPConfig{AppID: "wxbot", Secret: "s", Token: "mptoken", EncodingAESKey: mpKey,
		CallbackURL: "http://127.0.0.1:1/", SafeMode: safe})
	if err != nil {
		t.Fatal(err)
	}
	return mp
}

// TestMPPlainReplayWithAnotherBodyRefused: in plain mode the signature
// covers only timestamp and nonce. A captured query string posted again
// with another body (a forged 退订) is refused, on the replica that saw
// the original and on another sharing its Redis; the genuine post and
// WeChat's retry of it (same query, same body) are answered.
func TestMPPlainReplayWithAnotherBodyRefused(t *testing.T) {
	t.Parallel()
	rdb := storagetest.NewRedis(t)
	a, recA := replica(t, nil, rdb)
	b, recB := replica(t, nil, rdb)
	mp := signer(t, false)
	q, genuine, err := mp.Seal(followerText("oVictim", "订阅", 1))
	if err != nil {
		t.Fatal(err)
	}
	forged := followerText("oVictim", "退订", 2)

	if st := postTo(t, a, q, genuine); st != http.StatusOK {
		t.Fatalf("genuine post: %d", st)
	}
	if st := postTo(t, a, q, forged); st != http.StatusForbidden {
		t.Fatalf("replay with another body, same replica: %d, want 403", st)
	}
	if st := postTo(t, b, q, forged); st != http.StatusForbidden {
		t.Fatalf("replay with another body, other replica: %d, want 403", st)
	}
	// WeChat's retry: the receiver gets it again and its inbox makes the
	// repeat do nothing.
	if st := postTo(t, b, q, genuine); st != http.StatusOK {
		t.Fatalf("genuine retry on the other replica: %d", st)
	}
	if got := fmt.Sprint(recA.contents(), recB.contents()); got != "[订阅] [订阅]" {
		t.Fatalf("received %s, want the genuine message on each replica and no 退订", got)
	}
	// Another follower's message with fresh timestamp and nonce is not
	// affected.
	q2, other, _ := mp.Seal(followerText("oOther", "退订", 3))
	if st := postTo(t, a, q2, other); st != http.StatusOK {
		t.Fatalf("a fresh callback: %d", st)
	}
}

// TestMPPlainRetryAfterFailureAnswered: the first post is not recorded
// (503); WeChat posts the same query and body again and it is handled,
// not taken for a replay.
func TestMPPlainRetryAfterFailureAnswered(t *testing.T) {
	t.Parallel()
	mp, rec := mpEndpoint(t, false, "wxbot", "mptoken")
	rec.fail = 1
	f := mp.Follower("oRetry")
	if _, err := f.Follow(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := rec.count(); got != 1 {
		t.Fatalf("follow: %d messages recorded after the retry, want 1", got)
	}
	rec.fail = 2
	if st, err := f.SendText(context.Background(), "订阅"); err != nil || st != http.StatusOK {
		t.Fatalf("text through two failures: %d, %v", st, err)
	}
	if got := rec.contents(); len(got) != 2 || got[1] != "订阅" {
		t.Fatalf("recorded %q", got)
	}
}

// TestMPReplayGuardWithRedisDown: without Redis the genuine callback is
// still answered (refusing would lose it) and this replica's memory still
// refuses the replay.
func TestMPReplayGuardWithRedisDown(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	down := &storage.Redis{Client: redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1}), Prefix: "down:"}
	t.Cleanup(func() { down.Close() })
	a, rec := replica(t, nil, down)
	q, genuine, _ := signer(t, false).Seal(followerText("oV", "订阅", 1))
	if st := postTo(t, a, q, genuine); st != http.StatusOK {
		t.Fatalf("genuine post with Redis down: %d", st)
	}
	if st := postTo(t, a, q, followerText("oV", "退订", 2)); st != http.StatusForbidden {
		t.Fatalf("replay with Redis down: %d, want 403", st)
	}
	if st := postTo(t, a, q, genuine); st != http.StatusOK {
		t.Fatalf("genuine retry with Redis down: %d", st)
	}
	if got := rec.contents(); len(got) != 2 || got[0] != "订阅" || got[1] != "订阅" {
		t.Fatalf("recorded %q", got)
	}
}

// TestMPSafeModeNeedsNoReplayGuard: in safe mode the body is bound to the
// Token; the same callback twice is answered both times (the inbox
// deduplicates) and nothing else can be sent under its query.
func TestMPSafeModeNeedsNoReplayGuard(t *testing.T) {
	t.Parallel()
	cr, err := bot.NewCrypto("mptoken", mpKey, "wxbot")
	if err != nil {
		t.Fatal(err)
	}
	a, rec := replica(t, cr, nil)
	mp := signer(t, true)
	q, body, _ := mp.Seal(followerText("oS", "订阅", 1))
	_, otherBody, _ := mp.Seal(followerText("oS", "退订", 2))
	for range 2 {
		if st := postTo(t, a, q, body); st != http.StatusOK {
			t.Fatalf("safe callback: %d", st)
		}
	}
	if st := postTo(t, a, q, otherBody); st != http.StatusForbidden {
		t.Fatalf("another ciphertext under the query: %d, want 403 (msg_signature)", st)
	}
	if rec.count() != 2 {
		t.Fatalf("%d received, want 2", rec.count())
	}
}
