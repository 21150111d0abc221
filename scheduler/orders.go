package scheduler

import (
	"fmt"
	"time"

	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// The 12345 work-order reminders (issue 5) are four jobs, one file each:
//
//   - order_due (order_due.go): the day before and the day of the due
//     date, to whoever must act next; ordinary orders only.
//   - order_urgent (order_urgent.go): 紧急 orders at 50% and 80% of their
//     time, and the moment one goes overdue, at any hour (the one
//     exception to the quiet rules, URGENT_OVERDUE_ANYTIME).
//   - order_overdue (order_overdue.go): every overdue order, daily, to the
//     section head, the office and the leader until it is closed.
//   - order_accept (order_accept.go): an order not 签收 in time, daily, to
//     the registrar (首问责任人) and the office.
//
// Decisions common to them:
//
//   - The due time is due_at. An approved 延期 moves due_at itself (the
//     office's 同意延期 sets it to the requested date and clears ext_until),
//     so due_at is always the effective due time. ext_until is a request
//     the office has not decided yet: it does not move the deadline (the
//     handler was told 审核前原时限不变), it is only mentioned in the
//     reminders, so that the office sees it is waiting.
//   - Keys include the order's id; the urgent checkpoints' keys also
//     include the due time, so an approved extension brings new
//     checkpoints, while a day's reminder (slot = the date) is never
//     repeated that day, whatever the order does meanwhile.
//   - A closed order (已回复12345) is never reminded of. An answered order
//     (办结, waiting to be replied to 12345) is no longer the handler's: on
//     its due day its registrar is reminded to reply, and once overdue the
//     registrar and the office hear daily; the section head and the leader
//     are not troubled, the section's work being done.
//   - A reopened order (回访不满意) keeps its due time, as the handlers do:
//     when that has passed it is overdue again and escalated.

// orderDue is the time an order must be answered by: due_at (see above on
// extensions).
func orderDue(c *storage.Order) time.Time { return c.DueAt }

// dayLimit reports whether a due time is the end of a day (a limit in
// working or calendar days) rather than a clock time (hours).
func (s *Scheduler) dayLimit(t time.Time) bool {
	t = t.In(s.loc)
	return t.Hour() == 23 && t.Minute() == 59
}

// clock shows an order's due time: 2026年2月13日 for a limit in days,
// 2026年2月13日 17:30 for one in hours.
func (s *Scheduler) clock(t time.Time) string {
	if s.dayLimit(t) {
		return s.day(t)
	}
	return workflow.FormatDateTime(t, s.loc)
}

// span shows a duration to the minute below: 2天3小时, 4小时48分钟, 25分钟.
func span(d time.Duration) string {
	d = max(d.Truncate(time.Minute), time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0 && hours > 0:
		return fmt.Sprintf("%d天%d小时", days, hours)
	case days > 0:
		return fmt.Sprintf("%d天", days)
	case hours > 0 && mins > 0:
		return fmt.Sprintf("%d小时%d分钟", hours, mins)
	case hours > 0:
		return fmt.Sprintf("%d小时", hours)
	}
	return fmt.Sprintf("%d分钟", mins)
}

// late says how long an order is overdue: in working days for a limit in
// days (as the 12345 centre counts), in clock time for one in hours or
// where the calendar cannot count.
func (s *Scheduler) late(due, now time.Time) string {
	if s.dayLimit(due) {
		if n, err := s.cal.WorkingDaysBetween(due, now); err == nil && n > 0 {
			return fmt.Sprintf("已超期%d个工作日", n)
		}
	}
	return "已超期" + span(now.Sub(due))
}

// ticket names an order: 12345工单 2026021100001（投诉）, with 紧急 for an
// urgent one.
func ticket(c *storage.Order) string {
	return fmt.Sprintf("12345工单 %s（%s）", c.TicketNo, ticketKind(c))
}

// ticketKind is an order's category, with 紧急 for an urgent one.
func ticketKind(c *storage.Order) string {
	if c.Urgent {
		return c.Category + "，紧急"
	}
	return c.Category
}

// headOf is the userid of a section's head, "" when the roster has none.
func (s *Scheduler) headOf(section string) string {
	if p, ok := s.roster.HeadOf(section); ok {
		return p.UserID
	}
	return ""
}

// orderActors are the people who must act on an order next: the section
// head to 签收 a dispatched order or to name the handler of an accepted
// one, the registrar to re-dispatch a returned one or to reply an answered
// one to 12345, the handler of an assigned one.
func (s *Scheduler) orderActors(c *storage.Order) []string {
	switch workflow.OrderState(c.State) {
	case workflow.OrderDispatched, workflow.OrderAccepted:
		return union([]string{s.headOf(c.Section)})
	case workflow.OrderReturned, workflow.OrderAnswered:
		return union([]string{c.Registrar})
	case workflow.OrderAssigned:
		if c.Handler == "" {
			return union([]string{s.headOf(c.Section)})
		}
		return []string{c.Handler}
	}
	return nil
}

// overdueRecipients are those an overdue order is escalated to: those who
// must act, the section head, the office and the leader; for an answered
// order (办结, not yet replied to 12345) the registrar and the office only.
func (s *Scheduler) overdueRecipients(c *storage.Order) []string {
	office := s.withRole(config.RoleOffice)
	if c.State == string(workflow.OrderAnswered) {
		return union([]string{c.Registrar}, office)
	}
	return union(s.orderActors(c), []string{s.headOf(c.Section)}, office, s.withRole(config.RoleLeader))
}

// orderStatus says where an order stands: 待综合一股（张伟）签收.
func (s *Scheduler) orderStatus(c *storage.Order) string {
	head := s.name(s.headOf(c.Section))
	var st string
	switch workflow.OrderState(c.State) {
	case workflow.OrderDispatched:
		st = fmt.Sprintf("待%s（%s）签收", c.Section, head)
	case workflow.OrderAccepted:
		st = fmt.Sprintf("%s（%s）已签收，待指定承办人", c.Section, head)
	case workflow.OrderReturned:
		st = fmt.Sprintf("已被%s退回，待登记人%s重新派发", c.Section, s.name(c.Registrar))
	case workflow.OrderAssigned:
		st = fmt.Sprintf("%s %s办理中", c.Section, s.name(c.Handler))
	case workflow.OrderAnswered:
		st = fmt.Sprintf("%s已办结，待登记人%s回复12345", s.name(c.Handler), s.name(c.Registrar))
	default:
		st = workflow.OrderState(c.State).Label()
	}
	if c.ReopenCount > 0 {
		st += fmt.Sprintf("（第%d次重办）", c.ReopenCount)
	}
	if c.ExtUntil.Valid && c.State == string(workflow.OrderAssigned) {
		st += fmt.Sprintf("，延期申请（延至%s）待办公室审核", s.clock(c.ExtUntil.Time))
	}
	return st
}

// orderTodo tells the person who must act on an order what to do, as the
// cards they hold allow.
func (s *Scheduler) orderTodo(c *storage.Order) string {
	switch workflow.OrderState(c.State) {
	case workflow.OrderDispatched:
		return fmt.Sprintf("该工单已派发%s，尚未签收，请在派单卡片上点击「签收」并指定承办人。", c.Section)
	case workflow.OrderAccepted:
		return "该工单已签收，尚未指定承办人，请在卡片上指定承办人。"
	case workflow.OrderReturned:
		return "该工单已被退回，请在卡片上选择股室重新派发。"
	case workflow.OrderAnswered:
		return "该工单已办结，尚未回复12345，请将答复回复12345后点击「已回复12345」。"
	}
	if c.ExtUntil.Valid {
		return fmt.Sprintf("您的延期申请（延至%s）正待办公室审核，审核前原时限不变，请抓紧办理。", s.clock(c.ExtUntil.Time))
	}
	return "请抓紧办理，办结后在办理卡片上点击「办结」；确需延期的，请点击「申请延期」。"
}

// orderEntity is the entity of an order's reminder keys: order:12:due.
func orderEntity(c *storage.Order, what string) string {
	return fmt.Sprintf("order:%d:%s", c.ID, what)
}

// detail is the closing line of every order reminder.
func detail(c *storage.Order) string {
	return "发送「工单 " + c.TicketNo + "」可查看详情。"
}
