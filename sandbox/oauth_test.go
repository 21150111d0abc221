package sandbox_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/sandbox"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

// oauthFixture is a sandbox serving WeCom's API and its authorize page on
// one server, a corp whose 可信域名 is app.example:8443, and the bot's
// client for it.
type oauthFixture struct {
	sb     *sandbox.Sandbox
	srv    *httptest.Server
	client *bot.Client
	clock  *clock
	http   *http.Client // follows no redirect: the test reads each
}

const trusted = "app.example:8443"

func newOAuthFixture(t *testing.T) *oauthFixture {
	t.Helper()
	sb := sandbox.New()
	clk := &clock{t: time.Now()}
	sb.Now = clk.Now
	mux := http.NewServeMux()
	mux.Handle("/cgi-bin/", sb.Handler())
	mux.Handle("/connect/", sb.OAuthHandler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	if _, err := sb.AddCorp(sandbox.CorpConfig{
		CorpID: "wwsbx", Secret: "s3cret", AgentID: 1000002, Token: "tok",
		EncodingAESKey: aesKey, CallbackURL: "http://127.0.0.1:1/unused", Users: []string{"lina", "chen"},
		TrustedDomain: trusted,
	}); err != nil {
		t.Fatal(err)
	}
	hc, err := bot.NewHTTPClient(map[string]string{bot.WeComHost: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	c := bot.NewClient("wwsbx", 1000002, "s3cret", hc, storagetest.NewRedis(t), slog.New(slog.NewTextHandler(io.Discard, nil)))
	return &oauthFixture{sb: sb, srv: srv, client: c, clock: clk,
		http: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// authorize opens the authorize page as user ("" for a browser outside
// WeCom) and returns the status, the redirect and the page's text.
func (f *oauthFixture) authorize(t *testing.T, user, link string) (int, *url.URL, string) {
	t.Helper()
	u := strings.Replace(link, "https://open.weixin.qq.com", f.srv.URL, 1)
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if user != "" {
		req.AddCookie(&http.Cookie{Name: sandbox.VisitorCookie, Value: user})
	}
	resp, err := f.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	loc, _ := resp.Location()
	return resp.StatusCode, loc, string(b)
}

func link(corp string, agent int64, redirect, state string) string {
	return bot.AuthorizeURL("https://open.weixin.qq.com", corp, agent, redirect, state)
}

func TestOAuthCodeWorksOnceForFiveMinutes(t *testing.T) {
	t.Parallel()
	f := newOAuthFixture(t)
	ctx := context.Background()
	st, loc, body := f.authorize(t, "lina", link("wwsbx", 1000002, "https://"+trusted+"/desk/login?x=1", "abc123"))
	if st != http.StatusFound || loc == nil {
		t.Fatalf("authorize = %d %q, want a redirect", st, body)
	}
	if loc.Host != trusted || loc.Path != "/desk/login" || loc.Query().Get("state") != "abc123" || loc.Query().Get("x") != "1" {
		t.Fatalf("redirect = %s, want the redirect_uri with its query, code and state", loc)
	}
	code := loc.Query().Get("code")
	v, err := f.client.GetUserInfo(ctx, code)
	if err != nil || v.UserID != "lina" || v.OpenID != "" {
		t.Fatalf("GetUserInfo = %+v, %v; want lina", v, err)
	}
	if _, err := f.client.GetUserInfo(ctx, code); !bot.IsInvalidCode(err) {
		t.Errorf("a used code: %v, want 40029", err)
	}
	if _, err := f.client.GetUserInfo(ctx, "forged"+code[6:]); !bot.IsInvalidCode(err) {
		t.Errorf("a forged code: %v, want 40029", err)
	}
	_, loc, _ = f.authorize(t, "chen", link("wwsbx", 1000002, "https://"+trusted+"/desk/login", "s"))
	f.sb.AgeOAuthCodes(5*time.Minute + time.Second)
	if _, err := f.client.GetUserInfo(ctx, loc.Query().Get("code")); !bot.IsInvalidCode(err) {
		t.Errorf("a code older than five minutes: %v, want 40029", err)
	}
	_, loc, _ = f.authorize(t, "chen", link("wwsbx", 1000002, "https://"+trusted+"/desk/login", "s"))
	f.sb.AgeOAuthCodes(4 * time.Minute)
	if v, err := f.client.GetUserInfo(ctx, loc.Query().Get("code")); err != nil || v.UserID != "chen" {
		t.Errorf("a code four minutes old: %+v, %v; want chen", v, err)
	}
}

func TestOAuthNonMemberGetsAnOpenID(t *testing.T) {
	t.Parallel()
	f := newOAuthFixture(t)
	_, loc, _ := f.authorize(t, "stranger", link("wwsbx", 1000002, "https://"+trusted+"/desk/login", "s"))
	v, err := f.client.GetUserInfo(context.Background(), loc.Query().Get("code"))
	if err != nil || v.UserID != "" || !strings.HasPrefix(v.OpenID, "o") {
		t.Fatalf("GetUserInfo of a non-member = %+v, %v; want an openid only", v, err)
	}
}

func TestOAuthGetUserInfoRefusesABadToken(t *testing.T) {
	t.Parallel()
	f := newOAuthFixture(t)
	resp, err := http.Get(f.srv.URL + "/cgi-bin/auth/getuserinfo?access_token=nope&code=x")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(b), `"errcode":40014`) {
		t.Errorf("getuserinfo with a bad token = %s, want 40014", b)
	}
}

func TestOAuthAuthorizeRefusesWhatWeComRefuses(t *testing.T) {
	t.Parallel()
	f := newOAuthFixture(t)
	good := "https://" + trusted + "/desk/login"
	for _, c := range []struct {
		name, user, link string
		status           int
		says             string
	}{
		{"outside WeCom", "", link("wwsbx", 1000002, good, "s"), http.StatusForbidden, "请在企业微信客户端打开链接"},
		{"unknown appid", "lina", link("wwother", 1000002, good, "s"), http.StatusBadRequest, "appid"},
		{"another agentid", "lina", link("wwsbx", 1000003, good, "s"), http.StatusBadRequest, "agentid"},
		{"untrusted domain", "lina", link("wwsbx", 1000002, "https://evil.example/desk/login", "s"), http.StatusBadRequest, "redirect_uri参数错误"},
		{"trusted host, other port", "lina", link("wwsbx", 1000002, "https://app.example/desk/login", "s"), http.StatusBadRequest, "redirect_uri参数错误"},
		{"state with a dash", "lina", link("wwsbx", 1000002, good, "a-b"), http.StatusBadRequest, "state"},
		{"state too long", "lina", link("wwsbx", 1000002, good, strings.Repeat("a", 129)), http.StatusBadRequest, "state"},
		{"no response_type", "lina", strings.Replace(link("wwsbx", 1000002, good, "s"), "response_type=code", "response_type=token", 1), http.StatusBadRequest, "response_type"},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, loc, body := f.authorize(t, c.user, c.link)
			if st != c.status || loc != nil || !strings.Contains(body, c.says) {
				t.Errorf("authorize = %d (redirect %v) %q, want %d saying %q", st, loc, body, c.status, c.says)
			}
		})
	}
}
