package record

import (
	"slices"
	"strings"
	"unicode/utf8"
)

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
	// wrapSlackEm is what a line may lose to line-breaking rules that
	// wrapText does not model: 避头尾 moves up to two characters down.
	wrapSlackEm = 2.5
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
func ems(mm, pt float64) float64 { return mm/(pt*mmPerPt) - wrapSlackEm }

// fit splits text between a box of n lines, width mm wide, and the 续页.
// When it does not all fit, the box keeps n-1 lines and its last says
// where the rest is. The lines returned are the text's own lines (what
// was soft-wrapped is joined again, for the browser to wrap and justify).
func fit(text string, mm float64, n int) (head, rest []string) {
	lines := wrapText(text, ems(mm, geo.TextPt))
	if len(lines) <= n {
		return joinLines(lines), nil
	}
	k := max(n-1, 0)
	h := slices.Clone(lines[:k])
	r := slices.Clone(lines[k:])
	// The 续页 must not open with a 。 or a closing bracket: those stay
	// with the text they close (the slack of the line has room for two).
	if len(h) > 0 {
		last := &h[len(h)-1]
		for moved := 0; moved < 2 && !last.hard; moved++ {
			c, size := utf8.DecodeRuneInString(r[0].text)
			if !strings.ContainsRune(closingPunct, c) {
				break
			}
			last.text += r[0].text[:size]
			r[0].text = r[0].text[size:]
			if r[0].text == "" {
				last.hard = r[0].hard
				r = r[1:]
				if len(r) == 0 {
					return joinLines(h), nil
				}
			}
		}
	}
	for len(r) > 0 && r[0].text == "" && r[0].hard {
		r = r[1:] // a paragraph break at the cut is not carried over
	}
	if len(r) == 0 {
		return joinLines(h), nil
	}
	return joinLines(h), joinLines(r)
}

// fitSign says whether a signature block's text fits in its lines; a
// longer one keeps its first lines there and the block's last line says
// the whole is on the 续页.
func fitSign(text string, leader bool) (head []string, fits bool) {
	n := geo.SignLines
	if leader {
		n = geo.LeaderLines
	}
	lines := wrapText(text, ems(geo.signWidth(leader), geo.SignPt))
	if len(lines) <= n {
		return joinLines(lines), true
	}
	return joinLines(lines[:n-1]), false
}

// textLine is a line as the browser sets it: hard if a line break in the
// text ends it, soft if it was wrapped.
type textLine struct {
	text string
	hard bool
}

// wrapText breaks s into lines of at most width em, at hard line breaks
// and where a browser may break: between Chinese characters, and around
// a run of Latin letters, figures and signs, which goes to the next line
// whole when it does not fit (and is cut where the line is full when it
// is longer than a line, as overflow-wrap does).
func wrapText(s string, width float64) []textLine {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.TrimRight(s, "\n \t")
	if s == "" {
		return nil
	}
	var out []textLine
	for _, para := range strings.Split(s, "\n") {
		var b strings.Builder
		w := 0.0
		flush := func() {
			out = append(out, textLine{text: b.String()})
			b.Reset()
			w = 0
		}
		for _, u := range breakUnits(para) {
			uw := 0.0
			for _, r := range u {
				uw += runeEm(r)
			}
			if w+uw > width && b.Len() > 0 {
				flush()
			}
			for _, r := range u {
				if rw := runeEm(r); w+rw > width && b.Len() > 0 {
					flush()
				}
				b.WriteRune(r)
				w += runeEm(r)
			}
		}
		out = append(out, textLine{text: b.String(), hard: true})
	}
	return out
}

// breakUnits splits a paragraph where a line may break: each Chinese
// character alone, and each run of Latin letters, figures and signs with
// the opening brackets before it and the closing punctuation after it.
func breakUnits(para string) []string {
	rs := []rune(para)
	var out []string
	for i := 0; i < len(rs); {
		j := i
		for j < len(rs) && strings.ContainsRune(openingPunct, rs[j]) {
			j++
		}
		k := j
		for k < len(rs) && rs[k] > ' ' && rs[k] < 0x7f && !strings.ContainsRune(openingPunct, rs[k]) {
			k++
		}
		if k == j {
			out = append(out, string(rs[i]))
			i++
			continue
		}
		for k < len(rs) && strings.ContainsRune(closingPunct, rs[k]) {
			k++
		}
		out = append(out, string(rs[i:k]))
		i = k
	}
	return out
}

// closingPunct may not start a line (避头); openingPunct may not end one
// (避尾).
const (
	closingPunct = "。，、；：？！…）》」』】〕〉”’.,;:?!)]}%％"
	openingPunct = "（《「『【〔〈“‘(["
)

// joinLines turns wrapped lines back into the text's own lines.
func joinLines(lines []textLine) []string {
	var out []string
	var b strings.Builder
	for i, l := range lines {
		b.WriteString(l.text)
		if l.hard || i == len(lines)-1 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	return out
}

// asciiEm is the advance of each printable ASCII character (space to ~) in
// hundredths of an em: the widest of Noto Serif CJK SC (regular and bold),
// Noto Sans CJK SC and DejaVu Serif, as forms/formprint.go measured them.
var asciiEm = [95]uint8{
	35, 45, 50, 90, 70, 100, 95, 30, 45, 45, 55, 90, 35, 40, 35, 45, // space to /
	70, 70, 70, 70, 70, 70, 70, 70, 70, 70, 40, 40, 90, 90, 90, 60, // 0 to ?
	105, 80, 75, 80, 85, 75, 75, 85, 90, 45, 55, 80, 70, 105, 90, 85, // @ to O
	70, 85, 80, 75, 75, 90, 75, 115, 75, 75, 75, 45, 45, 45, 90, 65, // P to _
	65, 65, 70, 60, 70, 65, 45, 70, 75, 40, 35, 70, 40, 105, 70, 65, // ` to o
	70, 70, 55, 55, 45, 70, 60, 90, 65, 60, 55, 70, 40, 70, 90, // p to ~
}

// runeEm is the width of r in em, on the safe side.
func runeEm(r rune) float64 {
	switch {
	case r == '\t':
		return 1
	case r < 0x20:
		return 0
	case r < 0x7f:
		return float64(asciiEm[r-0x20]) / 100
	case r >= 0x2e80 && r <= 0x9fff,
		r >= 0xac00 && r <= 0xd7a3,
		r >= 0xf900 && r <= 0xfaff,
		r >= 0xfe30 && r <= 0xfe4f,
		r >= 0xff00 && r <= 0xff60,
		r >= 0x2000 && r <= 0x206f:
		return 1
	case r >= 0x20000 && r <= 0x3ffff:
		return 1
	}
	return 1.15
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
