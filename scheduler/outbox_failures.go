package scheduler

import (
	"context"
	"time"

	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/outbox"
)

// outboxFailuresJob: once a working day the office hears of the outbound
// messages the outbox gave up since the previous working day (unknown
// users, invalid openids, rejected content, retries exhausted), so that
// nobody's notice is lost unnoticed. 08:50, after the office digest and
// off the half hour; nothing is sent on a day without failures.
func (s *Scheduler) outboxFailuresJob() Job {
	return Job{
		Name:     "outbox_failures",
		Summary:  "发送失败汇总：上一工作日以来未能送达的消息（接收人、内容、原因），每个工作日一条发给办公室",
		Schedule: "50 8 * * *",
		MaxAge:   8 * time.Hour,
		Run:      s.outboxFailures,
	}
}

func (s *Scheduler) outboxFailures(ctx context.Context, t *Tick) error {
	text, err := outbox.FailureSummary(ctx, t.Tx, s.previousWorkingDay(t.Slot), s.name)
	if err != nil || text == "" {
		return err
	}
	for _, to := range s.withRole(config.RoleOffice) {
		if err := t.Remind(ctx, "user:"+to, t.Today(), to, text); err != nil {
			return err
		}
	}
	return nil
}
