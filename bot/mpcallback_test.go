package bot_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/sandbox"
)

type mpRecorder struct {
	mu   sync.Mutex
	msgs []*bot.Message
}

func (r *mpRecorder) ReceiveMP(_ context.Context, m *bot.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
	return nil
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
