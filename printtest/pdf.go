// Package printtest is what the print tests share: finding and starting
// headless Chromium, and reading back the text of the PDFs it prints.
package printtest

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
)

// The reader gives back the text of a PDF that Chromium printed, page by
// page, so the print tests can tell what ended up on which sheet (and that
// no address did). It understands what Skia writes: a classic xref table,
// Flate-compressed content streams, fonts with ToUnicode maps (Type0 and
// Type3), marked content with /ActualText, and form XObjects. It is not a
// general PDF reader.

// Run is a piece of text as drawn: one BT … ET block.
type Run struct {
	Text string
	Size float64 // the font size on the page, in points
	X, Y float64 // where the run starts, in points from the page's bottom left
}

// Page is the text of one page, in drawing order.
type Page struct {
	Runs []Run
	// Width and Height are the page's MediaBox, in points.
	Width, Height float64
}

// Text is the page's text with the runs one per line.
func (p Page) Text() string {
	var b strings.Builder
	for _, r := range p.Runs {
		b.WriteString(r.Text)
		b.WriteByte('\n')
	}
	return b.String()
}

// Flat is the page's text with no whitespace at all, to find a text that
// the layout broke into lines.
func (p Page) Flat() string {
	return strings.Join(strings.Fields(p.Text()), "")
}

type pdfRef int

type pdfName string

type pdfDict map[pdfName]any

type pdfString []byte

type pdfOp string // an operator or keyword in a content stream

type pdfReader struct {
	data []byte
	offs map[int]int // object number → offset
	objs map[int]any
	strm map[int][]byte // decoded streams
	cmap map[int]*pdfCMap
}

// ReadPDF reads the text of every page of data.
func ReadPDF(data []byte) ([]Page, error) {
	r := &pdfReader{data: data, offs: map[int]int{}, objs: map[int]any{}, strm: map[int][]byte{}, cmap: map[int]*pdfCMap{}}
	if err := r.readXref(); err != nil {
		return nil, err
	}
	trailer, err := r.trailer()
	if err != nil {
		return nil, err
	}
	root, _ := r.resolve(trailer["Root"]).(pdfDict)
	pages, _ := r.resolve(root["Pages"]).(pdfDict)
	if pages == nil {
		return nil, fmt.Errorf("pdf: no page tree")
	}
	var out []Page
	var walk func(d pdfDict) error
	walk = func(d pdfDict) error {
		if d["Type"] == pdfName("Page") {
			p, err := r.page(d)
			if err != nil {
				return err
			}
			out = append(out, p)
			return nil
		}
		kids, _ := r.resolve(d["Kids"]).([]any)
		for _, k := range kids {
			kd, _ := r.resolve(k).(pdfDict)
			if kd == nil {
				return fmt.Errorf("pdf: bad page tree node %v", k)
			}
			if err := walk(kd); err != nil {
				return err
			}
		}
		return nil
	}
	return out, walk(pages)
}

var (
	pdfStartXref = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)
	pdfXrefEntry = regexp.MustCompile(`^(\d{10}) (\d{5}) ([nf])`)
)

func (r *pdfReader) readXref() error {
	m := pdfStartXref.FindSubmatch(r.data)
	if m == nil {
		return fmt.Errorf("pdf: no startxref")
	}
	off, _ := strconv.Atoi(string(m[1]))
	if off >= len(r.data) || !bytes.HasPrefix(r.data[off:], []byte("xref")) {
		return fmt.Errorf("pdf: no xref table at %d", off)
	}
	lines := strings.Split(strings.ReplaceAll(string(r.data[off:]), "\r", "\n"), "\n")
	obj := 0
	for _, l := range lines[1:] {
		l = strings.TrimSpace(l)
		switch {
		case l == "":
		case strings.HasPrefix(l, "trailer"):
			return nil
		case pdfXrefEntry.MatchString(l):
			e := pdfXrefEntry.FindStringSubmatch(l)
			if e[3] == "n" {
				o, _ := strconv.Atoi(e[1])
				r.offs[obj] = o
			}
			obj++
		default:
			var first, count int
			if _, err := fmt.Sscanf(l, "%d %d", &first, &count); err != nil {
				return fmt.Errorf("pdf: bad xref line %q", l)
			}
			obj = first
		}
	}
	return fmt.Errorf("pdf: no trailer")
}

func (r *pdfReader) trailer() (pdfDict, error) {
	i := bytes.LastIndex(r.data, []byte("trailer"))
	if i < 0 {
		return nil, fmt.Errorf("pdf: no trailer")
	}
	lx := &pdfLexer{b: r.data, i: i + len("trailer")}
	d, ok := lx.value().(pdfDict)
	if !ok {
		return nil, fmt.Errorf("pdf: bad trailer")
	}
	return d, nil
}

// object parses object n (and its stream, if any).
func (r *pdfReader) object(n int) any {
	if v, ok := r.objs[n]; ok {
		return v
	}
	off, ok := r.offs[n]
	if !ok {
		return nil
	}
	lx := &pdfLexer{b: r.data, i: off}
	lx.value() // number
	lx.value() // generation
	if lx.value() != pdfOp("obj") {
		return nil
	}
	v := lx.value()
	r.objs[n] = v
	if d, ok := v.(pdfDict); ok {
		lx.space()
		if bytes.HasPrefix(r.data[lx.i:], []byte("stream")) {
			start := lx.i + len("stream")
			if r.data[start] == '\r' {
				start++
			}
			if r.data[start] == '\n' {
				start++
			}
			length, _ := r.resolve(d["Length"]).(float64)
			raw := r.data[start : start+int(length)]
			if d["Filter"] == pdfName("FlateDecode") {
				zr, err := zlib.NewReader(bytes.NewReader(raw))
				if err == nil {
					raw, _ = io.ReadAll(zr)
				}
			}
			r.strm[n] = raw
		}
	}
	return v
}

func (r *pdfReader) resolve(v any) any {
	for i := 0; i < 10; i++ {
		ref, ok := v.(pdfRef)
		if !ok {
			return v
		}
		v = r.object(int(ref))
	}
	return nil
}

func (r *pdfReader) stream(v any) []byte {
	ref, ok := v.(pdfRef)
	if !ok {
		return nil
	}
	r.object(int(ref))
	return r.strm[int(ref)]
}

// page draws one page's content streams.
func (r *pdfReader) page(d pdfDict) (Page, error) {
	var content []byte
	switch c := d["Contents"].(type) {
	case pdfRef:
		content = r.stream(c)
	case []any:
		for _, s := range c {
			content = append(append(content, r.stream(s)...), '\n')
		}
	}
	res, _ := r.resolve(d["Resources"]).(pdfDict)
	var p Page
	if box, _ := r.resolve(d["MediaBox"]).([]any); len(box) == 4 {
		var v [4]float64
		for i, x := range box {
			v[i], _ = r.resolve(x).(float64)
		}
		p.Width, p.Height = v[2]-v[0], v[3]-v[1]
	}
	st := &pdfState{ctm: pdfIdentity}
	r.draw(content, res, st, &p, 0)
	st.flush(&p)
	return p, nil
}

type pdfMatrix [6]float64

var pdfIdentity = pdfMatrix{1, 0, 0, 1, 0, 0}

func (m pdfMatrix) mul(n pdfMatrix) pdfMatrix {
	return pdfMatrix{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

func (m pdfMatrix) scale() float64 { return math.Sqrt(math.Abs(m[0]*m[3] - m[1]*m[2])) }

type pdfState struct {
	ctm    pdfMatrix
	stack  []pdfMatrix
	tm     pdfMatrix
	tlm    pdfMatrix
	font   *pdfCMap
	size   float64
	run    strings.Builder
	rsize  float64
	rx, ry float64 // where the current run starts
	marks  []bool  // marked content: true where an /ActualText replaces the glyphs
	actual int     // how many of marks are true
}

func (st *pdfState) flush(p *Page) {
	if st.run.Len() > 0 {
		p.Runs = append(p.Runs, Run{Text: st.run.String(), Size: math.Round(st.rsize*10) / 10, X: st.rx, Y: st.ry})
	}
	st.run.Reset()
	st.rsize = 0
}

func (st *pdfState) emit(s string) {
	if st.rsize == 0 {
		m := st.tm.mul(st.ctm)
		st.rsize = st.size * m.scale()
		st.rx, st.ry = m[4], m[5]
	}
	st.run.WriteString(s)
}

func (r *pdfReader) draw(content []byte, res pdfDict, st *pdfState, p *Page, depth int) {
	fonts, _ := r.resolve(res["Font"]).(pdfDict)
	xobjs, _ := r.resolve(res["XObject"]).(pdfDict)
	lx := &pdfLexer{b: content}
	var args []any
	for {
		v := lx.value()
		if v == nil && lx.i >= len(lx.b) {
			return
		}
		op, ok := v.(pdfOp)
		if !ok {
			args = append(args, v)
			continue
		}
		num := func(i int) float64 {
			if i < len(args) {
				f, _ := args[i].(float64)
				return f
			}
			return 0
		}
		switch op {
		case "q":
			st.stack = append(st.stack, st.ctm)
		case "Q":
			if n := len(st.stack); n > 0 {
				st.ctm, st.stack = st.stack[n-1], st.stack[:n-1]
			}
		case "cm":
			st.ctm = pdfMatrix{num(0), num(1), num(2), num(3), num(4), num(5)}.mul(st.ctm)
		case "BT":
			st.flush(p)
			st.tm, st.tlm = pdfIdentity, pdfIdentity
		case "ET":
			st.flush(p)
		case "Tf":
			if len(args) < 2 {
				break
			}
			if name, ok := args[0].(pdfName); ok {
				st.font = r.fontMap(fonts[name])
			}
			st.size = num(1)
		case "Tm":
			st.tm = pdfMatrix{num(0), num(1), num(2), num(3), num(4), num(5)}
			st.tlm = st.tm
		case "Td", "TD":
			st.tlm = pdfMatrix{1, 0, 0, 1, num(0), num(1)}.mul(st.tlm)
			st.tm = st.tlm
		case "T*":
		case "Tj", "'", "\"":
			if len(args) == 0 {
				break
			}
			if s, ok := args[len(args)-1].(pdfString); ok && st.actual == 0 {
				st.emit(st.font.decode(s))
			}
		case "TJ":
			if len(args) == 0 {
				break
			}
			a, _ := args[0].([]any)
			for _, e := range a {
				if s, ok := e.(pdfString); ok && st.actual == 0 {
					st.emit(st.font.decode(s))
				}
			}
		case "BMC":
			st.marks = append(st.marks, false)
		case "BDC":
			actual := false
			if len(args) == 2 {
				props, _ := r.resolve(args[1]).(pdfDict)
				if s, ok := props["ActualText"].(pdfString); ok {
					if st.actual == 0 {
						st.emit(pdfText(s))
					}
					actual = true
				}
			}
			st.marks = append(st.marks, actual)
			if actual {
				st.actual++
			}
		case "EMC":
			if n := len(st.marks); n > 0 {
				if st.marks[n-1] {
					st.actual--
				}
				st.marks = st.marks[:n-1]
			}
		case "Do":
			if depth < 8 && len(args) == 1 {
				name, _ := args[0].(pdfName)
				x, _ := r.resolve(xobjs[name]).(pdfDict)
				if x != nil && x["Subtype"] == pdfName("Form") {
					sub, _ := r.resolve(x["Resources"]).(pdfDict)
					if sub == nil {
						sub = res
					}
					saved := st.ctm
					if m, ok := x["Matrix"].([]any); ok && len(m) == 6 {
						var mm pdfMatrix
						for i := range mm {
							mm[i], _ = m[i].(float64)
						}
						st.ctm = mm.mul(st.ctm)
					}
					r.draw(r.stream(xobjs[name]), sub, st, p, depth+1)
					st.ctm = saved
				}
			}
		}
		args = args[:0]
	}
}

// pdfCMap is a font's ToUnicode map.
type pdfCMap struct {
	width int // bytes per code
	m     map[uint32]string
}

var (
	pdfCodespace = regexp.MustCompile(`begincodespacerange\s*<([0-9A-Fa-f]+)>`)
	pdfBfchar    = regexp.MustCompile(`(?s)beginbfchar(.*?)endbfchar`)
	pdfBfrange   = regexp.MustCompile(`(?s)beginbfrange(.*?)endbfrange`)
	pdfHex       = regexp.MustCompile(`<([0-9A-Fa-f]*)>|\[|\]`)
)

func (r *pdfReader) fontMap(v any) *pdfCMap {
	ref, _ := v.(pdfRef)
	if c, ok := r.cmap[int(ref)]; ok {
		return c
	}
	c := &pdfCMap{width: 1, m: map[uint32]string{}}
	r.cmap[int(ref)] = c
	font, _ := r.resolve(v).(pdfDict)
	if font == nil {
		return c
	}
	if font["Subtype"] == pdfName("Type0") {
		c.width = 2
	}
	text := string(r.stream(font["ToUnicode"]))
	if m := pdfCodespace.FindStringSubmatch(text); m != nil {
		c.width = len(m[1]) / 2
	}
	hexNum := func(s string) uint32 {
		n, _ := strconv.ParseUint(s, 16, 32)
		return uint32(n)
	}
	for _, blk := range pdfBfchar.FindAllStringSubmatch(text, -1) {
		hs := pdfHex.FindAllStringSubmatch(blk[1], -1)
		for i := 0; i+1 < len(hs); i += 2 {
			c.m[hexNum(hs[i][1])] = pdfUTF16(hs[i+1][1])
		}
	}
	for _, blk := range pdfBfrange.FindAllStringSubmatch(text, -1) {
		toks := pdfHex.FindAllStringSubmatch(blk[1], -1)
		for i := 0; i+2 < len(toks); {
			lo, hi := hexNum(toks[i][1]), hexNum(toks[i+1][1])
			if toks[i+2][0] == "[" {
				j := i + 3
				for k := lo; j < len(toks) && toks[j][0] != "]"; j, k = j+1, k+1 {
					c.m[k] = pdfUTF16(toks[j][1])
				}
				i = j + 1
				continue
			}
			dst := []rune(pdfUTF16(toks[i+2][1]))
			for k := lo; k <= hi && len(dst) > 0; k++ {
				c.m[k] = string(dst)
				dst[len(dst)-1]++
			}
			i += 3
		}
	}
	return c
}

func (c *pdfCMap) decode(s pdfString) string {
	if c == nil {
		return ""
	}
	var b strings.Builder
	for i := 0; i+c.width <= len(s); i += c.width {
		var code uint32
		for _, x := range s[i : i+c.width] {
			code = code<<8 | uint32(x)
		}
		b.WriteString(c.m[code])
	}
	return b.String()
}

func pdfUTF16(h string) string {
	var u []uint16
	for i := 0; i+4 <= len(h); i += 4 {
		n, _ := strconv.ParseUint(h[i:i+4], 16, 16)
		u = append(u, uint16(n))
	}
	return string(utf16.Decode(u))
}

// pdfText decodes a text string: UTF-16BE with its mark, else PDFDocEncoding
// (taken as Latin-1, enough for what Chromium writes).
func pdfText(s pdfString) string {
	if len(s) >= 2 && s[0] == 0xfe && s[1] == 0xff {
		u := make([]uint16, 0, len(s)/2)
		for i := 2; i+1 < len(s); i += 2 {
			u = append(u, uint16(s[i])<<8|uint16(s[i+1]))
		}
		return string(utf16.Decode(u))
	}
	r := make([]rune, len(s))
	for i, c := range s {
		r[i] = rune(c)
	}
	return string(r)
}

// pdfLexer reads PDF objects and content stream tokens.
type pdfLexer struct {
	b []byte
	i int
}

func pdfDelim(c byte) bool { return strings.IndexByte("()<>[]{}/%", c) >= 0 }

func pdfSpace(c byte) bool { return strings.IndexByte(" \t\r\n\f\x00", c) >= 0 }

func (lx *pdfLexer) space() {
	for lx.i < len(lx.b) {
		c := lx.b[lx.i]
		switch {
		case pdfSpace(c):
			lx.i++
		case c == '%':
			for lx.i < len(lx.b) && lx.b[lx.i] != '\n' && lx.b[lx.i] != '\r' {
				lx.i++
			}
		default:
			return
		}
	}
}

// value reads one object: numbers followed by R become references, dicts
// and arrays are read whole. nil at the end.
func (lx *pdfLexer) value() any {
	v := lx.token()
	f, ok := v.(float64)
	if !ok {
		return v
	}
	save := lx.i
	if g, ok := lx.token().(float64); ok && g == math.Trunc(g) {
		if lx.token() == pdfOp("R") {
			return pdfRef(int(f))
		}
	}
	lx.i = save
	return f
}

func (lx *pdfLexer) token() any {
	lx.space()
	if lx.i >= len(lx.b) {
		return nil
	}
	b, c := lx.b, lx.b[lx.i]
	switch {
	case c == '/':
		j := lx.i + 1
		for j < len(b) && !pdfSpace(b[j]) && !pdfDelim(b[j]) {
			j++
		}
		n := string(b[lx.i+1 : j])
		lx.i = j
		return pdfName(n)
	case c == '(':
		return lx.literal()
	case c == '<' && lx.i+1 < len(b) && b[lx.i+1] == '<':
		lx.i += 2
		d := pdfDict{}
		for {
			lx.space()
			if lx.i+1 < len(b) && b[lx.i] == '>' && b[lx.i+1] == '>' {
				lx.i += 2
				return d
			}
			k, ok := lx.value().(pdfName)
			if !ok {
				return d
			}
			d[k] = lx.value()
		}
	case c == '<':
		j := bytes.IndexByte(b[lx.i:], '>')
		if j < 0 {
			lx.i = len(b)
			return nil
		}
		h := strings.Join(strings.Fields(string(b[lx.i+1:lx.i+j])), "")
		lx.i += j + 1
		if len(h)%2 == 1 {
			h += "0"
		}
		out := make(pdfString, len(h)/2)
		for k := range out {
			n, _ := strconv.ParseUint(h[2*k:2*k+2], 16, 8)
			out[k] = byte(n)
		}
		return out
	case c == '[':
		lx.i++
		var a []any
		for {
			lx.space()
			if lx.i >= len(b) {
				return a
			}
			if b[lx.i] == ']' {
				lx.i++
				return a
			}
			a = append(a, lx.value())
		}
	case c == ']' || c == '>' || c == ')' || c == '{' || c == '}':
		lx.i++
		return pdfOp(string(c))
	}
	j := lx.i
	for j < len(b) && !pdfSpace(b[j]) && !pdfDelim(b[j]) {
		j++
	}
	w := string(b[lx.i:j])
	lx.i = j
	if f, err := strconv.ParseFloat(w, 64); err == nil {
		return f
	}
	switch w {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	return pdfOp(w)
}

func (lx *pdfLexer) literal() pdfString {
	b := lx.b
	lx.i++ // (
	var out pdfString
	depth := 1
	for lx.i < len(b) {
		c := b[lx.i]
		lx.i++
		switch c {
		case '\\':
			if lx.i >= len(b) {
				return out
			}
			e := b[lx.i]
			lx.i++
			switch e {
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case '\r', '\n':
				if e == '\r' && lx.i < len(b) && b[lx.i] == '\n' {
					lx.i++
				}
			default:
				if e >= '0' && e <= '7' {
					n := int(e - '0')
					for k := 0; k < 2 && lx.i < len(b) && b[lx.i] >= '0' && b[lx.i] <= '7'; k++ {
						n = n*8 + int(b[lx.i]-'0')
						lx.i++
					}
					out = append(out, byte(n))
				} else {
					out = append(out, e)
				}
			}
		case '(':
			depth++
			out = append(out, c)
		case ')':
			depth--
			if depth == 0 {
				return out
			}
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	return out
}
