package storage

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/zwgk-bot/zwgk/workflow"
)

// Table 二 of the annual report (主动公开) from the records: the 主动公开
// 审批单s published in the year by their 信息类别, and the office's entries
// for what zwgk cannot know (annual_active_entries).

// EntityAnnualActive is the audit log's name of the office's entries for
// table 二; the entity id is the year.
const EntityAnnualActive = "annual_active"

// ActiveEntry is a row of annual_active_entries: one figure the office
// entered for a cell of table 二.
type ActiveEntry struct {
	ID        int64     `db:"id"`
	Year      int       `db:"year"`
	Cell      string    `db:"cell"` // a workflow.TableTwoCell
	Value     int64     `db:"value"`
	EnteredBy string    `db:"entered_by"`
	EnteredAt time.Time `db:"entered_at"`
	Reason    string    `db:"reason"`
}

// Figure is e as workflow.TableTwo reads it.
func (e ActiveEntry) Figure() workflow.ManualFigure {
	return workflow.ManualFigure{Cell: workflow.TableTwoCell(e.Cell), Value: e.Value, EnteredBy: e.EnteredBy, EnteredAt: e.EnteredAt, Reason: e.Reason}
}

// AddActiveEntry stores an entry of the office and audits it (who, the
// cell, the value, why) in the same transaction: no entry without its
// record. It returns the entry's id.
func AddActiveEntry(ctx context.Context, tx *Tx, e ActiveEntry) (int64, error) {
	var id int64
	err := tx.GetContext(ctx, &id, `
		INSERT INTO annual_active_entries (year, cell, value, entered_by, entered_at, reason)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, e.Year, e.Cell, e.Value, e.EnteredBy, e.EnteredAt, e.Reason)
	if err != nil {
		return 0, fmt.Errorf("entry %s of %d: %w", e.Cell, e.Year, mapErr(err))
	}
	err = Audit(ctx, tx, e.EnteredBy, "annual_active_entry", EntityAnnualActive, strconv.Itoa(e.Year),
		map[string]any{"entry": id, "cell": e.Cell, "value": e.Value, "reason": e.Reason})
	if err != nil {
		return 0, err
	}
	return id, nil
}

// ActiveEntries lists the office's entries for year, oldest first.
func ActiveEntries(ctx context.Context, q sqlx.QueryerContext, year int) ([]ActiveEntry, error) {
	var out []ActiveEntry
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT id, year, cell, value, entered_by, entered_at, reason FROM annual_active_entries
		WHERE year = $1 ORDER BY entered_at, id`, year)
	if err != nil {
		return nil, fmt.Errorf("entries of %d: %w", year, err)
	}
	return out, nil
}

// ActiveForm is a 主动公开 form published in the year, with its category.
type ActiveForm struct {
	ID          int64     `db:"id"`
	Year        int       `db:"year"`
	Seq         int       `db:"seq"`
	Category    string    `db:"category"`
	Repealed    bool      `db:"repealed"`
	Decisions   int       `db:"decisions"`
	FeeYuan     int64     `db:"fee_yuan"`
	PublishedAt time.Time `db:"published_at"`
}

// Record is f as workflow.TableTwo reads it.
func (f ActiveForm) Record() workflow.ActiveRecord {
	return workflow.ActiveRecord{
		Serial: workflow.FormatSerial(f.Year, f.Seq), PublishedAt: f.PublishedAt,
		FormCategory: workflow.FormCategory{Category: workflow.InfoCategory(f.Category), Repealed: f.Repealed, Decisions: f.Decisions, FeeYuan: f.FeeYuan}.Normalized(),
	}
}

// ActiveFormsPublished lists the 主动公开 forms published in year, in the
// bureau's zone loc, by publication: a form is published on the day its
// last platform was confirmed (it is 已公开 only then), whatever year it
// was submitted in. A form still publishing at the year's end counts in
// the year it is finished.
func ActiveFormsPublished(ctx context.Context, q sqlx.QueryerContext, year int, loc *time.Location) ([]ActiveForm, error) {
	from := time.Date(year, 1, 1, 0, 0, 0, 0, loc)
	to := from.AddDate(1, 0, 0)
	var out []ActiveForm
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT f.id, f.year, f.seq, f.category, f.repealed, f.decisions, f.fee_yuan, p.published_at
		FROM forms f
		JOIN (SELECT form_id, max(published_at) AS published_at FROM form_publications GROUP BY form_id) p ON p.form_id = f.id
		WHERE f.state = 'published' AND f.mode = $1 AND p.published_at >= $2 AND p.published_at < $3
		ORDER BY p.published_at, f.id`, string(workflow.ModeActive), from, to)
	if err != nil {
		return nil, fmt.Errorf("forms published in %d: %w", year, err)
	}
	return out, nil
}

// ActiveDisclosureFigures is table 二 of year: its published 主动公开 forms
// and the office's entries, combined by workflow.TableTwo.
func ActiveDisclosureFigures(ctx context.Context, q sqlx.QueryerContext, year int, loc *time.Location) (workflow.TableTwoFigures, error) {
	forms, err := ActiveFormsPublished(ctx, q, year, loc)
	if err != nil {
		return workflow.TableTwoFigures{}, err
	}
	entries, err := ActiveEntries(ctx, q, year)
	if err != nil {
		return workflow.TableTwoFigures{}, err
	}
	records := make([]workflow.ActiveRecord, len(forms))
	for i, f := range forms {
		records[i] = f.Record()
	}
	figures := make([]workflow.ManualFigure, len(entries))
	for i, e := range entries {
		figures[i] = e.Figure()
	}
	return workflow.TableTwo(records, figures), nil
}
