package applications

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// The application's own page on the 办公桌 (desk/) asks the flow what to
// show, in the words of 「申请 编号」 and the 办理审批表, and hands it the
// actions posted there: each runs through the function the card's click
// runs (dispatch, accept), so the same rules hold, the same audit is
// written and the cards in the chat close.

// Page is what an application's page shows a visitor.
type Page struct {
	Fields []chat.PageField
	// Where is the state and who holds it; Clock the 答复期限 as the cards
	// show it; Left the working days left (empty once closed).
	Where, Clock, Left string
	Overdue            bool
	// Letters are a's letters that exist, signed as 「申请 编号」 gives them.
	Letters []chat.PageLink
	// RecordLink is the signed 办理审批表; empty when p may not have it.
	RecordLink string
}

// PageFor is a's page for p, who may view it (MayView).
func (b *Flow) PageFor(ctx context.Context, q storage.Queryer, a *storage.Application, p config.Person, now time.Time) (*Page, error) {
	cs, err := storage.Consultations(ctx, q, a.ID)
	if err != nil {
		return nil, err
	}
	trail, err := storage.AuditTrail(ctx, q, storage.EntityApplication, a.Number())
	if err != nil {
		return nil, err
	}
	due, err := workflow.ApplicationDeadlines(b.Calendar, b.events(a, cs))
	noCalendar := errors.Is(err, workflow.ErrNoCalendarData)
	if err != nil && !noCalendar {
		return nil, fmt.Errorf("page of %s: clock: %w", a.Number(), err)
	}
	st := workflow.ApplicationState(a.State)
	pg := &Page{Where: b.where(a), Clock: b.clockText(a, due, now)}
	if st.Open() {
		pg.Left = b.daysLeft(a, now)
		pg.Overdue = strings.HasPrefix(pg.Left, "已超期")
	}
	pg.Fields = []chat.PageField{
		{Label: "编号", Value: a.Number()},
		{Label: "申请人", Value: b.applicant(a, p.UserID)},
		{Label: "所需信息", Value: a.Content},
		{Label: "获取方式", Value: a.ProvideForm},
		{Label: "收到日期", Value: b.day(a.ReceivedD) + "（" + a.Channel + receiptRule(a.Channel) + "）"},
		{Label: "登记人", Value: chat.OrDash(b.NameOrEmpty(a.Registrar))},
		{Label: "承办", Value: b.recordHandling(a)},
		{Label: "补正", Value: b.recordSupplement(a, due, noCalendar)},
		{Label: "延期", Value: b.recordExtension(a, trail)},
		{Label: "征求意见", Value: b.recordConsultations(cs)},
		{Label: "答复", Value: recordOutcome(a)},
	}
	if a.ReplyText != "" {
		pg.Fields = append(pg.Fields, chat.PageField{Label: "答复内容", Value: a.ReplyText})
	}
	pg.Fields = append(pg.Fields, chat.PageField{Label: "送达", Value: b.recordDelivery(a)})
	src, err := b.loadLetterSource(ctx, q, a)
	if err != nil {
		return nil, err
	}
	for _, ref := range b.existingLetters(src) {
		pg.Letters = append(pg.Letters, chat.PageLink{Label: letterLabel(ref, src), URL: b.letterLink(a, ref, now)})
	}
	if link, ok := b.RecordLinkFor(a, p, now); ok {
		pg.RecordLink = link
	}
	return pg, nil
}

// where is a's state and who holds it, in words.
func (b *Flow) where(a *storage.Application) string {
	s := workflow.ApplicationState(a.State).Label()
	if h := b.Holder(a); h != "" && workflow.ApplicationState(a.State).Open() {
		s += "（" + h + "）"
	}
	return s
}

// Application page actions, as posted.
const (
	PageDispatch = "dispatch" // 分办, the office's
	PageAccept   = "accept"   // 签收 with the handler named, the section head's
)

// PageActions is what the visitor may do on the application's page now.
type PageActions struct {
	// Mark is what the page was rendered with; a posted action carries it
	// back, and an application that moved on refuses it.
	Mark string
	// Sections are the 分办's choices; Handlers the 签收's (本人办理 and
	// the section's members). At most one of them is set.
	Sections []chat.PageButton
	Handlers []chat.PageButton
}

// pageMark is what a page's action must still find.
func pageMark(a *storage.Application) string {
	return a.State + "|" + a.Section + "|" + a.Handler + "|" + strconv.Itoa(a.ReplyRound)
}

// PageActionsFor is what p may do on a now; nil when nothing. The rules
// (workflow.ApplicationNext) decide, as for a click; the other steps
// (答复, 补正, 征求意见, …) are asked for in the chat's cards.
func (b *Flow) PageActionsFor(p config.Person, a *storage.Application) *PageActions {
	may := func(x workflow.ApplicationAction) bool {
		_, err := workflow.ApplicationNext(rulesOf(a, 0), x, b.actor(p))
		return err == nil
	}
	out := &PageActions{Mark: pageMark(a)}
	switch {
	case may(workflow.AppDispatch):
		for i, s := range b.Roster.Sections {
			out.Sections = append(out.Sections, chat.PageButton{Value: strconv.Itoa(i), Text: s.Name})
		}
	case may(workflow.AppAccept):
		out.Handlers = []chat.PageButton{{Value: p.UserID, Text: "本人办理"}}
		for _, m := range b.Roster.People {
			if m.Section == a.Section && m.UserID != p.UserID {
				out.Handlers = append(out.Handlers, chat.PageButton{Value: m.UserID, Text: m.Name})
			}
		}
	default:
		return nil
	}
	return out
}

// PageAction is an action posted from the application's page.
type PageAction struct {
	ApplicationID int64
	Mark          string // as the page was rendered
	Action        string // PageDispatch or PageAccept
	Section       string // 分办's: the index of the section in the roster
	Handler       string // 签收's
}

// ActOnPage does the action posted from the application's page, in t (a
// turn of the visitor's, chat.Bot.Act), through the card's own function.
func (b *Flow) ActOnPage(ctx context.Context, t *chat.Turn, d PageAction) (chat.PageResult, error) {
	a, err := storage.LockApplication(ctx, t.Tx, d.ApplicationID)
	if errors.Is(err, storage.ErrNotFound) {
		return chat.PageResult{Outcome: chat.PageNotFound, Text: "没有找到该申请，请返回办公桌核对。"}, nil
	}
	if err != nil {
		return chat.PageResult{}, err
	}
	if !b.mayView(a, t.Person) {
		return chat.PageResult{Outcome: chat.PageForbidden, Text: a.Number() + " 不在您的办理范围内。如需查看，请联系综合办公室。"}, nil
	}
	action := map[string]workflow.ApplicationAction{PageDispatch: workflow.AppDispatch, PageAccept: workflow.AppAccept}[d.Action]
	if action == "" {
		return chat.PageResult{Outcome: chat.PageBadInput, Text: "页面内容不完整，操作未执行。请重新打开该申请。"}, nil
	}
	if d.Mark != pageMark(a) {
		return b.movedOn(ctx, t, a)
	}
	cs, err := storage.Consultations(ctx, t.Tx, a.ID)
	if err != nil {
		return chat.PageResult{}, err
	}
	if _, err := workflow.ApplicationNext(rulesOf(a, openConsultations(cs)), action, b.actor(t.Person)); errors.Is(err, workflow.ErrNotAppActor) {
		return chat.PageResult{Outcome: chat.PageForbidden, Text: "您不是" + a.Number() + "此环节的办理人，无法操作。"}, nil
	} else if err != nil {
		return b.movedOn(ctx, t, a)
	}
	// The application is locked and the rules allow the step: the card's
	// function below cannot lose a race now.
	switch d.Action {
	case PageDispatch:
		i, err := strconv.Atoi(d.Section)
		if err != nil || i < 0 || i >= len(b.Roster.Sections) {
			return chat.PageResult{Outcome: chat.PageBadInput, Text: "请选择分办的股室。"}, nil
		}
		if err := b.dispatch(ctx, t, a, b.Roster.Sections[i].Name); err != nil {
			return chat.PageResult{}, err
		}
	case PageAccept:
		p, known := b.Roster.Person(d.Handler)
		if !known || p.Section != a.Section && p.UserID != t.Person.UserID {
			return chat.PageResult{Outcome: chat.PageBadInput, Text: "请选择本股室的承办人。"}, nil
		}
		if err := b.accept(ctx, t, a, p.UserID); err != nil {
			return chat.PageResult{}, err
		}
	}
	return chat.PageResult{Outcome: chat.PageDecided}, nil
}

// movedOn answers an action posted from a page the application has moved
// on from: who did what and when (the timeline's last sentence), and
// where it stands now; nothing is done.
func (b *Flow) movedOn(ctx context.Context, t *chat.Turn, a *storage.Application) (chat.PageResult, error) {
	trail, err := storage.AuditTrail(ctx, t.Tx, storage.EntityApplication, a.Number())
	if err != nil {
		return chat.PageResult{}, err
	}
	now := "当前：" + b.where(a) + "。"
	note, actor := a.Number()+" 已有新的办理进展。"+now, ""
	if len(trail) > 0 {
		e := trail[len(trail)-1]
		who, what, _ := b.Sentence(e)
		note = fmt.Sprintf("%s 已于%s由%s%s%s", a.Number(), workflow.FormatDateTime(e.At, b.Location), chat.OrDash(who), what, now)
		actor = e.Actor
	}
	if actor == t.Person.UserID {
		return chat.PageResult{Outcome: chat.PageRepeat, Text: note + "无需重复提交。"}, nil
	}
	return chat.PageResult{Outcome: chat.PageStale, Text: note + "您在本页的操作未执行。"}, nil
}

// DoneNote is what the page says after the visitor's action on a.
func (b *Flow) DoneNote(a *storage.Application, action string) string {
	label, ok := map[string]string{PageDispatch: "分办", PageAccept: "签收"}[action]
	if !ok {
		label = "办理"
	}
	return fmt.Sprintf("已%s %s。当前：%s。企业微信中的卡片随之更新。", label, a.Number(), b.where(a))
}
