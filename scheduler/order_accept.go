package scheduler

import (
	"context"
	"fmt"
	"time"

	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// orderAcceptJob: a 12345 order still waiting for the section head's 签收
// after its 签收 limit (accept_due_at, set at registration from
// ORDER_LIMITS 签收, default 1 working day) goes back to its registrar
// (首问责任人) and the office, daily until it is signed for, transferred
// or returned. "Goes back" is a reminder, not a change of state: the
// head's 签收 card stays valid (the order is usually just forgotten), and
// the registrar and the office chase the head, or have the order 退回 and
// re-dispatch it when it went to the wrong section. A 转办 keeps the
// original limit, as the 12345 centre measures 按时签收 from its dispatch.
// An order stored without accept_due_at (the calendar lacked the year at
// registration) is measured by the default limit. 09:40.
func (s *Scheduler) orderAcceptJob() Job {
	return Job{
		Name:     "order_accept",
		Summary:  "12345工单签收超时：超过签收时限（默认1个工作日）仍未签收的工单每日告知登记人（首问责任人）和办公室",
		Schedule: "40 9 * * *",
		MaxAge:   8 * time.Hour,
		Run:      s.orderAccept,
	}
}

func (s *Scheduler) orderAccept(ctx context.Context, t *Tick) error {
	orders, err := storage.OpenComplaintsDueBefore(ctx, t.Tx, farFuture, string(workflow.OrderDispatched))
	if err != nil {
		return err
	}
	office := s.withRole(config.RoleOffice)
	var (
		late   []*storage.Order
		limits []time.Time
		keys   []storage.ReminderKey
	)
	for i := range orders {
		c := &orders[i]
		limit := c.AcceptDueAt.Time
		if !c.AcceptDueAt.Valid {
			if limit, err = workflow.DefaultLimits().Accept.Due(s.cal, c.ReceivedAt); err != nil {
				continue // the calendar still lacks the year
			}
		}
		if !t.Now.After(limit) {
			continue
		}
		late = append(late, c)
		limits = append(limits, limit)
		keys = append(keys, storage.ReminderKey{Entity: orderEntity(c, "accept"), Slot: t.Today(), Recipients: union([]string{c.Registrar}, office)})
	}
	fresh, err := t.ClaimAll(ctx, keys)
	if err != nil {
		return err
	}
	var out perPerson
	for i, c := range late {
		if !fresh[i] {
			continue
		}
		head, due := s.name(s.headOf(c.Section)), s.clock(orderDue(c))
		if t.Now.After(orderDue(c)) {
			due += "（已超期）"
		}
		out.add(keys[i].Recipients,
			fmt.Sprintf("【12345工单签收超时】%s派发%s（%s）后，超过签收时限（%s）仍未签收，办理时限：%s。请联系%s及时签收；如派发有误，请其退回后重新派发。%s",
				ticket(c), c.Section, head, s.clock(limits[i]), due, head, detail(c)),
			fmt.Sprintf("· %s（%s）派发%s（%s），签收时限：%s，办理时限：%s", c.TicketNo, ticketKind(c), c.Section, head, s.clock(limits[i]), due))
	}
	return out.queue(ctx, t, "【12345工单签收超时】以下%d件12345工单超过签收时限仍未签收：",
		"请联系相关股室负责人及时签收；如派发有误，请其退回后重新派发。发送「工单 工单号」可查看详情。")
}

// farFuture bounds a query by due time that wants every due time.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
