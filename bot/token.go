package bot

import (
	"context"
	"errors"
	"time"
)

// sharedToken is an access token shared by every replica through a
// TokenStore: read it; on a miss, one replica fetches it under a lock while
// the others wait for its result. WeCom and the 公众号 differ only in how
// a token is fetched.
type sharedToken struct {
	store TokenStore
	key   string
	what  string // for errors: "wecom token", "mp token"
	// fetch gets a new token and how long it lives; rejected is a token
	// the API has just refused, which it must not hand back.
	fetch func(ctx context.Context, rejected string) (string, time.Duration, error)
}

// get returns the token, fetching it when no replica has one (or only the
// rejected one).
func (s *sharedToken) get(ctx context.Context, rejected string) (string, error) {
	cached := func() (string, bool, error) {
		tok, ok, err := s.store.GetString(ctx, s.key)
		return tok, ok && tok != rejected, err
	}
	if tok, ok, err := cached(); err != nil || ok {
		return tok, err
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		unlock, ok, err := s.store.TryLock(ctx, s.key, 10*time.Second)
		if err != nil {
			return "", err
		}
		if ok {
			defer unlock(context.WithoutCancel(ctx))
			// Another replica may have stored one between our miss and the lock.
			if tok, ok, err := cached(); err != nil || ok {
				return tok, err
			}
			tok, life, err := s.fetch(ctx, rejected)
			if err != nil {
				return "", err
			}
			// Keep a margin so that a token never expires in flight.
			ttl := max(life-5*time.Minute, time.Minute)
			if err := s.store.SetString(ctx, s.key, tok, ttl); err != nil {
				return "", err
			}
			return tok, nil
		}
		// Another replica is fetching: wait for its result.
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if tok, ok, err := cached(); err != nil || ok {
			return tok, err
		}
		if time.Now().After(deadline) {
			return "", errors.New(s.what + ": timed out waiting for another replica's refresh")
		}
	}
}

// drop forgets tok, unless another replica has already replaced it.
func (s *sharedToken) drop(ctx context.Context, tok string) error {
	return s.store.DeleteStringIf(ctx, s.key, tok)
}
