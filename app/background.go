package app

import (
	"context"
	"time"

	"github.com/zwgk-bot/zwgk/annualreport"
	"github.com/zwgk-bot/zwgk/config"

	"github.com/zwgk-bot/zwgk/scheduler"
	"github.com/zwgk-bot/zwgk/workflow"
)

// newScheduler builds the service's scheduler.
func newScheduler(s *Service, cal *workflow.Calendar) (*scheduler.Scheduler, error) {
	return scheduler.New(scheduler.Options{
		DB: s.db, Roster: s.roster, Calendar: cal, Log: s.log, Now: s.now, Queued: s.worker.Poke,
		Schedules: s.cfg.Schedules, MeetingDue: s.cfg.MeetingDue, Observe: s.metrics.Job, QuietUrgent: !s.cfg.UrgentAnytime,
		ReportLink: AnnualLink(s.cfg),
	})
}

// AnnualLink makes the signed links of the printable 年度报告 at cfg's
// address, valid annualreport.LinkValidity: for the reminder, which hands
// them to the office (the chat's 「年度报告 2026」 has office.Flow.AnnualLink).
func AnnualLink(cfg config.Config) func(year int, now time.Time) string {
	secret := []byte(cfg.LinkSecret)
	return func(year int, now time.Time) string { return annualreport.Link(cfg.PublicURL, secret, year, now) }
}

// Background runs the scheduler, the image worker and the outbox worker
// until ctx ends, and stops them in order: the scheduler and the image
// worker first (a run in flight finishes and commits what it queued), then
// the outbox worker.
func (s *Service) Background(ctx context.Context) {
	wctx, stopWorker := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.worker.Run(wctx)
	}()
	images := make(chan struct{})
	go func() {
		defer close(images)
		s.runImages(ctx)
	}()
	s.sched.Run(ctx) // returns at once when SCHEDULES=off
	go s.RefreshCalendar(ctx, calendarRefresh)
	<-ctx.Done()
	<-images
	stopWorker()
	<-done
}
