package app

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/office"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// calendarRefresh is how often a replica looks for a year another one
// (or zwgk calendar add) put in force: a minute at most between the
// office's confirmation and every replica computing with it.
const calendarRefresh = 30 * time.Second

// ReadCalendarFile reads CALENDAR_FILE ("" = none) and checks it.
func ReadCalendarFile(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", config.EnvCalendar, err)
	}
	if _, err := workflow.NewCalendar(data); err != nil {
		return nil, fmt.Errorf("%s %s: %w", config.EnvCalendar, path, err)
	}
	return data, nil
}

// LoadCalendar is the embedded working-day calendar plus CALENDAR_FILE,
// for what runs without a database; the service adds the office's years
// (office.LoadCalendar).
func LoadCalendar(path string) (*workflow.Calendar, error) {
	data, err := ReadCalendarFile(path)
	if err != nil {
		return nil, err
	}
	return workflow.NewCalendar(data)
}

// RefreshCalendar keeps s.cal current with the years in Postgres, so that
// a year confirmed on another replica is used here too. It returns when
// ctx ends.
func (s *Service) RefreshCalendar(ctx context.Context, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		v, err := storage.CalendarVersion(ctx, s.db)
		if err != nil || v == s.calVersion {
			if err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "calendar refresh", "err", err)
			}
			continue
		}
		cal, err := office.LoadCalendar(ctx, s.db, s.calExtra)
		if err != nil {
			s.log.ErrorContext(ctx, "calendar refresh: keeping the calendar in use", "err", err)
			continue
		}
		s.cal.Replace(cal)
		s.calVersion = v
		s.log.InfoContext(ctx, "working-day calendar reloaded", "covered_until", cal.CoveredUntil().Format(time.DateOnly))
	}
}
