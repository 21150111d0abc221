package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// AnnualReportYears are the years, newest first, that have anything the
// annual report counts or keeps: 审批单 (by their number's year),
// 政府信息公开申请 (received), 12345 orders (received, in loc), and the
// office's figures, entries, texts and records of the report. Years
// before 2008 (the first 条例) and after 9998 are left out.
func AnnualReportYears(ctx context.Context, q sqlx.QueryerContext, loc *time.Location) ([]int, error) {
	var out []int
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT y FROM (
			SELECT DISTINCT year AS y FROM forms
			UNION SELECT DISTINCT extract(year FROM received_on)::int FROM applications
			UNION SELECT DISTINCT extract(year FROM received_at AT TIME ZONE $1)::int FROM orders
			UNION SELECT DISTINCT year FROM annual_active_entries
			UNION SELECT DISTINCT year FROM annual_application_figures
			UNION SELECT DISTINCT year FROM annual_report_texts
			UNION SELECT year FROM annual_reports
		) ys WHERE y BETWEEN 2008 AND 9998 ORDER BY y DESC`, loc.String())
	if err != nil {
		return nil, fmt.Errorf("years of the annual report: %w", err)
	}
	return out, nil
}
