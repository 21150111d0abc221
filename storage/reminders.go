package storage

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// jobLockClass is the first key of the two-key advisory locks that keep a
// job to one replica at a time. Two-key locks never collide with the
// one-key migration lock.
const jobLockClass = 0x7a776a62 // "zwjb"

// TryJobLock takes the transaction-scoped advisory lock of job, or reports
// false at once when another transaction (another replica) holds it. The
// lock ends with the transaction, so it covers exactly the reminder keys
// and outbox rows the run writes.
func TryJobLock(ctx context.Context, tx *Tx, job string) (bool, error) {
	h := fnv.New32a()
	h.Write([]byte(job))
	var ok bool
	if err := tx.GetContext(ctx, &ok, `SELECT pg_try_advisory_xact_lock($1, $2)`, jobLockClass, int32(h.Sum32())); err != nil {
		return false, fmt.Errorf("lock job %s: %w", job, err)
	}
	return ok, nil
}

// ClaimReminder records the reminder key (job, entity, slot). It returns
// true when the key is new, false when that reminder was queued before.
// Call it in the transaction that queues the reminder's outbox rows.
func ClaimReminder(ctx context.Context, tx *Tx, job, entity, slot string, recipients []string) (bool, error) {
	if recipients == nil {
		recipients = []string{}
	}
	res, err := tx.ExecContext(ctx, `
		INSERT INTO reminders (job, entity, slot, recipients) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, job, entity, slot, pq.StringArray(recipients))
	if err != nil {
		return false, fmt.Errorf("claim reminder %s/%s/%s: %w", job, entity, slot, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ReminderKey is one reminder of a job: its entity, slot and recipients.
type ReminderKey struct {
	Entity, Slot string
	Recipients   []string
}

// claimChunk bounds the keys of one statement.
const claimChunk = 5000

// ClaimReminders is ClaimReminder for many keys of one job at once, a
// statement per few thousand keys instead of one per key: a job over tens
// of thousands of orders stays a fraction of a second. fresh[i] reports
// whether keys[i] is new. Userids never contain "|" (the outbox joins
// recipients with it too), which carries each key's recipients in one
// text array element.
func ClaimReminders(ctx context.Context, tx *Tx, job string, keys []ReminderKey) ([]bool, error) {
	fresh := make([]bool, len(keys))
	for start := 0; start < len(keys); start += claimChunk {
		chunk := keys[start:min(start+claimChunk, len(keys))]
		entities, slots, recipients := make([]string, len(chunk)), make([]string, len(chunk)), make([]string, len(chunk))
		at := make(map[[2]string]int, len(chunk))
		for i, k := range chunk {
			entities[i], slots[i], recipients[i] = k.Entity, k.Slot, strings.Join(k.Recipients, "|")
			at[[2]string{k.Entity, k.Slot}] = start + i
		}
		var got []struct {
			Entity string `db:"entity"`
			Slot   string `db:"slot"`
		}
		err := tx.SelectContext(ctx, &got, `
			INSERT INTO reminders (job, entity, slot, recipients)
			SELECT $1, e, s, CASE WHEN r = '' THEN '{}'::text[] ELSE string_to_array(r, '|') END
			FROM unnest($2::text[], $3::text[], $4::text[]) AS u(e, s, r)
			ON CONFLICT DO NOTHING
			RETURNING entity, slot`, job, pq.StringArray(entities), pq.StringArray(slots), pq.StringArray(recipients))
		if err != nil {
			return nil, fmt.Errorf("claim %d reminders of %s: %w", len(chunk), job, err)
		}
		for _, g := range got {
			fresh[at[[2]string{g.Entity, g.Slot}]] = true
		}
	}
	return fresh, nil
}

// ReminderQueued reports whether the reminder key (job, entity, slot) was
// claimed before.
func ReminderQueued(ctx context.Context, q sqlx.QueryerContext, job, entity, slot string) (bool, error) {
	var ok bool
	err := sqlx.GetContext(ctx, q, &ok, `
		SELECT EXISTS (SELECT 1 FROM reminders WHERE job = $1 AND entity = $2 AND slot = $3)`, job, entity, slot)
	if err != nil {
		return false, fmt.Errorf("reminder %s/%s/%s: %w", job, entity, slot, err)
	}
	return ok, nil
}

// Reminder is a row of reminders.
type Reminder struct {
	Job        string         `db:"job"`
	Entity     string         `db:"entity"`
	Slot       string         `db:"slot"`
	Recipients pq.StringArray `db:"recipients"`
	CreatedAt  time.Time      `db:"created_at"`
}

// Reminders lists the reminders of job ("" for all), oldest first.
func Reminders(ctx context.Context, q sqlx.QueryerContext, job string) ([]Reminder, error) {
	var out []Reminder
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT job, entity, slot, recipients, created_at FROM reminders
		WHERE $1 = '' OR job = $1 ORDER BY created_at, job, entity, slot`, job)
	if err != nil {
		return nil, fmt.Errorf("reminders of %q: %w", job, err)
	}
	return out, nil
}

// Run statuses and triggers of job_runs.
const (
	RunDone    = "done"
	RunSkipped = "skipped" // the slot was too old when it was first looked at
	RunFailed  = "failed"

	TriggerCron    = "cron"
	TriggerStartup = "startup"
	TriggerCatchUp = "catchup"
	TriggerManual  = "manual"
)

// JobRun is a row of job_runs.
type JobRun struct {
	ID         int64     `db:"id"`
	Job        string    `db:"job"`
	Slot       time.Time `db:"slot"`
	RunAt      time.Time `db:"run_at"`
	Trigger    string    `db:"trigger"`
	Status     string    `db:"status"`
	StartedAt  time.Time `db:"started_at"`
	FinishedAt time.Time `db:"finished_at"`
	Queued     int       `db:"queued"`
	Detail     string    `db:"detail"`
}

// SlotDone reports whether the slot of job was run or skipped by a
// scheduled trigger (manual runs do not count).
func SlotDone(ctx context.Context, q sqlx.QueryerContext, job string, slot time.Time) (bool, error) {
	var ok bool
	err := sqlx.GetContext(ctx, q, &ok, `
		SELECT EXISTS (SELECT 1 FROM job_runs
		WHERE job = $1 AND slot = $2 AND status IN ('done', 'skipped') AND trigger <> 'manual')`, job, slot)
	if err != nil {
		return false, fmt.Errorf("job %s slot %s: %w", job, slot.Format(time.RFC3339), err)
	}
	return ok, nil
}

// RecordRun stores a run. A second done or skipped run of the same slot by
// a scheduled trigger is not stored and returns false; the caller holds the
// job's lock, so that only happens when the caller did not check SlotDone.
func RecordRun(ctx context.Context, q sqlx.ExtContext, r JobRun) (bool, error) {
	res, err := q.ExecContext(ctx, `
		INSERT INTO job_runs (job, slot, run_at, trigger, status, started_at, finished_at, queued, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (job, slot) WHERE status IN ('done', 'skipped') AND trigger <> 'manual' DO NOTHING`,
		r.Job, r.Slot, r.RunAt, r.Trigger, r.Status, r.StartedAt, r.FinishedAt, r.Queued, r.Detail)
	if err != nil {
		return false, fmt.Errorf("record run of %s: %w", r.Job, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// JobRuns lists the runs of job ("" for all), oldest first.
func JobRuns(ctx context.Context, q sqlx.QueryerContext, job string) ([]JobRun, error) {
	var out []JobRun
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT id, job, slot, run_at, trigger, status, started_at, finished_at, queued, detail FROM job_runs
		WHERE $1 = '' OR job = $1 ORDER BY id`, job)
	if err != nil {
		return nil, fmt.Errorf("runs of %q: %w", job, err)
	}
	return out, nil
}

// OpenForms lists the forms still in progress (审核中, 待发布, 已驳回 and
// not yet resubmitted or withdrawn), oldest first: what the reminders are
// about. A district bureau has tens of them, never thousands.
func OpenForms(ctx context.Context, q sqlx.QueryerContext) ([]Form, error) {
	var out []Form
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT `+formCols+` FROM forms WHERE state IN ('review', 'publishing', 'rejected') ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("open forms: %w", err)
	}
	return out, nil
}

// FormsCreatedBetween lists the forms first submitted in (from, to],
// oldest first.
func FormsCreatedBetween(ctx context.Context, q sqlx.QueryerContext, from, to time.Time) ([]Form, error) {
	var out []Form
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT `+formCols+` FROM forms WHERE created_at > $1 AND created_at <= $2 ORDER BY id`, from, to)
	if err != nil {
		return nil, fmt.Errorf("forms created since %s: %w", from.Format(time.RFC3339), err)
	}
	return out, nil
}

// SetFormDeadline fills in the 主动公开 deadline of a form that had none
// because the calendar lacked the year when it was submitted. It applies
// only to that version and only while the deadline is still empty;
// ErrStale otherwise.
func SetFormDeadline(ctx context.Context, tx *Tx, id int64, version int, deadline time.Time) error {
	res, err := tx.ExecContext(ctx, `
		UPDATE forms SET deadline = $3 WHERE id = $1 AND version = $2 AND deadline IS NULL`, id, version, deadline)
	if err != nil {
		return fmt.Errorf("set deadline of form %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrStale
	}
	return nil
}

// AnnualReport records that the 年度报告 on Year was published (and
// submitted). Problems are the checks that failed when the office
// confirmed publishing anyway, for OverrideReason.
type AnnualReport struct {
	Year           int            `db:"year"`
	DoneBy         string         `db:"done_by"`
	DoneAt         time.Time      `db:"done_at"`
	Problems       pq.StringArray `db:"problems"`
	OverrideReason string         `db:"override_reason"`
}

// MarkAnnualReport records the report on r.Year as done. When it was
// already, it returns false and the earlier record.
func MarkAnnualReport(ctx context.Context, tx *Tx, r AnnualReport) (bool, *AnnualReport, error) {
	if r.Problems == nil {
		r.Problems = pq.StringArray{} // pq writes a nil array as NULL
	}
	res, err := tx.ExecContext(ctx, `
		INSERT INTO annual_reports (year, done_by, done_at, problems, override_reason)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
		r.Year, r.DoneBy, r.DoneAt, r.Problems, r.OverrideReason)
	if err != nil {
		return false, nil, fmt.Errorf("mark annual report %d: %w", r.Year, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, &r, nil
	}
	prev, err := GetAnnualReport(ctx, tx, r.Year)
	return false, prev, err
}

// GetAnnualReport returns the record of the report on year; ErrNotFound
// while it is not done.
func GetAnnualReport(ctx context.Context, q sqlx.QueryerContext, year int) (*AnnualReport, error) {
	var r AnnualReport
	err := sqlx.GetContext(ctx, q, &r, `
		SELECT year, done_by, done_at, problems, override_reason FROM annual_reports WHERE year = $1`, year)
	if err != nil {
		return nil, fmt.Errorf("annual report %d: %w", year, mapErr(err))
	}
	return &r, nil
}

// Meeting is a recorded 政务公开专题工作会议.
type Meeting struct {
	ID         int64     `db:"id"`
	HeldOn     time.Time `db:"held_on"`
	Topic      string    `db:"topic"`
	RecordedBy string    `db:"recorded_by"`
	RecordedAt time.Time `db:"recorded_at"`
}

// InsertMeeting records a meeting and returns its id. HeldOn's calendar
// date (in its own location) is what is stored.
func InsertMeeting(ctx context.Context, tx *Tx, m Meeting) (int64, error) {
	var id int64
	err := tx.GetContext(ctx, &id, `
		INSERT INTO work_meetings (held_on, topic, recorded_by, recorded_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		m.HeldOn.Format(time.DateOnly), m.Topic, m.RecordedBy, m.RecordedAt)
	if err != nil {
		return 0, fmt.Errorf("insert meeting: %w", err)
	}
	return id, nil
}

// MeetingsIn lists the meetings held in year, by date.
func MeetingsIn(ctx context.Context, q sqlx.QueryerContext, year int) ([]Meeting, error) {
	var out []Meeting
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT id, held_on, topic, recorded_by, recorded_at FROM work_meetings
		WHERE held_on >= make_date($1, 1, 1) AND held_on < make_date($1 + 1, 1, 1) ORDER BY held_on, id`, year)
	if err != nil {
		return nil, fmt.Errorf("meetings of %d: %w", year, err)
	}
	return out, nil
}
