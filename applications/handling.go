package applications

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lib/pq"
	"github.com/zwgk-bot/zwgk/applications/letters"
	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// Card kinds of an application.
const (
	cardDispatch   = "dispatch"   // office: choose the section (分办)
	cardAccept     = "accept"     // section head: 签收 / 退回
	cardAssign     = "assign"     // section head: who handles it
	cardHandle     = "handle"     // handler: 答复 / 补正 / 征求意见 / 申请延期
	cardSupplement = "supplement" // handler and office: 已收到补正 / 逾期未补正
	cardExtend     = "extend"     // office head: 同意延期 / 不同意
)

// rulesOf is what the rules read of a.
func rulesOf(a *storage.Application, open int) workflow.Application {
	return workflow.Application{
		State: workflow.ApplicationState(a.State), Section: a.Section, Handler: a.Handler,
		Supplemented: a.SupplementAskedD.Valid, ExtPending: a.ExtRequestDays > 0, Extended: a.ExtensionDays > 0,
		OpenConsultations: open,
	}
}

// actor is p as the rules see them. The head of the 综合办公室 section is
// the head of the 政府信息公开工作机构 whose approval an extension needs
// (条例 Art. 33).
func (b *Flow) actor(p config.Person) workflow.ApplicationActor {
	x := workflow.ApplicationActor{UserID: p.UserID, Office: p.Has(config.RoleOffice)}
	for _, s := range b.Roster.Sections {
		if s.Head == p.UserID {
			x.Heads = append(x.Heads, s.Name)
		}
	}
	x.OfficeHead = p.UserID != "" && p.UserID == b.officeHead()
	return x
}

// officeHead is the head of the 综合办公室 section, or else the first
// office member.
func (b *Flow) officeHead() string {
	for _, s := range b.Roster.Sections {
		if s.Name == "综合办公室" && s.Head != "" {
			return s.Head
		}
	}
	if office := b.Roster.WithRole(config.RoleOffice); len(office) > 0 {
		return office[0].UserID
	}
	return ""
}

// openConsultations counts a's consultations without an answer.
func openConsultations(cs []storage.Consultation) int {
	n := 0
	for _, c := range cs {
		if !c.AnsweredD.Valid {
			n++
		}
	}
	return n
}

// events are a's clock events as the workflow reads them.
func (b *Flow) events(a *storage.Application, cs []storage.Consultation) workflow.ApplicationEvents {
	return a.ClockEvents(b.Calendar, cs)
}

// clock is where a's clocks stand.
func (b *Flow) clock(ctx context.Context, tx *storage.Tx, a *storage.Application) (workflow.ApplicationDue, []storage.Consultation, error) {
	cs, err := storage.Consultations(ctx, tx, a.ID)
	if err != nil {
		return workflow.ApplicationDue{}, nil, err
	}
	due, err := workflow.ApplicationDeadlines(b.Calendar, b.events(a, cs))
	if err != nil {
		return workflow.ApplicationDue{}, nil, fmt.Errorf("clock of %s: %w", a.Number(), err)
	}
	return due, cs, nil
}

// clockText is the clock as every card and lookup shows it: the deadline
// with the days left, the pause, the 补正 wait.
func (b *Flow) clockText(a *storage.Application, due workflow.ApplicationDue, now time.Time) string {
	if due.ReplyDue.IsZero() && !due.AwaitingSupplement {
		return msgNoCalendar
	}
	if due.AwaitingSupplement {
		return "等待申请人补正（补正期限" + b.day(due.SupplementDue) + "），答复期限自收到补正之日起重新计算"
	}
	s := b.day(due.ReplyDue)
	// What the deadline rests on, right after it: a restart, an extension,
	// working days not counted.
	var why []string
	if due.Restarted {
		why = append(why, "自"+b.day(due.ClockStart)+"收到补正起算")
	}
	if due.ExtendedDays > 0 {
		why = append(why, "已延期"+strconv.Itoa(due.ExtendedDays)+"个工作日")
	}
	if due.PausedDays > 0 && !due.Paused {
		why = append(why, "征求意见不计入"+strconv.Itoa(due.PausedDays)+"个工作日")
	}
	if len(why) > 0 {
		s += "（" + strings.Join(why, "，") + "）"
	}
	if !workflow.ApplicationState(a.State).Open() {
		return s
	}
	if n, err := due.WorkingDaysLeft(b.Calendar, now); err == nil {
		switch {
		case n > 0:
			s += "，剩余" + strconv.Itoa(n) + "个工作日"
		case n == 0:
			s += "，今天到期"
		default:
			s += "，已超期" + strconv.Itoa(-n) + "个工作日"
		}
	}
	if due.Paused {
		s += "；征求意见中，自" + b.day(due.PausedSince) + "起暂停计算，最迟至" + b.day(due.PausedUntil)
	}
	return s
}

// msgNoCalendar stands for a deadline in a year the calendar lacks.
const msgNoCalendar = "工作日历缺少相应年份，答复期限暂无法计算（请综合办公室发送「日历 添加」补充）"

// change applies action to a in the turn: the rules first (the user is
// told when it is not theirs or no longer applies), then the guarded
// update with set, the audit entry, and the deadline recomputed from the
// events as they now are. It reports false when nothing changed.
func (b *Flow) change(ctx context.Context, t *chat.Turn, a *storage.Application, action workflow.ApplicationAction, set map[string]any, detail map[string]any) (bool, error) {
	to := t.Person.UserID
	cs, err := storage.Consultations(ctx, t.Tx, a.ID)
	if err != nil {
		return false, err
	}
	next, err := workflow.ApplicationNext(rulesOf(a, openConsultations(cs)), action, b.actor(t.Person))
	switch {
	case errors.Is(err, workflow.ErrNotAppActor):
		return false, b.Text(ctx, t, to, "您不是"+a.Number()+"此环节的办理人，无法操作。")
	case errors.Is(err, workflow.ErrApplicationMoved):
		return false, b.Text(ctx, t, to, a.Number()+" 当前"+workflow.ApplicationState(a.State).Label()+"，此操作未生效。")
	case err != nil:
		return false, err
	}
	if set == nil {
		set = map[string]any{}
	}
	err = storage.ChangeApplication(ctx, t.Tx, storage.ApplicationChange{ID: a.ID, FromState: a.State, At: t.Now, State: string(next), Set: set})
	if errors.Is(err, storage.ErrStale) {
		return false, b.Text(ctx, t, to, a.Number()+" 已由他人处理，此操作未生效。")
	}
	if err != nil {
		return false, err
	}
	if err := storage.Audit(ctx, t.Tx, to, string(action), storage.EntityApplication, a.Number(), detail); err != nil {
		return false, err
	}
	updated, err := storage.LockApplication(ctx, t.Tx, a.ID)
	if err != nil {
		return false, err
	}
	*a = *updated
	return true, b.refreshDue(ctx, t, a)
}

// refreshDue stores the reply deadline the events give now, for the
// reminders and the lists.
func (b *Flow) refreshDue(ctx context.Context, t *chat.Turn, a *storage.Application) error {
	due, _, err := b.clock(ctx, t.Tx, a)
	if errors.Is(err, workflow.ErrNoCalendarData) {
		// The deadline falls in a year the calendar does not have yet: the
		// stored one stays until the office adds the year (日历 添加), and
		// the cards say it cannot be computed.
		b.Log.WarnContext(ctx, "application deadline beyond the calendar", "application", a.Number(), "err", err)
		return nil
	}
	if err != nil {
		return err
	}
	d := due.ReplyDue
	if due.AwaitingSupplement {
		d = due.SupplementDue // what the office waits for meanwhile
	}
	if d.IsZero() || storage.Day(d, b.Location).Equal(storage.Day(a.DueD, b.Location)) {
		return nil
	}
	_, err = t.Tx.ExecContext(ctx, `UPDATE applications SET due_on = $2 WHERE id = $1`, a.ID, storage.DayParam(d.In(b.Location)))
	if err != nil {
		return fmt.Errorf("due of %s: %w", a.Number(), err)
	}
	a.DueD = storage.Day(d.In(b.Location), b.Location)
	return storage.SyncLinkedFormDeadlines(ctx, t.Tx, a.ID, due.ReplyDue) // the 审批单 answering a (zero while the 补正 is awaited)
}

// cardMark is what a card of kind sent now must still match to be acted
// on: the state and what that kind of card decides.
func cardMark(kind string, a *storage.Application, open int) string {
	s := a.State
	switch kind {
	case cardAccept, cardAssign:
		s += "|" + a.Section
	case cardReview:
		s += "|" + strconv.Itoa(a.ReplyRound) + "|" + a.Stage
	case cardHandle:
		s += "|" + a.Handler + "|" + strconv.Itoa(open) + "|" + strconv.FormatBool(a.ExtRequestDays > 0)
	case cardExtend:
		s = "ext|" + strconv.Itoa(a.ExtRequestDays) + "|" + a.ExtRequestedBy
	}
	return s
}

// card sends a card about a to each holder and records it.
func (b *Flow) card(ctx context.Context, t *chat.Turn, a *storage.Application, kind, status string, buttons []bot.CardButton, quote string, holders ...string) error {
	due, cs, err := b.clock(ctx, t.Tx, a)
	if err != nil && !errors.Is(err, workflow.ErrNoCalendarData) {
		return err
	}
	if err != nil {
		if cs, err = storage.Consultations(ctx, t.Tx, a.ID); err != nil {
			return err
		}
	}
	for _, h := range holders {
		c := bot.TemplateCard{
			CardType:     bot.CardButtonInteraction,
			Source:       &bot.CardSource{Desc: "依申请公开 · " + status},
			MainTitle:    &bot.CardTitle{Title: "政府信息公开申请 " + a.Number(), Desc: a.ApplicantName + " · " + a.ApplicantType},
			SubTitleText: chat.Clip(a.Content, 120),
			HorizontalContentList: []bot.CardField{
				{KeyName: "收到日期", Value: b.day(a.ReceivedD)},
				{KeyName: "答复期限", Value: chat.Clip(b.clockText(a, due, t.Now), 60)},
				{KeyName: "获取方式", Value: a.ProvideForm},
				{KeyName: "承办", Value: chat.OrDash(strings.TrimSpace(a.Section + " " + b.NameOrEmpty(a.Handler)))},
			},
			TaskID:     fmt.Sprintf("a%d%s-%s", a.ID, kind[:2], chat.Nonce()),
			ButtonList: buttons,
		}
		if quote != "" {
			c.QuoteArea = &bot.CardQuote{Type: 0, Title: "说明", QuoteText: chat.Clip(quote, 200)}
		}
		if kind == cardDeliver {
			c.JumpList = []bot.CardJump{{Type: 1, Title: "答复书（可打印）", URL: b.letterLink(a, LetterRef{Kind: letters.KindReply}, t.Now)}}
		}
		if kind == cardReview { // the reviewer reads the whole case before deciding
			c.JumpList = []bot.CardJump{{Type: 1, Title: "办理审批表（可打印）", URL: b.recordLink(a, t.Now)}}
		}
		if err := storage.InsertApplicationCard(ctx, t.Tx, storage.ApplicationCard{TaskID: c.TaskID, ApplicationID: a.ID, Kind: kind,
			State: cardMark(kind, a, openConsultations(cs)), Holders: pq.StringArray{h}}); err != nil {
			return err
		}
		if err := b.Card(ctx, t, c, h); err != nil {
			return err
		}
	}
	return nil
}

// closeCards replaces the buttons of every card of kind.
func (b *Flow) closeCards(ctx context.Context, t *chat.Turn, a *storage.Application, kind, mine, others string) error {
	cards, err := storage.ApplicationCardsOf(ctx, t.Tx, a.ID, kind)
	if err != nil {
		return err
	}
	copies := make([]chat.CardCopy, len(cards))
	for i, c := range cards {
		copies[i] = chat.CardCopy{TaskID: c.TaskID, Holders: c.Holders}
	}
	var clicker, task, code string
	if t.Msg != nil {
		clicker, task, code = t.Msg.FromUserName, t.Msg.TaskID, t.Msg.ResponseCode
	}
	return b.CloseCopies(ctx, t, copies, clicker, mine, task, code, others)
}

func (b *Flow) dispatchButtons() []bot.CardButton {
	var out []bot.CardButton
	for i, s := range b.Roster.Sections {
		if len(out) < bot.MaxButtons {
			out = append(out, bot.CardButton{Text: s.Name, Key: "s_" + strconv.Itoa(i), Style: 2})
		}
	}
	return out
}

// handleButtons are the handler's: 答复 when no consultation is open, a
// consultation's answer when one is, 补正 once and not after a 延期, 延期
// once.
func handleButtons(a *storage.Application, open int, supplementLate bool) []bot.CardButton {
	var out []bot.CardButton
	if open == 0 {
		out = append(out, bot.CardButton{Text: "拟写答复", Key: "reply", Style: 1})
	} else {
		out = append(out, bot.CardButton{Text: "收到意见", Key: "consulted", Style: 1})
	}
	if !a.SupplementAskedD.Valid && !supplementLate && a.ExtensionDays == 0 && a.ExtRequestDays == 0 { // as workflow's rule
		out = append(out, bot.CardButton{Text: "补正告知", Key: "supplement", Style: 2})
	}
	out = append(out, bot.CardButton{Text: "征求意见", Key: "consult", Style: 2})
	if a.ExtensionDays == 0 && a.ExtRequestDays == 0 {
		out = append(out, bot.CardButton{Text: "申请延期", Key: "extend", Style: 2})
	}
	return out
}

// sendHandle gives the handler their card as the application now stands.
func (b *Flow) sendHandle(ctx context.Context, t *chat.Turn, a *storage.Application, quote string) error {
	cs, err := storage.Consultations(ctx, t.Tx, a.ID)
	if err != nil {
		return err
	}
	late, _, err := b.supplementTooLate(ctx, t, a)
	if err != nil && !errors.Is(err, workflow.ErrNoCalendarData) {
		return err
	}
	return b.card(ctx, t, a, cardHandle, "办理中", handleButtons(a, openConsultations(cs), late), quote, a.Handler)
}

// sendAccept gives the section head the 签收 card.
func (b *Flow) sendAccept(ctx context.Context, t *chat.Turn, a *storage.Application, quote string) error {
	head, ok := b.Roster.HeadOf(a.Section)
	if !ok {
		return fmt.Errorf("section %s has no head", a.Section)
	}
	return b.card(ctx, t, a, cardAccept, "待签收", []bot.CardButton{
		{Text: "签收", Key: "accept", Style: 1},
		{Text: "退回", Key: "return", Style: 3},
	}, quote, head.UserID)
}

// sendDispatch gives the office the 分办 card.
func (b *Flow) sendDispatch(ctx context.Context, t *chat.Turn, a *storage.Application, quote string) error {
	var office []string
	for _, p := range b.Roster.WithRole(config.RoleOffice) {
		office = append(office, p.UserID)
	}
	return b.card(ctx, t, a, cardDispatch, "待分办", b.dispatchButtons(), quote, office...)
}

// OnCard handles a click on an application's card.
func (b *Flow) OnCard(ctx context.Context, t *chat.Turn, s *chat.Session) error {
	m := t.Msg
	to := t.Person.UserID
	ac, err := storage.GetApplicationCard(ctx, t.Tx, m.TaskID)
	if errors.Is(err, storage.ErrNotFound) {
		return b.Text(ctx, t, to, chat.MsgCardUnknown)
	}
	if err != nil {
		return err
	}
	a, err := storage.LockApplication(ctx, t.Tx, ac.ApplicationID)
	if err != nil {
		return err
	}
	if !slices.Contains(ac.Holders, to) {
		return b.Text(ctx, t, to, "您不是"+a.Number()+"此环节的办理人，无法操作。")
	}
	cs, err := storage.Consultations(ctx, t.Tx, a.ID)
	if err != nil {
		return err
	}
	markKind := ac.Kind
	if markKind == cardSecrecy {
		markKind = cardReview // it decides the review it came from
	}
	live := ac.State == cardMark(markKind, a, openConsultations(cs))
	if ac.Kind == cardExtend {
		live = live && a.ExtRequestDays > 0
	}
	if !live {
		if err := b.ReplaceButton(ctx, t, to, "已处理"); err != nil {
			return err
		}
		return b.Text(ctx, t, to, fmt.Sprintf("%s 已处理或已变化（当前：%s），此卡片已失效。", a.Number(), workflow.ApplicationState(a.State).Label()))
	}
	key := m.EventKey
	switch ac.Kind {
	case cardDispatch:
		i, err := strconv.Atoi(strings.TrimPrefix(key, "s_"))
		if err != nil || i < 0 || i >= len(b.Roster.Sections) {
			return b.Text(ctx, t, to, chat.MsgCardUnknown)
		}
		return b.dispatch(ctx, t, a, b.Roster.Sections[i].Name)
	case cardAccept:
		switch key {
		case "accept":
			return b.askAssign(ctx, t, a)
		case "return":
			return b.startAsk(ctx, t, a, kindReturn)
		}
	case cardAssign:
		handler, ok := strings.CutPrefix(key, "h_")
		if p, known := b.Roster.Person(handler); ok && known && (p.Section == a.Section || p.UserID == to) {
			return b.accept(ctx, t, a, p.UserID)
		}
	case cardHandle:
		switch key {
		case "reply":
			return b.startReply(ctx, t, a)
		case "supplement":
			return b.startAsk(ctx, t, a, kindSupplement)
		case "consult":
			return b.startAsk(ctx, t, a, kindConsult)
		case "consulted":
			return b.startAsk(ctx, t, a, kindConsulted)
		case "extend":
			return b.startAsk(ctx, t, a, kindExtend)
		}
	case cardSupplement:
		switch key {
		case "received":
			return b.startAsk(ctx, t, a, kindSupplemented)
		case "lapsed":
			return b.supplementLapsed(ctx, t, a)
		}
	case cardReview:
		switch v := workflow.Verdict(key); v {
		case workflow.VerdictApprove, workflow.VerdictEscalate:
			if workflow.Stage(a.Stage) == workflow.StageOffice {
				// 先审查、后公开 (Art. 17): the office's 同意 is given with
				// its 保密审查, on the card that follows.
				if !slices.Contains(a.Assignees, to) {
					return b.Text(ctx, t, to, "您不是"+a.Number()+"此环节的审核人，无法操作。")
				}
				return b.askSecrecy(ctx, t, a, v, workflow.SecrecyReview{})
			}
			return b.decide(ctx, t, a, v)
		case workflow.VerdictReject:
			if !slices.Contains(a.Assignees, to) {
				return b.Text(ctx, t, to, "您不是"+a.Number()+"此环节的审核人，无法操作。")
			}
			return b.startAsk(ctx, t, a, kindReject)
		}
	case cardSecrecy:
		return b.onSecrecy(ctx, t, a, workflow.Verdict(strings.TrimPrefix(key, "secrecy_")))
	case cardDeliver:
		ways := workflow.Deliveries()
		i, err := strconv.Atoi(strings.TrimPrefix(key, "d_"))
		if err != nil || i < 0 || i >= len(ways) {
			return b.Text(ctx, t, to, chat.MsgCardUnknown)
		}
		return b.startAskWith(ctx, t, a, kindDeliver, map[string]string{"how": string(ways[i])})
	case cardExtend:
		switch key {
		case "grant":
			return b.decideExtension(ctx, t, a, true, "")
		case "deny":
			return b.startAsk(ctx, t, a, kindDenyExtend)
		}
	}
	return b.Text(ctx, t, to, chat.MsgCardUnknown)
}

// dispatch is the office's 分办.
func (b *Flow) dispatch(ctx context.Context, t *chat.Turn, a *storage.Application, section string) error {
	ok, err := b.change(ctx, t, a, workflow.AppDispatch, map[string]any{"section": section}, map[string]any{"section": section})
	if !ok || err != nil {
		return err
	}
	if err := b.closeCards(ctx, t, a, cardDispatch, "已分办至"+section, b.Name(t.Person.UserID)+"已分办至"+section); err != nil {
		return err
	}
	head, _ := b.Roster.HeadOf(section)
	if err := b.Text(ctx, t, t.Person.UserID, a.Number()+" 已分办至"+section+"（"+head.Name+"）签收。"); err != nil {
		return err
	}
	return b.sendAccept(ctx, t, a, "")
}

// askAssign asks the section head who handles the application: themself
// or a member of the section.
func (b *Flow) askAssign(ctx context.Context, t *chat.Turn, a *storage.Application) error {
	to := t.Person.UserID
	btns := []bot.CardButton{{Text: "本人办理", Key: "h_" + to, Style: 1}}
	for _, p := range b.Roster.People {
		if p.Section == a.Section && p.UserID != to && len(btns) < bot.MaxButtons {
			btns = append(btns, bot.CardButton{Text: p.Name, Key: "h_" + p.UserID, Style: 2})
		}
	}
	if err := b.ReplaceButton(ctx, t, to, "签收中"); err != nil {
		return err
	}
	return b.card(ctx, t, a, cardAssign, "请指定承办人", btns, "", to)
}

// accept is the 签收 with the handler named.
func (b *Flow) accept(ctx context.Context, t *chat.Turn, a *storage.Application, handler string) error {
	to := t.Person.UserID
	ok, err := b.change(ctx, t, a, workflow.AppAccept, map[string]any{"handler": handler}, map[string]any{"handler": handler})
	if !ok || err != nil {
		return err
	}
	if err := b.closeCards(ctx, t, a, cardAssign, "已指定"+b.Name(handler), "已指定"+b.Name(handler)); err != nil {
		return err
	}
	if err := b.closeCards(ctx, t, a, cardAccept, "已签收", "已签收"); err != nil {
		return err
	}
	if err := b.Text(ctx, t, to, a.Number()+" 已签收，由"+b.Name(handler)+"办理。"); err != nil {
		return err
	}
	if a.Registrar != to {
		if err := b.Text(ctx, t, a.Registrar, fmt.Sprintf("%s 已由%s（%s）签收，承办人%s。", a.Number(), b.Name(to), a.Section, b.Name(handler))); err != nil {
			return err
		}
	}
	return b.sendHandle(ctx, t, a, "")
}

// supplementLapsed closes an application whose 补正期限 passed without
// the 补正 (Art. 30: 视为放弃; table 三: 其他处理 1).
func (b *Flow) supplementLapsed(ctx context.Context, t *chat.Turn, a *storage.Application) error {
	to := t.Person.UserID
	due, _, err := b.clock(ctx, t.Tx, a)
	if err != nil {
		return err
	}
	if !due.SupplementLapsed(t.Now) {
		return b.Text(ctx, t, to, a.Number()+" 的补正期限至"+b.day(due.SupplementDue)+"，尚未届满，不能按逾期不补正办结。")
	}
	ok, err := b.change(ctx, t, a, workflow.AppSupplementLapsed, map[string]any{
		"outcome": string(workflow.OutcomeOther), "reason": string(workflow.ReasonNoSupplement), "delivered_on": t.Now.In(b.Location),
	}, map[string]any{"supplement_due": storage.DayParam(due.SupplementDue.In(b.Location))})
	if !ok || err != nil {
		return err
	}
	if err := b.closeCards(ctx, t, a, cardSupplement, "逾期未补正，已办结", "逾期未补正，已办结"); err != nil {
		return err
	}
	note := a.Number() + " 申请人逾期未补正，视为放弃申请，已办结（年度报告计入「其他处理：逾期不补正」）。"
	for _, p := range b.involved(a) {
		if err := b.Text(ctx, t, p, note); err != nil {
			return err
		}
	}
	return nil
}

// involved are the handler, the section head and the registrar of a,
// once each.
func (b *Flow) involved(a *storage.Application) []string {
	var out []string
	add := func(id string) {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	add(a.Handler)
	if head, ok := b.Roster.HeadOf(a.Section); ok && a.Section != "" {
		add(head.UserID)
	}
	add(a.Registrar)
	return out
}

// decideExtension is the office head's answer to a 延期 request.
func (b *Flow) decideExtension(ctx context.Context, t *chat.Turn, a *storage.Application, grant bool, why string) error {
	to := t.Person.UserID
	days, reason, by := a.ExtRequestDays, a.ExtRequestReason, a.ExtRequestedBy
	action, label := workflow.AppDenyExtend, "不同意延期"
	set := map[string]any{"ext_request_days": 0, "ext_request_reason": "", "ext_requested_by": ""}
	if grant {
		action, label = workflow.AppGrantExtend, "同意延期"
		set["extension_days"], set["extension_reason"] = days, reason
	}
	old := storage.Day(a.DueD, b.Location)
	detail := map[string]any{"days": days, "reason": reason}
	if !grant {
		detail["reason"] = why // the office head's, which the handler reads
	}
	ok, err := b.change(ctx, t, a, action, set, detail)
	if !ok || err != nil {
		return err
	}
	if err := b.closeCards(ctx, t, a, cardExtend, "已"+label, b.Name(to)+"已"+label); err != nil {
		return err
	}
	msg := fmt.Sprintf("%s（综合办公室）%s：%s 的答复期限", b.Name(to), label, a.Number())
	if grant {
		msg += "由" + b.day(old) + "延至" + b.day(a.DueD) + "。请向申请人送达延期答复告知书。" +
			b.letterLine(a, "延期答复告知书", LetterRef{Kind: letters.KindExtension}, t.Now)
	} else {
		msg += "仍为" + b.day(a.DueD) + "。理由：" + why
	}
	for _, p := range append([]string{by}, a.Registrar) {
		if p != to {
			if err := b.Text(ctx, t, p, msg); err != nil {
				return err
			}
		}
	}
	if err := b.Text(ctx, t, to, "已"+label+"。"); err != nil {
		return err
	}
	if a.State == string(workflow.ApplicationAccepted) {
		return b.sendHandle(ctx, t, a, "")
	}
	return nil
}
