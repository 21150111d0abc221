package workflow

import (
	"slices"
	"testing"

	"github.com/6tail/lunar-go/HolidayUtil"
)

// The embedded years are copied from the State Council notices (2025,
// 2026: domain-rules.md; 2027: as lunar-go carries it). lunar-go is the
// cross-check: a module update that disagrees with a published year fails
// here, and so does one that brings a year holidays.yaml lacks, so that
// the next notice is copied in (and reviewed) when the module is updated.
func TestEmbeddedYearsMatchLunarGo(t *testing.T) {
	t.Parallel()
	f, err := parseCalendarFile(embeddedName, embeddedHolidays)
	if err != nil {
		t.Fatal(err)
	}
	embedded := map[int]*yearEntries{}
	for _, y := range f.years {
		embedded[y.year] = y
	}
	for year := 2025; year <= 2100; year++ {
		var off, work []string
		for e := HolidayUtil.GetHolidaysByYear(year).Front(); e != nil; e = e.Next() {
			h := e.Value.(*HolidayUtil.Holiday)
			if h.IsWork() {
				work = append(work, h.GetDay())
			} else {
				off = append(off, h.GetDay())
			}
		}
		slices.Sort(off)
		slices.Sort(work)
		y, ok := embedded[year]
		switch {
		case !ok && len(off)+len(work) == 0:
			continue
		case !ok:
			t.Errorf("lunar-go has %d (%d days off, %d make-up days) but holidays.yaml does not: copy the year in from its State Council notice", year, len(off), len(work))
			continue
		}
		if got := formatDays(y.off); !slices.Equal(got, off) {
			t.Errorf("%d days off:\n holidays.yaml %v\n lunar-go      %v", year, got, off)
		}
		if got := formatDays(y.work); !slices.Equal(got, work) {
			t.Errorf("%d make-up days:\n holidays.yaml %v\n lunar-go      %v", year, got, work)
		}
	}
}
