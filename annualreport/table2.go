package annualreport

import (
	"github.com/zwgk-bot/zwgk/workflow"
)

// Headings of table 二 as the template words them.
const (
	Table2Title      = "二、主动公开政府信息情况"
	Art20Item1       = "第二十条第（一）项"
	Art20Item5       = "第二十条第（五）项"
	Art20Item6       = "第二十条第（六）项"
	Art20Item8       = "第二十条第（八）项"
	ContentHead      = "信息内容"
	MadeHead         = "本年制发件数"
	RepealedHead     = "本年废止件数"
	InForceHead      = "现行有效件数"
	DecisionsHead    = "本年处理决定数量"
	FeeHead          = "本年收费金额（单位：万元）"
	table2Columns    = 4
	table2LastColumn = table2Columns - 1
)

// Tables are the three tables of a year's report, as the writers take
// them.
type Tables struct {
	T2 workflow.TableTwoFigures
	T3 *workflow.Table3
	T4 workflow.Table4
}

// Table2Grid is table 二 as the published reports lay it out: four
// columns; each item of Art. 20 a heading row across them, then a row of
// column headings (信息内容 and the item's figures), then a row per
// category. An item with one figure (处理决定数量, 收费金额) spans its
// heading and its figures over the three figure columns. The fee is in
// 万元 with its decimals (whole 元 are kept: 1.2345).
func Table2Grid(t workflow.TableTwoFigures) Grid {
	g := Grid{Title: Table2Title}
	r := 0
	head := func(c int, s string) { g.set(r, c, Cell{Text: s, Head: true}) }
	item := func(name string) {
		head(0, name)
		g.merge(r, 0, r, table2LastColumn)
		r++
	}
	num := func(c int, v int64) { g.set(r, c, Cell{Number: int(v), IsNum: true}) }

	item(Art20Item1)
	head(0, ContentHead)
	head(1, MadeHead)
	head(2, RepealedHead)
	head(3, InForceHead)
	r++
	for _, row := range []struct {
		cat workflow.InfoCategory
		d   workflow.DocumentRow
	}{{workflow.CategoryRegulation, t.Regulation}, {workflow.CategoryNormative, t.Normative}} {
		g.text(r, 0, string(row.cat))
		num(1, row.d.Made.Total())
		num(2, row.d.Repealed.Total())
		num(3, row.d.InForce())
		r++
	}
	single := func(name, col string, rows []workflow.InfoCategory, value func(workflow.InfoCategory) Cell) {
		item(name)
		head(0, ContentHead)
		head(1, col)
		g.merge(r, 1, r, table2LastColumn)
		r++
		for _, c := range rows {
			g.text(r, 0, string(c))
			g.set(r, 1, value(c))
			g.merge(r, 1, r, table2LastColumn)
			r++
		}
	}
	decisions := func(c workflow.InfoCategory) Cell {
		f := map[workflow.InfoCategory]workflow.Figure{workflow.CategoryLicensing: t.Licensing,
			workflow.CategoryPenalty: t.Penalty, workflow.CategoryEnforcement: t.Enforcement}[c]
		return Cell{Number: int(f.Total()), IsNum: true}
	}
	single(Art20Item5, DecisionsHead, []workflow.InfoCategory{workflow.CategoryLicensing}, decisions)
	single(Art20Item6, DecisionsHead, []workflow.InfoCategory{workflow.CategoryPenalty, workflow.CategoryEnforcement}, decisions)
	single(Art20Item8, FeeHead, []workflow.InfoCategory{workflow.CategoryFee}, func(workflow.InfoCategory) Cell {
		return Cell{IsNum: true, Decimal: t.FeeWan(), Yuan: t.Fee.Total()}
	})
	return g
}
