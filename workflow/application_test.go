package workflow_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/workflow"
)

// The expectations below are counted by hand on the embedded calendar.
// Holidays relied on (workflow/holidays.yaml, from the State Council
// notices; 2027 as lunar-go v1.4.7 carries it):
//
//	2026: no day off and no make-up day from November to December.
//	2027: 元旦 01-01 (Fri) to 01-03 off; 春节 02-05 (Fri) to 02-13 off;
//	      make-up working days 01-31 (Sun) and 02-14 (Sun).
//
// Weekdays: 2026-11-02, 2026-11-30, 2026-12-07, 2027-01-04 and
// 2027-01-25 are Mondays; 2026-12-05 is a Saturday.

// day is the date s (2026-12-01) at 00:00 Asia/Shanghai; "" is zero.
func day(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation(time.DateOnly, s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

// clocks is ApplicationDue with dates as strings, for readable failures.
type clocks struct {
	supplementBy, supplementDue string
	askedLate, awaiting         bool
	start                       string
	restarted                   bool
	paused                      int
	ext                         int
	due                         string
	open                        bool
	since, until                string
}

func datesOf(d workflow.ApplicationDue) clocks {
	f := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(shanghai).Format(time.DateOnly)
	}
	return clocks{
		supplementBy: f(d.SupplementBy), supplementDue: f(d.SupplementDue), askedLate: d.SupplementAskedLate,
		awaiting: d.AwaitingSupplement, start: f(d.ClockStart), restarted: d.Restarted, paused: d.PausedDays,
		ext: d.ExtendedDays, due: f(d.ReplyDue), open: d.Paused, since: f(d.PausedSince), until: f(d.PausedUntil),
	}
}

func consult(sent, answered string) workflow.Consultation {
	return workflow.Consultation{Sent: day(sent), Answered: day(answered)}
}

func TestApplicationDeadlines(t *testing.T) {
	t.Parallel()
	cal := workflow.DefaultCalendar()
	cases := []struct {
		name string
		ev   workflow.ApplicationEvents
		want clocks
	}{
		{
			// Tue 12-01; WD 1..20 = 12-02..04, 07..11, 14..18, 21..25, 28, 29.
			// The 7th WD is 12-10.
			"plain 20 WD within December",
			workflow.ApplicationEvents{Received: day("2026-12-01")},
			clocks{supplementBy: "2026-12-10", start: "2026-12-01", due: "2026-12-29"},
		},
		{
			// Tue 12-15: 12-16..18 (3), 21..25 (8), 28..31 (12); 01-01 元旦
			// off, 01-02/03 weekend; 01-04..08 (17), 11, 12, 13 (20).
			// Without 元旦 it would be 01-12.
			"across the year end and 元旦",
			workflow.ApplicationEvents{Received: day("2026-12-15")},
			clocks{supplementBy: "2026-12-24", start: "2026-12-15", due: "2027-01-13"},
		},
		{
			// Mon 2027-01-25: 26..29 (4), Sun 01-31 make-up (5), 02-01..04 (9),
			// 02-05..13 春节 off, Sun 02-14 make-up (10), 15..19 (15),
			// 22..26 (20). The 7th WD is 02-02.
			"across the 2027 Spring Festival with its make-up Sundays",
			workflow.ApplicationEvents{Received: day("2027-01-25")},
			clocks{supplementBy: "2027-02-02", start: "2027-01-25", due: "2027-02-26"},
		},
		{
			// Sat 12-05: WD 1 is Mon 12-07: 07..11 (5), 14..18 (10),
			// 21..25 (15), 28..31 (19), 01-01 元旦 off, 01-04 (20). The
			// 7th WD is 12-15.
			"receipt on a Saturday counts from the Monday",
			workflow.ApplicationEvents{Received: day("2026-12-05")},
			clocks{supplementBy: "2026-12-15", start: "2026-12-05", due: "2027-01-04"},
		},
		{
			// The same as a Friday receipt (12-04: WD 1 is 12-07 too) ...
			"receipt on the Friday before: the same due day",
			workflow.ApplicationEvents{Received: day("2026-12-04")},
			clocks{supplementBy: "2026-12-15", start: "2026-12-04", due: "2027-01-04"},
		},
		{
			// ... and one day earlier than a Monday receipt (WD 1 = 12-08).
			"receipt on the Monday after: one day later",
			workflow.ApplicationEvents{Received: day("2026-12-07")},
			clocks{supplementBy: "2026-12-16", start: "2026-12-07", due: "2027-01-05"},
		},
		{
			// 20th WD 12-29, then 30, 31 (22), 01-01 元旦, 01-04..08 (27),
			// 11, 12, 13 (30).
			"extension of 10 WD",
			workflow.ApplicationEvents{Received: day("2026-12-01"), ExtensionDays: 10},
			clocks{supplementBy: "2026-12-10", start: "2026-12-01", ext: 10, due: "2027-01-13"},
		},
		{
			// Asked 12-03: 15 WD = 12-04 (1), 07..11 (6), 14..18 (11),
			// 21..24 (15). No reply clock while waiting.
			"awaiting the 补正 with the default 15 WD",
			workflow.ApplicationEvents{Received: day("2026-12-01"), SupplementAsked: day("2026-12-03")},
			clocks{supplementDue: "2026-12-24", awaiting: true},
		},
		{
			// 10 WD from 12-03: 12-04, 07..11, 14..17.
			"awaiting the 补正 with a 10 WD period",
			workflow.ApplicationEvents{Received: day("2026-12-01"), SupplementAsked: day("2026-12-03"), SupplementDays: 10},
			clocks{supplementDue: "2026-12-17", awaiting: true},
		},
		{
			// The 7th WD after 12-01 is 12-10; sent on 12-11. Clock from
			// 12-14: 15..18 (4), 21..25 (9), 28..31 (13), 01-04..08 (18),
			// 11, 12 (20).
			"补正告知书 sent late still resets the clock",
			workflow.ApplicationEvents{Received: day("2026-12-01"), SupplementAsked: day("2026-12-11"), SupplementReceived: day("2026-12-14")},
			clocks{supplementDue: "2027-01-04", askedLate: true, start: "2026-12-14", restarted: true, due: "2027-01-12"},
		},
		{
			// The CLI example. Received 12-01, 补正 asked 12-03 (due 12-24,
			// as above), received 12-10: clock reset to 12-10. Consultation
			// sent 12-11 (Fri, WD 1 of the new clock, counted), answered
			// 12-18: 12-14..18 paused (5). Then 21..25 (6), 28..31 (10),
			// 01-01 元旦, 01-04..08 (15), 11..15 (20).
			"补正, then a consultation",
			workflow.ApplicationEvents{Received: day("2026-12-01"), SupplementAsked: day("2026-12-03"), SupplementReceived: day("2026-12-10"),
				Consultations: []workflow.Consultation{consult("2026-12-11", "2026-12-18")}},
			clocks{supplementDue: "2026-12-24", start: "2026-12-10", restarted: true, paused: 5, due: "2027-01-15"},
		},
		{
			// As above plus 10 WD: 01-18..22 (25), 25..29 (30).
			"补正, then a consultation, then an extension of 10 WD",
			workflow.ApplicationEvents{Received: day("2026-12-01"), SupplementAsked: day("2026-12-03"), SupplementReceived: day("2026-12-10"),
				Consultations: []workflow.Consultation{consult("2026-12-11", "2026-12-18")}, ExtensionDays: 10},
			clocks{supplementDue: "2026-12-24", start: "2026-12-10", restarted: true, paused: 5, ext: 10, due: "2027-01-29"},
		},
		{
			// Plus 20 WD instead: after 01-29 (30) come Sun 01-31 make-up
			// (31), 02-01..04 (35), 春节 02-05..13 off, Sun 02-14 make-up
			// (36), 15..18 (40).
			"补正, a consultation and the full 20 WD extension across the Spring Festival",
			workflow.ApplicationEvents{Received: day("2026-12-01"), SupplementAsked: day("2026-12-03"), SupplementReceived: day("2026-12-10"),
				Consultations: []workflow.Consultation{consult("2026-12-11", "2026-12-18")}, ExtensionDays: 20},
			clocks{supplementDue: "2026-12-24", start: "2026-12-10", restarted: true, paused: 5, ext: 20, due: "2027-02-18"},
		},
		{
			// A sent 11-04, answered 11-13; B sent 11-10, answered 11-19.
			// Union (11-04, 11-19] = 11-05, 06, 09..13, 16..19: 11 WD, not
			// 7 + 7. Clock from Mon 11-02: 11-03, 04 (2), paused, 11-20 (3),
			// 23..27 (8), 30 (9), 12-01..04 (13), 07..11 (18), 14, 15 (20).
			"overlapping consultations count their union once",
			workflow.ApplicationEvents{Received: day("2026-11-02"),
				Consultations: []workflow.Consultation{consult("2026-11-10", "2026-11-19"), consult("2026-11-04", "2026-11-13")}},
			clocks{supplementBy: "2026-11-11", start: "2026-11-02", paused: 11, due: "2026-12-15"},
		},
		{
			// Sent 11-04; its 15th WD: 11-05, 06, 09..13, 16..20, 23, 24,
			// 25. Clock: 11-03, 04 (2), paused 15, 26, 27, 30 (5),
			// 12-01..04 (9), 07..11 (14), 14..18 (19), 21 (20).
			"a silent third party (no answer): 15 WD paused, still paused",
			workflow.ApplicationEvents{Received: day("2026-11-02"), Consultations: []workflow.Consultation{consult("2026-11-04", "")}},
			clocks{supplementBy: "2026-11-11", start: "2026-11-02", paused: 15, due: "2026-12-21", open: true, since: "2026-11-04", until: "2026-11-25"},
		},
		{
			// An answer after the 15th WD (11-25) changes nothing.
			"an answer after the 15 WD: the pause ends with the 15th WD",
			workflow.ApplicationEvents{Received: day("2026-11-02"), Consultations: []workflow.Consultation{consult("2026-11-04", "2026-12-01")}},
			clocks{supplementBy: "2026-11-11", start: "2026-11-02", paused: 15, due: "2026-12-21"},
		},
		{
			"answered the day it was sent: nothing paused",
			workflow.ApplicationEvents{Received: day("2026-12-01"), Consultations: []workflow.Consultation{consult("2026-12-08", "2026-12-08")}},
			clocks{supplementBy: "2026-12-10", start: "2026-12-01", due: "2026-12-29"},
		},
		{
			// Sent Mon 12-07, answered Tue 12-08: one day (12-08) paused,
			// so 12-29 + 1 = 12-30.
			"answered the next working day: one day paused",
			workflow.ApplicationEvents{Received: day("2026-12-01"), Consultations: []workflow.Consultation{consult("2026-12-07", "2026-12-08")}},
			clocks{supplementBy: "2026-12-10", start: "2026-12-01", paused: 1, due: "2026-12-30"},
		},
		{
			// Clock from Mon 2027-01-04: 05..08 (4), 11..15 (9), 18..22
			// (14), 25, 26, 27 (17). Sent Wed 01-27, open; its 15 WD: 28,
			// 29, Sun 31, 02-01..04 (7), 春节, Sun 14 (8), 15..19 (13), 22,
			// 23 (15). Then 02-24, 25, 26 (20).
			"an open consultation across the Spring Festival: provisional due, paused since and until",
			workflow.ApplicationEvents{Received: day("2027-01-04"), Consultations: []workflow.Consultation{consult("2027-01-27", "")}},
			clocks{supplementBy: "2027-01-13", start: "2027-01-04", paused: 15, due: "2027-02-26", open: true, since: "2027-01-27", until: "2027-02-23"},
		},
		{
			// An open consultation overlapping an answered one that ends
			// later: the pause lasts until the later end. A sent 11-04,
			// open (to 11-25); B sent 11-20, answered 11-30. Union (11-04,
			// 11-30]: 15 + 11-26, 27, 30 = 18 WD. Clock: 11-03, 04 (2),
			// 12-01..04 (6), 07..11 (11), 14..18 (16), 21..24 (20).
			"an open consultation overlapping a later answered one",
			workflow.ApplicationEvents{Received: day("2026-11-02"),
				Consultations: []workflow.Consultation{consult("2026-11-04", ""), consult("2026-11-20", "2026-11-30")}},
			clocks{supplementBy: "2026-11-11", start: "2026-11-02", paused: 18, due: "2026-12-24", open: true, since: "2026-11-04", until: "2026-11-30"},
		},
		{
			// A sent 11-04, never answered: its 15 WD ended 11-25. B sent
			// 12-01, answered 12-03 (12-02, 03 paused). A is over, not in
			// progress. Clock: 11-03, 04 (2), 26, 27, 30 (5), 12-01 (6),
			// 04 (7), 07..11 (12), 14..18 (17), 21, 22, 23 (20).
			"an unanswered consultation long over is no longer a pause in progress",
			workflow.ApplicationEvents{Received: day("2026-11-02"),
				Consultations: []workflow.Consultation{consult("2026-11-04", ""), consult("2026-12-01", "2026-12-03")}},
			clocks{supplementBy: "2026-11-11", start: "2026-11-02", paused: 17, due: "2026-12-23"},
		},
		{
			// Sent 12-04 while the 补正 was awaited, answered 12-15; the
			// clock restarts 12-10, so only 12-11, 14, 15 are paused. From
			// 12-10 unpaused it would be 01-08; + 3 = 01-11, 12, 13.
			"a consultation begun before the 补正 came back pauses only the new clock",
			workflow.ApplicationEvents{Received: day("2026-12-01"), SupplementAsked: day("2026-12-03"), SupplementReceived: day("2026-12-10"),
				Consultations: []workflow.Consultation{consult("2026-12-04", "2026-12-15")}},
			clocks{supplementDue: "2026-12-24", start: "2026-12-10", restarted: true, paused: 3, due: "2027-01-13"},
		},
		{
			// Due 12-29 before it; the consultation is sent on the due day:
			// no day of the period is left to stop.
			"a consultation sent on the due day does not move it",
			workflow.ApplicationEvents{Received: day("2026-12-01"), Consultations: []workflow.Consultation{consult("2026-12-29", "")}},
			clocks{supplementBy: "2026-12-10", start: "2026-12-01", due: "2026-12-29"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := workflow.ApplicationDeadlines(cal, c.ev)
			if err != nil {
				t.Fatal(err)
			}
			if g := datesOf(got); g != c.want {
				t.Fatalf("got  %+v\nwant %+v", g, c.want)
			}
			if got.AwaitingSupplement {
				return
			}
			// Deadlines end their day, as Calendar.AddWorkingDays writes them.
			if h, m, s := got.ReplyDue.In(shanghai).Clock(); h != 23 || m != 59 || s != 59 {
				t.Errorf("ReplyDue %v is not the end of its day", got.ReplyDue)
			}
			if got.ReplyDays != workflow.ReplyDays {
				t.Errorf("ReplyDays %d", got.ReplyDays)
			}
			// Every working day from the start to the due day is either
			// counted or paused.
			n, err := cal.WorkingDaysBetween(got.ClockStart, got.ReplyDue)
			if err != nil || n != workflow.ReplyDays+got.ExtendedDays+got.PausedDays {
				t.Errorf("%d working days from %v to %v, want 20 + %d + %d (%v)", n, got.ClockStart, got.ReplyDue, got.ExtendedDays, got.PausedDays, err)
			}
		})
	}
}

func TestApplicationDeadlinesRefuseImpossibleEvents(t *testing.T) {
	t.Parallel()
	cal := workflow.DefaultCalendar()
	rec := day("2026-12-01")
	cases := []struct {
		name  string
		ev    workflow.ApplicationEvents
		field string
		index int
	}{
		{"no day of receipt", workflow.ApplicationEvents{}, "Received", 0},
		{"补正 asked before receipt", workflow.ApplicationEvents{Received: rec, SupplementAsked: day("2026-11-30")}, "SupplementAsked", 0},
		{"negative 补正期限", workflow.ApplicationEvents{Received: rec, SupplementAsked: day("2026-12-02"), SupplementDays: -1}, "SupplementDays", 0},
		{"supplement received before asked", workflow.ApplicationEvents{Received: rec, SupplementAsked: day("2026-12-03"), SupplementReceived: day("2026-12-02")}, "SupplementReceived", 0},
		{"supplement received, never asked", workflow.ApplicationEvents{Received: rec, SupplementReceived: day("2026-12-02")}, "SupplementReceived", 0},
		{"consultation answered before sent", workflow.ApplicationEvents{Received: rec,
			Consultations: []workflow.Consultation{consult("2026-12-02", "2026-12-04"), consult("2026-12-11", "2026-12-10")}}, "Consultations", 1},
		{"consultation sent before receipt", workflow.ApplicationEvents{Received: rec, Consultations: []workflow.Consultation{consult("2026-11-30", "")}}, "Consultations", 0},
		{"consultation without a sending day", workflow.ApplicationEvents{Received: rec, Consultations: []workflow.Consultation{{Answered: day("2026-12-03")}}}, "Consultations", 0},
		{"extension of 21 WD", workflow.ApplicationEvents{Received: rec, ExtensionDays: 21}, "ExtensionDays", 0},
		{"negative extension", workflow.ApplicationEvents{Received: rec, ExtensionDays: -5}, "ExtensionDays", 0},
		{"extension while awaiting the 补正", workflow.ApplicationEvents{Received: rec, SupplementAsked: day("2026-12-02"), ExtensionDays: 5}, "ExtensionDays", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := workflow.ApplicationDeadlines(cal, c.ev)
			var ie *workflow.ApplicationInputError
			if !errors.As(err, &ie) || ie.Field != c.field || ie.Index != c.index {
				t.Fatalf("err %v; want an ApplicationInputError on %s[%d]", err, c.field, c.index)
			}
			if !strings.Contains(err.Error(), c.field) {
				t.Fatalf("%q does not name %s", err, c.field)
			}
		})
	}
	// The boundaries are allowed: the 补正 received the day it was asked,
	// an answer the day of sending, the full 20 WD.
	ok := workflow.ApplicationEvents{Received: rec, SupplementAsked: rec, SupplementReceived: rec, ExtensionDays: workflow.MaxExtensionDays,
		Consultations: []workflow.Consultation{consult("2026-12-01", "2026-12-01")}}
	if _, err := workflow.ApplicationDeadlines(cal, ok); err != nil {
		t.Fatalf("boundary events refused: %v", err)
	}
}

func TestApplicationDeadlinesBeyondTheCalendar(t *testing.T) {
	t.Parallel()
	cal := workflow.DefaultCalendar()
	// Mon 2027-12-20: the 7th WD is 12-29, inside 2027, but the 20th is in
	// 2028, which the embedded calendar does not cover.
	got, err := workflow.ApplicationDeadlines(cal, workflow.ApplicationEvents{Received: day("2027-12-20")})
	if !errors.Is(err, workflow.ErrNoCalendarData) || !strings.Contains(err.Error(), "2028") || !strings.Contains(err.Error(), "reply due") {
		t.Fatalf("got %+v, %v; want the reply due refused for want of 2028", got, err)
	}
	// A consultation whose 15 WD reach 2028 cannot be placed either.
	_, err = workflow.ApplicationDeadlines(cal, workflow.ApplicationEvents{Received: day("2027-11-01"),
		Consultations: []workflow.Consultation{consult("2027-12-20", "")}})
	if !errors.Is(err, workflow.ErrNoCalendarData) || !strings.Contains(err.Error(), "Consultations[0]") {
		t.Fatalf("consultation into 2028: %v", err)
	}
}

func TestSupplementLapsed(t *testing.T) {
	t.Parallel()
	cal := workflow.DefaultCalendar()
	// Asked 12-03 with the default 15 WD: the last day is 12-24 (see
	// TestApplicationDeadlines).
	ev := workflow.ApplicationEvents{Received: day("2026-12-01"), SupplementAsked: day("2026-12-03")}
	d, err := workflow.ApplicationDeadlines(cal, ev)
	if err != nil {
		t.Fatal(err)
	}
	if d.SupplementDays != workflow.DefaultSupplementDays {
		t.Errorf("补正期限 %d WD, want the default %d", d.SupplementDays, workflow.DefaultSupplementDays)
	}
	for _, c := range []struct {
		at     time.Time
		lapsed bool
	}{
		{day("2026-12-23"), false},
		{day("2026-12-24").Add(17 * time.Hour), false},           // the last day, in office hours
		{time.Date(2026, 12, 24, 15, 59, 0, 0, time.UTC), false}, // 23:59 Shanghai
		{time.Date(2026, 12, 24, 16, 0, 0, 0, time.UTC), true},   // 00:00 the 25th in Shanghai
		{day("2026-12-25"), true},                                // the day after
		{day("2027-01-04"), true},                                // long after
		{time.Date(2026, 12, 24, 12, 0, 0, 0, time.UTC), false},  // 20:00 Shanghai on the 24th
	} {
		if got := d.SupplementLapsed(c.at); got != c.lapsed {
			t.Errorf("SupplementLapsed(%v) = %v, want %v", c.at, got, c.lapsed)
		}
	}
	// Once the 补正 came back nothing lapses, even after the 补正期限.
	ev.SupplementReceived = day("2026-12-28")
	if d, err := workflow.ApplicationDeadlines(cal, ev); err != nil || d.SupplementLapsed(day("2027-01-04")) {
		t.Fatalf("a received 补正 lapsed: %v", err)
	}
	// Nor does anything when no 补正 was asked for.
	if d, _ := workflow.ApplicationDeadlines(cal, workflow.ApplicationEvents{Received: day("2026-12-01")}); d.SupplementLapsed(day("2027-06-01")) {
		t.Fatal("an application without 补正 lapsed")
	}
}

func TestApplicationWorkingDaysLeft(t *testing.T) {
	t.Parallel()
	cal := workflow.DefaultCalendar()
	// Due Fri 2027-01-15 (补正, then a consultation: see above).
	d, err := workflow.ApplicationDeadlines(cal, workflow.ApplicationEvents{Received: day("2026-12-01"), SupplementAsked: day("2026-12-03"),
		SupplementReceived: day("2026-12-10"), Consultations: []workflow.Consultation{consult("2026-12-11", "2026-12-18")}})
	if err != nil {
		t.Fatal(err)
	}
	// Due Fri 2027-02-26 across the Spring Festival.
	sf, err := workflow.ApplicationDeadlines(cal, workflow.ApplicationEvents{Received: day("2027-01-25")})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		due  workflow.ApplicationDue
		on   string
		want int
	}{
		{d, "2027-01-15", 0},   // the due day
		{d, "2027-01-14", 1},   // the day before
		{d, "2027-01-08", 5},   // a week before: 11..15
		{d, "2027-01-09", 5},   // the Saturday: still 11..15
		{d, "2026-12-31", 10},  // 01-04..08, 11..15 (元旦 off)
		{d, "2027-01-16", -1},  // the Saturday after: overdue, like the Monday
		{d, "2027-01-17", -1},  // the Sunday after
		{d, "2027-01-18", -1},  // the Monday after
		{d, "2027-01-19", -2},  // Tuesday
		{sf, "2027-02-04", 11}, // 02-14 (Sun, make-up), 15..19, 22..26
		{sf, "2027-02-05", 11}, // 春节: the same
		{sf, "2027-02-13", 11}, // the last day off
		{sf, "2027-02-14", 10}, // the make-up Sunday is a working day
	} {
		got, err := c.due.WorkingDaysLeft(cal, day(c.on))
		if err != nil || got != c.want {
			t.Errorf("WorkingDaysLeft(%s) to %s = %d, %v; want %d", c.on, c.due.ReplyDue.Format(time.DateOnly), got, err, c.want)
		}
	}
	waiting, err := workflow.ApplicationDeadlines(cal, workflow.ApplicationEvents{Received: day("2026-12-01"), SupplementAsked: day("2026-12-03")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := waiting.WorkingDaysLeft(cal, day("2026-12-10")); !errors.Is(err, workflow.ErrAwaitingSupplement) {
		t.Fatalf("days left while awaiting the 补正: %v", err)
	}
	if _, err := d.WorkingDaysLeft(cal, day("2028-03-01")); !errors.Is(err, workflow.ErrNoCalendarData) {
		t.Fatalf("days left from 2028: %v", err)
	}
}

func TestConsultationDueAndSupplementPeriodEnd(t *testing.T) {
	cal := workflow.DefaultCalendar()
	loc := cal.Location()
	// Sent Friday 2026-12-04: 15 working days are 12-07 … 12-25.
	got, err := workflow.ConsultationDue(cal, time.Date(2026, 12, 4, 0, 0, 0, 0, loc))
	if err != nil || got.Format(time.DateOnly) != "2026-12-25" {
		t.Errorf("ConsultationDue = %v, %v; want 2026-12-25", got, err)
	}
	// Asked Tuesday 2026-12-22, default 15 WD: 12-23 … 12-31 are 7 (2027-01-01,
	// a Friday, is 元旦), 01-04 … 01-08 make 12, and 01-13 is the 15th.
	got, err = workflow.SupplementPeriodEnd(cal, time.Date(2026, 12, 22, 0, 0, 0, 0, loc), 0)
	if err != nil || got.Format(time.DateOnly) != "2027-01-13" {
		t.Errorf("SupplementPeriodEnd = %v, %v; want 2027-01-13", got, err)
	}
}
