package workflow

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// calendarFile is one parsed calendar YAML document.
type calendarFile struct {
	name  string // for error messages
	years []*yearEntries
	hours []period // nil when the document does not set working_hours
}

// yearEntries are the days one document lists for one year, each mapped to
// the line it was listed on.
type yearEntries struct {
	year   int
	line   int
	source string
	off    map[int]int
	work   map[int]int
}

// Where a covered year's days come from (YearSource.Source).
const (
	SourceEmbedded = "embedded" // holidays.yaml, compiled in
	SourceOffice   = "office"   // confirmed by the office (「日历 添加」 or zwgk calendar add)
	SourceFile     = "file"     // a whole year in CALENDAR_FILE
)

// YearSource says where a covered year's days come from.
type YearSource struct {
	Year   int
	Source string // SourceEmbedded, SourceOffice or SourceFile
	Note   string // the embedded source line, or NoticeYear.Note
	Local  bool   // CALENDAR_FILE changes some of its days
}

// NoticeYear is one whole year of statutory days off and 调休 make-up
// working days, as its State Council notice gives them. The dates are
// taken in Asia/Shanghai.
type NoticeYear struct {
	Year int
	Off  []time.Time
	Work []time.Time
	Note string // who confirmed it and when, for zwgk calendar
}

// entries returns y in the form the YAML data takes.
func (y NoticeYear) entries() (*yearEntries, error) {
	e := &yearEntries{year: y.Year, off: make(map[int]int), work: make(map[int]int)}
	for _, list := range []struct {
		days []time.Time
		into map[int]int
	}{{y.Off, e.off}, {y.Work, e.work}} {
		for _, t := range list.days {
			day := dayOf(t.In(shanghai()).Date())
			if yr, _, _ := civilDate(day); yr != y.Year {
				return nil, fmt.Errorf("year %d: %s is not in %d", y.Year, formatDay(day), y.Year)
			}
			list.into[day] = 0
		}
	}
	for day := range e.work {
		if _, ok := e.off[day]; ok {
			return nil, fmt.Errorf("year %d: %s is listed both as off and as work", y.Year, formatDay(day))
		}
	}
	return e, nil
}

// buildCalendar parses the embedded data, puts the office's years over
// it, applies the extra YAML (see NewCalendar) and builds the day table.
func buildCalendar(embedded []byte, s CalendarSources) (*calendarData, error) {
	base, err := parseCalendarFile(embeddedName, embedded)
	if err != nil {
		return nil, err
	}
	if base.hours == nil {
		return nil, fmt.Errorf("%s: working_hours missing", embeddedName)
	}
	more, err := parseCalendarFile("calendar extra data", s.Extra)
	if err != nil {
		return nil, err
	}

	years := make(map[int]*yearEntries)
	sources := make(map[int]YearSource)
	for _, y := range base.years {
		if err := checkWholeYear(base.name, y); err != nil {
			return nil, err
		}
		years[y.year] = y
		sources[y.year] = YearSource{Year: y.year, Source: SourceEmbedded, Note: y.source}
	}
	for _, ny := range s.Years {
		y, err := ny.entries()
		if err != nil {
			return nil, fmt.Errorf("office calendar: %w", err)
		}
		if err := checkWholeYear("office calendar", y); err != nil {
			return nil, err
		}
		years[y.year] = y
		sources[y.year] = YearSource{Year: y.year, Source: SourceOffice, Note: ny.Note}
	}
	for _, y := range more.years {
		known, ok := years[y.year]
		if !ok {
			if err := checkWholeYear(more.name, y); err != nil {
				return nil, err
			}
			years[y.year] = y
			sources[y.year] = YearSource{Year: y.year, Source: SourceFile, Note: y.source}
			continue
		}
		if err := overrideYear(more.name, known, y); err != nil {
			return nil, err
		}
		src := sources[y.year]
		src.Local = true
		sources[y.year] = src
	}
	if len(years) == 0 {
		return nil, fmt.Errorf("%s: no years", embeddedName)
	}

	c := &calendarData{
		loc:     shanghai(),
		years:   slices.Sorted(maps.Keys(years)),
		hours:   base.hours,
		sources: sources,
	}
	if more.hours != nil {
		c.hours = more.hours
	}
	for i := 1; i < len(c.years); i++ {
		if c.years[i] != c.years[i-1]+1 {
			return nil, fmt.Errorf("calendar years must be contiguous: %d is missing between %d and %d",
				c.years[i-1]+1, c.years[i-1], c.years[i])
		}
	}
	c.first = dayOf(c.years[0], time.January, 1)
	last := dayOf(c.years[len(c.years)-1], time.December, 31)
	c.work = make([]bool, last-c.first+1)
	for i := range c.work {
		day := c.first + i
		y, _, _ := civilDate(day)
		e := years[y]
		_, off := e.off[day]
		_, work := e.work[day]
		c.work[i] = work || (!off && !isWeekend(day))
	}
	return c, nil
}

// checkWholeYear checks that y looks like a complete year copied from its
// State Council notice.
func checkWholeYear(name string, y *yearEntries) error {
	for _, day := range sortedDays(y.work) {
		if !isWeekend(day) {
			return fmt.Errorf("%s: line %d: make-up working day %s is a %s; make-up days fall on a Saturday or Sunday",
				name, y.work[day], formatDay(day), weekdayOf(day))
		}
	}
	for _, t := range fixedDaysOff(y.year) {
		day := dayOf(t.Date())
		if _, ok := y.off[day]; !ok {
			return fmt.Errorf("%s: line %d: year %d: statutory holiday %s is not listed as off; a year without embedded data must be given whole",
				name, y.line, y.year, formatDay(day))
		}
	}
	net := -len(y.work)
	for day := range y.off {
		if !isWeekend(day) {
			net++
		}
	}
	if want := statutoryDays(y.year); net < want {
		return fmt.Errorf("%s: line %d: year %d: weekdays off minus make-up days is %d, want at least %d statutory days; a year without embedded data must be given whole",
			name, y.line, y.year, net, want)
	}
	return nil
}

// overrideYear applies local changes in extra to a year that is already
// covered.
func overrideYear(name string, base, extra *yearEntries) error {
	for _, day := range sortedDays(extra.work) {
		_, off := base.off[day]
		if !off && !isWeekend(day) {
			return fmt.Errorf("%s: line %d: work day %s is already a working day (a %s)",
				name, extra.work[day], formatDay(day), weekdayOf(day))
		}
	}
	for day, line := range extra.off {
		delete(base.work, day)
		base.off[day] = line
	}
	for day, line := range extra.work {
		delete(base.off, day)
		base.work[day] = line
	}
	return nil
}

// parseCalendarFile parses one calendar YAML document. Empty input (or only
// comments) gives an empty calendarFile.
func parseCalendarFile(name string, data []byte) (*calendarFile, error) {
	f := &calendarFile{name: name}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return f, nil
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return nil, fmt.Errorf("%s: line %d: more than one YAML document", name, next.Line)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return f, nil
		}
		root = root.Content[0]
	}
	root = resolveAlias(root)
	if isNull(root) {
		return f, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, f.errorf(root, "want a mapping with keys years and working_hours")
	}
	seen := make(map[string]bool)
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i], resolveAlias(root.Content[i+1])
		if seen[key.Value] {
			return nil, f.errorf(key, "%s given twice", key.Value)
		}
		seen[key.Value] = true
		var err error
		switch key.Value {
		case "years":
			err = f.parseYears(val)
		case "working_hours":
			f.hours, err = f.parseHours(key, val)
		default:
			err = f.errorf(key, "unknown key %q (want years or working_hours)", key.Value)
		}
		if err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (f *calendarFile) parseYears(n *yaml.Node) error {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return f.errorf(n, "years: want a mapping from year to its days")
	}
	seen := make(map[int]bool)
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], resolveAlias(n.Content[i+1])
		year, err := strconv.Atoi(key.Value)
		if err != nil || year < 1000 || year > 9999 || key.Kind != yaml.ScalarNode {
			return f.errorf(key, "bad year %q (want four digits, e.g. 2027)", key.Value)
		}
		if seen[year] {
			return f.errorf(key, "year %d given twice", year)
		}
		seen[year] = true
		y, err := f.parseYear(year, key, val)
		if err != nil {
			return err
		}
		f.years = append(f.years, y)
	}
	return nil
}

func (f *calendarFile) parseYear(year int, key, n *yaml.Node) (*yearEntries, error) {
	y := &yearEntries{year: year, line: key.Line, off: make(map[int]int), work: make(map[int]int)}
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		return nil, f.errorf(key, "year %d: want a mapping with off and work lists", year)
	}
	seen := make(map[string]bool)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolveAlias(n.Content[i+1])
		if seen[k.Value] {
			return nil, f.errorf(k, "year %d: %s given twice", year, k.Value)
		}
		seen[k.Value] = true
		switch k.Value {
		case "off":
			if err := f.parseDays(y, k, v, y.off, "off"); err != nil {
				return nil, err
			}
		case "work":
			if err := f.parseDays(y, k, v, y.work, "work"); err != nil {
				return nil, err
			}
		case "source":
			if v.Kind != yaml.ScalarNode {
				return nil, f.errorf(k, "year %d: source: want a string", year)
			}
			y.source = v.Value
		default:
			return nil, f.errorf(k, "year %d: unknown key %q (want off, work or source)", year, k.Value)
		}
	}
	for _, day := range sortedDays(y.work) {
		if offLine, ok := y.off[day]; ok {
			workLine := y.work[day]
			return nil, fmt.Errorf("%s: line %d: %s is listed both as off (line %d) and as work (line %d)",
				f.name, workLine, formatDay(day), offLine, workLine)
		}
	}
	return y, nil
}

// parseDays adds the days listed in n (a sequence of "YYYY-MM-DD" or
// "YYYY-MM-DD..YYYY-MM-DD") to into, with their lines.
func (f *calendarFile) parseDays(y *yearEntries, key, n *yaml.Node, into map[int]int, list string) error {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return f.errorf(key, "year %d: %s: want a list of dates", y.year, list)
	}
	for _, item := range n.Content {
		item = resolveAlias(item)
		if item.Kind != yaml.ScalarNode {
			return f.errorf(item, "year %d: %s: want a date or a range of dates", y.year, list)
		}
		from, to, err := parseDayRange(item.Value)
		if err != nil {
			return f.errorf(item, "year %d: %s: %v", y.year, list, err)
		}
		for _, day := range []int{from, to} {
			if yr, _, _ := civilDate(day); yr != y.year {
				return f.errorf(item, "year %d: %s: %s is not in %d", y.year, list, formatDay(day), y.year)
			}
		}
		for day := from; day <= to; day++ {
			if line, dup := into[day]; dup {
				return f.errorf(item, "year %d: %s: %s is already listed (line %d)", y.year, list, formatDay(day), line)
			}
			into[day] = item.Line
		}
	}
	return nil
}

// parseDayRange parses "YYYY-MM-DD" or "YYYY-MM-DD..YYYY-MM-DD" (inclusive).
func parseDayRange(s string) (from, to int, err error) {
	first, last, isRange := strings.Cut(s, "..")
	from, err = parseDay(first)
	if err != nil {
		return 0, 0, err
	}
	if !isRange {
		return from, from, nil
	}
	to, err = parseDay(last)
	if err != nil {
		return 0, 0, err
	}
	if to < from {
		return 0, 0, fmt.Errorf("range %q ends before it starts", s)
	}
	return from, to, nil
}

func parseDay(s string) (int, error) {
	s = strings.TrimSpace(s)
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, fmt.Errorf("bad date %q (want YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD)", s)
	}
	return dayOf(t.Date()), nil
}

// parseHours parses working_hours: a non-empty list of "HH:MM-HH:MM"
// periods in ascending order that do not overlap. 24:00 may end a period.
func (f *calendarFile) parseHours(key, n *yaml.Node) ([]period, error) {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return nil, f.errorf(key, `working_hours: want a non-empty list like ["08:30-12:00", "14:30-17:30"]`)
	}
	var ps []period
	for _, item := range n.Content {
		item = resolveAlias(item)
		if item.Kind != yaml.ScalarNode {
			return nil, f.errorf(item, `working_hours: want a period like "08:30-12:00"`)
		}
		p, err := parsePeriod(item.Value)
		if err != nil {
			return nil, f.errorf(item, "working_hours: %v", err)
		}
		if len(ps) > 0 && p.start < ps[len(ps)-1].end {
			return nil, f.errorf(item, "working_hours: %q overlaps or precedes the period before it", item.Value)
		}
		ps = append(ps, p)
	}
	return ps, nil
}

func parsePeriod(s string) (period, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return period{}, fmt.Errorf("bad period %q (want HH:MM-HH:MM)", s)
	}
	start, err1 := parseClock(a)
	end, err2 := parseClock(b)
	if err := errors.Join(err1, err2); err != nil {
		return period{}, fmt.Errorf("bad period %q: %w", s, err)
	}
	if start >= end {
		return period{}, fmt.Errorf("bad period %q: it does not end after it starts", s)
	}
	if start >= 24*time.Hour {
		return period{}, fmt.Errorf("bad period %q: 24:00 can only end a period", s)
	}
	return period{start: start, end: end}, nil
}

// parseClock parses "HH:MM" from 00:00 to 24:00.
func parseClock(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	bad := fmt.Errorf("bad time %q (want HH:MM)", s)
	if len(s) != 5 || s[2] != ':' {
		return 0, bad
	}
	h, errH := strconv.Atoi(s[:2])
	m, errM := strconv.Atoi(s[3:])
	if errH != nil || errM != nil || s[0] == '+' || s[0] == '-' || s[3] == '+' || s[3] == '-' ||
		h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, bad
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

func (f *calendarFile) errorf(n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("%s: line %d: %s", f.name, n.Line, fmt.Sprintf(format, args...))
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

func sortedDays(m map[int]int) []int {
	return slices.Sorted(maps.Keys(m))
}

func formatDay(day int) string {
	y, m, d := civilDate(day)
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
}
