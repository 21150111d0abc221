package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Statuses of a calendar year the office added.
const (
	CalendarProposed  = "proposed"
	CalendarConfirmed = "confirmed"
	CalendarCancelled = "cancelled"
	CalendarReplaced  = "replaced"
)

// CalendarYear is one year of holidays the office pasted from a State
// Council notice: its days off and make-up working days as "YYYY-MM-DD".
type CalendarYear struct {
	ID         int64          `db:"id"`
	Year       int            `db:"year"`
	Off        pq.StringArray `db:"off_days"`
	Work       pq.StringArray `db:"work_days"`
	Notice     string         `db:"notice"`
	Status     string         `db:"status"`
	TaskID     sql.NullString `db:"task_id"`
	ProposedBy string         `db:"proposed_by"`
	ProposedAt time.Time      `db:"proposed_at"`
	DecidedBy  sql.NullString `db:"decided_by"`
	DecidedAt  sql.NullTime   `db:"decided_at"`
}

const calendarCols = `id, year, off_days::text[] AS off_days, work_days::text[] AS work_days, notice, status,
	task_id, proposed_by, proposed_at, decided_by, decided_at`

// ProposeCalendarYear stores a pasted year awaiting confirmation and
// returns its id.
func ProposeCalendarYear(ctx context.Context, tx *Tx, y CalendarYear) (int64, error) {
	var id int64
	err := tx.GetContext(ctx, &id, `
		INSERT INTO calendar_years (year, off_days, work_days, notice, status, task_id, proposed_by, proposed_at)
		VALUES ($1, $2::date[], $3::date[], $4, 'proposed', $5, $6, $7) RETURNING id`,
		y.Year, y.Off, y.Work, y.Notice, y.TaskID, y.ProposedBy, y.ProposedAt)
	if err != nil {
		return 0, fmt.Errorf("propose calendar year %d: %w", y.Year, err)
	}
	return id, nil
}

// SetCalendarTask records the task_id of the card that asks to confirm y.
func SetCalendarTask(ctx context.Context, tx *Tx, id int64, taskID string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE calendar_years SET task_id = $2 WHERE id = $1`, id, taskID); err != nil {
		return fmt.Errorf("calendar year %d: set task: %w", id, err)
	}
	return nil
}

// LockCalendarTask returns the year the card taskID asks about, locked
// for the decision; ErrNotFound if there is none.
func LockCalendarTask(ctx context.Context, tx *Tx, taskID string) (*CalendarYear, error) {
	var y CalendarYear
	err := tx.GetContext(ctx, &y, `SELECT `+calendarCols+` FROM calendar_years WHERE task_id = $1 FOR UPDATE`, taskID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("calendar card %s: %w", taskID, err)
	}
	return &y, nil
}

// DecideCalendarYear confirms or cancels a proposed year, by whom and
// when. Confirming replaces the year's earlier confirmed row. ErrStale
// when the year is no longer proposed (decided meanwhile).
func DecideCalendarYear(ctx context.Context, tx *Tx, id int64, status, by string, at time.Time) error {
	if status != CalendarConfirmed && status != CalendarCancelled {
		return fmt.Errorf("decide calendar year %d: bad status %q", id, status)
	}
	if status == CalendarConfirmed {
		if _, err := tx.ExecContext(ctx, `
			UPDATE calendar_years SET status = 'replaced'
			WHERE status = 'confirmed' AND year = (SELECT year FROM calendar_years WHERE id = $1)`, id); err != nil {
			return fmt.Errorf("calendar year %d: replace the earlier one: %w", id, err)
		}
	}
	res, err := tx.ExecContext(ctx, `
		UPDATE calendar_years SET status = $2, decided_by = $3, decided_at = $4
		WHERE id = $1 AND status = 'proposed'`, id, status, by, at)
	if err != nil {
		return fmt.Errorf("decide calendar year %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrStale
	}
	return nil
}

// ConfirmedCalendarYears lists the years in force, ascending.
func ConfirmedCalendarYears(ctx context.Context, q sqlx.QueryerContext) ([]CalendarYear, error) {
	var out []CalendarYear
	err := sqlx.SelectContext(ctx, q, &out, `SELECT `+calendarCols+` FROM calendar_years WHERE status = 'confirmed' ORDER BY year`)
	if err != nil {
		return nil, fmt.Errorf("confirmed calendar years: %w", err)
	}
	return out, nil
}

// CalendarVersion changes whenever the years in force change: replicas
// compare it to decide whether to reload the calendar.
func CalendarVersion(ctx context.Context, q sqlx.QueryerContext) (string, error) {
	var v string
	err := sqlx.GetContext(ctx, q, &v, `
		SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM calendar_years WHERE status = 'confirmed'`)
	if err != nil {
		return "", fmt.Errorf("calendar version: %w", err)
	}
	return v, nil
}

// FillFormDeadline stores the 主动公开 deadline of a form that had none
// (see SetFormDeadline) and audits it as actor's.
func FillFormDeadline(ctx context.Context, tx *Tx, f *Form, deadline time.Time, actor string) error {
	if err := SetFormDeadline(ctx, tx, f.ID, f.Version, deadline); err != nil {
		return err
	}
	if err := Audit(ctx, tx, actor, "deadline", "form", fmt.Sprint(f.ID),
		map[string]any{"deadline": deadline.Format(time.DateOnly), "version": f.Version}); err != nil {
		return err
	}
	f.Deadline = sql.NullTime{Time: deadline, Valid: true}
	return nil
}

// OrdersWithoutAcceptDue lists the orders waiting to be 签收 whose 签收
// limit the calendar could not compute when they were registered.
func OrdersWithoutAcceptDue(ctx context.Context, q sqlx.QueryerContext) ([]Order, error) {
	var out []Order
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT `+orderCols+` FROM orders
		WHERE accept_due_at IS NULL AND state IN ('dispatched', 'returned') ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("orders without 签收 limit: %w", err)
	}
	return out, nil
}

// FillAcceptDue stores an order's 签收 limit while it has none, audited as
// actor's; ErrStale when it has one meanwhile.
func FillAcceptDue(ctx context.Context, tx *Tx, c *Order, due time.Time, actor string) error {
	res, err := tx.ExecContext(ctx, `UPDATE orders SET accept_due_at = $2 WHERE id = $1 AND accept_due_at IS NULL`, c.ID, due)
	if err != nil {
		return fmt.Errorf("order %s: set 签收 limit: %w", c.TicketNo, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrStale
	}
	c.AcceptDueAt = sql.NullTime{Time: due, Valid: true}
	return Audit(ctx, tx, actor, "accept_due", EntityOrder, c.TicketNo, map[string]any{"accept_due": due.Format(time.RFC3339)})
}
