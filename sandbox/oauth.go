package sandbox

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
)

// WeCom's 网页授权 as the sandbox plays it. The authorize page stands for
// WeCom's client: the person using it is the one chosen in the web chat
// (选择身份), which the page keeps in the VisitorCookie cookie; a browser
// without it is a browser outside WeCom. The page checks what WeCom checks
// (appid, response_type, scope, state, agentid, the redirect's 可信域名)
// and sends the browser back with a code that works once, for five
// minutes, with the access token of the app whose trusted domain the
// redirect went to (获取访问用户身份: 「code只能使用一次，5分钟未被使用自动过期」;
// 「跳转的域名须完全匹配access_token对应应用的可信域名，否则会返回50001错误」).

// VisitorCookie holds the userid the sandbox's WeCom client is logged in
// as; the web chat sets it when a person is chosen.
const VisitorCookie = "sandbox_wecom_user"

// oauthCodeLifetime is a 网页授权 code's life.
const oauthCodeLifetime = 5 * time.Minute

// Errcodes of getuserinfo.
const (
	errOAuthInvalidCode    = bot.ErrInvalidCode
	errOAuthRedirectDomain = bot.ErrRedirectDomain
)

type oauthCode struct {
	corp   *Corp
	userID string // a member's; empty for a non-member
	openID string // a non-member's
	host   string // the redirect's host[:port]
	issued time.Time
	used   bool
}

// OAuthHandler serves WeCom's authorize page under /connect/oauth2/.
func (s *Sandbox) OAuthHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+bot.AuthorizePath, s.authorize)
	return mux
}

var oauthPage = template.Must(template.New("oauth").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>企业微信</title></head>
<body style="font-family:sans-serif;text-align:center;padding:3em 1em;color:#333">
<p id="oauth-error" style="font-size:1.1em">{{.}}</p>
<p style="color:#888;font-size:.9em">沙箱中的企业微信网页授权</p>
</body></html>`))

func oauthError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	oauthPage.Execute(w, msg)
}

// authorize is /connect/oauth2/authorize. WeCom shows its errors as a page
// in the client; so does the sandbox, with status 400 for a broken link
// and 403 outside the client.
func (s *Sandbox) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c, ok := s.Corp(q.Get("appid"))
	if !ok {
		oauthError(w, http.StatusBadRequest, "参数错误：appid 无效。")
		return
	}
	tw := &trafficWriter{ResponseWriter: w}
	w = tw
	defer c.recordAPI("oauth2/authorize", r, nil, tw)
	if q.Get("response_type") != "code" {
		oauthError(w, http.StatusBadRequest, "参数错误：response_type 须为 code。")
		return
	}
	if sc := q.Get("scope"); sc != bot.ScopeBase && sc != "snsapi_privateinfo" {
		oauthError(w, http.StatusBadRequest, "参数错误：scope 无效。")
		return
	}
	state := q.Get("state")
	if !bot.ValidState(state) {
		oauthError(w, http.StatusBadRequest, "参数错误：state 只能包含字母和数字，且不超过128字节。")
		return
	}
	if a := q.Get("agentid"); a != "" && a != strconv.FormatInt(c.cfg.AgentID, 10) {
		oauthError(w, http.StatusBadRequest, "参数错误：agentid 无效。")
		return
	} else if a == "" && q.Get("scope") == "snsapi_privateinfo" {
		oauthError(w, http.StatusBadRequest, "参数错误：snsapi_privateinfo 须填写 agentid。")
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || !redirect.IsAbs() || (redirect.Scheme != "http" && redirect.Scheme != "https") || redirect.Host == "" ||
		c.cfg.TrustedDomain == "" || !strings.EqualFold(redirect.Host, c.cfg.TrustedDomain) {
		// The 可信域名 must match the redirect's host exactly, port included.
		oauthError(w, http.StatusBadRequest, "redirect_uri参数错误")
		return
	}
	who := ""
	if ck, err := r.Cookie(VisitorCookie); err == nil {
		who, _ = url.QueryUnescape(ck.Value)
	}
	if who == "" {
		oauthError(w, http.StatusForbidden, "请在企业微信客户端打开链接")
		return
	}
	code := &oauthCode{corp: c, host: redirect.Host, issued: s.Now()}
	c.mu.Lock()
	member := len(c.users) == 0 || c.users[who]
	c.mu.Unlock()
	if member {
		code.userID = who
	} else {
		code.openID = "o" + randomHex(12) // 非企业成员: an openid, unique in the corp
	}
	value := randomHex(32)
	s.mu.Lock()
	if s.oauthCodes == nil {
		s.oauthCodes = map[string]*oauthCode{}
	}
	s.oauthCodes[value] = code
	s.mu.Unlock()
	back := *redirect
	bq := back.Query()
	bq.Set("code", value)
	bq.Set("state", state)
	back.RawQuery = bq.Encode()
	back.Fragment = ""
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// apiGetUserInfo is GET /cgi-bin/auth/getuserinfo.
func (c *Corp) apiGetUserInfo(w http.ResponseWriter, r *http.Request, _ []byte) {
	code := r.URL.Query().Get("code")
	s := c.sb
	s.mu.Lock()
	oc, ok := s.oauthCodes[code]
	now := s.Now()
	valid := ok && oc.corp == c && !oc.used && !now.After(oc.issued.Add(oauthCodeLifetime))
	if valid {
		oc.used = true
	}
	s.mu.Unlock()
	if !valid {
		writeErr(w, errOAuthInvalidCode, "invalid code")
		return
	}
	if !strings.EqualFold(oc.host, c.cfg.TrustedDomain) {
		writeErr(w, errOAuthRedirectDomain, "redirect_url 未登记可信域名")
		return
	}
	if oc.userID != "" {
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "userid": oc.userID})
		return
	}
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "openid": oc.openID})
}

// AgeOAuthCodes makes every 网页授权 code issued so far d older, as if the
// person had waited d before the page came back.
func (s *Sandbox) AgeOAuthCodes(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, oc := range s.oauthCodes {
		oc.issued = oc.issued.Add(-d)
	}
}
