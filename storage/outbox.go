package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
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

// DuplicateCheckWindow is the longest duplicate_check_interval WeCom
// takes (「最大不超过4小时」), which a message gets when no identical
// request went to its recipient within that time: a row sent but not
// marked (a crash, a timeout) and tried again within it is not shown
// twice.
const DuplicateCheckWindow = 4 * time.Hour

// A message repeating one its recipient was sent less than
// DuplicateCheckWindow ago (帮助 asked twice, a wizard's question asked
// again) is meant to arrive again, so its window must end before the
// earlier one: WeCom drops 「同样内容(请求json)的消息」 within the interval.
// It gets the time since the earlier one was sent (or given up) less
// dupCheckMargin, for clocks of replicas that differ a little and WeCom
// counting whole seconds; below dupCheckMin it goes without the check.
// The documents give the default (1800 s) and the maximum only; the 10 s
// floor keeps clear of whatever tiny values WeCom might treat specially.
const (
	dupCheckMargin = 5 * time.Second
	dupCheckMin    = 10 * time.Second
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
	LockedUntil   sql.NullTime     `db:"locked_until"`
	LastError     string           `db:"last_error"`
	ErrorCode     int              `db:"error_code"`
	Result        *json.RawMessage `db:"result"`
	DupCheck      bool             `db:"dup_check"`
	// DupInterval is the duplicate_check_interval of a message in seconds,
	// 0 for none (or not decided: the row was never claimed). See
	// DuplicateCheckWindow.
	DupInterval int           `db:"dup_interval"`
	ClaimedBy   sql.NullInt32 `db:"claimed_by"` // the owner of the last claim (OutboxSession)
	ClaimSeq    sql.NullInt64 `db:"claim_seq"`  // the last claim, unique per claim of a row
	CreatedAt   time.Time     `db:"created_at"`
	SentAt      sql.NullTime  `db:"sent_at"`
	FailedAt    sql.NullTime  `db:"failed_at"`
}

const outboxCols = `id, kind, recipient, payload, idem_key, status, attempts, next_attempt_at, locked_until,
	last_error, error_code, result, dup_check, coalesce(dup_interval, 0) AS dup_interval, claimed_by, claim_seq,
	created_at, sent_at, failed_at`

// Enqueue writes an outbound call. Call it in the transaction of the change
// that causes it. A non-empty idemKey makes the call happen at most once:
// a second Enqueue with the same key is ignored and returns 0.
//
// A WeCom message gets DupCheck unless the same request to the same
// recipient is pending or was sent within DuplicateCheckWindow: then the
// repeat is meant (帮助 asked twice) and WeCom must not swallow it. The
// worker decides the row's duplicate check at its first claim, when it
// knows when the earlier identical one went (DupInterval); DupCheck says
// what rows attempted before DupInterval existed were sent with.
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

// QueuedKeys returns which of keys are idempotency keys of rows already
// queued.
func QueuedKeys(ctx context.Context, q sqlx.QueryerContext, keys []string) ([]string, error) {
	var out []string
	if err := sqlx.SelectContext(ctx, q, &out, `SELECT idem_key FROM outbox WHERE idem_key = ANY($1)`, pq.StringArray(keys)); err != nil {
		return nil, fmt.Errorf("queued keys: %w", err)
	}
	return out, nil
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
// messages go out in order, and skips rows another worker holds. A row
// claimed this way is held by its lease alone; the worker claims through
// an OutboxSession, whose rows are free again the moment it dies.
func (db *DB) ClaimOutbox(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]OutboxRow, error) {
	return db.ClaimOutboxPaced(ctx, now, limit, lease, Pace{})
}

// ClaimOutboxPaced is ClaimOutbox that also leaves alone the recipients
// who have had their share under p: their next row waits until the
// window has room. Since a recipient has at most one row in flight (the
// oldest pending), counting the sent rows is exact across replicas.
func (db *DB) ClaimOutboxPaced(ctx context.Context, now time.Time, limit int, lease time.Duration, p Pace) ([]OutboxRow, error) {
	return claimOutbox(ctx, db, now, limit, lease, p, sql.NullInt32{}, sql.NullInt64{})
}

// outboxLockClass is the first key of a worker's session advisory lock
// (the second is its owner number). Two-key locks never collide with the
// one-key migration lock, and the class differs from the jobs' one.
const outboxLockClass = 0x7a776f62 // "zwob"

// OutboxSession is a worker's hold on the rows it claims: a connection of
// its own holding a session advisory lock on the worker's owner number.
// Postgres releases the lock when the connection ends (the process died,
// was killed, lost its connection), and from then on the rows claimed
// through the session are free for any other worker, or the restarted
// process, at once instead of at the end of their lease. Claims go through
// the session's connection, so a claim that succeeds proves that the
// Postgres incarnation the session was opened in is still the one running
// (see ClaimPaced).
type OutboxSession struct {
	conn  *sqlx.Conn
	owner int32
	epoch int64 // the Postgres incarnation (outbox_incarnation)
	pid   int   // the session's backend, for the tests that kill it
}

// OpenOutboxSession takes a connection out of the pool and locks owner on
// it (0: a new owner number). A worker that reconnects passes its previous
// number, so the rows it still holds keep their owner; should that number
// be locked still (Postgres has not yet seen the old connection end), the
// session takes a new one.
func (db *DB) OpenOutboxSession(ctx context.Context, owner int32) (*OutboxSession, error) {
	conn, err := db.Connx(ctx)
	if err != nil {
		return nil, fmt.Errorf("outbox session: %w", err)
	}
	s := &OutboxSession{conn: conn}
	for range 5 {
		if owner == 0 {
			if err := conn.GetContext(ctx, &owner, `SELECT nextval('outbox_owner_seq')::int`); err != nil {
				s.Close()
				return nil, fmt.Errorf("outbox session: owner number: %w", err)
			}
		}
		var locked bool
		if err := conn.GetContext(ctx, &locked, `SELECT pg_try_advisory_lock($1::int, $2::int)`, outboxLockClass, owner); err != nil {
			s.Close()
			return nil, fmt.Errorf("outbox session: lock owner %d: %w", owner, err)
		}
		if locked {
			s.owner = owner
			break
		}
		owner = 0
	}
	if s.owner == 0 {
		s.Close()
		return nil, errors.New("outbox session: no free owner number")
	}
	// The incarnation's epoch, made by the first session after a start.
	// Two sessions racing to make it: the loser's statement does not see
	// the winner's row, and tries again.
	for range 5 {
		var st []struct {
			Epoch int64 `db:"epoch"`
			PID   int   `db:"pid"`
		}
		err := conn.SelectContext(ctx, &st, `
			WITH gone AS (DELETE FROM outbox_incarnation WHERE pm_start <> pg_postmaster_start_time()),
			made AS (INSERT INTO outbox_incarnation (pm_start, epoch)
				VALUES (pg_postmaster_start_time(), nextval('outbox_claim_seq'))
				ON CONFLICT (pm_start) DO NOTHING RETURNING epoch)
			SELECT epoch, pg_backend_pid() AS pid FROM (
				SELECT epoch FROM made UNION ALL
				SELECT epoch FROM outbox_incarnation WHERE pm_start = pg_postmaster_start_time()) e`)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("outbox session: incarnation: %w", err)
		}
		if len(st) > 0 {
			s.epoch, s.pid = st[0].Epoch, st[0].PID
			return s, nil
		}
	}
	s.Close()
	return nil, errors.New("outbox session: no incarnation epoch")
}

// Owner is the session's owner number, the claimed_by of its rows.
func (s *OutboxSession) Owner() int32 { return s.owner }

// PID is the session's Postgres backend.
func (s *OutboxSession) PID() int { return s.pid }

// Check makes a round trip on the session's connection: nil means the
// session, and so the hold on its rows, was alive a moment ago.
func (s *OutboxSession) Check(ctx context.Context) error {
	if err := s.conn.PingContext(ctx); err != nil {
		return fmt.Errorf("outbox session of owner %d: %w", s.owner, err)
	}
	return nil
}

// Close ends the session: its connection is closed, not put back in the
// pool (which would keep the lock), so its rows are free at once.
func (s *OutboxSession) Close() error {
	// Raw returning ErrBadConn makes database/sql discard the connection
	// (and the Conn is done).
	s.conn.Raw(func(any) error { return driver.ErrBadConn })
	if err := s.conn.Close(); err != nil && !errors.Is(err, sql.ErrConnDone) {
		return fmt.Errorf("outbox session of owner %d: close: %w", s.owner, err)
	}
	return nil
}

// ClaimPaced is ClaimOutboxPaced for the session's worker: its rows are
// marked as the session's, and a row another worker claimed is free
// before its lease ends when that worker's lock is gone and the claim was
// made in this Postgres incarnation, so that the lock ended with its
// holder's connection rather than with a restart. (This statement runs on
// the session's connection: had Postgres restarted since the session
// opened, it would fail, so the session's epoch is current.)
func (s *OutboxSession) ClaimPaced(ctx context.Context, now time.Time, limit int, lease time.Duration, p Pace) ([]OutboxRow, error) {
	return claimOutbox(ctx, s.conn, now, limit, lease, p,
		sql.NullInt32{Int32: s.owner, Valid: true}, sql.NullInt64{Int64: s.epoch, Valid: true})
}

// claimOutboxSQL claims due rows; see claimOutbox for its parameters.
//
// heads is each recipient's oldest pending row, found with one index
// probe per recipient (a loose index scan over outbox_recipient_pending)
// rather than by testing every pending row for an older one: a backlog of
// thousands of rows for a few people costs a few probes, not a scan. Rows
// without a recipient (the app menu) are not ordered. "= ANY(ARRAY(...))"
// makes the heads drive the primary key instead of the planner scanning
// every pending row to join them; "(status = 'pending') IS TRUE" keeps the
// planner from choosing a partial index on pending rows for that lookup,
// which would again read every pending row (and the dead entries not yet
// vacuumed). The live owners are read from pg_locks only when a leased row
// is met (an InitPlan runs at its first use).
//
// dup_interval is decided at a message's first claim, when every earlier
// row to its recipient is done (only the oldest pending row is claimed):
// the full window, or the time since the last identical request was sent
// (or given up: it may have arrived) less a margin (see dupCheckMargin),
// or none. The identical rows still pending come later. A row attempted
// before the column existed keeps what it was sent with; a failed row put
// back in the queue decides again (RequeueFailed).
var claimOutboxSQL = `
	UPDATE outbox SET locked_until = $3, attempts = attempts + 1,
		claimed_by = $8, claim_epoch = $9, claim_seq = nextval('outbox_claim_seq'),
		dup_interval = coalesce(dup_interval, CASE
			WHEN kind <> 'message' OR content_hash = '' THEN 0
			WHEN attempts > 0 THEN CASE WHEN dup_check THEN $10::int ELSE 0 END
			ELSE (SELECT CASE
					WHEN g.gap IS NULL OR g.gap >= $10::int + $11::int THEN $10::int
					WHEN g.gap >= $12::int + $11::int THEN floor(g.gap)::int - $11::int
					ELSE 0 END
				FROM (SELECT extract(epoch FROM $1 - max(greatest(p.sent_at, p.failed_at))) AS gap
					FROM outbox p WHERE p.recipient = outbox.recipient AND p.content_hash = outbox.content_hash
					  AND p.content_hash <> '' AND p.status <> 'pending' AND p.id <> outbox.id) g)
			END)
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
		  AND (o.locked_until IS NULL OR o.locked_until < $1
			OR (o.claim_epoch = $9::bigint AND NOT (o.claimed_by::bigint = ANY(ARRAY(
				SELECT l.objid::bigint FROM pg_locks l
				WHERE l.locktype = 'advisory' AND l.classid = ` + strconv.Itoa(outboxLockClass) + ` AND l.objsubid = 2
				  AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))))))
		  AND NOT (o.kind = ANY($7))
		  AND (o.recipient = '' OR NOT (o.kind = ANY($4)) OR (
			($5 = 0 OR (SELECT count(*) FROM outbox s WHERE s.recipient = o.recipient AND s.status = 'sent'
				AND s.sent_at > $1 - interval '1 minute' AND s.kind = ANY($4)) < $5)
			AND ($6 = 0 OR (SELECT count(*) FROM outbox s WHERE s.recipient = o.recipient AND s.status = 'sent'
				AND s.sent_at > $1 - interval '1 hour' AND s.kind = ANY($4)) < $6)))
		ORDER BY o.id LIMIT $2
		FOR UPDATE SKIP LOCKED)
	RETURNING ` + outboxCols

// claimOutbox claims through q (the pool, or a session's connection) for
// owner (none: the lease alone holds the rows) in the Postgres incarnation
// epoch (none: no row is taken before its lease ends).
func claimOutbox(ctx context.Context, q sqlx.QueryerContext, now time.Time, limit int, lease time.Duration, p Pace, owner sql.NullInt32, epoch sql.NullInt64) ([]OutboxRow, error) {
	kinds, paused := p.Kinds, p.Paused
	if kinds == nil {
		kinds = []string{}
	}
	if paused == nil {
		paused = []string{}
	}
	var rows []OutboxRow
	err := sqlx.SelectContext(ctx, q, &rows, claimOutboxSQL, now, limit, now.Add(lease), pq.Array(kinds),
		p.PerMinute, p.PerHour, pq.Array(paused), owner, epoch,
		int(DuplicateCheckWindow.Seconds()), int(dupCheckMargin.Seconds()), int(dupCheckMin.Seconds()))
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
	return db.markRetry(ctx, id, sql.NullInt64{}, next, code, reason)
}

// RetryClaim is MarkRetryCode for the claim r was returned by: when the
// row has been claimed again since (its holder died, as another worker
// saw), it belongs to that claim and nothing changes.
func (db *DB) RetryClaim(ctx context.Context, r OutboxRow, next time.Time, code int, reason string) error {
	return db.markRetry(ctx, r.ID, r.ClaimSeq, next, code, reason)
}

func (db *DB) markRetry(ctx context.Context, id int64, claim sql.NullInt64, next time.Time, code int, reason string) error {
	_, err := db.ExecContext(ctx, `
		UPDATE outbox SET next_attempt_at = $2, last_error = $3, error_code = $4, locked_until = NULL
		WHERE id = $1 AND status = 'pending' AND ($5::bigint IS NULL OR claim_seq = $5)`, id, next, reason, code, claim)
	if err != nil {
		return fmt.Errorf("mark retry %d: %w", id, err)
	}
	return nil
}

// Release gives a claimed row back without counting the attempt, due
// again at next: the worker could not send it before its lease would run
// out (the API's rate is used up for a while).
func (db *DB) Release(ctx context.Context, id int64, next time.Time) error {
	return db.release(ctx, id, sql.NullInt64{}, next)
}

// ReleaseClaim is Release for the claim r was returned by (see RetryClaim).
func (db *DB) ReleaseClaim(ctx context.Context, r OutboxRow, next time.Time) error {
	return db.release(ctx, r.ID, r.ClaimSeq, next)
}

func (db *DB) release(ctx context.Context, id int64, claim sql.NullInt64, next time.Time) error {
	_, err := db.ExecContext(ctx, `
		UPDATE outbox SET locked_until = NULL, attempts = greatest(attempts - 1, 0), next_attempt_at = $2
		WHERE id = $1 AND status = 'pending' AND ($3::bigint IS NULL OR claim_seq = $3)`, id, next, claim)
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
	return db.markFailed(ctx, id, sql.NullInt64{}, now, code, reason)
}

// FailClaim is MarkFailedCode for the claim r was returned by (see
// RetryClaim).
func (db *DB) FailClaim(ctx context.Context, r OutboxRow, now time.Time, code int, reason string) error {
	return db.markFailed(ctx, r.ID, r.ClaimSeq, now, code, reason)
}

func (db *DB) markFailed(ctx context.Context, id int64, claim sql.NullInt64, now time.Time, code int, reason string) error {
	_, err := db.ExecContext(ctx, `
		UPDATE outbox SET status = 'failed', last_error = $2, error_code = $3, failed_at = $4, locked_until = NULL
		WHERE id = $1 AND status = 'pending' AND ($5::bigint IS NULL OR claim_seq = $5)`, id, reason, code, now, claim)
	if err != nil {
		return fmt.Errorf("mark failed %d: %w", id, err)
	}
	return nil
}

// LapseClaim records, for the claim r was returned by, that a card
// update could not be made because its response_code had lapsed: not a
// delivery failure, so it stays out of the failure report.
func (db *DB) LapseClaim(ctx context.Context, r OutboxRow, now time.Time, code int, reason string) error {
	_, err := db.ExecContext(ctx, `
		UPDATE outbox SET status = 'lapsed', last_error = $2, error_code = $3, locked_until = NULL
		WHERE id = $1 AND status = 'pending' AND claim_seq = $4`, r.ID, reason, code, r.ClaimSeq)
	if err != nil {
		return fmt.Errorf("mark lapsed %d: %w", r.ID, err)
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
// attempts reset and its duplicate check to be decided again. It returns the row as it was; ErrNotFound when there is
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
			failed_at = NULL, dup_interval = NULL
		WHERE id = $1 AND status = 'failed'`, id, now)
	if err != nil {
		return nil, fmt.Errorf("requeue %d: %w", id, err)
	}
	return &r, nil
}

// RetryableWrite reports whether a failed write may succeed when tried
// again: Postgres was unreachable, shutting down or restarting (57P01,
// 57P03), refused connections (55000, 53300), or the connection broke
// under the statement. A statement Postgres rejected for what it says
// (a constraint, a type) or a value that cannot be encoded fails again.
func RetryableWrite(err error) bool {
	var pe *pq.Error
	if errors.As(err, &pe) {
		switch pe.Code.Class() {
		case "08", // connection exception
			"40", // transaction rollback: serialization, deadlock
			"53", // insufficient resources: too many connections, disk full
			"55", // object not in prerequisite state: database not accepting connections
			"57", // operator intervention: shutdown, cannot connect now, query canceled
			"58": // system error: I/O
			return true
		}
		return false
	}
	var (
		unsupportedType  *json.UnsupportedTypeError
		unsupportedValue *json.UnsupportedValueError
		marshaler        *json.MarshalerError
	)
	if errors.As(err, &unsupportedType) || errors.As(err, &unsupportedValue) || errors.As(err, &marshaler) {
		return false
	}
	// Network errors, driver.ErrBadConn, io.EOF of a connection closed
	// under the statement, a timeout.
	return true
}
