package outbox_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/outbox"
	"github.com/zwgk-bot/zwgk/sandbox"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// withMP gives the fixture's worker a sandbox 公众号 with the followers.
func (f *fixture) withMP(t *testing.T, followers ...string) *sandbox.MP {
	t.Helper()
	mp, err := f.sb.AddMP(sandbox.MPConfig{AppID: "wxout", Secret: "mps", Token: "mpt", CallbackURL: "http://127.0.0.1:1/"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mp.Handler())
	t.Cleanup(srv.Close)
	hc, _ := bot.NewHTTPClient(map[string]string{bot.MPHost: srv.URL})
	f.worker.MP = bot.NewMPClient("wxout", "mps", hc, f.redis, f.log)
	ctx := context.Background()
	f.sb.RetryDelay = time.Millisecond
	for _, o := range followers {
		// The callback URL does not answer: only the follow itself counts.
		mp.Follower(o).Follow(ctx)
	}
	return mp
}

func (f *fixture) enqueueTemplate(t *testing.T, openid, title string) {
	t.Helper()
	m := bot.MPTemplateMessage{ToUser: openid, TemplateID: "tpl", Data: map[string]bot.MPTemplateValue{"thing1": {Value: title}}}
	if _, err := storage.Enqueue(context.Background(), f.db, storage.KindMPTemplate, "mp:"+openid, m, ""); err != nil {
		t.Fatal(err)
	}
}

func titles(rs []sandbox.MPReceived) string {
	var out []string
	for _, r := range rs {
		if r.Kind == "template" {
			out = append(out, r.Data["thing1"])
		} else {
			out = append(out, r.Text)
		}
	}
	return strings.Join(out, ",")
}

func TestMPTemplatesArriveOnceThroughFaults(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.worker.CallTimeout = 300 * time.Millisecond
	mp := f.withMP(t, "o1", "o2")
	for _, s := range []string{"一", "二", "三"} {
		f.enqueueTemplate(t, "o1", s)
		f.enqueueTemplate(t, "o2", s)
	}
	mp.FailNext("stable_token", 1, 502, 0)
	mp.FailNext("message/template/send", 1, 503, 0)
	mp.FailNext("message/template/send", 1, 0, 45009)
	mp.FailNext("message/template/send", 1, 0, -1)
	// The token refused although stable_token still hands it out: the
	// client must force a refresh.
	mp.FailNext("message/template/send", 1, 0, 40001)
	mp.DelayNext("message/template/send", 2, time.Second)
	f.drain(t)
	for _, o := range []string{"o1", "o2"} {
		if got := titles(mp.Received(o)); got != "一,二,三" {
			t.Errorf("%s received %q, want 一,二,三 once each, in order", o, got)
		}
	}
	if n := mp.APICalls("message/template/send:duplicate"); n < 1 {
		t.Fatal("no retried template met the client_msg_id check")
	}
	if n := mp.TokenFetches(); n < 3 {
		t.Fatalf("%d token fetches: the refused token was not force-refreshed", n)
	}
}

func TestMPPermanentErrorsFail(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	since := f.now.Add(-time.Second)
	mp := f.withMP(t, "o1", "gone")
	if _, err := mp.Follower("gone").Unfollow(context.Background()); err != nil && !strings.Contains(err.Error(), "connect") {
		t.Log(err)
	}
	f.enqueueTemplate(t, "stranger", "给陌生人")
	f.enqueueTemplate(t, "gone", "给已取关的人")
	f.enqueueTemplate(t, "o1", "给粉丝")
	f.drain(t)
	if got := titles(mp.Received("o1")); got != "给粉丝" {
		t.Fatalf("o1 received %q", got)
	}
	failed, _ := f.db.ListOutbox(context.Background(), "failed", 10)
	codes := map[string]int{}
	for _, r := range failed {
		codes[r.Recipient] = r.ErrorCode
		if r.Attempts != 1 {
			t.Errorf("%s: permanent error retried (%d attempts)", r.Recipient, r.Attempts)
		}
	}
	if codes["mp:stranger"] != 40003 || codes["mp:gone"] != 43004 || len(codes) != 2 {
		t.Fatalf("failed rows %v, want mp:stranger 40003 and mp:gone 43004", codes)
	}
	text, err := outbox.FailureSummary(context.Background(), f.db, since, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"2 条消息", "公众号粉丝 stranger", "openid）无效", "粉丝已取消关注"} {
		if !strings.Contains(text, w) {
			t.Errorf("summary lacks %q:\n%s", w, text)
		}
	}
}

func TestMPMassSendRetriedOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.worker.CallTimeout = 300 * time.Millisecond
	mp := f.withMP(t, "o1", "o2", "o3")
	tag := mp.CreateTag("信息公开订阅")
	for _, o := range []string{"o1", "o2"} {
		m := bot.MPTagMembers{OpenIDs: []string{o}, TagID: tag}
		if _, err := storage.Enqueue(context.Background(), f.db, storage.KindMPTag, "mp:"+o, m, ""); err != nil {
			t.Fatal(err)
		}
	}
	f.drain(t)
	if got := mp.TagMembers(tag); strings.Join(got, ",") != "o1,o2" {
		t.Fatalf("tag members %v", got)
	}
	m := bot.MPMassMessage{Filter: bot.MPMassFilter{TagID: tag}, MsgType: "text", Text: &bot.TextContent{Content: "【政府信息公开】通知"}, ClientMsgID: "zwgk-form-1"}
	if _, err := storage.Enqueue(context.Background(), f.db, storage.KindMPMass, "mp:tag:1", m, "mpmass:form:1"); err != nil {
		t.Fatal(err)
	}
	mp.DelayNext("message/mass/sendall", 1, time.Second) // sent, but the answer is lost
	f.drain(t)
	for o, want := range map[string]int{"o1": 1, "o2": 1, "o3": 0} {
		if got := len(mp.Received(o)); got != want {
			t.Errorf("%s received %d mass messages, want %d", o, got, want)
		}
	}
	rows, _ := f.db.ListOutbox(context.Background(), "sent", 1)
	var res bot.MPMassResult
	if len(rows) == 1 && rows[0].Result != nil {
		json.Unmarshal(*rows[0].Result, &res)
	}
	if len(rows) != 1 || rows[0].Kind != storage.KindMPMass || rows[0].Attempts != 2 || !res.Duplicate || res.MsgID == 0 {
		t.Fatalf("mass row = %+v (%+v), want sent on its second attempt as a duplicate", rows, res)
	}
}

// TestMPRetryRules: 45011 (too frequent) is retried with the usual
// backoff; 45066 (a 群发 retried too fast) waits at least a minute and
// keeps its clientmsgid; 45009 (the API's daily quota) waits for the next
// day in Beijing time; -1 (system busy) is retried at most 3 times; 45047
// (客服 quota) is given up and explained.
func TestMPRetryRules(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	since := f.now.Add(-time.Second)
	mp := f.withMP(t, "o1", "o2", "o3", "o4")
	ctx := context.Background()
	row := func(recipient string) storage.OutboxRow {
		t.Helper()
		var r storage.OutboxRow
		if err := f.db.GetContext(ctx, &r, `SELECT id, attempts, next_attempt_at, status, error_code, kind, recipient FROM outbox WHERE recipient = $1`, recipient); err != nil {
			t.Fatal(err)
		}
		return r
	}
	deliverOnce := func() {
		t.Helper()
		if _, err := f.worker.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
	}

	f.enqueueTemplate(t, "o1", "频率")
	mp.FailNext("message/template/send", 1, 0, 45011)
	f.now = time.Now().Add(time.Second)
	deliverOnce()
	if r := row("mp:o1"); r.Status != "pending" || r.ErrorCode != 45011 || r.NextAttemptAt.Sub(f.now) > 10*time.Minute {
		t.Fatalf("after 45011: %+v, want pending for a retry within minutes", r)
	}
	f.drain(t)
	if got := titles(mp.Received("o1")); got != "频率" {
		t.Fatalf("o1 received %q", got)
	}

	tag := mp.CreateTag("订阅")
	m := bot.MPMassMessage{Filter: bot.MPMassFilter{TagID: tag}, MsgType: "text", Text: &bot.TextContent{Content: "【政府信息公开】通知"}}
	if _, err := storage.Enqueue(ctx, f.db, storage.KindMPMass, "mp:tag:1", m, ""); err != nil {
		t.Fatal(err)
	}
	mp.FailNext("message/mass/sendall", 1, 0, 45066)
	deliverOnce()
	if r := row("mp:tag:1"); r.Status != "pending" || r.ErrorCode != 45066 || r.NextAttemptAt.Sub(f.now) < time.Minute {
		t.Fatalf("after 45066: %+v, want pending at least a minute", r)
	}
	f.drain(t)
	if r := row("mp:tag:1"); r.Status != "sent" || r.Attempts != 2 {
		t.Fatalf("mass row %+v, want sent on its second attempt", r)
	}

	f.enqueueTemplate(t, "o2", "额度")
	mp.FailNext("message/template/send", 1, 0, 45009)
	deliverOnce()
	loc := workflow.DefaultCalendar().Location()
	r := row("mp:o2")
	if y, m, d := f.now.In(loc).Date(); r.Status != "pending" || !r.NextAttemptAt.In(loc).After(time.Date(y, m, d+1, 0, 0, 0, 0, loc)) {
		t.Fatalf("after 45009 at %s: retry at %s, want the next day (Beijing time)", f.now.In(loc), r.NextAttemptAt.In(loc))
	}
	f.drain(t)
	if got := titles(mp.Received("o2")); got != "额度" {
		t.Fatalf("o2 received %q", got)
	}

	f.enqueueTemplate(t, "o3", "繁忙")
	mp.FailNext("message/template/send", 10, 0, -1)
	f.drain(t)
	if r := row("mp:o3"); r.Status != "failed" || r.Attempts != 4 || r.ErrorCode != -1 {
		t.Fatalf("after -1 each time: %+v, want failed after 1 try and 3 retries", r)
	}
	if _, err := storage.Enqueue(ctx, f.db, storage.KindMPCustom, "mp:o4", bot.MPCustomText("o4", "您好"), ""); err != nil {
		t.Fatal(err)
	}
	mp.FailNext("message/custom/send", 1, 0, 45047)
	f.drain(t)
	if r := row("mp:o4"); r.Status != "failed" || r.Attempts != 1 {
		t.Fatalf("after 45047: %+v, want failed at once", r)
	}
	text, err := outbox.FailureSummary(ctx, f.db, since, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"客服消息条数已达上限（45047）", "重试 3 次后仍未成功（-1）"} {
		if !strings.Contains(text, w) {
			t.Errorf("summary lacks %q:\n%s", w, text)
		}
	}
	if strings.Contains(text, "48小时") {
		t.Errorf("summary explains 45047 as the 48-hour window:\n%s", text)
	}
}
