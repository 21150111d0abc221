// Package webauth is who is looking at a web page of the bot: WeCom's
// 网页授权 (OAuth2 for a self-built app) to learn the member's userid, the
// roster to know them, a server-side session behind an HttpOnly cookie,
// CSRF protection for every form POST, and the page shell (header, 退出,
// the refusal pages) the pages share. The pages themselves live elsewhere
// (desk/); they get a *Visitor whose roles come from the roster on every
// request.
package webauth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
)

// Paths of the login machinery.
const (
	// HomePath is the 办公桌: the app menu's view item opens it.
	HomePath = "/desk"
	// LoginPath is 网页授权's redirect_uri: WeCom sends the browser back
	// here with code and state.
	LoginPath = "/desk/login"
	// LogoutPath ends the session (POST, CSRF-checked).
	LogoutPath = "/desk/logout"
)

// Cookies. The session cookie is scoped to the desk's paths; the state
// cookie lives only for the round trip through WeCom.
const (
	SessionCookie = "zwgk_desk"
	StateCookie   = "zwgk_desk_state"
	cookiePath    = "/desk"
	// CSRFField is the hidden field every form posts its token in.
	CSRFField = "csrf"
)

// Lifetimes. A state is good for the round trip through WeCom, whose code
// lives five minutes; a session ends after IdleTimeout without a request
// and after MaxAge whatever happens, so a phone left logged in does not
// stay so.
const (
	stateLifetime = 10 * time.Minute
	IdleTimeout   = 2 * time.Hour
	MaxAge        = 12 * time.Hour
)

// Texts of the refusals.
const (
	MsgOpenInWeCom = "请在企业微信中打开：工作台 → 政务公开 → 办公桌。"
	MsgNotOnRoster = "您好，您不在本系统名单中，请联系综合办公室。"
	MsgBadLogin    = "登录请求无效或已过期，请从企业微信重新打开办公桌。"
	MsgBadCode     = "登录凭证无效或已使用，请从企业微信重新打开办公桌。"
	MsgCSRF        = "页面已过期或请求来源不明，操作未执行。请返回办公桌刷新页面后重试。"
)

// Identifier trades a 网页授权 code for the visitor (bot.Client).
type Identifier interface {
	GetUserInfo(ctx context.Context, code string) (bot.Visitor, error)
}

// Auth logs people into the web pages.
type Auth struct {
	Sessions  *storage.WebSessions
	Redis     *storage.Redis // the login states
	Roster    *config.Roster
	WeCom     Identifier
	CorpID    string
	AgentID   int64
	OAuthBase string // WECOM_OAUTH_BASE
	PublicURL string // PUBLIC_BASE_URL: the redirect_uri's base, and Secure cookies when https
	Log       *slog.Logger
	Now       func() time.Time

	cop *http.CrossOriginProtection
}

// Visitor is a logged-in person, as the roster has them now.
type Visitor struct {
	Person config.Person
	// CSRF is the session's token; forms put it in CSRFField.
	CSRF      string
	sessionID string
	// at is when the request came, by Auth's clock: a notice signed now
	// is believed for a short while only (done.go).
	at time.Time
}

func (a *Auth) secure() bool { return strings.HasPrefix(strings.ToLower(a.PublicURL), "https://") }

func (a *Auth) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// Routes mounts the login callback and 退出.
func (a *Auth) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+LoginPath, a.serveLogin)
	mux.HandleFunc("POST "+LogoutPath, a.Form(a.serveLogout))
}

// visitor is the request's logged-in person: nil, with no error, when
// there is no live session. refused is set when the session's person is
// no longer on the roster.
func (a *Auth) visitor(r *http.Request) (v *Visitor, refused bool, err error) {
	ck, err := r.Cookie(SessionCookie)
	if err != nil || ck.Value == "" {
		return nil, false, nil
	}
	ws, ok, err := a.Sessions.Get(r.Context(), ck.Value)
	if err != nil || !ok {
		return nil, false, err
	}
	if a.now().Sub(ws.Created) > MaxAge {
		return nil, false, a.Sessions.Delete(r.Context(), ck.Value)
	}
	p, ok := a.Roster.Person(ws.UserID)
	if !ok {
		return nil, true, nil
	}
	return &Visitor{Person: p, CSRF: ws.CSRF, sessionID: ck.Value, at: a.now()}, false, nil
}

// Page wraps a GET page: the visitor must be logged in; one who is not is
// sent through 网页授权 and comes back to the same address.
func (a *Auth) Page(h func(http.ResponseWriter, *http.Request, *Visitor)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, refused, err := a.visitor(r)
		switch {
		case err != nil:
			a.fail(w, r, "read web session", err)
		case refused:
			Refuse(w, http.StatusForbidden, "无法使用办公桌", MsgNotOnRoster)
		case v == nil:
			a.startLogin(w, r)
		default:
			w.Header().Set("Cache-Control", "no-store")
			h(w, withVisitor(r, v), v)
		}
	}
}

// Form wraps a form POST: the visitor must be logged in, the request must
// come from our own pages (Origin, Sec-Fetch-Site) and carry the session's
// CSRF token. Anything else is 403 and nothing is done.
func (a *Auth) Form(h func(http.ResponseWriter, *http.Request, *Visitor)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, refused, err := a.visitor(r)
		switch {
		case err != nil:
			a.fail(w, r, "read web session", err)
			return
		case refused:
			Refuse(w, http.StatusForbidden, "无法使用办公桌", MsgNotOnRoster)
			return
		case v == nil:
			// No login from a POST: the form's page has expired with it.
			// What the visitor wrote is shown back to copy (a 年度报告
			// section is an hour's writing), never acted on.
			message(w, http.StatusForbidden, "操作未执行", messageBody{Text: "登录已过期，操作未执行。请从企业微信重新打开办公桌。",
				Kept: a.typedText(r)})
			return
		}
		if err := a.CheckCSRF(r, v); err != nil {
			a.Log.WarnContext(r.Context(), "desk form refused", "user", v.Person.UserID, "path", r.URL.Path, "why", err.Error())
			Refuse(w, http.StatusForbidden, "操作未执行", MsgCSRF)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h(w, r, v)
	}
}

// Upload wraps a multipart POST carrying a file, as Form does a form: the
// visitor logged in, the request from our own pages and with the session's
// CSRF token. ParseForm, which Form relies on, reads only urlencoded
// bodies, so here the multipart body is parsed first — bounded to limit
// bytes while it is read (http.MaxBytesReader), a larger body answered 413
// with tooLarge and nothing done — and the token is then taken from its
// fields. The handler finds the file in r.MultipartForm; parts beyond
// uploadMemory wait in temporary files that net/http removes after the
// request.
func (a *Auth) Upload(limit int64, tooLarge string, h func(http.ResponseWriter, *http.Request, *Visitor)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, refused, err := a.visitor(r)
		switch {
		case err != nil:
			a.fail(w, r, "read web session", err)
			return
		case refused:
			Refuse(w, http.StatusForbidden, "无法使用办公桌", MsgNotOnRoster)
			return
		case v == nil:
			Refuse(w, http.StatusForbidden, "操作未执行", "登录已过期，操作未执行。请从企业微信重新打开办公桌。")
			return
		}
		err = a.checkUpload(w, r, v, limit)
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			a.Log.InfoContext(r.Context(), "desk upload too large", "user", v.Person.UserID, "path", r.URL.Path, "limit", limit)
			Refuse(w, http.StatusRequestEntityTooLarge, "未上传", tooLarge)
			return
		case err != nil:
			a.Log.WarnContext(r.Context(), "desk upload refused", "user", v.Person.UserID, "path", r.URL.Path, "why", err.Error())
			Refuse(w, http.StatusForbidden, "操作未执行", MsgCSRF)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h(w, r, v)
	}
}

// uploadMemory is how much of a multipart body is kept in memory.
const uploadMemory = 4 << 20

func (a *Auth) checkUpload(w http.ResponseWriter, r *http.Request, v *Visitor, limit int64) error {
	if a.cop == nil {
		a.cop = http.NewCrossOriginProtection()
	}
	if err := a.cop.Check(r); err != nil {
		return fmt.Errorf("%w: %v", ErrCrossOrigin, err)
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return fmt.Errorf("%w: not multipart/form-data", ErrCSRFToken)
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseMultipartForm(uploadMemory); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return tooBig
		}
		return fmt.Errorf("%w: %v", ErrCSRFToken, err)
	}
	return a.checkToken(r, v)
}

func (a *Auth) checkToken(r *http.Request, v *Visitor) error {
	got := r.PostForm.Get(CSRFField)
	if got == "" || v.CSRF == "" || subtle.ConstantTimeCompare([]byte(got), []byte(v.CSRF)) != 1 {
		return ErrCSRFToken
	}
	return nil
}

// Errors of CheckCSRF.
var (
	ErrCrossOrigin = errors.New("cross-origin request")
	ErrCSRFToken   = errors.New("missing or wrong CSRF token")
)

// typedText is what a person typed into a refused form, to copy: the
// fields of some length but the token, from our own pages only.
func (a *Auth) typedText(r *http.Request) []string {
	if a.cop == nil {
		a.cop = http.NewCrossOriginProtection()
	}
	if a.cop.Check(r) != nil {
		return nil
	}
	r.Body = http.MaxBytesReader(nil, r.Body, maxFormBytes)
	if r.ParseForm() != nil {
		return nil
	}
	var out []string
	for k, vs := range r.PostForm {
		if k == CSRFField {
			continue
		}
		for _, s := range vs {
			if utf8.RuneCountInString(strings.TrimSpace(s)) >= keptRunes {
				out = append(out, s)
			}
		}
	}
	slices.Sort(out)
	return out
}

// keptRunes: shorter values (a choice, a date) are not worth keeping.
const keptRunes = 10

// maxFormBytes bounds a form's body: a section of the 年度报告 (20 000
// characters, storage.MaxAnnualText) is 180 KB percent-encoded.
const maxFormBytes = 256 << 10

// CheckCSRF checks a POST of v's: same origin by the browser's own
// headers, and the session's token in CSRFField, compared in constant
// time. It parses the form.
func (a *Auth) CheckCSRF(r *http.Request, v *Visitor) error {
	if a.cop == nil {
		a.cop = http.NewCrossOriginProtection()
	}
	if err := a.cop.Check(r); err != nil {
		return fmt.Errorf("%w: %v", ErrCrossOrigin, err)
	}
	r.Body = http.MaxBytesReader(nil, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return fmt.Errorf("%w: %v", ErrCSRFToken, err)
	}
	return a.checkToken(r, v)
}

// startLogin sends the browser to 网页授权 with a fresh state, which the
// state cookie binds to this browser: a callback with another browser's
// state, or none, is refused.
func (a *Auth) startLogin(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		Refuse(w, http.StatusForbidden, "无法使用办公桌", MsgOpenInWeCom)
		return
	}
	state := storage.RandomToken()
	if err := a.Redis.PutLoginState(r.Context(), state, r.URL.RequestURI(), stateLifetime); err != nil {
		a.fail(w, r, "start login", err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: StateCookie, Value: state, Path: cookiePath, MaxAge: int(stateLifetime.Seconds()),
		HttpOnly: true, Secure: a.secure(), SameSite: http.SameSiteLaxMode})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, bot.AuthorizeURL(a.OAuthBase, a.CorpID, a.AgentID, a.PublicURL+LoginPath, state), http.StatusFound)
}

// serveLogin is 网页授权's redirect_uri.
func (a *Auth) serveLogin(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	q := r.URL.Query()
	code, state := q.Get("code"), q.Get("state")
	ck, _ := r.Cookie(StateCookie)
	// The state cookie has done its work, whatever comes next.
	http.SetCookie(w, &http.Cookie{Name: StateCookie, Value: "", Path: cookiePath, MaxAge: -1,
		HttpOnly: true, Secure: a.secure(), SameSite: http.SameSiteLaxMode})
	if code == "" {
		// WeCom sends no code outside its client, or when it cannot say
		// who is looking.
		Refuse(w, http.StatusForbidden, "请在企业微信中打开", MsgOpenInWeCom)
		return
	}
	if state == "" || ck == nil || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(state)) != 1 {
		Refuse(w, http.StatusForbidden, "无法登录", MsgBadLogin)
		return
	}
	returnTo, ok, err := a.Redis.TakeLoginState(r.Context(), state)
	if err != nil {
		a.fail(w, r, "take login state", err)
		return
	}
	if !ok {
		Refuse(w, http.StatusForbidden, "无法登录", MsgBadLogin)
		return
	}
	who, err := a.WeCom.GetUserInfo(r.Context(), code)
	if bot.IsInvalidCode(err) {
		Refuse(w, http.StatusForbidden, "无法登录", MsgBadCode)
		return
	}
	if err != nil {
		a.Log.ErrorContext(r.Context(), "desk login: getuserinfo failed", "err", err)
		Refuse(w, http.StatusBadGateway, "暂时无法登录", "暂时无法确认您的身份，请稍后重试。")
		return
	}
	p, ok := a.Roster.Person(who.UserID)
	if who.UserID == "" || !ok {
		a.Log.InfoContext(r.Context(), "desk login refused: not on the roster", "userid", who.UserID, "member", who.UserID != "")
		Refuse(w, http.StatusForbidden, "无法使用办公桌", MsgNotOnRoster)
		return
	}
	id, _, err := a.Sessions.Create(r.Context(), p.UserID, a.now())
	if err != nil {
		a.fail(w, r, "create web session", err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: id, Path: cookiePath,
		HttpOnly: true, Secure: a.secure(), SameSite: http.SameSiteLaxMode})
	a.Log.InfoContext(r.Context(), "desk login", "user", p.UserID)
	if !strings.HasPrefix(returnTo, HomePath) || strings.HasPrefix(returnTo, LoginPath) {
		returnTo = HomePath // only our own pages: no open redirect
	}
	// A browser carries the authorize address's #wechat_redirect across
	// every redirect whose Location has no fragment of its own (RFC 9110
	// §10.2.2), and would land on the page with it: an empty fragment of
	// our own ends it there.
	http.Redirect(w, r, returnTo+"#", http.StatusSeeOther)
}

func (a *Auth) serveLogout(w http.ResponseWriter, r *http.Request, v *Visitor) {
	if err := a.Sessions.Delete(r.Context(), v.sessionID); err != nil {
		a.fail(w, r, "logout", err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: cookiePath, MaxAge: -1,
		HttpOnly: true, Secure: a.secure(), SameSite: http.SameSiteLaxMode})
	a.Log.InfoContext(r.Context(), "desk logout", "user", v.Person.UserID)
	message(w, http.StatusOK, "已退出", messageBody{Text: "您已退出办公桌。", Link: HomePath, LinkText: "重新打开办公桌"})
}

// fail answers our own failure: 500, and the cause in the log only.
func (a *Auth) fail(w http.ResponseWriter, r *http.Request, what string, err error) {
	a.Log.ErrorContext(r.Context(), "desk: "+what, "err", err)
	Refuse(w, http.StatusInternalServerError, "系统繁忙", "系统暂时无法处理，请稍后重试。")
}
