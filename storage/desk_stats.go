package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/zwgk-bot/zwgk/workflow"
)

// The 办公桌's 统计 asks the registers for a period, not only for a month
// (the chat's 统计) or a year (申请统计, the 年度报告): these are the same
// counts with a period's bounds.

// OrderCount is one step (a month or a day) of the 12345 orders received
// in a period: how many were received in it, and of those how many are
// answered (办结) and answered by their due time.
type OrderCount struct {
	Start    time.Time `db:"start"`
	Received int       `db:"received"`
	Answered int       `db:"answered"`
	OnTime   int       `db:"on_time"`
}

// OrderCounts counts the orders received in [from, to) per unit ("month"
// or "day") of the bureau's calendar in loc, oldest first. Steps without
// orders are left out; the caller lays out the axis.
func OrderCounts(ctx context.Context, q sqlx.QueryerContext, from, to time.Time, unit string, loc *time.Location) ([]OrderCount, error) {
	if unit != "month" && unit != "day" {
		return nil, fmt.Errorf("order counts: unknown unit %q", unit)
	}
	var rows []struct {
		Start    string `db:"start"`
		Received int    `db:"received"`
		Answered int    `db:"answered"`
		OnTime   int    `db:"on_time"`
	}
	// The step is cut in the bureau's zone and read back as a plain date:
	// a month begins at midnight in Beijing, whatever the server's zone.
	err := sqlx.SelectContext(ctx, q, &rows, `
		SELECT to_char(date_trunc($3, received_at AT TIME ZONE $4), 'YYYY-MM-DD') AS start,
			count(*) AS received,
			count(*) FILTER (WHERE answered_at IS NOT NULL) AS answered,
			count(*) FILTER (WHERE answered_at IS NOT NULL AND answered_at <= due_at) AS on_time
		FROM orders WHERE received_at >= $1 AND received_at < $2
		GROUP BY 1 ORDER BY 1`, from, to, unit, loc.String())
	if err != nil {
		return nil, fmt.Errorf("order counts per %s: %w", unit, err)
	}
	out := make([]OrderCount, 0, len(rows))
	for _, r := range rows {
		day, err := time.ParseInLocation(time.DateOnly, r.Start, loc)
		if err != nil {
			return nil, fmt.Errorf("order counts: step %q: %w", r.Start, err)
		}
		out = append(out, OrderCount{Start: day, Received: r.Received, Answered: r.Answered, OnTime: r.OnTime})
	}
	return out, nil
}

// PublishedForms counts the forms of mode ("" for every mode) that finished
// publishing in [from, to) — the last platform's confirmation in it — and
// the same forms per platform (a form on two platforms counts on each),
// most used first.
func PublishedForms(ctx context.Context, q sqlx.QueryerContext, from, to time.Time, mode string) (int, []PlatformCount, error) {
	const finished = `(SELECT form_id, max(published_at) AS published_at FROM form_publications GROUP BY form_id) p ON p.form_id = f.id`
	const which = `f.state = 'published' AND ($1 = '' OR f.mode = $1) AND p.published_at >= $2 AND p.published_at < $3`
	var total int
	if err := sqlx.GetContext(ctx, q, &total, `SELECT count(*) FROM forms f JOIN `+finished+` WHERE `+which, mode, from, to); err != nil {
		return 0, nil, fmt.Errorf("forms published: %w", err)
	}
	var out []PlatformCount
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT fp.platform, count(*) AS forms
		FROM forms f JOIN `+finished+` JOIN form_publications fp ON fp.form_id = f.id
		WHERE `+which+`
		GROUP BY fp.platform ORDER BY forms DESC, fp.platform COLLATE "C"`, mode, from, to)
	if err != nil {
		return 0, nil, fmt.Errorf("publications by platform: %w", err)
	}
	return total, out, nil
}

// StageTime is how long a stage of the 审批单 took: how many times it was
// decided (同意 or 驳回) in the period, and the mean and longest wait,
// calendar time from the stage's start to its decision.
type StageTime struct {
	Stage   string        `db:"stage"`
	Count   int           `db:"n"`
	Average time.Duration `db:"-"`
	Longest time.Duration `db:"-"`
}

// FormStageTimes times the stages that ended in [from, to), in the
// stages' order. A review stage starts when the version was submitted
// (form_versions.created_at) or when the version's previous decision was
// made, and ends with its decision (form_decisions.decided_at); stages
// skipped because the submitter was their approver (verdict self) took no
// time and are left out. 办公室发布 starts with the version's last
// decision and ends with the last platform's confirmation.
func FormStageTimes(ctx context.Context, q sqlx.QueryerContext, from, to time.Time) ([]StageTime, error) {
	var rows []struct {
		Stage   string  `db:"stage"`
		N       int     `db:"n"`
		Average float64 `db:"average"`
		Longest float64 `db:"longest"`
	}
	err := sqlx.SelectContext(ctx, q, &rows, `
		WITH steps AS (
			SELECT d.stage, d.verdict, d.decided_at AS ended_at,
				coalesce(lag(d.decided_at) OVER (PARTITION BY d.form_id, d.version ORDER BY d.decided_at, d.id), v.created_at) AS started_at
			FROM form_decisions d JOIN form_versions v ON v.form_id = d.form_id AND v.version = d.version
		), publishing AS (
			SELECT 'publish' AS stage, ''::text AS verdict, p.ended_at,
				coalesce((SELECT max(d.decided_at) FROM form_decisions d WHERE d.form_id = f.id AND d.version = f.version), v.created_at) AS started_at
			FROM forms f
			JOIN form_versions v ON v.form_id = f.id AND v.version = f.version
			JOIN (SELECT form_id, max(published_at) AS ended_at FROM form_publications GROUP BY form_id) p ON p.form_id = f.id
			WHERE f.state = 'published'
		)
		SELECT stage, count(*) AS n,
			avg(extract(epoch FROM greatest(ended_at - started_at, interval '0')))::float8 AS average,
			max(extract(epoch FROM greatest(ended_at - started_at, interval '0')))::float8 AS longest
		FROM (SELECT * FROM steps WHERE verdict <> $3 UNION ALL SELECT * FROM publishing) s
		WHERE ended_at >= $1 AND ended_at < $2
		GROUP BY stage`, from, to, string(workflow.VerdictSelf))
	if err != nil {
		return nil, fmt.Errorf("form stage times: %w", err)
	}
	var out []StageTime
	for _, st := range []workflow.Stage{workflow.StageSection, workflow.StageOffice, workflow.StageLeader, workflow.StagePublish} {
		for _, r := range rows {
			if r.Stage == string(st) {
				out = append(out, StageTime{Stage: r.Stage, Count: r.N,
					Average: time.Duration(r.Average * float64(time.Second)).Round(time.Second),
					Longest: time.Duration(r.Longest * float64(time.Second)).Round(time.Second)})
			}
		}
	}
	return out, nil
}

// ApplicationStatsBetween counts the applications received from the day
// first to the day last (both included), as of today: ApplicationStatsOf
// for any period.
func ApplicationStatsBetween(ctx context.Context, q sqlx.QueryerContext, first, last, today time.Time) (ApplicationStats, error) {
	s, err := applicationStats(ctx, q, `received_on BETWEEN $2 AND $3`, DayParam(today), DayParam(first), DayParam(last))
	if err != nil {
		return s, fmt.Errorf("applications received %s to %s: %w", first.Format(time.DateOnly), last.Format(time.DateOnly), err)
	}
	return s, nil
}
