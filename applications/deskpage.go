package applications

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
	PageDispatch     = "dispatch"     // 分办, the office's
	PageAccept       = "accept"       // 签收 with the handler named, the section head's
	PageReturn       = "return"       // 退回 to the office with the reason, the section head's
	PageExtend       = "extend"       // 申请延期, the handler's
	PageGrantExtend  = "grant_extend" // 同意延期, the office head's
	PageDenyExtend   = "deny_extend"  // 不同意延期 with the reason, the office head's
	PageSupplement   = "supplement"   // 补正告知 sent, the handler's
	PageSupplemented = "supplemented" // 已收到补正 on a day, the handler's or the office's
	PageLapsed       = "lapsed"       // 逾期未补正: closed, the office's
	PageConsult      = "consult"      // 征求意见 sent, the handler's
	PageConsulted    = "consulted"    // 收到意见 (or the 15 working days passed), the handler's
	PageReply        = "reply"        // 拟写答复 and send it to review, the handler's
	PageApprove      = "approve"      // 同意 at the review's stage, its reviewer's (workflow.VerdictApprove)
	PageEscalate     = "escalate"     // 同意并报主要负责人, the office reviewer's (workflow.VerdictEscalate)
	PageReject       = "reject"       // 驳回 with the reason, the reviewer's (workflow.VerdictReject)
	PageDeliver      = "deliver"      // 送达: how and when, the office's
)

// pageSteps are the page's actions: the rule each runs under and, for
// those that ask something first, the chat's conversation that asks it.
var pageSteps = map[string]struct {
	action workflow.ApplicationAction
	ask    string
}{
	PageDispatch:     {action: workflow.AppDispatch},
	PageAccept:       {action: workflow.AppAccept},
	PageReturn:       {action: workflow.AppReturn, ask: kindReturn},
	PageExtend:       {action: workflow.AppAskExtend, ask: kindExtend},
	PageGrantExtend:  {action: workflow.AppGrantExtend},
	PageDenyExtend:   {action: workflow.AppDenyExtend, ask: kindDenyExtend},
	PageSupplement:   {action: workflow.AppAskSupplement, ask: kindSupplement},
	PageSupplemented: {action: workflow.AppSupplemented, ask: kindSupplemented},
	PageLapsed:       {action: workflow.AppSupplementLapsed},
	PageConsult:      {action: workflow.AppConsult, ask: kindConsult},
	PageConsulted:    {action: workflow.AppConsulted, ask: kindConsulted},
	PageReply:        {action: workflow.AppSubmitReply, ask: kindReply},
	PageDeliver:      {action: workflow.AppDeliver, ask: kindDeliver},
}

// pageVerdicts are the review's actions: not a rule of ApplicationNext
// but the stage's assignees, as decide and reject check them.
var pageVerdicts = map[string]workflow.Verdict{
	PageApprove: workflow.VerdictApprove, PageEscalate: workflow.VerdictEscalate, PageReject: workflow.VerdictReject,
}

// PageActions is what the visitor may do on the application's page now.
type PageActions struct {
	// Mark is what the page was rendered with; a posted action carries it
	// back, and an application that moved on refuses it.
	Mark string
	// Sections are the 分办's choices; Handlers the 签收's (本人办理 and
	// the section's members), offered with 退回 (Return).
	Sections []chat.PageButton
	Handlers []chat.PageButton
	Return   bool
	// The handler's steps, as the 办理 card offers them.
	Supplement, Consult, Extend bool
	// Consulted are the open consultations 收到意见 may answer.
	Consulted []chat.PageButton
	// ExtensionAsked is the request the office head decides, in words;
	// empty when there is none for them.
	ExtensionAsked string
	// Supplemented and Lapsed end the 补正 wait; Lapsed only once the
	// 补正期限 (SupplementDue, in words) has passed.
	Supplemented, Lapsed bool
	SupplementDue        string
	// SupplementHint says how the 补正期限 may be given; DayHint a day
	// that has passed, as the chat asks for them.
	SupplementHint, DayHint string

	// Reply is the handler's 拟写答复, asked as the wizard asks it:
	// Outcomes the 答复类型, Reasons the 具体情形 of each (Value the
	// label the wizard's check reads), Draft the draft a 驳回 sent back
	// (the wizard's answers kept), ReplyReviews who will review it, and
	// ReplyWarning what the summary would warn of.
	Reply                      bool
	Outcomes                   []chat.PageButton
	Reasons                    []ReasonGroup
	Draft                      map[string]string
	ReplyReviews, ReplyWarning string
	// Review is the stage the visitor reviews the reply at (its label);
	// Approve its 同意 buttons (at the office, the 保密审查's submits),
	// Checks the office's 保密审查, ReviewWarning what the reviewer's card
	// warns of. 驳回 is offered with them.
	Review        string
	Approve       []chat.PageButton
	Checks        []chat.PageButton
	ReviewWarning string
	// Deliveries are the 送达's ways, offered to the office once the reply
	// is approved; DeliverSince the day it was (送达 is not earlier).
	Deliveries   []chat.PageButton
	DeliverSince string
}

// ReasonGroup is the 具体情形 an 答复类型 (Label) may give.
type ReasonGroup struct {
	Label   string
	Reasons []chat.PageButton
}

// pageMark is what a page's action must still find: the state and who
// holds it, and what the handler's steps change without moving it (the
// 延期 asked or granted, the 补正, the consultations).
func pageMark(a *storage.Application, cs []storage.Consultation) string {
	return strings.Join([]string{a.State, a.Section, a.Handler, strconv.Itoa(a.ReplyRound), a.Stage,
		strconv.Itoa(a.ExtRequestDays), strconv.Itoa(a.ExtensionDays),
		strconv.FormatBool(a.SupplementAskedD.Valid), strconv.FormatBool(a.SupplementReceivedD.Valid),
		strconv.Itoa(len(cs)), strconv.Itoa(openConsultations(cs))}, "|")
}

// PageActionsFor is what p may do on a now; nil when nothing. The rules
// (workflow.ApplicationNext, and for the review the stage's assignees)
// decide, as for a click, and the steps are offered to whom the cards
// offer them.
func (b *Flow) PageActionsFor(ctx context.Context, q storage.Queryer, p config.Person, a *storage.Application, now time.Time) (*PageActions, error) {
	cs, err := storage.Consultations(ctx, q, a.ID)
	if err != nil {
		return nil, err
	}
	due, err := workflow.ApplicationDeadlines(b.Calendar, b.events(a, cs))
	if err != nil && !errors.Is(err, workflow.ErrNoCalendarData) {
		return nil, fmt.Errorf("page actions of %s: clock: %w", a.Number(), err)
	}
	may := func(x workflow.ApplicationAction) bool {
		_, err := workflow.ApplicationNext(rulesOf(a, openConsultations(cs)), x, b.actor(p))
		return err == nil
	}
	today := storage.Day(now.In(b.Location), b.Location)
	out := &PageActions{Mark: pageMark(a, cs),
		SupplementHint: fmt.Sprintf("填「默认」为自今天起%d个工作日，或填日期如 %s", workflow.DefaultSupplementDays, today.AddDate(0, 0, 21).Format(time.DateOnly)),
		DayHint:        "填「今天」「昨天」，或如 " + today.AddDate(0, 0, -1).Format(time.DateOnly)}
	offered := false
	switch {
	case may(workflow.AppDispatch):
		for i, s := range b.Roster.Sections {
			out.Sections = append(out.Sections, chat.PageButton{Value: strconv.Itoa(i), Text: s.Name})
		}
		offered = true
	case may(workflow.AppAccept):
		out.Handlers = []chat.PageButton{{Value: p.UserID, Text: "本人办理"}}
		for _, m := range b.Roster.People {
			if m.Section == a.Section && m.UserID != p.UserID {
				out.Handlers = append(out.Handlers, chat.PageButton{Value: m.UserID, Text: m.Name})
			}
		}
		out.Return = may(workflow.AppReturn)
		offered = true
	}
	if a.State == string(workflow.ApplicationAccepted) && a.Handler == p.UserID {
		// As handleButtons: 补正 once and only within Art. 30's 7 working
		// days; 征求意见 while handling.
		late := !due.SupplementBy.IsZero() && today.After(storage.Day(due.SupplementBy.In(b.Location), b.Location))
		out.Supplement = may(workflow.AppAskSupplement) && !late
		out.Consult = may(workflow.AppConsult)
	}
	out.Extend = may(workflow.AppAskExtend)
	if may(workflow.AppConsulted) {
		// Numbered as the 收到意见 conversation numbers them (newAsk).
		for _, c := range cs {
			if !c.AnsweredD.Valid {
				out.Consulted = append(out.Consulted, chat.PageButton{Value: strconv.Itoa(len(out.Consulted)), Text: c.Party + "（" + b.day(c.SentD) + "发出）"})
			}
		}
	}
	if may(workflow.AppGrantExtend) {
		out.ExtensionAsked = fmt.Sprintf("%s申请延长%d个工作日，理由：%s（现答复期限%s）", b.Name(a.ExtRequestedBy), a.ExtRequestDays, a.ExtRequestReason, b.day(a.DueD))
	}
	out.Supplemented = may(workflow.AppSupplemented)
	out.Lapsed = may(workflow.AppSupplementLapsed) && due.SupplementLapsed(now)
	if a.SupplementDueD.Valid {
		out.SupplementDue = b.day(a.SupplementDueD.Time)
	}
	if err := b.replyActions(ctx, q, p, a, cs, out, may); err != nil {
		return nil, err
	}
	if !offered && !out.Supplement && !out.Consult && !out.Extend && len(out.Consulted) == 0 && out.ExtensionAsked == "" && !out.Supplemented && !out.Lapsed &&
		!out.Reply && out.Review == "" && out.Deliveries == nil {
		return nil, nil
	}
	return out, nil
}

// replyActions adds the reply's steps to out: the handler's 拟写答复 (as
// the 办理 card offers it: no consultation open), the stage's review, the
// office's 送达.
func (b *Flow) replyActions(ctx context.Context, q storage.Queryer, p config.Person, a *storage.Application, cs []storage.Consultation, out *PageActions, may func(workflow.ApplicationAction) bool) error {
	if a.State == string(workflow.ApplicationAccepted) && a.Handler == p.UserID && openConsultations(cs) == 0 && may(workflow.AppSubmitReply) {
		out.Reply = true
		for _, o := range workflow.Outcomes() {
			out.Outcomes = append(out.Outcomes, chat.PageButton{Value: o.Label(), Text: o.Label()})
			if o == workflow.OutcomePartial {
				continue // its reasons are 不予公开's, listed once
			}
			if rs := workflow.Reasons(o); len(rs) > 0 {
				g := ReasonGroup{Label: o.Label()}
				if o == workflow.OutcomeWithhold {
					g.Label = "不予公开、部分公开"
				}
				for _, r := range rs {
					g.Reasons = append(g.Reasons, chat.PageButton{Value: r.Label(), Text: r.Label()})
				}
				out.Reasons = append(out.Reasons, g)
			}
		}
		if a.ReplyRound > 0 { // after a 驳回, as startReply: the last draft
			out.Draft = map[string]string{"outcome": workflow.Outcome(a.Outcome).Label(), "text": a.ReplyText, "basis": a.ReplyBasis}
			if a.Reason != "" {
				out.Draft["reason"] = workflow.Reason(a.Reason).Label()
			}
		}
		plain, withheld := *a, *a
		plain.Outcome, plain.Escalated = string(workflow.OutcomeDisclose), false
		withheld.Outcome, withheld.Escalated = string(workflow.OutcomeWithhold), false
		out.ReplyReviews = "经" + b.reviewChain(&plain) + "审核；不予公开、部分公开的，经" + b.reviewChain(&withheld) + "审核"
		warn, err := b.replyWarning(ctx, q, a, workflow.ReasonThirdParty)
		if err != nil {
			return err
		}
		if warn != "" {
			out.ReplyWarning = "如选择「" + workflow.ReasonThirdParty.Label() + "」：" + warn
		}
	}
	if a.State == string(workflow.ApplicationReview) && slices.Contains(a.Assignees, p.UserID) {
		stage := workflow.Stage(a.Stage)
		out.Review = stage.Label()
		office := stage == workflow.StageOffice
		for _, v := range workflow.Verdicts(stage, major(a)) {
			switch {
			case v == workflow.VerdictReject:
			case office:
				out.Approve = append(out.Approve, chat.PageButton{Value: string(v), Text: "确认并" + strings.TrimPrefix(v.Label(), "同意并")})
			default:
				out.Approve = append(out.Approve, chat.PageButton{Value: string(v), Text: v.Label()})
			}
		}
		if office {
			// As askSecrecy's card: what is withheld stays withheld on its basis.
			sc := chat.SecrecyCard{}
			if secrecyConclusion(a).Conclusion != workflow.SecrecyClear {
				sc.Options = map[workflow.SecrecyCheck]string{}
				for _, c := range workflow.SecrecyChecks() {
					sc.Options[c] = "已审查" + c.Label()
				}
			}
			for _, c := range workflow.SecrecyChecks() {
				out.Checks = append(out.Checks, chat.PageButton{Value: string(c), Text: sc.OptionText(c)})
			}
		}
		warn, err := b.replyWarning(ctx, q, a, workflow.Reason(a.Reason))
		if err != nil {
			return err
		}
		out.ReviewWarning = warn
	}
	if a.State == string(workflow.ApplicationApproved) && slices.Contains(a.Assignees, p.UserID) && may(workflow.AppDeliver) {
		for _, w := range workflow.Deliveries() {
			out.Deliveries = append(out.Deliveries, chat.PageButton{Value: string(w), Text: string(w) + "送达"})
		}
		ds, err := storage.ApplicationDecisions(ctx, q, a.ID)
		if err != nil {
			return err
		}
		if len(ds) > 0 {
			out.DeliverSince = b.day(ds[len(ds)-1].DecidedAt)
		}
	}
	return nil
}

// PageAction is an action posted from the application's page.
type PageAction struct {
	ApplicationID int64
	Mark          string   // as the page was rendered
	Action        string   // one of the Page* actions
	Section       string   // 分办's: the index of the section in the roster
	Handler       string   // 签收's
	Checks        []string // the office's 保密审查, ticked
	// Answers are what the step asks, by the chat's question (reason,
	// days, items, due, on, kind, party, sent, which, answer; outcome,
	// text, basis; how, tracking).
	Answers map[string]string
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
	step, known := pageSteps[d.Action]
	verdict, review := pageVerdicts[d.Action]
	if !known && !review {
		return chat.PageResult{Outcome: chat.PageBadInput, Text: "页面内容不完整，操作未执行。请重新打开该申请。"}, nil
	}
	cs, err := storage.Consultations(ctx, t.Tx, a.ID)
	if err != nil {
		return chat.PageResult{}, err
	}
	if d.Mark != pageMark(a, cs) {
		return b.movedOn(ctx, t, a)
	}
	if review {
		return b.reviewOnPage(ctx, t, a, verdict, d)
	}
	if _, err := workflow.ApplicationNext(rulesOf(a, openConsultations(cs)), step.action, b.actor(t.Person)); errors.Is(err, workflow.ErrNotAppActor) {
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
		err = b.dispatch(ctx, t, a, b.Roster.Sections[i].Name)
		return chat.PageResult{Outcome: chat.PageDecided}, err
	case PageAccept:
		p, known := b.Roster.Person(d.Handler)
		if !known || p.Section != a.Section && p.UserID != t.Person.UserID {
			return chat.PageResult{Outcome: chat.PageBadInput, Text: "请选择本股室的承办人。"}, nil
		}
		err := b.accept(ctx, t, a, p.UserID)
		return chat.PageResult{Outcome: chat.PageDecided}, err
	case PageGrantExtend:
		err := b.decideExtension(ctx, t, a, true, "")
		return chat.PageResult{Outcome: chat.PageDecided}, err
	case PageLapsed:
		due, _, err := b.clock(ctx, t.Tx, a)
		if err != nil {
			return chat.PageResult{}, err
		}
		if !due.SupplementLapsed(t.Now) {
			return chat.PageResult{Outcome: chat.PageBadInput, Text: a.Number() + " 的补正期限至" + b.day(due.SupplementDue) + "，尚未届满，不能按逾期不补正办结。"}, nil
		}
		err = b.supplementLapsed(ctx, t, a)
		return chat.PageResult{Outcome: chat.PageDecided}, err
	case PageSupplement:
		late, by, err := b.supplementTooLate(ctx, t, a)
		if err != nil {
			return chat.PageResult{}, err
		}
		if late {
			return chat.PageResult{Outcome: chat.PageBadInput, Text: "补正告知应在收到申请之日起7个工作日内发出（" + b.day(by) + "前，《政府信息公开条例》第三十条），现已超过，不能再要求补正；请按现有申请内容办理答复。"}, nil
		}
	case PageReply:
		if openConsultations(cs) > 0 {
			return chat.PageResult{Outcome: chat.PageBadInput, Text: "征求意见尚未答复，请先登记收到意见，再拟写答复。"}, nil
		}
		// The 具体情形 is chosen from all types' lists on the page: one of
		// another type's is named as such, not as the chat's 序号.
		o := workflow.Outcome("")
		for _, x := range workflow.Outcomes() {
			if strings.TrimSpace(d.Answers["outcome"]) == x.Label() {
				o = x
			}
		}
		if rs := reasonChoices(o); len(rs) > 0 && !slices.ContainsFunc(rs, func(r workflow.Reason) bool { return r.Label() == strings.TrimSpace(d.Answers["reason"]) }) {
			return chat.PageResult{Outcome: chat.PageBadInput, Text: "请选择" + o.Label() + "的具体情形。"}, nil
		}
	case PageDeliver:
		how := strings.TrimSpace(d.Answers["how"])
		if !slices.Contains(workflow.Deliveries(), workflow.Delivery(how)) {
			return chat.PageResult{Outcome: chat.PageBadInput, Text: "请选择送达方式。"}, nil
		}
		if !slices.Contains(a.Assignees, t.Person.UserID) {
			return chat.PageResult{Outcome: chat.PageForbidden, Text: "您不是" + a.Number() + "此环节的办理人，无法操作。"}, nil
		}
		return b.pageAskWith(ctx, t, a, kindDeliver, map[string]string{"how": how}, d.Answers)
	}
	return b.pageAsk(ctx, t, a, step.ask, d.Answers)
}

// reviewOnPage is a reviewer's 同意 or 驳回 posted from the page, as the
// review card's click: 驳回 asks its reason (the conversation's own
// question), the office's 同意 comes with its 保密审查 (onSecrecy's
// record), and decide moves the reply on.
func (b *Flow) reviewOnPage(ctx context.Context, t *chat.Turn, a *storage.Application, v workflow.Verdict, d PageAction) (chat.PageResult, error) {
	if a.State != string(workflow.ApplicationReview) {
		return b.movedOn(ctx, t, a)
	}
	if !slices.Contains(a.Assignees, t.Person.UserID) {
		return chat.PageResult{Outcome: chat.PageForbidden, Text: "您不是" + a.Number() + "此环节的审核人，无法操作。"}, nil
	}
	stage := workflow.Stage(a.Stage)
	if !slices.Contains(workflow.Verdicts(stage, major(a)), v) {
		return chat.PageResult{Outcome: chat.PageBadInput, Text: "请选择同意或驳回。"}, nil
	}
	if v == workflow.VerdictReject {
		return b.pageAsk(ctx, t, a, kindReject, d.Answers)
	}
	if stage != workflow.StageOffice {
		return chat.PageResult{Outcome: chat.PageDecided}, b.decide(ctx, t, a, v)
	}
	r := secrecyConclusion(a)
	for _, c := range d.Checks {
		r.Mark(workflow.SecrecyCheck(c)) // ids that are no check confirm nothing
	}
	var incomplete *workflow.SecrecyIncompleteError
	if err := r.Validate(); errors.As(err, &incomplete) {
		hint := "如发现不宜公开的内容，请在下方驳回并说明理由。"
		if secrecyConclusion(a).Conclusion != workflow.SecrecyClear {
			hint = "如不予公开的理由或依据有误，请在下方驳回并说明。"
		}
		return chat.PageResult{Outcome: chat.PageBadInput, Text: incomplete.Error() + "请逐项勾选后提交；" + hint}, nil
	} else if err != nil {
		return chat.PageResult{Outcome: chat.PageBadInput, Text: err.Error()}, nil
	}
	return chat.PageResult{Outcome: chat.PageDecided}, b.decideWithSecrecy(ctx, t, a, v, r)
}

// pageAsk answers the chat's conversation of kind about a at once with
// what the page posted: each answer through the question's own check, in
// the order the chat asks them (a later question may read an earlier
// answer), then the conversation's own submit. The first answer refused
// is named, and nothing is done.
func (b *Flow) pageAsk(ctx context.Context, t *chat.Turn, a *storage.Application, kind string, answers map[string]string) (chat.PageResult, error) {
	return b.pageAskWith(ctx, t, a, kind, map[string]string{}, answers)
}

// pageAskWith is pageAsk with answers given already (the 送达's way, as
// the card's button gives it).
func (b *Flow) pageAskWith(ctx context.Context, t *chat.Turn, a *storage.Application, kind string, given, answers map[string]string) (chat.PageResult, error) {
	c, err := b.newAsk(ctx, t, a, kind, given)
	if err != nil {
		return chat.PageResult{}, err
	}
	spec := b.ask(c)
	if spec == nil {
		return chat.PageResult{}, fmt.Errorf("application: no conversation %q", kind)
	}
	for _, f := range spec.Fields {
		if f.Auto != nil {
			if v, ok := f.Auto(); ok {
				c.Vals[f.Key] = v
				continue
			}
		}
		s := strings.TrimSpace(answers[f.Key])
		if s == "" {
			if f.Optional {
				continue
			}
			return chat.PageResult{Outcome: chat.PageBadInput, Text: "请填写" + f.Label + "。"}, nil
		}
		v, err := f.Check(t, &c.Wizard, s)
		var wrong chat.Wrong
		if errors.As(err, &wrong) {
			// The question's own words, said on a page: one types into
			// the field rather than replies.
			return chat.PageResult{Outcome: chat.PageBadInput, Text: strings.ReplaceAll(string(wrong), "回复「", "填写「")}, nil
		}
		if err != nil {
			return chat.PageResult{}, err
		}
		c.Vals[f.Key] = v
	}
	if kind == kindReply {
		// What the wizard's summary sends the drafter back to.
		var fix chat.Fix
		if _, err := b.replySummary(ctx, t, c, a); errors.As(err, &fix) {
			return chat.PageResult{Outcome: chat.PageBadInput, Text: fix.Msg}, nil
		} else if err != nil {
			return chat.PageResult{}, err
		}
	}
	// The checks above hold every date to the day the conversation's
	// submit would ask again for, so submitAsk acts here or fails.
	return chat.PageResult{Outcome: chat.PageDecided}, b.submitAsk(ctx, t, c, a)
}

// movedOn answers an action posted from a page the application has moved
// on from: who did what and when (the timeline's last sentence), and
// where it stands now; nothing is done.
func (b *Flow) movedOn(ctx context.Context, t *chat.Turn, a *storage.Application) (chat.PageResult, error) {
	note, actor, err := b.movedOnNote(ctx, t, a)
	if err != nil {
		return chat.PageResult{}, err
	}
	if actor == t.Person.UserID {
		return chat.PageResult{Outcome: chat.PageRepeat, Text: note + "您已办理过此环节，本页的操作未再执行。"}, nil
	}
	return chat.PageResult{Outcome: chat.PageStale, Text: note + "您在本页的操作未执行。"}, nil
}

// movedOnNote says who last did what to a and when (the timeline's last
// sentence), and where it stands now; actor is who did it.
func (b *Flow) movedOnNote(ctx context.Context, t *chat.Turn, a *storage.Application) (note, actor string, err error) {
	trail, err := storage.AuditTrail(ctx, t.Tx, storage.EntityApplication, a.Number())
	if err != nil {
		return "", "", err
	}
	now := "当前：" + b.where(a) + "。"
	note = a.Number() + " 已有新的办理进展。" + now
	if len(trail) > 0 {
		e := trail[len(trail)-1]
		who, what, _ := b.Sentence(e)
		note = fmt.Sprintf("%s 已于%s由%s%s%s", a.Number(), workflow.FormatDateTime(e.At, b.Location), chat.OrDash(who), what, now)
		actor = e.Actor
	}
	return note, actor, nil
}

// DoneNote is what the page says after the visitor's action on a.
func (b *Flow) DoneNote(a *storage.Application, action string) string {
	label, ok := map[string]string{PageDispatch: "分办", PageAccept: "签收", PageReturn: "退回", PageExtend: "申请延期",
		PageGrantExtend: "同意延期", PageDenyExtend: "不同意延期", PageSupplement: "登记补正告知", PageSupplemented: "登记收到补正",
		PageLapsed: "按逾期不补正办结", PageConsult: "登记征求意见", PageConsulted: "登记收到意见",
		PageReply: "拟写答复并报审", PageApprove: "同意", PageEscalate: "同意并报主要负责人", PageReject: "驳回", PageDeliver: "登记送达"}[action]
	if !ok {
		label = "办理"
	}
	// What was recorded that the state does not say, dates with their year.
	var more string
	switch action {
	case PageSupplement:
		if a.SupplementDueD.Valid {
			more = "补正期限" + b.day(a.SupplementDueD.Time) + "。"
		}
	case PageSupplemented:
		if a.SupplementReceivedD.Valid {
			more = b.day(a.SupplementReceivedD.Time) + "收到补正，答复期限重新计算为" + b.day(a.DueD) + "。"
		}
	case PageExtend:
		if a.ExtRequestDays > 0 {
			more = "延长" + strconv.Itoa(a.ExtRequestDays) + "个工作日，已报" + b.Name(b.officeHead()) + "审批。"
		}
	case PageGrantExtend, PageDenyExtend:
		more = "答复期限" + b.day(a.DueD) + "。"
	case PageReply:
		more = "答复类型：" + workflow.Outcome(a.Outcome).Label() + "。"
	case PageDeliver:
		if a.DeliveredD.Valid {
			more = b.day(a.DeliveredD.Time) + a.Delivery + "送达申请人，申请办结。"
		}
	}
	return fmt.Sprintf("已%s %s。%s当前：%s。企业微信中的卡片随之更新。", label, a.Number(), more, b.where(a))
}
