package storage

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// InboxEntry is one accepted callback.
type InboxEntry struct {
	DedupKey string
	FromUser string
	MsgType  string
	Event    string
	Payload  string
	Status   string
	Error    string
}

// RecordInbox inserts a callback into the inbox. It returns false when the
// key is already there: the callback is a repeat and must not be acted on.
func RecordInbox(ctx context.Context, q sqlx.ExtContext, e InboxEntry) (bool, error) {
	if e.Status == "" {
		e.Status = "done"
	}
	res, err := q.ExecContext(ctx, `
		INSERT INTO inbox (dedup_key, from_user, msg_type, event, payload, status, error)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (dedup_key) DO NOTHING`,
		e.DedupKey, e.FromUser, e.MsgType, e.Event, e.Payload, e.Status, e.Error)
	if err != nil {
		return false, fmt.Errorf("record inbox %s: %w", e.DedupKey, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("record inbox %s: %w", e.DedupKey, err)
	}
	return n == 1, nil
}

// CountInbox returns how many callbacks with key were recorded (0 or 1).
func CountInbox(ctx context.Context, q sqlx.QueryerContext, key string) (int, error) {
	var n int
	if err := sqlx.GetContext(ctx, q, &n, `SELECT count(*) FROM inbox WHERE dedup_key = $1`, key); err != nil {
		return 0, fmt.Errorf("count inbox: %w", err)
	}
	return n, nil
}
