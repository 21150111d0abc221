package chat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
)

// Session is a user's conversation in progress. One at a time: starting a
// new one replaces what is there only where the flow allows it. Each flow
// keeps its own state in it (Decode, Save); the JSON is one flat object
// with at least "kind", so sessions saved by earlier releases still load.
//
// Redis holds the working copy and Postgres (storage.Conversation) what
// the last committed turn left: each turn records its change of the
// conversation in its own transaction, and the Redis copy carries the
// turn's number (seqField). When they differ — the process died between
// the commit and the Redis write, or Redis lost its data — Postgres
// decides, so a conversation is neither lost nor rewound.
type Session struct {
	Kind string
	raw  json.RawMessage
}

// seqField carries, in the Redis copy, the number of the turn that saved
// it (storage.Conversation.Seq).
const seqField = "_seq"

// Decode reads the flow's state, saved by Save, into v.
func (s *Session) Decode(v any) error {
	if err := json.Unmarshal(s.raw, v); err != nil {
		return fmt.Errorf("decode %s session: %w", s.Kind, err)
	}
	return nil
}

// convState is a turn's part in the conversation: what it found, and what
// it changed (Save, End) to be recorded before the commit.
type convState struct {
	row      storage.Conversation
	loaded   *Session // what was in progress when the turn began
	repair   bool     // the Redis copy is not what Postgres holds
	unloaded bool     // the turn did not lock the row (LoadSession)
	changed  bool
	kind     string
	raw      json.RawMessage // nil: ended
}

// LoadSession takes the turn's person's conversation: it locks their row
// in Postgres (their turns go one at a time), reads the Redis copy, and
// returns what Postgres says is in progress — nil when nothing is. expired
// names the kind of a conversation that timed out since; it stays
// reported until the turn ends it (End).
func (b *Bot) LoadSession(ctx context.Context, t *Turn) (s *Session, expired string, err error) {
	user := t.Person.UserID
	row, err := storage.LockConversation(ctx, t.Tx, user, t.Now)
	if err != nil {
		return nil, "", err
	}
	cs := &convState{row: row}
	t.conv = cs
	var raw json.RawMessage
	ok, err := b.Sessions.Load(ctx, user, &raw)
	if err != nil {
		// Redis is down: Postgres has the conversation.
		b.Log.WarnContext(ctx, "session copy unavailable; using Postgres", "user", user, "err", err)
		ok = false
	}
	seq := int64(-1)
	if ok {
		seq = seqOf(raw)
	}
	switch {
	case row.Seq == 0:
		// Nothing recorded yet (a conversation begun before the record
		// existed): the Redis copy is all there is.
		if !ok {
			return nil, "", nil
		}
	case seq == row.Seq:
		// The usual case: both agree.
	case row.Kind == "":
		cs.repair = ok // ended in Postgres; the copy is stale
		return nil, "", nil
	case t.Now.Sub(row.SavedAt) >= b.Sessions.TTL():
		// Timed out. The caller may tell the user, and End it so that it
		// is told once.
		cs.repair = ok
		return nil, row.Kind, nil
	default:
		// The copy is missing or behind what committed.
		raw, cs.repair = row.State, true
	}
	s, err = sessionOf(raw)
	if err != nil {
		return nil, "", err
	}
	cs.loaded = s
	return s, "", nil
}

// seqOf reads the turn number a Redis copy was saved at; 0 for copies
// saved before it was kept.
func seqOf(raw json.RawMessage) int64 {
	var head struct {
		Seq int64 `json:"_seq"`
	}
	_ = json.Unmarshal(raw, &head)
	return head.Seq
}

func sessionOf(raw json.RawMessage) (*Session, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var head struct {
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("decode session: %w", err)
	}
	if head.Kind == "" {
		return nil, nil
	}
	return &Session{Kind: head.Kind, raw: raw}, nil
}

// Save makes v, a flow's state of conversation kind, the turn's
// conversation; it is recorded with the turn's commit. v is encoded now,
// so later changes to it are not saved. v must encode its kind as "kind".
func (b *Bot) Save(t *Turn, kind string, v any) {
	raw, err := json.Marshal(v)
	if err != nil {
		// Only a programming error (an unencodable state) gets here.
		b.Log.Error("encode session", "kind", kind, "err", err)
		return
	}
	cs := t.convState()
	cs.changed, cs.kind, cs.raw = true, kind, raw
}

// End ends the conversation with the turn's commit.
func (b *Bot) End(t *Turn) {
	cs := t.convState()
	cs.changed, cs.kind, cs.raw = true, "", nil
}

func (t *Turn) convState() *convState {
	if t.conv == nil {
		// A turn that did not load the conversation (no person, or an
		// operator's command): its changes are recorded all the same.
		t.conv = &convState{row: storage.Conversation{UserID: t.Person.UserID}, unloaded: true}
	}
	return t.conv
}

// recordSession writes the turn's change of the conversation in its
// transaction, and arranges for the Redis copy to follow once it has
// committed.
func (b *Bot) recordSession(ctx context.Context, t *Turn) error {
	cs := t.conv
	if cs == nil || cs.row.UserID == "" {
		return nil
	}
	user := cs.row.UserID
	if cs.unloaded {
		row, err := storage.LockConversation(ctx, t.Tx, user, t.Now)
		if err != nil {
			return err
		}
		cs.row.Seq = row.Seq
	}
	if !cs.changed && cs.loaded != nil && cs.row.Seq == 0 {
		// A conversation begun before its record existed: record it now.
		cs.changed, cs.kind, cs.raw = true, cs.loaded.Kind, cs.loaded.raw
	}
	if !cs.changed {
		if cs.loaded == nil {
			if cs.repair {
				t.AfterCommit(func(ctx context.Context) error { return b.Sessions.Delete(ctx, user) })
			}
			return nil
		}
		// Still in progress: the idle timeout starts again, as it does in
		// Redis on each load.
		cs.row.SavedAt = t.Now
		if err := storage.SaveConversation(ctx, t.Tx, cs.row); err != nil {
			return err
		}
		if cs.repair {
			b.afterSave(t, user, cs.row.Seq, cs.row.State)
		}
		return nil
	}
	cs.row.Seq++
	cs.row.Kind, cs.row.State, cs.row.SavedAt = cs.kind, cs.raw, t.Now
	if err := storage.SaveConversation(ctx, t.Tx, cs.row); err != nil {
		return err
	}
	if cs.raw == nil {
		t.AfterCommit(func(ctx context.Context) error { return b.Sessions.Delete(ctx, user) })
		return nil
	}
	b.afterSave(t, user, cs.row.Seq, cs.raw)
	return nil
}

// afterSave writes the Redis copy, with its turn number, once the turn
// has committed.
func (b *Bot) afterSave(t *Turn, user string, seq int64, raw json.RawMessage) {
	t.AfterCommit(func(ctx context.Context) error {
		copy, err := withSeq(raw, seq)
		if err != nil {
			return err
		}
		return b.Sessions.Save(ctx, user, copy)
	})
}

func withSeq(raw json.RawMessage, seq int64) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("session copy: %w", err)
	}
	m[seqField] = json.RawMessage(fmt.Sprint(seq))
	out, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("session copy: %w", err)
	}
	return out, nil
}

// RepairSession makes the Redis copy of userID's conversation what
// Postgres holds, for a callback that turned out to be a repeat: its turn
// committed, but the process may have died before the Redis write.
func (b *Bot) RepairSession(ctx context.Context, userID string, now time.Time) error {
	row, err := storage.GetConversation(ctx, b.DB, userID)
	if err != nil || row.Seq == 0 {
		return err
	}
	var raw json.RawMessage
	ok, err := b.Sessions.Load(ctx, userID, &raw)
	if err != nil {
		return err
	}
	if ok && seqOf(raw) == row.Seq {
		return nil
	}
	if row.Kind == "" || now.Sub(row.SavedAt) >= b.Sessions.TTL() {
		if ok {
			return b.Sessions.Delete(ctx, userID)
		}
		return nil
	}
	copy, err := withSeq(row.State, row.Seq)
	if err != nil {
		return err
	}
	return b.Sessions.Save(ctx, userID, copy)
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
