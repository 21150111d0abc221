package orders

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// The order's own page on the 办公桌 (desk/) asks the flow what to show
// and hands it the actions posted there: each runs through the function
// the card's click (or the card's last question) runs, so the same rules
// hold, the same audit is written and the cards in the chat close.

// MaySee reports whether p may see c: the 工单 lookup's rule, which shows
// any order to anyone on the roster (the caller's phone through Contact).
func (b *Flow) MaySee(p config.Person, c *storage.Order) bool {
	_, ok := b.Roster.Person(p.UserID)
	return ok
}

// PageFields are c's particulars as the 工单 lookup gives them, the caller
// as viewer may see them.
func (b *Flow) PageFields(c *storage.Order, viewer string) []chat.PageField {
	category := c.Category
	if c.Urgent {
		category += " · 紧急"
	}
	out := []chat.PageField{
		{Label: "工单号", Value: c.TicketNo},
		{Label: "类别", Value: category},
		{Label: "诉求", Value: c.Content},
		{Label: "事发地点", Value: chat.OrDash(c.Location)},
		{Label: "来电人", Value: b.contact(c, viewer)},
		{Label: "受理时间", Value: workflow.FormatDateTime(c.ReceivedAt, b.Location)},
		{Label: "首问责任人", Value: chat.OrDash(b.NameOrEmpty(c.Registrar))},
		{Label: "承办", Value: strings.TrimSpace(c.Section + " " + b.NameOrEmpty(c.Handler))},
	}
	if c.ReopenCount > 0 {
		out = append(out, chat.PageField{Label: "重办次数", Value: strconv.Itoa(c.ReopenCount)})
	}
	if c.ExtUntil.Valid {
		out = append(out, chat.PageField{Label: "延期申请", Value: "申请延至" + b.dayText(c.ExtUntil.Time) + "，待办公室审核"})
	}
	if c.Answer != "" {
		out = append(out,
			chat.PageField{Label: "核查结果", Value: chat.OrDash(c.Finding)},
			chat.PageField{Label: "答复内容", Value: c.Answer},
			chat.PageField{Label: "处理措施", Value: chat.OrDash(c.Measures)})
	}
	if c.Visit != "" {
		out = append(out, chat.PageField{Label: "回访", Value: c.Visit})
	}
	return out
}

// Where is where c stands and who holds it, in words.
func (b *Flow) Where(c *storage.Order) string {
	s := workflow.OrderState(c.State).Label()
	if h := b.Holder(c); h != "" && workflow.OrderState(c.State).Open() {
		s += "（" + h + "）"
	}
	return s
}

// DueText is c's 办理时限 as the cards show it.
func (b *Flow) DueText(c *storage.Order) string { return b.dueText(c.DueAt) }

// Order page actions, as posted.
const (
	PageAccept     = "accept"     // 签收
	PageTransfer   = "transfer"   // 转办, with the section and the reason
	PageReturn     = "return"     // 退回, with the reason
	PageAssign     = "assign"     // 指定承办人
	PageFinish     = "finish"     // 办结
	PageExtend     = "extend"     // 申请延期, with the reason and the date
	PageGrant      = "extend_yes" // 同意延期
	PageDeny       = "extend_no"  // 不同意延期
	PageReply      = "reply"      // 已回复12345
	PageRedispatch = "redispatch" // 重新派发 a returned order, with the section
	PageVisit      = "visit"      // 回访, with the result (and why, if 不满意)
)

// PageActions is what the visitor may do on the order's page now: the
// steps of the cards they hold.
type PageActions struct {
	// Mark is what the page was rendered with; a posted action carries it
	// back, and an order that moved on refuses it.
	Mark   string
	Accept bool // 签收, the section head's
	// Transfer are the sections a 转办 may go to; Return is 退回: the
	// section head's other answers to the 待签收 card.
	Transfer []chat.PageButton
	Return   bool
	Assign   []chat.PageButton // 指定承办人: 本人办理 and the section's members
	Finish   bool              // 办结, the handler's: answer, finding, measures
	// Findings are the 核查结果 to choose from.
	Findings []string
	// Extend is the handler's 申请延期; Due is the limit it would move.
	Extend bool
	Due    string
	// Decide is the office's 同意延期 / 不同意延期 on the pending request,
	// which Request describes.
	Decide  bool
	Request string
	Reply   bool // 已回复12345, the registrar's or the office's
	// Redispatch are the sections the registrar may send a returned order
	// to.
	Redispatch []chat.PageButton
	// Visits are the 回访 results the registrar may record.
	Visits []string
}

// pageMark is what a page's action must still find: the state, round and
// pending 延期 the cards' marks read, and the section and handler it was
// shown with.
func pageMark(c *storage.Order) string {
	return orderOf(c).CardMark(workflow.CardExtend) + "|" + c.Section + "|" + c.Handler
}

// PageActionsFor is what p may do on c now; nil when nothing. The rules
// (workflow.OrderNext) decide, as for a click.
func (b *Flow) PageActionsFor(p config.Person, c *storage.Order) *PageActions {
	may := func(a workflow.OrderAction) bool {
		_, err := workflow.OrderNext(orderOf(c), a, b.actor(p), "")
		return err == nil
	}
	a := &PageActions{Mark: pageMark(c)}
	some := false
	if may(workflow.OrderAccept) {
		a.Accept, some = true, true
	}
	if may(workflow.OrderTransfer) {
		for _, s := range b.Roster.Sections {
			if s.Name != c.Section {
				a.Transfer = append(a.Transfer, chat.PageButton{Value: s.Name, Text: s.Name})
			}
		}
		some = some || len(a.Transfer) > 0
	}
	if may(workflow.OrderReturn) {
		a.Return, some = true, true
	}
	if may(workflow.OrderAssign) {
		a.Assign, some = []chat.PageButton{{Value: p.UserID, Text: "本人办理"}}, true
		for _, m := range b.Roster.Members(c.Section) {
			if m.UserID != p.UserID {
				a.Assign = append(a.Assign, chat.PageButton{Value: m.UserID, Text: m.Name})
			}
		}
	}
	if may(workflow.OrderFinish) {
		a.Finish, a.Findings, some = true, workflow.Findings, true
	}
	if may(workflow.OrderAskExtend) {
		a.Extend, a.Due, some = true, b.dueText(c.DueAt), true
	}
	if may(workflow.OrderGrantExtend) && may(workflow.OrderDenyExtend) {
		a.Decide, some = true, true
		a.Request = fmt.Sprintf("%s申请将时限由%s延至%s，理由：%s", b.Name(c.Handler), b.dueText(c.DueAt), b.dueText(c.ExtUntil.Time), c.ExtReason)
	}
	if may(workflow.OrderReply) {
		a.Reply, some = true, true
	}
	if may(workflow.OrderRedispatch) {
		for _, s := range b.Roster.Sections {
			a.Redispatch = append(a.Redispatch, chat.PageButton{Value: s.Name, Text: s.Name})
		}
		some = true
	}
	if may(workflow.OrderVisit) {
		a.Visits, some = workflow.Visits, true
	}
	if !some {
		return nil
	}
	return a
}

// PageAction is an action posted from the order's page.
type PageAction struct {
	OrderID int64
	Mark    string // as the page was rendered
	Action  string // PageAccept, …
	Handler string // 指定承办人's
	// 办结's
	Answer, Finding, Measures string
	// Section is 转办's and 重新派发's; Reason is 转办's, 退回's, 申请延期's
	// and a 不满意 回访's; Until is 申请延期's date as typed.
	Section, Reason, Until string
	Visit                  string // 回访's result
}

// pageActions are the rules' action of each page action.
var pageActions = map[string]workflow.OrderAction{
	PageAccept: workflow.OrderAccept, PageTransfer: workflow.OrderTransfer, PageReturn: workflow.OrderReturn,
	PageAssign: workflow.OrderAssign, PageFinish: workflow.OrderFinish, PageExtend: workflow.OrderAskExtend,
	PageGrant: workflow.OrderGrantExtend, PageDeny: workflow.OrderDenyExtend, PageReply: workflow.OrderReply,
	PageRedispatch: workflow.OrderRedispatch, PageVisit: workflow.OrderVisit,
}

// ActOnPage does the action posted from the order's page, in t (a turn
// of the visitor's, chat.Bot.Act), through the card's own function.
func (b *Flow) ActOnPage(ctx context.Context, t *chat.Turn, d PageAction) (chat.PageResult, error) {
	c, err := storage.LockOrder(ctx, t.Tx, d.OrderID)
	if errors.Is(err, storage.ErrNotFound) {
		return chat.PageResult{Outcome: chat.PageNotFound, Text: "没有找到该工单，请返回办公桌核对。"}, nil
	}
	if err != nil {
		return chat.PageResult{}, err
	}
	if !b.MaySee(t.Person, c) {
		return chat.PageResult{Outcome: chat.PageForbidden, Text: "您无权查看该工单。"}, nil
	}
	action, ok := pageActions[d.Action]
	if !ok {
		return chat.PageResult{Outcome: chat.PageBadInput, Text: "页面内容不完整，操作未执行。请重新打开该工单。"}, nil
	}
	if d.Mark != pageMark(c) {
		return b.movedOn(ctx, t, c)
	}
	if _, err := workflow.OrderNext(orderOf(c), action, b.actor(t.Person), ""); errors.Is(err, workflow.ErrNotOrderActor) {
		return chat.PageResult{Outcome: chat.PageForbidden, Text: "您不是该工单此环节的办理人，无法操作。"}, nil
	} else if err != nil {
		return b.movedOn(ctx, t, c)
	}
	// The order is locked and the rules allow the step: the card's
	// function below cannot lose a race now.
	wrong := ""
	switch d.Action {
	case PageAccept:
		err = b.acceptOrder(ctx, t, c)
	case PageTransfer:
		s, known := b.Roster.Section(strings.TrimSpace(d.Section))
		var reason string
		switch {
		case !known || s.Name == c.Section:
			wrong = "请选择转办的股室（本股室以外）。"
		default:
			if reason, wrong = pageReason("转办理由", d.Reason); wrong == "" {
				err = b.transferOrder(ctx, t, c, s.Name, reason)
			}
		}
	case PageReturn:
		var reason string
		if reason, wrong = pageReason("退回理由", d.Reason); wrong == "" {
			err = b.returnOrder(ctx, t, c, reason)
		}
	case PageAssign:
		p, known := b.Roster.Person(d.Handler)
		if !known || p.Section != c.Section && p.UserID != t.Person.UserID {
			return chat.PageResult{Outcome: chat.PageBadInput, Text: "请选择本股室的承办人。"}, nil
		}
		err = b.assignOrder(ctx, t, c, p.UserID)
	case PageFinish:
		answer, w := checkAnswer(d.Answer)
		if w == "" {
			var finding string
			if finding, w = checkFinding(d.Finding); w != "" {
				w += "，请选择。"
			} else {
				var measures string
				if measures, w = checkMeasures(d.Measures); w == "" {
					_, err = b.finishOrder(ctx, t, c, answer, finding, measures)
				}
			}
		}
		wrong = w
	case PageExtend:
		// As the chat asks: the reason first, then the date.
		reason, w := checkExtendReason(d.Reason)
		if w == "" {
			var until time.Time
			if until, w = b.checkExtendUntil(c, d.Until, t.Now); w == "" {
				err = b.askExtension(ctx, t, c, until, reason)
			}
		}
		wrong = w
	case PageGrant, PageDeny:
		err = b.decideExtension(ctx, t, c, d.Action == PageGrant)
	case PageReply:
		err = b.closeOrder(ctx, t, c)
	case PageRedispatch:
		if s, known := b.Roster.Section(strings.TrimSpace(d.Section)); known {
			err = b.redispatch(ctx, t, c, s.Name)
		} else {
			wrong = "请选择重新派发的股室。"
		}
	case PageVisit:
		switch {
		case !slices.Contains(workflow.Visits, d.Visit):
			wrong = "请选择回访结果：" + strings.Join(workflow.Visits, "、") + "。"
		case d.Visit == workflow.VisitUnsatisfied:
			reason, err := workflow.VisitReason(d.Reason)
			var ce *workflow.CharsError
			switch {
			case errors.As(err, &ce):
				wrong = err.Error()
			case err != nil:
				wrong = "回访不满意，请填写来电人不满意的原因（1至200字），将转告承办人重新办理。"
			default:
				if err := b.recordVisit(ctx, t, c, d.Visit, reason); err != nil {
					return chat.PageResult{}, err
				}
			}
		default:
			err = b.recordVisit(ctx, t, c, d.Visit, "")
		}
	}
	if err != nil {
		return chat.PageResult{}, err
	}
	if wrong != "" {
		return chat.PageResult{Outcome: chat.PageBadInput, Text: wrong}, nil
	}
	return chat.PageResult{Outcome: chat.PageDecided}, nil
}

// pageReason checks a 转办's or 退回's reason typed on the page; wrong says
// what to fix.
func pageReason(label, text string) (v, wrong string) {
	v, err := checkReason(label, text)
	switch {
	case errors.Is(err, errReasonLength) && strings.TrimSpace(text) == "":
		return "", "请填写" + label + "。"
	case errors.Is(err, errReasonLength):
		return "", fmt.Sprintf("%s不超过%d字（现为%d字），请精简。", label, maxReason, len([]rune(strings.TrimSpace(text))))
	case err != nil:
		return "", err.Error()
	}
	return v, ""
}

// movedOn answers an action posted from a page the order has moved on
// from: who did what and when (the timeline's last sentence), and where
// it is now; nothing is done.
func (b *Flow) movedOn(ctx context.Context, t *chat.Turn, c *storage.Order) (chat.PageResult, error) {
	note, actor, err := b.lastStep(ctx, t.Tx, c)
	if err != nil {
		return chat.PageResult{}, err
	}
	if actor == t.Person.UserID {
		return chat.PageResult{Outcome: chat.PageRepeat, Text: note + "您已办理过此环节，本页的操作未再执行。"}, nil
	}
	return chat.PageResult{Outcome: chat.PageStale, Text: note + "您在本页的操作未执行。"}, nil
}

// lastStep says what was last done on c, by whom and when, and where it
// stands now.
func (b *Flow) lastStep(ctx context.Context, q sqlx.QueryerContext, c *storage.Order) (note, actor string, err error) {
	trail, err := storage.AuditTrail(ctx, q, storage.EntityOrder, c.TicketNo)
	if err != nil {
		return "", "", err
	}
	now := "当前：" + b.Where(c) + "。"
	if len(trail) == 0 {
		return "工单 " + c.TicketNo + " 已有新的办理进展。" + now, "", nil
	}
	e := trail[len(trail)-1]
	who, what, _ := b.Sentence(e)
	return fmt.Sprintf("工单 %s 已于%s由%s%s%s", c.TicketNo, workflow.FormatDateTime(e.At, b.Location), chat.OrDash(who), what, now), e.Actor, nil
}

// DoneNote is what the page says after the visitor's action on c.
func (b *Flow) DoneNote(c *storage.Order, action string) string {
	now := "当前：" + b.Where(c) + "。企业微信中的工单卡片随之更新。"
	switch action {
	case PageAssign:
		if h := b.NameOrEmpty(c.Handler); h != "" {
			return fmt.Sprintf("已指定%s办理工单 %s。%s", h, c.TicketNo, now)
		}
	case PageExtend:
		if c.ExtUntil.Valid {
			return fmt.Sprintf("已提交工单 %s 的延期申请：延至%s，待办公室审核；审核前原时限不变。%s", c.TicketNo, b.dueText(c.ExtUntil.Time), now)
		}
	case PageGrant:
		return fmt.Sprintf("已同意延期：工单 %s 的时限延至%s。%s", c.TicketNo, b.dueText(c.DueAt), now)
	case PageDeny:
		return fmt.Sprintf("已不同意延期：工单 %s 的时限仍为%s。%s", c.TicketNo, b.dueText(c.DueAt), now)
	case PageVisit:
		return fmt.Sprintf("已登记工单 %s 的回访。%s", c.TicketNo, now)
	}
	label, ok := map[string]string{
		PageAccept: "签收", PageTransfer: "转办", PageReturn: "退回", PageAssign: "指定承办人", PageFinish: "办结",
		PageReply: "回复12345", PageRedispatch: "重新派发",
	}[action]
	if !ok {
		label = "办理"
	}
	return fmt.Sprintf("已%s工单 %s。%s", label, c.TicketNo, now)
}
