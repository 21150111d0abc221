package office_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/office"
	"github.com/zwgk-bot/zwgk/storage"
)

var (
	officeMember = config.Person{UserID: "chenlixin", Name: "陈立新", Roles: []config.Role{config.RoleOffice}}
	leader       = config.Person{UserID: "zhouzhenhua", Name: "周振华", Roles: []config.Role{config.RoleLeader}}
	staffMember  = config.Person{UserID: "lina", Name: "李娜", Section: "综合一股"}
)

// TestRecordPublished: the rules of 已发布 the chat and the desk share —
// the office only, an ended year only, refused while a check fails until
// confirmed with a good reason (kept with the problems), once.
func TestRecordPublished(t *testing.T) {
	t.Parallel()
	f, db, _ := annualServer(t, "")
	ctx := context.Background()
	record := func(p config.Person, year int, confirm bool, reason string) office.PublishResult {
		t.Helper()
		var res office.PublishResult
		if err := db.WithTx(ctx, func(tx *storage.Tx) error {
			var err error
			res, err = f.RecordPublished(ctx, tx, p, year, today, confirm, reason)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return res
	}
	if !f.MayReadAnnual(leader) || f.MayEditAnnual(leader) || f.MayReadAnnual(staffMember) || !f.MayEditAnnual(officeMember) {
		t.Error("who may read and edit the report")
	}
	if res := record(leader, 2025, false, ""); res.Outcome != office.PublishNotAllowed {
		t.Errorf("the leader: %v", res.Outcome)
	}
	if res := record(officeMember, 2026, false, ""); res.Outcome != office.PublishYearOpen {
		t.Errorf("this year: %v", res.Outcome)
	}
	// An office figure the register does not balance with.
	if err := db.WithTx(ctx, func(tx *storage.Tx) error {
		return storage.SetAnnualFigure(ctx, tx, storage.AnnualFigure{Year: 2025, Table: storage.AnnualTable3, Row: "carried_in", Column: "自然人",
			Value: 2, EnteredBy: "chenlixin", Reason: "原系统台账", EnteredAt: today})
	}); err != nil {
		t.Fatal(err)
	}
	if res := record(officeMember, 2025, false, "理由不算，未确认"); res.Outcome != office.PublishChecksFail || len(res.Problems) != 2 {
		t.Errorf("checks failing, not confirmed: %v %q", res.Outcome, res.Problems)
	}
	if res := record(officeMember, 2025, true, "  "); res.Outcome != office.PublishNoReason {
		t.Errorf("confirmed without a reason: %v", res.Outcome)
	}
	if res := record(officeMember, 2025, true, strings.Repeat("长", 201)); res.Outcome != office.PublishBadReason || !strings.Contains(res.Problem, "1至200字") {
		t.Errorf("a long reason: %v %q", res.Outcome, res.Problem)
	}
	if res := record(officeMember, 2025, true, "表情😀"); res.Outcome != office.PublishBadReason || res.Problem == "" {
		t.Errorf("an emoji in the reason: %v %q", res.Outcome, res.Problem)
	}
	if _, err := storage.GetAnnualReport(ctx, db, 2025); err == nil {
		t.Fatal("a refusal recorded the report")
	}
	res := record(officeMember, 2025, true, " 以原系统台账为准 ")
	if res.Outcome != office.Published || res.Record.OverrideReason != "以原系统台账为准" {
		t.Fatalf("confirmed with a reason: %v %+v", res.Outcome, res.Record)
	}
	rec, err := storage.GetAnnualReport(ctx, db, 2025)
	if err != nil || rec.DoneBy != "chenlixin" || rec.OverrideReason != "以原系统台账为准" || len(rec.Problems) != 2 || !rec.DoneAt.Equal(today) {
		t.Fatalf("the record: %+v %v", rec, err)
	}
	if res := record(officeMember, 2025, true, "再来一次"); res.Outcome != office.PublishedBefore || res.Record.OverrideReason != "以原系统台账为准" {
		t.Errorf("again: %v %+v", res.Outcome, res.Record)
	}
	var audits int
	if err := db.GetContext(ctx, &audits, `SELECT count(*) FROM audit_log WHERE action = 'annual_report_done' AND entity_id = '2025'`); err != nil {
		t.Fatal(err)
	}
	if audits != 1 {
		t.Errorf("%d audit entries, want 1", audits)
	}
	// A balanced year records without a reason, and keeps none given.
	if res := record(officeMember, 2024, false, "多余的理由"); res.Outcome != office.Published || res.Record.OverrideReason != "" {
		t.Errorf("a balanced year: %v %+v", res.Outcome, res.Record)
	}
}

// TestSaveText: the desk's save of a section — checked as the CLI checks
// it, refused from a stale version naming the newer one, the same text or
// a restored draft stores nothing whatever the version.
func TestSaveText(t *testing.T) {
	t.Parallel()
	f, db, _ := annualServer(t, "")
	ctx := context.Background()
	at := today
	save := func(p config.Person, body string, restore bool, seen int64) office.TextResult {
		t.Helper()
		at = at.Add(time.Minute)
		var res office.TextResult
		if err := db.WithTx(ctx, func(tx *storage.Tx) error {
			var err error
			res, err = f.SaveText(ctx, tx, p, 2026, "五", body, restore, seen, at)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return res
	}
	versions := func() []storage.AnnualText {
		t.Helper()
		vs, err := storage.AnnualTextVersions(ctx, db, 2026, "五")
		if err != nil {
			t.Fatal(err)
		}
		return vs
	}
	if res := save(leader, "领导的文本。", false, 0); res.Outcome != office.TextNotAllowed {
		t.Errorf("the leader: %v", res.Outcome)
	}
	for _, bad := range []string{" \r\n ", "含\x00字", strings.Repeat("字", storage.MaxAnnualText+1)} {
		if res := save(officeMember, bad, false, 0); res.Outcome != office.TextBad || res.Problem == "" {
			t.Errorf("%.10q: %v", bad, res.Outcome)
		}
	}
	if res := save(officeMember, "", true, 0); res.Outcome != office.TextUnchanged {
		t.Errorf("restoring a draft: %v", res.Outcome)
	}
	if res := save(officeMember, "第一稿。\r\n", false, 0); res.Outcome != office.TextSaved {
		t.Fatalf("the first text: %v", res.Outcome)
	}
	first := versions()[0].ID
	if res := save(officeMember, "第一稿。", false, 0); res.Outcome != office.TextUnchanged {
		t.Errorf("the same text from a stale page: %v", res.Outcome)
	}
	if res := save(officeMember, "另一稿。", false, 0); res.Outcome != office.TextStale || res.Current.ID != first || res.Current.EnteredBy != "chenlixin" {
		t.Errorf("a stale page: %v %+v", res.Outcome, res.Current)
	}
	if res := save(officeMember, "", true, 0); res.Outcome != office.TextStale {
		t.Errorf("restoring from a stale page: %v", res.Outcome)
	}
	if res := save(officeMember, "第二稿。", false, first); res.Outcome != office.TextSaved {
		t.Errorf("a save from the current version: %v", res.Outcome)
	}
	vs := versions()
	if res := save(officeMember, "", true, vs[len(vs)-1].ID); res.Outcome != office.TextSaved {
		t.Errorf("restoring: %v", res.Outcome)
	}
	vs = versions()
	if len(vs) != 3 || vs[0].Body != "第一稿。" || vs[1].Body != "第二稿。" || !vs[2].Cleared {
		t.Errorf("versions: %+v", vs)
	}
	// After a restore, a page loaded before it is stale too.
	if res := save(officeMember, "第三稿。", false, vs[1].ID); res.Outcome != office.TextStale || !res.Current.Cleared {
		t.Errorf("a page from before the restore: %v %+v", res.Outcome, res.Current)
	}
}
