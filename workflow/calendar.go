package workflow

import (
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// ErrNoCalendarData is returned, wrapped with the year (for example
// "2027: no working-day calendar data"), when an answer needs a day of a year
// the calendar has no holiday data for. The calendar never falls back to
// counting weekends only: a deadline that is silently wrong by a holiday is
// worse than no deadline.
var ErrNoCalendarData = errors.New("no working-day calendar data")

//go:embed holidays.yaml
var embeddedHolidays []byte

const embeddedName = "embedded holidays.yaml"

// Calendar answers working-day and working-hour questions for mainland China
// (Asia/Shanghai): ordinary Monday to Friday are working days, Saturday and
// Sunday are not, except for the statutory days off and 调休 make-up working
// days listed for each covered year.
//
// A Calendar is safe for concurrent use. Its data can be replaced as a
// whole (Replace) when the office adds a year, so that every holder of the
// Calendar sees the new year at once without a restart; each method
// answers from one version of the data. Obtain one from DefaultCalendar,
// NewCalendar or BuildCalendar; the zero value is not usable.
//
// Every method looks at the calendar date of its time arguments in
// Asia/Shanghai, whatever their location.
type Calendar struct {
	d atomic.Pointer[calendarData]
}

// calendarData is one immutable version of a Calendar's data.
type calendarData struct {
	loc     *time.Location
	first   int    // day number (see dayNumber) of 1 January of the first covered year
	work    []bool // work[i] reports whether day first+i is a working day
	years   []int  // covered years, ascending and contiguous
	hours   []period
	sources map[int]YearSource
}

// Replace makes c answer from next's data from now on.
func (c *Calendar) Replace(next *Calendar) {
	c.d.Store(next.d.Load())
}

func newCalendar(d *calendarData) *Calendar {
	c := new(Calendar)
	c.d.Store(d)
	return c
}

// period is one working period of a day, as offsets from midnight; start < end.
type period struct {
	start, end time.Duration
}

var defaultData = sync.OnceValue(func() *calendarData {
	return mustBuildCalendar(embeddedHolidays)
})

func mustBuildCalendar(embedded []byte) *calendarData {
	d, err := buildCalendar(embedded, CalendarSources{})
	if err != nil {
		panic("workflow: broken embedded calendar data: " + err.Error())
	}
	return d
}

// DefaultCalendar returns a calendar of the embedded data only
// (holidays.yaml: the years 2025 to 2027, working hours 08:30–12:00 and
// 14:30–17:30). Every call returns a new Calendar over the same data, so
// that replacing the data of one leaves the others alone. It panics only
// if the embedded data is broken, which the package tests rule out.
func DefaultCalendar() *Calendar {
	return newCalendar(defaultData())
}

// NewCalendar returns a calendar built from the embedded data plus extra, an
// optional YAML document in the format of the embedded holidays.yaml:
//
//	working_hours: ["08:30-12:00", "14:30-17:30"]   # optional; replaces the default
//	years:
//	  2027:                                         # a year without embedded data
//	    source: "国务院办公厅通知 …"                   # optional, for reviewers
//	    off:  ["2027-01-01", "2027-02-05..2027-02-11", …]
//	    work: ["2027-02-14", …]
//	  2026:                                         # a covered year: local changes
//	    off:  ["2026-07-01"]
//
// A year the embedded data does not cover must be given whole, as in its
// State Council notice. It is checked for completeness: make-up working days
// fall on a Saturday or Sunday, the fixed-date statutory holidays (1 January,
// 1–2 May, 1–3 October) are off, and the weekdays off outnumber the make-up
// days by at least the 13 statutory days.
//
// For a year the embedded data covers, the extra entries override it: an
// extra "off" day is a day off even if the notice made it a make-up day, and
// an extra "work" day is a working day; an extra "work" day must be a day that
// would otherwise be off.
//
// Covered years must be contiguous. A nil or empty extra gives the embedded
// data only. Errors name the line of the offending entry.
func NewCalendar(extra []byte) (*Calendar, error) {
	return BuildCalendar(CalendarSources{Extra: extra})
}

// CalendarSources is what a calendar is built from besides the embedded
// data.
type CalendarSources struct {
	// Years are whole years the office confirmed (「日历 添加」, stored in
	// Postgres). Each replaces an embedded year of the same number: the
	// office's word is the later one (a notice can be amended, as the
	// 2020 Spring Festival was).
	Years []NoticeYear
	// Extra is a YAML document as described at NewCalendar (CALENDAR_FILE),
	// applied last: local days off and working days, working hours.
	Extra []byte
}

// BuildCalendar returns a calendar built from the embedded data and s.
func BuildCalendar(s CalendarSources) (*Calendar, error) {
	d, err := buildCalendar(embeddedHolidays, s)
	if err != nil {
		return nil, err
	}
	return newCalendar(d), nil
}

// Location returns Asia/Shanghai, the zone whose calendar dates the Calendar
// counts. If the zone database is unavailable (the binary should import
// time/tzdata) it is a fixed UTC+8 zone named "CST", which is exact for every
// date since China last observed daylight saving time in 1991.
func (c *Calendar) Location() *time.Location {
	return c.d.Load().loc
}

// IsWorkingDay reports whether the date of day in Asia/Shanghai is a working
// day. It returns an error wrapping ErrNoCalendarData if that year is not
// covered.
func (c *Calendar) IsWorkingDay(day time.Time) (bool, error) {
	data := c.d.Load()
	return data.isWorking(data.dayNumber(day))
}

// AddWorkingDays returns the deadline n working days after start: the date
// of start in Asia/Shanghai is day 0 and is not counted (民法典 Art. 201:
// 开始的当日不计入); counting starts the next day. The result is the n-th
// working day at 23:59:59 (zero nanoseconds) Asia/Shanghai, so something done
// at any whole second of the due date is in time. (The last nanosecond of the
// day is avoided on purpose: Postgres rounds timestamps to microseconds and
// would turn 23:59:59.999999999 into the next day.)
//
// n == 0 returns the end of start's own date, whether or not it is a working
// day, and needs no calendar data. n < 0 is an error. If the count reaches a
// year without data, the error wraps ErrNoCalendarData.
func (c *Calendar) AddWorkingDays(start time.Time, n int) (time.Time, error) {
	if n < 0 {
		return time.Time{}, fmt.Errorf("add working days: negative count %d", n)
	}
	data := c.d.Load()
	day := data.dayNumber(start)
	for left := n; left > 0; {
		day++
		ok, err := data.isWorking(day)
		if err != nil {
			return time.Time{}, err
		}
		if ok {
			left--
		}
	}
	y, m, d := civilDate(day)
	return time.Date(y, m, d, 23, 59, 59, 0, data.loc), nil
}

// WorkingDaysBetween returns the number of working days d with
// date(from) < d <= date(to), dates taken in Asia/Shanghai; it is 0 when
// to's date is not after from's. It is the inverse of AddWorkingDays:
// WorkingDaysBetween(x, AddWorkingDays(x, n)) == n. The error wraps
// ErrNoCalendarData if a day in that range is in a year without data.
func (c *Calendar) WorkingDaysBetween(from, to time.Time) (int, error) {
	data := c.d.Load()
	a, b := data.dayNumber(from), data.dayNumber(to)
	count := 0
	for day := a + 1; day <= b; day++ {
		ok, err := data.isWorking(day)
		if err != nil {
			return 0, err
		}
		if ok {
			count++
		}
	}
	return count, nil
}

// AddWorkingHours returns the instant at which d of working time has passed
// since start, counting only the working hours (default 08:30–12:00 and
// 14:30–17:30 Asia/Shanghai) of working days. A start outside working time
// counts from the beginning of the next working period. When d runs out
// exactly at the end of a period, the result is that end (for example 12:00),
// not the start of the next period.
//
// d == 0 returns start unchanged (in Asia/Shanghai). d < 0 is an error. If
// the count reaches a year without data, the error wraps ErrNoCalendarData.
func (c *Calendar) AddWorkingHours(start time.Time, d time.Duration) (time.Time, error) {
	if d < 0 {
		return time.Time{}, fmt.Errorf("add working hours: negative duration %v", d)
	}
	data := c.d.Load()
	start = start.In(data.loc)
	if d == 0 {
		return start, nil
	}
	day := data.dayNumber(start)
	offset := start.Sub(data.midnight(day))
	left := d
	for ; ; day, offset = day+1, 0 {
		ok, err := data.isWorking(day)
		if err != nil {
			return time.Time{}, err
		}
		if !ok {
			continue
		}
		for _, p := range data.hours {
			if offset >= p.end {
				continue
			}
			from := max(offset, p.start)
			if avail := p.end - from; left > avail {
				left -= avail
				continue
			}
			return data.midnight(day).Add(from + left), nil
		}
	}
}

// InWorkingTime reports whether t falls on a working day within a working
// period (start included, end excluded). The error wraps ErrNoCalendarData if
// t's year is not covered.
func (c *Calendar) InWorkingTime(t time.Time) (bool, error) {
	data := c.d.Load()
	t = t.In(data.loc)
	day := data.dayNumber(t)
	ok, err := data.isWorking(day)
	if err != nil || !ok {
		return false, err
	}
	offset := t.Sub(data.midnight(day))
	for _, p := range data.hours {
		if p.start <= offset && offset < p.end {
			return true, nil
		}
	}
	return false, nil
}

// NextWorkingDay returns the first working day strictly after the date of
// day, at 00:00 Asia/Shanghai. The error wraps ErrNoCalendarData if the
// search reaches a year without data.
func (c *Calendar) NextWorkingDay(day time.Time) (time.Time, error) {
	data := c.d.Load()
	for n := data.dayNumber(day) + 1; ; n++ {
		ok, err := data.isWorking(n)
		if err != nil {
			return time.Time{}, err
		}
		if ok {
			return data.midnight(n), nil
		}
	}
}

// CoveredUntil returns the last day that has data, at 00:00 Asia/Shanghai
// (2027-12-31 with the embedded data only). Start-up should warn when it is
// near: deadlines beyond it fail with ErrNoCalendarData.
func (c *Calendar) CoveredUntil() time.Time {
	data := c.d.Load()
	return data.midnight(data.first + len(data.work) - 1)
}

// Years returns the covered years in ascending order. They are contiguous.
func (c *Calendar) Years() []int {
	return slices.Clone(c.d.Load().years)
}

// Coverage says, for each covered year in ascending order, where its days
// come from.
func (c *Calendar) Coverage() []YearSource {
	data := c.d.Load()
	out := make([]YearSource, 0, len(data.years))
	for _, y := range data.years {
		out = append(out, data.sources[y])
	}
	return out
}

// WorkingDaysIn returns the number of working days of a covered year.
func (c *Calendar) WorkingDaysIn(year int) (int, error) {
	data := c.d.Load()
	n := 0
	for day := dayOf(year, time.January, 1); day <= dayOf(year, time.December, 31); day++ {
		ok, err := data.isWorking(day)
		if err != nil {
			return 0, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// isWorking reports whether day (a day number) is a working day.
func (c *calendarData) isWorking(day int) (bool, error) {
	i := day - c.first
	if i < 0 || i >= len(c.work) {
		y, _, _ := civilDate(day)
		return false, fmt.Errorf("%d: %w", y, ErrNoCalendarData)
	}
	return c.work[i], nil
}

// dayNumber returns the number of t's calendar date in Asia/Shanghai.
func (c *calendarData) dayNumber(t time.Time) int {
	y, m, d := t.In(c.loc).Date()
	return dayOf(y, m, d)
}

// midnight returns the start of day (a day number) in Asia/Shanghai.
func (c *calendarData) midnight(day int) time.Time {
	y, m, d := civilDate(day)
	return time.Date(y, m, d, 0, 0, 0, 0, c.loc)
}

// dayOf numbers calendar dates: days since 1970-01-01 (day 0, a Thursday).
func dayOf(y int, m time.Month, d int) int {
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay)
}

// civilDate is the inverse of dayOf.
func civilDate(day int) (int, time.Month, int) {
	return time.Unix(int64(day)*secondsPerDay, 0).UTC().Date()
}

// weekdayOf returns the weekday of a day number.
func weekdayOf(day int) time.Weekday {
	return time.Weekday(((day % 7) + 7 + int(time.Thursday)) % 7)
}

func isWeekend(day int) bool {
	wd := weekdayOf(day)
	return wd == time.Saturday || wd == time.Sunday
}

const secondsPerDay = 24 * 60 * 60

var shanghai = sync.OnceValue(func() *time.Location {
	return loadShanghai(time.LoadLocation)
})

// loadShanghai loads Asia/Shanghai, falling back to a fixed UTC+8 zone when
// the zone database is missing. China has kept UTC+8 without daylight saving
// since 1991, so the fallback gives the same dates for every covered year.
func loadShanghai(load func(string) (*time.Location, error)) *time.Location {
	if loc, err := load("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*60*60)
}
