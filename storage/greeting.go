package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// FirstGreeting records that userID was greeted on day and reports whether
// this is the first time that day.
func FirstGreeting(ctx context.Context, q sqlx.ExtContext, userID string, day time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, `
		INSERT INTO greeting (userid, day) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		userID, day.Format(time.DateOnly))
	if err != nil {
		return false, fmt.Errorf("greeting %s: %w", userID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("greeting %s: %w", userID, err)
	}
	return n == 1, nil
}
