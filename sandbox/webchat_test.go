package sandbox_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/sandbox"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

// webFixture is a corp whose callbacks reach a bot that answers 200, with
// its user API and web chat served as the demo serves them.
type webFixture struct {
	*fixture
	base   string
	resets atomic.Int32
	chat   *httptest.Server
}

func newWebFixture(t *testing.T, follower *sandbox.FollowerPhone) *webFixture {
	t.Helper()
	botSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write([]byte("success"))
	}))
	t.Cleanup(botSrv.Close)
	f := newFixture(t)
	// The fixture's corp posts nowhere; this one posts to the bot above.
	corp, err := f.sb.AddCorp(sandbox.CorpConfig{
		CorpID: "wwweb", Secret: "s3cret", AgentID: 1000002, Token: "tok",
		EncodingAESKey: aesKey, CallbackURL: botSrv.URL + "/wecom/callback", Users: []string{"a", "b"},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.corp = corp
	hc, err := bot.NewHTTPClient(map[string]string{bot.WeComHost: f.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	f.client = bot.NewClient("wwweb", 1000002, "s3cret", hc, storagetest.NewRedis(t), slog.New(slog.DiscardHandler))
	wf := &webFixture{fixture: f}
	menu := bot.Menu{Buttons: []bot.MenuButton{{Type: "click", Name: "我的待办", Key: "todo"}}}
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	chat := corp.WebChat(sandbox.WebChatConfig{
		AppName: "政务公开助手",
		Users:   []sandbox.WebUser{{ID: "a", Name: "李娜", Section: "综合一股"}, {ID: "b", Name: "张伟", Section: "综合一股", Roles: []string{"股室负责人"}}},
		Menu:    &menu, Follower: follower,
		Reset: func(context.Context) error { wf.resets.Add(1); return nil },
		Done:  done,
	})
	mux := http.NewServeMux()
	if err := chat.Register(mux); err != nil {
		t.Fatal(err)
	}
	mux.Handle("/sandbox/api/", http.StripPrefix("/sandbox/api", corp.UserAPI()))
	wf.chat = httptest.NewServer(mux)
	t.Cleanup(wf.chat.Close)
	wf.base = wf.chat.URL
	return wf
}

func getJSON[T any](t *testing.T, url string) T {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	var v T
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return v
}

func TestTrafficLogIsDecryptedAndHidesSecrets(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t, nil)
	ctx := context.Background()
	if st, err := f.corp.User("a").SendText(ctx, "你好"); err != nil || st != 200 {
		t.Fatalf("send: %d %v", st, err)
	}
	if _, err := f.client.Send(ctx, bot.TextMessage("a", "您好！")); err != nil {
		t.Fatal(err)
	}
	f.corp.FailNext("message/send", 1, 0, 45009)
	f.client.Send(ctx, bot.TextMessage("a", "再来一条")) // retried by nobody: the client reports 45009

	all := getJSON[[]sandbox.TrafficEntry](t, f.base+"/sandbox/web/traffic")
	if len(all) < 4 {
		t.Fatalf("traffic has %d entries, want callback, gettoken and two sends: %+v", len(all), all)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Seq >= all[i-1].Seq {
			t.Fatalf("traffic not newest first: %d then %d", all[i-1].Seq, all[i].Seq)
		}
	}
	byAPI := map[string][]sandbox.TrafficEntry{}
	for _, e := range all {
		byAPI[e.Dir+" "+strings.Fields(e.Summary)[0]] = append(byAPI[e.Dir+" "+strings.Fields(e.Summary)[0]], e)
	}
	cb := byAPI["callback text"]
	if len(cb) != 1 || cb[0].User != "a" || cb[0].Status != 200 || !strings.Contains(cb[0].Request, "<Content><![CDATA[你好]]></Content>") ||
		!strings.Contains(cb[0].Path, "msg_signature=") {
		t.Errorf("callback entry %+v, want the decrypted text from a, answered 200", cb)
	}
	tok := byAPI["api gettoken"]
	if len(tok) != 1 || !strings.Contains(tok[0].Path, "corpsecret=***") || strings.Contains(tok[0].Path, "s3cret") {
		t.Errorf("gettoken entry %+v, want the secret masked", tok)
	}
	sends := byAPI["api message/send"]
	if len(sends) != 2 {
		t.Fatalf("message/send entries %+v, want 2", sends)
	}
	failed, ok := sends[0], sends[1]
	if ok.Errcode == nil || *ok.Errcode != 0 || !strings.Contains(ok.Request, `"touser": "a"`) || !strings.Contains(ok.Summary, "→ a") {
		t.Errorf("send entry %+v, want errcode 0 and the JSON body", ok)
	}
	if failed.Errcode == nil || *failed.Errcode != 45009 {
		t.Errorf("failed send entry %+v, want errcode 45009", failed)
	}
	// Access tokens appear only shortened (the sandbox's are 64 hex digits).
	tokenRE := regexp.MustCompile(`access_token[=":\s]+([0-9a-f]+)`)
	for _, e := range all {
		for _, m := range tokenRE.FindAllStringSubmatch(e.Path+e.Response, -1) {
			if len(m[1]) > 6 {
				t.Errorf("entry %d shows an access token: %s", e.Seq, m[0])
			}
		}
	}
	if len(tok) == 1 && !strings.Contains(tok[0].Response, `"access_token": "`) {
		t.Errorf("gettoken answer %s lacks the (shortened) token", tok[0].Response)
	}
	newer := getJSON[[]sandbox.TrafficEntry](t, f.base+"/sandbox/web/traffic?after="+strconv.FormatInt(all[1].Seq, 10))
	if len(newer) != 1 || newer[0].Seq != all[0].Seq {
		t.Errorf("traffic?after returned %d entries, want only the newest", len(newer))
	}
}

func TestTrafficLogIsCapped(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t, nil)
	ctx := context.Background()
	for i := range sandbox.MaxTraffic + 5 {
		if _, err := f.corp.User("b").EnterAgent(ctx); err != nil {
			t.Fatalf("callback %d: %v", i, err)
		}
	}
	all := f.corp.Traffic(0)
	if len(all) != sandbox.MaxTraffic || all[0].Seq != int64(sandbox.MaxTraffic+5) || all[len(all)-1].Seq != 6 {
		t.Fatalf("traffic keeps %d entries, %d to %d; want the newest %d, 6 to %d", len(all), all[len(all)-1].Seq, all[0].Seq, sandbox.MaxTraffic, sandbox.MaxTraffic+5)
	}
}

func TestConversationShowsBothSidesAndVotes(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t, nil)
	ctx := context.Background()
	post := func(path, ctype, body string) int {
		t.Helper()
		resp, err := http.Post(f.base+path, ctype, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := post("/sandbox/api/users/a/text", "text/plain; charset=utf-8", "提交"); st != 200 {
		t.Fatalf("text: %d", st)
	}
	vote := bot.TemplateCard{
		CardType:  bot.CardVoteInteraction,
		MainTitle: &bot.CardTitle{Title: "请选择公开平台"},
		TaskID:    "vote-1",
		Checkbox: &bot.CardCheckbox{QuestionKey: "platforms", Mode: 1, OptionList: []bot.CardOption{
			{ID: "p0", Text: "政府网站"}, {ID: "p1", Text: "政务信息期刊"}, {ID: "p2", Text: "“双微”公众号"},
		}},
		SubmitButton: &bot.CardSubmit{Text: "确定", Key: "platforms_ok"},
	}
	if _, err := f.client.Send(ctx, bot.CardMessage(vote, "a")); err != nil {
		t.Fatal(err)
	}
	if st := post("/sandbox/api/users/a/cards/vote-1", "application/json", `{"platforms":["p0","p2"]}`); st != 200 {
		t.Fatalf("vote: %d", st)
	}
	if st := post("/sandbox/api/users/a/cards/vote-1", "application/json", `not json`); st != 400 {
		t.Fatalf("vote with a bad body: %d, want 400", st)
	}
	if st := post("/sandbox/api/users/a/menu/todo", "text/plain", ""); st != 200 {
		t.Fatalf("menu: %d", st)
	}
	conv := getJSON[[]sandbox.ConversationItem](t, f.base+"/sandbox/web/users/a/conversation")
	var got []string
	for _, it := range conv {
		if it.Sent != nil {
			got = append(got, "out:"+it.Sent.Text)
		} else {
			got = append(got, "in:"+it.Msg.MsgType)
		}
	}
	want := "out:提交 in:template_card out:点击「确定：政府网站、“双微”公众号」 out:点击菜单「todo」"
	if strings.Join(got, " ") != want {
		t.Errorf("conversation %q, want %q", strings.Join(got, " "), want)
	}
	// The callback carried the choices as WeCom sends them.
	var voteXML string
	for _, e := range f.corp.Traffic(0) {
		if strings.Contains(e.Summary, "platforms_ok") {
			voteXML = e.Request
		}
	}
	if !strings.Contains(voteXML, "<QuestionKey><![CDATA[platforms]]></QuestionKey>") || !strings.Contains(voteXML, "<OptionId><![CDATA[p2]]></OptionId>") {
		t.Errorf("vote callback:\n%s", voteXML)
	}
}

func TestWebChatPageAndConfig(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t, nil)
	for _, path := range []string{"/", "/sandbox/web/static/app.js", "/sandbox/web/static/app.css"} {
		resp, err := http.Get(f.base + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(b) == 0 {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		// Everything comes from the binary: no CDN, no web font.
		if s := string(b); strings.Contains(s, "https://") || strings.Contains(s, "http://") || strings.Contains(s, "//cdn") {
			t.Errorf("%s refers to another site", path)
		}
		if path == "/" && !strings.Contains(string(b), "选择身份") {
			t.Errorf("the page lacks 选择身份")
		}
	}
	cfg := getJSON[struct {
		AppName  string            `json:"app_name"`
		Users    []sandbox.WebUser `json:"users"`
		Menu     *bot.Menu         `json:"menu"`
		Follower any               `json:"follower"`
	}](t, f.base+"/sandbox/web/config")
	if cfg.AppName != "政务公开助手" || len(cfg.Users) != 2 || cfg.Users[1].Roles[0] != "股室负责人" || cfg.Menu == nil || cfg.Follower != nil {
		t.Errorf("config %+v", cfg)
	}
	ph := getJSON[struct {
		Configured bool `json:"configured"`
	}](t, f.base+"/sandbox/web/follower")
	if ph.Configured {
		t.Error("follower panel configured without a 公众号")
	}
}

// readEvent reads the next server-sent event's data.
func readEvent(t *testing.T, r *bufio.Reader) map[string]any {
	t.Helper()
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("event stream: %v", err)
		}
		if data, ok := strings.CutPrefix(strings.TrimRight(line, "\n"), "data: "); ok {
			var v map[string]any
			if err := json.Unmarshal([]byte(data), &v); err != nil {
				t.Fatal(err)
			}
			return v
		}
	}
}

func TestEventsFollowChangesAndReset(t *testing.T) {
	t.Parallel()
	var notices atomic.Int32
	f := newWebFixture(t, &sandbox.FollowerPhone{
		Account: "某区生态环境局",
		Notices: func() []sandbox.FollowerNotice {
			var out []sandbox.FollowerNotice
			for range notices.Load() {
				out = append(out, sandbox.FollowerNotice{At: time.Unix(1, 0), Title: "信息公开"})
			}
			return out
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.base+"/sandbox/web/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("events content type %q", ct)
	}
	r := bufio.NewReader(resp.Body)
	first := readEvent(t, r)
	if first["generation"].(float64) != 0 || first["follower"].(float64) != 0 {
		t.Fatalf("first state %v", first)
	}
	if _, err := f.client.Send(ctx, bot.TextMessage("b", "您好")); err != nil {
		t.Fatal(err)
	}
	for {
		st := readEvent(t, r)
		if u, ok := st["users"].(map[string]any)["b"].(map[string]any); ok && u["messages"].(float64) == 1 {
			break
		}
	}
	// The 公众号 side has no signal; it is looked at every second.
	notices.Store(1)
	for {
		if st := readEvent(t, r); st["follower"].(float64) == 1 {
			break
		}
	}
	ph := getJSON[struct {
		Configured bool                     `json:"configured"`
		Account    string                   `json:"account"`
		Notices    []sandbox.FollowerNotice `json:"notices"`
	}](t, f.base+"/sandbox/web/follower")
	if !ph.Configured || ph.Account != "某区生态环境局" || len(ph.Notices) != 1 {
		t.Errorf("follower panel %+v", ph)
	}

	rr, err := http.Post(f.base+"/sandbox/web/reset", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	rr.Body.Close()
	if rr.StatusCode != 200 || f.resets.Load() != 1 {
		t.Fatalf("reset: %d, demo reset called %d times", rr.StatusCode, f.resets.Load())
	}
	for {
		if st := readEvent(t, r); st["generation"].(float64) == 1 {
			if len(st["users"].(map[string]any)) != 0 {
				t.Errorf("after reset the users still have messages: %v", st["users"])
			}
			break
		}
	}
	if n := len(f.corp.Messages("b")) + len(f.corp.Traffic(0)); n != 0 {
		t.Errorf("after reset the corp keeps %d messages and log entries", n)
	}
}

// post sends body to the chat server and returns the status and answer.
func (f *webFixture) post(t *testing.T, path, ctype, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(f.base+path, ctype, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestTooLongTextIsRefusedWholeNeverCut(t *testing.T) {
	t.Parallel()
	var toMP []string
	f := newWebFixture(t, &sandbox.FollowerPhone{
		Account: "某区生态环境分局",
		Send:    func(_ context.Context, text string) error { toMP = append(toMP, text); return nil },
	})
	callbacks := func() int {
		n := 0
		for _, e := range f.corp.Traffic(0) {
			if e.Dir == sandbox.DirCallback {
				n++
			}
		}
		return n
	}
	// Exactly MaxText bytes, ending in two ASCII letters after three-byte
	// characters, is sent whole.
	fits := strings.Repeat("审", sandbox.MaxText/3) + strings.Repeat("a", sandbox.MaxText%3)
	if len(fits) != sandbox.MaxText {
		t.Fatalf("test text has %d bytes", len(fits))
	}
	if st, body := f.post(t, "/sandbox/api/users/a/text", "text/plain; charset=utf-8", fits); st != 200 {
		t.Fatalf("a text of %d bytes: %d %s", len(fits), st, body)
	}
	if got := f.corp.SentBy("a"); len(got) != 1 || got[0].Text != fits {
		t.Fatalf("the text of %d bytes did not arrive whole", len(fits))
	}
	// One byte more, falling inside a character: refused, in Chinese,
	// and nothing is posted to the bot or shown as sent.
	before := callbacks()
	over := strings.Repeat("审", sandbox.MaxText/3+1)
	for _, path := range []string{"/sandbox/api/users/a/text", "/sandbox/web/follower/text"} {
		st, body := f.post(t, path, "text/plain; charset=utf-8", over)
		if st != http.StatusRequestEntityTooLarge || !strings.Contains(body, "消息过长") || !strings.Contains(body, "未发送") {
			t.Errorf("%s with %d bytes: %d %q, want 413 saying 消息过长，未发送", path, len(over), st, body)
		}
	}
	// What a client cannot type is refused too, not passed on for the bot
	// to refuse with a 400 nobody sees.
	for _, bad := range []string{"审\xe5\xae", ""} {
		if st, body := f.post(t, "/sandbox/api/users/a/text", "text/plain", bad); st != http.StatusBadRequest || !strings.Contains(body, "未发送") {
			t.Errorf("text %q: %d %q, want 400 saying 未发送", bad, st, body)
		}
	}
	if n := callbacks(); n != before {
		t.Errorf("refused texts posted %d callbacks", n-before)
	}
	if got := len(f.corp.SentBy("a")); got != 1 || len(toMP) != 0 {
		t.Errorf("refused texts were recorded as sent: %d in the chat, %d to the 公众号", got-1, len(toMP))
	}
	cfg := getJSON[struct {
		MaxText  int    `json:"max_text"`
		TimeZone string `json:"time_zone"`
	}](t, f.base+"/sandbox/web/config")
	if cfg.MaxText != sandbox.MaxText || cfg.TimeZone != "Asia/Shanghai" {
		t.Errorf("config max_text %d, time_zone %q", cfg.MaxText, cfg.TimeZone)
	}
}

func TestUnreadIsEachPersonsAcrossTabs(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t, nil)
	ctx := context.Background()
	unread := func(user string) int {
		t.Helper()
		st := getJSON[struct {
			Users map[string]struct {
				Unread int `json:"unread"`
			} `json:"users"`
		}](t, f.base+"/sandbox/web/state")
		return st.Users[user].Unread
	}
	read := func(user string, n int) {
		t.Helper()
		if st, body := f.post(t, "/sandbox/web/users/"+user+"/read", "application/json", fmt.Sprintf(`{"messages":%d}`, n)); st != 200 {
			t.Fatalf("read: %d %s", st, body)
		}
	}
	for _, text := range []string{"您好", "请审核"} {
		if _, err := f.client.Send(ctx, bot.TextMessage("b", text)); err != nil {
			t.Fatal(err)
		}
	}
	if got := unread("b"); got != 2 {
		t.Fatalf("unread %d, want 2", got)
	}
	read("b", 1) // one tab showed the first message
	read("b", 0) // a tab that loaded earlier reports late: no step back
	if got := unread("b"); got != 1 {
		t.Errorf("after reading 1 of 2 (and a late report of 0): unread %d, want 1", got)
	}
	read("b", 99) // never past what was received
	if _, err := f.client.Send(ctx, bot.TextMessage("b", "又一条")); err != nil {
		t.Fatal(err)
	}
	if got := unread("b"); got != 1 {
		t.Errorf("after reading all and one more message: unread %d, want 1", got)
	}
	if got := unread("a"); got != 0 {
		t.Errorf("another person's unread %d, want 0", got)
	}
	if st, _ := f.post(t, "/sandbox/web/users/b/read", "application/json", `{"messages":-1}`); st != http.StatusBadRequest {
		t.Errorf("a negative read mark: %d, want 400", st)
	}
	if st, _ := f.post(t, "/sandbox/web/reset", "text/plain", ""); st != 200 {
		t.Fatal("reset failed")
	}
	if _, err := f.client.Send(ctx, bot.TextMessage("b", "重置后")); err != nil {
		t.Fatal(err)
	}
	if got := unread("b"); got != 1 {
		t.Errorf("after a reset the old read mark counts: unread %d, want 1", got)
	}
}
