package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/zwgk-bot/zwgk/workflow"
)

// What the text of the annual report says besides the tables: the
// publications per platform and the 12345 orders of the year. Years are
// calendar years in the bureau's zone loc.

// PlatformCount is how many of the year's published 主动公开 forms went out
// on a platform.
type PlatformCount struct {
	Platform string `db:"platform"`
	Forms    int    `db:"forms"`
}

// ActivePublicationsByPlatform counts, per platform, the 主动公开 forms that
// ActiveFormsPublished counts for year (finished publishing in it): the
// platforms of one form add up to more than the forms. Most used first.
func ActivePublicationsByPlatform(ctx context.Context, q sqlx.QueryerContext, year int, loc *time.Location) ([]PlatformCount, error) {
	from := time.Date(year, 1, 1, 0, 0, 0, 0, loc)
	_, out, err := PublishedForms(ctx, q, from, from.AddDate(1, 0, 0), string(workflow.ModeActive))
	if err != nil {
		return nil, fmt.Errorf("publications by platform in %d: %w", year, err)
	}
	return out, nil
}

// OrderYear is the year's 12345 work orders as the report's text counts
// them: received in the year; of those, answered (办结) by its end, and
// answered by their due time.
type OrderYear struct {
	Received int `db:"received"`
	Answered int `db:"answered"`
	OnTime   int `db:"on_time"`
}

// OrdersOfYear counts the 12345 orders received in year. An order answered
// only in the next year is not answered in this year's report, so that
// the figure does not change with the day the report is drawn up.
func OrdersOfYear(ctx context.Context, q sqlx.QueryerContext, year int, loc *time.Location) (OrderYear, error) {
	from := time.Date(year, 1, 1, 0, 0, 0, 0, loc)
	to := from.AddDate(1, 0, 0)
	var out OrderYear
	err := sqlx.GetContext(ctx, q, &out, `
		SELECT count(*) AS received,
			count(*) FILTER (WHERE answered_at < $2) AS answered,
			count(*) FILTER (WHERE answered_at < $2 AND answered_at <= due_at) AS on_time
		FROM orders WHERE received_at >= $1 AND received_at < $2`, from, to)
	if err != nil {
		return OrderYear{}, fmt.Errorf("orders of %d: %w", year, err)
	}
	return out, nil
}
