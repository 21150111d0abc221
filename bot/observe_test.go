package bot_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

// notingReceiver says what became of the callback, as router.Router does.
type notingReceiver struct {
	outcome string // noted when set
	err     error
}

func (r *notingReceiver) Receive(ctx context.Context, _ *bot.Message) error {
	if r.outcome != "" {
		bot.NoteOutcome(ctx, r.outcome)
	}
	return r.err
}

type observation struct {
	outcome string
	took    time.Duration
}

// observe returns an Observe func and what it heard.
func observe() (func(string, time.Duration), func() []observation) {
	var mu sync.Mutex
	var got []observation
	return func(outcome string, took time.Duration) {
			mu.Lock()
			got = append(got, observation{outcome, took})
			mu.Unlock()
		}, func() []observation {
			mu.Lock()
			defer mu.Unlock()
			return slices.Clone(got)
		}
}

func TestCallbackObserveHearsEachOutcome(t *testing.T) {
	t.Parallel()
	target, body := tencentPost()
	for _, tt := range []struct {
		name     string
		receiver *notingReceiver
		method   string
		target   string
		status   int
		want     string
	}{
		{"handled", &notingReceiver{}, http.MethodPost, target, 200, bot.OutcomeHandled},
		{"duplicate", &notingReceiver{outcome: bot.OutcomeDuplicate}, http.MethodPost, target, 200, bot.OutcomeDuplicate},
		{"recorded as failed", &notingReceiver{outcome: bot.OutcomeFailed}, http.MethodPost, target, 200, bot.OutcomeFailed},
		{"not recorded", &notingReceiver{err: errors.New("postgres is down")}, http.MethodPost, target, 503, bot.OutcomeFailed},
		{"bad signature", &notingReceiver{}, http.MethodPost, strings.Replace(target, "msg_signature=", "msg_signature=0", 1), 403, bot.OutcomeRefused},
		{"bad timestamp", &notingReceiver{}, http.MethodPost, callbackURL(tencentPostSignature, "x", tencentPostNonce), 400, bot.OutcomeRefused},
		{"wrong method", &notingReceiver{}, http.MethodPut, target, 405, bot.OutcomeRefused},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, _ := newCallback(t, unix(t, tencentPostTimestamp), tencentAgentID)
			h.Receiver = tt.receiver
			obs, heard := observe()
			h.Observe = obs
			if w := serve(h, tt.method, tt.target, body); w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			got := heard()
			if len(got) != 1 || got[0].outcome != tt.want || got[0].took <= 0 {
				t.Errorf("observed %+v, want one %s with its duration", got, tt.want)
			}
		})
	}
}

func TestCallbackWithoutObserveIgnoresNotes(t *testing.T) {
	t.Parallel()
	h, _ := newCallback(t, unix(t, tencentPostTimestamp), tencentAgentID)
	h.Receiver = &notingReceiver{outcome: bot.OutcomeDuplicate}
	target, body := tencentPost()
	if w := serve(h, http.MethodPost, target, body); w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	bot.NoteOutcome(context.Background(), bot.OutcomeFailed) // no note in the context: nothing happens
}

func TestMPCallbackObserve(t *testing.T) {
	t.Parallel()
	obs, heard := observe()
	h := &bot.MPCallback{Token: "mptoken", Receiver: &mpRecorder{}, Now: time.Now, Log: slog.New(slog.DiscardHandler), Observe: obs}
	serve(h, http.MethodGet, "/mp/callback?signature=x&timestamp=1&nonce=n&echostr=e", nil)
	if got := heard(); len(got) != 1 || got[0].outcome != bot.OutcomeRefused {
		t.Errorf("observed %+v, want one refused", got)
	}
}

// fakeWeCom answers gettoken, and message/send from answers in turn.
type fakeWeCom struct {
	mu      sync.Mutex
	answers []string // JSON bodies; "502" for an HTTP 502
}

func (f *fakeWeCom) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/cgi-bin/gettoken" {
		fmt.Fprint(w, `{"errcode":0,"errmsg":"ok","access_token":"tok","expires_in":7200}`)
		return
	}
	f.mu.Lock()
	a := f.answers[0]
	f.answers = f.answers[1:]
	f.mu.Unlock()
	if a == "502" {
		http.Error(w, "bad gateway", http.StatusBadGateway)
		return
	}
	fmt.Fprint(w, a)
}

func TestClientObserveClassifiesEachRequest(t *testing.T) {
	t.Parallel()
	fake := &fakeWeCom{answers: []string{
		`{"errcode":40014,"errmsg":"invalid access_token"}`, // the token is fetched again and the call repeated
		`{"errcode":0,"errmsg":"ok","msgid":"m1"}`,
		`{"errcode":45009,"errmsg":"api freq out of limit"}`,
		"502",
		`{"errcode":81013,"errmsg":"user & party & tag all invalid"}`,
	}}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	hc, err := bot.NewHTTPClient(map[string]string{bot.WeComHost: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	c := bot.NewClient("wwobs", 1000002, "s", hc, storagetest.NewRedis(t), slog.New(slog.DiscardHandler))
	var mu sync.Mutex
	var got []string
	c.Observe = func(api, class string) {
		mu.Lock()
		got = append(got, api+" "+class)
		mu.Unlock()
	}
	ctx := context.Background()
	for range 4 {
		c.Send(ctx, bot.TextMessage("lisi", "hi"))
	}
	want := []string{
		"gettoken ok", "message/send token", "gettoken ok", "message/send ok",
		"message/send ratelimit", "message/send http", "message/send other",
	}
	if !slices.Equal(got, want) {
		t.Errorf("observed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
