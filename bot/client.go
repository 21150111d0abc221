package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/silenceper/wechat/v2/util"
)

// TokenStore is where access tokens are shared between replicas (Redis).
type TokenStore interface {
	GetString(ctx context.Context, key string) (string, bool, error)
	SetString(ctx context.Context, key, val string, ttl time.Duration) error
	DeleteStringIf(ctx context.Context, key, val string) error
	TryLock(ctx context.Context, name string, ttl time.Duration) (unlock func(context.Context), ok bool, err error)
}

// APIError is an errcode answer from the WeCom API.
type APIError struct {
	API     string
	Code    int64
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("wecom %s: errcode %d: %s", e.API, e.Code, e.Message)
}

// WeCom errcodes of cards the bot acts on (WeCom's error-code page 90313,
// as crawled in xen0n/go-workwx errcodes).
const (
	// ErrCardTaskID: 「任务卡片消息的task_id不合法」, errmsg "card taskid has
	// existed or empty or exceed max len": also the answer to a repeated
	// task_id.
	ErrCardTaskID = 42014
	// ErrCardOfAnotherApp: 「更新的消息的应用与发送消息的应用不匹配」, an
	// update of a card another app sent: a configuration error.
	ErrCardOfAnotherApp = 42015
	// ErrInvalidResponseCode: 「无效的response_code」: unknown, used (a
	// code works once) or expired.
	ErrInvalidResponseCode = 60140
)

// Token errors: the token is invalid (40014 不合法的access_token, also
// WeCom's answer for an expired one of late) or expired (42001), WeCom's
// error-code page 90313 as crawled in xen0n/go-workwx errcodes. 40001 is
// not one: it is gettoken refusing the secret (ErrCodeInvalidSecret).
func (e *APIError) tokenInvalid() bool {
	return e.Code == 40014 || e.Code == 42001
}

// RateLimited reports an errcode that asks the caller to back off: 45009
// (frequency limit), 45033 (too many concurrent calls), -1 (system busy).
func (e *APIError) RateLimited() bool {
	return e.Code == 45009 || e.Code == 45033 || e.Code == -1
}

// IsRateLimited reports whether err asks for a back-off.
func IsRateLimited(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.RateLimited()
}

// Client calls the WeCom server API for one self-built app. The access token
// is shared by all replicas through the TokenStore and refreshed under a
// lock; a token error drops it and retries the call once.
//
// It does its own HTTP rather than silenceper's util.PostJSON/HTTPGet:
// those take no context on the message calls, and their errors embed the
// request URL, which carries the access token and, for gettoken, the
// corpsecret, straight into logs. It keeps silenceper's response types.
type Client struct {
	CorpID  string
	AgentID int64
	secret  string
	http    *http.Client
	token   sharedToken
	log     *slog.Logger
	// Observe, when set, hears of every request to the API, token fetches
	// and repeats included: the API (message/send, gettoken, ...) and the
	// class of its answer (Call*), for the metrics.
	Observe func(api, class string)
	// ObserveSecret, when set, hears when WeCom starts refusing the app
	// secret (true) and when it accepts it again (false).
	ObserveSecret func(rejected bool)
	// SecretProbe is the wait between gettoken calls while WeCom refuses
	// the secret (DefaultSecretProbe when zero); Now is the clock of that
	// wait (time.Now when nil).
	SecretProbe time.Duration
	Now         func() time.Time
	gate        secretGate

	// memo keeps the token in the process for a short while, so that a
	// burst of sends does not ask Redis for it each time. A token another
	// replica replaced is rejected once (40014/42001), which drops
	// the memo as it drops the shared copy.
	memoMu    sync.Mutex
	memo      string
	memoUntil time.Time
}

// memoTTL bounds how long a token is used without asking Redis again.
const memoTTL = 30 * time.Second

func (c *Client) remember(tok string) {
	c.memoMu.Lock()
	c.memo, c.memoUntil = tok, time.Now().Add(memoTTL)
	c.memoMu.Unlock()
}

func (c *Client) remembered() (string, bool) {
	c.memoMu.Lock()
	defer c.memoMu.Unlock()
	return c.memo, c.memo != "" && time.Now().Before(c.memoUntil)
}

func (c *Client) forget(tok string) {
	c.memoMu.Lock()
	if c.memo == tok {
		c.memo = ""
	}
	c.memoMu.Unlock()
}

// NewClient returns a client. httpClient should come from NewHTTPClient so
// that WECOM_API_BASE is honoured.
func NewClient(corpID string, agentID int64, secret string, httpClient *http.Client, tokens TokenStore, log *slog.Logger) *Client {
	c := &Client{CorpID: corpID, AgentID: agentID, secret: secret, http: httpClient, log: log}
	c.token = sharedToken{store: tokens, key: "wecom:token:" + corpID + ":" + strconv.FormatInt(agentID, 10), what: "wecom token",
		fetch: func(ctx context.Context, _ string) (string, time.Duration, error) { return c.gatedFetch(ctx) }}
	return c
}

// Token returns the access token, fetching it when no replica has one.
func (c *Client) Token(ctx context.Context) (string, error) {
	if tok, ok := c.remembered(); ok {
		return tok, nil
	}
	tok, err := c.token.get(ctx, "")
	if err == nil {
		c.remember(tok)
	}
	return tok, err
}

// fetchToken asks gettoken for a token; the caller stores it.
func (c *Client) fetchToken(ctx context.Context) (string, time.Duration, error) {
	q := url.Values{"corpid": {c.CorpID}, "corpsecret": {c.secret}}
	var res struct {
		util.CommonError
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := c.do(ctx, http.MethodGet, "gettoken", q, nil, &res); err != nil {
		return "", 0, err
	}
	if res.AccessToken == "" {
		return "", 0, errors.New("wecom gettoken: empty access_token")
	}
	c.log.InfoContext(ctx, "wecom access token fetched", "corp", c.CorpID)
	return res.AccessToken, time.Duration(res.ExpiresIn) * time.Second, nil
}

// call POSTs req to a token-authenticated API and decodes into res, which
// must embed util.CommonError. A token error drops the token and retries
// once.
func (c *Client) call(ctx context.Context, api string, extra url.Values, req, res any) error {
	body, err := MarshalBody(req)
	if err != nil {
		return fmt.Errorf("wecom %s: encode: %w", api, err)
	}
	return c.callWith(ctx, http.MethodPost, api, extra, body, res)
}

// callWith is call for any method; body is nil for a GET.
func (c *Client) callWith(ctx context.Context, method, api string, extra url.Values, body []byte, res any) error {
	for attempt := 0; ; attempt++ {
		tok, err := c.Token(ctx)
		if err != nil {
			return fmt.Errorf("wecom %s: %w", api, err)
		}
		q := url.Values{"access_token": {tok}}
		for k, v := range extra {
			q[k] = v
		}
		err = c.do(ctx, method, api, q, body, res)
		var ae *APIError
		if attempt == 0 && errors.As(err, &ae) && ae.tokenInvalid() {
			c.log.WarnContext(ctx, "wecom token rejected, refreshing", "api", api, "errcode", ae.Code)
			c.forget(tok)
			if derr := c.token.drop(ctx, tok); derr != nil {
				return fmt.Errorf("wecom %s: drop token: %w", api, derr)
			}
			continue
		}
		return err
	}
}

// do performs one request. Errors never contain the URL's query, which holds
// secrets.
func (c *Client) do(ctx context.Context, method, api string, q url.Values, body []byte, res any) (err error) {
	if c.Observe != nil {
		defer func() { c.Observe(api, callClass(err)) }()
	}
	u := "https://" + WeComHost + "/cgi-bin/" + api + "?" + q.Encode()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("wecom %s: %w", api, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // drop the URL and its token
		}
		return fmt.Errorf("wecom %s: %w", api, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("wecom %s: read: %w", api, err)
	}
	if resp.StatusCode != http.StatusOK {
		return &HTTPError{API: api, Status: resp.StatusCode}
	}
	if err := util.DecodeWithError(data, res, api); err != nil {
		var ce *util.CommonError
		if errors.As(err, &ce) {
			return &APIError{API: api, Code: ce.ErrCode, Message: ce.ErrMsg}
		}
		return fmt.Errorf("wecom %s: decode: %w", api, err)
	}
	return nil
}

// HTTPError is a non-200 answer: the API did not process the call.
type HTTPError struct {
	API    string
	Status int
}

func (e *HTTPError) Error() string { return fmt.Sprintf("wecom %s: http status %d", e.API, e.Status) }
