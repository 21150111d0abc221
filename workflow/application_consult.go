package workflow

import (
	"fmt"
	"time"
)

// ConsultationDue is the last day (23:59:59) a third party (Art. 32) or
// another agency (Art. 34) has to answer a 征求意见书 sent on sent: its
// ConsultationDays working days, counted as every period of the
// application is (day 0 the sending day), so that the letter names the
// day the reply clock's pause assumes.
func ConsultationDue(cal *Calendar, sent time.Time) (time.Time, error) {
	due, err := workingDaysFrom(cal, sent, ConsultationDays)
	if err != nil {
		return time.Time{}, fmt.Errorf("application: 15 WD from %s: %w", isoDate(sent), err)
	}
	return due, nil
}
