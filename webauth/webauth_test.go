package webauth_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/sandbox"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
	"github.com/zwgk-bot/zwgk/webauth"
)

const aesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

const roster = `
sections:
  - name: 综合办公室
    head: chen
  - name: 综合一股
    head: zhang
people:
  - {userid: chen, name: 陈立新, section: 综合办公室, roles: [office]}
  - {userid: zhang, name: 张伟, section: 综合一股, roles: []}
  - {userid: lina, name: 李娜, section: 综合一股, roles: []}
  - {userid: zhou, name: 周振华, section: "", roles: [leader]}
  - {userid: he, name: 何静, section: 综合办公室, roles: [publisher]}
`

// fixture is a page server behind webauth, the sandbox playing WeCom
// (API and authorize page), and a browser: a cookie jar that follows no
// redirect, so that each step can be looked at.
type fixture struct {
	app, wecom *httptest.Server
	mux        *http.ServeMux // the app's, for a test's own pages
	auth       *webauth.Auth
	rdb        *storage.Redis
	jar        *cookiejar.Jar
	browser    *http.Client
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	r, err := config.ParseRoster([]byte(roster))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	app := httptest.NewServer(mux)
	t.Cleanup(app.Close)

	sb := sandbox.New()
	wmux := http.NewServeMux()
	wmux.Handle("/cgi-bin/", sb.Handler())
	wmux.Handle("/connect/", sb.OAuthHandler())
	wecom := httptest.NewServer(wmux)
	t.Cleanup(wecom.Close)
	au, _ := url.Parse(app.URL)
	if _, err := sb.AddCorp(sandbox.CorpConfig{CorpID: "wwdesk", Secret: "s3cret", AgentID: 1000002, Token: "tok",
		EncodingAESKey: aesKey, CallbackURL: "http://127.0.0.1:1/unused", TrustedDomain: au.Host,
		Users: []string{"chen", "zhang", "lina", "member_not_on_roster"}}); err != nil {
		t.Fatal(err)
	}
	hc, err := bot.NewHTTPClient(map[string]string{bot.WeComHost: wecom.URL})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rdb := storagetest.NewRedis(t)
	a := &webauth.Auth{
		Sessions: rdb.WebSessions(time.Hour), Redis: rdb, Roster: r,
		WeCom:  bot.NewClient("wwdesk", 1000002, "s3cret", hc, rdb, log),
		CorpID: "wwdesk", AgentID: 1000002, OAuthBase: wecom.URL, PublicURL: app.URL, Log: log,
	}
	a.Routes(mux)
	mux.HandleFunc("GET /desk", a.Page(func(w http.ResponseWriter, r *http.Request, v *webauth.Visitor) {
		io.WriteString(w, "hello "+v.Person.Name+" csrf="+v.CSRF)
	}))
	jar, _ := cookiejar.New(nil)
	return &fixture{app: app, mux: mux, wecom: wecom, auth: a, rdb: rdb, jar: jar, browser: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type answer struct {
	status int
	loc    *url.URL
	body   string
	resp   *http.Response
}

func (f *fixture) do(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := f.browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	loc, _ := resp.Location()
	return answer{resp.StatusCode, loc, string(b), resp}
}

func (f *fixture) get(t *testing.T, u string) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return f.do(t, req)
}

// newBrowser forgets every cookie: another browser.
func (f *fixture) newBrowser() {
	f.jar, _ = cookiejar.New(nil)
	f.browser.Jar = f.jar
}

// as sets who the sandbox's WeCom client is logged in as.
func (f *fixture) as(user string) {
	u, _ := url.Parse(f.wecom.URL)
	f.jar.SetCookies(u, []*http.Cookie{{Name: sandbox.VisitorCookie, Value: user, Path: "/"}})
}

// toCallback opens /desk and follows it through the authorize page; it
// returns the callback address WeCom sends the browser to.
func (f *fixture) toCallback(t *testing.T, user string) *url.URL {
	t.Helper()
	f.as(user)
	a := f.get(t, f.app.URL+"/desk")
	if a.status != http.StatusFound || a.loc == nil || !strings.HasPrefix(a.loc.String(), f.wecom.URL+bot.AuthorizePath+"?appid=wwdesk&redirect_uri=") {
		t.Fatalf("/desk without a session = %d %v, want the authorize page", a.status, a.loc)
	}
	b := f.get(t, a.loc.String())
	if b.status != http.StatusFound || b.loc == nil {
		t.Fatalf("authorize = %d %q", b.status, b.body)
	}
	return b.loc
}

func (f *fixture) login(t *testing.T, user string) answer {
	t.Helper()
	cb := f.toCallback(t, user)
	c := f.get(t, cb.String())
	if c.status != http.StatusSeeOther || c.loc == nil || c.loc.Path != "/desk" {
		t.Fatalf("callback = %d %v %q, want back to /desk", c.status, c.loc, c.body)
	}
	return c
}

func TestLoginThroughWeComAndSessionCookie(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.login(t, "lina")
	var session *http.Cookie
	for _, ck := range c.resp.Cookies() {
		if ck.Name == webauth.SessionCookie {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/desk" || session.Secure {
		t.Fatalf("session cookie = %+v, want HttpOnly, SameSite=Lax, Path=/desk, not Secure on http", session)
	}
	if page := f.get(t, f.app.URL+"/desk"); page.status != http.StatusOK || !strings.HasPrefix(page.body, "hello 李娜") {
		t.Fatalf("/desk after login = %d %q", page.status, page.body)
	}
	// The session's idle expiry runs in Redis and restarts on each request.
	keys, err := f.rdb.Client.Keys(context.Background(), f.rdb.Prefix+"web:session:*").Result()
	if err != nil || len(keys) != 1 {
		t.Fatalf("session keys = %v, %v", keys, err)
	}
	if ttl := f.rdb.Client.TTL(context.Background(), keys[0]).Val(); ttl <= 0 || ttl > time.Hour {
		t.Errorf("session TTL = %v, want the idle expiry (1h)", ttl)
	}
	if strings.Contains(keys[0], session.Value) {
		t.Error("the Redis key holds the cookie's value")
	}
}

func TestSecureCookiesBehindHTTPS(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.auth.PublicURL = "https://zwgk.example.gov.cn"
	a := f.get(t, f.app.URL+"/desk")
	if !strings.Contains(a.loc.Query().Get("redirect_uri"), "https://zwgk.example.gov.cn/desk/login") {
		t.Errorf("redirect_uri = %q", a.loc.Query().Get("redirect_uri"))
	}
	for _, ck := range a.resp.Cookies() {
		if ck.Name == webauth.StateCookie && !ck.Secure {
			t.Errorf("state cookie %+v is not Secure behind https", ck)
		}
	}
}

func TestLoginRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)

	// A member of the corp who is not on the roster, and a non-member.
	for _, who := range []string{"member_not_on_roster", "outsider"} {
		cb := f.toCallback(t, who)
		if c := f.get(t, cb.String()); c.status != http.StatusForbidden || !strings.Contains(c.body, "不在本系统名单中，请联系综合办公室") {
			t.Errorf("%s: callback = %d %q", who, c.status, c.body)
		}
	}

	// No code: WeCom could not say who is looking.
	if c := f.get(t, f.app.URL+"/desk/login?state=abc"); c.status != http.StatusForbidden || !strings.Contains(c.body, "请在企业微信中打开：工作台 → 政务公开 → 办公桌") {
		t.Errorf("callback without code = %d %q", c.status, c.body)
	}

	// A state that is not this browser's.
	cb := f.toCallback(t, "lina")
	forged := *cb
	q := forged.Query()
	q.Set("state", "x"+q.Get("state")[1:])
	forged.RawQuery = q.Encode()
	if c := f.get(t, forged.String()); c.status != http.StatusForbidden || !strings.Contains(c.body, webauth.MsgBadLogin) {
		t.Errorf("callback with a wrong state = %d %q", c.status, c.body)
	}

	// A code used once already, brought back with a fresh state.
	cb = f.toCallback(t, "lina")
	if c := f.get(t, cb.String()); c.status != http.StatusSeeOther {
		t.Fatalf("first use of the code = %d %q", c.status, c.body)
	}
	used := cb.Query().Get("code")
	f.newBrowser()
	cb2 := f.toCallback(t, "lina")
	q = cb2.Query()
	q.Set("code", used)
	cb2.RawQuery = q.Encode()
	if c := f.get(t, cb2.String()); c.status != http.StatusForbidden || !strings.Contains(c.body, webauth.MsgBadCode) {
		t.Errorf("callback with a used code = %d %q", c.status, c.body)
	}
	// A replayed callback (its state used, and another browser's) is refused.
	if c := f.get(t, cb.String()); c.status != http.StatusForbidden {
		t.Errorf("a replayed callback = %d %q", c.status, c.body)
	}
}

func (f *fixture) logout(t *testing.T, form url.Values, header map[string]string) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.app.URL+"/desk/logout", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return f.do(t, req)
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.login(t, "chen")
	page := f.get(t, f.app.URL+"/desk")
	token := page.body[strings.Index(page.body, "csrf=")+5:]

	for _, c := range []struct {
		name   string
		form   url.Values
		header map[string]string
	}{
		{"no token", url.Values{}, nil},
		{"wrong token", url.Values{"csrf": {strings.Repeat("0", len(token))}}, nil},
		{"another site", url.Values{"csrf": {token}}, map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"another origin", url.Values{"csrf": {token}}, map[string]string{"Origin": "https://evil.example"}},
	} {
		a := f.logout(t, c.form, c.header)
		if a.status != http.StatusForbidden || !strings.Contains(a.body, webauth.MsgCSRF) {
			t.Errorf("%s: logout = %d %q, want 403", c.name, a.status, a.body)
		}
		if still := f.get(t, f.app.URL+"/desk"); still.status != http.StatusOK {
			t.Fatalf("%s: the refused POST ended the session: %d", c.name, still.status)
		}
	}
	a := f.logout(t, url.Values{"csrf": {token}}, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": f.app.URL})
	if a.status != http.StatusOK || !strings.Contains(a.body, "您已退出办公桌") {
		t.Fatalf("logout with the token = %d %q", a.status, a.body)
	}
	if after := f.get(t, f.app.URL+"/desk"); after.status != http.StatusFound {
		t.Errorf("/desk after logout = %d, want the login again", after.status)
	}
	// A POST after the session ended does nothing and shows back what was
	// typed, to copy — only to our own pages.
	typed := "五、存在的主要问题及改进情况：信息发布的及时性有待提高。"
	same := map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": f.app.URL}
	if a := f.logout(t, url.Values{"csrf": {token}, "body": {typed}, "ok": {"1"}}, same); a.status != http.StatusForbidden ||
		!strings.Contains(a.body, "登录已过期") || !strings.Contains(a.body, typed) || strings.Contains(a.body, token) {
		t.Errorf("a POST without a session = %d %q, want 403 with the typed text", a.status, a.body)
	}
	if a := f.logout(t, url.Values{"body": {typed}}, map[string]string{"Sec-Fetch-Site": "cross-site"}); a.status != http.StatusForbidden || strings.Contains(a.body, typed) {
		t.Errorf("a cross-site POST without a session = %d %q, want 403 without the text", a.status, a.body)
	}
}

func TestRosterChangeAppliesAtOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.login(t, "lina")
	smaller, err := config.ParseRoster([]byte(strings.Replace(roster, "  - {userid: lina, name: 李娜, section: 综合一股, roles: []}\n", "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	f.auth.Roster = smaller
	if a := f.get(t, f.app.URL+"/desk"); a.status != http.StatusForbidden || !strings.Contains(a.body, "不在本系统名单中") {
		t.Errorf("/desk after lina left the roster = %d %q", a.status, a.body)
	}
}

// The callback's redirect has a fragment of its own, empty: a browser
// would otherwise carry the authorize address's #wechat_redirect across it
// to the page.
func TestLoginRedirectEndsTheFragment(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.login(t, "lina")
	if got := c.resp.Header.Get("Location"); got != "/desk#" {
		t.Errorf("the callback's Location = %q, want /desk# (a fragment of its own)", got)
	}
}
