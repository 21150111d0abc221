package scheduler

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
)

// orderOverdueName is the job whose keys (order:ID:overdue, date) stand for
// an order's overdue escalation of a day; order_urgent claims the day's key
// too when it reports an urgent order the moment it goes overdue.
const orderOverdueName = "order_overdue"

// orderOverdueJob: every 12345 order past its due time and not closed is
// escalated daily, on working days, to those who must act on it, the
// section head, the office and the leader, until it is closed (an answered
// one to its registrar and the office only: see orders.go). Each person
// gets one text listing their orders. Urgent orders are included; the day
// order_urgent reported one at once, it is not repeated. 09:50.
func (s *Scheduler) orderOverdueJob() Job {
	return Job{
		Name:     orderOverdueName,
		Summary:  "12345工单超期督办：超过办理时限未办结的工单每个工作日报承办人、股室负责人、办公室和主要负责人，直至办结回复（已办结待回复的报登记人和办公室）",
		Schedule: "50 9 * * *",
		MaxAge:   8 * time.Hour,
		Run:      s.orderOverdue,
	}
}

func (s *Scheduler) orderOverdue(ctx context.Context, t *Tick) error {
	orders, err := storage.OpenComplaintsDueBefore(ctx, t.Tx, t.Now, "")
	if err != nil {
		return err
	}
	var (
		late []*storage.Order
		keys []storage.ReminderKey
	)
	for i := range orders {
		c := &orders[i]
		if !t.Now.After(orderDue(c)) {
			continue
		}
		late = append(late, c)
		keys = append(keys, storage.ReminderKey{Entity: orderEntity(c, "overdue"), Slot: t.Today(), Recipients: s.overdueRecipients(c)})
	}
	fresh, err := t.ClaimAll(ctx, keys)
	if err != nil {
		return err
	}
	lines := map[string][]string{}
	acts := map[string]bool{} // recipients who must act on one of theirs
	var users []string
	for i, c := range late {
		if !fresh[i] {
			continue
		}
		due := orderDue(c)
		line := fmt.Sprintf("· %s（%s）办理时限：%s，%s，%s", c.TicketNo, ticketKind(c), s.clock(due), s.late(due, t.Now), s.orderStatus(c))
		actors := s.orderActors(c)
		for _, u := range keys[i].Recipients {
			if _, ok := lines[u]; !ok {
				users = append(users, u)
			}
			lines[u] = append(lines[u], line)
			acts[u] = acts[u] || slices.Contains(actors, u)
		}
	}
	for _, u := range users {
		todo := "请督促办理。"
		if acts[u] {
			todo = "请立即办理。"
		}
		text := listText("【12345工单超期督办】以下12345工单已超过办理时限，尚未办结回复：", lines[u], todo+"发送「工单 工单号」可查看详情。")
		if err := t.Text(ctx, u, text); err != nil {
			return err
		}
	}
	return nil
}
