package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/zwgk-bot/zwgk/workflow"
)

// EntityApplication is a 政府信息公开申请 in the audit log, by its number
// (依申请〔2026〕5号).
const EntityApplication = "application"

// Application is a 政府信息公开申请 in the register. Its dates (the D
// suffix) are calendar days: a date column read back is midnight UTC of
// that day, so read them with Day, which puts them in the bureau's zone.
type Application struct {
	ID                  int64          `db:"id"`
	Year                int            `db:"year"`
	Seq                 int            `db:"seq"`
	ExternalID          sql.NullString `db:"external_id"`
	Channel             string         `db:"channel"`
	ReceivedD           time.Time      `db:"received_on"`
	ApplicantName       string         `db:"applicant_name"`
	ApplicantType       string         `db:"applicant_type"`
	ApplicantIDNo       string         `db:"applicant_id_no"`
	ApplicantPhone      string         `db:"applicant_phone"`
	ApplicantAddress    string         `db:"applicant_address"`
	Content             string         `db:"content"`
	ProvideForm         string         `db:"provide_form"`
	State               string         `db:"state"`
	Section             string         `db:"section"`
	Handler             string         `db:"handler"`
	Registrar           string         `db:"registrar"`
	DueD                time.Time      `db:"due_on"`
	SupplementAskedD    sql.NullTime   `db:"supplement_asked_on"`
	SupplementDueD      sql.NullTime   `db:"supplement_due_on"`
	SupplementItems     string         `db:"supplement_items"`
	SupplementReceivedD sql.NullTime   `db:"supplement_received_on"`
	ExtensionDays       int            `db:"extension_days"`
	ExtensionReason     string         `db:"extension_reason"`
	ExtRequestDays      int            `db:"ext_request_days"`
	ExtRequestReason    string         `db:"ext_request_reason"`
	ExtRequestedBy      string         `db:"ext_requested_by"`
	ReplyText           string         `db:"reply_text"`
	ReplyBasis          string         `db:"reply_basis"`
	ReplyRound          int            `db:"reply_round"`
	Stage               string         `db:"stage"`
	Assignees           pq.StringArray `db:"assignees"`
	Escalated           bool           `db:"escalated"`
	Outcome             string         `db:"outcome"`
	Reason              string         `db:"reason"`
	DeliveredD          sql.NullTime   `db:"delivered_on"`
	Delivery            string         `db:"delivery"`
	TrackingNo          string         `db:"tracking_no"`
	OrderID             sql.NullInt64  `db:"order_id"`
	Source              string         `db:"source"`
	CreatedAt           time.Time      `db:"created_at"`
	UpdatedAt           time.Time      `db:"updated_at"`
}

const applicationCols = `id, year, seq, external_id, channel, received_on, applicant_name, applicant_type, applicant_id_no,
	applicant_phone, applicant_address, content, provide_form, state, section, handler, registrar, due_on,
	supplement_asked_on, supplement_due_on, supplement_items, supplement_received_on, extension_days, extension_reason,
	ext_request_days, ext_request_reason, ext_requested_by, reply_text, reply_basis, reply_round, stage, assignees, escalated,
	outcome, reason, delivered_on, delivery, tracking_no, order_id, source, created_at, updated_at`

// Day is a date column's value as midnight in loc.
func Day(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// DayParam is t's calendar day in its own zone, as a date parameter: a
// time.Time would reach Postgres with its offset and could land on the
// neighbouring day in the session's zone.
func DayParam(t time.Time) string { return t.Format(time.DateOnly) }

func nullDay(t sql.NullTime) any {
	if !t.Valid {
		return nil
	}
	return DayParam(t.Time)
}

// Number is the application's register number, as on every letter.
func (a *Application) Number() string { return ApplicationNumber(a.Year, a.Seq) }

// ApplicationNumber is the register number of year and seq.
func ApplicationNumber(year, seq int) string {
	return "依申请〔" + strconv.Itoa(year) + "〕" + strconv.Itoa(seq) + "号"
}

// ErrExternalConflict: an external id already names another application.
var ErrExternalConflict = errors.New("storage: the external id is already registered")

// InsertApplication numbers and stores a new application in the year of
// its receipt. With an external id already registered it stores nothing
// and returns false with the stored application in a: a repeat of the
// website's post or of a CSV line is never a copy.
func InsertApplication(ctx context.Context, tx *Tx, a *Application) (bool, error) {
	if a.ExternalID.Valid {
		existing, err := ApplicationByExternal(ctx, tx, a.ExternalID.String)
		if err == nil {
			*a = *existing
			return false, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return false, err
		}
	}
	a.Year = a.ReceivedD.Year()
	err := tx.GetContext(ctx, &a.Seq, `
		INSERT INTO application_serial (year, last) VALUES ($1, 1)
		ON CONFLICT (year) DO UPDATE SET last = application_serial.last + 1
		RETURNING last`, a.Year)
	if err != nil {
		return false, fmt.Errorf("next application number %d: %w", a.Year, err)
	}
	err = tx.GetContext(ctx, &a.ID, `
		INSERT INTO applications (year, seq, external_id, channel, received_on, applicant_name, applicant_type,
			applicant_id_no, applicant_phone, applicant_address, content, provide_form, state, section, registrar,
			due_on, order_id, source, created_at, updated_at, outcome, reason, delivered_on)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19, $20, $21, $22)
		RETURNING id`,
		a.Year, a.Seq, a.ExternalID, a.Channel, DayParam(a.ReceivedD), a.ApplicantName, a.ApplicantType,
		a.ApplicantIDNo, a.ApplicantPhone, a.ApplicantAddress, a.Content, a.ProvideForm, a.State, a.Section, a.Registrar,
		DayParam(a.DueD), a.OrderID, a.Source, a.CreatedAt, a.Outcome, a.Reason, nullDay(a.DeliveredD))
	if err = mapErr(err); errors.Is(err, ErrConflict) {
		// Two posts of one external id at once: the other committed first.
		return false, ErrExternalConflict
	}
	if err != nil {
		return false, fmt.Errorf("insert application %s: %w", a.Number(), err)
	}
	return true, nil
}

// ApplicationBySerial finds an application by its number.
func ApplicationBySerial(ctx context.Context, q sqlx.QueryerContext, year, seq int) (*Application, error) {
	return getApplication(ctx, q, `year = $1 AND seq = $2`, year, seq)
}

// ApplicationByID finds an application by its id.
func ApplicationByID(ctx context.Context, q sqlx.QueryerContext, id int64) (*Application, error) {
	return getApplication(ctx, q, `id = $1`, id)
}

// ApplicationByExternal finds an application by the id its source gave it.
func ApplicationByExternal(ctx context.Context, q sqlx.QueryerContext, ext string) (*Application, error) {
	return getApplication(ctx, q, `external_id = $1`, ext)
}

// ApplicationByOrder finds the application a 12345 order was turned into.
func ApplicationByOrder(ctx context.Context, q sqlx.QueryerContext, orderID int64) (*Application, error) {
	return getApplication(ctx, q, `order_id = $1`, orderID)
}

// LockApplication loads an application and locks it until the
// transaction ends.
func LockApplication(ctx context.Context, tx *Tx, id int64) (*Application, error) {
	return getApplication(ctx, tx, `id = $1 FOR UPDATE`, id)
}

func getApplication(ctx context.Context, q sqlx.QueryerContext, where string, args ...any) (*Application, error) {
	var a Application
	if err := sqlx.GetContext(ctx, q, &a, `SELECT `+applicationCols+` FROM applications WHERE `+where, args...); err != nil {
		return nil, fmt.Errorf("application %v: %w", args, mapErr(err))
	}
	return &a, nil
}

// ApplicationFilter selects applications for the lookups; zero fields do
// not filter.
type ApplicationFilter struct {
	Open      bool      // not closed
	DueBefore time.Time // due before this day (overdue: today)
	Person    string    // registrar or handler
	// Sections adds those given to these sections (the ones Person heads).
	Sections []string
	Limit    int
}

// ListApplications returns applications, the soonest due first.
func ListApplications(ctx context.Context, q sqlx.QueryerContext, f ApplicationFilter) ([]Application, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.Open {
		where = append(where, "state <> 'closed'")
	}
	if !f.DueBefore.IsZero() {
		where = append(where, "due_on < "+arg(DayParam(f.DueBefore)))
	}
	if f.Person != "" {
		p := arg(f.Person)
		who := "registrar = " + p + " OR handler = " + p
		if len(f.Sections) > 0 {
			who += " OR section = ANY(" + arg(pq.StringArray(f.Sections)) + ")"
		}
		where = append(where, "("+who+")")
	}
	query := `SELECT ` + applicationCols + ` FROM applications`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY due_on, id`
	if f.Limit > 0 {
		query += ` LIMIT ` + arg(f.Limit)
	}
	var out []Application
	if err := sqlx.SelectContext(ctx, q, &out, query, args...); err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	return out, nil
}

// ApplicationRankInMonth is which of its applicant's applications of the
// calendar month of its receipt a is (1 for the first), for the
// 信息处理费 (国办函〔2020〕109号: per applicant, per calendar month), in
// order of receipt and registration. The applicant is known by the ID
// number or credit code when given, else by the name.
func ApplicationRankInMonth(ctx context.Context, q sqlx.QueryerContext, a *Application) (int, error) {
	day := a.ReceivedD
	first := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
	next := first.AddDate(0, 1, 0)
	who, arg := `applicant_id_no = $1`, a.ApplicantIDNo
	if a.ApplicantIDNo == "" {
		who, arg = `applicant_id_no = '' AND applicant_name = $1`, a.ApplicantName
	}
	var n int
	err := sqlx.GetContext(ctx, q, &n, `SELECT count(*) FROM applications WHERE `+who+`
		AND received_on >= $2 AND received_on < $3 AND (received_on < $4 OR received_on = $4 AND id <= $5)`,
		arg, DayParam(first), DayParam(next), DayParam(day), a.ID)
	if err != nil {
		return 0, fmt.Errorf("rank of %s in its month: %w", a.Number(), err)
	}
	return n, nil
}

// Consultation is a 征求意见 of an application (条例 Arts. 32, 34).
type Consultation struct {
	ID            int64        `db:"id"`
	ApplicationID int64        `db:"application_id"`
	Kind          string       `db:"kind"` // third_party or agency
	Party         string       `db:"party"`
	SentD         time.Time    `db:"sent_on"`
	AnsweredD     sql.NullTime `db:"answered_on"`
	Answer        string       `db:"answer"`
}

// Consultations lists an application's consultations, oldest first.
func Consultations(ctx context.Context, q sqlx.QueryerContext, applicationID int64) ([]Consultation, error) {
	var out []Consultation
	err := sqlx.SelectContext(ctx, q, &out, `SELECT id, application_id, kind, party, sent_on, answered_on, answer
		FROM application_consultations WHERE application_id = $1 ORDER BY sent_on, id`, applicationID)
	if err != nil {
		return nil, fmt.Errorf("consultations of application %d: %w", applicationID, err)
	}
	return out, nil
}

// ApplicationChange is a guarded update of an application: it applies
// only while the application is in FromState. Set holds the columns to
// change; dates (time.Time for a date column) are written as days.
type ApplicationChange struct {
	ID        int64
	FromState string
	At        time.Time
	State     string
	Set       map[string]any
}

// changeableColumns are the columns a change may set.
var changeableColumns = map[string]bool{
	"section": true, "handler": true, "due_on": true, "supplement_asked_on": true, "supplement_due_on": true,
	"supplement_items": true, "supplement_received_on": true, "extension_days": true, "extension_reason": true,
	"ext_request_days": true, "ext_request_reason": true, "ext_requested_by": true, "reply_text": true,
	"reply_basis": true, "reply_round": true, "stage": true, "assignees": true, "escalated": true, "outcome": true, "reason": true, "delivered_on": true, "delivery": true, "tracking_no": true,
}

// ChangeApplication applies ch in one statement guarded by the expected
// state; ErrStale when the application has moved on.
func ChangeApplication(ctx context.Context, tx *Tx, ch ApplicationChange) error {
	sets := []string{"updated_at = $3"}
	args := []any{ch.ID, ch.FromState, ch.At}
	if ch.State != "" {
		args = append(args, ch.State)
		sets = append(sets, "state = $"+strconv.Itoa(len(args)))
	}
	cols := make([]string, 0, len(ch.Set))
	for col := range ch.Set {
		cols = append(cols, col)
	}
	slices.Sort(cols) // one statement text per set of columns
	for _, col := range cols {
		if !changeableColumns[col] {
			return fmt.Errorf("change application %d: column %q may not be changed", ch.ID, col)
		}
		v := ch.Set[col]
		if d, ok := v.(time.Time); ok && strings.HasSuffix(col, "_on") {
			v = DayParam(d)
		}
		args = append(args, v)
		sets = append(sets, col+" = $"+strconv.Itoa(len(args)))
	}
	res, err := tx.ExecContext(ctx, `UPDATE applications SET `+strings.Join(sets, ", ")+` WHERE id = $1 AND state = $2`, args...)
	if err != nil {
		return fmt.Errorf("change application %d: %w", ch.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrStale
	}
	return nil
}

// AddConsultation records a 征求意见 sent.
func AddConsultation(ctx context.Context, tx *Tx, c *Consultation) error {
	err := tx.GetContext(ctx, &c.ID, `INSERT INTO application_consultations (application_id, kind, party, sent_on)
		VALUES ($1, $2, $3, $4) RETURNING id`, c.ApplicationID, c.Kind, c.Party, DayParam(c.SentD))
	if err != nil {
		return fmt.Errorf("consultation of application %d: %w", c.ApplicationID, err)
	}
	return nil
}

// AnswerConsultation records the answer of an open consultation; ErrStale
// when it was answered already.
func AnswerConsultation(ctx context.Context, tx *Tx, id int64, on time.Time, answer string) error {
	res, err := tx.ExecContext(ctx, `UPDATE application_consultations SET answered_on = $2, answer = $3
		WHERE id = $1 AND answered_on IS NULL`, id, DayParam(on), answer)
	if err != nil {
		return fmt.Errorf("answer consultation %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrStale
	}
	return nil
}

// ApplicationCard is a card sent about an application.
type ApplicationCard struct {
	TaskID        string         `db:"task_id"`
	ApplicationID int64          `db:"application_id"`
	Kind          string         `db:"kind"`
	State         string         `db:"state"`
	Holders       pq.StringArray `db:"holders"`
}

// InsertApplicationCard records a card sent.
func InsertApplicationCard(ctx context.Context, tx *Tx, c ApplicationCard) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO application_cards (task_id, application_id, kind, state, holders)
		VALUES ($1, $2, $3, $4, $5)`, c.TaskID, c.ApplicationID, c.Kind, c.State, c.Holders)
	if err != nil {
		return fmt.Errorf("application card %s: %w", c.TaskID, mapErr(err))
	}
	return nil
}

// GetApplicationCard finds a card; ErrNotFound when it is no
// application's.
func GetApplicationCard(ctx context.Context, q sqlx.QueryerContext, taskID string) (*ApplicationCard, error) {
	var c ApplicationCard
	err := sqlx.GetContext(ctx, q, &c, `SELECT task_id, application_id, kind, state, holders FROM application_cards WHERE task_id = $1`, taskID)
	if err != nil {
		return nil, fmt.Errorf("application card %s: %w", taskID, mapErr(err))
	}
	return &c, nil
}

// ApplicationCardsOf lists the cards of kind sent about an application.
func ApplicationCardsOf(ctx context.Context, q sqlx.QueryerContext, applicationID int64, kind string) ([]ApplicationCard, error) {
	var out []ApplicationCard
	err := sqlx.SelectContext(ctx, q, &out, `SELECT task_id, application_id, kind, state, holders FROM application_cards
		WHERE application_id = $1 AND kind = $2 ORDER BY created_at`, applicationID, kind)
	if err != nil {
		return nil, fmt.Errorf("cards of application %d: %w", applicationID, err)
	}
	return out, nil
}

// ApplicationCount counts the register's applications.
func ApplicationCount(ctx context.Context, q sqlx.QueryerContext) (int, error) {
	var n int
	if err := sqlx.GetContext(ctx, q, &n, `SELECT count(*) FROM applications`); err != nil {
		return 0, fmt.Errorf("count applications: %w", err)
	}
	return n, nil
}

// ApplicationDecision is a recorded review of a reply.
type ApplicationDecision struct {
	ApplicationID int64     `db:"application_id"`
	Round         int       `db:"round"`
	Stage         string    `db:"stage"`
	Approver      string    `db:"approver"`
	Verdict       string    `db:"verdict"`
	Reason        string    `db:"reason"`
	DecidedAt     time.Time `db:"decided_at"`
}

// InsertApplicationDecision records a review; ErrConflict when the stage
// of that round was decided already (a second click).
func InsertApplicationDecision(ctx context.Context, tx *Tx, d ApplicationDecision) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO application_decisions (application_id, round, stage, approver, verdict, reason, decided_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, d.ApplicationID, d.Round, d.Stage, d.Approver, d.Verdict, d.Reason, d.DecidedAt)
	if err != nil {
		return fmt.Errorf("decision on application %d: %w", d.ApplicationID, mapErr(err))
	}
	return nil
}

// ApplicationDecisions lists the reviews of an application, oldest first.
func ApplicationDecisions(ctx context.Context, q sqlx.QueryerContext, id int64) ([]ApplicationDecision, error) {
	var out []ApplicationDecision
	err := sqlx.SelectContext(ctx, q, &out, `SELECT application_id, round, stage, approver, verdict, reason, decided_at
		FROM application_decisions WHERE application_id = $1 ORDER BY decided_at, id`, id)
	if err != nil {
		return nil, fmt.Errorf("decisions on application %d: %w", id, err)
	}
	return out, nil
}

// ApplicationStats are the register's counts for one year of receipt.
type ApplicationStats struct {
	Received  int            // received in the year
	Open      int            // not closed
	Overdue   int            // open and past the deadline on the day asked
	Closed    int            // closed
	OnTime    int            // closed with the 送达 on or before the deadline
	ByOutcome map[string]int // closed, by outcome
}

// ApplicationStatsOf counts the applications received in year, as of
// today.
func ApplicationStatsOf(ctx context.Context, q sqlx.QueryerContext, year int, today time.Time) (ApplicationStats, error) {
	s, err := applicationStats(ctx, q, `year = $2`, DayParam(today), year)
	if err != nil {
		return s, fmt.Errorf("application statistics %d: %w", year, err)
	}
	return s, nil
}

// applicationStats counts the applications where holds ($2… its
// arguments), as of today ($1).
func applicationStats(ctx context.Context, q sqlx.QueryerContext, where string, today any, args ...any) (ApplicationStats, error) {
	s := ApplicationStats{ByOutcome: map[string]int{}}
	var rows []struct {
		State   string `db:"state"`
		Outcome string `db:"outcome"`
		N       int    `db:"n"`
		Late    int    `db:"late"`
		Overdue int    `db:"overdue"`
	}
	err := sqlx.SelectContext(ctx, q, &rows, `
		SELECT state, outcome, count(*) AS n,
			count(*) FILTER (WHERE delivered_on > due_on) AS late,
			count(*) FILTER (WHERE state <> 'closed' AND due_on < $1) AS overdue
		FROM applications WHERE `+where+` GROUP BY state, outcome`, append([]any{today}, args...)...)
	if err != nil {
		return s, fmt.Errorf("application statistics: %w", err)
	}
	for _, r := range rows {
		s.Received += r.N
		if r.State == "closed" {
			s.Closed += r.N
			s.OnTime += r.N - r.Late
			s.ByOutcome[r.Outcome] += r.N
			continue
		}
		s.Open += r.N
		s.Overdue += r.Overdue
	}
	return s, nil
}

// ClockEvents are a's clock events as the workflow reads them (the cards,
// the lookups and the reminders read the one mapping), with cs its
// consultations. The 补正期限 the notice named is a date; the clock reads
// it as the working days from the notice to it.
func (a *Application) ClockEvents(cal *workflow.Calendar, cs []Consultation) workflow.ApplicationEvents {
	loc := cal.Location()
	ev := workflow.ApplicationEvents{Received: Day(a.ReceivedD, loc), ExtensionDays: a.ExtensionDays}
	if a.SupplementAskedD.Valid {
		ev.SupplementAsked = Day(a.SupplementAskedD.Time, loc)
		if a.SupplementDueD.Valid {
			if n, err := cal.WorkingDaysBetween(ev.SupplementAsked, Day(a.SupplementDueD.Time, loc)); err == nil && n > 0 {
				ev.SupplementDays = n
			}
		}
	}
	if a.SupplementReceivedD.Valid {
		ev.SupplementReceived = Day(a.SupplementReceivedD.Time, loc)
	}
	for _, c := range cs {
		wc := workflow.Consultation{Sent: Day(c.SentD, loc)}
		if c.AnsweredD.Valid {
			wc.Answered = Day(c.AnsweredD.Time, loc)
		}
		ev.Consultations = append(ev.Consultations, wc)
	}
	return ev
}
