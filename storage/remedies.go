package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// ErrRemedyRecorded: a 复议 or 诉讼 of the same kind, brought the same
// day, is recorded for the application already. One applicant does not
// bring the same case twice in a day; a second entry is the first one
// typed again.
var ErrRemedyRecorded = errors.New("storage: this 复议/诉讼 is recorded already")

// RemedyByID is one 复议 or 诉讼; ErrNotFound when there is none.
func RemedyByID(ctx context.Context, q sqlx.QueryerContext, id int64) (*Remedy, error) {
	var r Remedy
	if err := sqlx.GetContext(ctx, q, &r, `SELECT `+remedyColumns+` FROM application_remedies WHERE id = $1`, id); err != nil {
		return nil, fmt.Errorf("remedy %d: %w", id, mapErr(err))
	}
	return &r, nil
}

// RecordRemedy records r about application a, once. It locks a first, so
// that two entries of the same case (two office members, a post and its
// retry) run one after the other and the second sees the first:
//
//   - with r.ClientKey, a remedy stored under that key for a is returned
//     with created false and nothing written (a retried API post);
//   - a remedy of the same kind brought the same day is returned with
//     ErrRemedyRecorded.
//
// Otherwise r is stored and audited (InsertRemedy) and returned with
// created true. The dates are the caller's to check (workflow's
// CheckRemedyFiled and CheckRemedyDecided): the table only refuses a
// decision before the filing.
func RecordRemedy(ctx context.Context, tx *Tx, a *Application, r *Remedy, at time.Time) (stored *Remedy, created bool, err error) {
	if _, err := LockApplication(ctx, tx, a.ID); err != nil {
		return nil, false, err
	}
	r.ApplicationID = a.ID
	if r.ClientKey.Valid {
		var got Remedy
		err := tx.GetContext(ctx, &got, `SELECT `+remedyColumns+` FROM application_remedies
			WHERE application_id = $1 AND client_key = $2`, a.ID, r.ClientKey.String)
		switch {
		case err == nil:
			return &got, false, nil
		case !errors.Is(err, sql.ErrNoRows):
			return nil, false, fmt.Errorf("remedy %q of %s: %w", r.ClientKey.String, a.Number(), err)
		}
	}
	var same Remedy
	err = tx.GetContext(ctx, &same, `SELECT `+remedyColumns+` FROM application_remedies
		WHERE application_id = $1 AND kind = $2 AND filed_on = $3 ORDER BY id LIMIT 1`, a.ID, r.Kind, DayParam(r.FiledD))
	switch {
	case err == nil:
		return &same, false, ErrRemedyRecorded
	case !errors.Is(err, sql.ErrNoRows):
		return nil, false, fmt.Errorf("remedies of %s: %w", a.Number(), err)
	}
	if err := InsertRemedy(ctx, tx, r, a.Number(), at); err != nil {
		return nil, false, err
	}
	return r, true, nil
}

// DecideRemedyOnce records the result of remedy id of application a,
// guarded by its state: only a pending case is decided. One decided
// already is returned as stored, with ErrStale, so that the caller can
// say what was recorded, by whom and when. ErrNotFound when a has no
// remedy id.
func DecideRemedyOnce(ctx context.Context, tx *Tx, a *Application, id int64, result string, on time.Time, actor string, at time.Time) (*Remedy, error) {
	var r Remedy
	err := tx.GetContext(ctx, &r, `SELECT `+remedyColumns+` FROM application_remedies
		WHERE id = $1 AND application_id = $2 FOR UPDATE`, id, a.ID)
	if err != nil {
		return nil, fmt.Errorf("remedy %d of %s: %w", id, a.Number(), mapErr(err))
	}
	if r.DecidedD.Valid {
		return &r, ErrStale
	}
	if err := DecideRemedy(ctx, tx, id, result, on, actor, a.Number(), at); err != nil {
		return nil, err
	}
	return RemedyByID(ctx, tx, id)
}
