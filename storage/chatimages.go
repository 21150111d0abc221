package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// States of a chat image.
const (
	ChatImagePending = "pending"
	ChatImageDone    = "done"
	ChatImageFailed  = "failed"
)

// ChatImage is an image sent in the app chat, to be fetched and attached
// to a record (migration 00030).
type ChatImage struct {
	ID            int64         `db:"id"`
	MediaID       string        `db:"media_id"`
	MsgID         string        `db:"msg_id"`
	UserID        string        `db:"user_id"`
	Kind          string        `db:"kind"`
	RecordID      int64         `db:"record_id"`
	SentAt        time.Time     `db:"sent_at"`
	Status        string        `db:"status"`
	Attempts      int           `db:"attempts"`
	NextAttemptAt time.Time     `db:"next_attempt_at"`
	LockedUntil   sql.NullTime  `db:"locked_until"`
	LastError     string        `db:"last_error"`
	VersionID     sql.NullInt64 `db:"version_id"`
	CreatedAt     time.Time     `db:"created_at"`
	DoneAt        sql.NullTime  `db:"done_at"`
}

const chatImageCols = `id, media_id, msg_id, user_id, kind, record_id, sent_at, status, attempts, next_attempt_at,
	locked_until, last_error, version_id, created_at, done_at`

// QueueChatImage records an image to fetch, in the callback's
// transaction. The same media_id twice is one image: the second call adds
// nothing and returns false. The record's audit log gets the image when it
// is attached (AttachDocument, source chat); the callback itself is in the
// inbox.
func QueueChatImage(ctx context.Context, tx *Tx, im ChatImage) (bool, error) {
	var id int64
	err := tx.GetContext(ctx, &id, `INSERT INTO chat_images (media_id, msg_id, user_id, kind, record_id, sent_at, next_attempt_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (media_id) DO NOTHING RETURNING id`,
		im.MediaID, im.MsgID, im.UserID, im.Kind, im.RecordID, im.SentAt, im.NextAttemptAt)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("queue chat image %s: %w", im.MediaID, err)
	}
	return true, nil
}

// ClaimChatImage takes the next due image for lease (nil when none is
// due): its attempt is counted at once, so a worker dying mid-fetch still
// uses one up, and its lease frees it for another worker.
func ClaimChatImage(ctx context.Context, q sqlx.QueryerContext, now time.Time, lease time.Duration) (*ChatImage, error) {
	var im ChatImage
	err := sqlx.GetContext(ctx, q, &im, `UPDATE chat_images SET attempts = attempts + 1, locked_until = $2
		WHERE id = (SELECT id FROM chat_images WHERE status = 'pending' AND next_attempt_at <= $1
			AND (locked_until IS NULL OR locked_until <= $1) ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
		RETURNING `+chatImageCols, now, now.Add(lease))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("claim chat image: %w", err)
	}
	return &im, nil
}

// LockChatImage reads an image's row for update.
func LockChatImage(ctx context.Context, tx *Tx, id int64) (*ChatImage, error) {
	var im ChatImage
	if err := tx.GetContext(ctx, &im, `SELECT `+chatImageCols+` FROM chat_images WHERE id = $1 FOR UPDATE`, id); err != nil {
		return nil, fmt.Errorf("chat image %d: %w", id, mapErr(err))
	}
	return &im, nil
}

// FinishChatImage marks an image done (with the version it became, when
// one was stored) or failed for good, in the transaction of its outcome.
func FinishChatImage(ctx context.Context, tx *Tx, id int64, status string, versionID int64, why string, now time.Time) error {
	v := sql.NullInt64{Int64: versionID, Valid: versionID > 0}
	if _, err := tx.ExecContext(ctx, `UPDATE chat_images SET status = $2, version_id = $3, last_error = $4, done_at = $5,
		locked_until = NULL WHERE id = $1`, id, status, v, why, now); err != nil {
		return fmt.Errorf("finish chat image %d: %w", id, err)
	}
	return nil
}

// RetryChatImage gives an image back to be tried at next.
func RetryChatImage(ctx context.Context, q sqlx.ExecerContext, id int64, next time.Time, why string) error {
	if _, err := q.ExecContext(ctx, `UPDATE chat_images SET next_attempt_at = $2, last_error = $3, locked_until = NULL
		WHERE id = $1 AND status = 'pending'`, id, next, why); err != nil {
		return fmt.Errorf("retry chat image %d: %w", id, err)
	}
	return nil
}

// ChatImages lists a person's images, oldest first (tests, the operator).
func ChatImages(ctx context.Context, q sqlx.QueryerContext, userID string) ([]ChatImage, error) {
	var out []ChatImage
	if err := sqlx.SelectContext(ctx, q, &out, `SELECT `+chatImageCols+` FROM chat_images WHERE user_id = $1 ORDER BY id`, userID); err != nil {
		return nil, fmt.Errorf("chat images of %s: %w", userID, err)
	}
	return out, nil
}

// VersionByMediaID is the document version a chat image became;
// ErrNotFound when none.
func VersionByMediaID(ctx context.Context, q sqlx.QueryerContext, mediaID string) (DocumentVersion, error) {
	return documentVersion(ctx, q, `v.source = 'chat' AND v.media_id = $1`, mediaID)
}

// FocusOrder is a ChatFocus on a 12345 order, which takes no documents:
// its Kind, beside DocForm and DocApplication.
const FocusOrder = "order"

// ChatFocus is the record a person last opened in the chat.
type ChatFocus struct {
	Kind     string    `db:"kind"`
	RecordID int64     `db:"record_id"`
	At       time.Time `db:"at"`
}

// SetChatFocus records the record userID opened, in the turn's transaction.
func SetChatFocus(ctx context.Context, tx *Tx, userID string, f ChatFocus) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO chat_focus (user_id, kind, record_id, at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id) DO UPDATE SET kind = EXCLUDED.kind, record_id = EXCLUDED.record_id, at = EXCLUDED.at`,
		userID, f.Kind, f.RecordID, f.At); err != nil {
		return fmt.Errorf("chat focus of %s: %w", userID, err)
	}
	return nil
}

// GetChatFocus is the record userID last opened; ok false when none.
func GetChatFocus(ctx context.Context, q sqlx.QueryerContext, userID string) (f ChatFocus, ok bool, err error) {
	err = sqlx.GetContext(ctx, q, &f, `SELECT kind, record_id, at FROM chat_focus WHERE user_id = $1`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return f, false, nil
	}
	if err != nil {
		return f, false, fmt.Errorf("chat focus of %s: %w", userID, err)
	}
	return f, true, nil
}

// ChatImageLike is the image sent in chat to the record (kind, recordID)
// whose bytes hash to sum, the earliest; ErrNotFound when none. The same
// picture sent twice is one attachment, as an upload of the same file is.
func ChatImageLike(ctx context.Context, q sqlx.QueryerContext, kind string, recordID int64, sum []byte) (DocumentVersion, error) {
	return documentVersion(ctx, q, `d.kind = $1 AND d.record_id = $2 AND v.source = 'chat' AND v.sha256 = $3 ORDER BY v.id LIMIT 1`, kind, recordID, sum)
}
