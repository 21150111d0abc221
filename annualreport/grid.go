// Package annualreport lays out tables 二, 三 and 四 of the 政府信息公开工作年度报告
// as the published reports do (国办公开办函〔2021〕30号) and writes them as
// text, CSV and .xlsx. The numbers and their checks are workflow's; where
// they come from storage's.
package annualreport

import (
	"strconv"

	"github.com/zwgk-bot/zwgk/workflow"
)

// Headings of the template.
const (
	Table3Title = "三、收到和处理政府信息公开申请情况"
	Table4Title = "四、政府信息公开行政复议、行政诉讼情况"
	// Table3Note heads the template's heading columns: the balance the
	// 总计 column (and every column) must keep.
	Table3Note     = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
	ApplicantsHead = "申请人情况"
	PersonHead     = "自然人"
	OrgsHead       = "法人或其他组织"
	TotalHead      = "总计"
	ReviewHead     = "行政复议"
	SuitHead       = "行政诉讼"
)

// Merge is a merged range of a grid, by 0-based row and column, both ends
// included.
type Merge struct{ Top, Left, Bottom, Right int }

// Grid is a table as cells: text for headings, numbers for figures, and
// the merged ranges (a merged range's text is in its top-left cell).
type Grid struct {
	Title  string
	Cells  [][]Cell
	Merges []Merge
	Header int // the rows of headings (the figures start below)
}

// Cell is one cell: a heading or a figure.
type Cell struct {
	Text   string
	Number int
	IsNum  bool
	// Head marks a heading row inside the table's body (table 二 heads
	// each item of Art. 20 in its rows, not above them).
	Head bool
	// Decimal is a figure that is not a count: the fee in 万元 with its
	// decimals ("1.2345"), and Yuan the same amount in 元. Set only with
	// IsNum.
	Decimal string
	Yuan    int64
}

// String is the cell as CSV and text show it.
func (c Cell) String() string {
	if c.Decimal != "" {
		return c.Decimal
	}
	if c.IsNum {
		return strconv.Itoa(c.Number)
	}
	return c.Text
}

func (g *Grid) set(r, c int, v Cell) {
	for len(g.Cells) <= r {
		g.Cells = append(g.Cells, nil)
	}
	for len(g.Cells[r]) <= c {
		g.Cells[r] = append(g.Cells[r], Cell{})
	}
	g.Cells[r][c] = v
}

func (g *Grid) text(r, c int, s string) { g.set(r, c, Cell{Text: s}) }

func (g *Grid) merge(top, left, bottom, right int) {
	g.Merges = append(g.Merges, Merge{top, left, bottom, right})
}

// Table3Grid is table 三 as the template lays it out: three heading
// columns (一/二/四 span all three; 三、本年度办理结果 spans its rows; a
// group with sub-rows spans them), then 自然人, the five 法人或其他组织
// columns and 总计, under three rows of column headings.
func Table3Grid(t *workflow.Table3) Grid {
	g := Grid{Title: Table3Title, Header: 3}
	const first = 3 // the first number column
	g.text(0, 0, Table3Note)
	g.merge(0, 0, 2, first-1)
	g.text(0, first, ApplicantsHead)
	g.merge(0, first, 0, first+workflow.Table3Total)
	g.text(1, first, PersonHead)
	g.merge(1, first, 2, first)
	g.text(1, first+1, OrgsHead)
	g.merge(1, first+1, 1, first+5)
	for i, at := range workflow.ApplicantTypes()[1:] {
		g.text(2, first+1+i, string(at))
	}
	g.text(1, first+workflow.Table3Total, TotalHead)
	g.merge(1, first+workflow.Table3Total, 2, first+workflow.Table3Total)

	lines := t.Lines()
	r := g.Header
	resultsTop := -1
	groupTop, group := -1, ""
	closeGroup := func(end int) {
		if group != "" && end > groupTop {
			g.merge(groupTop, 1, end, 1)
		}
		group = ""
	}
	for _, l := range lines {
		switch {
		case l.Group == "": // 一, 二, 四
			closeGroup(r - 1)
			if resultsTop >= 0 {
				g.merge(resultsTop, 0, r-1, 0)
				resultsTop = -1
			}
			g.text(r, 0, l.Section)
			g.merge(r, 0, r, first-1)
		case l.Item == "": // （一）, （二）, （七）: a row of its own
			closeGroup(r - 1)
			if resultsTop < 0 {
				resultsTop = r
				g.text(r, 0, l.Section)
			}
			g.text(r, 1, l.Group)
			g.merge(r, 1, r, first-1)
		default: // a numbered sub-row under its group's heading
			if resultsTop < 0 {
				resultsTop = r
				g.text(r, 0, l.Section)
			}
			if l.Group != group {
				closeGroup(r - 1)
				group, groupTop = l.Group, r
				g.text(r, 1, l.Group)
			}
			g.text(r, 2, l.Item)
		}
		for i, v := range l.Cells {
			g.set(r, first+i, Cell{Number: v, IsNum: true})
		}
		r++
	}
	return g
}

// Table4Grid is table 四: 行政复议 over its five results (each spanning
// two heading rows), 行政诉讼 over its two groups and their results, then
// one row of 15 figures.
func Table4Grid(t workflow.Table4) Grid {
	g := Grid{Title: Table4Title, Header: 3}
	labels := append(workflow.ReviewResults(), "")
	label := func(j int) string {
		if j == workflow.ReviewTotal {
			return TotalHead
		}
		return workflow.ReviewResultLabel(labels[j])
	}
	g.text(0, 0, ReviewHead)
	g.merge(0, 0, 0, 4)
	for j := range 5 {
		g.text(1, j, label(j))
		g.merge(1, j, 2, j)
	}
	g.text(0, 5, SuitHead)
	g.merge(0, 5, 0, 14)
	for k, kind := range workflow.ReviewKinds()[1:] {
		left := 5 + 5*k
		g.text(1, left, workflow.ReviewKindLabel(kind))
		g.merge(1, left, 1, left+4)
		for j := range 5 {
			g.text(2, left+j, label(j))
		}
	}
	for i, v := range t.Cells() {
		g.set(3, i, Cell{Number: v, IsNum: true})
	}
	return g
}
