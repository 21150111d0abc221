package cli

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"
)

// csvFile reads an import file whose first row names its columns, in any
// order. Problems are collected with the file name and line, so that the
// office can mend every line of a file in one go.
type csvFile struct {
	name     string
	columns  []string // the columns it may have
	required []string
	problems []string
}

// rows calls row for each data row with its line and a getter of the
// row's trimmed fields by column name. It stops at a header problem.
func (f *csvFile) rows(r io.Reader, row func(line int, get func(string) string)) error {
	rd := csv.NewReader(r)
	rd.FieldsPerRecord = -1
	header, err := rd.Read()
	if err != nil {
		return fmt.Errorf("%s: cannot read the header row: %w", f.name, err)
	}
	if !allUTF8(header) {
		f.problem(1, notUTF8)
		return nil
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")) // Excel's BOM
		if !slices.Contains(f.columns, h) {
			f.problem(1, fmt.Sprintf("unknown column %q (columns: %s)", h, strings.Join(f.columns, ", ")))
			continue
		}
		if _, dup := col[h]; dup {
			f.problem(1, fmt.Sprintf("column %q appears twice", h))
		}
		col[h] = i
	}
	for _, req := range f.required {
		if _, ok := col[req]; !ok {
			f.problem(1, fmt.Sprintf("required column %q is missing", req))
		}
	}
	if len(f.problems) > 0 {
		return nil
	}
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			return nil
		}
		line, _ := rd.FieldPos(0)
		if err != nil {
			f.problem(line, err.Error())
			continue
		}
		// Checked before the fields: a GBK file (Excel's default on a
		// Chinese Windows) would otherwise be reported field by field,
		// which sends the office looking in the wrong place.
		if !allUTF8(rec) {
			f.problem(line, notUTF8)
			continue
		}
		row(line, func(k string) string {
			if i, ok := col[k]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		})
	}
}

func (f *csvFile) problem(line int, msg string) {
	f.problems = append(f.problems, fmt.Sprintf("%s:%d: %s", f.name, line, msg))
}
