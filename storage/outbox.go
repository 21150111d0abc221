package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Outbox kinds.
const (
	KindMessage    = "message"
	KindCardUpdate = "card_update"
	KindMenu       = "menu"
)

// OutboxRow is one outbound call.
type OutboxRow struct {
	ID            int64            `db:"id"`
	Kind          string           `db:"kind"`
	Recipient     string           `db:"recipient"`
	Payload       json.RawMessage  `db:"payload"`
	IdemKey       sql.NullString   `db:"idem_key"`
	Status        string           `db:"status"`
	Attempts      int              `db:"attempts"`
	NextAttemptAt time.Time        `db:"next_attempt_at"`
	LastError     string           `db:"last_error"`
	Result        *json.RawMessage `db:"result"`
	CreatedAt     time.Time        `db:"created_at"`
	SentAt        sql.NullTime     `db:"sent_at"`
}

const outboxCols = `id, kind, recipient, payload, idem_key, status, attempts, next_attempt_at, last_error, result, created_at, sent_at`

// Enqueue writes an outbound call. Call it in the transaction of the change
// that causes it. A non-empty idemKey makes the call happen at most once:
// a second Enqueue with the same key is ignored and returns 0.
func Enqueue(ctx context.Context, q sqlx.ExtContext, kind, recipient string, payload any, idemKey string) (int64, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return 0, fmt.Errorf("enqueue %s: encode: %w", kind, err)
	}
	var key sql.NullString
	if idemKey != "" {
		key = sql.NullString{String: idemKey, Valid: true}
	}
	var id int64
	err = sqlx.GetContext(ctx, q, &id, `
		INSERT INTO outbox (kind, recipient, payload, idem_key) VALUES ($1, $2, $3, $4)
		ON CONFLICT (idem_key) DO NOTHING RETURNING id`, kind, recipient, b, key)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("enqueue %s to %s: %w", kind, recipient, err)
	}
	return id, nil
}

// ClaimOutbox leases up to limit due rows for delivery until now+lease. It
// takes only the oldest pending row of each recipient, so a recipient's
// messages go out in order, and skips rows another worker holds.
func (db *DB) ClaimOutbox(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]OutboxRow, error) {
	var rows []OutboxRow
	err := db.SelectContext(ctx, &rows, `
		UPDATE outbox SET locked_until = $3, attempts = attempts + 1
		WHERE id IN (
			SELECT o.id FROM outbox o
			WHERE o.status = 'pending' AND o.next_attempt_at <= $1
			  AND (o.locked_until IS NULL OR o.locked_until < $1)
			  AND NOT EXISTS (
				SELECT 1 FROM outbox p
				WHERE p.status = 'pending' AND p.recipient = o.recipient AND p.id < o.id AND o.recipient <> '')
			ORDER BY o.id LIMIT $2
			FOR UPDATE SKIP LOCKED)
		RETURNING `+outboxCols, now, limit, now.Add(lease))
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	return rows, nil
}

// MarkSent records a delivered row and what the API answered.
func (db *DB) MarkSent(ctx context.Context, id int64, now time.Time, result any) error {
	b, err := json.Marshal(result)
	if err != nil {
		return fmt.Errorf("mark sent %d: %w", id, err)
	}
	_, err = db.ExecContext(ctx, `
		UPDATE outbox SET status = 'sent', sent_at = $2, result = $3, locked_until = NULL, last_error = ''
		WHERE id = $1 AND status = 'pending'`, id, now, b)
	if err != nil {
		return fmt.Errorf("mark sent %d: %w", id, err)
	}
	return nil
}

// MarkRetry schedules another attempt at next.
func (db *DB) MarkRetry(ctx context.Context, id int64, next time.Time, reason string) error {
	_, err := db.ExecContext(ctx, `
		UPDATE outbox SET next_attempt_at = $2, last_error = $3, locked_until = NULL
		WHERE id = $1 AND status = 'pending'`, id, next, reason)
	if err != nil {
		return fmt.Errorf("mark retry %d: %w", id, err)
	}
	return nil
}

// MarkFailed gives up on a row; it stays for the failure report.
func (db *DB) MarkFailed(ctx context.Context, id int64, reason string) error {
	_, err := db.ExecContext(ctx, `
		UPDATE outbox SET status = 'failed', last_error = $2, locked_until = NULL
		WHERE id = $1 AND status = 'pending'`, id, reason)
	if err != nil {
		return fmt.Errorf("mark failed %d: %w", id, err)
	}
	return nil
}

// ListOutbox returns rows with status ("" for all), newest first.
func (db *DB) ListOutbox(ctx context.Context, status string, limit int) ([]OutboxRow, error) {
	var rows []OutboxRow
	err := db.SelectContext(ctx, &rows, `
		SELECT `+outboxCols+` FROM outbox WHERE $1 = '' OR status = $1 ORDER BY id DESC LIMIT $2`, status, limit)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	return rows, nil
}
