package forms

import (
	"math"
	"strings"

	"github.com/zwgk-bot/zwgk/textfit"
)

// The printed 审批单 is one A4 page, like the paper form, however long the
// summary: its 标题及简要内容 box has a fixed size and holds what fits; the
// rest continues on a 续页 (continuation sheet) that follows it, headed as
// the continuation of that form. The 办理记录 starts a page of its own.
//
// The server decides what fits, not the browser: every browser and printer
// then shows the same split, and the form page never grows. The decision is
// made on the print geometry below, which the template's print CSS takes its
// lengths from, so the budget and the layout cannot drift apart. The widths
// of characters are the widest of the fonts the page names (and of the
// fallbacks Chromium uses on Debian), so what the server puts in a box
// always fits in the browser; the test prints it through Chromium.

// formGeometry is the A4 layout of the printed form. Lengths are in
// millimetres, font sizes in points.
type formGeometry struct {
	PageW, PageH               float64 // A4
	PadTop, PadSide, PadBottom float64 // the sheet's margins (the @page margin is 0, see the template)
	HeadCol                    float64 // the label column (承办股室, 公开形式, …)
	CellPadX, CellPadY         float64 // padding of a table cell
	BoxH                       float64 // content height of the 标题及简要内容 box
	SignH, LeaderH             float64 // the signature blocks (section/office, leader)
	SignIndent                 float64 // the signature body's indent under its caption
	TitlePt, TitleLead         float64 // the title in the box: size and line height (× size)
	TextPt, TextLead           float64 // the summary in the box
	ReasonPt, ReasonLead       float64 // a reason in a signature block
	TitleGap                   float64 // between the title and the summary
	ReasonLines                int     // lines a signature block has for a reason
}

// formGeo is the one geometry the page uses.
var formGeo = formGeometry{
	PageW: 210, PageH: 297,
	PadTop: 13, PadSide: 16, PadBottom: 10,
	HeadCol:  30,
	CellPadX: 3, CellPadY: 2.2,
	BoxH:  90,
	SignH: 35, LeaderH: 32,
	SignIndent: 6,
	TitlePt:    12, TitleLead: 1.5,
	TextPt: 10.5, TextLead: 1.55,
	ReasonPt: 9, ReasonLead: 1.45,
	TitleGap:    1.5,
	ReasonLines: 2,
}

const (
	mmPerPt = 25.4 / 72
	// cellBorder is the width a cell's borders take from its content
	// (2px + 1px at most, see table.form in the template).
	cellBorder = 0.8
)

// boxWidth is the content width of the 标题及简要内容 box.
func (g formGeometry) boxWidth() float64 {
	return g.PageW - 2*g.PadSide - g.HeadCol - 2*g.CellPadX - cellBorder
}

// signWidth is the width a reason has in a signature block: the section
// and office blocks share a row, the leader's spans it.
func (g formGeometry) signWidth(leader bool) float64 {
	w := g.PageW - 2*g.PadSide
	if !leader {
		w /= 2
	}
	return w - 2*g.CellPadX - cellBorder - g.SignIndent
}

// ems is how many characters of size pt fit in mm, less the slack.
func ems(mm, pt float64) float64 { return textfit.Ems(mm, pt) }

// boxFit is what the form's box shows and what continues on the 续页.
type boxFit struct {
	Head []string // summary lines in the box (hard line breaks)
	Rest []string // summary lines on the 续页; nil when all of it fits
}

// fitBox splits the summary between the box and the 续页. The title is never
// split (at most 100 字, a few lines): it takes its lines first.
func fitBox(g formGeometry, title, summary string) boxFit {
	width := g.boxWidth()
	titleLines := len(textfit.Wrap(title, ems(width, g.TitlePt)))
	avail := g.BoxH - float64(titleLines)*g.TitlePt*mmPerPt*g.TitleLead
	if titleLines > 0 {
		avail -= g.TitleGap
	}
	n := int(math.Floor(avail / (g.TextPt * mmPerPt * g.TextLead)))
	head, rest := textfit.Cut(textfit.Wrap(summary, ems(width, g.TextPt)), n)
	return boxFit{Head: head, Rest: rest}
}

// fitReason says whether a reason, after its caption (驳回理由：), fits in
// its signature block. A longer one keeps its first line there, the block's
// other line says where the rest is, and the 续页 prints it in full.
func fitReason(g formGeometry, caption, reason string, leader bool) (head string, fits bool) {
	lines := textfit.Wrap(caption+reason, ems(g.signWidth(leader), g.ReasonPt))
	if len(lines) <= g.ReasonLines {
		return reason, true
	}
	return strings.TrimPrefix(lines[0].Text, caption), false
}
