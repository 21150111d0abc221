package orders

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/zwgk-bot/zwgk/chat"

	"github.com/lib/pq"
	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// orderOf is what the rules (workflow.OrderNext) read of c.
func orderOf(c *storage.Order) workflow.Order {
	o := workflow.Order{
		State: workflow.OrderState(c.State), Section: c.Section, Registrar: c.Registrar, Handler: c.Handler,
		ReopenCount: c.ReopenCount, Visit: c.Visit,
	}
	if c.Visit == workflow.VisitUnsatisfied {
		// A 不满意 always reopened the order, so a stored one is a past
		// round's: orders reopened before a reopening cleared the visit
		// kept it. Their current round has had no 回访 yet.
		o.Visit = ""
	}
	if c.ExtUntil.Valid {
		o.ExtUntil = c.ExtUntil.Time
	}
	return o
}

// actor is p as the rules see them.
func (b *Flow) actor(p config.Person) workflow.OrderActor {
	a := workflow.OrderActor{UserID: p.UserID, Office: p.Has(config.RoleOffice)}
	for _, s := range b.Roster.Sections {
		if s.Head == p.UserID {
			a.Heads = append(a.Heads, s.Name)
		}
	}
	return a
}

// Register stores a validated order and dispatches it, in the
// caller's transaction (the API and the CSV import). A known 工单号 returns
// the stored order and false: nothing is copied or sent again. queued
// counts the outbound messages, to wake the outbox after commit.
func (b *Flow) Register(ctx context.Context, tx *storage.Tx, c *storage.Order, now time.Time) (created bool, queued int, err error) {
	t := &chat.Turn{Tx: tx, Now: now}
	created, err = b.insertAndDispatch(ctx, t, c)
	return created, t.Pending(), err
}

func (b *Flow) insertAndDispatch(ctx context.Context, t *chat.Turn, c *storage.Order) (bool, error) {
	created, err := storage.InsertOrder(ctx, t.Tx, c)
	if err != nil || !created {
		return created, err
	}
	if err := storage.Audit(ctx, t.Tx, c.Registrar, "register", storage.EntityOrder, c.TicketNo, map[string]any{"source": c.Source, "section": c.Section, "due": c.DueAt}); err != nil {
		return false, err
	}
	if err := b.sendDispatch(ctx, t, c); err != nil {
		return false, err
	}
	if c.Source != "chat" {
		head, _ := b.Roster.HeadOf(c.Section)
		if err := b.Text(ctx, t, c.Registrar, fmt.Sprintf("12345工单 %s 已由系统登记（您为首问责任人），已派发%s（%s）签收，办理时限 %s。", c.TicketNo, c.Section, head.Name, b.dueText(c.DueAt))); err != nil {
			return false, err
		}
	}
	return true, nil
}

func (b *Flow) sendDispatch(ctx context.Context, t *chat.Turn, c *storage.Order) error {
	head, ok := b.Roster.HeadOf(c.Section)
	if !ok {
		return fmt.Errorf("section %s has no head", c.Section)
	}
	return b.orderCard(ctx, t, c, workflow.CardDispatch, "待签收", dispatchButtons(), head.UserID)
}

// dispatchButtons are the buttons of the section head's 待签收 card.
func dispatchButtons() []bot.CardButton {
	return []bot.CardButton{
		{Text: "签收", Key: "accept", Style: 1},
		{Text: "转办", Key: "transfer", Style: 2},
		{Text: "退回", Key: "return", Style: 3},
	}
}

// dueText shows a due time: a date for day limits, with the hour otherwise.
func (b *Flow) dueText(t time.Time) string {
	// Always with the year: a limit in January typed in December must not
	// read like one in the past.
	t = t.In(b.Location)
	if t.Hour() == 23 && t.Minute() == 59 {
		return workflow.FormatDate(t, b.Location) + "前"
	}
	return workflow.FormatDateTime(t, b.Location) + "前"
}

// leftText says how long is left, or how long overdue.
func (b *Flow) leftText(c *storage.Order, now time.Time) string {
	if c.AnsweredAt.Valid {
		if c.AnsweredAt.Time.After(c.DueAt) {
			return "已办结（超期）"
		}
		return "已按时办结"
	}
	d := c.DueAt.Sub(now)
	if d < 0 {
		return "已超期" + humanDuration(-d)
	}
	return "剩余" + humanDuration(d)
}

func humanDuration(d time.Duration) string {
	if d >= 24*time.Hour {
		return fmt.Sprintf("%d天%d小时", int(d.Hours())/24, int(d.Hours())%24)
	}
	if d >= time.Hour {
		return fmt.Sprintf("%d小时", int(d.Hours()))
	}
	return fmt.Sprintf("%d分钟", int(d.Minutes())+1)
}

// contact shows the caller to viewer: in full to the handler, the section
// head, the registrar and the office; masked to everyone else.
func (b *Flow) contact(c *storage.Order, viewer string) string {
	name := c.CallerName
	if name == "" {
		name = "（未留姓名）"
	}
	if c.CallerPhone == "" {
		return name
	}
	phone := workflow.MaskPhone(c.CallerPhone)
	if b.seesContact(c, viewer) {
		phone = c.CallerPhone
	}
	return name + " " + phone
}

func (b *Flow) seesContact(c *storage.Order, viewer string) bool {
	if viewer == c.Handler || viewer == c.Registrar {
		return true
	}
	if head, ok := b.Roster.HeadOf(c.Section); ok && head.UserID == viewer {
		return true
	}
	p, ok := b.Roster.Person(viewer)
	return ok && p.Has(config.RoleOffice)
}

// orderCard sends a card about an order to each holder (one copy each, so
// that every person's messages keep their order) and records it.
func (b *Flow) orderCard(ctx context.Context, t *chat.Turn, c *storage.Order, kind workflow.OrderCardKind, status string, buttons []bot.CardButton, holders ...string) error {
	for _, h := range holders {
		if err := b.orderCardTo(ctx, t, c, kind, status, buttons, h, nil); err != nil {
			return err
		}
	}
	return nil
}

// orderCardTo sends one holder a card about an order; quote, if any, is
// what the card must show above the order's content (why it came back).
func (b *Flow) orderCardTo(ctx context.Context, t *chat.Turn, c *storage.Order, kind workflow.OrderCardKind, status string, buttons []bot.CardButton, holder string, quote *bot.CardQuote) error {
	card, row := b.orderCardFor(c, kind, status, buttons, holder, quote)
	if err := storage.InsertOrderCard(ctx, t.Tx, row); err != nil {
		return err
	}
	return b.Card(ctx, t, card, row.Holders...)
}

// orderCardFor is the card about c for holder and the row that records it.
func (b *Flow) orderCardFor(c *storage.Order, kind workflow.OrderCardKind, status string, buttons []bot.CardButton, holder string, quote *bot.CardQuote) (bot.TemplateCard, storage.OrderCard) {
	holders := []string{holder}
	urg := ""
	if c.Urgent {
		urg = " · 紧急"
	}
	title := "12345工单 " + c.TicketNo
	card := bot.TemplateCard{
		CardType:     bot.CardButtonInteraction,
		Source:       &bot.CardSource{Desc: "12345转办 · " + status},
		MainTitle:    &bot.CardTitle{Title: chat.Clip(title, 26), Desc: c.Category + urg + " · " + c.Section},
		SubTitleText: chat.Clip(c.Content, 120),
		HorizontalContentList: []bot.CardField{
			{KeyName: "事发地点", Value: chat.OrDash(c.Location)},
			{KeyName: "来电人", Value: b.contact(c, holders[0])},
			{KeyName: "登记人", Value: b.Name(c.Registrar)},
			{KeyName: "承办人", Value: chat.OrDash(b.NameOrEmpty(c.Handler))},
			{KeyName: "办理时限", Value: b.dueText(c.DueAt)},
			{KeyName: "状态", Value: workflow.OrderState(c.State).Label()},
		},
		TaskID:     fmt.Sprintf("o%d%s-%s", c.ID, kind[:1], chat.Nonce()),
		ButtonList: buttons,
		QuoteArea:  quote,
	}
	if c.ReopenCount > 0 {
		card.MainTitle.Desc += fmt.Sprintf(" · 第%d次重办", c.ReopenCount)
	}
	return card, storage.OrderCard{TaskID: card.TaskID, OrderID: c.ID, Kind: string(kind), State: orderOf(c).CardMark(kind), Section: c.Section, Holders: pq.StringArray(holders)}
}

// closeOrderCards replaces the buttons of every card of kind: the clicker's
// with the click's code, the other holders' with the send's code.
func (b *Flow) closeOrderCards(ctx context.Context, t *chat.Turn, c *storage.Order, kind workflow.OrderCardKind, mine, others string) error {
	cards, err := storage.OrderCardsOf(ctx, t.Tx, c.ID, string(kind))
	if err != nil {
		return err
	}
	copies := make([]chat.CardCopy, len(cards))
	for i, oc := range cards {
		copies[i] = chat.CardCopy{TaskID: oc.TaskID, Holders: oc.Holders}
	}
	var clicker, task, code string
	if t.Msg != nil {
		clicker, task, code = t.Msg.FromUserName, t.Msg.TaskID, t.Msg.ResponseCode
	}
	return b.CloseCopies(ctx, t, copies, clicker, mine, task, code, others)
}

// tellRegistrar keeps the 首问责任人 informed of every step.
func (b *Flow) tellRegistrar(ctx context.Context, t *chat.Turn, c *storage.Order, what string) error {
	if t.Person.UserID == c.Registrar {
		return nil
	}
	return b.Text(ctx, t, c.Registrar, fmt.Sprintf("您登记的12345工单 %s：%s", c.TicketNo, what))
}

// OnOrderCard handles a click on a card about an order; s is the
// clicker's conversation in progress (a 不满意 may be waiting for its
// reason, or a form being filled in).
func (b *Flow) OnOrderCard(ctx context.Context, t *chat.Turn, s *chat.Session) error {
	m := t.Msg
	to := t.Person.UserID
	oc, err := storage.GetOrderCard(ctx, t.Tx, m.TaskID)
	if errors.Is(err, storage.ErrNotFound) {
		return b.Text(ctx, t, to, chat.MsgCardUnknown)
	}
	if err != nil {
		return err
	}
	c, err := storage.LockOrder(ctx, t.Tx, oc.OrderID)
	if err != nil {
		return err
	}
	if !slices.Contains(oc.Holders, to) {
		return b.Text(ctx, t, to, "您不是该工单此环节的办理人，无法操作。")
	}
	kind := workflow.OrderCardKind(oc.Kind)
	if !orderOf(c).CardLive(kind, oc.State, oc.Section) {
		// Close the clicked copy with the click's own code: its send's
		// code may have lapsed (72 hours) or never been learnt.
		if err := b.ReplaceButton(ctx, t, to, "已处理"); err != nil {
			return err
		}
		return b.Text(ctx, t, to, fmt.Sprintf("工单 %s 已处理或已变化（当前：%s），此卡片已失效。", c.TicketNo, workflow.OrderState(c.State).Label()))
	}
	pending, err := convoOf(s)
	if err != nil {
		return err
	}
	if pending != nil && pending.Kind != kindVisitReason {
		pending = nil
	}
	if pending != nil && pending.TaskID != m.TaskID {
		// The registrar went on to another card: the 不满意 still waiting
		// for its reason is dropped, so that their next text is not taken
		// for it. Nothing of that order had changed.
		b.End(t)
		if err := b.Text(ctx, t, to, fmt.Sprintf("工单 %s 回访不满意的原因未填写，本次回访未登记；如需登记，请再次在其回访卡片上选择。", pending.Ticket)); err != nil {
			return err
		}
		pending = nil
	}
	key := m.EventKey
	switch kind {
	case workflow.CardDispatch:
		switch key {
		case "accept":
			return b.acceptOrder(ctx, t, c)
		case "transfer":
			var btns []bot.CardButton
			for i, s := range b.Roster.Sections {
				if s.Name != c.Section && len(btns) < bot.MaxButtons {
					btns = append(btns, bot.CardButton{Text: s.Name, Key: "to_" + strconv.Itoa(i), Style: 2})
				}
			}
			if err := b.ReplaceButton(ctx, t, to, "转办中"); err != nil {
				return err
			}
			return b.orderCard(ctx, t, c, workflow.CardTransfer, "选择转办股室", btns, to)
		case "return":
			b.saveConvo(t, &convo{Kind: kindOrderReason, OrderID: c.ID, Action: "return", State: c.State, TaskID: m.TaskID, ResponseCode: m.ResponseCode})
			return b.Text(ctx, t, to, fmt.Sprintf("请回复退回工单 %s 的理由，将转告登记人%s。发送「取消」则不退回。", c.TicketNo, b.Name(c.Registrar)))
		}
	case workflow.CardTransfer, workflow.CardReturned:
		i, err := strconv.Atoi(strings.TrimPrefix(key, "to_"))
		if err != nil || i < 0 || i >= len(b.Roster.Sections) || b.Roster.Sections[i].Name == c.Section && kind == workflow.CardTransfer {
			return b.Text(ctx, t, to, chat.MsgCardUnknown)
		}
		target := b.Roster.Sections[i].Name
		if kind == workflow.CardReturned {
			return b.redispatch(ctx, t, c, target)
		}
		b.saveConvo(t, &convo{Kind: kindOrderReason, OrderID: c.ID, Action: "transfer", Target: target, State: c.State, TaskID: m.TaskID, ResponseCode: m.ResponseCode})
		return b.Text(ctx, t, to, fmt.Sprintf("请回复转办至%s的理由。发送「取消」则不转办。", target))
	case workflow.CardAssign:
		handler, ok := strings.CutPrefix(key, "h_")
		if p, found := b.Roster.Person(handler); ok && found && (p.Section == c.Section || p.UserID == to) {
			return b.assignOrder(ctx, t, c, p.UserID)
		}
	case workflow.CardHandle:
		switch key {
		case "finish":
			b.saveConvo(t, &convo{Kind: kindOrderFinish, OrderID: c.ID, State: c.State, Wizard: chat.Wizard{Step: "answer", Vals: map[string]string{}}})
			return b.Text(ctx, t, to, fmt.Sprintf("办结工单 %s。\n第1步：请输入答复内容（必填，将回复12345与来电人）。发送「取消」放弃。", c.TicketNo))
		case "extend":
			if c.ExtUntil.Valid {
				return b.Text(ctx, t, to, "该工单已有延期申请在审批中，请等待办公室审核。")
			}
			b.saveConvo(t, &convo{Kind: kindOrderExtend, OrderID: c.ID, State: c.State, Wizard: chat.Wizard{Step: "reason", Vals: map[string]string{}}})
			return b.Text(ctx, t, to, fmt.Sprintf("申请延期：工单 %s 当前时限 %s。\n第1步：请输入延期理由。发送「取消」放弃。", c.TicketNo, b.dueText(c.DueAt)))
		}
	case workflow.CardExtend:
		switch key {
		case "ext_yes", "ext_no":
			return b.decideExtension(ctx, t, c, key == "ext_yes")
		}
	case workflow.CardReply:
		if key == "replied" {
			return b.closeOrder(ctx, t, c)
		}
	case workflow.CardVisit:
		i, err := strconv.Atoi(strings.TrimPrefix(key, "v_"))
		if err != nil || i < 0 || i >= len(workflow.Visits) {
			break
		}
		if workflow.Visits[i] == workflow.VisitUnsatisfied {
			return b.askVisitReason(ctx, t, c, s)
		}
		if pending != nil {
			b.End(t) // the same card, answered otherwise: no reason is needed now
		}
		return b.recordVisit(ctx, t, c, workflow.Visits[i], "")
	}
	return b.Text(ctx, t, to, chat.MsgCardUnknown)
}

// change takes action on c for the turn's person: the rules
// (workflow.OrderNext) say whether it may happen now and the state that
// follows, and storage records ch with it, guarded by the state c was in,
// and audits it. It answers a lost race or someone else's step itself and
// reports false.
func (b *Flow) change(ctx context.Context, t *chat.Turn, c *storage.Order, action workflow.OrderAction, ch storage.OrderChange, detail map[string]any) (bool, error) {
	visit := ""
	if ch.Visit != nil {
		visit = *ch.Visit
	}
	next, err := workflow.OrderNext(orderOf(c), action, b.actor(t.Person), visit)
	switch {
	case errors.Is(err, workflow.ErrNotOrderActor):
		return false, b.Text(ctx, t, t.Person.UserID, "您不是该工单此环节的办理人，无法操作。")
	case errors.Is(err, workflow.ErrOrderMoved):
		return false, b.Text(ctx, t, t.Person.UserID, "工单 "+c.TicketNo+" 已由他人处理，此操作未生效。")
	case err != nil:
		return false, err
	}
	ch.ID, ch.FromState, ch.At, ch.State = c.ID, c.State, t.Now, string(next)
	if action == workflow.OrderVisit && next == workflow.OrderAssigned {
		// The reopening starts a new round without a visit: the 不满意 is
		// the closed round's, kept in the audit log (detail).
		ch.Reopen, ch.Visit = true, nil
	}
	if err := storage.ChangeOrder(ctx, t.Tx, ch); errors.Is(err, storage.ErrStale) {
		return false, b.Text(ctx, t, t.Person.UserID, "工单 "+c.TicketNo+" 已由他人处理，此操作未生效。")
	} else if err != nil {
		return false, err
	}
	if err := storage.Audit(ctx, t.Tx, t.Person.UserID, string(action), storage.EntityOrder, c.TicketNo, detail); err != nil {
		return false, err
	}
	updated, err := storage.LockOrder(ctx, t.Tx, c.ID)
	if err != nil {
		return false, err
	}
	*c = *updated
	return true, nil
}

func (b *Flow) acceptOrder(ctx context.Context, t *chat.Turn, c *storage.Order) error {
	to := t.Person.UserID
	ok, err := b.change(ctx, t, c, workflow.OrderAccept, storage.OrderChange{AcceptedAt: &t.Now}, nil)
	if !ok || err != nil {
		return err
	}
	if err := b.closeOrderCards(ctx, t, c, workflow.CardDispatch, "已签收", b.Name(to)+"已签收"); err != nil {
		return err
	}
	if err := b.tellRegistrar(ctx, t, c, b.Name(to)+"（"+c.Section+"）已签收。"); err != nil {
		return err
	}
	btns := []bot.CardButton{{Text: "本人办理", Key: "h_" + to, Style: 1}}
	for _, p := range b.Roster.Members(c.Section) {
		if p.UserID != to && len(btns) < bot.MaxButtons {
			btns = append(btns, bot.CardButton{Text: p.Name, Key: "h_" + p.UserID, Style: 2})
		}
	}
	return b.orderCard(ctx, t, c, workflow.CardAssign, "请指定承办人", btns, to)
}

func (b *Flow) assignOrder(ctx context.Context, t *chat.Turn, c *storage.Order, handler string) error {
	ok, err := b.change(ctx, t, c, workflow.OrderAssign, storage.OrderChange{Handler: &handler}, map[string]any{"handler": handler})
	if !ok || err != nil {
		return err
	}
	if err := b.closeOrderCards(ctx, t, c, workflow.CardAssign, "已指定"+b.Name(handler), "已指定"+b.Name(handler)); err != nil {
		return err
	}
	if err := b.tellRegistrar(ctx, t, c, "已指定"+b.Name(handler)+"办理，时限 "+b.dueText(c.DueAt)+"。"); err != nil {
		return err
	}
	if handler != t.Person.UserID {
		if err := b.Text(ctx, t, t.Person.UserID, "已指定"+b.Name(handler)+"办理工单 "+c.TicketNo+"。"); err != nil {
			return err
		}
	}
	return b.sendHandleCard(ctx, t, c)
}

func (b *Flow) sendHandleCard(ctx context.Context, t *chat.Turn, c *storage.Order) error {
	return b.sendHandleCardWith(ctx, t, c, nil)
}

// sendHandleCardWith is sendHandleCard with a quote: a reopened order's
// card shows why the caller was not satisfied, what the new round is for.
func (b *Flow) sendHandleCardWith(ctx context.Context, t *chat.Turn, c *storage.Order, quote *bot.CardQuote) error {
	return b.orderCardTo(ctx, t, c, workflow.CardHandle, "请办理", []bot.CardButton{
		{Text: "办结", Key: "finish", Style: 1},
		{Text: "申请延期", Key: "extend", Style: 2},
	}, c.Handler, quote)
}

// redispatch sends a returned order to a section again (by its registrar).
func (b *Flow) redispatch(ctx context.Context, t *chat.Turn, c *storage.Order, section string) error {
	ok, err := b.change(ctx, t, c, workflow.OrderRedispatch, storage.OrderChange{Section: &section}, map[string]any{"section": section})
	if !ok || err != nil {
		return err
	}
	if err := b.closeOrderCards(ctx, t, c, workflow.CardReturned, "已派发"+section, "已派发"+section); err != nil {
		return err
	}
	if err := b.Text(ctx, t, t.Person.UserID, "已将工单 "+c.TicketNo+" 派发至"+section+"。"); err != nil {
		return err
	}
	return b.sendDispatch(ctx, t, c)
}

// onOrderReason takes the reason of a 转办 or 退回.
func (b *Flow) onOrderReason(ctx context.Context, t *chat.Turn, cv *convo, text string) error {
	to := t.Person.UserID
	if text == chat.WordCancel {
		b.End(t)
		return b.Text(ctx, t, to, "已取消，工单仍待您签收。")
	}
	if b.IsCommand(text) {
		return b.Text(ctx, t, to, "请直接回复理由；发送「取消」则放弃。")
	}
	reason, err := checkReason("理由", text)
	var ce *workflow.CharsError
	switch {
	case errors.As(err, &ce):
		return b.Text(ctx, t, to, err.Error()+"发送「取消」则放弃。")
	case err != nil:
		return b.Text(ctx, t, to, "理由应为1至200字，请重新输入；发送「取消」则放弃。")
	}
	b.End(t)
	c, err := storage.LockOrder(ctx, t.Tx, cv.OrderID)
	if err != nil {
		return err
	}
	if c.State != cv.State {
		return b.Text(ctx, t, to, "工单 "+c.TicketNo+" 已变化（当前："+workflow.OrderState(c.State).Label()+"），操作未生效。")
	}
	t.Msg.TaskID, t.Msg.ResponseCode = cv.TaskID, cv.ResponseCode
	switch cv.Action {
	case "transfer":
		return b.transferOrder(ctx, t, c, cv.Target, reason)
	case "return":
		return b.returnOrder(ctx, t, c, reason)
	}
	return fmt.Errorf("order reason: unknown action %q", cv.Action)
}

// maxReason is how long, in characters, the reason of a 转办, 退回 or 延期
// may be: a short note for whoever gets the order.
const maxReason = 200

// errReasonLength: a reason is empty or longer than maxReason.
var errReasonLength = errors.New("order: a reason must be 1 to 200 characters")

// checkReason checks the reason of a 转办, 退回 or 延期 (label names it) and
// returns it trimmed: a *workflow.CharsError names what to remove,
// errReasonLength says it is empty or too long.
func checkReason(label, text string) (string, error) {
	v, err := workflow.CheckChars(label, text)
	if err != nil {
		return "", err
	}
	if n := len([]rune(v)); n == 0 || n > maxReason {
		return "", errReasonLength
	}
	return v, nil
}

// transferOrder is the section head's 转办 of c to section target, with
// its reason: the last step of the card's 转办 questions and the order
// page's 转办 alike.
func (b *Flow) transferOrder(ctx context.Context, t *chat.Turn, c *storage.Order, target, reason string) error {
	to := t.Person.UserID
	from := c.Section
	ok, err := b.change(ctx, t, c, workflow.OrderTransfer, storage.OrderChange{Section: &target}, map[string]any{"from": from, "to": target, "reason": reason})
	if !ok || err != nil {
		return err
	}
	if err := b.closeOrderCards(ctx, t, c, workflow.CardDispatch, "已转办", b.Name(to)+"已转办"); err != nil {
		return err
	}
	// The section chooser the card's 转办 sent is done with too.
	if err := b.closeOrderCards(ctx, t, c, workflow.CardTransfer, "已转办"+target, "已转办"+target); err != nil {
		return err
	}
	if err := b.Text(ctx, t, to, "已将工单 "+c.TicketNo+" 转办至"+target+"。"); err != nil {
		return err
	}
	if err := b.tellRegistrar(ctx, t, c, fmt.Sprintf("%s由%s转办至%s，理由：%s", from, b.Name(to), target, reason)); err != nil {
		return err
	}
	return b.sendDispatch(ctx, t, c)
}

// returnOrder is the section head's 退回 of c to its registrar, with its
// reason: the card's and the order page's alike.
func (b *Flow) returnOrder(ctx context.Context, t *chat.Turn, c *storage.Order, reason string) error {
	to := t.Person.UserID
	ok, err := b.change(ctx, t, c, workflow.OrderReturn, storage.OrderChange{}, map[string]any{"reason": reason})
	if !ok || err != nil {
		return err
	}
	if err := b.closeOrderCards(ctx, t, c, workflow.CardDispatch, "已退回", b.Name(to)+"已退回"); err != nil {
		return err
	}
	if err := b.closeOrderCards(ctx, t, c, workflow.CardTransfer, "已退回", "已退回"); err != nil {
		return err
	}
	if err := b.Text(ctx, t, to, "已将工单 "+c.TicketNo+" 退回登记人。"); err != nil {
		return err
	}
	var btns []bot.CardButton
	for i, s := range b.Roster.Sections {
		if len(btns) < bot.MaxButtons {
			btns = append(btns, bot.CardButton{Text: s.Name, Key: "to_" + strconv.Itoa(i), Style: 2})
		}
	}
	if err := b.Text(ctx, t, c.Registrar, fmt.Sprintf("工单 %s 被%s（%s）退回，理由：%s\n请选择重新派发的股室。", c.TicketNo, b.Name(to), c.Section, reason)); err != nil {
		return err
	}
	return b.orderCard(ctx, t, c, workflow.CardReturned, "已退回，请重新派发", btns, c.Registrar)
}

// onOrderFinish gathers 答复内容, 核查结果 and 处理措施, then closes the work.
func (b *Flow) onOrderFinish(ctx context.Context, t *chat.Turn, cv *convo, text string) error {
	to := t.Person.UserID
	if text == chat.WordCancel {
		b.End(t)
		return b.Text(ctx, t, to, "已取消办结，工单仍在办理中。")
	}
	if cv.Vals == nil {
		cv.Vals = map[string]string{}
	}
	switch cv.Step {
	case "answer":
		v, wrong := checkAnswer(text)
		if wrong != "" {
			return b.Text(ctx, t, to, wrong)
		}
		cv.Vals["answer"], cv.Step = v, "finding"
		b.saveConvo(t, cv)
		return b.Text(ctx, t, to, "第2步：核查结果？请回复 属实、部分属实 或 不属实。")
	case "finding":
		v, wrong := checkFinding(text)
		if wrong != "" {
			return b.Text(ctx, t, to, wrong+"，请重新回复。")
		}
		cv.Vals["finding"], cv.Step = v, "measures"
		b.saveConvo(t, cv)
		return b.Text(ctx, t, to, "第3步：请输入处理措施（没有可回复「无」）。")
	case "measures":
		v, wrong := checkMeasures(text)
		if wrong != "" {
			return b.Text(ctx, t, to, wrong)
		}
		b.End(t)
		c, err := storage.LockOrder(ctx, t.Tx, cv.OrderID)
		if err != nil {
			return err
		}
		if _, err := workflow.OrderNext(orderOf(c), workflow.OrderFinish, b.actor(t.Person), ""); err != nil {
			return b.Text(ctx, t, to, "工单 "+c.TicketNo+" 已变化（当前："+workflow.OrderState(c.State).Label()+"），办结未生效。")
		}
		_, err = b.finishOrder(ctx, t, c, cv.Vals["answer"], cv.Vals["finding"], v)
		return err
	}
	return fmt.Errorf("order finish: unknown step %q", cv.Step)
}

// checkAnswer checks a 办结's 答复内容; wrong says what to fix.
func checkAnswer(text string) (v, wrong string) {
	v, err := workflow.CheckChars("答复内容", text)
	if err != nil {
		return "", err.Error()
	}
	if n := len([]rune(v)); n == 0 || n > maxContent {
		return "", "答复内容应为1至2000字，请重新输入。每一件诉求都必须有答复。"
	}
	return v, ""
}

// checkFinding checks a 办结's 核查结果; wrong says what to fix (without
// its stop: the chat asks again, the page names the field).
func checkFinding(text string) (v, wrong string) {
	v = strings.TrimSpace(text)
	if !slices.Contains(workflow.Findings, v) {
		return "", "核查结果应为 属实、部分属实 或 不属实"
	}
	return v, ""
}

// checkMeasures checks a 办结's 处理措施; wrong says what to fix.
func checkMeasures(text string) (v, wrong string) {
	v, err := workflow.CheckChars("处理措施", text)
	if err != nil {
		return "", err.Error()
	}
	if n := len([]rune(v)); n == 0 || n > maxContent {
		return "", "处理措施应为1至2000字；没有可回复「无」。"
	}
	return v, ""
}

// finishOrder is the 办结 of c with its answer, finding and measures, by
// the turn's person: the last step of the card's 办结 questions and the
// order page's 办结 alike. It reports false when the rules refused it (the
// person has been told why).
func (b *Flow) finishOrder(ctx context.Context, t *chat.Turn, c *storage.Order, answer, finding, measures string) (bool, error) {
	to := t.Person.UserID
	ok, err := b.change(ctx, t, c, workflow.OrderFinish, storage.OrderChange{
		Answer: &answer, Finding: &finding, Measures: &measures, AnsweredAt: &t.Now, ClearExt: true,
	}, map[string]any{"finding": finding})
	if !ok || err != nil {
		return false, err
	}
	if err := b.closeOrderCards(ctx, t, c, workflow.CardHandle, "已办结", "已办结"); err != nil {
		return false, err
	}
	if err := b.Text(ctx, t, to, fmt.Sprintf("工单 %s 已办结（%s）。请登记人回复12345。", c.TicketNo, b.leftText(c, t.Now))); err != nil {
		return false, err
	}
	holders := []string{c.Registrar}
	for _, p := range b.Roster.WithRole(config.RoleOffice) {
		if !slices.Contains(holders, p.UserID) {
			holders = append(holders, p.UserID)
		}
	}
	if err := b.Text(ctx, t, c.Registrar, fmt.Sprintf("您登记的12345工单 %s 已由%s办结。\n核查结果：%s\n答复内容：%s\n处理措施：%s\n请将答复回复12345后点击「已回复12345」。", c.TicketNo, b.Name(to), finding, answer, measures)); err != nil {
		return false, err
	}
	return true, b.orderCard(ctx, t, c, workflow.CardReply, "已办结，待回复12345", []bot.CardButton{{Text: "已回复12345", Key: "replied", Style: 1}}, holders...)
}

// onOrderExtend gathers the reason and the new date of a 延期 request.
func (b *Flow) onOrderExtend(ctx context.Context, t *chat.Turn, cv *convo, text string) error {
	to := t.Person.UserID
	if text == chat.WordCancel {
		b.End(t)
		return b.Text(ctx, t, to, "已取消延期申请。")
	}
	if cv.Vals == nil {
		cv.Vals = map[string]string{}
	}
	switch cv.Step {
	case "reason":
		v, wrong := checkExtendReason(text)
		if wrong != "" {
			return b.Text(ctx, t, to, wrong)
		}
		cv.Vals["reason"], cv.Step = v, "date"
		b.saveConvo(t, cv)
		return b.Text(ctx, t, to, "第2步：请输入申请延至的日期，如 2026-12-31 或 12月31日。")
	case "date":
		c, err := storage.LockOrder(ctx, t.Tx, cv.OrderID)
		if err != nil {
			return err
		}
		until, wrong := b.checkExtendUntil(c, text, t.Now)
		if wrong != "" {
			return b.Text(ctx, t, to, wrong)
		}
		b.End(t)
		if _, err := workflow.OrderNext(orderOf(c), workflow.OrderAskExtend, b.actor(t.Person), ""); err != nil {
			return b.Text(ctx, t, to, "工单 "+c.TicketNo+" 已变化，延期申请未提交。")
		}
		return b.askExtension(ctx, t, c, until, cv.Vals["reason"])
	}
	return fmt.Errorf("order extend: unknown step %q", cv.Step)
}

// checkExtendReason checks a 延期's reason; wrong says what to fix.
func checkExtendReason(text string) (v, wrong string) {
	v, err := checkReason("延期理由", text)
	switch {
	case errors.Is(err, errReasonLength):
		return "", "延期理由应为1至200字，请重新输入。"
	case err != nil:
		return "", err.Error()
	}
	return v, ""
}

// checkExtendUntil reads the date a 延期 of c asks for, typed at now: the
// end of that day, which must be ahead and after c's current limit; wrong
// says what to fix, naming the date read with its year.
func (b *Flow) checkExtendUntil(c *storage.Order, text string, now time.Time) (until time.Time, wrong string) {
	until, err := workflow.ParseDate(text, now, b.Location, workflow.DateAhead)
	switch {
	case errors.Is(err, workflow.ErrDatePast):
		return time.Time{}, "申请延至的日期" + workflow.FormatDate(until, b.Location) + "已过，请输入今天以后的日期。"
	case err != nil:
		return time.Time{}, workflow.DateRefusal(err, "没有识别出日期，请按 2026-12-31 或 12月31日 的格式输入。")
	}
	until = time.Date(until.Year(), until.Month(), until.Day(), 23, 59, 59, 0, b.Location)
	if !until.After(c.DueAt) {
		return time.Time{}, "延期日期" + workflow.FormatDate(until, b.Location) + "应晚于当前时限 " + b.dueText(c.DueAt) + "，请重新输入。"
	}
	limit, err := workflow.OrderExtensionLimit(b.Calendar, c.DueAt)
	if errors.Is(err, workflow.ErrNoCalendarData) {
		limit, err = time.Time{}, nil // the calendar ends sooner: the day itself must be in it (below)
	}
	if err != nil {
		return time.Time{}, "暂时无法核算延期期限，请稍后重试。"
	}
	if !limit.IsZero() && until.After(limit) {
		return time.Time{}, fmt.Sprintf("延期日期%s超出可延期的范围：自当前时限起最多延长%d个工作日，即%s前。请重新输入。",
			workflow.FormatDate(until, b.Location), workflow.OrderMaxExtensionDays, workflow.FormatDate(limit, b.Location))
	}
	if _, err := b.Calendar.IsWorkingDay(until); errors.Is(err, workflow.ErrNoCalendarData) {
		return time.Time{}, fmt.Sprintf("工作日历缺少%d年的节假日安排，延期日期%s无法核算，请换一个日期。", until.Year(), workflow.FormatDate(until, b.Location))
	}
	return until, ""
}

// askExtension is the handler's 延期 request for c, until the date and
// for the reason given: the last step of the card's 申请延期 questions and
// the order page's 申请延期 alike. The office decides on its cards.
func (b *Flow) askExtension(ctx context.Context, t *chat.Turn, c *storage.Order, until time.Time, reason string) error {
	to := t.Person.UserID
	ok, err := b.change(ctx, t, c, workflow.OrderAskExtend, storage.OrderChange{ExtUntil: &until, ExtReason: &reason}, map[string]any{"until": until, "reason": reason})
	if !ok || err != nil {
		return err
	}
	if err := b.Text(ctx, t, to, "延期申请已提交办公室审核：延至"+b.dueText(until)+"。审核前原时限不变。"); err != nil {
		return err
	}
	if err := b.tellRegistrar(ctx, t, c, b.Name(to)+"申请延期至"+b.dueText(until)+"，理由："+reason); err != nil {
		return err
	}
	var office []string
	for _, p := range b.Roster.WithRole(config.RoleOffice) {
		office = append(office, p.UserID)
	}
	if len(office) == 0 {
		return errors.New("no office reviewer for an extension")
	}
	if err := b.Text(ctx, t, office[0], fmt.Sprintf("%s申请将12345工单 %s 的时限由%s延至%s，理由：%s", b.Name(to), c.TicketNo, b.dueText(c.DueAt), b.dueText(until), reason)); err != nil {
		return err
	}
	return b.orderCard(ctx, t, c, workflow.CardExtend, "延期申请待审核", []bot.CardButton{
		{Text: "同意延期", Key: "ext_yes", Style: 1},
		{Text: "不同意", Key: "ext_no", Style: 3},
	}, office...)
}

func (b *Flow) decideExtension(ctx context.Context, t *chat.Turn, c *storage.Order, approve bool) error {
	to := t.Person.UserID
	until, reason := c.ExtUntil.Time, c.ExtReason
	ch := storage.OrderChange{ClearExt: true}
	action, label := workflow.OrderDenyExtend, "不同意延期"
	if approve {
		ch.DueAt = &until
		action, label = workflow.OrderGrantExtend, "同意延期"
	}
	ok, err := b.change(ctx, t, c, action, ch, map[string]any{"until": until, "reason": reason})
	if !ok || err != nil {
		return err
	}
	if err := b.closeOrderCards(ctx, t, c, workflow.CardExtend, "已"+label, b.Name(to)+"已"+label); err != nil {
		return err
	}
	msg := fmt.Sprintf("办公室（%s）%s：工单 %s 的时限%s。", b.Name(to), label, c.TicketNo, map[bool]string{true: "延至" + b.dueText(until), false: "仍为" + b.dueText(c.DueAt)}[approve])
	if err := b.Text(ctx, t, c.Handler, msg); err != nil {
		return err
	}
	if err := b.tellRegistrar(ctx, t, c, msg); err != nil {
		return err
	}
	return b.Text(ctx, t, to, "已"+label+"。")
}

func (b *Flow) closeOrder(ctx context.Context, t *chat.Turn, c *storage.Order) error {
	to := t.Person.UserID
	ok, err := b.change(ctx, t, c, workflow.OrderReply, storage.OrderChange{ClosedAt: &t.Now}, nil)
	if !ok || err != nil {
		return err
	}
	if err := b.closeOrderCards(ctx, t, c, workflow.CardReply, "已回复12345", b.Name(to)+"已回复12345"); err != nil {
		return err
	}
	if err := b.Text(ctx, t, to, "工单 "+c.TicketNo+" 已办结并回复12345。"); err != nil {
		return err
	}
	if c.OpenID != "" {
		if err := b.queueAnswerNotice(ctx, t, c); err != nil {
			return err
		}
	}
	if c.Handler != to {
		if err := b.Text(ctx, t, c.Handler, "您办理的12345工单 "+c.TicketNo+" 已回复12345。"); err != nil {
			return err
		}
	}
	var btns []bot.CardButton
	for i, v := range workflow.Visits {
		btns = append(btns, bot.CardButton{Text: v, Key: "v_" + strconv.Itoa(i), Style: 2})
	}
	return b.orderCard(ctx, t, c, workflow.CardVisit, "回访（可选）", btns, c.Registrar)
}

// queueAnswerNotice tells the complainant, a 公众号 follower, the answer
// to their order (件件有回音), in the transaction that closes it.
func (b *Flow) queueAnswerNotice(ctx context.Context, t *chat.Turn, c *storage.Order) error {
	if err := b.Notices.QueueOrderAnswer(ctx, t.Tx, c.OpenID, c.TicketNo, c.Answer, t.Now); err != nil {
		return err
	}
	if b.Notices != nil && b.Notices.Config.AnswerTemplateID != "" {
		t.Queued(1)
	}
	return nil
}

// askVisitReason answers a click on 不满意: it asks why and changes
// nothing yet. The order is reopened only with the reason
// (onVisitReason), in one turn, so that the handler always learns why and
// an unanswered question leaves the order as it was, its 回访 card live.
// s is the registrar's conversation in progress.
func (b *Flow) askVisitReason(ctx context.Context, t *chat.Turn, c *storage.Order, s *chat.Session) error {
	to := t.Person.UserID
	if b.InWizard(s) {
		// A question now would end the form being filled in.
		return b.Text(ctx, t, to, "您有尚未完成的填写。请先完成或发送「取消」，再选择「不满意」。")
	}
	b.saveConvo(t, &convo{Kind: kindVisitReason, OrderID: c.ID, Ticket: c.TicketNo, State: c.State, TaskID: t.Msg.TaskID, ResponseCode: t.Msg.ResponseCode})
	return b.Text(ctx, t, to, fmt.Sprintf("请回复来电人对工单 %s 不满意的原因（200字以内），将转告承办人%s重新办理。发送「取消」则不登记本次回访。", c.TicketNo, b.Name(c.Handler)))
}

// onVisitReason takes the reason of a 不满意 and records the visit, which
// reopens the order.
func (b *Flow) onVisitReason(ctx context.Context, t *chat.Turn, cv *convo, text string) error {
	to := t.Person.UserID
	if text == chat.WordCancel {
		b.End(t)
		return b.Text(ctx, t, to, fmt.Sprintf("已取消，本次回访未登记。工单 %s 仍为已办结并回复，可稍后在回访卡片上重新选择。", cv.Ticket))
	}
	if b.commandInReason(text) {
		// Not run: it would leave the 不满意 behind unrecorded, or (提交,
		// 登记) replace this conversation without a word.
		return b.Text(ctx, t, to, fmt.Sprintf("您正在填写工单 %s 回访不满意的原因。请直接回复原因；发送「取消」则不登记本次回访。", cv.Ticket))
	}
	reason, err := workflow.VisitReason(text)
	var ce *workflow.CharsError
	switch {
	case errors.As(err, &ce):
		return b.Text(ctx, t, to, err.Error()+"发送「取消」则不登记本次回访。")
	case err != nil:
		return b.Text(ctx, t, to, "不满意的原因应为1至200字，请重新输入；发送「取消」则不登记本次回访。")
	}
	b.End(t)
	c, err := storage.LockOrder(ctx, t.Tx, cv.OrderID)
	if err != nil {
		return err
	}
	// The card the 不满意 was chosen on must still be live: the same gate
	// as a click, now that the order is locked.
	oc, err := storage.GetOrderCard(ctx, t.Tx, cv.TaskID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	if oc == nil || !orderOf(c).CardLive(workflow.CardVisit, oc.State, oc.Section) {
		return b.Text(ctx, t, to, fmt.Sprintf("工单 %s 已变化（当前：%s），本次回访未登记。", c.TicketNo, workflow.OrderState(c.State).Label()))
	}
	t.Msg.TaskID, t.Msg.ResponseCode = cv.TaskID, cv.ResponseCode
	return b.recordVisit(ctx, t, c, workflow.VisitUnsatisfied, reason)
}

// commandInReason reports whether text, typed while a reason is awaited,
// is a command rather than the reason. IsCommand alone would take a
// reason such as 「工单处理不彻底」 for the command 工单: a command word
// that runs into what follows counts only when that looks like what the
// command takes (a 工单号 or 编号), not like a sentence.
func (b *Flow) commandInReason(text string) bool {
	if !b.IsCommand(text) {
		return false
	}
	if w, _, _ := strings.Cut(text, " "); slices.Contains(b.Commands, w) {
		return true
	}
	for _, j := range b.Joined {
		if arg, ok := strings.CutPrefix(text, j); ok {
			r, _ := utf8.DecodeRuneInString(arg)
			return r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) || strings.HasPrefix(arg, "公开审")
		}
	}
	return false
}

// recordVisit records the 回访 of this round; 不满意, with its reason,
// reopens the order to its handler for a new round.
func (b *Flow) recordVisit(ctx context.Context, t *chat.Turn, c *storage.Order, visit, reason string) error {
	to := t.Person.UserID
	reopen := visit == workflow.VisitUnsatisfied
	detail := map[string]any{"visit": visit, "round": c.ReopenCount + 1}
	if reason != "" {
		detail["reason"] = reason
	}
	ok, err := b.change(ctx, t, c, workflow.OrderVisit, storage.OrderChange{Visit: &visit}, detail)
	if !ok || err != nil {
		return err
	}
	if err := b.closeOrderCards(ctx, t, c, workflow.CardVisit, "回访："+visit, "回访："+visit); err != nil {
		return err
	}
	if !reopen {
		return b.Text(ctx, t, to, "已记录回访结果："+visit+"。")
	}
	if err := b.Text(ctx, t, to, fmt.Sprintf("已记录回访结果：不满意，原因：%s\n工单 %s 已退回%s重新办理（第%d次重办）。", reason, c.TicketNo, b.Name(c.Handler), c.ReopenCount)); err != nil {
		return err
	}
	if err := b.Text(ctx, t, c.Handler, fmt.Sprintf("12345工单 %s 回访不满意，请重新办理（第%d次重办），时限 %s。\n来电人不满意的原因：%s", c.TicketNo, c.ReopenCount, b.dueText(c.DueAt), reason)); err != nil {
		return err
	}
	// The quote's text has no documented limit; 112 characters is what
	// WeCom suggests for a card's sub_title_text, the nearest rule.
	return b.sendHandleCardWith(ctx, t, c, &bot.CardQuote{Title: "回访不满意的原因", QuoteText: chat.Clip(reason, 112)})
}

// Text commands about orders.

// ShowOrder answers 工单 <工单号>.
func (b *Flow) ShowOrder(ctx context.Context, t *chat.Turn, arg string) error {
	to := t.Person.UserID
	if arg == "" {
		return b.Text(ctx, t, to, "请发送「工单 工单号」，如：工单 2026112800001。")
	}
	c, err := storage.OrderByTicket(ctx, t.Tx, strings.TrimSpace(arg))
	if errors.Is(err, storage.ErrNotFound) {
		return b.Text(ctx, t, to, "没有找到工单 "+chat.Clip(arg, 40)+"，请核对工单号。")
	}
	if err != nil {
		return err
	}
	trail, err := storage.AuditTrail(ctx, t.Tx, storage.EntityOrder, c.TicketNo)
	if err != nil {
		return err
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "12345工单 %s（%s%s）\n诉求：%s\n事发地点：%s\n来电人：%s\n承办：%s %s\n状态：%s\n时限：%s，%s",
		c.TicketNo, c.Category, map[bool]string{true: " · 紧急", false: ""}[c.Urgent], chat.Clip(c.Content, 200), chat.OrDash(c.Location),
		b.contact(c, to), c.Section, chat.OrDash(b.NameOrEmpty(c.Handler)), workflow.OrderState(c.State).Label(), b.dueText(c.DueAt), b.leftText(c, t.Now))
	if c.ReopenCount > 0 {
		fmt.Fprintf(&sb, "\n重办次数：%d", c.ReopenCount)
	}
	sb.WriteString("\n办理过程：")
	for _, e := range trail {
		who, what, _ := b.Sentence(e)
		fmt.Fprintf(&sb, "\n%s %s%s", workflow.FormatDateTime(e.At, b.Location), who, what)
	}
	return b.Text(ctx, t, to, sb.String())
}

// MyOrders answers 我的工单.
func (b *Flow) MyOrders(ctx context.Context, t *chat.Turn) error {
	to := t.Person.UserID
	cs, err := storage.OrdersFor(ctx, t.Tx, to, 10)
	if err != nil {
		return err
	}
	if len(cs) == 0 {
		return b.Text(ctx, t, to, "您没有登记或承办的12345工单。")
	}
	var sb strings.Builder
	sb.WriteString("您登记或承办的12345工单：")
	for i := range cs {
		c := &cs[i]
		fmt.Fprintf(&sb, "\n· %s %s：%s，%s", c.TicketNo, c.Category, workflow.OrderState(c.State).Label(), b.leftText(c, t.Now))
	}
	return b.Text(ctx, t, to, sb.String())
}

func (b *Flow) overseer(p config.Person) bool {
	return p.Has(config.RoleOffice) || p.Has(config.RoleLeader) || p.Has(config.RoleSupervisor)
}

// Overdue answers 超期工单 for the office, leaders and the supervisor.
func (b *Flow) Overdue(ctx context.Context, t *chat.Turn) error {
	to := t.Person.UserID
	if !b.overseer(t.Person) {
		return b.Text(ctx, t, to, "超期工单仅向办公室、主要负责人和纪检监督人员提供。")
	}
	cs, err := storage.OverdueOrders(ctx, t.Tx, t.Now, 20)
	if err != nil {
		return err
	}
	if len(cs) == 0 {
		return b.Text(ctx, t, to, "目前没有超期未办结的12345工单。")
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "超期未办结的12345工单（%d件）：", len(cs))
	for i := range cs {
		c := &cs[i]
		fmt.Fprintf(&sb, "\n· %s %s %s，承办 %s，%s", c.TicketNo, c.Category, c.Section, chat.OrDash(b.NameOrEmpty(c.Handler)), b.leftText(c, t.Now))
	}
	return b.Text(ctx, t, to, sb.String())
}

// Stats answers 统计: this month's figures by section and by category.
func (b *Flow) Stats(ctx context.Context, t *chat.Turn) error {
	to := t.Person.UserID
	if !b.overseer(t.Person) {
		return b.Text(ctx, t, to, "统计仅向办公室、主要负责人和纪检监督人员提供。")
	}
	now := t.Now.In(b.Location)
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, b.Location)
	to2 := from.AddDate(0, 1, 0)
	report, err := b.Report(ctx, t.Tx, from, to2, t.Now)
	if err != nil {
		return err
	}
	return b.Text(ctx, t, to, fmt.Sprintf("%d年%d月12345工单统计\n%s", now.Year(), int(now.Month()), report))
}

// Report is the statistics as text: the total, then by section and
// by category.
func (b *Flow) Report(ctx context.Context, q storage.Queryer, from, to, now time.Time) (string, error) {
	var sb strings.Builder
	for _, by := range []string{"", "section", "category"} {
		rows, err := storage.OrderStats(ctx, q, from, to, now, by)
		if err != nil {
			return "", err
		}
		switch by {
		case "":
			if len(rows) == 0 {
				rows = []storage.OrderStat{{}}
			}
			r := rows[0]
			fmt.Fprintf(&sb, "受理%d件，答复%d件，办结回复%d件，按时%d件，超期%d件，在办%d件；处理率%s，按时率%s",
				r.Received, r.Answered, r.Closed, r.OnTime, r.Overdue, r.Open, workflow.Rate(r.Answered, r.Received), workflow.Rate(r.OnTime, r.Received))
			// Each order counts once, by its latest 回访: a 满意 after a
			// reopening replaces the 不满意 that reopened it.
			fmt.Fprintf(&sb, "\n回访%d件：满意%d件，基本满意%d件，不满意%d件；满意率%s；重办%d件",
				r.Visited, r.Satisfied, r.FairlyOK, r.Unsatisfied, workflow.Rate(r.Satisfied+r.FairlyOK, r.Visited), r.Reopened)
		case "section":
			sb.WriteString("\n按股室：")
		case "category":
			sb.WriteString("\n按类别：")
		}
		if by == "" {
			continue
		}
		for _, r := range rows {
			fmt.Fprintf(&sb, "\n· %s：受理%d，答复%d，超期%d，处理率%s", r.Group, r.Received, r.Answered, r.Overdue, workflow.Rate(r.Answered, r.Received))
		}
	}
	return sb.String(), nil
}

// ConvertCheck locks the order of ticket for turning it into a
// 政府信息公开申请 and returns it; nil when it cannot be (the user has been
// told why).
func (b *Flow) ConvertCheck(ctx context.Context, t *chat.Turn, ticket string) (*storage.Order, error) {
	to := t.Person.UserID
	c, err := storage.OrderByTicket(ctx, t.Tx, strings.TrimSpace(ticket))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, b.Text(ctx, t, to, "没有找到工单 "+chat.Clip(ticket, 40)+"，请核对工单号。")
	}
	if err != nil {
		return nil, err
	}
	if c, err = storage.LockOrder(ctx, t.Tx, c.ID); err != nil {
		return nil, err
	}
	switch _, err := workflow.OrderNext(orderOf(c), workflow.OrderConvert, b.actor(t.Person), ""); {
	case errors.Is(err, workflow.ErrNotOrderActor):
		return nil, b.Text(ctx, t, to, "12345工单转为政府信息公开申请由综合办公室办理。")
	case errors.Is(err, workflow.ErrOrderMoved):
		return nil, b.Text(ctx, t, to, "工单 "+c.TicketNo+" 当前"+workflow.OrderState(c.State).Label()+"，不能再转为政府信息公开申请。")
	case err != nil:
		return nil, err
	}
	return c, nil
}

// Convert answers the order of ticket with its conversion into the
// application number: its open cards close, and the registrar (with the
// office) is asked to reply to 12345 as after any 办结, so that the hotline
// hears back.
func (b *Flow) Convert(ctx context.Context, t *chat.Turn, ticket, number string) error {
	c, err := b.ConvertCheck(ctx, t, ticket)
	if c == nil || err != nil {
		if err == nil {
			err = fmt.Errorf("order %s: no longer convertible", ticket)
		}
		return err
	}
	answer := "经核，该诉求属于政府信息公开申请，已转为依申请公开办理（" + number + "），将依照《中华人民共和国政府信息公开条例》的规定答复申请人。"
	finding := "属于政府信息公开申请"
	measures := "转依申请公开办理"
	ok, err := b.change(ctx, t, c, workflow.OrderConvert, storage.OrderChange{
		Answer: &answer, Finding: &finding, Measures: &measures, AnsweredAt: &t.Now, ClearExt: true,
	}, map[string]any{"number": number})
	if !ok || err != nil {
		if err == nil {
			err = fmt.Errorf("order %s: changed while converting", ticket)
		}
		return err
	}
	for _, kind := range []workflow.OrderCardKind{workflow.CardDispatch, workflow.CardTransfer, workflow.CardAssign, workflow.CardHandle, workflow.CardExtend, workflow.CardReturned} {
		if err := b.closeOrderCards(ctx, t, c, kind, "已转依申请公开", "已转依申请公开"); err != nil {
			return err
		}
	}
	if c.Handler != "" && c.Handler != t.Person.UserID {
		if err := b.Text(ctx, t, c.Handler, "您承办的12345工单 "+c.TicketNo+" 已由综合办公室转为政府信息公开申请（"+number+"），无需再办结。"); err != nil {
			return err
		}
	}
	holders := []string{c.Registrar}
	for _, p := range b.Roster.WithRole(config.RoleOffice) {
		if !slices.Contains(holders, p.UserID) {
			holders = append(holders, p.UserID)
		}
	}
	if c.Registrar != t.Person.UserID {
		if err := b.Text(ctx, t, c.Registrar, "您登记的12345工单 "+c.TicketNo+" 已由"+b.Name(t.Person.UserID)+"转为政府信息公开申请（"+number+"）。\n答复内容："+answer+"\n请将答复回复12345后点击「已回复12345」。"); err != nil {
			return err
		}
	}
	return b.orderCard(ctx, t, c, workflow.CardReply, "已转依申请公开，待回复12345", []bot.CardButton{{Text: "已回复12345", Key: "replied", Style: 1}}, holders...)
}

// Contact is the caller as viewer may see them: the phone in full to the
// handler, the section head, the registrar and the office, masked to
// everyone else.
func (b *Flow) Contact(c *storage.Order, viewer string) string { return b.contact(c, viewer) }

// Overseer reports whether p oversees the whole register (超期工单, 统计,
// the 办公桌's 全部在办): the office, the leaders and the supervisor.
func (b *Flow) Overseer(p config.Person) bool { return b.overseer(p) }

// Holder is who holds c now, in words.
func (b *Flow) Holder(c *storage.Order) string {
	head := c.Section
	if h, ok := b.Roster.HeadOf(c.Section); ok {
		head = h.Name
	}
	switch workflow.OrderState(c.State) {
	case workflow.OrderDispatched, workflow.OrderAccepted:
		return head
	case workflow.OrderAssigned:
		return b.NameOrEmpty(c.Handler)
	case workflow.OrderReturned, workflow.OrderAnswered:
		return b.NameOrEmpty(c.Registrar)
	}
	return ""
}
