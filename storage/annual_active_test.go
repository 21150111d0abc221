package storage_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
	"github.com/zwgk-bot/zwgk/workflow"
)

// A year of forms of every category, with the forms that must not count
// (published the year before or after in the bureau's zone, unpublished,
// 依申请公开) and the office's entries: every cell of table 二 is compared
// with counts made here from the seed, not by workflow.TableTwo.
func TestActiveDisclosureFigures(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	const year = 2026
	type seed struct {
		cat       workflow.InfoCategory
		repealed  bool
		decisions int
		fee       int64
		mode      workflow.Mode
		state     workflow.State
		published []time.Time // the platforms' confirmations, in the bureau's zone
	}
	in := func(m time.Month, d, h int) time.Time { return time.Date(year, m, d, h, 0, 0, 0, loc) }
	rng := rand.New(rand.NewSource(7))
	var seeds []seed
	for i := range 60 {
		cat := workflow.InfoCategories()[i%len(workflow.InfoCategories())]
		s := seed{cat: cat, mode: workflow.ModeActive, state: workflow.StatePublished,
			published: []time.Time{in(time.Month(1+rng.Intn(12)), 1+rng.Intn(28), 8+rng.Intn(10))}}
		switch {
		case cat.IsDocument():
			s.repealed = rng.Intn(3) == 0
		case cat.CountsDecisions():
			s.decisions = 1 + rng.Intn(5)
		case cat == workflow.CategoryFee:
			s.fee = int64(1 + rng.Intn(200000))
		}
		seeds = append(seeds, s)
	}
	pen := func(s seed) seed { s.cat, s.decisions = workflow.CategoryPenalty, 7; return s }
	base := pen(seed{mode: workflow.ModeActive, state: workflow.StatePublished})
	with := func(s seed, f func(*seed)) seed { f(&s); return s }
	seeds = append(seeds,
		// First platform in the year before, the last at 00:30 of 1 January:
		// published this year.
		with(base, func(s *seed) { s.published = []time.Time{in(1, 1, -2), in(1, 1, 0).Add(30 * time.Minute)} }),
		// The last platform after midnight of 31 December: next year's.
		with(base, func(s *seed) { s.published = []time.Time{in(12, 31, 20), in(12, 31, 24).Add(10 * time.Minute)} }),
		// Published the year before.
		with(base, func(s *seed) { s.published = []time.Time{in(12, 31, -24*365)} }),
		// Still publishing: one platform of two confirmed this year.
		with(base, func(s *seed) { s.state, s.published = workflow.StatePublishing, []time.Time{in(6, 1, 10)} }),
		// Withdrawn, never published.
		with(base, func(s *seed) { s.state = workflow.StateWithdrawn }),
		// 依申请公开: no row of table 二, whatever its columns hold.
		with(base, func(s *seed) { s.mode = workflow.ModeRequest; s.published = []time.Time{in(3, 3, 10)} }),
	)
	entries := []storage.ActiveEntry{
		{Year: year, Cell: string(workflow.CellPenalty), Value: 30, EnteredBy: "office1", EnteredAt: in(1, 10, 9), Reason: "2026年1至11月在原系统办理"},
		{Year: year, Cell: string(workflow.CellPenalty), Value: 35, EnteredBy: "office2", EnteredAt: in(1, 11, 9), Reason: "更正：漏计5件"},
		{Year: year, Cell: string(workflow.CellNormativeInForceAt), Value: 40, EnteredBy: "office1", EnteredAt: in(1, 10, 9), Reason: "2025年度报告现行有效件数"},
		{Year: year, Cell: string(workflow.CellRegulationInForceAt), Value: 3, EnteredBy: "office1", EnteredAt: in(1, 10, 9), Reason: "2025年度报告"},
		{Year: year, Cell: string(workflow.CellFee), Value: 12345, EnteredBy: "office1", EnteredAt: in(1, 10, 9), Reason: "原系统收费"},
		{Year: year, Cell: string(workflow.CellLicensing), Value: 4, EnteredBy: "office1", EnteredAt: in(1, 10, 9), Reason: "窗口办理"},
		{Year: year - 1, Cell: string(workflow.CellEnforcement), Value: 99, EnteredBy: "office1", EnteredAt: in(1, 10, 9), Reason: "上一年度"},
	}
	err = db.WithTx(ctx, func(tx *storage.Tx) error {
		for i, s := range seeds {
			f := &storage.Form{Year: year, Seq: i + 1, Version: 1, State: string(s.state), Section: "法规科", Submitter: "staff",
				Title: fmt.Sprintf("审批单%d", i+1), Summary: "简要内容", FormedOn: in(1, 1, 0), Mode: string(s.mode), Column: "环境保护",
				Platforms: []string{"政府网站", "三务公开"}, Assignees: []string{}, CreatedAt: in(1, 1, 0),
				Category: string(s.cat), Repealed: s.repealed, Decisions: s.decisions, FeeYuan: s.fee}
			if _, err := storage.InsertForm(ctx, tx, f); err != nil {
				return err
			}
			for j, at := range s.published {
				p := storage.Publication{FormID: f.ID, Platform: f.Platforms[j], PublishedBy: "pub", PublishedAt: at}
				if _, err := storage.InsertPublication(ctx, tx, p); err != nil {
					return err
				}
			}
		}
		for _, e := range entries {
			if _, err := storage.AddActiveEntry(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// The counts, from the seed.
	want := map[workflow.TableTwoCell]int64{}
	yearStart, yearEnd := in(1, 1, 0), in(1, 1, 0).AddDate(1, 0, 0)
	counted := 0
	for _, s := range seeds {
		last := time.Time{}
		for _, at := range s.published {
			if at.After(last) {
				last = at
			}
		}
		if s.state != workflow.StatePublished || s.mode != workflow.ModeActive || last.Before(yearStart) || !last.Before(yearEnd) {
			continue
		}
		counted++
		switch s.cat {
		case workflow.CategoryRegulation:
			if s.repealed {
				want[workflow.CellRegulationRepealed]++
			} else {
				want[workflow.CellRegulationMade]++
			}
		case workflow.CategoryNormative:
			if s.repealed {
				want[workflow.CellNormativeRepealed]++
			} else {
				want[workflow.CellNormativeMade]++
			}
		case workflow.CategoryLicensing:
			want[workflow.CellLicensing] += int64(s.decisions)
		case workflow.CategoryPenalty:
			want[workflow.CellPenalty] += int64(s.decisions)
		case workflow.CategoryEnforcement:
			want[workflow.CellEnforcement] += int64(s.decisions)
		case workflow.CategoryFee:
			want[workflow.CellFee] += s.fee
		}
	}
	if counted != 61 {
		t.Fatalf("the seed counts %d forms in %d, want the 60 of the year and the one of 1 January", counted, year)
	}
	// The office's latest entry of each cell of the year adds to it.
	want[workflow.CellPenalty] += 35
	want[workflow.CellNormativeInForceAt] += 40
	want[workflow.CellRegulationInForceAt] += 3
	want[workflow.CellFee] += 12345
	want[workflow.CellLicensing] += 4

	got, err := storage.ActiveDisclosureFigures(ctx, db, year, loc)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range workflow.TableTwoCells() {
		if n := got.Cell(c).Total(); n != want[c] {
			t.Errorf("%s = %d, want %d", c.Label(), n, want[c])
		}
	}
	if n, w := got.Normative.InForce(), want[workflow.CellNormativeInForceAt]+want[workflow.CellNormativeMade]-want[workflow.CellNormativeRepealed]; n != w {
		t.Errorf("行政规范性文件 现行有效件数 = %d, want %d", n, w)
	}
	if n, w := got.Regulation.InForce(), want[workflow.CellRegulationInForceAt]+want[workflow.CellRegulationMade]-want[workflow.CellRegulationRepealed]; n != w {
		t.Errorf("规章 现行有效件数 = %d, want %d", n, w)
	}
	if e := got.Penalty.Entry; e.EnteredBy != "office2" || e.Reason != "更正：漏计5件" {
		t.Errorf("the penalty's entry is %+v, want the latest", e)
	}
	if got.Enforcement.Entered {
		t.Errorf("the year before's entry counts: %+v", got.Enforcement)
	}

	// The year after holds the form of 00:10 on 1 January, nothing else.
	next, err := storage.ActiveDisclosureFigures(ctx, db, year+1, loc)
	if err != nil {
		t.Fatal(err)
	}
	if next.Penalty.Total() != 7 || len(next.Forms) != 1 {
		t.Errorf("%d: penalty %d, forms %v", year+1, next.Penalty.Total(), next.Forms)
	}

	// Every entry is in the audit log with who and why.
	trail, err := storage.AuditTrail(ctx, db, storage.EntityAnnualActive, fmt.Sprint(year))
	if err != nil {
		t.Fatal(err)
	}
	if len(trail) != 6 {
		t.Fatalf("%d audit entries for %d, want 6", len(trail), year)
	}
	for i, a := range trail {
		var d struct {
			Cell, Reason string
			Value        int64
		}
		if err := json.Unmarshal(a.Detail, &d); err != nil {
			t.Fatal(err)
		}
		if a.Actor != entries[i].EnteredBy || d.Reason != entries[i].Reason || d.Cell != entries[i].Cell || d.Value != entries[i].Value {
			t.Errorf("audit %d: %s %s, want %+v", i, a.Actor, a.Detail, entries[i])
		}
	}
}

// An entry without its reason, of a cell not of the table, or negative is
// refused by the database itself.
func TestActiveEntryRefused(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	for _, e := range []storage.ActiveEntry{
		{Year: 2026, Cell: string(workflow.CellPenalty), Value: 3, EnteredBy: "office1", EnteredAt: time.Now()},
		{Year: 2026, Cell: "penalty", Value: 3, EnteredBy: "office1", EnteredAt: time.Now(), Reason: "理由"},
		{Year: 2026, Cell: string(workflow.CellPenalty), Value: -3, EnteredBy: "office1", EnteredAt: time.Now(), Reason: "理由"},
	} {
		err := db.WithTx(ctx, func(tx *storage.Tx) error {
			_, err := storage.AddActiveEntry(ctx, tx, e)
			return err
		})
		if err == nil {
			t.Errorf("entry %+v stored", e)
		}
	}
}
