package workflow_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // the package must not depend on the system zone database

	"github.com/zwgk-bot/zwgk/workflow"
)

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

// at parses "2006-01-02" or "2006-01-02 15:04[:05]" in Asia/Shanghai.
func at(t *testing.T, s string) time.Time {
	t.Helper()
	for _, layout := range []string{time.DateOnly, "2006-01-02 15:04", time.DateTime} {
		if v, err := time.ParseInLocation(layout, s, shanghai); err == nil {
			return v
		}
	}
	t.Fatalf("bad test time %q", s)
	return time.Time{}
}

// endOf is the deadline instant AddWorkingDays returns for a date.
func endOf(t *testing.T, date string) time.Time {
	t.Helper()
	return at(t, date+" 23:59:59")
}

// wholeYearYAML is a TEST FIXTURE for a year without embedded data. It is not
// any real notice: it only lists enough days off to pass the completeness
// checks, and only 1 January off in January.
func wholeYearYAML(year int) string {
	return fmt.Sprintf(`
  %[1]d:
    source: "test fixture, not a real notice"
    off: ["%[1]d-01-01", "%[1]d-02-10..%[1]d-02-20", "%[1]d-05-01..%[1]d-05-05", "%[1]d-10-01..%[1]d-10-08"]
`, year)
}

func with2028(t *testing.T) *workflow.Calendar {
	t.Helper()
	c, err := workflow.NewCalendar([]byte("years:" + wholeYearYAML(2028)))
	if err != nil {
		t.Fatalf("NewCalendar with 2028: %v", err)
	}
	return c
}

func TestDefaultCalendar(t *testing.T) {
	t.Parallel()
	c := workflow.DefaultCalendar()
	if got, want := c.Years(), []int{2025, 2026, 2027}; !slices.Equal(got, want) {
		t.Errorf("Years() = %v, want %v", got, want)
	}
	if got, want := c.CoveredUntil(), at(t, "2027-12-31"); !got.Equal(want) {
		t.Errorf("CoveredUntil() = %v, want %v", got, want)
	}
	if got := c.Location().String(); got != "Asia/Shanghai" {
		t.Errorf("Location() = %q, want Asia/Shanghai", got)
	}
	years := c.Years()
	years[0] = 1999
	if c.Years()[0] != 2025 {
		t.Error("Years() exposes the calendar's internal slice")
	}
}

func TestNewCalendarWithoutExtraEqualsDefault(t *testing.T) {
	t.Parallel()
	for _, extra := range [][]byte{nil, {}, []byte("# only a comment\n"), []byte("---\n")} {
		c, err := workflow.NewCalendar(extra)
		if err != nil {
			t.Fatalf("NewCalendar(%q): %v", extra, err)
		}
		if !slices.Equal(c.Years(), []int{2025, 2026, 2027}) {
			t.Errorf("NewCalendar(%q).Years() = %v", extra, c.Years())
		}
	}
}

func TestWholeYearsHave248WorkingDays(t *testing.T) {
	t.Parallel()
	// 365 days - 104 Saturdays and Sundays - 13 statutory days, in each year.
	c := workflow.DefaultCalendar()
	for _, year := range []int{2025, 2026, 2027} {
		got, err := c.WorkingDaysBetween(at(t, fmt.Sprintf("%d-12-31", year-1)), at(t, fmt.Sprintf("%d-12-31", year)))
		if err != nil || got != 248 {
			t.Errorf("working days in %d = %d, %v; want 248", year, got, err)
		}
	}
}

func TestIsWorkingDay(t *testing.T) {
	t.Parallel()
	c := workflow.DefaultCalendar()
	tests := []struct {
		name string
		day  time.Time
		want bool
	}{
		{"ordinary_wednesday_works", at(t, "2026-07-01"), true},
		{"ordinary_saturday_is_off", at(t, "2026-07-04"), false},
		{"ordinary_sunday_is_off", at(t, "2026-07-05"), false},
		{"spring_festival_makeup_saturday_before_works", at(t, "2026-02-14"), true},
		{"spring_festival_first_day_is_off", at(t, "2026-02-15"), false},
		{"spring_festival_monday_is_off", at(t, "2026-02-16"), false},
		{"spring_festival_last_day_monday_is_off", at(t, "2026-02-23"), false},
		{"day_after_spring_festival_works", at(t, "2026-02-24"), true},
		{"spring_festival_makeup_saturday_after_works", at(t, "2026-02-28"), true},
		{"mid_autumn_makeup_sunday_works", at(t, "2026-09-20"), true},
		{"mid_autumn_friday_is_off", at(t, "2026-09-25"), false},
		{"national_day_wednesday_is_off", at(t, "2026-10-07"), false},
		{"national_day_makeup_saturday_works", at(t, "2026-10-10"), true},
		{"new_year_2025_makeup_sunday_works", at(t, "2025-01-26"), true},
		{"dragon_boat_2025_monday_is_off", at(t, "2025-06-02"), false},
		{"national_day_2025_eighth_day_is_off", at(t, "2025-10-08"), false},
		{"utc_friday_evening_is_shanghai_makeup_saturday", time.Date(2026, 2, 13, 17, 0, 0, 0, time.UTC), true},
		{"utc_saturday_evening_is_shanghai_holiday_sunday", time.Date(2026, 2, 14, 16, 30, 0, 0, time.UTC), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.IsWorkingDay(tt.day)
			if err != nil || got != tt.want {
				t.Errorf("IsWorkingDay(%v) = %v, %v; want %v", tt.day, got, err, tt.want)
			}
		})
	}
}

func TestIsWorkingDayWithoutDataFails(t *testing.T) {
	t.Parallel()
	c := workflow.DefaultCalendar()
	for _, day := range []string{"2024-12-31", "2028-01-04"} {
		_, err := c.IsWorkingDay(at(t, day))
		if !errors.Is(err, workflow.ErrNoCalendarData) {
			t.Errorf("IsWorkingDay(%s) error = %v, want ErrNoCalendarData", day, err)
		}
	}
	_, err := c.IsWorkingDay(at(t, "2028-01-04"))
	if err == nil || err.Error() != "2028: no working-day calendar data" {
		t.Errorf("error = %v, want %q", err, "2028: no working-day calendar data")
	}
}

func TestAddWorkingDays(t *testing.T) {
	t.Parallel()
	c := workflow.DefaultCalendar()
	tests := []struct {
		name  string
		start time.Time
		n     int
		want  string // due date; the deadline is 23:59:59 that day
	}{
		{"zero_is_end_of_start_day", at(t, "2026-07-01 10:00"), 0, "2026-07-01"},
		{"zero_on_holiday_is_end_of_that_day", at(t, "2026-10-03 10:00"), 0, "2026-10-03"},
		{"friday_plus_one_is_monday", at(t, "2026-11-27 16:00"), 1, "2026-11-30"},
		{"start_time_of_day_does_not_matter", at(t, "2026-11-27 00:00"), 1, "2026-11-30"},
		{"thursday_before_spring_festival_plus_one_is_friday", at(t, "2026-02-12"), 1, "2026-02-13"},
		{"plus_two_is_makeup_saturday", at(t, "2026-02-12"), 2, "2026-02-14"},
		{"plus_three_skips_spring_festival", at(t, "2026-02-12"), 3, "2026-02-24"},
		{"start_on_holiday_counts_from_next_working_day", at(t, "2026-02-18"), 1, "2026-02-24"},
		// Art. 26/33, 20 WD from Tue 2026-02-10: 11,12,13,14(Sat),24,25,26,27,
		// 28(Sat), 3/2..3/6, 3/9..3/13, 3/16.
		{"twenty_days_across_spring_festival", at(t, "2026-02-10 09:00"), 20, "2026-03-16"},
		// 20 WD from Tue 2026-09-15: 16,17,18,20(Sun),21..24, 28,29,30,
		// 10/8,10/9,10/10(Sat), 10/12..10/16, 10/19.
		{"twenty_days_across_mid_autumn_and_national_day", at(t, "2026-09-15 09:00"), 20, "2026-10-19"},
		// Art. 30 补正, 7 WD from Tue 2026-09-29: 30, 10/8, 10/9, 10/10(Sat), 10/12, 10/13, 10/14.
		{"seven_days_across_national_day", at(t, "2026-09-29"), 7, "2026-10-14"},
		// 20 WD from Fri 2025-09-26: 28(Sun),29,30, 10/9,10/10,10/11(Sat),
		// 10/13..10/17, 10/20..10/24, 10/27..10/30.
		{"twenty_days_across_national_day_2025", at(t, "2025-09-26"), 20, "2025-10-30"},
		{"counting_crosses_into_next_covered_year", at(t, "2025-12-30"), 3, "2026-01-05"},
		{"utc_instant_uses_shanghai_date", time.Date(2026, 11, 26, 16, 30, 0, 0, time.UTC), 1, "2026-11-30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.AddWorkingDays(tt.start, tt.n)
			if want := endOf(t, tt.want); err != nil || !got.Equal(want) {
				t.Errorf("AddWorkingDays(%v, %d) = %v, %v; want %v", tt.start, tt.n, got, err, want)
			}
			if got.Location().String() != "Asia/Shanghai" {
				t.Errorf("result location = %v, want Asia/Shanghai", got.Location())
			}
		})
	}
}

func TestAddWorkingDaysFails(t *testing.T) {
	t.Parallel()
	c := workflow.DefaultCalendar()
	tests := []struct {
		name   string
		start  time.Time
		n      int
		noData bool
	}{
		{"negative_count", at(t, "2026-07-01"), -1, false},
		{"range_into_year_without_data", at(t, "2027-12-20"), 20, true},
		{"start_in_year_without_data", at(t, "2024-06-03"), 1, true},
		{"start_on_last_covered_day", at(t, "2027-12-31"), 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.AddWorkingDays(tt.start, tt.n)
			if err == nil {
				t.Fatalf("AddWorkingDays(%v, %d) = %v, want an error", tt.start, tt.n, got)
			}
			if errors.Is(err, workflow.ErrNoCalendarData) != tt.noData {
				t.Errorf("error = %v; ErrNoCalendarData = %v, want %v", err, !tt.noData, tt.noData)
			}
		})
	}
}

func TestAddWorkingDaysIntoExtraYearSucceeds(t *testing.T) {
	t.Parallel()
	c := with2028(t)
	// 2027-12-21..24 and 27..31 are 9 WD; 2028-01-01 is a Saturday, so
	// 2028-01-03..07, 10..14 and 17 are the other 11.
	got, err := c.AddWorkingDays(at(t, "2027-12-20"), 20)
	if want := endOf(t, "2028-01-17"); err != nil || !got.Equal(want) {
		t.Errorf("AddWorkingDays = %v, %v; want %v", got, err, want)
	}
	if got, want := c.CoveredUntil(), at(t, "2028-12-31"); !got.Equal(want) {
		t.Errorf("CoveredUntil() = %v, want %v", got, want)
	}
	if got, want := c.Years(), []int{2025, 2026, 2027, 2028}; !slices.Equal(got, want) {
		t.Errorf("Years() = %v, want %v", got, want)
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	t.Parallel()
	c := workflow.DefaultCalendar()
	tests := []struct {
		name     string
		from, to time.Time
		want     int
	}{
		{"same_day_is_zero", at(t, "2026-07-01 08:00"), at(t, "2026-07-01 18:00"), 0},
		{"to_before_from_is_zero", at(t, "2026-07-02"), at(t, "2026-07-01"), 0},
		{"to_before_from_in_uncovered_years_is_zero", at(t, "2030-01-01"), at(t, "2020-01-01"), 0},
		{"next_working_day_is_one", at(t, "2026-07-01"), at(t, "2026-07-02"), 1},
		{"weekend_counts_nothing", at(t, "2026-07-03"), at(t, "2026-07-05"), 0},
		{"across_spring_festival", at(t, "2026-02-12"), at(t, "2026-02-24"), 3},
		{"art_26_example_across_national_day", at(t, "2026-09-15"), endOf(t, "2026-10-19"), 20},
		{"from_in_uncovered_year_is_not_counted", at(t, "2024-12-31"), at(t, "2025-01-03"), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.WorkingDaysBetween(tt.from, tt.to)
			if err != nil || got != tt.want {
				t.Errorf("WorkingDaysBetween(%v, %v) = %d, %v; want %d", tt.from, tt.to, got, err, tt.want)
			}
		})
	}
}

func TestWorkingDaysBetweenWithoutDataFails(t *testing.T) {
	t.Parallel()
	c := workflow.DefaultCalendar()
	for _, r := range [][2]string{{"2027-12-20", "2028-01-10"}, {"2024-12-01", "2025-01-10"}} {
		_, err := c.WorkingDaysBetween(at(t, r[0]), at(t, r[1]))
		if !errors.Is(err, workflow.ErrNoCalendarData) {
			t.Errorf("WorkingDaysBetween(%s, %s) error = %v, want ErrNoCalendarData", r[0], r[1], err)
		}
	}
}

func TestAddWorkingDaysRoundTrip(t *testing.T) {
	t.Parallel()
	c := workflow.DefaultCalendar()
	rng := rand.New(rand.NewPCG(2025, 2026))
	lo := at(t, "2025-01-01").Unix()
	hi := at(t, "2026-10-31").Unix() // 40 WD later is still in 2026
	for range 5000 {
		start := time.Unix(lo+rng.Int64N(hi-lo), 0)
		n := rng.IntN(41)
		due, err := c.AddWorkingDays(start, n)
		if err != nil {
			t.Fatalf("AddWorkingDays(%v, %d): %v", start, n, err)
		}
		if got, err := c.WorkingDaysBetween(start, due); err != nil || got != n {
			t.Fatalf("WorkingDaysBetween(%v, AddWorkingDays(.., %d) = %v) = %d, %v", start, n, due, got, err)
		}
		if h, m, s := due.In(shanghai).Clock(); h != 23 || m != 59 || s != 59 || due.Nanosecond() != 0 {
			t.Fatalf("AddWorkingDays(%v, %d) = %v, want 23:59:59", start, n, due)
		}
		if n == 0 {
			continue
		}
		if ok, err := c.IsWorkingDay(due); err != nil || !ok {
			t.Fatalf("AddWorkingDays(%v, %d) = %v, not a working day (%v)", start, n, due, err)
		}
		// The due date is the earliest with n working days: the day before has n-1.
		if got, _ := c.WorkingDaysBetween(start, due.AddDate(0, 0, -1)); got != n-1 {
			t.Fatalf("day before AddWorkingDays(%v, %d) = %v has %d working days, want %d", start, n, due, got, n-1)
		}
	}
}

func TestAddWorkingHours(t *testing.T) {
	t.Parallel()
	c := workflow.DefaultCalendar()
	tests := []struct {
		name  string
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		// Fri 4/3 15:00–17:30 = 2.5h; Sat 4/4–Mon 4/6 off (weekend and 清明);
		// Tue, Wed, Thu 6.5h each: 22h by Thu 17:30; the last 2h on Fri 4/10.
		{"friday_afternoon_across_weekend_and_qingming", at(t, "2026-04-03 15:00"), 24 * time.Hour, at(t, "2026-04-10 10:30")},
		{"start_after_hours_counts_from_next_period", at(t, "2026-04-03 18:00"), time.Hour, at(t, "2026-04-07 09:30")},
		{"start_on_holiday_counts_from_next_working_day", at(t, "2026-04-05 10:00"), time.Hour, at(t, "2026-04-07 09:30")},
		{"start_before_office_opens", at(t, "2026-04-07 07:00"), 30 * time.Minute, at(t, "2026-04-07 09:00")},
		{"start_in_lunch_break_counts_from_afternoon", at(t, "2026-04-07 12:30"), time.Hour, at(t, "2026-04-07 15:30")},
		{"morning_spills_into_afternoon", at(t, "2026-04-07 11:00"), 2 * time.Hour, at(t, "2026-04-07 15:30")},
		{"exact_fill_ends_at_period_end", at(t, "2026-04-07 08:30"), 3*time.Hour + 30*time.Minute, at(t, "2026-04-07 12:00")},
		{"makeup_saturday_counts", at(t, "2026-02-13 16:30"), 2 * time.Hour, at(t, "2026-02-14 09:30")},
		{"spring_festival_is_skipped", at(t, "2026-02-14 17:00"), time.Hour, at(t, "2026-02-24 09:00")},
		{"utc_start_uses_shanghai_hours", time.Date(2026, 4, 7, 1, 0, 0, 0, time.UTC), time.Hour, at(t, "2026-04-07 10:00")},
		{"zero_returns_start", at(t, "2026-04-04 10:00"), 0, at(t, "2026-04-04 10:00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.AddWorkingHours(tt.start, tt.d)
			if err != nil || !got.Equal(tt.want) {
				t.Errorf("AddWorkingHours(%v, %v) = %v, %v; want %v", tt.start, tt.d, got, err, tt.want)
			}
		})
	}
}

func TestAddWorkingHoursFails(t *testing.T) {
	t.Parallel()
	c := workflow.DefaultCalendar()
	if _, err := c.AddWorkingHours(at(t, "2026-07-01 09:00"), -time.Hour); err == nil {
		t.Error("negative duration: no error")
	}
	if _, err := c.AddWorkingHours(at(t, "2027-12-31 09:00"), 24*time.Hour); !errors.Is(err, workflow.ErrNoCalendarData) {
		t.Errorf("into 2028: error = %v, want ErrNoCalendarData", err)
	}
}

func TestInWorkingTime(t *testing.T) {
	t.Parallel()
	c := workflow.DefaultCalendar()
	tests := []struct {
		name string
		t    time.Time
		want bool
	}{
		{"morning_start_is_in", at(t, "2026-04-07 08:30"), true},
		{"just_before_morning_is_out", at(t, "2026-04-07 08:29:59"), false},
		{"noon_is_out", at(t, "2026-04-07 12:00"), false},
		{"afternoon_is_in", at(t, "2026-04-07 17:29:59"), true},
		{"afternoon_end_is_out", at(t, "2026-04-07 17:30"), false},
		{"holiday_saturday_is_out", at(t, "2026-04-04 10:00"), false},
		{"makeup_saturday_is_in", at(t, "2026-02-14 10:00"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.InWorkingTime(tt.t)
			if err != nil || got != tt.want {
				t.Errorf("InWorkingTime(%v) = %v, %v; want %v", tt.t, got, err, tt.want)
			}
		})
	}
	if _, err := c.InWorkingTime(at(t, "2028-01-04 10:00")); !errors.Is(err, workflow.ErrNoCalendarData) {
		t.Errorf("InWorkingTime in 2028: error = %v, want ErrNoCalendarData", err)
	}
}

func TestNextWorkingDay(t *testing.T) {
	t.Parallel()
	c := workflow.DefaultCalendar()
	tests := []struct {
		name string
		day  time.Time
		want string
	}{
		{"friday_to_makeup_saturday", at(t, "2026-02-13 18:00"), "2026-02-14"},
		{"makeup_saturday_to_after_spring_festival", at(t, "2026-02-14"), "2026-02-24"},
		{"last_day_before_national_day_to_after_it", at(t, "2026-09-30"), "2026-10-08"},
		{"ordinary_friday_to_monday", at(t, "2026-07-03"), "2026-07-06"},
		{"new_years_eve_to_first_working_day", at(t, "2025-12-31"), "2026-01-04"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.NextWorkingDay(tt.day)
			if want := at(t, tt.want); err != nil || !got.Equal(want) {
				t.Errorf("NextWorkingDay(%v) = %v, %v; want %v", tt.day, got, err, want)
			}
		})
	}
	if _, err := c.NextWorkingDay(at(t, "2027-12-31")); !errors.Is(err, workflow.ErrNoCalendarData) {
		t.Errorf("NextWorkingDay(2027-12-31): error = %v, want ErrNoCalendarData", err)
	}
	got, err := with2028(t).NextWorkingDay(at(t, "2027-12-31"))
	if want := at(t, "2028-01-03"); err != nil || !got.Equal(want) {
		t.Errorf("with 2028: NextWorkingDay(2027-12-31) = %v, %v; want %v", got, err, want)
	}
}

func TestNewCalendarOverrides(t *testing.T) {
	t.Parallel()
	c, err := workflow.NewCalendar([]byte(`
working_hours: ["09:00-17:00"]
years:
  2026:
    off: ["2026-07-01", "2026-02-28"] # a local day off; the make-up Saturday cancelled
    work: ["2026-07-04", "2026-02-16"] # a Saturday; a Spring Festival day
`))
	if err != nil {
		t.Fatalf("NewCalendar: %v", err)
	}
	for day, want := range map[string]bool{
		"2026-07-01": false, "2026-02-28": false, "2026-07-04": true, "2026-02-16": true,
		"2026-02-14": true, "2026-02-17": false, "2026-07-02": true,
	} {
		if got, err := c.IsWorkingDay(at(t, day)); err != nil || got != want {
			t.Errorf("IsWorkingDay(%s) = %v, %v; want %v", day, got, err, want)
		}
	}
	if got, err := c.AddWorkingHours(at(t, "2026-07-03 09:00"), 9*time.Hour); err != nil || !got.Equal(at(t, "2026-07-04 10:00")) {
		t.Errorf("AddWorkingHours with 09:00-17:00 = %v, %v; want 2026-07-04 10:00", got, err)
	}
	// The default calendar is unaffected.
	if ok, _ := workflow.DefaultCalendar().IsWorkingDay(at(t, "2026-07-01")); !ok {
		t.Error("NewCalendar changed the default calendar")
	}
}

func TestNewCalendarFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		extra string
		want  []string // substrings of the error
	}{
		{"invalid_yaml", "years: [", []string{"calendar extra data", "yaml"}},
		{"two_documents", "years: {}\n---\nyears: {}\n", []string{"line 2", "more than one YAML document"}},
		{"top_level_list", "- 2026-01-01\n", []string{"line 1", "want a mapping"}},
		{"unknown_top_level_key", "years: {}\nholidays: {}\n", []string{"line 2", `unknown key "holidays"`}},
		{"bad_year", "years:\n  26:\n    off: [\"2026-07-01\"]\n", []string{"line 2", `bad year "26"`}},
		{"year_twice", "years:\n  2026:\n    off: [\"2026-07-01\"]\n  2026:\n    off: [\"2026-07-02\"]\n", []string{"line 4", "year 2026 given twice"}},
		{"year_without_entries", "years:\n  2027:\n", []string{"line 2", "want a mapping with off and work"}},
		{"unknown_year_key", "years:\n  2026:\n    of: [\"2026-07-01\"]\n", []string{"line 3", `unknown key "of"`}},
		{"bad_date", "years:\n  2026:\n    off:\n      - \"2026-07-01\"\n      - \"2026-02-30\"\n", []string{"line 5", `bad date "2026-02-30"`}},
		{"bad_date_in_range", "years:\n  2026:\n    off: [\"2026-07-01..2026-7-3\"]\n", []string{"line 3", `bad date "2026-7-3"`}},
		{"range_reversed", "years:\n  2026:\n    off: [\"2026-07-03..2026-07-01\"]\n", []string{"line 3", "ends before it starts"}},
		{"date_in_another_year", "years:\n  2026:\n    off: [\"2027-01-01\"]\n", []string{"line 3", "2027-01-01 is not in 2026"}},
		{"range_into_another_year", "years:\n  2026:\n    off: [\"2026-12-31..2027-01-01\"]\n", []string{"line 3", "is not in 2026"}},
		{"day_listed_twice", "years:\n  2026:\n    off:\n      - \"2026-07-01\"\n      - \"2026-06-30..2026-07-02\"\n", []string{"line 5", "2026-07-01 is already listed (line 4)"}},
		{"day_both_off_and_work", "years:\n  2026:\n    off: [\"2026-07-04\"]\n    work: [\"2026-07-04\"]\n", []string{"line 4", "2026-07-04 is listed both as off (line 3) and as work (line 4)"}},
		{"work_on_ordinary_weekday", "years:\n  2026:\n    work: [\"2026-07-01\"]\n", []string{"line 3", "2026-07-01 is already a working day (a Wednesday)"}},
		{"new_year_given_partially", "years:\n  2028:\n    off: [\"2028-01-01\"]\n", []string{"line 2", "statutory holiday 2028-05-01 is not listed as off"}},
		{"new_year_with_too_few_days_off", "years:\n  2028:\n    off: [\"2028-01-01\", \"2028-05-01..2028-05-02\", \"2028-10-01..2028-10-03\"]\n", []string{"line 2", "is 4, want at least 13"}},
		{"new_year_makeup_day_on_weekday", "years:" + wholeYearYAML(2028) + "    work: [\"2028-03-03\"]\n", []string{"line 5", "make-up working day 2028-03-03 is a Friday"}},
		{"gap_between_years", "years:" + wholeYearYAML(2029), []string{"2028 is missing between 2027 and 2029"}},
		{"working_hours_empty", "working_hours: []\n", []string{"line 1", "non-empty list"}},
		{"working_hours_bad_time", "working_hours: [\"8:30-12:00\"]\n", []string{"line 1", `bad time "8:30"`}},
		{"working_hours_bad_minutes", "working_hours: [\"08:60-12:00\"]\n", []string{"line 1", `bad time "08:60"`}},
		{"working_hours_no_dash", "working_hours: [\"08:30\"]\n", []string{"line 1", "want HH:MM-HH:MM"}},
		{"working_hours_reversed", "working_hours: [\"12:00-08:30\"]\n", []string{"line 1", "does not end after it starts"}},
		{"working_hours_overlapping", "working_hours:\n  - \"08:30-12:00\"\n  - \"11:00-13:00\"\n", []string{"line 3", "overlaps"}},
		{"working_hours_unordered", "working_hours:\n  - \"14:30-17:30\"\n  - \"08:30-12:00\"\n", []string{"line 3", "overlaps or precedes"}},
		{"working_hours_start_at_24", "working_hours: [\"24:00-24:00\"]\n", []string{"line 1", "does not end after it starts"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := workflow.NewCalendar([]byte(tt.extra))
			if err == nil {
				t.Fatalf("NewCalendar(%q) = %v, want an error", tt.extra, c)
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}

func TestNewCalendarAcceptsWholeDayPeriodsAndAdjacentPeriods(t *testing.T) {
	t.Parallel()
	c, err := workflow.NewCalendar([]byte(`working_hours: ["00:00-12:00", "12:00-24:00"]`))
	if err != nil {
		t.Fatalf("NewCalendar: %v", err)
	}
	// Two working days of 24h each: Fri 2026-07-03 00:00 + 30h = Mon 2026-07-06 06:00.
	got, err := c.AddWorkingHours(at(t, "2026-07-03 00:00"), 30*time.Hour)
	if want := at(t, "2026-07-06 06:00"); err != nil || !got.Equal(want) {
		t.Errorf("AddWorkingHours = %v, %v; want %v", got, err, want)
	}
}

func TestCalendarIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	c := workflow.DefaultCalendar()
	start := at(t, "2026-02-10 09:00")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for n := range 40 {
				due, err := c.AddWorkingDays(start.AddDate(0, 0, i), n)
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := c.WorkingDaysBetween(start, due); err != nil {
					t.Error(err)
					return
				}
				if _, err := c.AddWorkingHours(due, time.Duration(n)*time.Hour); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// The 2027 notice: deadlines across the year end, the Spring Festival
// (5–13 February, 调休 31 January and 14 February) and National Day; 2028
// has no data and is refused.
func TestDeadlinesIn2027(t *testing.T) {
	t.Parallel()
	c := workflow.DefaultCalendar()
	tests := []struct {
		name  string
		start string
		n     int
		want  string
	}{
		{"form_formed_today_20_wd", "2026-12-01", 20, "2026-12-29"},
		{"across_the_year_end_and_yuandan", "2026-12-10", 20, "2027-01-08"},
		{"yuandan_friday_to_monday", "2026-12-31", 1, "2027-01-04"},
		{"makeup_sunday_before_spring_festival", "2027-01-29", 1, "2027-01-31"},
		{"into_spring_festival", "2027-01-29", 3, "2027-02-02"},
		{"across_spring_festival_with_makeup_sunday_after", "2027-02-03", 5, "2027-02-17"},
		{"order_15_wd_across_spring_festival", "2027-01-25", 15, "2027-02-19"},
		{"qingming_monday_off", "2027-04-02", 1, "2027-04-06"},
		{"labour_day_makeup_saturday", "2027-04-30", 1, "2027-05-06"},
		{"labour_day_then_makeup_saturday", "2027-05-06", 2, "2027-05-08"},
		{"duanwu_wednesday_off", "2027-06-08", 1, "2027-06-10"},
		{"mid_autumn_wednesday_off", "2027-09-14", 1, "2027-09-16"},
		{"national_day_makeup_sunday_before", "2027-09-24", 1, "2027-09-26"},
		{"across_national_day", "2027-09-29", 5, "2027-10-12"},
		{"art_33_20_wd_across_national_day", "2027-09-20", 20, "2027-10-21"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.AddWorkingDays(at(t, tt.start), tt.n)
			if want := endOf(t, tt.want); err != nil || !got.Equal(want) {
				t.Errorf("AddWorkingDays(%s, %d) = %v, %v; want %s", tt.start, tt.n, got, err, tt.want)
			}
			if back, err := c.WorkingDaysBetween(at(t, tt.start), got); err != nil || back != tt.n {
				t.Errorf("WorkingDaysBetween back = %d, %v; want %d", back, err, tt.n)
			}
		})
	}
	if n, err := c.WorkingDaysIn(2027); err != nil || n != 248 {
		t.Errorf("WorkingDaysIn(2027) = %d, %v; want 248", n, err)
	}
	if _, err := c.AddWorkingDays(at(t, "2027-12-20"), 10); !errors.Is(err, workflow.ErrNoCalendarData) || !strings.HasPrefix(err.Error(), "2028:") {
		t.Errorf("into 2028: %v, want ErrNoCalendarData for 2028", err)
	}
}

// Replace gives every holder of a Calendar the new data at once, and
// leaves other calendars alone.
func TestReplaceCalendarData(t *testing.T) {
	t.Parallel()
	live, other := workflow.DefaultCalendar(), workflow.DefaultCalendar()
	if _, err := live.IsWorkingDay(at(t, "2028-01-04")); !errors.Is(err, workflow.ErrNoCalendarData) {
		t.Fatalf("2028 before: %v", err)
	}
	live.Replace(with2028(t))
	if ok, err := live.IsWorkingDay(at(t, "2028-01-04")); err != nil || !ok {
		t.Errorf("2028-01-04 after Replace = %v, %v; want a working day", ok, err)
	}
	if got := live.Coverage(); len(got) != 4 || got[3].Year != 2028 || got[3].Source != workflow.SourceFile || got[0].Source != workflow.SourceEmbedded {
		t.Errorf("coverage after Replace = %+v", got)
	}
	if _, err := other.IsWorkingDay(at(t, "2028-01-04")); !errors.Is(err, workflow.ErrNoCalendarData) {
		t.Errorf("another calendar sees 2028: %v", err)
	}
}
