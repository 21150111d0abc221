package workflow

import (
	"fmt"
	"strings"
	"time"
)

// Table 二 of the annual report (主动公开政府信息情况) is counted from the
// 主动公开 审批单s published in the year, by their 信息类别, plus what the
// office enters for what zwgk cannot see: decisions and documents
// published outside it, the months before zwgk was used, and the number
// of documents in force when the year began (zwgk does not know the
// documents made before it).

// TableTwoCell names a figure of table 二 the office may enter. The values
// are stored (annual_active_entries.cell).
type TableTwoCell string

// The cells of table 二 the office may enter.
const (
	CellRegulationMade      TableTwoCell = "regulation_made"
	CellRegulationRepealed  TableTwoCell = "regulation_repealed"
	CellRegulationInForceAt TableTwoCell = "regulation_in_force_start" // 上年末现行有效件数
	CellNormativeMade       TableTwoCell = "normative_made"
	CellNormativeRepealed   TableTwoCell = "normative_repealed"
	CellNormativeInForceAt  TableTwoCell = "normative_in_force_start"
	CellLicensing           TableTwoCell = "licensing_decisions"
	CellPenalty             TableTwoCell = "penalty_decisions"
	CellEnforcement         TableTwoCell = "enforcement_decisions"
	CellFee                 TableTwoCell = "fee_yuan" // in 元
)

// TableTwoCells lists the cells in the table's order.
func TableTwoCells() []TableTwoCell {
	return []TableTwoCell{CellRegulationMade, CellRegulationRepealed, CellRegulationInForceAt,
		CellNormativeMade, CellNormativeRepealed, CellNormativeInForceAt,
		CellLicensing, CellPenalty, CellEnforcement, CellFee}
}

// Category is the row of c.
func (c TableTwoCell) Category() InfoCategory {
	switch c {
	case CellRegulationMade, CellRegulationRepealed, CellRegulationInForceAt:
		return CategoryRegulation
	case CellNormativeMade, CellNormativeRepealed, CellNormativeInForceAt:
		return CategoryNormative
	case CellLicensing:
		return CategoryLicensing
	case CellPenalty:
		return CategoryPenalty
	case CellEnforcement:
		return CategoryEnforcement
	case CellFee:
		return CategoryFee
	}
	return ""
}

// Label names c in the template's words: 行政处罚 本年处理决定数量.
func (c TableTwoCell) Label() string {
	col := ""
	switch c {
	case CellRegulationMade, CellNormativeMade:
		col = "本年制发件数"
	case CellRegulationRepealed, CellNormativeRepealed:
		col = "本年废止件数"
	case CellRegulationInForceAt, CellNormativeInForceAt:
		col = "上年末现行有效件数"
	case CellLicensing, CellPenalty, CellEnforcement:
		col = "本年处理决定数量"
	case CellFee:
		col = "本年收费金额（万元）"
	default:
		return string(c)
	}
	return string(c.Category()) + " " + col
}

// Show is an entered value as the office reads it: a count, or 万元 for
// the fee.
func (c TableTwoCell) Show(v int64) string {
	if c == CellFee {
		return FormatWan(v) + "万元"
	}
	return fmt.Sprintf("%d件", v)
}

// ParseTableTwoCell reads a cell as the office names it in 「年度报告 录入」:
// 行政处罚; 收费; 规范性文件 制发; 规章 废止; 规范性文件 上年末现行有效.
// rest is what follows the name (the value and the reason).
func ParseTableTwoCell(words []string) (cell TableTwoCell, rest []string, ok bool) {
	if len(words) == 0 {
		return "", nil, false
	}
	cat, ok := ParseInfoCategory(words[0])
	if !ok || cat == CategoryOther || words[0] == "" {
		return "", nil, false
	}
	if !cat.IsDocument() {
		for _, c := range TableTwoCells() {
			if c.Category() == cat {
				return c, words[1:], true
			}
		}
	}
	if len(words) < 2 {
		return "", nil, false
	}
	made, repealed, start := CellNormativeMade, CellNormativeRepealed, CellNormativeInForceAt
	if cat == CategoryRegulation {
		made, repealed, start = CellRegulationMade, CellRegulationRepealed, CellRegulationInForceAt
	}
	switch words[1] {
	case "制发", "本年制发", "本年制发件数":
		return made, words[2:], true
	case "废止", "本年废止", "本年废止件数":
		return repealed, words[2:], true
	case "上年末现行有效", "上年末现行有效件数", "年初现行有效", "年初现行有效件数":
		return start, words[2:], true
	}
	return "", nil, false
}

// ParseCellValue reads the value entered for c: a count (35, 35件), or
// for the fee an amount in 万元 (ParseFeeWan). A count may be 0: the
// office may enter that nothing happened outside zwgk, or correct an
// entry to nothing.
func ParseCellValue(c TableTwoCell, s string) (int64, error) {
	if c == CellFee {
		if v := strings.TrimSpace(s); v == "0" || v == "0万元" {
			return 0, nil
		}
		return ParseFeeWan(s)
	}
	s = strings.TrimSuffix(strings.TrimSuffix(halfWidth(strings.TrimSpace(s)), "件"), "个")
	if s == "0" {
		return 0, nil
	}
	n, err := ParseDecisions(s)
	if err != nil {
		return 0, fmt.Errorf("%s应为0至%d之间的整数，如 35。", c.Label(), MaxDecisions)
	}
	return int64(n), nil
}

// ActiveRecord is one 主动公开 审批单 published in the year, as table 二
// counts it.
type ActiveRecord struct {
	Serial      string // 公开审〔2026〕17号
	PublishedAt time.Time
	FormCategory
}

// ManualFigure is one entry of the office for a cell of one year: the part
// of the figure zwgk does not know. A later entry for the same cell
// replaces the earlier ones (the office enters the figure anew, with its
// reason, rather than a correction to add up); every entry stays in the
// record and the audit log.
type ManualFigure struct {
	Cell      TableTwoCell
	Value     int64 // a count, or 元 for CellFee
	EnteredBy string
	EnteredAt time.Time
	Reason    string
}

// Figure is one cell of table 二: what the records count and what the
// office entered.
type Figure struct {
	Records int64 // from the 审批单s
	Manual  int64 // the office's latest entry; 0 without one
	Entered bool  // the office has entered a figure
	// Entry is the office's latest entry (zero without one), to say who and
	// why next to the table.
	Entry ManualFigure
}

// Total is the cell's value.
func (f Figure) Total() int64 { return f.Records + f.Manual }

// DocumentRow is a row of 第二十条第（一）项: 规章 or 行政规范性文件.
type DocumentRow struct {
	Made, Repealed Figure
	// InForceAtStart is the number in force when the year began: the
	// office's figure only (last year's 现行有效件数), 0 when not entered.
	InForceAtStart Figure
}

// InForce is the row's 现行有效件数 at the end of the year: the number in
// force at its start, plus those made, minus those repealed.
func (r DocumentRow) InForce() int64 {
	return r.InForceAtStart.Total() + r.Made.Total() - r.Repealed.Total()
}

// TableTwoFigures are the cells of table 二 for one year.
type TableTwoFigures struct {
	Regulation, Normative DocumentRow
	// 本年处理决定数量.
	Licensing, Penalty, Enforcement Figure
	// Fee is 本年收费金额 in 元 (FeeWan shows it in 万元, as the table asks).
	Fee Figure
	// Forms counts the records by category (其他 included), for the text
	// of the report.
	Forms map[InfoCategory]int
}

// FeeWan is the fee in 万元, as the table prints it.
func (t TableTwoFigures) FeeWan() string { return FormatWan(t.Fee.Total()) }

// Cell is the figure of c; for the start-of-year cells the office's entry.
func (t *TableTwoFigures) Cell(c TableTwoCell) *Figure {
	switch c {
	case CellRegulationMade:
		return &t.Regulation.Made
	case CellRegulationRepealed:
		return &t.Regulation.Repealed
	case CellRegulationInForceAt:
		return &t.Regulation.InForceAtStart
	case CellNormativeMade:
		return &t.Normative.Made
	case CellNormativeRepealed:
		return &t.Normative.Repealed
	case CellNormativeInForceAt:
		return &t.Normative.InForceAtStart
	case CellLicensing:
		return &t.Licensing
	case CellPenalty:
		return &t.Penalty
	case CellEnforcement:
		return &t.Enforcement
	case CellFee:
		return &t.Fee
	}
	return nil
}

// Problems names the cells that cannot be right: a negative 现行有效件数
// (more repealed than were in force, most likely because the number in
// force at the start of the year was not entered). Empty when none.
func (t TableTwoFigures) Problems() []string {
	var out []string
	for _, r := range []struct {
		name  InfoCategory
		row   DocumentRow
		start TableTwoCell
	}{{CategoryRegulation, t.Regulation, CellRegulationInForceAt}, {CategoryNormative, t.Normative, CellNormativeInForceAt}} {
		if n := r.row.InForce(); n < 0 {
			hint := ""
			if !r.row.InForceAtStart.Entered {
				hint = "，请录入" + r.start.Label()
			}
			out = append(out, fmt.Sprintf("%s 现行有效件数为%d（上年末%d + 本年制发%d − 本年废止%d）%s",
				r.name, n, r.row.InForceAtStart.Total(), r.row.Made.Total(), r.row.Repealed.Total(), hint))
		}
	}
	return out
}

// TableTwo combines the records and the office's entries of one year into
// table 二. records are the year's published 主动公开 forms; entries the
// office's for that year, in any order: the latest of a cell counts.
func TableTwo(records []ActiveRecord, entries []ManualFigure) TableTwoFigures {
	t := TableTwoFigures{Forms: map[InfoCategory]int{}}
	for _, r := range records {
		fc := r.FormCategory.Normalized()
		t.Forms[fc.Category]++
		switch fc.Category {
		case CategoryRegulation, CategoryNormative:
			row := &t.Regulation
			if fc.Category == CategoryNormative {
				row = &t.Normative
			}
			if fc.Repealed {
				row.Repealed.Records++
			} else {
				row.Made.Records++
			}
		case CategoryLicensing:
			t.Licensing.Records += int64(fc.Decisions)
		case CategoryPenalty:
			t.Penalty.Records += int64(fc.Decisions)
		case CategoryEnforcement:
			t.Enforcement.Records += int64(fc.Decisions)
		case CategoryFee:
			t.Fee.Records += fc.FeeYuan
		}
	}
	for _, e := range entries {
		f := t.Cell(e.Cell)
		if f == nil {
			continue
		}
		if f.Entered && e.EnteredAt.Before(f.Entry.EnteredAt) {
			continue // an older entry, replaced
		}
		f.Manual, f.Entered, f.Entry = e.Value, true, e
	}
	return t
}
