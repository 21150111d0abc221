package outbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/outbox"
	"github.com/zwgk-bot/zwgk/sandbox"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

type fixture struct {
	db     *storage.DB
	redis  *storage.Redis
	sb     *sandbox.Sandbox
	corp   *sandbox.Corp
	client *bot.Client
	worker *outbox.Worker
	log    *slog.Logger
	now    time.Time
	dbURL  string // the test's own database
	srvURL string // the sandbox's API
	// intercept, when set, serves the sandbox's API calls instead of the
	// sandbox itself (it may call next).
	intercept atomic.Pointer[func(w http.ResponseWriter, r *http.Request, next http.Handler)]
}

// newFixture starts a sandbox corp and a worker on a database of its own.
// users restricts the corp's members; nil means a, b and c.
func newFixture(t *testing.T, users ...string) *fixture {
	t.Helper()
	return newFixtureOn(t, storagetest.NewDatabase(t), users...)
}

// newFixtureOn is newFixture on the empty database dbURL.
func newFixtureOn(t *testing.T, dbURL string, users ...string) *fixture {
	t.Helper()
	if users == nil {
		users = []string{"a", "b", "c"}
	}
	if len(users) == 1 && users[0] == "*" {
		users = nil // anyone
	}
	f := &fixture{sb: sandbox.New(), now: time.Now()}
	api := f.sb.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := f.intercept.Load(); h != nil {
			(*h)(w, r, api)
			return
		}
		api.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	corp, err := f.sb.AddCorp(sandbox.CorpConfig{
		CorpID: "wwout", Secret: "s", AgentID: 7, Token: "t",
		EncodingAESKey: "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
		CallbackURL:    "http://127.0.0.1:1/", Users: users,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.srvURL = srv.URL
	hc, _ := bot.NewHTTPClient(map[string]string{bot.WeComHost: srv.URL})
	f.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	f.dbURL = dbURL
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if f.db, err = storage.Open(ctx, f.dbURL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.db.Close() }) // before the database is dropped
	if _, err := f.db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	f.redis = storagetest.NewRedis(t)
	f.corp = corp
	f.client = bot.NewClient("wwout", 7, "s", hc, f.redis, f.log)
	f.worker = f.newWorker()
	return f
}

// newWorker is a worker on the fixture's clock: what a restarted process
// would build.
func (f *fixture) newWorker() *outbox.Worker {
	w := outbox.NewWorker(f.db, f.client, f.log)
	w.Now = func() time.Time { return f.now }
	w.CallTimeout = 2 * time.Second
	return w
}

func (f *fixture) enqueue(t *testing.T, to, text string) int64 {
	t.Helper()
	id, err := storage.Enqueue(context.Background(), f.db, storage.KindMessage, to, bot.TextMessage(to, text), "")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *fixture) pending(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.db.GetContext(context.Background(), &n, `SELECT count(*) FROM outbox WHERE status = 'pending'`); err != nil {
		t.Fatal(err)
	}
	return n
}

// drain runs delivery rounds, advancing the clock past any backoff or
// lease, until nothing is pending.
func (f *fixture) drain(t *testing.T) {
	t.Helper()
	// Bounded by real time, not by rounds: a call the sandbox answers late
	// is in flight for real seconds, which rounds on an idle machine pass
	// in a blink and a loaded machine stretches.
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		n, err := f.worker.DeliverDue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			if f.pending(t) == 0 {
				return
			}
			// Past any lease, and past the soonest retry (which may be
			// the next day: the 公众号's daily quota).
			var soonest time.Time
			f.db.GetContext(context.Background(), &soonest, `SELECT min(next_attempt_at) FROM outbox WHERE status = 'pending'`)
			f.now = f.now.Add(11 * time.Minute)
			if soonest.After(f.now) {
				f.now = soonest.Add(time.Second)
			}
			time.Sleep(10 * time.Millisecond) // a late answer on its way
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
	f.worker.CallTimeout = 300 * time.Millisecond
	for _, s := range []string{"1", "2", "3", "4"} {
		f.enqueue(t, "a", s)
		f.enqueue(t, "b", s)
		f.enqueue(t, "c", s)
	}
	f.corp.FailNext("message/send", 2, 0, 45009)
	f.corp.FailNext("message/send", 1, 0, 45033)
	f.corp.FailNext("message/send", 1, 500, 0)
	f.corp.FailNext("message/send", 1, 0, 42001) // token expired: refreshed within the call
	f.corp.FailNext("gettoken", 1, 503, 0)
	// A timeout: WeCom delivers, but the answer comes after the worker
	// gave up. The retry must not show the message twice.
	f.corp.DelayNext("message/send", 2, time.Second)
	f.drain(t)
	for _, u := range []string{"a", "b", "c"} {
		if got := texts(f.corp.Messages(u)); got != "1,2,3,4" {
			t.Errorf("%s received %q, want 1,2,3,4 once each, in order", u, got)
		}
	}
	sent, _ := f.db.ListOutbox(context.Background(), "sent", 20)
	if len(sent) != 12 {
		t.Fatalf("%d rows sent, want 12", len(sent))
	}
	if f.corp.Duplicates() < 1 {
		t.Fatal("no retry of a timed-out send reached WeCom's duplicate check")
	}
}

// TestKilledWorkerRestartsAndDeliversExactlyOnce kills the worker right
// after WeCom accepted a call and before the row is marked: the answer
// never arrives and the database is out of reach for the dying worker.
// Its Postgres session lives on (this process keeps it), as when Postgres
// has not seen a worker's end: a new worker takes the rows once their
// lease runs out. TestKilledProcessRowsGoOnAtOnce kills a process for
// real, whose rows go on at once.
func TestKilledWorkerRestartsAndDeliversExactlyOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "*")
	users := []string{"u1", "u2", "u3", "u4", "u5"}
	want := map[string][]string{}
	for i := range 3 {
		for _, u := range users {
			text := fmt.Sprintf("%s 的第%d条", u, i+1)
			f.enqueue(t, u, text)
			want[u] = append(want[u], text)
		}
	}
	// A legitimate repeat: the same text to the same person, queued while
	// the first is pending. It must arrive twice.
	f.enqueue(t, "u1", "帮助")
	f.enqueue(t, "u1", "帮助")
	want["u1"] = append(want["u1"], "帮助", "帮助")

	ctx, kill := context.WithCancel(context.Background())
	var calls atomic.Int32
	hook := func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if !strings.HasSuffix(r.URL.Path, "/message/send") || calls.Add(1) != 3 {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(httptest.NewRecorder(), r) // delivered
		kill()                                    // the process dies before it hears so
		<-r.Context().Done()
	}
	f.intercept.Store(&hook)
	f.now = time.Now().Add(time.Second) // the rows are due
	n, _ := f.worker.DeliverDue(ctx)
	if n == 0 {
		t.Fatal("the first worker claimed nothing")
	}
	f.intercept.Store(nil)
	var leased int
	f.db.GetContext(context.Background(), &leased, `SELECT count(*) FROM outbox WHERE status = 'pending' AND locked_until IS NOT NULL`)
	if leased == 0 {
		t.Fatal("the killed worker left no row in flight")
	}

	// The restart: a new worker, after the dead one's lease has expired.
	f.now = f.now.Add(2 * time.Minute)
	f.worker = f.newWorker()
	f.drain(t)
	for _, u := range users {
		if got, w := texts(f.corp.Messages(u)), strings.Join(want[u], ","); got != w {
			t.Errorf("%s received %q, want %q", u, got, w)
		}
	}
	if f.corp.Duplicates() < 1 {
		t.Fatal("the resent rows never met WeCom's duplicate check")
	}
	var dup []bool
	f.db.SelectContext(context.Background(), &dup, `SELECT dup_check FROM outbox WHERE recipient = 'u1' ORDER BY id`)
	if len(dup) != 5 || !dup[0] || !dup[3] || dup[4] {
		t.Fatalf("u1's dup_check flags %v: want the repeated 帮助 without it", dup)
	}
}

func TestPermanentErrorMarksFailedWithoutBlockingOthers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	since := f.now.Add(-time.Second)
	f.enqueue(t, "ghost", "给不存在的人")
	f.enqueue(t, "a", "hello")
	f.drain(t)
	failed, _ := f.db.ListOutbox(context.Background(), "failed", 10)
	if len(failed) != 1 || failed[0].Recipient != "ghost" || !strings.Contains(failed[0].LastError, "81013") || failed[0].ErrorCode != 81013 {
		t.Fatalf("failed rows = %+v, want the one to ghost with 81013", failed)
	}
	if failed[0].Attempts != 1 {
		t.Fatalf("permanent error retried: %d attempts", failed[0].Attempts)
	}
	if got := texts(f.corp.Messages("a")); got != "hello" {
		t.Fatalf("a received %q", got)
	}

	names := func(u string) string { return map[string]string{"ghost": "鬼"}[u] }
	text, err := outbox.FailureSummary(context.Background(), f.db, since, names)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"1 条消息未能送达", "鬼（ghost）", "给不存在的人", "接收人不存在", "81013", fmt.Sprintf("编号 %d", failed[0].ID), "zwgk outbox retry"} {
		if !strings.Contains(text, w) {
			t.Errorf("summary lacks %q:\n%s", w, text)
		}
	}
	if strings.Contains(text, "hello") {
		t.Errorf("summary lists a delivered message:\n%s", text)
	}
	later, err := outbox.FailureSummary(context.Background(), f.db, f.now.Add(time.Hour), names)
	if err != nil || later != "" {
		t.Fatalf("summary of a quiet day = %q, %v; want empty", later, err)
	}
}

func TestRetriesExhaustedFail(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.worker.MaxAttempts = 3
	var mu sync.Mutex
	var observed []string // what the metrics hear
	f.worker.Observe = func(kind, result string, lag time.Duration) {
		mu.Lock()
		observed = append(observed, kind+" "+result)
		mu.Unlock()
	}
	f.corp.FailNext("message/send", 5, 503, 0)
	f.enqueue(t, "a", "x")
	f.drain(t)
	mu.Lock()
	if want := []string{"message retry", "message retry", "message failed"}; !slices.Equal(observed, want) {
		t.Errorf("observed %q, want %q", observed, want)
	}
	mu.Unlock()
	failed, _ := f.db.ListOutbox(context.Background(), "failed", 10)
	if len(failed) != 1 || failed[0].Attempts != 3 || !failed[0].FailedAt.Valid {
		t.Fatalf("failed = %+v, want one row given up after 3 attempts", failed)
	}
	text, _ := outbox.FailureSummary(context.Background(), f.db, f.now.Add(-time.Hour), nil)
	if !strings.Contains(text, "多次重试仍未成功") {
		t.Fatalf("summary = %q", text)
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

// TestBurstRespectsConfiguredRate queues 300 messages at once (a 09:00
// burst) with message/send limited to 100 a second: one second's worth
// goes at once, the rest 10 ms apart, so WeCom sees them over at least 2
// seconds and never more than the rate and its one-second burst in any
// second.
func TestBurstRespectsConfiguredRate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "*")
	f.worker.Limiter = outbox.NewLimiter(f.redis, map[string]config.Rate{"message/send": {N: 100, Per: time.Second}})
	f.worker.Now = time.Now
	f.worker.Batch = 100
	f.worker.Concurrency = 16
	var times []time.Time
	var mu sync.Mutex
	hook := func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if strings.HasSuffix(r.URL.Path, "/message/send") {
			mu.Lock()
			times = append(times, time.Now())
			mu.Unlock()
		}
		next.ServeHTTP(w, r)
	}
	f.intercept.Store(&hook)
	const n = 300
	for i := range n {
		f.enqueue(t, fmt.Sprintf("p%03d", i), "【待办提醒】您有 1 件待处理")
	}
	start := time.Now()
	for f.pending(t) > 0 {
		if _, err := f.worker.DeliverDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		if time.Since(start) > 30*time.Second {
			t.Fatal("burst not delivered within 30 s")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(times) != n {
		t.Fatalf("%d calls of message/send, want %d", len(times), n)
	}
	// From the start, not from the first call: a call late for its slot
	// (a loaded machine) brings the first nearer the last, while the last
	// slot is two seconds after the first slot however late any call is.
	if span := times[len(times)-1].Sub(start); span < 1950*time.Millisecond {
		t.Fatalf("300 messages went out in %s, faster than 100/s allows", span)
	}
	// No call starts before its slot: the i-th needs i+1 tokens, of which
	// the burst gives 100 and the rate 100 a second from the start. (A
	// window count of observed calls would fail on a loaded machine: calls
	// late for their slots bunch with the next ones, which the limiter
	// cannot help and does not cause.)
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	const slack = 20 * time.Millisecond // the clocks of Redis and the test
	for i, at := range times {
		if i < 100 {
			continue
		}
		slot := start.Add(time.Duration(i-99) * 10 * time.Millisecond)
		if at.Before(slot.Add(-slack)) {
			t.Fatalf("call %d at %s after the start, before its slot at %s", i, at.Sub(start), slot.Sub(start))
		}
	}
}

// TestRecipientPacing: WeCom drops messages above 30 a minute and 1000 an
// hour per member without an error, so one person's backlog is paced.
func TestRecipientPacing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.worker.Pace = storage.Pace{Kinds: []string{storage.KindMessage}, PerMinute: 25, PerHour: 28}
	for i := range 30 {
		f.enqueue(t, "a", fmt.Sprint(i))
	}
	f.enqueue(t, "b", "b0")
	f.now = time.Now().Add(time.Second) // the rows are due
	deliverNow := func() {
		for {
			n, err := f.worker.DeliverDue(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				return
			}
		}
	}
	deliverNow()
	if got := len(f.corp.Messages("a")); got != 25 {
		t.Fatalf("a received %d in the first minute, want 25", got)
	}
	if got := len(f.corp.Messages("b")); got != 1 {
		t.Fatalf("b waited behind a's pacing: %d messages", got)
	}
	f.now = f.now.Add(61 * time.Second)
	deliverNow()
	if got := len(f.corp.Messages("a")); got != 28 {
		t.Fatalf("a received %d within the hour, want 28", got)
	}
	f.now = f.now.Add(time.Hour)
	deliverNow()
	msgs := f.corp.Messages("a")
	if len(msgs) != 30 || msgs[29].Text != "29" {
		t.Fatalf("a received %d, want all 30 in order", len(msgs))
	}
}

// TestCardWhoseAnswerWasLostIsDeliveredOnce: WeCom shows the card but the
// answer of message/send never arrives. The retry meets the task_id
// WeCom already has (42014): the row is sent, the card arrived once, and
// the office is not told of a failure.
func TestCardWhoseAnswerWasLostIsDeliveredOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	since := f.now.Add(-time.Second)
	var mu sync.Mutex
	var observed []string
	f.worker.Observe = func(kind, result string, lag time.Duration) {
		mu.Lock()
		observed = append(observed, kind+" "+result)
		mu.Unlock()
	}
	card := bot.TemplateCard{
		CardType: bot.CardButtonInteraction, TaskID: "f1v1p-lost",
		MainTitle:  &bot.CardTitle{Title: "信息公开审批"},
		ButtonList: []bot.CardButton{{Text: "同意", Key: "approve"}},
	}
	if _, err := storage.Enqueue(context.Background(), f.db, storage.KindMessage, "a", bot.CardMessage(card, "a"), "card:f1v1p-lost"); err != nil {
		t.Fatal(err)
	}
	f.corp.DropAnswerNext("message/send", 1, `"task_id":"f1v1p-lost"`)
	f.drain(t)

	if msgs := f.corp.Messages("a"); len(msgs) != 1 || msgs[0].Card == nil || msgs[0].Card.TaskID != "f1v1p-lost" {
		t.Fatalf("a received %+v, want the card once", msgs)
	}
	if n := f.corp.APICalls("message/send"); n != 2 {
		t.Fatalf("%d calls of message/send, want 2 (the lost one and its retry)", n)
	}
	rows, _ := f.db.ListOutbox(context.Background(), "sent", 5)
	if len(rows) != 1 || rows[0].Attempts != 2 || rows[0].Result == nil || !strings.Contains(string(*rows[0].Result), "earlier_attempt") {
		t.Fatalf("sent rows = %+v, want the card sent on its second attempt by the earlier one", rows)
	}
	code, _, err := storage.SentResponseCode(context.Background(), f.db, "f1v1p-lost")
	if err != nil || code != "" {
		t.Fatalf("response_code of the lost answer = %q, %v; want none on record", code, err)
	}
	if failed, _ := f.db.ListOutbox(context.Background(), "failed", 5); len(failed) != 0 {
		t.Fatalf("failed rows %+v", failed)
	}
	if text, err := outbox.FailureSummary(context.Background(), f.db, since, nil); err != nil || text != "" {
		t.Fatalf("failure summary = %q, %v; want none", text, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"message retry", "message sent"}; !slices.Equal(observed, want) {
		t.Fatalf("observed %q, want %q", observed, want)
	}
}

// TestCardCodesOnFirstAttemptAreErrors: 42014 and 60140 mean "done
// before" only on a retry. On a first attempt 42014 is a real failure;
// 60140 means the update's code lapsed (72 hours) or was used, which is no
// delivery failure: the row is lapsed and the office is not told. 42015
// (another app's card) is a configuration error on any attempt.
func TestCardCodesOnFirstAttemptAreErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	since := f.now.Add(-time.Second)
	card := bot.TemplateCard{
		CardType: bot.CardButtonInteraction, TaskID: "twice",
		MainTitle:  &bot.CardTitle{Title: "信息公开审批"},
		ButtonList: []bot.CardButton{{Text: "同意", Key: "approve"}},
	}
	ctx := context.Background()
	for _, to := range []string{"a", "b"} { // the same task_id twice: a bug
		if _, err := storage.Enqueue(ctx, f.db, storage.KindMessage, to, bot.CardMessage(card, to), ""); err != nil {
			t.Fatal(err)
		}
	}
	f.drain(t)
	upd := bot.CardUpdate{UserIDs: []string{"a"}, ResponseCode: "never-issued", Button: &bot.ReplaceName{ReplaceName: "已同意"}}
	if _, err := storage.Enqueue(ctx, f.db, storage.KindCardUpdate, "a", upd, ""); err != nil {
		t.Fatal(err)
	}
	// Delivered before the next is queued: two recipients' rows go out
	// concurrently, and the failure below must meet c's, not a's.
	f.drain(t)
	f.corp.FailNext("message/update_template_card", 1, 0, 42015)
	upd2 := upd
	upd2.UserIDs = []string{"c"}
	if _, err := storage.Enqueue(ctx, f.db, storage.KindCardUpdate, "c", upd2, ""); err != nil {
		t.Fatal(err)
	}
	f.drain(t)
	failed, _ := f.db.ListOutbox(ctx, "failed", 10)
	codes := map[string]int{}
	for _, r := range failed {
		codes[r.Kind+":"+r.Recipient] = r.ErrorCode
		if r.Attempts != 1 {
			t.Errorf("%s %s retried %d times", r.Kind, r.Recipient, r.Attempts)
		}
	}
	// Which of the two updates meets the injected 42015 depends on the
	// order they go out in; the other presents a code never issued.
	if len(codes) != 2 || codes["card_update:a"]+codes["card_update:c"] != 42015 || codes["message:a"]+codes["message:b"] != 42014 {
		t.Fatalf("failed rows %v, want one card 42014 and one update 42015", codes)
	}
	lapsed, _ := f.db.ListOutbox(ctx, "lapsed", 10)
	if len(lapsed) != 1 || lapsed[0].ErrorCode != 60140 || lapsed[0].Attempts != 1 || codes["card_update:"+lapsed[0].Recipient] != 0 {
		t.Fatalf("lapsed rows %+v, want the other update, 60140, tried once", lapsed)
	}
	text, _ := outbox.FailureSummary(ctx, f.db, since, nil)
	for _, w := range []string{"task_id", "WECOM_AGENT_ID"} {
		if !strings.Contains(text, w) {
			t.Errorf("summary lacks %q:\n%s", w, text)
		}
	}
	if strings.Contains(text, "60140") {
		t.Errorf("summary reports the lapsed update as a failure:\n%s", text)
	}
}

// TestRefusedSecretPausesWeComAndProbes: gettoken answers 40001 (不合法的
// secret). The worker does not ask again for every pending row (WeCom
// bans an IP that keeps sending a wrong secret): it holds WeCom rows
// back, the client logs once and asks gettoken once a minute, and when
// the secret works, everything goes out, nothing failed.
func TestRefusedSecretPausesWeComAndProbes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "*")
	var logs syncLog
	hc, _ := bot.NewHTTPClient(map[string]string{bot.WeComHost: f.srvURL})
	client := bot.NewClient("wwout", 7, "s", hc, f.redis, slog.New(slog.NewTextHandler(&logs, nil)))
	client.Now = func() time.Time { return f.now }
	var mu sync.Mutex
	var heard []bool
	client.ObserveSecret = func(rejected bool) {
		mu.Lock()
		heard = append(heard, rejected)
		mu.Unlock()
	}
	f.worker.Sender = client
	for i := range 20 {
		f.enqueue(t, fmt.Sprintf("u%02d", i), "【待办提醒】您有 1 件待处理")
	}
	f.corp.FailNext("gettoken", 3, 0, 40001) // the secret is refused three times, then works
	f.now = time.Now().Add(time.Second)
	deliver := func() int {
		t.Helper()
		n, err := f.worker.DeliverDue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	status := func() (pending, failed, attempts int) {
		t.Helper()
		f.db.GetContext(context.Background(), &pending, `SELECT count(*) FROM outbox WHERE status = 'pending'`)
		f.db.GetContext(context.Background(), &failed, `SELECT count(*) FROM outbox WHERE status = 'failed'`)
		f.db.GetContext(context.Background(), &attempts, `SELECT coalesce(sum(attempts), 0) FROM outbox`)
		return
	}

	if n := deliver(); n != 20 {
		t.Fatalf("claimed %d rows, want 20", n)
	}
	if n := f.corp.TokenFetches(); n != 1 {
		t.Fatalf("gettoken asked %d times for 20 rows, want 1", n)
	}
	if p, fl, a := status(); p != 20 || fl != 0 || a != 0 {
		t.Fatalf("after the refusal: %d pending, %d failed, %d attempts counted; want 20, 0, 0", p, fl, a)
	}
	if rejected, _ := client.SecretRejected(); !rejected {
		t.Fatal("the client does not report the refused secret")
	}
	if n := deliver(); n != 0 {
		t.Fatalf("claimed %d WeCom rows while paused, want 0", n)
	}
	for probe := 2; probe <= 3; probe++ { // a minute later each, refused again
		f.now = f.now.Add(61 * time.Second)
		deliver()
		if n := f.corp.TokenFetches(); n != probe {
			t.Fatalf("gettoken asked %d times after probe %d, want %d", n, probe, probe)
		}
		if n := deliver(); n != 0 {
			t.Fatalf("probe %d: claimed %d rows while paused, want 0", probe, n)
		}
	}
	f.now = f.now.Add(61 * time.Second)
	f.drain(t)
	for i := range 20 {
		if got := len(f.corp.Messages(fmt.Sprintf("u%02d", i))); got != 1 {
			t.Errorf("u%02d received %d messages, want 1", i, got)
		}
	}
	if n := f.corp.TokenFetches(); n != 4 {
		t.Fatalf("gettoken asked %d times in all, want 4 (three refusals and one success)", n)
	}
	if _, fl, _ := status(); fl != 0 {
		t.Fatalf("%d rows failed, want none", fl)
	}
	out := logs.String()
	if n := strings.Count(out, "refused the app secret"); n != 1 {
		t.Fatalf("the refusal was logged %d times, want once:\n%s", n, out)
	}
	if !strings.Contains(out, "accepts the app secret again") {
		t.Fatalf("the recovery was not logged:\n%s", out)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(heard, []bool{true, false}) {
		t.Fatalf("ObserveSecret heard %v, want [true false]", heard)
	}
}

type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
