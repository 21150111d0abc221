package sandbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
)

// Attempts is how many times WeCom posts a callback that gets no 200.
const Attempts = 3

// User acts as one member of the corp in the WeCom client.
type User struct {
	c  *Corp
	ID string
}

// User returns a handle acting as userID.
func (c *Corp) User(userID string) *User { return &User{c: c, ID: userID} }

// callbackXML is the decrypted callback WeCom sends.
type callbackXML struct {
	XMLName       xml.Name       `xml:"xml"`
	ToUserName    cdata          `xml:"ToUserName"`
	FromUserName  cdata          `xml:"FromUserName"`
	CreateTime    int64          `xml:"CreateTime"`
	MsgType       cdata          `xml:"MsgType"`
	Content       *cdata         `xml:"Content,omitempty"`
	PicURL        *cdata         `xml:"PicUrl,omitempty"`
	MediaID       *cdata         `xml:"MediaId,omitempty"`
	MsgID         string         `xml:"MsgId,omitempty"`
	Event         *cdata         `xml:"Event,omitempty"`
	EventKey      *cdata         `xml:"EventKey,omitempty"`
	TaskID        *cdata         `xml:"TaskId,omitempty"`
	CardType      *cdata         `xml:"CardType,omitempty"`
	ResponseCode  *cdata         `xml:"ResponseCode,omitempty"`
	AgentID       int64          `xml:"AgentID"`
	SelectedItems *selectedItems `xml:"SelectedItems,omitempty"`
}

type cdata struct {
	Value string `xml:",cdata"`
}

func cd(s string) *cdata { return &cdata{Value: s} }

type selectedItems struct {
	Items []selectedItem `xml:"SelectedItem"`
}

type selectedItem struct {
	QuestionKey cdata   `xml:"QuestionKey"`
	OptionIDs   []cdata `xml:"OptionIds>OptionId"`
}

func (u *User) base(msgType string) callbackXML {
	return callbackXML{
		ToUserName:   cdata{u.c.cfg.CorpID},
		FromUserName: cdata{u.ID},
		CreateTime:   u.c.sb.Now().Unix(),
		MsgType:      cdata{msgType},
		AgentID:      u.c.cfg.AgentID,
	}
}

// SendText sends a text message to the app and returns the bot's final
// HTTP status.
func (u *User) SendText(ctx context.Context, text string) (int, error) {
	m := u.base("text")
	m.Content = cd(text)
	m.MsgID = newMsgID()
	return u.c.post(ctx, m)
}

// newMsgID is a message's MsgId. MsgIds must not repeat across sandbox
// runs: the demo's database outlives the process, and a reused id would
// be taken for a repeat.
func newMsgID() string {
	var b [8]byte
	rand.Read(b[:])
	return strconv.FormatUint(binary.BigEndian.Uint64(b[:])>>1, 10)
}

// ClickMenu clicks an app menu item.
func (u *User) ClickMenu(ctx context.Context, key string) (int, error) {
	m := u.base("event")
	m.Event, m.EventKey = cd("click"), cd(key)
	return u.c.post(ctx, m)
}

// EnterAgent opens the app.
func (u *User) EnterAgent(ctx context.Context) (int, error) {
	m := u.base("event")
	m.Event, m.EventKey = cd("enter_agent"), cd("")
	return u.c.post(ctx, m)
}

// ErrNoSuchButton reports a click on a card or button the user does not
// have, which the real client cannot do.
var ErrNoSuchButton = errors.New("sandbox: user has no such card or button")

// ClickButton clicks a button of a card the user received. As in WeCom, a
// card whose buttons were replaced can no longer be clicked.
func (u *User) ClickButton(ctx context.Context, taskID, key string) (int, error) {
	card, err := u.findCard(taskID)
	if err != nil {
		return 0, err
	}
	if !slices.ContainsFunc(card.Card.ButtonList, func(b bot.CardButton) bool { return b.Key == key }) {
		return 0, fmt.Errorf("%w: %s/%s", ErrNoSuchButton, taskID, key)
	}
	return u.ClickAnyway(ctx, taskID, card.Card.CardType, key, nil)
}

// Submit answers a vote or multiple-choice card: selected maps question
// keys to chosen option ids.
func (u *User) Submit(ctx context.Context, taskID string, selected map[string][]string) (int, error) {
	card, err := u.findCard(taskID)
	if err != nil {
		return 0, err
	}
	if card.Card.SubmitButton == nil {
		return 0, fmt.Errorf("%w: %s has no submit button", ErrNoSuchButton, taskID)
	}
	if err := offered(card.Card, selected); err != nil {
		return 0, fmt.Errorf("%w: %s: %v", ErrNoSuchButton, taskID, err)
	}
	return u.ClickAnyway(ctx, taskID, card.Card.CardType, card.Card.SubmitButton.Key, selected)
}

// offered checks that an answer is one the client lets a user give on the
// card: only its own questions and options, one option for a single-choice
// checkbox (mode 0) and for each drop-down. The callback then carries just
// those ids under SelectedItems (QuestionKey, OptionIds), as WeCom's does.
func offered(card *bot.TemplateCard, selected map[string][]string) error {
	questions := map[string][]bot.CardOption{}
	single := map[string]bool{}
	if cb := card.Checkbox; cb != nil {
		questions[cb.QuestionKey], single[cb.QuestionKey] = cb.OptionList, cb.Mode == 0
	}
	for _, sl := range card.SelectList {
		questions[sl.QuestionKey], single[sl.QuestionKey] = sl.OptionList, true
	}
	for q, ids := range selected {
		opts, ok := questions[q]
		if !ok {
			return fmt.Errorf("the card has no question %q", q)
		}
		if single[q] && len(ids) > 1 {
			return fmt.Errorf("question %q takes one option, got %d", q, len(ids))
		}
		for i, id := range ids {
			if !slices.ContainsFunc(opts, func(o bot.CardOption) bool { return o.ID == id }) {
				return fmt.Errorf("question %q has no option %q", q, id)
			}
			if slices.Contains(ids[:i], id) {
				return fmt.Errorf("option %q chosen twice", id)
			}
		}
	}
	return nil
}

// ClickAnyway posts a card click without checking that the user holds the
// card: what a stale client, a replay or a forger would send.
func (u *User) ClickAnyway(ctx context.Context, taskID, cardType, key string, selected map[string][]string) (int, error) {
	m := u.base("event")
	m.Event, m.EventKey, m.TaskID, m.CardType = cd("template_card_event"), cd(key), cd(taskID), cd(cardType)
	u.c.mu.Lock()
	m.ResponseCode = cd(u.c.issueCode(taskID, []string{u.ID}))
	u.c.mu.Unlock()
	if len(selected) > 0 {
		si := &selectedItems{}
		keys := make([]string, 0, len(selected))
		for k := range selected {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			it := selectedItem{QuestionKey: cdata{k}}
			for _, o := range selected[k] {
				it.OptionIDs = append(it.OptionIDs, cdata{o})
			}
			si.Items = append(si.Items, it)
		}
		m.SelectedItems = si
	}
	return u.c.post(ctx, m)
}

func (u *User) findCard(taskID string) (Received, error) {
	msgs := u.c.Messages(u.ID)
	for i := len(msgs) - 1; i >= 0; i-- {
		r := msgs[i]
		if r.Card != nil && r.Card.TaskID == taskID {
			if r.ReplacedButton != "" {
				return Received{}, fmt.Errorf("%w: card %s was already answered (%s)", ErrNoSuchButton, taskID, r.ReplacedButton)
			}
			return r, nil
		}
	}
	return Received{}, fmt.Errorf("%w: no card %s", ErrNoSuchButton, taskID)
}

// post encrypts, signs and posts a callback as WeCom does, posting again
// when the bot gives no 200 within the timeout or answers 5xx, up to
// Attempts times. It returns the last HTTP status.
func (c *Corp) post(ctx context.Context, m callbackXML) (int, error) {
	plain, err := xml.Marshal(m)
	if err != nil {
		return 0, err
	}
	c.recordAction(m)
	return c.PostPlain(ctx, plain)
}

// PostPlain posts an arbitrary decrypted message (tests use it for
// malformed or foreign content), with WeCom's retries.
func (c *Corp) PostPlain(ctx context.Context, plain []byte) (int, error) {
	query, body, err := c.Seal(plain)
	if err != nil {
		return 0, err
	}
	var status int
	for attempt := 1; attempt <= Attempts; attempt++ {
		status, err = c.PostRaw(ctx, query, body)
		c.recordCallback(plain, query, attempt, status, err)
		if err == nil && status < 500 {
			return status, nil
		}
		if ctx.Err() != nil {
			return status, ctx.Err()
		}
		select {
		case <-ctx.Done():
			return status, ctx.Err()
		case <-time.After(c.sb.RetryDelay):
		}
	}
	return status, err
}

// Seal encrypts and signs a message, returning the query and body of the
// callback POST.
func (c *Corp) Seal(plain []byte) (url.Values, []byte, error) {
	enc, err := c.crypto.Encrypt(plain)
	if err != nil {
		return nil, nil, err
	}
	ts := strconv.FormatInt(c.sb.Now().Unix(), 10)
	nonce := randomHex(5)
	q := url.Values{
		"msg_signature": {c.crypto.Signature(ts, nonce, enc)},
		"timestamp":     {ts},
		"nonce":         {nonce},
	}
	var body bytes.Buffer
	body.WriteString("<xml><ToUserName><![CDATA[")
	body.WriteString(c.cfg.CorpID)
	body.WriteString("]]></ToUserName><Encrypt><![CDATA[")
	body.WriteString(enc)
	body.WriteString("]]></Encrypt><AgentID><![CDATA[")
	body.WriteString(strconv.FormatInt(c.cfg.AgentID, 10))
	body.WriteString("]]></AgentID></xml>")
	return q, body.Bytes(), nil
}

// PostRaw posts one callback exactly as given, once.
func (c *Corp) PostRaw(ctx context.Context, query url.Values, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.CallbackURL+"?"+query.Encode(), bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "text/xml")
	resp, err := c.sb.HTTP.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// VerifyURL performs the admin console's URL check and returns what the
// bot answered.
func (c *Corp) VerifyURL(ctx context.Context, echo string) (int, string, error) {
	enc, err := c.crypto.Encrypt([]byte(echo))
	if err != nil {
		return 0, "", err
	}
	ts := strconv.FormatInt(c.sb.Now().Unix(), 10)
	nonce := randomHex(5)
	q := url.Values{
		"msg_signature": {c.crypto.Signature(ts, nonce, enc)},
		"timestamp":     {ts}, "nonce": {nonce}, "echostr": {enc},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.cfg.CallbackURL+"?"+q.Encode(), nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := c.sb.HTTP.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}
