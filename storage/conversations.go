package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Conversation is a person's conversation in progress as the last
// committed turn left it: Kind is empty when none is in progress. Seq
// counts the turns that changed it (0: none recorded yet).
type Conversation struct {
	UserID  string          `db:"user_id"`
	Seq     int64           `db:"seq"`
	Kind    string          `db:"kind"`
	State   json.RawMessage `db:"state"`
	SavedAt time.Time       `db:"saved_at"`
}

// LockConversation returns userID's conversation row, created empty when
// there is none, locked until the transaction ends: a person's turns are
// taken one at a time.
func LockConversation(ctx context.Context, tx *Tx, userID string, now time.Time) (Conversation, error) {
	// A plain FOR UPDATE for the usual case, so that a turn does not write
	// a new row version just to take the lock; the insert only once per
	// person (a concurrent first turn makes it a no-op, and the select
	// after it then waits for that turn).
	for range 2 {
		c, err := lockConversation(ctx, tx, userID)
		if !errors.Is(err, sql.ErrNoRows) {
			return c, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO conversations (user_id, saved_at) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING`, userID, now); err != nil {
			return Conversation{}, fmt.Errorf("lock conversation of %s: %w", userID, err)
		}
	}
	return lockConversation(ctx, tx, userID)
}

func lockConversation(ctx context.Context, tx *Tx, userID string) (Conversation, error) {
	var c Conversation
	var state []byte
	err := tx.QueryRowxContext(ctx, `SELECT user_id, seq, kind, state, saved_at FROM conversations WHERE user_id = $1 FOR UPDATE`, userID).
		Scan(&c.UserID, &c.Seq, &c.Kind, &state, &c.SavedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Conversation{}, err
	}
	if err != nil {
		return Conversation{}, fmt.Errorf("lock conversation of %s: %w", userID, err)
	}
	c.State = state
	return c, nil
}

// SaveConversation records c as the turn left it.
func SaveConversation(ctx context.Context, tx *Tx, c Conversation) error {
	var state any
	if len(c.State) > 0 {
		state = string(c.State) // text: see Open
	}
	// An upsert, not an update: a row written before the turn's lock
	// (LockConversation) always exists, but a caller need not have locked.
	_, err := tx.ExecContext(ctx, `
		INSERT INTO conversations (user_id, seq, kind, state, saved_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (user_id) DO UPDATE SET seq = $2, kind = $3, state = $4, saved_at = $5`,
		c.UserID, c.Seq, c.Kind, state, c.SavedAt)
	if err != nil {
		return fmt.Errorf("save conversation of %s: %w", c.UserID, err)
	}
	return nil
}

// GetConversation reads userID's conversation without locking it; the
// zero Conversation when there is none.
func GetConversation(ctx context.Context, q Queryer, userID string) (Conversation, error) {
	var c Conversation
	var state []byte
	err := q.QueryRowxContext(ctx, `SELECT user_id, seq, kind, state, saved_at FROM conversations WHERE user_id = $1`, userID).
		Scan(&c.UserID, &c.Seq, &c.Kind, &state, &c.SavedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Conversation{UserID: userID}, nil
	}
	if err != nil {
		return Conversation{}, fmt.Errorf("conversation of %s: %w", userID, err)
	}
	c.State = state
	return c, nil
}
