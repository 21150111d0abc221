package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/router"
	"github.com/zwgk-bot/zwgk/sandbox"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

const aesKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"

type fixture struct {
	sb     *sandbox.Sandbox
	srv    *httptest.Server
	corp   *sandbox.Corp
	client *bot.Client
	clock  *clock
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newFixture registers a corp in a fresh sandbox and returns a real
// bot.Client talking to it over HTTP, with tokens in a Redis of its own.
func newFixture(t *testing.T, users ...string) *fixture {
	t.Helper()
	sb := sandbox.New()
	clk := &clock{t: time.Now()}
	sb.Now = clk.Now
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	corp, err := sb.AddCorp(sandbox.CorpConfig{
		CorpID: "wwsbx", Secret: "s3cret", AgentID: 1000002, Token: "tok",
		EncodingAESKey: aesKey, CallbackURL: "http://127.0.0.1:1/unused", Users: users,
	})
	if err != nil {
		t.Fatal(err)
	}
	hc, err := bot.NewHTTPClient(map[string]string{bot.WeComHost: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := bot.NewClient("wwsbx", 1000002, "s3cret", hc, storagetest.NewRedis(t), log)
	return &fixture{sb: sb, srv: srv, corp: corp, client: c, clock: clk}
}

func card(taskID string, buttons int) bot.TemplateCard {
	c := bot.TemplateCard{
		CardType:  bot.CardButtonInteraction,
		MainTitle: &bot.CardTitle{Title: "信息公开审批", Desc: "公开审〔2026〕1号"},
		TaskID:    taskID,
	}
	for i := range buttons {
		c.ButtonList = append(c.ButtonList, bot.CardButton{Text: fmt.Sprint("按钮", i), Key: fmt.Sprint("k", i)})
	}
	return c
}

func apiCode(err error) int64 {
	var ae *bot.APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return 0
}

func TestSendRecordsPerUser(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.client.Send(ctx, bot.TextMessage("a", "你好")); err != nil {
		t.Fatal(err)
	}
	res, err := f.client.Send(ctx, bot.CardMessage(card("task-1", 2), "a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	if res.ResponseCode == "" || res.MsgID == "" {
		t.Fatalf("card send answered %+v, want msgid and response_code", res)
	}
	a, b := f.corp.Messages("a"), f.corp.Messages("b")
	if len(a) != 2 || a[0].Text != "你好" || a[1].Card == nil || a[1].Card.TaskID != "task-1" {
		t.Fatalf("a received %+v", a)
	}
	if len(b) != 1 || b[0].Card == nil {
		t.Fatalf("b received %+v", b)
	}
}

func TestCardRulesEnforcedLikeWeCom(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.client.Send(ctx, bot.CardMessage(card("dup", 1), "a")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.Send(ctx, bot.CardMessage(card("dup", 1), "a")); apiCode(err) != 42014 {
		t.Fatalf("repeated task_id: err %v, want errcode 42014", err)
	}
	// The client validates before sending; post raw JSON to see the
	// sandbox refuse what a careless client would send.
	tok, err := f.client.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	raw := func(body any) int64 {
		b, _ := json.Marshal(body)
		resp, err := http.Post(f.srv.URL+"/cgi-bin/message/send?access_token="+tok, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r struct {
			ErrCode int64 `json:"errcode"`
		}
		json.NewDecoder(resp.Body).Decode(&r)
		return r.ErrCode
	}
	seven := card("seven", 7)
	longID := card(strings.Repeat("x", 129), 1)
	badChar := card("has space", 1)
	notice := bot.TemplateCard{CardType: bot.CardTextNotice, MainTitle: &bot.CardTitle{Title: "通知"}}
	noKey := card("no-keyname", 1)
	noKey.HorizontalContentList = []bot.CardField{{Value: "李娜"}}
	cases := []struct {
		name string
		body any
		want int64
	}{
		{"seven buttons", bot.OutMessage{ToUser: "a", MsgType: "template_card", AgentID: 1000002, TemplateCard: &seven}, 40016},
		{"task_id of 129 bytes", bot.OutMessage{ToUser: "a", MsgType: "template_card", AgentID: 1000002, TemplateCard: &longID}, 42014},
		{"task_id with a space", bot.OutMessage{ToUser: "a", MsgType: "template_card", AgentID: 1000002, TemplateCard: &badChar}, 42014},
		{"text_notice without card_action", bot.OutMessage{ToUser: "a", MsgType: "template_card", AgentID: 1000002, TemplateCard: &notice}, 42045},
		{"field without keyname", bot.OutMessage{ToUser: "a", MsgType: "template_card", AgentID: 1000002, TemplateCard: &noKey}, 42027},
		{"agentid as a string", map[string]any{"touser": "a", "msgtype": "text", "agentid": "x", "text": map[string]string{"content": "hi"}}, 40056},
	}
	for _, c := range cases {
		if got := raw(c.body); got != c.want {
			t.Errorf("%s: errcode %d, want %d", c.name, got, c.want)
		}
	}
	if n := len(f.corp.Messages("a")); n != 1 {
		t.Fatalf("a holds %d messages, want only the first valid card", n)
	}
}

func TestUnknownUsersRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "a", "b")
	ctx := context.Background()
	res, err := f.client.Send(ctx, bot.TextMessage("a|ghost", "hi"))
	if err != nil || res.InvalidUser != "ghost" {
		t.Fatalf("partly invalid: %+v, %v", res, err)
	}
	if _, err := f.client.Send(ctx, bot.TextMessage("ghost", "hi")); apiCode(err) != 81013 {
		t.Fatalf("all invalid: err %v, want 81013", err)
	}
}

func TestResponseCodeWorksOnceAndExpires(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	res, err := f.client.Send(ctx, bot.CardMessage(card("t1", 2), "a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	upd := bot.CardUpdate{UserIDs: []string{"a", "b"}, ResponseCode: res.ResponseCode, Button: &bot.ReplaceName{ReplaceName: "已同意"}}
	if err := f.client.UpdateTemplateCard(ctx, upd); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"a", "b"} {
		if m := f.corp.Messages(u); m[0].ReplacedButton != "已同意" {
			t.Fatalf("%s's card shows %q, want 已同意", u, m[0].ReplacedButton)
		}
	}
	if err := f.client.UpdateTemplateCard(ctx, upd); apiCode(err) != 60140 {
		t.Fatalf("second use: err %v, want 60140", err)
	}

	res2, err := f.client.Send(ctx, bot.CardMessage(card("t2", 2), "a"))
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(72*time.Hour + time.Minute)
	// The sandbox's tokens expire with its clock too; the client refreshes.
	upd2 := bot.CardUpdate{UserIDs: []string{"a"}, ResponseCode: res2.ResponseCode, Button: &bot.ReplaceName{ReplaceName: "已驳回"}}
	if err := f.client.UpdateTemplateCard(ctx, upd2); apiCode(err) != 60140 {
		t.Fatalf("after 72 h: err %v, want 60140", err)
	}
	never := bot.CardUpdate{UserIDs: []string{"a"}, ResponseCode: "not-a-code", Button: &bot.ReplaceName{ReplaceName: "已驳回"}}
	if err := f.client.UpdateTemplateCard(ctx, never); apiCode(err) != 60140 {
		t.Fatalf("unknown code: err %v, want 60140", err)
	}

	// A code of another app's card: 42015, whatever the code's state.
	if _, err := f.sb.AddCorp(sandbox.CorpConfig{CorpID: "wwother", Secret: "s2", AgentID: 1000003, Token: "tok", EncodingAESKey: aesKey, CallbackURL: "http://127.0.0.1:1/unused"}); err != nil {
		t.Fatal(err)
	}
	hc, _ := bot.NewHTTPClient(map[string]string{bot.WeComHost: f.srv.URL})
	oc := bot.NewClient("wwother", 1000003, "s2", hc, storagetest.NewRedis(t), slog.New(slog.NewTextHandler(io.Discard, nil)))
	res3, err := oc.Send(ctx, bot.CardMessage(card("t3", 2), "a"))
	if err != nil {
		t.Fatal(err)
	}
	upd3 := bot.CardUpdate{UserIDs: []string{"a"}, ResponseCode: res3.ResponseCode, Button: &bot.ReplaceName{ReplaceName: "已同意"}}
	if err := f.client.UpdateTemplateCard(ctx, upd3); apiCode(err) != 42015 {
		t.Fatalf("another app's code: err %v, want 42015", err)
	}
}

func TestClickedCardCannotBeClickedAgain(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	res, err := f.client.Send(ctx, bot.CardMessage(card("t1", 2), "a"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.client.UpdateTemplateCard(ctx, bot.CardUpdate{UserIDs: []string{"a"}, ResponseCode: res.ResponseCode, Button: &bot.ReplaceName{ReplaceName: "已同意"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.corp.User("a").ClickButton(ctx, "t1", "k0"); !errors.Is(err, sandbox.ErrNoSuchButton) {
		t.Fatalf("click on an answered card: %v, want ErrNoSuchButton", err)
	}
	if _, err := f.corp.User("b").ClickButton(ctx, "t1", "k0"); !errors.Is(err, sandbox.ErrNoSuchButton) {
		t.Fatalf("click on someone else's card: %v, want ErrNoSuchButton", err)
	}
}

func TestTokenRevocationAndWrongSecret(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for range 5 {
		if _, err := f.client.Send(ctx, bot.TextMessage("a", "x")); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.corp.TokenFetches(); n != 1 {
		t.Fatalf("gettoken %d times, want 1", n)
	}
	f.corp.RevokeTokens()
	if _, err := f.client.Send(ctx, bot.TextMessage("a", "x")); err != nil {
		t.Fatalf("send after revocation: %v", err)
	}
	if n := f.corp.TokenFetches(); n != 2 {
		t.Fatalf("gettoken %d times after revocation, want 2", n)
	}

	hc, _ := bot.NewHTTPClient(map[string]string{bot.WeComHost: f.srv.URL})
	wrong := bot.NewClient("wwsbx", 1000002, "not-the-secret", hc, storagetest.NewRedis(t), slog.New(slog.NewTextHandler(io.Discard, nil)))
	_, err := wrong.Send(ctx, bot.TextMessage("a", "x"))
	if apiCode(err) != 40001 {
		t.Fatalf("wrong secret: %v, want errcode 40001", err)
	}
	if strings.Contains(err.Error(), "not-the-secret") {
		t.Fatalf("error leaks the secret: %v", err)
	}
}

func TestConcurrentClientsShareOneToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	rdb := storagetest.NewRedis(t)
	hc, _ := bot.NewHTTPClient(map[string]string{bot.WeComHost: f.srv.URL})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// Four "replicas" sharing one Redis, all starting cold at once.
	var wg sync.WaitGroup
	for i := range 4 {
		c := bot.NewClient("wwsbx", 1000002, "s3cret", hc, rdb, log)
		wg.Go(func() {
			for range 5 {
				if _, err := c.Send(ctx, bot.TextMessage(fmt.Sprint("u", i), "x")); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if n := f.corp.TokenFetches(); n != 1 {
		t.Fatalf("gettoken %d times across replicas, want 1", n)
	}
}

func TestMenuCreate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	m := bot.Menu{Buttons: []bot.MenuButton{{Type: "click", Name: "帮助", Key: "help"}}}
	if err := f.client.CreateMenu(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if got := f.corp.Menu(); got == nil || got.Buttons[0].Key != "help" {
		t.Fatalf("menu = %+v", got)
	}
	four := bot.Menu{Buttons: make([]bot.MenuButton, 4)}
	if err := f.client.CreateMenu(context.Background(), four); err == nil {
		t.Fatal("a menu of 4 top-level buttons was accepted")
	}
}

func TestFaultsAreTransientAndTyped(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.corp.FailNext("message/send", 1, 0, 45009)
	_, err := f.client.Send(ctx, bot.TextMessage("a", "x"))
	if !bot.IsRateLimited(err) {
		t.Fatalf("45009 not reported as a rate limit: %v", err)
	}
	f.corp.FailNext("message/send", 1, 503, 0)
	_, err = f.client.Send(ctx, bot.TextMessage("a", "x"))
	var he *bot.HTTPError
	if !errors.As(err, &he) || he.Status != 503 {
		t.Fatalf("503 not reported as HTTPError: %v", err)
	}
	if _, err := f.client.Send(ctx, bot.TextMessage("a", "x")); err != nil {
		t.Fatalf("send after faults: %v", err)
	}
	if n := len(f.corp.Messages("a")); n != 1 {
		t.Fatalf("a received %d messages, want 1", n)
	}
}

// TestCallbackRetriedUntilAnswered checks the client side: WeCom posts a
// callback again when the bot does not answer 200 in time.
func TestCallbackRetriedUntilAnswered(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	calls := 0
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n < 3 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(200)
	}))
	defer bot.Close()
	sb := sandbox.New()
	sb.RetryDelay = time.Millisecond
	corp, err := sb.AddCorp(sandbox.CorpConfig{CorpID: "wwr", Secret: "s", AgentID: 1, Token: "t", EncodingAESKey: aesKey, CallbackURL: bot.URL})
	if err != nil {
		t.Fatal(err)
	}
	st, err := corp.User("a").SendText(context.Background(), "hi")
	if err != nil || st != 200 || calls != 3 {
		t.Fatalf("status %d, err %v, calls %d; want 200 after 3 posts", st, err, calls)
	}
}

// TestLogAPIShowsOtherAPIsWithoutSecrets: the 公众号's calls in the demo
// join the corp's protocol log, and the AppSecret in stable_token's body
// does not.
func TestLogAPIShowsOtherAPIsWithoutSecrets(t *testing.T) {
	t.Parallel()
	sb := sandbox.New()
	corp, err := sb.AddCorp(sandbox.CorpConfig{CorpID: "wwl", Secret: "s", AgentID: 1, Token: "t", EncodingAESKey: aesKey, CallbackURL: "http://127.0.0.1:1/cb"})
	if err != nil {
		t.Fatal(err)
	}
	mp, err := sb.AddMP(sandbox.MPConfig{AppID: "wxlog", Secret: "mp-app-secret-value", Token: "mptoken"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(corp.LogAPI("公众号", mp.Handler()))
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/cgi-bin/stable_token", "application/json",
		strings.NewReader(`{"grant_type":"client_credential","appid":"wxlog","secret":"mp-app-secret-value"}`))
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if tok.AccessToken == "" {
		t.Fatal("no token from the 公众号 sandbox")
	}
	var e *sandbox.TrafficEntry
	for _, x := range corp.Traffic(0) {
		if x.Summary == "公众号 stable_token" {
			e = &x
		}
	}
	if e == nil {
		t.Fatalf("no log entry for stable_token in %+v", corp.Traffic(0))
	}
	if e.Dir != sandbox.DirAPI || e.Status != 200 || strings.Contains(e.Request+e.Response+e.Path, "mp-app-secret-value") ||
		strings.Contains(e.Response, tok.AccessToken) || !strings.Contains(e.Request, `"secret": "***"`) {
		t.Fatalf("entry %+v", e)
	}
}

// TestBodiesWithUnicodeEscapesRefused: WeCom and the 公众号 refuse a
// \uXXXX escape (40033), which Go's json.Marshal writes for &, < and >.
// The client sends links as they are and they arrive whole.
func TestBodiesWithUnicodeEscapesRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	link := "详情：https://zwgk.example.org/forms/7?exp=1767225600&sig=ab12 <请勿转发>"
	if _, err := f.client.Send(ctx, bot.TextMessage("a", link)); err != nil {
		t.Fatal(err)
	}
	if got := f.corp.Messages("a"); len(got) != 1 || got[0].Text != link {
		t.Fatalf("a received %+v, want the link whole", got)
	}
	tok, err := f.client.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	escaped, _ := json.Marshal(bot.OutMessage{ToUser: "a", MsgType: "text", AgentID: 1000002, Text: &bot.TextContent{Content: link}})
	if !strings.Contains(string(escaped), `\u0026`) {
		t.Fatalf("json.Marshal no longer escapes &: %s", escaped)
	}
	resp, err := http.Post(f.srv.URL+"/cgi-bin/message/send?access_token="+tok, "application/json", bytes.NewReader(escaped))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		ErrCode int64 `json:"errcode"`
	}
	json.NewDecoder(resp.Body).Decode(&r)
	if r.ErrCode != 40033 {
		t.Fatalf("escaped body answered errcode %d, want 40033", r.ErrCode)
	}
	if n := len(f.corp.Messages("a")); n != 1 {
		t.Fatalf("a holds %d messages after the refused one, want 1", n)
	}
}

// TestLongTextIsTruncatedNotRefused: WeCom cuts a text over 2048 bytes
// (「超过将截断」) and answers ok; the client refuses to send one, since
// the end would be lost, and SplitText's parts arrive whole.
func TestLongTextIsTruncatedNotRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	long := strings.Repeat("字", 700) // 2100 bytes
	tok, err := f.client.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := bot.MarshalBody(bot.OutMessage{ToUser: "a", MsgType: "text", AgentID: 1000002, Text: &bot.TextContent{Content: long}})
	resp, err := http.Post(f.srv.URL+"/cgi-bin/message/send?access_token="+tok, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		ErrCode int64 `json:"errcode"`
	}
	json.NewDecoder(resp.Body).Decode(&r)
	resp.Body.Close()
	if r.ErrCode != 0 {
		t.Fatalf("a text of %d bytes answered errcode %d, want 0 (cut, not refused)", len(long), r.ErrCode)
	}
	got := f.corp.Messages("a")
	if len(got) != 1 || !got[0].Truncated || got[0].Text != strings.Repeat("字", 682) {
		t.Fatalf("a received %d bytes (truncated %v), want the first 682 characters (2046 bytes)", len(got[0].Text), got[0].Truncated)
	}

	if _, err := f.client.Send(ctx, bot.TextMessage("b", long)); err == nil {
		t.Fatal("the client sent a text WeCom would cut")
	}
	parts := bot.SplitText(long, bot.MaxTextBytes)
	for _, p := range parts {
		if _, err := f.client.Send(ctx, bot.TextMessage("b", p)); err != nil {
			t.Fatal(err)
		}
	}
	var joined strings.Builder
	for _, m := range f.corp.Messages("b") {
		if m.Truncated {
			t.Fatalf("a part of SplitText was cut: %d bytes", len(m.Text))
		}
		joined.WriteString(m.Text)
	}
	if joined.String() != long || len(parts) != 2 {
		t.Fatalf("b received %d bytes in %d parts, want the whole %d bytes in 2", joined.Len(), len(parts), len(long))
	}
}

// TestMenuLimits: names are counted in bytes, 16 for a top-level button
// (40018) and 40 for a sub-button (40025); the app's own menu passes.
func TestMenuLimits(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if err := f.client.CreateMenu(ctx, router.AppMenu("https://zwgk.example.gov.cn")); err != nil {
		t.Fatalf("zwgk menu sync's menu refused: %v", err)
	}
	if got := f.corp.Menu(); got == nil || got.Buttons[0].Key != router.MenuSubmit {
		t.Fatalf("menu = %+v", got)
	}
	click := func(name string) bot.MenuButton { return bot.MenuButton{Type: "click", Name: name, Key: "k"} }
	cases := []struct {
		name string
		menu bot.Menu
		want int64
	}{
		{"提交公开申请 (18 bytes)", bot.Menu{Buttons: []bot.MenuButton{click("提交公开申请")}}, 40018},
		{"17 ASCII bytes", bot.Menu{Buttons: []bot.MenuButton{click(strings.Repeat("a", 17))}}, 40018},
		{"sub-button of 42 bytes", bot.Menu{Buttons: []bot.MenuButton{{Name: "更多", SubButton: []bot.MenuButton{click(strings.Repeat("查", 14))}}}}, 40025},
		{"four buttons", bot.Menu{Buttons: []bot.MenuButton{click("a"), click("b"), click("c"), click("d")}}, 40016},
		{"six sub-buttons", bot.Menu{Buttons: []bot.MenuButton{{Name: "更多", SubButton: []bot.MenuButton{click("1"), click("2"), click("3"), click("4"), click("5"), click("6")}}}}, 40023},
		{"key of 129 bytes", bot.Menu{Buttons: []bot.MenuButton{{Type: "click", Name: "帮助", Key: strings.Repeat("k", 129)}}}, 40019},
	}
	for _, c := range cases {
		if err := f.client.CreateMenu(ctx, c.menu); apiCode(err) != c.want {
			t.Errorf("%s: err %v, want errcode %d", c.name, err, c.want)
		}
	}
	ok := bot.Menu{Buttons: []bot.MenuButton{click("提交申请五"), {Name: "更多", SubButton: []bot.MenuButton{click(strings.Repeat("查", 13))}}}}
	if err := f.client.CreateMenu(ctx, ok); err != nil {
		t.Fatalf("15 and 39 bytes refused: %v", err)
	}
	if got := f.corp.Menu(); got == nil || got.Buttons[0].Name != "提交申请五" {
		t.Fatalf("menu = %+v, want the last accepted one", got)
	}
}

// A vote card is answered as the WeCom client lets one answer it: only its
// own question and options, one option in single mode; nothing else
// reaches the bot (the bot must still not trust it: see ClickAnyway).
func TestVoteSubmitOffersOnlyTheCardsOptions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "a")
	f.sb.RetryDelay = 0
	ctx := context.Background()
	vote := func(task string, mode int) bot.TemplateCard {
		return bot.TemplateCard{
			CardType: bot.CardVoteInteraction, MainTitle: &bot.CardTitle{Title: "保密审查"}, TaskID: task,
			Checkbox: &bot.CardCheckbox{QuestionKey: "q", Mode: mode, OptionList: []bot.CardOption{
				{ID: "x", Text: "国家秘密"}, {ID: "y", Text: "商业秘密"}}},
			SubmitButton: &bot.CardSubmit{Text: "提交", Key: "ok"},
		}
	}
	for _, c := range []bot.TemplateCard{vote("multi", 1), vote("single", 0)} {
		if _, err := f.client.Send(ctx, bot.CardMessage(c, "a")); err != nil {
			t.Fatal(err)
		}
	}
	for name, tc := range map[string]struct {
		task string
		sel  map[string][]string
	}{
		"another question":  {"multi", map[string][]string{"other": {"x"}}},
		"an unknown option": {"multi", map[string][]string{"q": {"x", "z"}}},
		"an option twice":   {"multi", map[string][]string{"q": {"x", "x"}}},
		"two in single":     {"single", map[string][]string{"q": {"x", "y"}}},
	} {
		if _, err := f.corp.User("a").Submit(ctx, tc.task, tc.sel); !errors.Is(err, sandbox.ErrNoSuchButton) {
			t.Errorf("%s: %v, want ErrNoSuchButton", name, err)
		}
	}
	// What the client allows is posted (to a callback that is not there).
	for task, sel := range map[string][]string{"multi": {"y", "x"}, "single": {"y"}} {
		if _, err := f.corp.User("a").Submit(ctx, task, map[string][]string{"q": sel}); errors.Is(err, sandbox.ErrNoSuchButton) {
			t.Errorf("%s %v refused: %v", task, sel, err)
		}
	}
}
