package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/zwgk-bot/zwgk/workflow"
)

// EntityAnnualReport is a year's 政府信息公开工作年度报告 in the audit log,
// by its year ("2026").
const EntityAnnualReport = "annual_report"

// Where the numbers of tables 三 and 四 come from, for report year Y (all
// dates are calendar days of the register):
//
//   - 一、本年新收: applications received (received_on) in Y, by applicant
//     type.
//   - 二、上年结转: applications received before Y and not closed before 1
//     January Y (an application closed on or after 1 January Y was open
//     on it) — unless the office entered its own figure for a column
//     (AnnualFigure), which then replaces the register's.
//   - 三、本年度办理结果: applications closed (state closed, delivered_on
//     the day it was closed) in Y, whenever received: one received in
//     Y-1 and closed in Y is 上年结转 in Y and counts in Y's results. Its
//     outcome gives the row （一）…（六）; its reason the numbered sub-row,
//     only when the reason belongs to that outcome (a 部分公开 gives the
//     reasons of what it withholds but counts only as 部分公开). （七）总计
//     counts every application closed in Y, whatever its outcome.
//   - 四、结转下年度继续办理: applications received by 31 December Y and not
//     closed by it (closed later, or still open).
//
// So the register balances by construction (一 + 二 = 三（七） + 四); what
// breaks it is a manual figure that contradicts the register, or a record
// the columns or rows cannot place (an unknown applicant type counts only
// in 总计, an outcome without its reason only in its group): the checks
// then name the cells.
//
// Table 四 counts the 复议 and 诉讼 filed (filed_on) in Y, by group and by
// their result as of 31 December Y: one decided after it, or not yet, is
// 尚未审结 in Y's report. A cell the office entered replaces the records'.
//
// Every row's 总计 is counted without the column it totals (the register's
// count of the row, or the group's count of cases), and a manual figure
// moves it by the difference it makes, so that the checks compare two
// figures and not a sum with itself.

// AnnualFigure is a cell of table 三 or 四 the office entered itself.
type AnnualFigure struct {
	Year      int       `db:"year"`
	Table     string    `db:"tbl"`     // t3 or t4
	Row       string    `db:"row_key"` // t3: carried_in; t4: the group (workflow.Review, …)
	Column    string    `db:"col_key"` // t3: the applicant type; t4: the result
	Value     int       `db:"value"`
	EnteredBy string    `db:"entered_by"`
	Reason    string    `db:"reason"`
	EnteredAt time.Time `db:"entered_at"`
}

// The tables an AnnualFigure may be in.
const (
	AnnualTable3 = "t3"
	AnnualTable4 = "t4"
)

// ErrAnnualFigure: a figure for a cell the office may not enter, or
// without its reason.
var ErrAnnualFigure = errors.New("storage: not a cell the office may enter")

// Cell names the figure's cell as the check messages do.
func (f AnnualFigure) Cell() string {
	if f.Table == AnnualTable4 {
		return "表四 " + workflow.ReviewKindLabel(f.Row) + " " + workflow.ReviewResultLabel(f.Column)
	}
	return "表三 二、上年结转 " + f.Column
}

func (f AnnualFigure) valid() bool {
	if f.Value < 0 || f.Reason == "" || f.EnteredBy == "" {
		return false
	}
	switch f.Table {
	case AnnualTable3:
		return f.Row == "carried_in" && workflow.ApplicantColumn(workflow.ApplicantType(f.Column)) >= 0
	case AnnualTable4:
		kind, result := false, false
		for _, k := range workflow.ReviewKinds() {
			kind = kind || k == f.Row
		}
		for _, r := range workflow.ReviewResults() {
			result = result || r == f.Column
		}
		return kind && result
	}
	return false
}

// SetAnnualFigure records the office's figure for a cell, replacing any
// earlier one, and audits it with the figure it replaced.
func SetAnnualFigure(ctx context.Context, tx *Tx, f AnnualFigure) error {
	if !f.valid() {
		return fmt.Errorf("annual figure %d %s/%s/%s: %w", f.Year, f.Table, f.Row, f.Column, ErrAnnualFigure)
	}
	var old sql.NullInt64
	err := tx.GetContext(ctx, &old, `SELECT value FROM annual_application_figures
		WHERE year = $1 AND tbl = $2 AND row_key = $3 AND col_key = $4 FOR UPDATE`, f.Year, f.Table, f.Row, f.Column)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("annual figure %d %s: %w", f.Year, f.Cell(), err)
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO annual_application_figures (year, tbl, row_key, col_key, value, entered_by, reason, entered_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (year, tbl, row_key, col_key) DO UPDATE
		SET value = EXCLUDED.value, entered_by = EXCLUDED.entered_by, reason = EXCLUDED.reason, entered_at = EXCLUDED.entered_at`,
		f.Year, f.Table, f.Row, f.Column, f.Value, f.EnteredBy, f.Reason, f.EnteredAt)
	if err != nil {
		return fmt.Errorf("set annual figure %d %s: %w", f.Year, f.Cell(), err)
	}
	detail := map[string]any{"cell": f.Cell(), "table": f.Table, "row": f.Row, "column": f.Column, "value": f.Value, "reason": f.Reason}
	if old.Valid {
		detail["replaced"] = old.Int64
	}
	return Audit(ctx, tx, f.EnteredBy, "set_figure", EntityAnnualReport, strconv.Itoa(f.Year), detail)
}

// ClearAnnualFigure drops the office's figure for a cell, so the
// register's counts again, and audits it; ErrNotFound when there was none.
func ClearAnnualFigure(ctx context.Context, tx *Tx, f AnnualFigure) error {
	var old int
	err := tx.GetContext(ctx, &old, `DELETE FROM annual_application_figures
		WHERE year = $1 AND tbl = $2 AND row_key = $3 AND col_key = $4 RETURNING value`, f.Year, f.Table, f.Row, f.Column)
	if err != nil {
		return fmt.Errorf("clear annual figure %d %s: %w", f.Year, f.Cell(), mapErr(err))
	}
	return Audit(ctx, tx, f.EnteredBy, "clear_figure", EntityAnnualReport, strconv.Itoa(f.Year),
		map[string]any{"cell": f.Cell(), "table": f.Table, "row": f.Row, "column": f.Column, "replaced": old, "reason": f.Reason})
}

// AnnualFigures lists the figures the office entered for year.
func AnnualFigures(ctx context.Context, q sqlx.QueryerContext, year int) ([]AnnualFigure, error) {
	var out []AnnualFigure
	err := sqlx.SelectContext(ctx, q, &out, `SELECT year, tbl, row_key, col_key, value, entered_by, reason, entered_at
		FROM annual_application_figures WHERE year = $1 ORDER BY tbl, row_key, col_key`, year)
	if err != nil {
		return nil, fmt.Errorf("annual figures %d: %w", year, err)
	}
	return out, nil
}

// Remedy is a 行政复议 or 行政诉讼 about an application (table 四).
type Remedy struct {
	ID            int64        `db:"id"`
	ApplicationID int64        `db:"application_id"`
	Kind          string       `db:"kind"` // workflow.Review, SuitDirect, SuitAfterReview
	FiledD        time.Time    `db:"filed_on"`
	Result        string       `db:"result"` // workflow.ResultUpheld, …; ResultPending until decided
	DecidedD      sql.NullTime `db:"decided_on"`
	Note          string       `db:"note"`
	RecordedBy    string       `db:"recorded_by"`
	// ClientKey is an API caller's key of the post that recorded it
	// (unique per application; a retry finds it); NULL otherwise.
	ClientKey sql.NullString `db:"client_key"`
	// DecidedBy and DecidedAt: who recorded the result, and when.
	DecidedBy string       `db:"decided_by"`
	DecidedAt sql.NullTime `db:"decided_at"`
	CreatedAt time.Time    `db:"created_at"`
}

// remedyColumns are a Remedy's columns, as selected.
const remedyColumns = `id, application_id, kind, filed_on, result, decided_on, note, recorded_by, client_key, decided_by, decided_at, created_at`

// InsertRemedy records a 复议 or 诉讼 about the application number, and
// audits it on the application.
func InsertRemedy(ctx context.Context, tx *Tx, r *Remedy, number string, at time.Time) error {
	var decidedBy string
	var decidedAt sql.NullTime
	if r.DecidedD.Valid {
		decidedBy, decidedAt = r.RecordedBy, sql.NullTime{Time: at, Valid: true}
	}
	err := tx.GetContext(ctx, &r.ID, `INSERT INTO application_remedies
		(application_id, kind, filed_on, result, decided_on, note, recorded_by, client_key, decided_by, decided_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
		r.ApplicationID, r.Kind, DayParam(r.FiledD), r.Result, nullDay(r.DecidedD), r.Note, r.RecordedBy, r.ClientKey, decidedBy, decidedAt, at)
	if err != nil {
		return fmt.Errorf("record %s of %s: %w", r.Kind, number, mapErr(err))
	}
	r.DecidedBy, r.DecidedAt, r.CreatedAt = decidedBy, decidedAt, at
	detail := map[string]any{"remedy": r.ID, "kind": r.Kind, "filed": DayParam(r.FiledD), "result": r.Result}
	if r.DecidedD.Valid {
		detail["decided"] = DayParam(r.DecidedD.Time)
	}
	if r.Note != "" {
		detail["note"] = r.Note
	}
	if r.ClientKey.Valid {
		detail["client_key"] = r.ClientKey.String
	}
	return Audit(ctx, tx, r.RecordedBy, "remedy", EntityApplication, number, detail)
}

// DecideRemedy records the result of a pending 复议 or 诉讼; ErrStale when
// it was decided already.
func DecideRemedy(ctx context.Context, tx *Tx, id int64, result string, on time.Time, actor, number string, at time.Time) error {
	var kind string
	err := tx.GetContext(ctx, &kind, `UPDATE application_remedies SET result = $2, decided_on = $3, updated_at = $4,
		decided_by = $5, decided_at = $4
		WHERE id = $1 AND result = 'pending' RETURNING kind`, id, result, DayParam(on), at, actor)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrStale
	}
	if err != nil {
		return fmt.Errorf("decide remedy %d: %w", id, err)
	}
	return Audit(ctx, tx, actor, "remedy_decided", EntityApplication, number,
		map[string]any{"remedy": id, "kind": kind, "result": result, "decided": DayParam(on)})
}

// Remedies lists the 复议 and 诉讼 about an application, oldest first.
func Remedies(ctx context.Context, q sqlx.QueryerContext, applicationID int64) ([]Remedy, error) {
	var out []Remedy
	err := sqlx.SelectContext(ctx, q, &out, `SELECT `+remedyColumns+`
		FROM application_remedies WHERE application_id = $1 ORDER BY filed_on, id`, applicationID)
	if err != nil {
		return nil, fmt.Errorf("remedies of application %d: %w", applicationID, err)
	}
	return out, nil
}

// AnnualTables are tables 三 and 四 of a year, with where they came from.
type AnnualTables struct {
	Year int
	T3   *workflow.Table3
	T4   workflow.Table4
	// RegisterCarriedIn is 二、上年结转 as the register has it, before the
	// office's figures replaced any column.
	RegisterCarriedIn workflow.Table3Row
	// Figures are the office's own, in the tables already.
	Figures []AnnualFigure
}

// AnnualReportTables counts tables 三 and 四 of year from the register and
// applies the office's figures (see the comment at the top of the file).
func AnnualReportTables(ctx context.Context, q sqlx.QueryerContext, year int) (*AnnualTables, error) {
	from, to := strconv.Itoa(year)+"-01-01", strconv.Itoa(year+1)+"-01-01"
	var rows []struct {
		Type       string `db:"applicant_type"`
		Outcome    string `db:"outcome"`
		Reason     string `db:"reason"`
		New        int    `db:"new"`
		CarriedIn  int    `db:"carried_in"`
		Closed     int    `db:"closed"`
		CarriedOut int    `db:"carried_out"`
	}
	// closed before D: state closed with its day before D.
	err := sqlx.SelectContext(ctx, q, &rows, `
		SELECT applicant_type, outcome, reason,
			count(*) FILTER (WHERE received_on >= $1) AS new,
			count(*) FILTER (WHERE received_on < $1 AND NOT (state = 'closed' AND delivered_on < $1)) AS carried_in,
			count(*) FILTER (WHERE state = 'closed' AND delivered_on >= $1 AND delivered_on < $2) AS closed,
			count(*) FILTER (WHERE NOT (state = 'closed' AND delivered_on < $2)) AS carried_out
		FROM applications
		WHERE received_on < $2 AND NOT (state = 'closed' AND delivered_on < $1)
		GROUP BY applicant_type, outcome, reason`, from, to)
	if err != nil {
		return nil, fmt.Errorf("annual report %d, table 三: %w", year, err)
	}
	t3 := workflow.NewTable3()
	put := func(r *workflow.Table3Row, col, n int) {
		if col >= 0 {
			r[col] += n
		}
		r[workflow.Table3Total] += n
	}
	for _, r := range rows {
		col := workflow.ApplicantColumn(workflow.ApplicantType(r.Type))
		put(&t3.New, col, r.New)
		put(&t3.CarriedIn, col, r.CarriedIn)
		put(&t3.CarriedOut, col, r.CarriedOut)
		if r.Closed == 0 {
			continue
		}
		put(&t3.Results, col, r.Closed)
		o := workflow.Outcome(r.Outcome)
		if !slices.Contains(workflow.Outcomes(), o) {
			continue // not an outcome of the table: in （七） only
		}
		g := t3.Outcomes[o]
		put(&g, col, r.Closed)
		t3.Outcomes[o] = g
		if re := workflow.Reason(r.Reason); re.Outcome() == o {
			s := t3.Reasons[re]
			put(&s, col, r.Closed)
			t3.Reasons[re] = s
		}
	}
	var cases []struct {
		Kind   string `db:"kind"`
		Result string `db:"result"`
		N      int    `db:"n"`
	}
	err = sqlx.SelectContext(ctx, q, &cases, `
		SELECT kind, CASE WHEN decided_on IS NULL OR decided_on >= $2 THEN 'pending' ELSE result END AS result, count(*) AS n
		FROM application_remedies WHERE filed_on >= $1 AND filed_on < $2 GROUP BY 1, 2`, from, to)
	if err != nil {
		return nil, fmt.Errorf("annual report %d, table 四: %w", year, err)
	}
	t4 := workflow.Table4{}
	for _, c := range cases {
		g := t4[c.Kind]
		if j := resultColumn(c.Result); j >= 0 {
			g[j] += c.N
		}
		g[workflow.ReviewTotal] += c.N
		t4[c.Kind] = g
	}
	out := &AnnualTables{Year: year, T3: t3, T4: t4, RegisterCarriedIn: t3.CarriedIn}
	if out.Figures, err = AnnualFigures(ctx, q, year); err != nil {
		return nil, err
	}
	for _, f := range out.Figures {
		switch f.Table {
		case AnnualTable3:
			if col := workflow.ApplicantColumn(workflow.ApplicantType(f.Column)); col >= 0 {
				t3.CarriedIn[workflow.Table3Total] += f.Value - t3.CarriedIn[col]
				t3.CarriedIn[col] = f.Value
			}
		case AnnualTable4:
			if j := resultColumn(f.Column); j >= 0 {
				g := t4[f.Row]
				g[workflow.ReviewTotal] += f.Value - g[j]
				g[j] = f.Value
				t4[f.Row] = g
			}
		}
	}
	return out, nil
}

func resultColumn(result string) int {
	for j, r := range workflow.ReviewResults() {
		if r == result {
			return j
		}
	}
	return -1
}
