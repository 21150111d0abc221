package desk

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/xuri/excelize/v2"
	"github.com/zwgk-bot/zwgk/webauth"
	"github.com/zwgk-bot/zwgk/workflow"
)

// Where the workbook's sheets put things: the title in A1, the headings
// in row 2, the figures from row 3, the note under them.
const (
	sheetHeadRow = 2
	sheetDataRow = 3
)

// writeWorkbook writes 统计's tables as an .xlsx, a sheet per table:
// headings in Chinese, counts and hours as numbers, rates as percentages
// (the share, formatted 0.0%); a rate of nothing counted is "—" as on the
// page.
func writeWorkbook(w io.Writer, secs []section, words string) error {
	f := excelize.NewFile()
	defer f.Close()
	border := []excelize.Border{{Type: "left", Style: 1, Color: "000000"}, {Type: "right", Style: 1, Color: "000000"},
		{Type: "top", Style: 1, Color: "000000"}, {Type: "bottom", Style: 1, Color: "000000"}}
	styles := map[string]*excelize.Style{
		"title": {Font: &excelize.Font{Bold: true, Size: 12}},
		"head":  {Border: border, Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}},
		"label": {Border: border},
		"count": {Border: border, NumFmt: 1},                 // 0
		"hours": {Border: border, CustomNumFmt: ptr("0.0")},  // 1.5, as the page shows it
		"rate":  {Border: border, CustomNumFmt: ptr("0.0%")}, // 87.5%
		"none":  {Border: border, Alignment: &excelize.Alignment{Horizontal: "right"}},
		"note":  {Font: &excelize.Font{Color: "646A73"}},
	}
	ids := map[string]int{}
	for k, s := range styles {
		id, err := f.NewStyle(s)
		if err != nil {
			return fmt.Errorf("xlsx style %s: %w", k, err)
		}
		ids[k] = id
	}
	first := true
	for _, s := range secs {
		for _, t := range s.Tables {
			name := t.Sheet
			if first {
				if err := f.SetSheetName("Sheet1", name); err != nil {
					return fmt.Errorf("xlsx: %w", err)
				}
				first = false
			} else if _, err := f.NewSheet(name); err != nil {
				return fmt.Errorf("xlsx sheet %s: %w", name, err)
			}
			if err := writeSheet(f, name, t, words, ids); err != nil {
				return fmt.Errorf("xlsx sheet %s: %w", name, err)
			}
		}
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}

func ptr[T any](v T) *T { return &v }

func writeSheet(f *excelize.File, name string, t table, words string, ids map[string]int) error {
	set := func(col, row int, v any, style string) error {
		ref, err := excelize.CoordinatesToCellName(col, row)
		if err != nil {
			return err
		}
		if err := f.SetCellValue(name, ref, v); err != nil {
			return err
		}
		return f.SetCellStyle(name, ref, ref, ids[style])
	}
	if err := set(1, 1, t.Title+"（"+words+"）", "title"); err != nil {
		return err
	}
	for c, h := range t.Columns {
		if err := set(c+1, sheetHeadRow, h, "head"); err != nil {
			return err
		}
	}
	for r, row := range t.Rows {
		for c, x := range row {
			var v any = x.Text
			style := "label"
			switch val := x.Value.(type) {
			case int:
				v, style = val, "count"
			case float64:
				v, style = val, "hours"
			case rate:
				v, style = "—", "none"
				if val.ok() {
					v, style = val.share(), "rate"
				}
			}
			if err := set(c+1, sheetDataRow+r, v, style); err != nil {
				return err
			}
		}
	}
	if t.Note != "" {
		if err := set(1, sheetDataRow+len(t.Rows)+1, t.Note, "note"); err != nil {
			return err
		}
	}
	last, err := excelize.ColumnNumberToName(max(len(t.Columns), 1))
	if err != nil {
		return err
	}
	if err := f.SetColWidth(name, "A", "A", 22); err != nil {
		return err
	}
	if last != "A" {
		if err := f.SetColWidth(name, "B", last, 15); err != nil {
			return err
		}
	}
	return nil
}

// serveExport is 统计's workbook, for the period the page shows.
func (d *Desk) serveExport(w http.ResponseWriter, r *http.Request, v *webauth.Visitor) {
	p, secs, ok := d.periodFigures(w, r, v)
	if !ok {
		return
	}
	words := workflow.FormatDate(p.first, d.Location) + "至" + workflow.FormatDate(p.last, d.Location)
	var buf bytes.Buffer
	if err := writeWorkbook(&buf, secs, words); err != nil {
		d.fail(w, r, "stats workbook", err)
		return
	}
	ascii := "zwgk-stats-" + p.first.Format("20060102") + "-" + p.last.Format("20060102") + ".xlsx"
	name := "政务公开统计（" + words + "）.xlsx"
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="`+ascii+`"; filename*=UTF-8''`+rfc5987(name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(buf.Bytes())
}

// rfc5987 encodes s as an ext-value's characters (RFC 5987 §3.2.1): every
// byte outside attr-char percent-encoded, so that a Chinese filename
// reaches the browser whole.
func rfc5987(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
