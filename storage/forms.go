package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/zwgk-bot/zwgk/workflow"
)

// Form is a row of forms: one 信息公开审批单 in its current version.
type Form struct {
	ID        int64          `db:"id"`
	Year      int            `db:"year"`
	Seq       int            `db:"seq"`
	Version   int            `db:"version"`
	State     string         `db:"state"`
	Stage     string         `db:"stage"`
	Assignees pq.StringArray `db:"assignees"`
	Section   string         `db:"section"`
	Submitter string         `db:"submitter"`
	Title     string         `db:"title"`
	Summary   string         `db:"summary"`
	FormedOn  time.Time      `db:"formed_on"`
	Mode      string         `db:"mode"`
	Column    string         `db:"column_name"`
	Platforms pq.StringArray `db:"platforms"`
	Major     bool           `db:"major"`
	Escalated bool           `db:"escalated"`
	Deadline  sql.NullTime   `db:"deadline"`
	NoticeDue bool           `db:"notice_due"`
	CreatedAt time.Time      `db:"created_at"`
	UpdatedAt time.Time      `db:"updated_at"`

	// ApplicationID is the 政府信息公开申请 a 依申请公开 form answers, when
	// the submitter named it; Deadline is then its reply deadline.
	ApplicationID sql.NullInt64 `db:"application_id"`

	// The 信息类别 of a 主动公开 form for table 二 of the annual report, and
	// its figure (workflow.FormCategory): 其他 for older and 依申请公开 forms.
	Category  string `db:"category"`
	Repealed  bool   `db:"repealed"`
	Decisions int    `db:"decisions"`
	FeeYuan   int64  `db:"fee_yuan"`
}

// InfoCategory is f's 信息类别 with its figure.
func (f *Form) InfoCategory() workflow.FormCategory {
	return workflow.FormCategory{Category: workflow.InfoCategory(f.Category), Repealed: f.Repealed, Decisions: f.Decisions, FeeYuan: f.FeeYuan}.Normalized()
}

// SetInfoCategory stores fc (normalized) in f.
func (f *Form) SetInfoCategory(fc workflow.FormCategory) {
	fc = fc.Normalized()
	f.Category, f.Repealed, f.Decisions, f.FeeYuan = string(fc.Category), fc.Repealed, fc.Decisions, fc.FeeYuan
}

const formCols = `id, year, seq, version, state, stage, assignees, section, submitter, title, summary,
	formed_on, mode, column_name, platforms, major, escalated, deadline, notice_due, application_id, category, repealed,
	decisions, fee_yuan, created_at, updated_at`

// NextSerial takes the next number of year. The counter row stays locked
// until the transaction ends, so numbers are gap-free under concurrency: a
// rolled-back submission gives its number back.
func NextSerial(ctx context.Context, tx *Tx, year int) (int, error) {
	var n int
	err := tx.GetContext(ctx, &n, `
		INSERT INTO form_serial (year, last) VALUES ($1, 1)
		ON CONFLICT (year) DO UPDATE SET last = form_serial.last + 1
		RETURNING last`, year)
	if err != nil {
		return 0, fmt.Errorf("next serial %d: %w", year, err)
	}
	return n, nil
}

// InsertForm stores a new form and returns its id.
func InsertForm(ctx context.Context, tx *Tx, f *Form) (int64, error) {
	err := tx.GetContext(ctx, &f.ID, `
		INSERT INTO forms (year, seq, version, state, stage, assignees, section, submitter, title, summary,
			formed_on, mode, column_name, platforms, major, deadline, notice_due, application_id, category, repealed,
			decisions, fee_yuan, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $23)
		RETURNING id`,
		f.Year, f.Seq, f.Version, f.State, f.Stage, f.Assignees, f.Section, f.Submitter, f.Title, f.Summary,
		f.FormedOn, f.Mode, f.Column, f.Platforms, f.Major, f.Deadline, f.NoticeDue, f.ApplicationID,
		categoryOrOther(f.Category), f.Repealed, f.Decisions, f.FeeYuan, f.CreatedAt)
	if err != nil {
		return 0, fmt.Errorf("insert form: %w", mapErr(err))
	}
	return f.ID, nil
}

// categoryOrOther is a form's category as stored: a Form built without
// one is 其他, like the rows older than the column.
func categoryOrOther(c string) string {
	if c == "" {
		return string(workflow.CategoryOther)
	}
	return c
}

// GetForm loads a form; ErrNotFound when there is none.
func GetForm(ctx context.Context, q sqlx.QueryerContext, id int64) (*Form, error) {
	var f Form
	if err := sqlx.GetContext(ctx, q, &f, `SELECT `+formCols+` FROM forms WHERE id = $1`, id); err != nil {
		return nil, fmt.Errorf("form %d: %w", id, mapErr(err))
	}
	return &f, nil
}

// LockForm loads a form and locks its row until the transaction ends.
func LockForm(ctx context.Context, tx *Tx, id int64) (*Form, error) {
	var f Form
	if err := tx.GetContext(ctx, &f, `SELECT `+formCols+` FROM forms WHERE id = $1 FOR UPDATE`, id); err != nil {
		return nil, fmt.Errorf("lock form %d: %w", id, mapErr(err))
	}
	return &f, nil
}

// FormBySerial finds a form by its number.
func FormBySerial(ctx context.Context, q sqlx.QueryerContext, year, seq int) (*Form, error) {
	var f Form
	if err := sqlx.GetContext(ctx, q, &f, `SELECT `+formCols+` FROM forms WHERE year = $1 AND seq = $2`, year, seq); err != nil {
		return nil, fmt.Errorf("form %d-%d: %w", year, seq, mapErr(err))
	}
	return &f, nil
}

// FormMove is a guarded transition: it applies only if the form is still
// at the expected version, state and stage.
type FormMove struct {
	ID                   int64
	Version              int
	FromState, FromStage string
	ToState, ToStage     string
	Assignees            []string
	Escalated            bool
	At                   time.Time
}

// ErrStale reports a transition whose expected state no longer holds: a
// second click, a click on an old card, a race lost to another approver.
var ErrStale = errors.New("form changed meanwhile")

// MoveForm applies m in one statement guarded by the expected state.
func MoveForm(ctx context.Context, tx *Tx, m FormMove) error {
	if m.Assignees == nil {
		m.Assignees = []string{}
	}
	res, err := tx.ExecContext(ctx, `
		UPDATE forms SET state = $5, stage = $6, assignees = $7, escalated = escalated OR $8, updated_at = $9
		WHERE id = $1 AND version = $2 AND state = $3 AND stage = $4`,
		m.ID, m.Version, m.FromState, m.FromStage, m.ToState, m.ToStage, pq.StringArray(m.Assignees), m.Escalated, m.At)
	if err != nil {
		return fmt.Errorf("move form %d: %w", m.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrStale
	}
	return nil
}

// ReviseForm replaces a rejected form's content with a new version and
// sends it back into review.
func ReviseForm(ctx context.Context, tx *Tx, f *Form, oldVersion int) error {
	res, err := tx.ExecContext(ctx, `
		UPDATE forms SET version = version + 1, state = $3, stage = $4, assignees = $5, title = $6, summary = $7,
			formed_on = $8, mode = $9, column_name = $10, platforms = $11, major = $12, deadline = $13,
			notice_due = $14, application_id = $16, category = $17, repealed = $18, decisions = $19, fee_yuan = $20,
			escalated = false, updated_at = $15
		WHERE id = $1 AND version = $2 AND state = 'rejected'`,
		f.ID, oldVersion, f.State, f.Stage, f.Assignees, f.Title, f.Summary, f.FormedOn, f.Mode, f.Column,
		f.Platforms, f.Major, f.Deadline, f.NoticeDue, f.UpdatedAt, f.ApplicationID,
		categoryOrOther(f.Category), f.Repealed, f.Decisions, f.FeeYuan)
	if err != nil {
		return fmt.Errorf("revise form %d: %w", f.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrStale
	}
	f.Version = oldVersion + 1
	return nil
}

// SyncLinkedFormDeadlines gives the forms linked to an application its new
// reply deadline, after the application's clock moved (a 补正 received, a
// 征求意见, a 延期): due is the end of its last day, in the bureau's zone. A
// zero due clears it: while the applicant's 补正 is awaited no reply clock
// runs. Only forms still in progress follow, each change audited on the form
// (action reply_deadline, by the system): a published or withdrawn form keeps
// the deadline it finished under, as its record.
func SyncLinkedFormDeadlines(ctx context.Context, tx *Tx, applicationID int64, due time.Time) error {
	deadline := sql.NullTime{Time: due, Valid: !due.IsZero()}
	var ids []int64
	err := tx.SelectContext(ctx, &ids, `
		UPDATE forms SET deadline = $2
		WHERE application_id = $1 AND state IN ('review', 'publishing', 'rejected') AND deadline IS DISTINCT FROM $2
		RETURNING id`, applicationID, deadline)
	if err != nil {
		return fmt.Errorf("deadlines of the forms of application %d: %w", applicationID, err)
	}
	day := ""
	if deadline.Valid {
		day = due.Format(time.DateOnly)
	}
	for _, id := range ids {
		if err := Audit(ctx, tx, "system", "reply_deadline", EntityForm, strconv.FormatInt(id, 10), map[string]any{"deadline": day}); err != nil {
			return err
		}
	}
	return nil
}

// SaveVersion keeps a snapshot of what was submitted as version.
func SaveVersion(ctx context.Context, tx *Tx, formID int64, version int, snapshot []byte, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO form_versions (form_id, version, snapshot, created_at) VALUES ($1, $2, $3, $4)`,
		formID, version, string(snapshot), at) // text: see Open
	if err != nil {
		return fmt.Errorf("save version %d of form %d: %w", version, formID, mapErr(err))
	}
	return nil
}

// Decision is a row of form_decisions: one signature block.
type Decision struct {
	FormID    int64     `db:"form_id"`
	Version   int       `db:"version"`
	Stage     string    `db:"stage"`
	Approver  string    `db:"approver"`
	Verdict   string    `db:"verdict"`
	Reason    string    `db:"reason"`
	DecidedAt time.Time `db:"decided_at"`
}

// InsertDecision records a decision. A second decision for the same stage
// of the same version is ErrConflict.
func InsertDecision(ctx context.Context, tx *Tx, d Decision) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO form_decisions (form_id, version, stage, approver, verdict, reason, decided_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, d.FormID, d.Version, d.Stage, d.Approver, d.Verdict, d.Reason, d.DecidedAt)
	if err != nil {
		return fmt.Errorf("decision on form %d: %w", d.FormID, mapErr(err))
	}
	return nil
}

// Decisions lists a form's decisions, oldest first, over all versions.
func Decisions(ctx context.Context, q sqlx.QueryerContext, formID int64) ([]Decision, error) {
	var out []Decision
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT form_id, version, stage, approver, verdict, reason, decided_at FROM form_decisions
		WHERE form_id = $1 ORDER BY id`, formID)
	if err != nil {
		return nil, fmt.Errorf("decisions of form %d: %w", formID, err)
	}
	return out, nil
}

// FormCard is a card sent about a form.
type FormCard struct {
	TaskID  string         `db:"task_id"`
	FormID  int64          `db:"form_id"`
	Version int            `db:"version"`
	Stage   string         `db:"stage"`
	Holders pq.StringArray `db:"holders"`
	// The card (task_id) whose click opened this one, and that click's
	// response_code, unused: a 保密审查 card's office card.
	OpenerTask string `db:"opener_task"`
	OpenerCode string `db:"opener_code"`
}

// InsertCard records a card's task_id and whom it went to.
func InsertCard(ctx context.Context, tx *Tx, c FormCard) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO form_cards (task_id, form_id, version, stage, holders, opener_task, opener_code)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		c.TaskID, c.FormID, c.Version, c.Stage, c.Holders, c.OpenerTask, c.OpenerCode)
	if err != nil {
		return fmt.Errorf("card %s: %w", c.TaskID, mapErr(err))
	}
	return nil
}

// GetCard finds a card by task_id; ErrNotFound when it is not ours.
func GetCard(ctx context.Context, q sqlx.QueryerContext, taskID string) (*FormCard, error) {
	var c FormCard
	if err := sqlx.GetContext(ctx, q, &c, `SELECT task_id, form_id, version, stage, holders, opener_task, opener_code FROM form_cards WHERE task_id = $1`, taskID); err != nil {
		return nil, fmt.Errorf("card %s: %w", taskID, mapErr(err))
	}
	return &c, nil
}

// CardsAt lists the cards sent for a form's version and stage.
func CardsAt(ctx context.Context, q sqlx.QueryerContext, formID int64, version int, stage string) ([]FormCard, error) {
	var out []FormCard
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT task_id, form_id, version, stage, holders, opener_task, opener_code FROM form_cards
		WHERE form_id = $1 AND version = $2 AND stage = $3 ORDER BY created_at`, formID, version, stage)
	if err != nil {
		return nil, fmt.Errorf("cards of form %d: %w", formID, err)
	}
	return out, nil
}

// SentResponseCode returns the response_code WeCom gave when the card with
// taskID was sent (queued under the idempotency key "card:"+taskID) and
// when it was sent, or "" when it has not been sent yet or its code was
// never learnt.
func SentResponseCode(ctx context.Context, q sqlx.QueryerContext, taskID string) (string, time.Time, error) {
	var row struct {
		Code   sql.NullString `db:"code"`
		SentAt sql.NullTime   `db:"sent_at"`
	}
	err := sqlx.GetContext(ctx, q, &row, `
		SELECT result->>'response_code' AS code, sent_at FROM outbox WHERE idem_key = $1 AND status = 'sent'`, "card:"+taskID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, nil
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("response code of %s: %w", taskID, err)
	}
	return row.Code.String, row.SentAt.Time, nil
}

// Publication is one platform's 已发布 confirmation.
type Publication struct {
	FormID      int64     `db:"form_id"`
	Platform    string    `db:"platform"`
	PublishedBy string    `db:"published_by"`
	PublishedAt time.Time `db:"published_at"`
	Reference   string    `db:"reference"`
}

// InsertPublication records a platform as published; false when it was
// already.
func InsertPublication(ctx context.Context, tx *Tx, p Publication) (bool, error) {
	res, err := tx.ExecContext(ctx, `
		INSERT INTO form_publications (form_id, platform, published_by, published_at, reference)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, p.FormID, p.Platform, p.PublishedBy, p.PublishedAt, p.Reference)
	if err != nil {
		return false, fmt.Errorf("publication of form %d: %w", p.FormID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// SetPublicationReference adds the link or 期号 to a confirmed platform.
func SetPublicationReference(ctx context.Context, tx *Tx, formID int64, platform, ref string) error {
	_, err := tx.ExecContext(ctx, `UPDATE form_publications SET reference = $3 WHERE form_id = $1 AND platform = $2`, formID, platform, ref)
	if err != nil {
		return fmt.Errorf("publication reference of form %d: %w", formID, err)
	}
	return nil
}

// Publications lists a form's confirmed platforms.
func Publications(ctx context.Context, q sqlx.QueryerContext, formID int64) ([]Publication, error) {
	var out []Publication
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT form_id, platform, published_by, published_at, reference FROM form_publications
		WHERE form_id = $1 ORDER BY published_at`, formID)
	if err != nil {
		return nil, fmt.Errorf("publications of form %d: %w", formID, err)
	}
	return out, nil
}

// FormsBySubmitter lists someone's forms, newest first.
func FormsBySubmitter(ctx context.Context, q sqlx.QueryerContext, userID string, limit int) ([]Form, error) {
	var out []Form
	err := sqlx.SelectContext(ctx, q, &out, `SELECT `+formCols+` FROM forms WHERE submitter = $1 ORDER BY id DESC LIMIT $2`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("forms of %s: %w", userID, err)
	}
	return out, nil
}

// FormsWaitingFor lists the forms where userID must act, oldest first.
func FormsWaitingFor(ctx context.Context, q sqlx.QueryerContext, userID string) ([]Form, error) {
	var out []Form
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT `+formCols+` FROM forms
		WHERE state IN ('review', 'publishing') AND assignees @> ARRAY[$1]::text[] ORDER BY updated_at, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("forms waiting for %s: %w", userID, err)
	}
	return out, nil
}

// DraftSubmission is the form (and version) a wizard draft became.
type DraftSubmission struct {
	DraftID     string    `db:"draft_id"`
	FormID      int64     `db:"form_id"`
	Version     int       `db:"version"`
	SubmittedAt time.Time `db:"submitted_at"`
}

// RecordDraftSubmission records that draft became the form's version.
// ErrConflict when the draft was submitted before.
func RecordDraftSubmission(ctx context.Context, tx *Tx, s DraftSubmission) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO draft_submissions (draft_id, form_id, version, submitted_at) VALUES ($1, $2, $3, $4)`,
		s.DraftID, s.FormID, s.Version, s.SubmittedAt)
	if err != nil {
		return fmt.Errorf("record submission of draft %s: %w", s.DraftID, mapErr(err))
	}
	return nil
}

// DraftSubmitted returns what draft became; ErrNotFound if it was never
// submitted.
func DraftSubmitted(ctx context.Context, q sqlx.QueryerContext, draftID string) (*DraftSubmission, error) {
	var s DraftSubmission
	err := sqlx.GetContext(ctx, q, &s, `SELECT draft_id, form_id, version, submitted_at FROM draft_submissions WHERE draft_id = $1`, draftID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("submission of draft %s: %w", draftID, err)
	}
	return &s, nil
}
