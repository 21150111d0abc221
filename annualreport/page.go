package annualreport

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/workflow"
)

//go:embed templates/report.html
var pageFiles embed.FS

var pageTemplate = template.Must(template.ParseFS(pageFiles, "templates/report.html"))

// PageInfo is what the printable page shows besides the report.
type PageInfo struct {
	// Bureau is the bureau's name (BUREAU_NAME, as the letters print it);
	// empty prints the template's （单位名称） for the office to fill in.
	Bureau string
	// Generated is when the page was made; Expires when its link stops
	// working (zero: not shown). Both are shown on screen only, in Loc.
	Generated, Expires time.Time
	Loc                *time.Location
	// Embedded is the report inside another page (the desk's), which
	// shows the checks, the drafts and the link itself: RenderBody.
	Embedded bool
}

// Title is the report's title: 「某区分局2026年政府信息公开工作年度报告」.
func Title(bureau string, year int) string {
	if bureau = strings.TrimSpace(bureau); bureau == "" {
		bureau = "（单位名称）"
	}
	return fmt.Sprintf("%s%d年政府信息公开工作年度报告", bureau, year)
}

type pageView struct {
	Title, Preamble    string
	Problems           []string
	Drafts             string
	Sections           []pageSection
	Generated, Expires string
	Embedded           bool
	// Open says, on screen, that the year has not ended: the figures are
	// to the day the page was made.
	Open string
}

type pageSection struct {
	Number, Title string
	Draft         bool
	Paragraphs    []string
	Table         *htmlTable
}

type htmlTable struct {
	Class      string
	Widths     []float64
	Head, Body [][]htmlCell
}

type htmlCell struct {
	Text             string
	Rowspan, Colspan int
	Head, Num        bool
}

// RenderHTML writes r as the printable page, laid out like the published
// reports: the title, the opening paragraph, the six sections in order
// with tables 二, 三 and 四 in theirs (the template's headings, merged as
// it merges them). On screen only, not in print: the checks' problems at
// the top while any remain, and which sections are still zwgk's drafts.
func RenderHTML(w io.Writer, r *Report, info PageInfo) error {
	info.Embedded = false
	return render(w, "page", r, info)
}

// RenderBody writes r as RenderHTML lays it out, for embedding in another
// page: the report's scoped style and its body (section 一 in
// section#report-一, and so on), without the page around them; with
// info.Embedded, without the banners and the line about the link, which
// the embedding page shows in its own way.
func RenderBody(w io.Writer, r *Report, info PageInfo) error {
	return render(w, "fragment", r, info)
}

func render(w io.Writer, name string, r *Report, info PageInfo) error {
	loc := info.Loc
	if loc == nil {
		loc = time.Local
	}
	v := pageView{Title: Title(info.Bureau, r.Year), Preamble: Preamble(r.Year), Problems: r.Problems,
		Generated: info.Generated.In(loc).Format("2006-01-02 15:04"), Embedded: info.Embedded}
	if !info.Expires.IsZero() {
		v.Expires = info.Expires.In(loc).Format("2006-01-02 15:04")
	}
	if !info.Generated.IsZero() && info.Generated.In(loc).Year() <= r.Year {
		v.Open = fmt.Sprintf("%d年尚未结束，报告中的数据截至%s，仅供预览。", r.Year, workflow.FormatDate(info.Generated, loc))
	}
	var drafts []string
	for _, s := range r.Sections {
		ps := pageSection{Number: s.Number, Title: s.Title, Draft: s.Draft, Paragraphs: paragraphs(s.Text)}
		if s.Draft {
			drafts = append(drafts, s.Title)
		}
		switch s.Number {
		case "二":
			ps.Table = htmlGrid(Table2Grid(r.T2), "t2", []float64{34, 22, 22, 22})
		case "三":
			ps.Table = htmlGrid(Table3Grid(r.T3), "t3", []float64{8, 12, 29, 7.3, 7.3, 7.3, 7.3, 7.3, 7.2, 7.3})
		case "四":
			widths := make([]float64, 15)
			for i := range widths {
				widths[i] = 100.0 / 15
			}
			ps.Table = htmlGrid(Table4Grid(r.T4), "t4", widths)
		}
		v.Sections = append(v.Sections, ps)
	}
	v.Drafts = strings.Join(drafts, "；") // the titles hold 、 themselves
	var b strings.Builder
	if err := pageTemplate.ExecuteTemplate(&b, name, v); err != nil {
		return fmt.Errorf("annual report page %d: %w", r.Year, err)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// paragraphs are a section's text one paragraph a line: the office's
// blank lines separate paragraphs, and so does a single line break.
func paragraphs(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// htmlGrid is g as table rows: a merged range is one cell spanning its
// rows and columns, the cells under it are left out; the grid's heading
// rows go in thead, so that a table running onto the next sheet repeats
// them.
func htmlGrid(g Grid, class string, widths []float64) *htmlTable {
	width := len(widths)
	top := map[[2]int]Merge{}
	covered := map[[2]int]bool{}
	for _, m := range g.Merges {
		top[[2]int{m.Top, m.Left}] = m
		for r := m.Top; r <= m.Bottom; r++ {
			for c := m.Left; c <= m.Right; c++ {
				if r != m.Top || c != m.Left {
					covered[[2]int{r, c}] = true
				}
			}
		}
	}
	t := &htmlTable{Class: class, Widths: widths}
	for r, row := range g.Cells {
		var cells []htmlCell
		for c := range width {
			if covered[[2]int{r, c}] {
				continue
			}
			var cell Cell
			if c < len(row) {
				cell = row[c]
			}
			h := htmlCell{Text: cell.String(), Rowspan: 1, Colspan: 1, Head: r < g.Header || cell.Head, Num: cell.IsNum}
			if m, ok := top[[2]int{r, c}]; ok {
				h.Rowspan, h.Colspan = m.Bottom-m.Top+1, m.Right-m.Left+1
			}
			cells = append(cells, h)
		}
		if r < g.Header {
			t.Head = append(t.Head, cells)
		} else {
			t.Body = append(t.Body, cells)
		}
	}
	return t
}
