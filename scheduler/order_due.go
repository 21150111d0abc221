package scheduler

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// orderDueJob: an ordinary (not urgent) 12345 order is reminded of 1
// working day before its due day ("before") and on its due day ("due"),
// to whoever must act on it next (orderActors): the handler; the section
// head while it waits for 签收 or for a handler; the registrar while it is
// returned. When the due day is a day off, "due" comes on the last working
// day before it. An answered order only gets "due", to its registrar, to
// reply to 12345. Urgent orders have order_urgent's checkpoints instead;
// overdue ones order_overdue. 09:35.
func (s *Scheduler) orderDueJob() Job {
	return Job{
		Name:     "order_due",
		Summary:  "12345工单到期提醒：到期前1个工作日和到期当日提醒承办人（待签收、待指定承办人的提醒股室负责人，已退回的提醒登记人，已办结待回复的到期当日提醒登记人）",
		Schedule: "35 9 * * *",
		MaxAge:   8 * time.Hour,
		Run:      s.orderDue,
	}
}

func (s *Scheduler) orderDue(ctx context.Context, t *Tick) error {
	orders, err := storage.OpenComplaintsDueBefore(ctx, t.Tx, t.Now.Add(dueHorizon), "")
	if err != nil {
		return err
	}
	type reminder struct {
		c    *storage.Order
		when string
	}
	var (
		due  []reminder
		keys []storage.ReminderKey
	)
	for i := range orders {
		c := &orders[i]
		at := orderDue(c)
		if c.Urgent || t.Now.After(at) {
			continue
		}
		left, err := s.cal.WorkingDaysBetween(t.Now, at)
		if errors.Is(err, workflow.ErrNoCalendarData) {
			// Due in a year the calendar lacks: more than a day away
			// (the calendar covers today), and start-up and the office
			// digest already warn about the calendar.
			continue
		}
		if err != nil {
			return fmt.Errorf("days left of order %s: %w", c.TicketNo, err)
		}
		var kind, when string
		switch {
		case left == 1 && c.State != string(workflow.OrderAnswered):
			kind, when = "before", "还剩1个工作日到期"
		case left == 0 && t.Today() == at.In(s.loc).Format(time.DateOnly):
			kind, when = "due", "今日到期"
		case left == 0:
			kind, when = "due", s.day(at)+"到期，今天是到期前最后一个工作日"
		default:
			continue
		}
		to := s.orderActors(c)
		if len(to) == 0 {
			continue
		}
		due = append(due, reminder{c, when})
		keys = append(keys, storage.ReminderKey{Entity: orderEntity(c, kind), Slot: t.Today(), Recipients: to})
	}
	fresh, err := t.ClaimAll(ctx, keys)
	if err != nil {
		return err
	}
	var out perPerson
	for i, r := range due {
		if fresh[i] {
			out.add(keys[i].Recipients,
				fmt.Sprintf("【12345工单到期提醒】%s%s，办理时限：%s。%s%s", ticket(r.c), r.when, s.clock(orderDue(r.c)), s.orderTodo(r.c), detail(r.c)),
				fmt.Sprintf("· %s（%s）%s，办理时限：%s", r.c.TicketNo, ticketKind(r.c), r.when, s.clock(orderDue(r.c))))
		}
	}
	return out.queue(ctx, t, "【12345工单到期提醒】以下%d件12345工单即将到期：",
		"请在到期前办理。发送「我的工单」查看全部，「工单 工单号」可查看详情。")
}
