package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// MPError is a failed call of the 公众号 API: an errcode answer, or a
// non-200 HTTP status when Status is set.
type MPError struct {
	API     string
	Status  int // HTTP status of a non-200 answer; 0 for an errcode
	Code    int64
	Message string
}

func (e *MPError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("mp %s: http status %d", e.API, e.Status)
	}
	return fmt.Sprintf("mp %s: errcode %d: %s", e.API, e.Code, e.Message)
}

// TokenInvalid reports a revoked or expired access token.
func (e *MPError) TokenInvalid() bool {
	return e.Status == 0 && (e.Code == 40001 || e.Code == 40014 || e.Code == 42001)
}

// RateLimited reports an errcode that asks the caller to back off: 45009
// (the API's daily quota), 45011 (API 调用太频繁，请稍候再试), 45033 (too
// many concurrent calls), 45066 (a mass send retried too fast), -1
// (system busy). The outbox decides how long each waits.
func (e *MPError) RateLimited() bool {
	return e.Status == 0 && (e.Code == MPErrDailyQuota || e.Code == MPErrTooFrequent || e.Code == 45033 ||
		e.Code == MPErrMassRetryTooFast || e.Code == -1)
}

// Errcodes of the 公众号 API the bot acts on, as binarywang/WxJava's
// WxMpErrorMsgEnum lists the 公众号's global return codes.
const (
	MPErrInvalidOpenID    = 40003 // 不合法的 OpenID: not an openid of this account
	MPErrRequireSubscribe = 43004 // 需要接收者关注: the follower has unfollowed
	MPErrDailyQuota       = 45009 // 接口调用超过限制: the API's daily quota is used up
	MPErrTooFrequent      = 45011 // API 调用太频繁，请稍候再试
	MPErrCustomQuota      = 45047 // 客服接口下行条数超过上限
	MPErrDuplicateMass    = 45065 // 相同 clientmsgid 已存在群发记录: a mass send with this clientmsgid exists
	MPErrMassRetryTooFast = 45066 // 相同 clientmsgid 重试速度过快，请间隔1分钟重试
)

// MPClient calls the 公众号 (WeChat Official Account) server API. Like
// Client, it shares its access token between replicas through the
// TokenStore and refreshes it under a lock, and a token error drops it and
// retries once. It uses the stable token endpoint, whose tokens do not
// invalidate each other when several processes fetch.
//
// It does its own HTTP and mirrors silenceper's officialaccount types
// rather than importing them: those packages link go-redis v8 through
// silenceper's credential and cache packages, their calls take no context,
// and their errors carry the token-bearing URL.
type MPClient struct {
	AppID  string
	secret string
	http   *http.Client
	token  sharedToken
	log    *slog.Logger
	// Observe, when set, hears of every request to the API, as
	// Client.Observe does.
	Observe func(api, class string)
}

// NewMPClient returns a client. httpClient should come from NewHTTPClient
// so that MP_API_BASE is honoured.
func NewMPClient(appID, secret string, httpClient *http.Client, tokens TokenStore, log *slog.Logger) *MPClient {
	c := &MPClient{AppID: appID, secret: secret, http: httpClient, log: log}
	c.token = sharedToken{store: tokens, key: "mp:token:" + appID, what: "mp token", fetch: c.fetchToken}
	return c
}

// Token returns the access token, fetching it when no replica has one.
func (c *MPClient) Token(ctx context.Context) (string, error) {
	return c.token.get(ctx, "")
}

type stableTokenRequest struct {
	GrantType    string `json:"grant_type"`
	AppID        string `json:"appid"`
	Secret       string `json:"secret"`
	ForceRefresh bool   `json:"force_refresh"`
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

// fetchToken asks stable_token for the current token. The stable endpoint
// hands back the same token until it expires, so when that is the token
// just refused (revoked early), it asks again with force_refresh, which
// WeChat allows a limited number of times a day.
func (c *MPClient) fetchToken(ctx context.Context, rejected string) (string, time.Duration, error) {
	req := stableTokenRequest{GrantType: "client_credential", AppID: c.AppID, Secret: c.secret}
	var res tokenResponse
	if err := c.do(ctx, "stable_token", nil, req, &res); err != nil {
		return "", 0, err
	}
	if res.AccessToken != "" && res.AccessToken == rejected {
		c.log.WarnContext(ctx, "mp stable token was refused, forcing a refresh", "appid", c.AppID)
		req.ForceRefresh = true
		res = tokenResponse{}
		if err := c.do(ctx, "stable_token", nil, req, &res); err != nil {
			return "", 0, err
		}
	}
	if res.AccessToken == "" {
		return "", 0, errors.New("mp stable_token: empty access_token")
	}
	c.log.InfoContext(ctx, "mp access token fetched", "appid", c.AppID)
	return res.AccessToken, time.Duration(res.ExpiresIn) * time.Second, nil
}

// call POSTs req to a token-authenticated API and decodes into res. A token
// error drops the token and retries once with a fresh one.
func (c *MPClient) call(ctx context.Context, api string, req, res any) error {
	rejected := ""
	for attempt := 0; ; attempt++ {
		tok, err := c.token.get(ctx, rejected)
		if err != nil {
			return fmt.Errorf("mp %s: %w", api, err)
		}
		err = c.do(ctx, api, url.Values{"access_token": {tok}}, req, res)
		var me *MPError
		if attempt == 0 && errors.As(err, &me) && me.TokenInvalid() {
			c.log.WarnContext(ctx, "mp token rejected, refreshing", "api", api, "errcode", me.Code)
			if derr := c.token.drop(ctx, tok); derr != nil {
				return fmt.Errorf("mp %s: drop token: %w", api, derr)
			}
			rejected = tok
			continue
		}
		return err
	}
}

// mpStatus is the errcode part of every answer.
type mpStatus struct {
	ErrCode int64  `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// do performs one POST. Errors never contain the URL's query (the token)
// or the body (the secret, for stable_token).
func (c *MPClient) do(ctx context.Context, api string, q url.Values, body, res any) (err error) {
	if c.Observe != nil {
		defer func() { c.Observe(api, callClass(err)) }()
	}
	b, err := MarshalBody(body)
	if err != nil {
		return fmt.Errorf("mp %s: encode: %w", api, err)
	}
	u := "https://" + MPHost + "/cgi-bin/" + api
	if q != nil {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("mp %s: %w", api, err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("mp %s: %w", api, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("mp %s: read: %w", api, err)
	}
	if resp.StatusCode != http.StatusOK {
		return &MPError{API: api, Status: resp.StatusCode}
	}
	var st mpStatus
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("mp %s: decode: %w", api, err)
	}
	if res != nil {
		if err := json.Unmarshal(data, res); err != nil {
			return fmt.Errorf("mp %s: decode: %w", api, err)
		}
	}
	if st.ErrCode != 0 {
		return &MPError{API: api, Code: st.ErrCode, Message: st.ErrMsg}
	}
	return nil
}

// MPTemplateMessage is the body of message/template/send, as silenceper's
// message.TemplateMessage encodes it. ClientMsgID makes WeChat send one
// message per openid and id within 10 minutes.
type MPTemplateMessage struct {
	ToUser      string                     `json:"touser"`
	TemplateID  string                     `json:"template_id"`
	URL         string                     `json:"url,omitempty"`
	Data        map[string]MPTemplateValue `json:"data"`
	ClientMsgID string                     `json:"client_msg_id,omitempty"`
}

// MPTemplateValue is one keyword's value.
type MPTemplateValue struct {
	Value string `json:"value"`
}

// SendTemplate sends a template message to one follower and returns its
// msgid.
func (c *MPClient) SendTemplate(ctx context.Context, m MPTemplateMessage) (int64, error) {
	var res struct {
		MsgID int64 `json:"msgid"`
	}
	if err := c.call(ctx, "message/template/send", m, &res); err != nil {
		return 0, err
	}
	return res.MsgID, nil
}

// MPCustomMessage is the body of message/custom/send (客服消息): a text to
// a follower who wrote to the account within the last 48 hours.
type MPCustomMessage struct {
	ToUser  string       `json:"touser"`
	MsgType string       `json:"msgtype"`
	Text    *TextContent `json:"text,omitempty"`
}

// MPCustomText returns a 客服 text message.
func MPCustomText(openid, content string) MPCustomMessage {
	return MPCustomMessage{ToUser: openid, MsgType: "text", Text: &TextContent{Content: content}}
}

// SendCustom sends a 客服消息.
func (c *MPClient) SendCustom(ctx context.Context, m MPCustomMessage) error {
	return c.call(ctx, "message/custom/send", m, nil)
}

// MPMassMessage is the body of message/mass/sendall to one tag. ClientMsgID
// is WeChat's own idempotency key for mass sends (silenceper's broadcast
// does not send it): a second send with it answers 45065 with the first
// send's msg_id instead of sending again.
type MPMassMessage struct {
	Filter            MPMassFilter `json:"filter"`
	MsgType           string       `json:"msgtype"`
	Text              *TextContent `json:"text,omitempty"`
	SendIgnoreReprint int          `json:"send_ignore_reprint"`
	ClientMsgID       string       `json:"clientmsgid,omitempty"`
}

// MPMassFilter chooses the followers of a mass send.
type MPMassFilter struct {
	IsToAll bool  `json:"is_to_all"`
	TagID   int64 `json:"tag_id"`
}

// MPMassResult is what a mass send answered. Duplicate is set when WeChat
// reported an earlier send with the same clientmsgid (45065).
type MPMassResult struct {
	MsgID     int64 `json:"msg_id"`
	MsgDataID int64 `json:"msg_data_id,omitempty"`
	Duplicate bool  `json:"duplicate,omitempty"`
}

// MassSend sends one mass message. An earlier send with the same
// ClientMsgID counts as success.
func (c *MPClient) MassSend(ctx context.Context, m MPMassMessage) (*MPMassResult, error) {
	var res MPMassResult
	err := c.call(ctx, "message/mass/sendall", m, &res)
	var me *MPError
	if errors.As(err, &me) && me.Code == MPErrDuplicateMass {
		res.Duplicate = true
		return &res, nil
	}
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// MPTagMembers is the body of tags/members/batchtagging and batchuntagging.
type MPTagMembers struct {
	OpenIDs []string `json:"openid_list"`
	TagID   int64    `json:"tagid"`
}

// TagMembers adds followers to a tag (at most 50 a call).
func (c *MPClient) TagMembers(ctx context.Context, m MPTagMembers) error {
	return c.call(ctx, "tags/members/batchtagging", m, nil)
}

// UntagMembers removes followers from a tag.
func (c *MPClient) UntagMembers(ctx context.Context, m MPTagMembers) error {
	return c.call(ctx, "tags/members/batchuntagging", m, nil)
}
