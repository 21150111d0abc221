package chat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
)

// Session is a user's conversation in progress, as kept in Redis. One at a
// time: starting a new one replaces what is there only where the flow
// allows it. Each flow keeps its own state in it (Decode, Save); the JSON
// is one flat object with at least "kind", so sessions saved before the
// flows had packages of their own still load.
type Session struct {
	Kind string
	raw  json.RawMessage
}

// Decode reads the flow's state, saved by Save, into v.
func (s *Session) Decode(v any) error {
	if err := json.Unmarshal(s.raw, v); err != nil {
		return fmt.Errorf("decode %s session: %w", s.Kind, err)
	}
	return nil
}

// LoadSession reads userID's conversation; nil when there is none.
func (b *Bot) LoadSession(ctx context.Context, userID string) (*Session, error) {
	var raw json.RawMessage
	ok, err := b.Sessions.Load(ctx, userID, &raw)
	if err != nil || !ok {
		return nil, err
	}
	var head struct {
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("decode session: %w", err)
	}
	return &Session{Kind: head.Kind, raw: raw}, nil
}

// Save stores v, a flow's state of conversation kind, once the turn
// commits; v is encoded now, so later changes to it are not saved. v must
// encode its kind as "kind".
func (b *Bot) Save(t *Turn, kind string, v any) {
	raw, err := json.Marshal(v)
	user := t.Person.UserID
	t.AfterCommit(func(ctx context.Context) error {
		if err != nil {
			return fmt.Errorf("encode %s session: %w", kind, err)
		}
		return b.Sessions.SaveAs(ctx, user, kind, json.RawMessage(raw))
	})
}

// End deletes the conversation once the turn commits.
func (b *Bot) End(t *Turn) {
	user := t.Person.UserID
	t.AfterCommit(func(ctx context.Context) error { return b.Sessions.Delete(ctx, user) })
}

// InWizard reports whether s is a conversation in which the user is
// filling something in field by field (Bot.Wizards).
func (b *Bot) InWizard(s *Session) bool {
	return s != nil && slices.Contains(b.Wizards, s.Kind)
}

// Nonce returns a short random token for task ids.
func Nonce() string {
	var b [5]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
