package workflow

import (
	"testing"
	"time"
)

// The answer period a 征求意见书 names is where the pause it causes ends.
func TestConsultationDueIsThePausesEnd(t *testing.T) {
	t.Parallel()
	cal := DefaultCalendar()
	loc := cal.Location()
	sent := time.Date(2026, 12, 3, 0, 0, 0, 0, loc)
	due, err := ConsultationDue(cal, sent)
	if err != nil {
		t.Fatal(err)
	}
	d, err := ApplicationDeadlines(cal, ApplicationEvents{Received: time.Date(2026, 12, 1, 0, 0, 0, 0, loc),
		Consultations: []Consultation{{Sent: sent}}})
	if err != nil {
		t.Fatal(err)
	}
	if !d.Paused || !due.Equal(d.PausedUntil) {
		t.Fatalf("ConsultationDue %v, the pause ends %v", due, d.PausedUntil)
	}
	if got := due.Format(time.DateOnly); got != "2026-12-24" {
		t.Fatalf("15 WD from Thursday 2026-12-03: %s, want 2026-12-24", got)
	}
}
