package orders

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

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
	PageAccept = "accept" // 签收
	PageAssign = "assign" // 指定承办人
	PageFinish = "finish" // 办结
	PageReply  = "reply"  // 已回复12345
)

// PageActions is what the visitor may do on the order's page now: the
// main step of the card they hold.
type PageActions struct {
	// Mark is what the page was rendered with; a posted action carries it
	// back, and an order that moved on refuses it.
	Mark   string
	Accept bool              // 签收, the section head's
	Assign []chat.PageButton // 指定承办人: 本人办理 and the section's members
	Finish bool              // 办结, the handler's: answer, finding, measures
	// Findings are the 核查结果 to choose from.
	Findings []string
	Reply    bool // 已回复12345, the registrar's or the office's
}

// pageMark is what a page's action must still find: the state and round
// the cards' marks read, and the section and handler it was shown with.
func pageMark(c *storage.Order) string {
	return orderOf(c).CardMark("") + "|" + c.Section + "|" + c.Handler
}

// PageActionsFor is what p may do on c now; nil when nothing. The rules
// (workflow.OrderNext) decide, as for a click.
func (b *Flow) PageActionsFor(p config.Person, c *storage.Order) *PageActions {
	may := func(a workflow.OrderAction) bool {
		_, err := workflow.OrderNext(orderOf(c), a, b.actor(p), "")
		return err == nil
	}
	a := &PageActions{Mark: pageMark(c)}
	switch {
	case may(workflow.OrderAccept):
		a.Accept = true
	case may(workflow.OrderAssign):
		a.Assign = []chat.PageButton{{Value: p.UserID, Text: "本人办理"}}
		for _, m := range b.Roster.Members(c.Section) {
			if m.UserID != p.UserID {
				a.Assign = append(a.Assign, chat.PageButton{Value: m.UserID, Text: m.Name})
			}
		}
	case may(workflow.OrderFinish):
		a.Finish, a.Findings = true, workflow.Findings
	case may(workflow.OrderReply):
		a.Reply = true
	default:
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
}

// pageActions are the rules' action of each page action.
var pageActions = map[string]workflow.OrderAction{
	PageAccept: workflow.OrderAccept, PageAssign: workflow.OrderAssign,
	PageFinish: workflow.OrderFinish, PageReply: workflow.OrderReply,
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
	switch d.Action {
	case PageAccept:
		err = b.acceptOrder(ctx, t, c)
	case PageAssign:
		p, known := b.Roster.Person(d.Handler)
		if !known || p.Section != c.Section && p.UserID != t.Person.UserID {
			return chat.PageResult{Outcome: chat.PageBadInput, Text: "请选择本股室的承办人。"}, nil
		}
		err = b.assignOrder(ctx, t, c, p.UserID)
	case PageFinish:
		answer, wrong := checkAnswer(d.Answer)
		if wrong == "" {
			var finding string
			if finding, wrong = checkFinding(d.Finding); wrong != "" {
				wrong += "，请选择。"
			} else {
				var measures string
				if measures, wrong = checkMeasures(d.Measures); wrong == "" {
					_, err = b.finishOrder(ctx, t, c, answer, finding, measures)
				}
			}
		}
		if wrong != "" {
			return chat.PageResult{Outcome: chat.PageBadInput, Text: wrong}, nil
		}
	case PageReply:
		err = b.closeOrder(ctx, t, c)
	}
	if err != nil {
		return chat.PageResult{}, err
	}
	return chat.PageResult{Outcome: chat.PageDecided}, nil
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
		return chat.PageResult{Outcome: chat.PageRepeat, Text: note + "无需重复提交。"}, nil
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
	label, ok := map[string]string{PageAccept: "签收", PageAssign: "指定承办人", PageFinish: "办结", PageReply: "回复12345"}[action]
	if !ok {
		label = "办理"
	}
	return fmt.Sprintf("已%s工单 %s。当前：%s。企业微信中的工单卡片随之更新。", label, c.TicketNo, b.Where(c))
}
