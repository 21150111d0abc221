package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Follower is a follower of the 公众号 as its callbacks told us.
type Follower struct {
	OpenID       string       `db:"openid"`
	Following    bool         `db:"following"`
	Subscribed   bool         `db:"subscribed"`
	Tagged       bool         `db:"tagged"`
	FirstSeenAt  time.Time    `db:"first_seen_at"`
	SubscribedAt sql.NullTime `db:"subscribed_at"`
	UpdatedAt    time.Time    `db:"updated_at"`
}

const followerCols = `openid, following, subscribed, tagged, first_seen_at, subscribed_at, updated_at`

// Follower events, as recorded in mp_follower_events.
const (
	FollowerFollow      = "follow"
	FollowerUnfollow    = "unfollow"
	FollowerSubscribe   = "subscribe"
	FollowerUnsubscribe = "unsubscribe"
)

// LockFollower returns openid's row locked for the transaction, creating it
// (following, not subscribed) when the 公众号 has not told us of them yet:
// anyone who writes to the account follows it.
func LockFollower(ctx context.Context, tx *Tx, openid string, now time.Time) (*Follower, error) {
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO mp_followers (openid, first_seen_at, updated_at) VALUES ($1, $2, $2)
		ON CONFLICT (openid) DO NOTHING`, openid, now); err != nil {
		return nil, fmt.Errorf("follower %s: %w", openid, err)
	}
	var f Follower
	if err := tx.GetContext(ctx, &f, `SELECT `+followerCols+` FROM mp_followers WHERE openid = $1 FOR UPDATE`, openid); err != nil {
		return nil, fmt.Errorf("lock follower %s: %w", openid, mapErr(err))
	}
	return &f, nil
}

// FollowerChange is a guarded update of a follower locked by LockFollower:
// it applies only while the row still has the expected flags.
type FollowerChange struct {
	OpenID                       string
	FromFollowing, ToFollowing   bool
	FromSubscribed, ToSubscribed bool
	Tagged                       bool
	At                           time.Time
}

// ChangeFollower applies c and reports whether the row was as expected.
func ChangeFollower(ctx context.Context, tx *Tx, c FollowerChange) (bool, error) {
	res, err := tx.ExecContext(ctx, `
		UPDATE mp_followers SET following = $2, subscribed = $3, tagged = $4, updated_at = $5,
			subscribed_at = CASE WHEN $3 AND NOT subscribed THEN $5 WHEN NOT $3 THEN NULL ELSE subscribed_at END
		WHERE openid = $1 AND following = $6 AND subscribed = $7`,
		c.OpenID, c.ToFollowing, c.ToSubscribed, c.Tagged, c.At, c.FromFollowing, c.FromSubscribed)
	if err != nil {
		return false, fmt.Errorf("change follower %s: %w", c.OpenID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("change follower %s: %w", c.OpenID, err)
	}
	return n == 1, nil
}

// RecordFollowerEvent appends a follow, unfollow, subscribe or unsubscribe.
// source says what caused it: event, text or menu.
func RecordFollowerEvent(ctx context.Context, q sqlx.ExtContext, openid, event, source string, at time.Time) error {
	_, err := q.ExecContext(ctx, `
		INSERT INTO mp_follower_events (openid, event, source, at) VALUES ($1, $2, $3, $4)`, openid, event, source, at)
	if err != nil {
		return fmt.Errorf("follower event %s %s: %w", event, openid, err)
	}
	return nil
}

// FollowerEvent is one row of mp_follower_events.
type FollowerEvent struct {
	ID     int64     `db:"id"`
	OpenID string    `db:"openid"`
	Event  string    `db:"event"`
	Source string    `db:"source"`
	At     time.Time `db:"at"`
}

// FollowerEvents returns openid's events, oldest first.
func FollowerEvents(ctx context.Context, q sqlx.QueryerContext, openid string) ([]FollowerEvent, error) {
	var out []FollowerEvent
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT id, openid, event, source, at FROM mp_follower_events WHERE openid = $1 ORDER BY id`, openid)
	if err != nil {
		return nil, fmt.Errorf("follower events %s: %w", openid, err)
	}
	return out, nil
}

// GetFollower returns a follower; ErrNotFound when unknown.
func GetFollower(ctx context.Context, q sqlx.QueryerContext, openid string) (*Follower, error) {
	var f Follower
	if err := sqlx.GetContext(ctx, q, &f, `SELECT `+followerCols+` FROM mp_followers WHERE openid = $1`, openid); err != nil {
		return nil, fmt.Errorf("follower %s: %w", openid, mapErr(err))
	}
	return &f, nil
}

// Subscribers returns the openids of followers who asked for disclosure
// notices and still follow, in a stable order.
func Subscribers(ctx context.Context, q sqlx.QueryerContext) ([]string, error) {
	var out []string
	if err := sqlx.SelectContext(ctx, q, &out, `
		SELECT openid FROM mp_followers WHERE subscribed AND following ORDER BY openid`); err != nil {
		return nil, fmt.Errorf("subscribers: %w", err)
	}
	return out, nil
}

// Notice is a public notice queued once: a published form or a 12345
// answer. A notice WeChat's 群发 quota left no room for has Status
// NoticeRefused and the Reason, and nothing was queued for it.
type Notice struct {
	Kind       string          `db:"kind"`
	Ref        string          `db:"ref"`
	Mode       string          `db:"mode"`
	Recipients int             `db:"recipients"`
	Detail     json.RawMessage `db:"detail"`
	QueuedAt   time.Time       `db:"queued_at"`
	Status     string          `db:"status"`
	Reason     string          `db:"reason"`
}

// Notice statuses in mp_notices.
const (
	NoticeQueued  = "queued"
	NoticeRefused = "refused"
)

const noticeCols = `kind, ref, mode, recipients, detail, queued_at, status, reason`

// mpLockClass is the first key of the 公众号's two-key advisory locks
// (see jobLockClass).
const mpLockClass = 0x7a776d70 // "zwmp"

// LockMassQuota serializes the transactions that decide whether a 群发
// fits WeChat's quota, so that two publications at once cannot both take
// the last one. The lock ends with the transaction.
func LockMassQuota(ctx context.Context, tx *Tx) error {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, 1)`, mpLockClass); err != nil {
		return fmt.Errorf("lock mass quota: %w", err)
	}
	return nil
}

// CountMassNotices counts the 群发 queued in [from, to) that may have gone
// out: a mass notice whose outbox row failed (refused by WeChat, or given
// up) is not counted, since WeChat counts only what it sent. A mass
// notice's outbox row must have the idempotency key mpmass:KIND:REF.
func CountMassNotices(ctx context.Context, q sqlx.QueryerContext, from, to time.Time) (int, error) {
	var n int
	err := sqlx.GetContext(ctx, q, &n, `
		SELECT count(*) FROM mp_notices n
		WHERE n.mode = 'mass' AND n.status = 'queued' AND n.queued_at >= $1 AND n.queued_at < $2
		  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.idem_key = 'mpmass:' || n.kind || ':' || n.ref AND o.status = 'failed')`,
		from, to)
	if err != nil {
		return 0, fmt.Errorf("count mass notices: %w", err)
	}
	return n, nil
}

// RefusedNotices returns the notices refused in [since, until), oldest
// first.
func RefusedNotices(ctx context.Context, q sqlx.QueryerContext, since, until time.Time) ([]Notice, error) {
	var out []Notice
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT `+noticeCols+` FROM mp_notices
		WHERE status = 'refused' AND queued_at >= $1 AND queued_at < $2 ORDER BY queued_at, kind, ref`, since, until)
	if err != nil {
		return nil, fmt.Errorf("refused notices: %w", err)
	}
	return out, nil
}

// ClaimNotice records that the notice (kind, ref) is being queued, or with
// Status NoticeRefused that it will not be. It reports false when it was
// recorded before: the caller then queues nothing.
func ClaimNotice(ctx context.Context, tx *Tx, n Notice) (bool, error) {
	if n.Detail == nil {
		n.Detail = json.RawMessage(`{}`)
	}
	if n.Status == "" {
		n.Status = NoticeQueued
	}
	res, err := tx.ExecContext(ctx, `
		INSERT INTO mp_notices (kind, ref, mode, recipients, detail, queued_at, status, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (kind, ref) DO NOTHING`, n.Kind, n.Ref, n.Mode, n.Recipients, string(n.Detail), n.QueuedAt, n.Status, n.Reason)
	if err != nil {
		return false, fmt.Errorf("claim notice %s/%s: %w", n.Kind, n.Ref, err)
	}
	k, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim notice %s/%s: %w", n.Kind, n.Ref, err)
	}
	return k == 1, nil
}

// GetNotice returns a queued notice; ErrNotFound when there is none.
func GetNotice(ctx context.Context, q sqlx.QueryerContext, kind, ref string) (*Notice, error) {
	var n Notice
	err := sqlx.GetContext(ctx, q, &n, `
		SELECT `+noticeCols+` FROM mp_notices WHERE kind = $1 AND ref = $2`, kind, ref)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("notice %s/%s: %w", kind, ref, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("notice %s/%s: %w", kind, ref, err)
	}
	return &n, nil
}
