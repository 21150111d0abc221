package scheduler

import (
	"context"
	"fmt"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// orderUrgentJob watches the 紧急 12345 orders (24 hours by default, so
// their checkpoints fall at any hour) every 15 minutes, at :07, :22, :37
// and :52, off the hour and the half hour:
//
//   - at 50% and at 80% of the order's time, measured in clock time from
//     received_at to the due time, whoever must act on it next is reminded
//     (orderActors). Checkpoints keep the quiet rules: one passed at night
//     or on a day off is sent at the first run in working time, and only
//     the latest one reached (80% when both have passed meanwhile).
//   - the first run after the due time reports the order at once to those
//     who must act, the section head, the office and the leader: at any
//     hour of any day (the one exception to the quiet rules; with
//     URGENT_OVERDUE_ANYTIME=off, at the first run in working time). This
//     report is the day's overdue escalation of the order: it claims
//     order_overdue's key of the day, so order_overdue does not repeat it
//     that day (and when order_overdue got there first, the report is
//     dropped). From the next working day order_overdue escalates it
//     daily, in working time like every order: the exception is for the
//     moment an urgent order goes overdue, when someone can still act, not
//     for repeating a stale one at night.
//
// An answered urgent order is not watched here: the section's work is
// done, and order_overdue chases its reply to 12345.
func (s *Scheduler) orderUrgentJob() Job {
	return Job{
		Name:     "order_urgent",
		Summary:  "12345紧急工单：办理时间过半（50%）和用去80%时提醒承办人；一旦超时即报承办人、股室负责人、办公室和主要负责人（URGENT_OVERDUE_ANYTIME=on 时不受工作时间限制）",
		Schedule: "7-59/15 * * * *",
		MaxAge:   15 * time.Minute,
		OffHours: !s.quietUrg,
		Run:      s.orderUrgent,
	}
}

func (s *Scheduler) orderUrgent(ctx context.Context, t *Tick) error {
	orders, err := storage.OpenComplaints(ctx, t.Tx, true)
	if err != nil {
		return err
	}
	for i := range orders {
		c := &orders[i]
		if c.State == string(workflow.OrderAnswered) {
			continue
		}
		due := orderDue(c)
		// The keys of the checkpoints and of the report name the due time:
		// an approved extension brings new ones.
		stamp := due.In(s.loc).Format("2006-01-02T15:04")
		if t.Now.After(due) {
			if err := s.urgentOverdue(ctx, t, c, stamp); err != nil {
				return err
			}
			continue
		}
		if !t.Working {
			continue
		}
		total, gone := due.Sub(c.ReceivedAt), t.Now.Sub(c.ReceivedAt)
		var pct int
		switch {
		case total <= 0:
			continue
		case gone*5 >= total*4:
			pct = 80
		case gone*2 >= total:
			pct = 50
		default:
			continue
		}
		to := s.orderActors(c)
		if len(to) == 0 {
			continue
		}
		fresh, err := t.Claim(ctx, orderEntity(c, fmt.Sprintf("%d%%", pct)), stamp, to)
		if err != nil {
			return err
		}
		if !fresh {
			continue
		}
		how := "办理时间已过半"
		if pct == 80 {
			how = "办理时间已用去80%"
		}
		text := fmt.Sprintf("【12345紧急工单提醒】%s%s，还剩%s，办理时限：%s。%s%s",
			ticket(c), how, span(due.Sub(t.Now)), s.clock(due), s.orderTodo(c), detail(c))
		for _, u := range to {
			if err := t.Text(ctx, u, text); err != nil {
				return err
			}
		}
	}
	return nil
}

// urgentOverdue reports an urgent order that has gone overdue, once per
// due time.
func (s *Scheduler) urgentOverdue(ctx context.Context, t *Tick, c *storage.Order, stamp string) error {
	entity := orderEntity(c, "overdue")
	reported, err := storage.ReminderQueued(ctx, t.Tx, t.Job, entity, stamp)
	if err != nil || reported {
		return err
	}
	escalated, err := storage.ReminderQueued(ctx, t.Tx, orderOverdueName, entity, t.Today())
	if err != nil {
		return err
	}
	if escalated {
		// order_overdue listed it today: record the report as done, sent
		// to nobody.
		_, err := t.Claim(ctx, entity, stamp, nil)
		return err
	}
	to := s.overdueRecipients(c)
	fresh, err := t.Claim(ctx, entity, stamp, to)
	if err != nil || !fresh {
		return err
	}
	if _, err := storage.ClaimReminder(ctx, t.Tx, orderOverdueName, entity, t.Today(), to); err != nil {
		return err
	}
	due := orderDue(c)
	text := fmt.Sprintf("【12345紧急工单超时】%s已超过办理时限（%s），%s，%s。请立即办理或督促办理。%s",
		ticket(c), s.clock(due), s.late(due, t.Now), s.orderStatus(c), detail(c))
	for _, u := range to {
		if err := t.Text(ctx, u, text); err != nil {
			return err
		}
	}
	return nil
}
