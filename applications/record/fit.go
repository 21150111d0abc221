package record

import "github.com/zwgk-bot/zwgk/textfit"

// The printed 办理审批表 is one A4 page, like the 审批单 it sits beside in
// the case file, however long what it records: each box of its table has
// a number of lines and holds what fits; the rest continues on a 续页
// after it, headed as the continuation of that table. The 办理过程 starts a
// page of its own.
//
// As for the 审批单 (forms/formprint.go), the server decides what fits,
// not the browser, on the print geometry below, which the template's print
// CSS takes its lengths from. The measuring is the 审批单's: the widest
// advance of the page's fonts for each character, and the line-breaking
// rules a browser follows. It is repeated here rather than imported
// because one flow does not import another (the router joins them); the
// widths must stay those of forms/formprint.go.

// geometry is the A4 layout of the printed table. Lengths are in
// millimetres, font sizes in points.
type geometry struct {
	PageW, PageH               float64 // A4
	PadTop, PadSide, PadBottom float64 // the sheet's margins (the @page margin is 0, see the template)
	HeadCol                    float64 // each label column (申请人, 所需信息, …)
	CellPadX, CellPadY         float64 // padding of a table cell
	TextPt, TextLead           float64 // the text of the table's cells
	Header                     float64 // the bureau's name, the number, the title and their gaps
	Status                     float64 // the status line under the table
	SignH, LeaderH             float64 // content height of the signature blocks (section/office, leader)
	SignIndent                 float64 // the signature body's indent under its caption
	SignPt, SignLead           float64 // a reason or the 保密审查 in a signature block
	SignLines, LeaderLines     int     // the lines a block has for them
}

// geo is the one geometry the page uses.
var geo = geometry{
	PageW: 210, PageH: 297,
	PadTop: 11, PadSide: 15, PadBottom: 9,
	HeadCol:  21,
	CellPadX: 2.2, CellPadY: 1.1,
	TextPt: 10, TextLead: 1.4,
	Header: 25, Status: 5,
	SignH: 29, LeaderH: 24,
	SignIndent: 4,
	SignPt:     9, SignLead: 1.4,
	SignLines: 3, LeaderLines: 2,
}

const (
	mmPerPt = 25.4 / 72
	// cellBorder is the width a cell's borders take from its content
	// (1.5px + 1px at most, see table.rec in the template).
	cellBorder = 0.8
	// rowBorder is the height a row's borders take.
	rowBorder = 0.4
)

// lineH is the height of one line of the table's text.
func (g geometry) lineH() float64 { return g.TextPt * mmPerPt * g.TextLead }

// valueWidth is the content width of a value cell: one that spans the
// table (full) or half of a row of two label–value pairs.
func (g geometry) valueWidth(full bool) float64 {
	inner := g.PageW - 2*g.PadSide
	if full {
		return inner - g.HeadCol - 2*g.CellPadX - cellBorder
	}
	return inner/2 - g.HeadCol - 2*g.CellPadX - cellBorder
}

// signWidth is the width a reason has in a signature block: the section
// and office blocks share a row, the leader's spans it.
func (g geometry) signWidth(leader bool) float64 {
	w := g.PageW - 2*g.PadSide
	if !leader {
		w /= 2
	}
	return w - 2*g.CellPadX - cellBorder - g.SignIndent
}

// ems is how many characters of size pt fit in mm, less the slack.
func ems(mm, pt float64) float64 { return textfit.Ems(mm, pt) }

// fit splits text between a box of n lines, width mm wide, and the 续页.
// When it does not all fit, the box keeps n-1 lines and its last says
// where the rest is. The lines returned are the text's own lines (what
// was soft-wrapped is joined again, for the browser to wrap and justify).
func fit(text string, mm float64, n int) (head, rest []string) {
	return textfit.Cut(textfit.Wrap(text, ems(mm, geo.TextPt)), n)
}

// fitSign says whether a signature block's text fits in its lines; a
// longer one keeps its first lines there and the block's last line says
// the whole is on the 续页.
func fitSign(text string, leader bool) (head []string, fits bool) {
	n := geo.SignLines
	if leader {
		n = geo.LeaderLines
	}
	lines := textfit.Wrap(text, ems(geo.signWidth(leader), geo.SignPt))
	if len(lines) <= n {
		return textfit.Join(lines), true
	}
	return textfit.Join(lines[:n-1]), false
}

// worstHeight is the height of the first page with every box full: the
// budgets of the rows below must never push the signature blocks or the
// 送达 onto a second sheet (a test holds it under PageH).
func (g geometry) worstHeight() float64 {
	h := g.PadTop + g.Header
	for _, r := range rowSpecs {
		h += float64(r.lines)*g.lineH() + 2*g.CellPadY + rowBorder
	}
	h += g.SignH + g.LeaderH + 2*(2*g.CellPadY+rowBorder)
	return h + g.Status + g.PadBottom
}

// rowSpec is a row of the first page: its lines.
type rowSpec struct {
	name  string
	lines int
}

// rowSpecs are the rows of the table on the first page, in order, with
// the lines each box has (a row of two pairs has the lines of its boxes).
var rowSpecs = []rowSpec{
	{"申请人/证件号码", 2},
	{"联系电话/通讯地址", 2},
	{"收到日期/获取方式", 2},
	{"承办/登记人", 1},
	{"所需信息", 3},
	{"答复期限", 2},
	{"补正", 2},
	{"征求意见", 2},
	{"延期", 1},
	{"拟答复类型", 2},
	{"拟答复内容", 6},
	{"法律依据", 2},
	{"送达", 1},
}

// rowLines is the lines of the named row.
func rowLines(name string) int {
	for _, r := range rowSpecs {
		if r.name == name {
			return r.lines
		}
	}
	panic("record: no row " + name)
}
