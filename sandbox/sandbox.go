// Package sandbox is a local stand-in for WeCom that speaks the real
// protocol: the server API the bot calls (gettoken, message/send,
// message/update_template_card, menu/create) and a client that acts as the
// app's users, posting signed, encrypted callbacks to the bot. Tests and the
// demo use it; one Sandbox serves several corps, so tests run in parallel.
package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
)

// Sandbox is the fake WeCom. Its zero value is not usable; call New.
type Sandbox struct {
	// Now is the sandbox's clock (token and response_code expiry, callback
	// timestamps). Tests may replace it before use.
	Now func() time.Time
	// HTTP posts callbacks to bots; its timeout is WeCom's 5 s answer limit.
	HTTP *http.Client
	// RetryDelay is the pause before a callback is posted again.
	RetryDelay time.Duration

	mu     sync.Mutex
	corps  map[string]*Corp
	tokens map[string]*issuedToken
	seq    int64
	// codeCorp is the corp each response_code was issued to, so that an
	// update presenting another app's code answers 42015. Lock order:
	// a Corp's mu before the Sandbox's.
	codeCorp map[string]*Corp
	// oauthCodes are the 网页授权 codes issued (oauth.go).
	oauthCodes map[string]*oauthCode
}

type issuedToken struct {
	corp    *Corp
	expires time.Time
}

// New returns an empty sandbox.
func New() *Sandbox {
	return &Sandbox{
		Now:        time.Now,
		HTTP:       &http.Client{Timeout: 5 * time.Second},
		RetryDelay: 200 * time.Millisecond,
		corps:      map[string]*Corp{},
		tokens:     map[string]*issuedToken{},
		codeCorp:   map[string]*Corp{},
	}
}

// codeOfOtherCorp reports whether code was issued to a corp other than c.
func (s *Sandbox) codeOfOtherCorp(c *Corp, code string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	owner, ok := s.codeCorp[code]
	return ok && owner != c
}

// CorpConfig describes one corp's self-built app as registered in the WeCom
// admin console.
type CorpConfig struct {
	CorpID         string
	Secret         string
	AgentID        int64
	Token          string
	EncodingAESKey string
	CallbackURL    string // where user actions are posted
	// TrustedDomain is the app's 可信域名, host[:port]: 网页授权 sends
	// browsers back only to it. Empty refuses every redirect.
	TrustedDomain string
	Users         []string // known userids; empty accepts anyone
}

// AddCorp registers an app.
func (s *Sandbox) AddCorp(cfg CorpConfig) (*Corp, error) {
	cr, err := bot.NewCrypto(cfg.Token, cfg.EncodingAESKey, cfg.CorpID)
	if err != nil {
		return nil, fmt.Errorf("sandbox corp %s: %w", cfg.CorpID, err)
	}
	c := &Corp{
		sb: s, cfg: cfg, crypto: cr,
		users:    map[string]bool{},
		inbox:    map[string][]*Received{},
		taskIDs:  map[string]bool{},
		codes:    map[string]*responseCode{},
		apiCalls: map[string]int{},
		changed:  make(chan struct{}),
	}
	for _, u := range cfg.Users {
		c.users[u] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.corps[cfg.CorpID]; dup {
		return nil, fmt.Errorf("sandbox corp %s: already registered", cfg.CorpID)
	}
	s.corps[cfg.CorpID] = c
	return c, nil
}

// Corp returns a registered corp.
func (s *Sandbox) Corp(id string) (*Corp, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.corps[id]
	return c, ok
}

func (s *Sandbox) nextSeq() int64 {
	s.seq++
	return s.seq
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
