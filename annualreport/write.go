package annualreport

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
	"github.com/zwgk-bot/zwgk/workflow"
)

// Sheet names of the .xlsx.
const (
	Sheet2 = "表二"
	Sheet3 = "表三"
	Sheet4 = "表四"
)

// Grids are the three tables as grids, in the report's order.
func (t Tables) Grids() []Grid {
	return []Grid{Table2Grid(t.T2), Table3Grid(t.T3), Table4Grid(t.T4)}
}

// WriteXLSX writes tables 二, 三 and 四 as an .xlsx, one sheet each: the
// table's title over it, then its grid with the template's merged
// headings.
func WriteXLSX(w io.Writer, t Tables) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", Sheet2); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	for _, name := range []string{Sheet3, Sheet4} {
		if _, err := f.NewSheet(name); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	border := []excelize.Border{{Type: "left", Style: 1, Color: "000000"}, {Type: "right", Style: 1, Color: "000000"},
		{Type: "top", Style: 1, Color: "000000"}, {Type: "bottom", Style: 1, Color: "000000"}}
	head, err := f.NewStyle(&excelize.Style{Border: border, Font: &excelize.Font{Bold: true},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	if err != nil {
		return fmt.Errorf("xlsx style: %w", err)
	}
	label, err := f.NewStyle(&excelize.Style{Border: border, Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}})
	if err != nil {
		return fmt.Errorf("xlsx style: %w", err)
	}
	num, err := f.NewStyle(&excelize.Style{Border: border, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	if err != nil {
		return fmt.Errorf("xlsx style: %w", err)
	}
	title, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 12}})
	if err != nil {
		return fmt.Errorf("xlsx style: %w", err)
	}
	sheets := []struct {
		name   string
		g      Grid
		widths map[string]float64
	}{
		{Sheet2, Table2Grid(t.T2), map[string]float64{"A": 22, "B:D": 16}},
		{Sheet3, Table3Grid(t.T3), map[string]float64{"A": 10, "B": 18, "C": 40, "D:J": 11}},
		{Sheet4, Table4Grid(t.T4), map[string]float64{"A:O": 10}},
	}
	for _, s := range sheets {
		if err := f.SetCellStr(s.name, "A1", s.g.Title); err != nil {
			return fmt.Errorf("xlsx %s: %w", s.name, err)
		}
		if err := f.SetCellStyle(s.name, "A1", "A1", title); err != nil {
			return fmt.Errorf("xlsx %s: %w", s.name, err)
		}
		for r, row := range s.g.Cells {
			for c, cell := range row {
				ref := CellName(r, c)
				style := num
				switch {
				case r < s.g.Header || cell.Head:
					style = head
				case !cell.IsNum:
					style = label
				}
				if err := f.SetCellStyle(s.name, ref, ref, style); err != nil {
					return fmt.Errorf("xlsx %s: %w", s.name, err)
				}
				switch {
				case cell.Decimal != "":
					// A number Excel can add up, shown with the decimals it has.
					err = f.SetCellFloat(s.name, ref, float64(cell.Yuan)/10000, -1, 64)
				case cell.IsNum:
					err = f.SetCellInt(s.name, ref, int64(cell.Number))
				case cell.Text != "":
					err = f.SetCellStr(s.name, ref, cell.Text)
				}
				if err != nil {
					return fmt.Errorf("xlsx %s %s: %w", s.name, ref, err)
				}
			}
		}
		for _, m := range s.g.Merges {
			if err := f.MergeCell(s.name, CellName(m.Top, m.Left), CellName(m.Bottom, m.Right)); err != nil {
				return fmt.Errorf("xlsx %s merge: %w", s.name, err)
			}
		}
		for cols, wd := range s.widths {
			lo, hi, _ := strings.Cut(cols, ":")
			if hi == "" {
				hi = lo
			}
			if err := f.SetColWidth(s.name, lo, hi, wd); err != nil {
				return fmt.Errorf("xlsx %s: %w", s.name, err)
			}
		}
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	return nil
}

// CellName is the .xlsx reference of a grid cell: the grid starts on row
// 2, under the title.
func CellName(r, c int) string {
	name, _ := excelize.CoordinatesToCellName(c+1, r+2)
	return name
}

// WriteCSV writes the same cells as the .xlsx: each table's title, then
// its grid (a merged range's text in its first cell only), a blank line
// between the tables. It starts with a byte order mark: the office opens
// it in Excel, which reads UTF-8 without one as GBK.
func WriteCSV(w io.Writer, t Tables) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return fmt.Errorf("csv: %w", err)
	}
	cw := csv.NewWriter(w)
	for i, g := range t.Grids() {
		if i > 0 {
			cw.Write([]string{})
		}
		cw.Write([]string{g.Title})
		width := 0
		for _, row := range g.Cells {
			width = max(width, len(row))
		}
		for _, row := range g.Cells {
			rec := make([]string, width)
			for c, cell := range row {
				rec[c] = cell.String()
			}
			cw.Write(rec)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("csv: %w", err)
	}
	return nil
}

// WriteText prints the tables for a terminal, aligned for a monospaced
// font that shows Chinese at double width. Table 二 keeps the template's
// rows, each item of Art. 20 over its headings and categories; table 三
// its rows, each heading indented under its parent; table 四 is turned to
// a row per group (行政复议, 行政诉讼 ·未经复议直接起诉, ·复议后起诉) under the
// five results, which fits a terminal where 15 columns do not.
func WriteText(w io.Writer, t Tables) error {
	var b strings.Builder
	writeTable2Text(&b, Table2Grid(t.T2))
	fmt.Fprintln(&b)
	t3, t4 := t.T3, t.T4
	type line struct {
		label string
		cells []string
	}
	var lines []line
	section, group := "", ""
	for _, l := range t3.Lines() {
		if l.Group != "" && l.Section != section {
			lines = append(lines, line{label: l.Section})
		}
		section = l.Section
		cells := make([]string, len(l.Cells))
		for i, v := range l.Cells {
			cells[i] = strconv.Itoa(v)
		}
		switch {
		case l.Group == "":
			lines = append(lines, line{l.Section, cells})
			group = ""
		case l.Item == "":
			lines = append(lines, line{"  " + l.Group, cells})
			group = ""
		default:
			if l.Group != group {
				lines = append(lines, line{label: "  " + l.Group})
				group = l.Group
			}
			lines = append(lines, line{"    " + l.Item, cells})
		}
	}
	labelW := 0
	for _, l := range lines {
		labelW = max(labelW, Width(l.label))
	}
	heads := []string{PersonHead}
	for _, at := range workflow.ApplicantTypes()[1:] {
		heads = append(heads, string(at))
	}
	heads = append(heads, TotalHead)
	colW := make([]int, len(heads))
	for i, h := range heads {
		colW[i] = max(Width(h), 4) + 2
	}
	orgW := 0
	for _, cw := range colW[1:6] {
		orgW += cw
	}
	fmt.Fprintln(&b, Table3Title)
	fmt.Fprintln(&b, Table3Note)
	fmt.Fprintln(&b, pad("", labelW)+"  "+ApplicantsHead)
	fmt.Fprintln(&b, strings.TrimRight(pad("", labelW)+"  "+pad(PersonHead, colW[0])+pad(OrgsHead, orgW)+TotalHead, " "))
	row := pad("", labelW) + "  " + pad("", colW[0])
	for i := 1; i < 6; i++ {
		row += pad(heads[i], colW[i])
	}
	fmt.Fprintln(&b, strings.TrimRight(row, " "))
	for _, l := range lines {
		row := pad(l.label, labelW) + "  "
		for i, c := range l.cells {
			row += padLeft(c, colW[i]-2) + "  "
		}
		fmt.Fprintln(&b, strings.TrimRight(row, " "))
	}
	fmt.Fprintln(&b)
	fmt.Fprintln(&b, Table4Title)
	groups := []string{ReviewHead, SuitHead + "·" + workflow.ReviewKindLabel(workflow.SuitDirect), SuitHead + "·" + workflow.ReviewKindLabel(workflow.SuitAfterReview)}
	gw := 0
	for _, g := range groups {
		gw = max(gw, Width(g))
	}
	row = pad("", gw)
	for _, r := range workflow.ReviewResults() {
		row += "  " + workflow.ReviewResultLabel(r)
	}
	fmt.Fprintln(&b, row+"  "+TotalHead)
	for k, kind := range workflow.ReviewKinds() {
		row := pad(groups[k], gw)
		g := t4[kind]
		for j, v := range g {
			wd := 8
			if j == workflow.ReviewTotal {
				wd = 4
			}
			row += "  " + padLeft(strconv.Itoa(v), wd)
		}
		fmt.Fprintln(&b, row)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Width is s's width in a terminal: Chinese characters and full-width
// punctuation take two columns.
func Width(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r >= 0x2E80 && r <= 0xA4CF, r >= 0xAC00 && r <= 0xD7A3, r >= 0xF900 && r <= 0xFAFF, r >= 0xFF00 && r <= 0xFF60, r >= 0xFFE0 && r <= 0xFFE6:
			n += 2
		default:
			n++
		}
	}
	return n
}

func pad(s string, w int) string     { return s + strings.Repeat(" ", max(0, w-Width(s))) }
func padLeft(s string, w int) string { return strings.Repeat(" ", max(0, w-Width(s))) + s }

// writeTable2Text prints table 二's grid: an item's heading flush left,
// its column headings and categories indented, each figure right-aligned
// under its heading.
func writeTable2Text(b *strings.Builder, g Grid) {
	fmt.Fprintln(b, g.Title)
	labelW := 0
	for _, row := range g.Cells {
		if len(row) > 1 {
			labelW = max(labelW, Width(row[0].Text))
		}
	}
	var widths []int
	for _, row := range g.Cells {
		if len(row) == 1 { // an item's heading, spanning the table
			fmt.Fprintln(b, row[0].Text)
			continue
		}
		line := "  " + pad(row[0].Text, labelW)
		if row[0].Head {
			widths = widths[:0]
			for _, c := range row[1:] {
				if c.Text != "" {
					widths = append(widths, Width(c.Text))
					line += "  " + c.Text
				}
			}
			fmt.Fprintln(b, line)
			continue
		}
		i := 0
		for _, c := range row[1:] {
			if !c.IsNum || i >= len(widths) {
				continue
			}
			line += "  " + padLeft(c.String(), widths[i])
			i++
		}
		fmt.Fprintln(b, line)
	}
}
