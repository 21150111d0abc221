package workflow

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// OrderAction is a step in a 12345 work order's life. Its value is also
// the action's name in the audit log.
type OrderAction string

// The actions, in the order of the usual path.
const (
	OrderAccept      OrderAction = "accept"          // 签收, by the section head
	OrderTransfer    OrderAction = "transfer"        // 转办 to another section, by the section head
	OrderReturn      OrderAction = "return"          // 退回 to the registrar, by the section head
	OrderRedispatch  OrderAction = "dispatch"        // the registrar sends a returned order out again
	OrderAssign      OrderAction = "assign"          // 指定承办人, by the section head
	OrderFinish      OrderAction = "finish"          // 办结, by the handler
	OrderAskExtend   OrderAction = "extend_request"  // 申请延期, by the handler
	OrderGrantExtend OrderAction = "extend_approved" // 同意延期, by the office
	OrderDenyExtend  OrderAction = "extend_refused"  // 不同意延期, by the office
	OrderReply       OrderAction = "replied_12345"   // 已回复12345, by the registrar or the office
	OrderVisit       OrderAction = "visit"           // 回访, by the registrar
	// OrderConvert: the office finds the order is a 政府信息公开申请 (条例
	// Art. 39 and the 12345 exclusion) and registers it as one; the order
	// is answered with that, and the registrar still replies to 12345.
	OrderConvert OrderAction = "convert_application"
)

// VisitUnsatisfied is the 回访 result that reopens an order.
const VisitUnsatisfied = "不满意"

// MaxVisitReason is how long, in characters, the reason of a 不满意 回访
// may be: a short note for the handler, like the reasons of 退回 and 转办.
const MaxVisitReason = 200

// ErrVisitReason: the reason of a 不满意 回访 is empty or too long.
var ErrVisitReason = errors.New("order: the reason of an unsatisfied visit must be 1 to 200 characters")

// VisitReason checks the reason given for a 不满意 回访 and returns it
// trimmed. The reason is what the handler works from in the new round, so
// it may not be empty.
func VisitReason(s string) (string, error) {
	// Like every reason the office may print, it must be text the paper
	// carries: a *CharsError names what to remove.
	s, err := CheckChars("不满意的原因", s)
	if err != nil {
		return "", err
	}
	if n := utf8.RuneCountInString(s); n == 0 || n > MaxVisitReason {
		return "", ErrVisitReason
	}
	return s, nil
}

// Order is what the rules read of a work order.
type Order struct {
	State       OrderState
	Section     string
	Registrar   string
	Handler     string
	ReopenCount int
	// ExtUntil is the date of a pending 延期 request; zero when none.
	ExtUntil time.Time
	// Visit is the 回访 result of the current round: empty until the
	// registrar records it after 已回复12345, and empty again once a
	// 不满意 reopens the order (storage clears it with the reopening; the
	// audit log keeps every round's result). One visit per round.
	Visit string
}

// OrderActor is who acts, as the rules need to know them.
type OrderActor struct {
	UserID string
	Heads  []string // the sections they head
	Office bool     // a 综合办公室 reviewer
}

// Errors of OrderNext.
var (
	// ErrOrderMoved: the order is no longer where the action applies (it
	// was acted on meanwhile, or the action never applies there).
	ErrOrderMoved = errors.New("order: not in a state that allows this action")
	// ErrNotOrderActor: the actor has no part in this step.
	ErrNotOrderActor = errors.New("order: not this actor's step")
)

// orderRule is one row of the table: in which states an action applies,
// who takes it, and the state that follows (empty: the state stays).
type orderRule struct {
	from []OrderState
	by   func(o Order, a OrderActor) bool
	to   OrderState
	// when, if set, is a further condition on the order.
	when func(o Order) bool
}

func byHead(o Order, a OrderActor) bool      { return slices.Contains(a.Heads, o.Section) }
func byHandler(o Order, a OrderActor) bool   { return a.UserID != "" && a.UserID == o.Handler }
func byRegistrar(o Order, a OrderActor) bool { return a.UserID != "" && a.UserID == o.Registrar }
func byOffice(_ Order, a OrderActor) bool    { return a.Office }
func byReplier(o Order, a OrderActor) bool   { return byRegistrar(o, a) || byOffice(o, a) }
func extPending(o Order) bool                { return !o.ExtUntil.IsZero() }
func noExtPending(o Order) bool              { return o.ExtUntil.IsZero() }
func notVisited(o Order) bool                { return o.Visit == "" }
func openStates() []OrderState {
	return []OrderState{OrderDispatched, OrderReturned, OrderAccepted, OrderAssigned}
}
func onlyIn(s OrderState) []OrderState { return []OrderState{s} }

var orderRules = map[OrderAction]orderRule{
	OrderAccept:      {from: onlyIn(OrderDispatched), by: byHead, to: OrderAccepted},
	OrderTransfer:    {from: onlyIn(OrderDispatched), by: byHead, to: OrderDispatched},
	OrderReturn:      {from: onlyIn(OrderDispatched), by: byHead, to: OrderReturned},
	OrderRedispatch:  {from: onlyIn(OrderReturned), by: byRegistrar, to: OrderDispatched},
	OrderAssign:      {from: onlyIn(OrderAccepted), by: byHead, to: OrderAssigned},
	OrderFinish:      {from: onlyIn(OrderAssigned), by: byHandler, to: OrderAnswered},
	OrderAskExtend:   {from: onlyIn(OrderAssigned), by: byHandler, when: noExtPending},
	OrderGrantExtend: {from: openStates(), by: byOffice, when: extPending},
	OrderDenyExtend:  {from: openStates(), by: byOffice, when: extPending},
	OrderReply:       {from: onlyIn(OrderAnswered), by: byReplier, to: OrderClosed},
	OrderVisit:       {from: onlyIn(OrderClosed), by: byRegistrar, when: notVisited},
	OrderConvert:     {from: openStates(), by: byOffice, to: OrderAnswered},
}

// OrderNext says whether actor may take action on o now, and the state
// that follows: ErrOrderMoved when the order is not where the action
// applies, ErrNotOrderActor when the step is someone else's. visit is the
// 回访 result (for OrderVisit only): 不满意 reopens the order to its
// handler, and the reopening starts a new round, whose own 回访 follows
// its own 已回复12345.
func OrderNext(o Order, action OrderAction, actor OrderActor, visit string) (OrderState, error) {
	r, ok := orderRules[action]
	if !ok {
		return "", errors.New("order: unknown action " + strconv.Quote(string(action)))
	}
	if !slices.Contains(r.from, o.State) || r.when != nil && !r.when(o) {
		return "", ErrOrderMoved
	}
	if !r.by(o, actor) {
		return "", ErrNotOrderActor
	}
	if action == OrderVisit && visit == VisitUnsatisfied {
		return OrderAssigned, nil
	}
	return cmp.Or(r.to, o.State), nil
}

// OrderCardKind is what a card about an order asks for.
type OrderCardKind string

// The cards about an order.
const (
	CardDispatch OrderCardKind = "dispatch" // section head: 签收 / 转办 / 退回
	CardTransfer OrderCardKind = "transfer" // section head chooses the section to 转办 to
	CardAssign   OrderCardKind = "assign"   // section head chooses the handler
	CardHandle   OrderCardKind = "handle"   // handler: 办结 / 申请延期
	CardExtend   OrderCardKind = "ext"      // office: 同意延期 / 不同意
	CardReply    OrderCardKind = "reply"    // registrar and office: 已回复12345
	CardVisit    OrderCardKind = "visit"    // registrar: 回访 result
	CardReturned OrderCardKind = "returned" // registrar re-dispatches a returned order
)

// CardMark is what a card of kind sent now must still match to be acted
// on: the order's state, how often it was reopened (a card from before a
// reopening is stale) and, for an extension card, which request it
// decides.
func (o Order) CardMark(kind OrderCardKind) string {
	s := string(o.State) + "#" + strconv.Itoa(o.ReopenCount)
	if kind == CardExtend && !o.ExtUntil.IsZero() {
		s += "@" + strconv.FormatInt(o.ExtUntil.Unix(), 10)
	}
	return s
}

// CardLive reports whether a card of kind, sent with mark to section's
// holders, may still be acted on. A card for a section is stale once the
// order went to another one; the registrar's cards (已回复12345, 回访)
// follow the order wherever it is handled.
func (o Order) CardLive(kind OrderCardKind, mark, section string) bool {
	if mark != o.CardMark(kind) {
		return false
	}
	if kind != CardReply && kind != CardVisit && section != o.Section {
		return false
	}
	switch kind {
	case CardExtend:
		return extPending(o)
	case CardVisit:
		return notVisited(o)
	}
	return true
}

// OrderMaxExtensionDays is how many working days past its 时限 an order
// may be extended. The rules give no figure; zwgk allows the longest
// ordinary limit (投诉/举报/建议, 15 working days) once more: a delay
// longer than that is no extension but a case the office takes up with
// 12345 itself.
const OrderMaxExtensionDays = 15

// OrderExtensionLimit is the latest day an order due at due may be
// extended to (its end, 23:59:59). The error wraps ErrNoCalendarData when
// the calendar does not reach it.
func OrderExtensionLimit(cal *Calendar, due time.Time) (time.Time, error) {
	return cal.AddWorkingDays(due, OrderMaxExtensionDays)
}
