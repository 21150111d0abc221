package letters

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"sync"
	"time"
)

//go:embed templates/letter.html
var letterFS embed.FS

// letterTmpl is parsed once; templates are safe for concurrent Execute.
var letterTmpl = template.Must(template.New("letter.html").Funcs(template.FuncMap{
	"lines": func(s string) []string { return strings.Split(s, "\n") },
	"runs":  runs,
}).ParseFS(letterFS, "templates/letter.html"))

// location is the business time zone. China has had no daylight saving
// since 1991, so a fixed UTC+8 is an exact fallback if tzdata is missing.
var location = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*60*60)
	}
	return loc
})

// Render writes l as one self-contained HTML page (no external resources)
// laid out for A4. It checks l first and writes nothing if l lacks what
// its kind needs (the error wraps ErrMissing or ErrInvalid) or if the
// page cannot be rendered.
func Render(w io.Writer, l Letter) error {
	if err := l.check(); err != nil {
		return fmt.Errorf("letters: %s: %w", l.Kind, err)
	}
	var buf bytes.Buffer
	if err := letterTmpl.ExecuteTemplate(&buf, "letter.html", newPage(l)); err != nil {
		return fmt.Errorf("letters: rendering %s: %w", l.Kind, err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("letters: writing %s: %w", l.Kind, err)
	}
	return nil
}

// run is a piece of a line of text; Long marks a run of 16 or more Latin
// letters, figures and signs without a space (a web address, a file
// name), which the page lets break anywhere.
type run struct {
	Text string
	Long bool
}

// runs splits a line into its long Latin runs and the rest.
func runs(line string) []run {
	var out []run
	rs := []rune(line)
	start := 0
	for i := 0; i < len(rs); {
		if !latin(rs[i]) {
			i++
			continue
		}
		j := i
		for j < len(rs) && latin(rs[j]) {
			j++
		}
		if j-i >= 16 {
			if start < i {
				out = append(out, run{Text: string(rs[start:i])})
			}
			out = append(out, run{Text: string(rs[i:j]), Long: true})
			start = j
		}
		i = j
	}
	if start < len(rs) {
		out = append(out, run{Text: string(rs[start:])})
	}
	return out
}

func latin(r rune) bool { return r > ' ' && r < 0x7f }
