package workflow

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTableTwo(t *testing.T) {
	t.Parallel()
	day := func(d int) time.Time { return time.Date(2027, 1, d, 9, 0, 0, 0, time.UTC) }
	rec := func(fc FormCategory) ActiveRecord { return ActiveRecord{FormCategory: fc} }
	records := []ActiveRecord{
		rec(FormCategory{}), rec(FormCategory{Category: CategoryOther}),
		rec(FormCategory{Category: CategoryNormative}), rec(FormCategory{Category: CategoryNormative}),
		rec(FormCategory{Category: CategoryNormative, Repealed: true}),
		rec(FormCategory{Category: CategoryRegulation, Repealed: true}),
		rec(FormCategory{Category: CategoryPenalty, Decisions: 3}), rec(FormCategory{Category: CategoryPenalty, Decisions: 1}),
		rec(FormCategory{Category: CategoryLicensing, Decisions: 2}),
		rec(FormCategory{Category: CategoryEnforcement}), // no count stored: one decision
		rec(FormCategory{Category: CategoryFee, FeeYuan: 125000}), rec(FormCategory{Category: CategoryFee, FeeYuan: 3}),
	}
	cases := []struct {
		name    string
		entries []ManualFigure
		want    map[TableTwoCell]int64 // totals; the rest 0
		inForce [2]int64               // 规章, 规范性文件
		problem string
	}{
		{"records alone", nil,
			map[TableTwoCell]int64{CellNormativeMade: 2, CellNormativeRepealed: 1, CellRegulationRepealed: 1, CellPenalty: 4, CellLicensing: 2, CellEnforcement: 1, CellFee: 125003},
			[2]int64{-1, 1}, "规章 现行有效件数为-1（上年末0 + 本年制发0 − 本年废止1），请录入规章 上年末现行有效件数"},
		{"with the office's entries, the latest of a cell counting",
			[]ManualFigure{
				{Cell: CellPenalty, Value: 30, EnteredAt: day(5)},
				{Cell: CellPenalty, Value: 35, EnteredAt: day(6), Reason: "更正"},
				{Cell: CellPenalty, Value: 20, EnteredAt: day(4)}, // older, listed later
				{Cell: CellRegulationInForceAt, Value: 2, EnteredAt: day(5)},
				{Cell: CellNormativeInForceAt, Value: 10, EnteredAt: day(5)},
				{Cell: CellNormativeMade, Value: 1, EnteredAt: day(5)},
				{Cell: CellFee, Value: 5000, EnteredAt: day(5)},
				{Cell: CellLicensing, Value: 0, EnteredAt: day(5)},
				{Cell: "unknown", Value: 9, EnteredAt: day(5)},
			},
			map[TableTwoCell]int64{CellNormativeMade: 3, CellNormativeRepealed: 1, CellRegulationRepealed: 1, CellPenalty: 39, CellLicensing: 2, CellEnforcement: 1, CellFee: 130003,
				CellRegulationInForceAt: 2, CellNormativeInForceAt: 10},
			[2]int64{1, 12}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := TableTwo(records, c.entries)
			for _, cell := range TableTwoCells() {
				if f := got.Cell(cell); f.Total() != c.want[cell] {
					t.Errorf("%s = %d (records %d, entered %d), want %d", cell.Label(), f.Total(), f.Records, f.Manual, c.want[cell])
				}
			}
			if got.Regulation.InForce() != c.inForce[0] || got.Normative.InForce() != c.inForce[1] {
				t.Errorf("现行有效 %d, %d; want %v", got.Regulation.InForce(), got.Normative.InForce(), c.inForce)
			}
			if p := strings.Join(got.Problems(), "；"); p != c.problem {
				t.Errorf("Problems %q, want %q", p, c.problem)
			}
			if got.Forms[CategoryOther] != 2 || got.Forms[CategoryPenalty] != 2 || got.Forms[CategoryFee] != 2 {
				t.Errorf("forms by category %v", got.Forms)
			}
		})
	}
	got := TableTwo(records, cases[1].entries)
	if e := got.Penalty.Entry; e.Value != 35 || e.Reason != "更正" || got.Penalty.Records != 4 {
		t.Errorf("penalty %+v", got.Penalty)
	}
	if got.FeeWan() != "13.0003" {
		t.Errorf("FeeWan %q", got.FeeWan())
	}
	if !got.Licensing.Entered || got.Licensing.Total() != 2 || got.Enforcement.Entered {
		t.Errorf("an entered 0 or no entry: %+v %+v", got.Licensing, got.Enforcement)
	}
}

func TestParseTableTwoCell(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		cell TableTwoCell
		rest []string
	}{
		{"行政处罚 35 理由：原系统", CellPenalty, []string{"35", "理由：原系统"}},
		{"许可 2", CellLicensing, []string{"2"}},
		{"强制 0", CellEnforcement, []string{"0"}},
		{"收费 12.5", CellFee, []string{"12.5"}},
		{"规范性文件 制发 3", CellNormativeMade, []string{"3"}},
		{"规章 废止 1", CellRegulationRepealed, []string{"1"}},
		{"行政规范性文件 上年末现行有效 12", CellNormativeInForceAt, []string{"12"}},
		{"规章 现行有效 12", "", nil}, // the end-of-year figure is computed, not entered
		{"规章 3", "", nil},
		{"其他 3", "", nil},
		{"政策文件 3", "", nil},
	}
	for _, c := range cases {
		cell, rest, ok := ParseTableTwoCell(strings.Fields(c.in))
		if cell != c.cell || ok != (c.cell != "") || !slices.Equal(rest, c.rest) {
			t.Errorf("ParseTableTwoCell(%q) = %q, %q, %v", c.in, cell, rest, ok)
		}
	}
	for in, want := range map[string]int64{"35": 35, "0": 0, "35件": 35} {
		if got, err := ParseCellValue(CellPenalty, in); err != nil || got != want {
			t.Errorf("ParseCellValue(penalty, %q) = %d, %v", in, got, err)
		}
	}
	if got, err := ParseCellValue(CellFee, "12.5"); err != nil || got != 125000 {
		t.Errorf("fee 12.5 = %d, %v", got, err)
	}
	if _, err := ParseCellValue(CellPenalty, "-3"); err == nil {
		t.Error("a negative count entered")
	}
	// Every cell has a label in the template's words and a row.
	for _, c := range TableTwoCells() {
		if c.Category() == "" || strings.HasPrefix(c.Label(), string(c)) {
			t.Errorf("cell %s: row %q, label %q", c, c.Category(), c.Label())
		}
	}
}
