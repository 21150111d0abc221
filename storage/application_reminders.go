package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// The queries of the 依申请公开 reminders (scheduler/applications.go). They
// are pre-filters only: the reminders recompute each candidate's clock
// from its events, so a stored due_on a change left behind (a calendar
// corrected since) costs nothing but a row read.

// OpenApplicationsDueBy lists the applications not closed whose stored
// due_on (the reply deadline, or the 补正期限 while a 补正 is awaited) is on
// or before day, the soonest due first. A district bureau has tens of open
// applications, never thousands.
func OpenApplicationsDueBy(ctx context.Context, q sqlx.QueryerContext, day time.Time) ([]Application, error) {
	var out []Application
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT `+applicationCols+` FROM applications
		WHERE state <> 'closed' AND due_on <= $1 ORDER BY due_on, id`, DayParam(day))
	if err != nil {
		return nil, fmt.Errorf("open applications due by %s: %w", DayParam(day), err)
	}
	return out, nil
}

// ApplicationsWithoutSupplementNotice lists the applications received on
// or after since that wait before the reply is drafted (已登记, 待签收,
// 办理中) and for which no 补正告知书 was sent, oldest received first:
// those whose 7 working days for it (条例 Art. 30) may still be running.
func ApplicationsWithoutSupplementNotice(ctx context.Context, q sqlx.QueryerContext, since time.Time) ([]Application, error) {
	var out []Application
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT `+applicationCols+` FROM applications
		WHERE state IN ('registered', 'dispatched', 'accepted') AND supplement_asked_on IS NULL AND received_on >= $1
		ORDER BY received_on, id`, DayParam(since))
	if err != nil {
		return nil, fmt.Errorf("applications without 补正 since %s: %w", DayParam(since), err)
	}
	return out, nil
}

// ConsultationsOfApplications lists the consultations of the applications
// ids in one query, by application, each oldest first: the reminders need
// every candidate's clock.
func ConsultationsOfApplications(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64][]Consultation, error) {
	out := map[int64][]Consultation{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []Consultation
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT id, application_id, kind, party, sent_on, answered_on, answer
		FROM application_consultations WHERE application_id = ANY($1) ORDER BY application_id, sent_on, id`, pq.Int64Array(ids))
	if err != nil {
		return nil, fmt.Errorf("consultations of %d applications: %w", len(ids), err)
	}
	for _, c := range rows {
		out[c.ApplicationID] = append(out[c.ApplicationID], c)
	}
	return out, nil
}
