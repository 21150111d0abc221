package app

import (
	"context"

	"github.com/zwgk-bot/zwgk/scheduler"
	"github.com/zwgk-bot/zwgk/workflow"
)

// newScheduler builds the service's scheduler.
func newScheduler(s *Service, cal *workflow.Calendar) (*scheduler.Scheduler, error) {
	return scheduler.New(scheduler.Options{
		DB: s.db, Roster: s.roster, Calendar: cal, Log: s.log, Now: s.now, Queued: s.worker.Poke,
		Schedules: s.cfg.Schedules, MeetingDue: s.cfg.MeetingDue, Observe: s.metrics.Job, QuietUrgent: !s.cfg.UrgentAnytime,
	})
}

// Background runs the scheduler and the outbox worker until ctx ends, and
// stops them in order: the scheduler first (its run in flight finishes and
// commits what it queued), then the worker.
func (s *Service) Background(ctx context.Context) {
	wctx, stopWorker := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.worker.Run(wctx)
	}()
	s.sched.Run(ctx) // returns at once when SCHEDULES=off
	go s.RefreshCalendar(ctx, calendarRefresh)
	<-ctx.Done()
	stopWorker()
	<-done
}
