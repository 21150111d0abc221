package storage_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
	"github.com/zwgk-bot/zwgk/workflow"
)

// TestRecordRemedyOnce: a case is recorded once — a retry with its
// client key finds it, the same kind brought the same day is refused
// with the one stored — and its result once, with who and when.
func TestRecordRemedyOnce(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
	newApp := func(name string) *storage.Application {
		a := &storage.Application{Channel: "当面", ReceivedD: day(3, 2), ApplicantName: name, ApplicantType: "自然人",
			Content: "x", ProvideForm: "纸质", State: "closed", Registrar: "linxiaoyan", DueD: day(3, 30), Source: "test", CreatedAt: at}
		if err := db.WithTx(ctx, func(tx *storage.Tx) error { _, err := storage.InsertApplication(ctx, tx, a); return err }); err != nil {
			t.Fatal(err)
		}
		return a
	}
	a, other := newApp("张三"), newApp("李四")
	record := func(app *storage.Application, r storage.Remedy) (*storage.Remedy, bool, error) {
		var got *storage.Remedy
		var created bool
		err := db.WithTx(ctx, func(tx *storage.Tx) error {
			var err error
			got, created, err = storage.RecordRemedy(ctx, tx, app, &r, at)
			return err
		})
		return got, created, err
	}
	keyed := storage.Remedy{Kind: workflow.Review, FiledD: day(4, 1), Result: workflow.ResultPending, RecordedBy: "linxiaoyan",
		ClientKey: sql.NullString{String: "OA-1", Valid: true}, Note: "某区人民政府"}
	first, created, err := record(a, keyed)
	if err != nil || !created || first.ID == 0 {
		t.Fatalf("first: %+v %v %v", first, created, err)
	}
	// The retry, even with another note, returns the stored case.
	retry := keyed
	retry.Note = "改过的"
	again, created, err := record(a, retry)
	if err != nil || created || again.ID != first.ID || again.Note != "某区人民政府" {
		t.Fatalf("retry: %+v %v %v", again, created, err)
	}
	// The same key is another case on another application.
	if _, created, err := record(other, keyed); err != nil || !created {
		t.Fatalf("same key, other application: %v %v", created, err)
	}
	// The same case typed again (no key, or another key) is refused.
	dup := keyed
	dup.ClientKey = sql.NullString{}
	got, created, err := record(a, dup)
	if !errors.Is(err, storage.ErrRemedyRecorded) || created || got.ID != first.ID || got.RecordedBy != "linxiaoyan" {
		t.Fatalf("duplicate: %+v %v %v", got, created, err)
	}
	// A suit brought the same day is another case.
	suit := storage.Remedy{Kind: workflow.SuitAfterReview, FiledD: day(4, 1), Result: workflow.ResultCorrected,
		DecidedD: sql.NullTime{Time: day(6, 1), Valid: true}, RecordedBy: "chenlixin"}
	s, created, err := record(a, suit)
	if err != nil || !created || s.DecidedBy != "chenlixin" || !s.DecidedAt.Valid {
		t.Fatalf("suit: %+v %v %v", s, created, err)
	}
	rs, err := storage.Remedies(ctx, db, a.ID)
	if err != nil || len(rs) != 2 {
		t.Fatalf("remedies %+v %v", rs, err)
	}

	decide := func(app *storage.Application, id int64, result, actor string) (*storage.Remedy, error) {
		var got *storage.Remedy
		err := db.WithTx(ctx, func(tx *storage.Tx) error {
			var err error
			got, err = storage.DecideRemedyOnce(ctx, tx, app, id, result, day(5, 10), actor, at.Add(time.Hour))
			return err
		})
		return got, err
	}
	if _, err := decide(other, first.ID, workflow.ResultUpheld, "chenlixin"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("another application's case decided: %v", err)
	}
	d, err := decide(a, first.ID, workflow.ResultUpheld, "chenlixin")
	if err != nil || d.Result != workflow.ResultUpheld || d.DecidedBy != "chenlixin" || !d.DecidedAt.Valid || d.DecidedD.Time.Format(time.DateOnly) != "2026-05-10" {
		t.Fatalf("decided: %+v %v", d, err)
	}
	// The second decision is refused with the first.
	d2, err := decide(a, first.ID, workflow.ResultCorrected, "linxiaoyan")
	if !errors.Is(err, storage.ErrStale) || d2.Result != workflow.ResultUpheld || d2.DecidedBy != "chenlixin" {
		t.Fatalf("decided twice: %+v %v", d2, err)
	}
	trail, _ := storage.AuditTrail(ctx, db, storage.EntityApplication, a.Number())
	var actions []string
	for _, e := range trail {
		actions = append(actions, e.Action)
	}
	if len(actions) != 3 || actions[0] != "remedy" || actions[1] != "remedy" || actions[2] != "remedy_decided" {
		t.Fatalf("audit trail %v", actions)
	}

	// Table 四 of 2026: the 复议 upheld, the suit after review corrected;
	// the other application's 复议 still pending.
	tab, err := storage.AnnualReportTables(ctx, db, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if g := tab.T4[workflow.Review]; g != (workflow.ReviewGroup{1, 0, 0, 1, 2}) {
		t.Errorf("行政复议 %v", g)
	}
	if g := tab.T4[workflow.SuitAfterReview]; g != (workflow.ReviewGroup{0, 1, 0, 0, 1}) {
		t.Errorf("复议后起诉 %v", g)
	}
	if g := tab.T4[workflow.SuitDirect]; g != (workflow.ReviewGroup{}) {
		t.Errorf("直接起诉 %v", g)
	}
}
