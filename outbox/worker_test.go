package outbox_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/outbox"
	"github.com/zwgk-bot/zwgk/sandbox"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

type fixture struct {
	db     *storage.DB
	corp   *sandbox.Corp
	worker *outbox.Worker
	now    time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	sb := sandbox.New()
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	corp, err := sb.AddCorp(sandbox.CorpConfig{
		CorpID: "wwout", Secret: "s", AgentID: 7, Token: "t",
		EncodingAESKey: "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
		CallbackURL:    "http://127.0.0.1:1/", Users: []string{"a", "b"},
	})
	if err != nil {
		t.Fatal(err)
	}
	hc, _ := bot.NewHTTPClient(map[string]string{bot.WeComHost: srv.URL})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db := storagetest.NewDB(t)
	client := bot.NewClient("wwout", 7, "s", hc, storagetest.NewRedis(t), log)
	f := &fixture{db: db, corp: corp, worker: outbox.NewWorker(db, client, log), now: time.Now()}
	f.worker.Now = func() time.Time { return f.now }
	return f
}

func (f *fixture) enqueue(t *testing.T, to, text string) int64 {
	t.Helper()
	id, err := storage.Enqueue(context.Background(), f.db, storage.KindMessage, to, bot.TextMessage(to, text), "")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// drain runs delivery rounds, advancing the clock past any backoff, until
// nothing is due.
func (f *fixture) drain(t *testing.T) {
	t.Helper()
	for range 50 {
		n, err := f.worker.DeliverDue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			var pending int
			f.db.GetContext(context.Background(), &pending, `SELECT count(*) FROM outbox WHERE status = 'pending'`)
			if pending == 0 {
				return
			}
			f.now = f.now.Add(11 * time.Minute)
		}
	}
	t.Fatal("outbox did not drain")
}

func texts(msgs []sandbox.Received) string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Text)
	}
	return strings.Join(out, ",")
}

func TestDeliversInOrderPerRecipientThroughFaults(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, s := range []string{"1", "2", "3"} {
		f.enqueue(t, "a", s)
		f.enqueue(t, "b", s)
	}
	f.corp.FailNext("message/send", 2, 0, 45009)
	f.corp.FailNext("message/send", 1, 500, 0)
	f.corp.FailNext("gettoken", 1, 503, 0)
	f.drain(t)
	if got := texts(f.corp.Messages("a")); got != "1,2,3" {
		t.Errorf("a received %q, want 1,2,3", got)
	}
	if got := texts(f.corp.Messages("b")); got != "1,2,3" {
		t.Errorf("b received %q, want 1,2,3", got)
	}
	sent, _ := f.db.ListOutbox(context.Background(), "sent", 10)
	if len(sent) != 6 {
		t.Fatalf("%d rows sent, want 6", len(sent))
	}
}

func TestPermanentErrorMarksFailedWithoutBlockingOthers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enqueue(t, "ghost", "for nobody")
	f.enqueue(t, "a", "hello")
	f.drain(t)
	failed, _ := f.db.ListOutbox(context.Background(), "failed", 10)
	if len(failed) != 1 || failed[0].Recipient != "ghost" || !strings.Contains(failed[0].LastError, "81013") {
		t.Fatalf("failed rows = %+v, want the one to ghost with 81013", failed)
	}
	if failed[0].Attempts != 1 {
		t.Fatalf("permanent error retried: %d attempts", failed[0].Attempts)
	}
	if got := texts(f.corp.Messages("a")); got != "hello" {
		t.Fatalf("a received %q", got)
	}
}

func TestCardSendKeepsResponseCode(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	card := bot.TemplateCard{
		CardType: bot.CardButtonInteraction, TaskID: "form-1-s1",
		MainTitle:  &bot.CardTitle{Title: "信息公开审批"},
		ButtonList: []bot.CardButton{{Text: "同意", Key: "approve"}},
	}
	if _, err := storage.Enqueue(context.Background(), f.db, storage.KindMessage, "a", bot.CardMessage(card, "a"), "card:form-1-s1"); err != nil {
		t.Fatal(err)
	}
	f.drain(t)
	rows, _ := f.db.ListOutbox(context.Background(), "sent", 1)
	if len(rows) != 1 || rows[0].Result == nil {
		t.Fatalf("sent rows = %d, want 1 with a result", len(rows))
	}
	var res struct {
		ResponseCode string `json:"response_code"`
	}
	if err := json.Unmarshal(*rows[0].Result, &res); err != nil {
		t.Fatal(err)
	}
	msgs := f.corp.Messages("a")
	if len(msgs) != 1 || res.ResponseCode == "" || res.ResponseCode != msgs[0].ResponseCode {
		t.Fatalf("kept response_code %q, the card's is %q", res.ResponseCode, msgs[0].ResponseCode)
	}
}
