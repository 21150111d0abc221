package workflow

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// notice is an independent copy of one year's State Council holiday notice,
// written from domain-rules.md section 3 in a different form from
// holidays.yaml: each holiday as a first day and a length, and the make-up
// working days as a plain list.
type notice struct {
	year     int
	holidays []struct {
		name  string
		first string
		days  int
	}
	makeUp []string
}

var notices = []notice{
	{
		year: 2025, // 国办发明电〔2024〕12号
		holidays: []struct {
			name  string
			first string
			days  int
		}{
			{"元旦", "2025-01-01", 1},
			{"春节", "2025-01-28", 8},
			{"清明节", "2025-04-04", 3},
			{"劳动节", "2025-05-01", 5},
			{"端午节", "2025-05-31", 3},
			{"国庆节、中秋节", "2025-10-01", 8},
		},
		makeUp: []string{"2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"},
	},
	{
		year: 2026, // 国务院办公厅 2025-11-04
		holidays: []struct {
			name  string
			first string
			days  int
		}{
			{"元旦", "2026-01-01", 3},
			{"春节", "2026-02-15", 9},
			{"清明节", "2026-04-04", 3},
			{"劳动节", "2026-05-01", 5},
			{"端午节", "2026-06-19", 3},
			{"中秋节", "2026-09-25", 3},
			{"国庆节", "2026-10-01", 7},
		},
		makeUp: []string{"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"},
	},
	{
		year: 2027, // 国务院办公厅 2026 (not in domain-rules.md; as lunar-go v1.4.7 and issue 12 give it)
		holidays: []struct {
			name  string
			first string
			days  int
		}{
			{"元旦", "2027-01-01", 3},
			{"春节", "2027-02-05", 9},
			{"清明节", "2027-04-03", 3},
			{"劳动节", "2027-05-01", 5},
			{"端午节", "2027-06-09", 1},
			{"中秋节", "2027-09-15", 1},
			{"国庆节", "2027-10-01", 7},
		},
		makeUp: []string{"2027-01-31", "2027-02-14", "2027-05-08", "2027-09-26", "2027-10-09"},
	},
}

func mustDate(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatalf("bad test date %q: %v", s, err)
	}
	return d
}

// expand returns the notice's days off and make-up days as sorted
// "YYYY-MM-DD" strings.
func (n notice) expand(t *testing.T) (off, work []string) {
	t.Helper()
	for _, h := range n.holidays {
		first := mustDate(t, h.first)
		for i := range h.days {
			off = append(off, first.AddDate(0, 0, i).Format(time.DateOnly))
		}
	}
	work = slices.Clone(n.makeUp)
	slices.Sort(off)
	slices.Sort(work)
	return off, work
}

func formatDays(m map[int]int) []string {
	var out []string
	for _, day := range sortedDays(m) {
		out = append(out, formatDay(day))
	}
	return out
}

func TestEmbeddedTableEqualsNotices(t *testing.T) {
	t.Parallel()
	f, err := parseCalendarFile(embeddedName, embeddedHolidays)
	if err != nil {
		t.Fatalf("parse embedded data: %v", err)
	}
	var years []int
	for _, y := range f.years {
		years = append(years, y.year)
	}
	if !slices.Equal(years, []int{2025, 2026, 2027}) {
		t.Fatalf("embedded years = %v, want [2025 2026 2027]", years)
	}
	for i, n := range notices {
		wantOff, wantWork := n.expand(t)
		y := f.years[i]
		if got := formatDays(y.off); !slices.Equal(got, wantOff) {
			t.Errorf("%d off:\n got  %v\n want %v", n.year, got, wantOff)
		}
		if got := formatDays(y.work); !slices.Equal(got, wantWork) {
			t.Errorf("%d work:\n got  %v\n want %v", n.year, got, wantWork)
		}
	}
}

func TestNoticeMakeUpDaysAreWeekends(t *testing.T) {
	t.Parallel()
	for _, n := range notices {
		for _, s := range n.makeUp {
			if wd := mustDate(t, s).Weekday(); wd != time.Saturday && wd != time.Sunday {
				t.Errorf("make-up day %s is a %s", s, wd)
			}
		}
	}
}

func TestNoticesGiveThirteenStatutoryDays(t *testing.T) {
	t.Parallel()
	for _, n := range notices {
		off, work := n.expand(t)
		net := -len(work)
		for _, s := range off {
			if wd := mustDate(t, s).Weekday(); wd != time.Saturday && wd != time.Sunday {
				net++
			}
		}
		if net != statutoryDays(n.year) {
			t.Errorf("%d: weekdays off minus make-up days = %d, want %d", n.year, net, statutoryDays(n.year))
		}
	}
}

func TestDefaultCalendarFollowsNoticesEveryDay(t *testing.T) {
	t.Parallel()
	c := DefaultCalendar()
	for _, n := range notices {
		off, work := n.expand(t)
		for d := time.Date(n.year, 1, 1, 12, 0, 0, 0, c.Location()); d.Year() == n.year; d = d.AddDate(0, 0, 1) {
			s := d.Format(time.DateOnly)
			wd := d.Weekday()
			want := slices.Contains(work, s) ||
				(!slices.Contains(off, s) && wd != time.Saturday && wd != time.Sunday)
			if got, err := c.IsWorkingDay(d); err != nil || got != want {
				t.Errorf("IsWorkingDay(%s, a %s) = %v, %v; want %v", s, wd, got, err, want)
			}
		}
	}
}

func TestBrokenEmbeddedDataPanics(t *testing.T) {
	t.Parallel()
	for name, data := range map[string]string{
		"bad_date":         strings.Replace(string(embeddedHolidays), "2026-02-14", "2026-02-30", 1),
		"no_working_hours": "years:\n" + strings.SplitN(string(embeddedHolidays), "\nyears:\n", 2)[1],
		"no_years":         `working_hours: ["08:30-12:00"]`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				r := recover()
				if msg, _ := r.(string); !strings.HasPrefix(msg, "workflow: broken embedded calendar data: ") {
					t.Errorf("recovered %v, want a broken-data panic", r)
				}
			}()
			mustBuildCalendar([]byte(data))
			t.Error("mustBuildCalendar did not panic")
		})
	}
}

func TestEmbeddedDataBuildsWithoutPanic(t *testing.T) {
	t.Parallel()
	if c := mustBuildCalendar(embeddedHolidays); len(c.hours) != 2 {
		t.Errorf("default working hours = %v, want 2 periods", c.hours)
	}
}

func TestLoadShanghaiFallsBackToUTCPlus8(t *testing.T) {
	t.Parallel()
	loc := loadShanghai(func(string) (*time.Location, error) { return nil, errors.New("no zoneinfo") })
	if _, offset := time.Date(2026, 7, 1, 0, 0, 0, 0, loc).Zone(); offset != 8*60*60 {
		t.Errorf("fallback offset = %d, want +8h", offset)
	}
	if got := loadShanghai(time.LoadLocation).String(); got != "Asia/Shanghai" {
		t.Errorf("loaded zone = %q, want Asia/Shanghai", got)
	}
}

func TestDayNumbersMatchTimePackage(t *testing.T) {
	t.Parallel()
	for d := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2040; d = d.AddDate(0, 0, 1) {
		n := dayOf(d.Date())
		if y, m, dd := civilDate(n); y != d.Year() || m != d.Month() || dd != d.Day() {
			t.Fatalf("civilDate(dayOf(%v)) = %d-%d-%d", d, y, m, dd)
		}
		if weekdayOf(n) != d.Weekday() {
			t.Fatalf("weekdayOf(%v) = %v, want %v", d, weekdayOf(n), d.Weekday())
		}
	}
}
