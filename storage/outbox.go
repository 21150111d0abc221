package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Outbox kinds. The mp_ kinds are calls of the 公众号's API; their
// recipient is "mp:" + openid (or "mp:tag:" + tag id for a mass send), so
// that a follower's messages keep their order like a WeCom user's.
const (
	KindMessage    = "message"
	KindCardUpdate = "card_update"
	KindMenu       = "menu"
	KindMPTemplate = "mp_template"
	KindMPCustom   = "mp_custom"
	KindMPMass     = "mp_mass"
	KindMPTag      = "mp_tag"
	KindMPUntag    = "mp_untag"
)

// Outbox row states.
const (
	OutboxPending = "pending"
	OutboxSent    = "sent"
	OutboxFailed  = "failed"
)

// DuplicateCheckWindow is the duplicate_check_interval the worker asks of
// WeCom for rows with DupCheck: its maximum, 4 hours, so that a row sent
// but not marked (a crash, a timeout) and tried again within that time is
// not shown twice. Enqueue uses the same window to decide DupCheck.
const DuplicateCheckWindow = 4 * time.Hour

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
	LockedUntil   sql.NullTime     `db:"locked_until"`
	LastError     string           `db:"last_error"`
	ErrorCode     int              `db:"error_code"`
	Result        *json.RawMessage `db:"result"`
	DupCheck      bool             `db:"dup_check"`
	CreatedAt     time.Time        `db:"created_at"`
	SentAt        sql.NullTime     `db:"sent_at"`
	FailedAt      sql.NullTime     `db:"failed_at"`
}

const outboxCols = `id, kind, recipient, payload, idem_key, status, attempts, next_attempt_at, locked_until,
	last_error, error_code, result, dup_check, created_at, sent_at, failed_at`

// Enqueue writes an outbound call. Call it in the transaction of the change
// that causes it. A non-empty idemKey makes the call happen at most once:
// a second Enqueue with the same key is ignored and returns 0.
//
// A WeCom message gets DupCheck (WeCom's duplicate check, see
// DuplicateCheckWindow) unless the same request to the same recipient is
// pending or was sent within the window: then the repeat is meant (帮助
// asked twice) and WeCom must not swallow it.
func Enqueue(ctx context.Context, q sqlx.ExtContext, kind, recipient string, payload any, idemKey string) (int64, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return 0, fmt.Errorf("enqueue %s: encode: %w", kind, err)
	}
	var key sql.NullString
	if idemKey != "" {
		key = sql.NullString{String: idemKey, Valid: true}
	}
	hash := ""
	if kind == KindMessage {
		sum := sha256.Sum256(append([]byte(recipient+"\x00"), b...))
		hash = hex.EncodeToString(sum[:16])
	}
	var id int64
	err = sqlx.GetContext(ctx, q, &id, `
		INSERT INTO outbox (kind, recipient, payload, idem_key, content_hash, dup_check)
		VALUES ($1, $2, $3, $4, $5, $5 <> '' AND NOT EXISTS (
			SELECT 1 FROM outbox p WHERE p.recipient = $2 AND p.content_hash = $5
			  AND (p.status = 'pending' OR p.sent_at > now() - make_interval(secs => $6))))
		ON CONFLICT (idem_key) DO NOTHING RETURNING id`,
		kind, recipient, string(b), key, hash, DuplicateCheckWindow.Seconds()) // text: see Open
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("enqueue %s to %s: %w", kind, recipient, err)
	}
	return id, nil
}

// Pace limits how many rows of the given kinds one recipient is sent: at
// most PerMinute in any minute and PerHour in any hour (0: no limit).
// WeCom drops app messages above 30 a minute or 1000 an hour per member
// without an error, so the worker paces below that.
type Pace struct {
	Kinds     []string
	PerMinute int
	PerHour   int
	// Paused are kinds not claimed at all for now: the worker holds back
	// an API that cannot work (WeCom refused the app secret).
	Paused []string
}

// ClaimOutbox leases up to limit due rows for delivery until now+lease. It
// takes only the oldest pending row of each recipient, so a recipient's
// messages go out in order, and skips rows another worker holds.
func (db *DB) ClaimOutbox(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]OutboxRow, error) {
	return db.ClaimOutboxPaced(ctx, now, limit, lease, Pace{})
}

// ClaimOutboxPaced is ClaimOutbox that also leaves alone the recipients
// who have had their share under p: their next row waits until the
// window has room. Since a recipient has at most one row in flight (the
// oldest pending), counting the sent rows is exact across replicas.
func (db *DB) ClaimOutboxPaced(ctx context.Context, now time.Time, limit int, lease time.Duration, p Pace) ([]OutboxRow, error) {
	kinds, paused := p.Kinds, p.Paused
	if kinds == nil {
		kinds = []string{}
	}
	if paused == nil {
		paused = []string{}
	}
	var rows []OutboxRow
	// heads is each recipient's oldest pending row, found with one index
	// probe per recipient (a loose index scan over outbox_recipient_pending)
	// rather than by testing every pending row for an older one: a backlog
	// of thousands of rows for a few people costs a few probes, not a scan.
	// Rows without a recipient (the app menu) are not ordered. "= ANY(ARRAY(...))"
	// makes the heads drive the primary key instead of the planner
	// scanning every pending row to join them; "(status = 'pending') IS
	// TRUE" keeps the planner from choosing a partial index on pending
	// rows for that lookup, which would again read every pending row (and
	// the dead entries not yet vacuumed).
	err := db.SelectContext(ctx, &rows, `
		UPDATE outbox SET locked_until = $3, attempts = attempts + 1
		WHERE id IN (
			WITH RECURSIVE heads(recipient, id) AS (
				(SELECT recipient, id FROM outbox WHERE status = 'pending' AND recipient > ''
				 ORDER BY recipient, id LIMIT 1)
				UNION ALL
				SELECT x.recipient, x.id FROM heads h, LATERAL (
					SELECT recipient, id FROM outbox
					WHERE status = 'pending' AND recipient > h.recipient
					ORDER BY recipient, id LIMIT 1) x
			)
			SELECT o.id FROM outbox o
			WHERE o.id = ANY(ARRAY(SELECT id FROM heads UNION ALL
				SELECT id FROM outbox WHERE status = 'pending' AND recipient = ''))
			  AND (o.status = 'pending') IS TRUE AND o.next_attempt_at <= $1
			  AND (o.locked_until IS NULL OR o.locked_until < $1)
			  AND NOT (o.kind = ANY($7))
			  AND (o.recipient = '' OR NOT (o.kind = ANY($4)) OR (
				($5 = 0 OR (SELECT count(*) FROM outbox s WHERE s.recipient = o.recipient AND s.status = 'sent'
					AND s.sent_at > $1 - interval '1 minute' AND s.kind = ANY($4)) < $5)
				AND ($6 = 0 OR (SELECT count(*) FROM outbox s WHERE s.recipient = o.recipient AND s.status = 'sent'
					AND s.sent_at > $1 - interval '1 hour' AND s.kind = ANY($4)) < $6)))
			ORDER BY o.id LIMIT $2
			FOR UPDATE SKIP LOCKED)
		RETURNING `+outboxCols, now, limit, now.Add(lease), pq.Array(kinds), p.PerMinute, p.PerHour, pq.Array(paused))
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
		UPDATE outbox SET status = 'sent', sent_at = $2, result = $3, locked_until = NULL, last_error = '', error_code = 0
		WHERE id = $1 AND status = 'pending'`, id, now, string(b))
	if err != nil {
		return fmt.Errorf("mark sent %d: %w", id, err)
	}
	return nil
}

// Sent is a delivered row and what the API answered, for MarkSentMany.
type Sent struct {
	ID     int64
	Result any
}

// MarkSentMany records several delivered rows in one statement.
func (db *DB) MarkSentMany(ctx context.Context, now time.Time, sent []Sent) error {
	if len(sent) == 0 {
		return nil
	}
	ids := make([]int64, len(sent))
	results := make([]string, len(sent))
	for i, s := range sent {
		b, err := json.Marshal(s.Result)
		if err != nil {
			return fmt.Errorf("mark sent %d: %w", s.ID, err)
		}
		ids[i], results[i] = s.ID, string(b)
	}
	_, err := db.ExecContext(ctx, `
		UPDATE outbox o SET status = 'sent', sent_at = $1, result = r.result::jsonb, locked_until = NULL,
			last_error = '', error_code = 0
		FROM unnest($2::bigint[], $3::text[]) AS r(id, result)
		WHERE o.id = r.id AND o.status = 'pending'`, now, pq.Array(ids), pq.Array(results))
	if err != nil {
		return fmt.Errorf("mark %d rows sent: %w", len(sent), err)
	}
	return nil
}

// MarkRetry schedules another attempt at next.
func (db *DB) MarkRetry(ctx context.Context, id int64, next time.Time, reason string) error {
	return db.MarkRetryCode(ctx, id, next, 0, reason)
}

// MarkRetryCode is MarkRetry keeping the API's errcode.
func (db *DB) MarkRetryCode(ctx context.Context, id int64, next time.Time, code int, reason string) error {
	_, err := db.ExecContext(ctx, `
		UPDATE outbox SET next_attempt_at = $2, last_error = $3, error_code = $4, locked_until = NULL
		WHERE id = $1 AND status = 'pending'`, id, next, reason, code)
	if err != nil {
		return fmt.Errorf("mark retry %d: %w", id, err)
	}
	return nil
}

// Release gives a claimed row back without counting the attempt, due
// again at next: the worker could not send it before its lease would run
// out (the API's rate is used up for a while).
func (db *DB) Release(ctx context.Context, id int64, next time.Time) error {
	_, err := db.ExecContext(ctx, `
		UPDATE outbox SET locked_until = NULL, attempts = greatest(attempts - 1, 0), next_attempt_at = $2
		WHERE id = $1 AND status = 'pending'`, id, next)
	if err != nil {
		return fmt.Errorf("release %d: %w", id, err)
	}
	return nil
}

// MarkFailed gives up on a row; it stays for the failure report.
func (db *DB) MarkFailed(ctx context.Context, id int64, reason string) error {
	return db.MarkFailedCode(ctx, id, time.Now(), 0, reason)
}

// MarkFailedCode is MarkFailed with the time and the API's errcode, which
// the office's summary explains.
func (db *DB) MarkFailedCode(ctx context.Context, id int64, now time.Time, code int, reason string) error {
	_, err := db.ExecContext(ctx, `
		UPDATE outbox SET status = 'failed', last_error = $2, error_code = $3, failed_at = $4, locked_until = NULL
		WHERE id = $1 AND status = 'pending'`, id, reason, code, now)
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

// PendingOutbox returns up to limit pending rows, oldest first: the order
// in which they will go out.
func PendingOutbox(ctx context.Context, q sqlx.QueryerContext, limit int) ([]OutboxRow, error) {
	var rows []OutboxRow
	err := sqlx.SelectContext(ctx, q, &rows, `
		SELECT `+outboxCols+` FROM outbox WHERE status = 'pending' ORDER BY id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("pending outbox: %w", err)
	}
	return rows, nil
}

// FailedSince returns the rows given up at or after since, oldest first.
func FailedSince(ctx context.Context, q sqlx.QueryerContext, since time.Time) ([]OutboxRow, error) {
	var rows []OutboxRow
	err := sqlx.SelectContext(ctx, q, &rows, `
		SELECT `+outboxCols+` FROM outbox WHERE status = 'failed' AND failed_at >= $1 ORDER BY failed_at, id`, since)
	if err != nil {
		return nil, fmt.Errorf("failed outbox rows: %w", err)
	}
	return rows, nil
}

// OutboxCounts returns how many rows are in each state.
func OutboxCounts(ctx context.Context, q sqlx.QueryerContext) (map[string]int, error) {
	var rows []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT status, count(*) AS n FROM outbox GROUP BY status`); err != nil {
		return nil, fmt.Errorf("outbox counts: %w", err)
	}
	out := map[string]int{OutboxPending: 0, OutboxSent: 0, OutboxFailed: 0}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// OutboxBacklog is what the outbox has not delivered.
type OutboxBacklog struct {
	Pending int          `db:"pending"`
	Failed  int          `db:"failed"`
	Oldest  sql.NullTime `db:"oldest"` // created_at of the oldest pending row
}

// ReadOutboxBacklog counts the pending and failed rows and finds the oldest
// pending one, for the metrics at every scrape. Unlike OutboxCounts it
// leaves the sent rows alone, which are kept for good: each part reads a
// partial index of pending or failed rows, so its cost follows the
// backlog, not the table's history (0.3 ms beside 1 million sent rows,
// where OutboxCounts takes 130 ms).
func ReadOutboxBacklog(ctx context.Context, q sqlx.QueryerContext) (OutboxBacklog, error) {
	var b OutboxBacklog
	err := sqlx.GetContext(ctx, q, &b, `SELECT
		(SELECT count(*) FROM outbox WHERE status = 'pending') AS pending,
		(SELECT count(*) FROM outbox WHERE status = 'failed') AS failed,
		(SELECT min(created_at) FROM outbox WHERE status = 'pending') AS oldest`)
	if err != nil {
		return OutboxBacklog{}, fmt.Errorf("outbox backlog: %w", err)
	}
	return b, nil
}

// ErrNotFailed reports a retry of a row that is not failed (or not there).
var ErrNotFailed = errors.New("outbox row is not failed")

// RequeueFailed puts a failed row back in the queue, due now, with its
// attempts reset. It returns the row as it was; ErrNotFound when there is
// no such row, ErrNotFailed when it is pending or sent.
func RequeueFailed(ctx context.Context, tx *Tx, id int64, now time.Time) (*OutboxRow, error) {
	var r OutboxRow
	if err := tx.GetContext(ctx, &r, `SELECT `+outboxCols+` FROM outbox WHERE id = $1 FOR UPDATE`, id); err != nil {
		return nil, fmt.Errorf("outbox row %d: %w", id, mapErr(err))
	}
	if r.Status != OutboxFailed {
		return &r, fmt.Errorf("outbox row %d is %s: %w", id, r.Status, ErrNotFailed)
	}
	_, err := tx.ExecContext(ctx, `
		UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $2, locked_until = NULL,
			failed_at = NULL
		WHERE id = $1 AND status = 'failed'`, id, now)
	if err != nil {
		return nil, fmt.Errorf("requeue %d: %w", id, err)
	}
	return &r, nil
}
