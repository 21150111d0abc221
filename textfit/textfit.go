// Package textfit measures Chinese text as the browser will set it on a
// printed page, so that a page can put in a box what fits there and carry
// the rest to a 续页 without cutting a line: the 审批单's page and the
// register's 办理审批表 share it.
package textfit

import (
	"slices"
	"strings"
	"unicode/utf8"
)

const mmPerPt = 25.4 / 72

// SlackEm is what a line may lose to line-breaking rules that Wrap does
// not model: 避头尾 (no 。、」 at the start of a line, no （ at its end)
// moves up to two characters down.
const SlackEm = 2.5

// Ems is how many em of pt-point text a line mm wide holds, on the safe
// side (less SlackEm).
func Ems(mm, pt float64) float64 { return mm/(pt*mmPerPt) - SlackEm }

// LineHeight is the height in mm of one line of pt-point text at lead.
func LineHeight(pt, lead float64) float64 { return pt * mmPerPt * lead }

// ClosingPunct may not start a line (避头): the cut between a box and its
// 续页 keeps these with the text they close.
const ClosingPunct = "。，、；：？！…）》」』】〕〉”’.,;:?!)]}%％"

// openingPunct may not end a line (避尾).
const openingPunct = "（《「『【〔〈“‘(["

// Line is a line as the browser sets it: Hard if a line break in the text
// ends it, soft if it was wrapped.
type Line struct {
	Text string
	Hard bool
}

// Wrap breaks s into lines of at most width em, at hard line breaks and
// where a browser may break: between Chinese characters, and around a run
// of Latin letters, figures and signs (PM2.5, 92.4%, a web address), which
// goes to the next line whole when it does not fit, together with the
// brackets and punctuation that cling to it, as in （PM2.5）， — and when it
// is longer than a line there, it is cut where that line is full, as the
// browser's overflow-wrap does. Spaces at the start of a wrapped line are
// kept (counting them is the safe side).
func Wrap(s string, width float64) []Line {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.TrimRight(s, "\n \t")
	if s == "" {
		return nil
	}
	var out []Line
	for _, para := range strings.Split(s, "\n") {
		var b strings.Builder
		w := 0.0
		put := func(r rune) {
			rw := RuneEm(r)
			if w+rw > width && b.Len() > 0 {
				out = append(out, Line{Text: b.String()})
				b.Reset()
				w = 0
			}
			b.WriteRune(r)
			w += rw
		}
		for _, u := range breakUnits(para) {
			uw := 0.0
			for _, r := range u {
				uw += RuneEm(r)
			}
			if w+uw > width && b.Len() > 0 {
				out = append(out, Line{Text: b.String()})
				b.Reset()
				w = 0
			}
			for _, r := range u {
				put(r)
			}
		}
		out = append(out, Line{Text: b.String(), Hard: true})
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
		for k < len(rs) && strings.ContainsRune(ClosingPunct, rs[k]) {
			k++
		}
		out = append(out, string(rs[i:k]))
		i = k
	}
	return out
}

// Join turns wrapped lines back into the text's own lines: soft-wrapped
// pieces of a paragraph are joined again, so the browser wraps them itself
// (and justifies them).
func Join(lines []Line) []string {
	var out []string
	var b strings.Builder
	for i, l := range lines {
		b.WriteString(l.Text)
		if l.Hard || i == len(lines)-1 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	return out
}

// Cut splits lines between a box of n lines and its 续页. When they do not
// all fit, the box keeps n-1 (its last line says where the rest is). The
// 续页 never opens with a 。 or a closing bracket: up to two stay with the
// text they close (the slack of the line has room for them); a paragraph
// break at the cut is not carried over. rest is nil when all fit.
func Cut(lines []Line, n int) (head, rest []string) {
	if len(lines) <= n {
		return Join(lines), nil
	}
	k := max(n-1, 0)
	h := slices.Clone(lines[:k])
	r := slices.Clone(lines[k:])
	if len(h) > 0 {
		last := &h[len(h)-1]
		for moved := 0; moved < 2 && !last.Hard; moved++ {
			c, size := utf8.DecodeRuneInString(r[0].Text)
			if !strings.ContainsRune(ClosingPunct, c) {
				break
			}
			last.Text += r[0].Text[:size]
			r[0].Text = r[0].Text[size:]
			if r[0].Text == "" {
				last.Hard = r[0].Hard
				r = r[1:]
				if len(r) == 0 {
					return Join(h), nil
				}
			}
		}
	}
	for len(r) > 0 && r[0].Text == "" && r[0].Hard {
		r = r[1:]
	}
	if len(r) == 0 {
		return Join(h), nil
	}
	return Join(h), Join(r)
}

// asciiEm is the advance of each printable ASCII character (space to ~) in
// hundredths of an em: the widest of Noto Serif CJK SC (regular and bold),
// Noto Sans CJK SC and DejaVu Serif as Chromium measures them, rounded up.
// SimSun, the pages' first choice on Windows, sets them all at 50.
var asciiEm = [95]uint8{
	35, 45, 50, 90, 70, 100, 95, 30, 45, 45, 55, 90, 35, 40, 35, 45, // space to /
	70, 70, 70, 70, 70, 70, 70, 70, 70, 70, 40, 40, 90, 90, 90, 60, // 0 to ?
	105, 80, 75, 80, 85, 75, 75, 85, 90, 45, 55, 80, 70, 105, 90, 85, // @ to O
	70, 85, 80, 75, 75, 90, 75, 115, 75, 75, 75, 45, 45, 45, 90, 65, // P to _
	65, 65, 70, 60, 70, 65, 45, 70, 75, 40, 35, 70, 40, 105, 70, 65, // ` to o
	70, 70, 55, 55, 45, 70, 60, 90, 65, 60, 55, 70, 40, 70, 90, // p to ~
}

// RuneEm is the width of r in em, on the safe side: CJK characters and
// full-width forms are one em in every Chinese font; anything else that is
// not ASCII (℃ in a fallback font, an emoji) is given more.
func RuneEm(r rune) float64 {
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
