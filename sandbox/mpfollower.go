package sandbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
)

// ErrNotFollowing reports an action only a follower can take (writing to
// the account, clicking its menu) by someone who does not follow it.
var ErrNotFollowing = errors.New("sandbox: not a follower of the 公众号")

// Follower acts as one WeChat user towards the 公众号.
type Follower struct {
	m      *MP
	OpenID string
}

// Follower returns a handle acting as openid.
func (m *MP) Follower(openid string) *Follower { return &Follower{m: m, OpenID: openid} }

// mpCallbackXML is the decrypted callback the 公众号 platform sends: no
// AgentID, unlike WeCom's.
type mpCallbackXML struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   cdata    `xml:"ToUserName"`
	FromUserName cdata    `xml:"FromUserName"`
	CreateTime   int64    `xml:"CreateTime"`
	MsgType      cdata    `xml:"MsgType"`
	Content      *cdata   `xml:"Content,omitempty"`
	MsgID        string   `xml:"MsgId,omitempty"`
	Event        *cdata   `xml:"Event,omitempty"`
	EventKey     *cdata   `xml:"EventKey,omitempty"`
}

func (f *Follower) base(msgType string) mpCallbackXML {
	return mpCallbackXML{
		ToUserName:   cdata{f.m.cfg.OriginalID},
		FromUserName: cdata{f.OpenID},
		CreateTime:   f.m.sb.Now().Unix(),
		MsgType:      cdata{msgType},
	}
}

// Follow follows the account (关注): the platform records it, then posts
// the subscribe event. It returns the bot's final HTTP status.
func (f *Follower) Follow(ctx context.Context) (int, error) {
	f.m.mu.Lock()
	f.m.following[f.OpenID] = true
	f.m.lastActive[f.OpenID] = f.m.sb.Now()
	f.m.mu.Unlock()
	m := f.base("event")
	m.Event, m.EventKey = cd("subscribe"), cd("")
	return f.m.post(ctx, m)
}

// Unfollow stops following (取消关注): the follower leaves every tag and
// the unsubscribe event is posted.
func (f *Follower) Unfollow(ctx context.Context) (int, error) {
	f.m.mu.Lock()
	f.m.following[f.OpenID] = false
	for _, members := range f.m.tagMembers {
		delete(members, f.OpenID)
	}
	f.m.mu.Unlock()
	m := f.base("event")
	m.Event, m.EventKey = cd("unsubscribe"), cd("")
	return f.m.post(ctx, m)
}

// active records an interaction (it opens the 48 hours of 客服消息) and
// refuses non-followers.
func (f *Follower) active() error {
	f.m.mu.Lock()
	defer f.m.mu.Unlock()
	if !f.m.following[f.OpenID] {
		return ErrNotFollowing
	}
	f.m.lastActive[f.OpenID] = f.m.sb.Now()
	return nil
}

// SendText writes to the account.
func (f *Follower) SendText(ctx context.Context, text string) (int, error) {
	if err := f.active(); err != nil {
		return 0, err
	}
	m := f.base("text")
	m.Content = cd(text)
	var b [8]byte
	rand.Read(b[:])
	m.MsgID = strconv.FormatUint(binary.BigEndian.Uint64(b[:])>>1, 10)
	return f.m.post(ctx, m)
}

// ClickMenu clicks a custom menu item of type click (WeChat sends the
// event as CLICK).
func (f *Follower) ClickMenu(ctx context.Context, key string) (int, error) {
	if err := f.active(); err != nil {
		return 0, err
	}
	m := f.base("event")
	m.Event, m.EventKey = cd("CLICK"), cd(key)
	return f.m.post(ctx, m)
}

// post signs (and in safe mode encrypts) and posts a callback, posting
// again when the bot gives no 200 within the timeout or answers 5xx, as
// WeChat does three times.
func (m *MP) post(ctx context.Context, msg mpCallbackXML) (int, error) {
	plain, err := xml.Marshal(msg)
	if err != nil {
		return 0, err
	}
	return m.PostPlain(ctx, plain)
}

// PostPlain posts an arbitrary decrypted message with WeChat's retries.
func (m *MP) PostPlain(ctx context.Context, plain []byte) (int, error) {
	query, body, err := m.Seal(plain)
	if err != nil {
		return 0, err
	}
	var status int
	for attempt := 1; attempt <= Attempts; attempt++ {
		status, err = m.PostRaw(ctx, query, body)
		if err == nil && status < 500 {
			return status, nil
		}
		select {
		case <-ctx.Done():
			return status, ctx.Err()
		case <-time.After(m.sb.RetryDelay):
		}
	}
	return status, err
}

// Sign returns the query of a callback: signature, timestamp, nonce and
// openid, plus encrypt_type and msg_signature over encrypted when it is
// not empty.
func (m *MP) Sign(openid, encrypted string) url.Values {
	ts := strconv.FormatInt(m.sb.Now().Unix(), 10)
	// WeChat's nonce is a random number, not derived from the clock: two
	// callbacks in the same second (or under a test's stopped clock) carry
	// different nonces, which the bot's replay check relies on.
	var b [8]byte
	rand.Read(b[:])
	nonce := strconv.FormatUint(binary.BigEndian.Uint64(b[:])%1e10, 10)
	q := url.Values{
		"signature": {bot.Signature(m.cfg.Token, ts, nonce)},
		"timestamp": {ts},
		"nonce":     {nonce},
	}
	if openid != "" {
		q.Set("openid", openid)
	}
	if encrypted != "" {
		q.Set("encrypt_type", "aes")
		q.Set("msg_signature", bot.Signature(m.cfg.Token, ts, nonce, encrypted))
	}
	return q
}

// Seal returns the query and body of a callback POST: plain, or encrypted
// in safe mode.
func (m *MP) Seal(plain []byte) (url.Values, []byte, error) {
	var probe struct {
		From string `xml:"FromUserName"`
	}
	xml.Unmarshal(plain, &probe)
	if !m.cfg.SafeMode {
		return m.Sign(probe.From, ""), plain, nil
	}
	enc, err := m.crypto.Encrypt(plain)
	if err != nil {
		return nil, nil, err
	}
	var body bytes.Buffer
	body.WriteString("<xml><ToUserName><![CDATA[")
	body.WriteString(m.cfg.OriginalID)
	body.WriteString("]]></ToUserName><Encrypt><![CDATA[")
	body.WriteString(enc)
	body.WriteString("]]></Encrypt></xml>")
	return m.Sign(probe.From, enc), body.Bytes(), nil
}

// PostRaw posts one callback exactly as given, once.
func (m *MP) PostRaw(ctx context.Context, query url.Values, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.cfg.CallbackURL+"?"+query.Encode(), bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "text/xml")
	resp, err := m.sb.HTTP.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// VerifyURL performs the platform's check of the server URL (GET with
// echostr) and returns what the bot answered.
func (m *MP) VerifyURL(ctx context.Context, echo string) (int, string, error) {
	q := m.Sign("", "")
	q.Set("echostr", echo)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.cfg.CallbackURL+"?"+q.Encode(), nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := m.sb.HTTP.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}
