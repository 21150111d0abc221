package sandbox

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
)

// Corp is one app registered in the sandbox: what it was sent, the cards
// it holds and the API calls it made.
type Corp struct {
	sb     *Sandbox
	cfg    CorpConfig
	crypto *bot.Crypto

	mu           sync.Mutex
	users        map[string]bool
	inbox        map[string][]*Received
	taskIDs      map[string]bool
	codes        map[string]*responseCode
	menu         *bot.Menu
	tokenFetches int
	apiCalls     map[string]int
	faults       []fault
	drops        []dropFault           // DropAnswerNext (dupcheck.go)
	sentBodies   map[[32]byte]sentBody // enable_duplicate_check (dupcheck.go)
	changed      chan struct{}         // closed and replaced on every change
	traffic      trafficLog            // the page's protocol log and users' own actions
	media        map[string]*tempMedia // temporary media by media_id (media.go)
}

// Received is a message as one user's WeCom client shows it.
type Received struct {
	MsgID        string
	At           time.Time
	MsgType      string
	Text         string
	Card         *bot.TemplateCard
	ResponseCode string // from message/send, for updating this card
	// Truncated: the text was over 2048 bytes and WeCom cut it.
	Truncated bool
	// ReplacedButton is the text the bot put in place of the buttons
	// (update_template_card with "button"); Updates counts updates.
	ReplacedButton string
	Updates        int
}

type responseCode struct {
	taskID string
	users  []string
	issued time.Time
	used   bool
}

type fault struct {
	api    string
	status int
	code   int
	left   int
	delay  time.Duration // answer late but do the call (DelayNext)
}

func (f *fault) write(w http.ResponseWriter) {
	if f.status != 0 {
		http.Error(w, "sandbox fault", f.status)
		return
	}
	writeErr(w, f.code, "sandbox fault")
}

// Config returns the corp's registration.
func (c *Corp) Config() CorpConfig { return c.cfg }

// FailNext makes the next n calls of api ("gettoken", "message/send", ...)
// fail: with HTTP status if status != 0, else with errcode.
func (c *Corp) FailNext(api string, n, status, errcode int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.faults = append(c.faults, fault{api: api, status: status, code: errcode, left: n})
}

// takeFault must be called with c.mu held.
func (c *Corp) takeFault(api string) *fault {
	for i := range c.faults {
		f := &c.faults[i]
		if f.api == api && f.left > 0 {
			f.left--
			out := *f
			return &out
		}
	}
	return nil
}

// RevokeTokens invalidates every access token issued to the corp, as WeCom
// does when the secret is reset; the next call gets 40014.
func (c *Corp) RevokeTokens() {
	c.sb.mu.Lock()
	defer c.sb.mu.Unlock()
	for tok, it := range c.sb.tokens {
		if it.corp == c {
			delete(c.sb.tokens, tok)
		}
	}
}

// AgeResponseCodes makes every response_code issued so far d older, as if
// d had passed for the cards already delivered (a card decided after a
// weekend, or after the Spring Festival) while the bot's clock, and the
// callbacks' timestamps, stay where they are. Codes issued afterwards (a
// new click's) are fresh.
func (c *Corp) AgeResponseCodes(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rc := range c.codes {
		rc.issued = rc.issued.Add(-d)
	}
}

// TokenFetches counts gettoken calls.
func (c *Corp) TokenFetches() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tokenFetches
}

// APICalls counts calls of one API that presented a valid token.
func (c *Corp) APICalls(api string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.apiCalls[api]
}

// Menu returns the menu the app created, or nil.
func (c *Corp) Menu() *bot.Menu {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.menu
}

// Messages returns copies of what user has received, oldest first.
func (c *Corp) Messages(user string) []Received {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Received, 0, len(c.inbox[user]))
	for _, r := range c.inbox[user] {
		cp := *r
		if r.Card != nil {
			card := *r.Card
			cp.Card = &card
		}
		out = append(out, cp)
	}
	return out
}

// Users returns everyone who has received something, sorted.
func (c *Corp) Users() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for u := range c.inbox {
		out = append(out, u)
	}
	slices.Sort(out)
	return out
}

// WaitMessages waits until user has received at least n messages and
// returns them, or fails when ctx ends.
func (c *Corp) WaitMessages(ctx context.Context, user string, n int) ([]Received, error) {
	for {
		c.mu.Lock()
		have, ch := len(c.inbox[user]), c.changed
		c.mu.Unlock()
		if have >= n {
			return c.Messages(user), nil
		}
		select {
		case <-ctx.Done():
			return c.Messages(user), ctx.Err()
		case <-ch:
		}
	}
}

// Changed returns a channel closed at the next change (a message, card
// update or menu). Take it before looking at the messages, so that a
// change in between is not missed.
func (c *Corp) Changed() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.changed
}

// Wait blocks until the next change (a message, card update or menu) or
// until ctx ends.
func (c *Corp) Wait(ctx context.Context) error {
	c.mu.Lock()
	ch := c.changed
	c.mu.Unlock()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-ch:
		return nil
	}
}

// deliver must be called with c.mu held.
func (c *Corp) deliver(user string, r *Received) {
	c.inbox[user] = append(c.inbox[user], r)
	c.notifyLocked()
}

func (c *Corp) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// issueCode must be called with c.mu held.
func (c *Corp) issueCode(taskID string, users []string) string {
	code := randomHex(24)
	c.codes[code] = &responseCode{taskID: taskID, users: slices.Clone(users), issued: c.sb.Now()}
	c.sb.mu.Lock()
	c.sb.codeCorp[code] = c
	c.sb.mu.Unlock()
	return code
}

// Reset forgets everything the corp received (the demo's reseed).
func (c *Corp) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inbox = map[string][]*Received{}
	c.codes = map[string]*responseCode{}
	c.taskIDs = map[string]bool{}
	c.sentBodies = nil // the bot's records are gone too: nothing is a repeat
	c.traffic.reset()
	c.notifyLocked()
}
