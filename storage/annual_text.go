package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
)

// The annual report's text sections the office may write (the others are
// tables); see migration 00022.
var annualTextSections = []string{"一", "五", "六"}

// AnnualTextSections are the sections of the annual report the office may
// replace with its own text, in the report's order.
func AnnualTextSections() []string { return append([]string(nil), annualTextSections...) }

// MaxAnnualText bounds a section's text, in characters: a published
// report's longest section is a few thousand.
const MaxAnnualText = 20000

// ErrAnnualText: not a section the office writes, or a text the report
// cannot take (empty, not UTF-8, longer than MaxAnnualText).
var ErrAnnualText = errors.New("storage: not a text of the annual report")

// AnnualText is one version of a section's text: Body is empty (Cleared)
// for a version that put the section back to zwgk's draft.
type AnnualText struct {
	ID        int64     `db:"id"`
	Year      int       `db:"year"`
	Section   string    `db:"section"`
	Body      string    `db:"body"`
	Cleared   bool      `db:"cleared"`
	EnteredBy string    `db:"entered_by"`
	EnteredAt time.Time `db:"entered_at"`
}

// NormalizeAnnualText is body as it is stored: line ends made \n, a byte
// order mark and the spaces around the whole dropped (an editor's file or
// a chat message gives the same text).
func NormalizeAnnualText(body string) string {
	body = strings.TrimPrefix(body, "\ufeff")
	body = strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\r", "\n")
	return strings.TrimSpace(body)
}

func checkAnnualText(year int, section, body string) error {
	known := false
	for _, s := range annualTextSections {
		known = known || s == section
	}
	switch {
	case !known:
		return fmt.Errorf("section %q of %d: %w", section, year, ErrAnnualText)
	case year < 2008 || year > 9998:
		return fmt.Errorf("year %d: %w", year, ErrAnnualText)
	case body == "" || !utf8.ValidString(body):
		return fmt.Errorf("section %s of %d: empty or not UTF-8: %w", section, year, ErrAnnualText)
	case utf8.RuneCountInString(body) > MaxAnnualText:
		return fmt.Errorf("section %s of %d: %d characters, at most %d: %w", section, year, utf8.RuneCountInString(body), MaxAnnualText, ErrAnnualText)
	}
	return nil
}

// latestAnnualText is the section's latest version, locking the year's
// texts so that two writers of one section take turns (the second sees
// the first's version); nil before the first.
func latestAnnualText(ctx context.Context, tx *Tx, year int, section string) (*AnnualText, error) {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('annual_report_texts'), $1)`, year); err != nil {
		return nil, fmt.Errorf("lock the texts of %d: %w", year, err)
	}
	var t AnnualText
	err := tx.GetContext(ctx, &t, `SELECT id, year, section, coalesce(body, '') AS body, body IS NULL AS cleared, entered_by, entered_at
		FROM annual_report_texts WHERE year = $1 AND section = $2 ORDER BY id DESC LIMIT 1`, year, section)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("text %s of %d: %w", section, year, err)
	}
	return &t, nil
}

// SetAnnualText stores the office's text of a section of year's report as
// its new version (body normalized by NormalizeAnnualText) and audits it.
// It reports false, and stores nothing, when the text is the section's
// current one already: a retry is not a second version. ErrAnnualText for
// a section or text the report cannot take.
func SetAnnualText(ctx context.Context, tx *Tx, year int, section, body, by string, at time.Time) (bool, error) {
	body = NormalizeAnnualText(body)
	if err := checkAnnualText(year, section, body); err != nil {
		return false, err
	}
	if strings.TrimSpace(by) == "" {
		return false, fmt.Errorf("text %s of %d without who: %w", section, year, ErrAnnualText)
	}
	prev, err := latestAnnualText(ctx, tx, year, section)
	if err != nil {
		return false, err
	}
	if prev != nil && !prev.Cleared && prev.Body == body {
		return false, nil
	}
	var id int64
	err = tx.GetContext(ctx, &id, `INSERT INTO annual_report_texts (year, section, body, entered_by, entered_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, year, section, body, by, at)
	if err != nil {
		return false, fmt.Errorf("store text %s of %d: %w", section, year, err)
	}
	detail := map[string]any{"section": section, "version": id, "chars": utf8.RuneCountInString(body)}
	if prev != nil && !prev.Cleared {
		detail["replaced"] = prev.ID
	} else {
		detail["replaced"] = "draft"
	}
	return true, Audit(ctx, tx, by, "set_text", EntityAnnualReport, strconv.Itoa(year), detail)
}

// ClearAnnualText puts a section of year's report back to zwgk's draft,
// keeping the office's versions, and audits it. It reports false, and
// changes nothing, when the section is the draft already.
func ClearAnnualText(ctx context.Context, tx *Tx, year int, section, by string, at time.Time) (bool, error) {
	if err := checkAnnualText(year, section, "-"); err != nil {
		return false, err
	}
	if strings.TrimSpace(by) == "" {
		return false, fmt.Errorf("clear text %s of %d without who: %w", section, year, ErrAnnualText)
	}
	prev, err := latestAnnualText(ctx, tx, year, section)
	if err != nil {
		return false, err
	}
	if prev == nil || prev.Cleared {
		return false, nil
	}
	var id int64
	err = tx.GetContext(ctx, &id, `INSERT INTO annual_report_texts (year, section, body, entered_by, entered_at)
		VALUES ($1, $2, NULL, $3, $4) RETURNING id`, year, section, by, at)
	if err != nil {
		return false, fmt.Errorf("clear text %s of %d: %w", section, year, err)
	}
	return true, Audit(ctx, tx, by, "clear_text", EntityAnnualReport, strconv.Itoa(year),
		map[string]any{"section": section, "version": id, "replaced": prev.ID})
}

// AnnualTexts are the office's current texts of year's report by section;
// a section missing is zwgk's draft (never written, or cleared).
func AnnualTexts(ctx context.Context, q sqlx.QueryerContext, year int) (map[string]AnnualText, error) {
	var rows []AnnualText
	err := sqlx.SelectContext(ctx, q, &rows, `
		SELECT DISTINCT ON (section) id, year, section, coalesce(body, '') AS body, body IS NULL AS cleared, entered_by, entered_at
		FROM annual_report_texts WHERE year = $1 ORDER BY section, id DESC`, year)
	if err != nil {
		return nil, fmt.Errorf("texts of %d: %w", year, err)
	}
	out := map[string]AnnualText{}
	for _, r := range rows {
		if !r.Cleared {
			out[r.Section] = r
		}
	}
	return out, nil
}

// AnnualTextVersions lists every version of a section of year's report,
// oldest first, cleared ones included.
func AnnualTextVersions(ctx context.Context, q sqlx.QueryerContext, year int, section string) ([]AnnualText, error) {
	var out []AnnualText
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT id, year, section, coalesce(body, '') AS body, body IS NULL AS cleared, entered_by, entered_at
		FROM annual_report_texts WHERE year = $1 AND section = $2 ORDER BY id`, year, section)
	if err != nil {
		return nil, fmt.Errorf("versions of text %s of %d: %w", section, year, err)
	}
	return out, nil
}

// LatestAnnualText is a section's latest version, cleared or not (nil
// before the first), locking the year's texts until tx ends: a web form
// that carries the version it showed compares it here, and then stores
// with SetAnnualText or ClearAnnualText in the same tx, so no writer can
// slip in between the comparison and the write.
func LatestAnnualText(ctx context.Context, tx *Tx, year int, section string) (*AnnualText, error) {
	return latestAnnualText(ctx, tx, year, section)
}
