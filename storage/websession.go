package storage

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// WebSession is a browser's login to the 办公桌 pages. It keeps who logged
// in, never their roles: those are read from the roster on every request,
// so a change to the roster applies at once.
type WebSession struct {
	UserID string `json:"u"`
	// CSRF is the token every form of the session posts back.
	CSRF    string    `json:"c"`
	Created time.Time `json:"t"`
}

// WebSessions keeps web sessions in Redis with an idle expiry. The key is a
// hash of the cookie's value, so that the keys in Redis do not open
// sessions.
type WebSessions struct {
	r    *Redis
	idle time.Duration
}

// WebSessions returns the web session store with the given idle expiry.
func (r *Redis) WebSessions(idle time.Duration) *WebSessions { return &WebSessions{r: r, idle: idle} }

// Idle is the idle expiry.
func (s *WebSessions) Idle() time.Duration { return s.idle }

func (s *WebSessions) key(id string) string {
	sum := sha256.Sum256([]byte(id))
	return s.r.key("web", "session", hex.EncodeToString(sum[:]))
}

// RandomToken is 32 random bytes in hex: session ids, CSRF tokens, OAuth
// states (letters and digits only, as WeCom's state must be).
func RandomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Create starts a session for userID and returns the cookie's value.
func (s *WebSessions) Create(ctx context.Context, userID string, now time.Time) (string, WebSession, error) {
	id := RandomToken()
	ws := WebSession{UserID: userID, CSRF: RandomToken(), Created: now}
	b, err := json.Marshal(ws)
	if err != nil {
		return "", WebSession{}, fmt.Errorf("encode web session: %w", err)
	}
	if err := s.r.Client.Set(ctx, s.key(id), b, s.idle).Err(); err != nil {
		return "", WebSession{}, fmt.Errorf("save web session: %w", err)
	}
	return id, ws, nil
}

// Get reads the session of the cookie value id and restarts its idle
// expiry; false when there is none (never made, logged out, or idle too
// long).
func (s *WebSessions) Get(ctx context.Context, id string) (WebSession, bool, error) {
	if id == "" {
		return WebSession{}, false, nil
	}
	b, err := s.r.Client.GetEx(ctx, s.key(id), s.idle).Bytes()
	if errors.Is(err, redis.Nil) {
		return WebSession{}, false, nil
	}
	if err != nil {
		return WebSession{}, false, fmt.Errorf("load web session: %w", err)
	}
	var ws WebSession
	if err := json.Unmarshal(b, &ws); err != nil {
		return WebSession{}, false, fmt.Errorf("decode web session: %w", err)
	}
	return ws, true, nil
}

// Delete ends the session (退出); ending one that is gone is no error.
func (s *WebSessions) Delete(ctx context.Context, id string) error {
	if err := s.r.Client.Del(ctx, s.key(id)).Err(); err != nil {
		return fmt.Errorf("delete web session: %w", err)
	}
	return nil
}

// PutLoginState remembers a 网页授权 state and the page to return to,
// for ttl. TakeLoginState gives it back once.
func (r *Redis) PutLoginState(ctx context.Context, state, returnTo string, ttl time.Duration) error {
	if err := r.Client.Set(ctx, r.key("web", "state", state), returnTo, ttl).Err(); err != nil {
		return fmt.Errorf("save login state: %w", err)
	}
	return nil
}

// TakeLoginState returns the page remembered for state and forgets it:
// a state works once. false when it is unknown, used or expired.
func (r *Redis) TakeLoginState(ctx context.Context, state string) (string, bool, error) {
	v, err := r.Client.GetDel(ctx, r.key("web", "state", state)).Result()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("take login state: %w", err)
	}
	return v, true, nil
}
