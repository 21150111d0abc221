package forms

import (
	"math"
	"slices"
	"strings"
	"unicode/utf8"
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
	// wrapSlackEm is what a line may lose to line-breaking rules that
	// wrapText does not model: 避头尾 (no 。、」 at the start of a line, no （
	// at its end) moves up to two characters down.
	wrapSlackEm = 2.5
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
func ems(mm, pt float64) float64 { return mm/(pt*mmPerPt) - wrapSlackEm }

// boxFit is what the form's box shows and what continues on the 续页.
type boxFit struct {
	Head []string // summary lines in the box (hard line breaks)
	Rest []string // summary lines on the 续页; nil when all of it fits
}

// fitBox splits the summary between the box and the 续页. The title is never
// split (at most 100 字, a few lines): it takes its lines first.
func fitBox(g formGeometry, title, summary string) boxFit {
	width := g.boxWidth()
	titleLines := len(wrapText(title, ems(width, g.TitlePt)))
	avail := g.BoxH - float64(titleLines)*g.TitlePt*mmPerPt*g.TitleLead
	if titleLines > 0 {
		avail -= g.TitleGap
	}
	n := int(math.Floor(avail / (g.TextPt * mmPerPt * g.TextLead)))
	lines := wrapText(summary, ems(width, g.TextPt))
	if len(lines) <= n {
		return boxFit{Head: joinLines(lines)}
	}
	// One line of the box says where the rest is.
	k := max(n-1, 0)
	head := slices.Clone(lines[:k])
	rest := slices.Clone(lines[k:])
	// The 续页 must not open with a 。 or a closing quote: those stay with
	// the text they close (the slack of the line has room for two).
	if len(head) > 0 {
		last := &head[len(head)-1]
		for moved := 0; moved < 2 && !last.hard; moved++ {
			r, size := utf8.DecodeRuneInString(rest[0].text)
			if !strings.ContainsRune(closingPunct, r) {
				break
			}
			last.text += rest[0].text[:size]
			rest[0].text = rest[0].text[size:]
			if rest[0].text == "" {
				last.hard = rest[0].hard
				rest = rest[1:]
				if len(rest) == 0 {
					return boxFit{Head: joinLines(head)}
				}
			}
		}
	}
	for len(rest) > 0 && rest[0].text == "" && rest[0].hard {
		rest = rest[1:] // a paragraph break at the cut is not carried over
	}
	if len(rest) == 0 {
		return boxFit{Head: joinLines(head)}
	}
	return boxFit{Head: joinLines(head), Rest: joinLines(rest)}
}

// closingPunct may not start a line (避头): the cut between the box and the
// 续页 keeps them on the box's side.
const closingPunct = "。，、；：？！…）》」』】〕〉”’.,;:?!)]}%％"

// fitReason says whether a reason, after its caption (驳回理由：), fits in
// its signature block. A longer one keeps its first line there, the block's
// other line says where the rest is, and the 续页 prints it in full.
func fitReason(g formGeometry, caption, reason string, leader bool) (head string, fits bool) {
	lines := wrapText(caption+reason, ems(g.signWidth(leader), g.ReasonPt))
	if len(lines) <= g.ReasonLines {
		return reason, true
	}
	return strings.TrimPrefix(lines[0].text, caption), false
}

// textLine is a line as the browser sets it: hard if a line break in the
// text ends it, soft if it was wrapped.
type textLine struct {
	text string
	hard bool
}

// wrapText breaks s into lines of at most width em, at hard line breaks and
// where a browser may break: between Chinese characters, and around a run
// of Latin letters, figures and signs (PM2.5, 92.4%, a web address), which
// goes to the next line whole when it does not fit, together with the
// brackets and punctuation that cling to it, as in （PM2.5）， — and when it
// is longer than a line there, it is cut where that line is full, as the
// browser's overflow-wrap does. Spaces at the start of a wrapped line are
// kept (counting them is the safe side).
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
		put := func(r rune) {
			rw := runeEm(r)
			if w+rw > width && b.Len() > 0 {
				out = append(out, textLine{text: b.String()})
				b.Reset()
				w = 0
			}
			b.WriteRune(r)
			w += rw
		}
		for _, u := range breakUnits(para) {
			uw := 0.0
			for _, r := range u {
				uw += runeEm(r)
			}
			if w+uw > width && b.Len() > 0 {
				out = append(out, textLine{text: b.String()})
				b.Reset()
				w = 0
			}
			for _, r := range u {
				put(r)
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
		if k == j { // no Latin run here: one character
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

// openingPunct may not end a line (避尾).
const openingPunct = "（《「『【〔〈“‘(["

// joinLines turns wrapped lines back into the text's own lines: soft-wrapped
// pieces of a paragraph are joined again, so the browser wraps them itself
// (and justifies them).
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
// Noto Sans CJK SC and DejaVu Serif as Chromium measures them, rounded up.
// SimSun, the form's first choice on Windows, sets them all at 50.
var asciiEm = [95]uint8{
	35, 45, 50, 90, 70, 100, 95, 30, 45, 45, 55, 90, 35, 40, 35, 45, // space to /
	70, 70, 70, 70, 70, 70, 70, 70, 70, 70, 40, 40, 90, 90, 90, 60, // 0 to ?
	105, 80, 75, 80, 85, 75, 75, 85, 90, 45, 55, 80, 70, 105, 90, 85, // @ to O
	70, 85, 80, 75, 75, 90, 75, 115, 75, 75, 75, 45, 45, 45, 90, 65, // P to _
	65, 65, 70, 60, 70, 65, 45, 70, 75, 40, 35, 70, 40, 105, 70, 65, // ` to o
	70, 70, 55, 55, 45, 70, 60, 90, 65, 60, 55, 70, 40, 70, 90, // p to ~
}

// runeEm is the width of r in em, on the safe side: CJK characters and
// full-width forms are one em in every Chinese font; anything else that is
// not ASCII (℃ in a fallback font, an emoji) is given more.
func runeEm(r rune) float64 {
	switch {
	case r == '\t':
		return 1
	case r < 0x20:
		return 0
	case r < 0x7f:
		return float64(asciiEm[r-0x20]) / 100
	case r >= 0x2e80 && r <= 0x9fff, // CJK radicals, punctuation, kana, unified ideographs
		r >= 0xac00 && r <= 0xd7a3, // Hangul
		r >= 0xf900 && r <= 0xfaff, // compatibility ideographs
		r >= 0xfe30 && r <= 0xfe4f, // CJK compatibility forms
		r >= 0xff00 && r <= 0xff60, // full-width forms
		r >= 0x2000 && r <= 0x206f: // general punctuation: “”‘’—… are full-width in CJK fonts
		return 1
	case r >= 0x20000 && r <= 0x3ffff: // CJK extensions
		return 1
	}
	return 1.15
}
