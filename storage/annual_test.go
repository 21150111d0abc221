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

// TestAnnualFiguresOnlyForTheirCells: the office may enter 二、上年结转 per
// applicant column and table 四's result cells, nothing else, and always
// with a reason.
func TestAnnualFiguresOnlyForTheirCells(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	at := time.Date(2027, 1, 5, 9, 0, 0, 0, time.UTC)
	good := storage.AnnualFigure{Year: 2026, Table: storage.AnnualTable3, Row: "carried_in", Column: "科研机构", Value: 1, EnteredBy: "linxiaoyan", Reason: "台账", EnteredAt: at}
	bad := map[string]func(*storage.AnnualFigure){
		"another row of 三": func(f *storage.AnnualFigure) { f.Row = "new" },
		"the 总计 column":    func(f *storage.AnnualFigure) { f.Column = "总计" },
		"no reason":        func(f *storage.AnnualFigure) { f.Reason = "" },
		"nobody":           func(f *storage.AnnualFigure) { f.EnteredBy = "" },
		"negative":         func(f *storage.AnnualFigure) { f.Value = -1 },
		"table 四's 总计": func(f *storage.AnnualFigure) {
			f.Table, f.Row, f.Column = storage.AnnualTable4, workflow.Review, "total"
		},
		"table 四 no group": func(f *storage.AnnualFigure) {
			f.Table, f.Row, f.Column = storage.AnnualTable4, "petition", workflow.ResultUpheld
		},
		"a table of its own": func(f *storage.AnnualFigure) { f.Table = "t2" },
	}
	for name, change := range bad {
		f := good
		change(&f)
		err := db.WithTx(ctx, func(tx *storage.Tx) error { return storage.SetAnnualFigure(ctx, tx, f) })
		if !errors.Is(err, storage.ErrAnnualFigure) {
			t.Errorf("%s: %v, want ErrAnnualFigure", name, err)
		}
	}
	t4 := storage.AnnualFigure{Year: 2026, Table: storage.AnnualTable4, Row: workflow.SuitDirect, Column: workflow.ResultPending, Value: 0, EnteredBy: "linxiaoyan", Reason: "核对", EnteredAt: at}
	for _, f := range []storage.AnnualFigure{good, t4} {
		if err := db.WithTx(ctx, func(tx *storage.Tx) error { return storage.SetAnnualFigure(ctx, tx, f) }); err != nil {
			t.Fatal(err)
		}
	}
	fs, err := storage.AnnualFigures(ctx, db, 2026)
	if err != nil || len(fs) != 2 {
		t.Fatalf("figures %+v, %v", fs, err)
	}
	if err := db.WithTx(ctx, func(tx *storage.Tx) error { return storage.ClearAnnualFigure(ctx, tx, good) }); err != nil {
		t.Fatal(err)
	}
	err = db.WithTx(ctx, func(tx *storage.Tx) error { return storage.ClearAnnualFigure(ctx, tx, good) })
	if !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("clearing twice: %v", err)
	}
	trail, _ := storage.AuditTrail(ctx, db, storage.EntityAnnualReport, "2026")
	if len(trail) != 3 || trail[2].Action != "clear_figure" {
		t.Fatalf("audit trail %+v", trail)
	}
}

// TestRemedyDecidedOnce: a 复议 is decided once; its result and day go
// together (the table's constraint).
func TestRemedyDecidedOnce(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	at := time.Date(2026, 5, 5, 9, 0, 0, 0, time.UTC)
	a := &storage.Application{Channel: "当面", ReceivedD: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), ApplicantName: "张三", ApplicantType: "自然人",
		Content: "x", ProvideForm: "纸质", State: "registered", Registrar: "linxiaoyan", DueD: time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC), Source: "test", CreatedAt: at}
	r := &storage.Remedy{Kind: workflow.Review, FiledD: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), Result: workflow.ResultPending, RecordedBy: "linxiaoyan"}
	err := db.WithTx(ctx, func(tx *storage.Tx) error {
		if _, err := storage.InsertApplication(ctx, tx, a); err != nil {
			return err
		}
		r.ApplicationID = a.ID
		return storage.InsertRemedy(ctx, tx, r, a.Number(), at)
	})
	if err != nil {
		t.Fatal(err)
	}
	decide := func() error {
		return db.WithTx(ctx, func(tx *storage.Tx) error {
			return storage.DecideRemedy(ctx, tx, r.ID, workflow.ResultUpheld, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), "linxiaoyan", a.Number(), at)
		})
	}
	if err := decide(); err != nil {
		t.Fatal(err)
	}
	if err := decide(); !errors.Is(err, storage.ErrStale) {
		t.Fatalf("second decision: %v", err)
	}
	rs, err := storage.Remedies(ctx, db, a.ID)
	if err != nil || len(rs) != 1 || rs[0].Result != workflow.ResultUpheld || !rs[0].DecidedD.Valid {
		t.Fatalf("remedies %+v, %v", rs, err)
	}
	bad := &storage.Remedy{ApplicationID: a.ID, Kind: workflow.Review, FiledD: r.FiledD, Result: workflow.ResultUpheld, RecordedBy: "x"}
	err = db.WithTx(ctx, func(tx *storage.Tx) error { return storage.InsertRemedy(ctx, tx, bad, a.Number(), at) })
	if err == nil {
		t.Fatal("a result without its day was stored")
	}
	bad.Result, bad.DecidedD = workflow.ResultPending, sql.NullTime{Time: r.FiledD, Valid: true}
	if err := db.WithTx(ctx, func(tx *storage.Tx) error { return storage.InsertRemedy(ctx, tx, bad, a.Number(), at) }); err == nil {
		t.Fatal("a pending case with a decision day was stored")
	}
	trail, _ := storage.AuditTrail(ctx, db, storage.EntityApplication, a.Number())
	if len(trail) != 2 || trail[0].Action != "remedy" || trail[1].Action != "remedy_decided" {
		t.Fatalf("audit trail %+v", trail)
	}
}
