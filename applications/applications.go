package applications

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

// replyDue is the reply deadline of a new application (no events yet but
// its receipt).
func (b *Flow) replyDue(a *storage.Application) (time.Time, error) {
	due, err := workflow.ApplicationDeadlines(b.Calendar, workflow.ApplicationEvents{Received: storage.Day(a.ReceivedD, b.Location)})
	if err != nil {
		return time.Time{}, fmt.Errorf("reply deadline of %s: %w", a.Number(), err)
	}
	return due.ReplyDue, nil
}

// Register numbers, stores and announces a validated application in the
// caller's transaction (the chat, the API and the CSV import). A known
// external id returns the stored application and false: nothing is
// copied or sent again. queued counts the outbound messages, to wake the
// outbox after commit.
func (b *Flow) Register(ctx context.Context, tx *storage.Tx, a *storage.Application, now time.Time) (created bool, queued int, err error) {
	t := &chat.Turn{Tx: tx, Now: now}
	created, err = b.register(ctx, t, a)
	return created, t.Pending(), err
}

func (b *Flow) register(ctx context.Context, t *chat.Turn, a *storage.Application) (bool, error) {
	created, err := storage.InsertApplication(ctx, t.Tx, a)
	if err != nil || !created {
		return created, err
	}
	detail := map[string]any{"source": a.Source, "channel": a.Channel, "received": storage.DayParam(a.ReceivedD), "due": storage.DayParam(a.DueD)}
	if a.Section != "" {
		detail["section"] = a.Section
	}
	if a.OrderID.Valid {
		o, err := storage.OrderByID(ctx, t.Tx, a.OrderID.Int64)
		if err != nil {
			return false, err
		}
		detail["ticket"] = o.TicketNo
	}
	if err := storage.Audit(ctx, t.Tx, a.Registrar, "register", storage.EntityApplication, a.Number(), detail); err != nil {
		return false, err
	}
	if err := b.announce(ctx, t, a); err != nil {
		return false, err
	}
	return true, nil
}

// announce tells the office of a new application, and gives the card of
// its next step: the section head's 签收, or the office's 分办. The
// registrar who typed it in has been told by the conversation already.
func (b *Flow) announce(ctx context.Context, t *chat.Turn, a *storage.Application) error {
	line := fmt.Sprintf("%s：%s申请「%s」，%s收到，答复期限%s。", a.Number(), a.ApplicantName,
		chat.Clip(a.Content, 60), b.day(a.ReceivedD), b.day(a.DueD))
	how := map[string]string{"api": "网上申请", "csv": "文件导入", "order": "由12345工单转入"}[a.Source]
	if how == "" {
		how = "登记"
	}
	if a.Section != "" {
		for _, p := range b.Roster.WithRole(config.RoleOffice) {
			if p.UserID == t.Person.UserID {
				continue
			}
			if err := b.Text(ctx, t, p.UserID, "新的政府信息公开申请（"+how+"）"+line+"已分办至"+a.Section+"。"); err != nil {
				return err
			}
		}
		return b.sendAccept(ctx, t, a, "")
	}
	return b.sendDispatch(ctx, t, a, "新的政府信息公开申请（"+how+"），请分办至承办股室。")
}

// day shows a register date with its year: 2026年12月1日.
func (b *Flow) day(d time.Time) string {
	return workflow.FormatDate(storage.Day(d, b.Location), b.Location)
}

// daysLeft says how many working days are left until due on today, or
// how many it is overdue.
func (b *Flow) daysLeft(a *storage.Application, now time.Time) string {
	if !workflow.ApplicationState(a.State).Open() {
		return "已办结"
	}
	today := storage.Day(now.In(b.Location), b.Location)
	due := storage.Day(a.DueD, b.Location)
	switch {
	case today.Equal(due):
		return "今天到期"
	case today.Before(due):
		n, err := b.Calendar.WorkingDaysBetween(today, due)
		if err != nil {
			return "剩余天数无法计算（工作日历缺少年份）"
		}
		return "剩余" + strconv.Itoa(n) + "个工作日"
	}
	n, err := b.Calendar.WorkingDaysBetween(due, today)
	if err != nil {
		return "已超期"
	}
	return "已超期" + strconv.Itoa(n) + "个工作日"
}

// ParseNumber reads a register number; false when s is none. The parsing
// is workflow's, shared with the 审批单 that links to an application.
func ParseNumber(s string) (year, seq int, ok bool) { return workflow.ParseApplicationNumber(s) }

// seesApplicant reports whether viewer may see the applicant's ID number
// and phone in full: the office, the registrar, the section's head and
// the handler. Everyone else sees them masked, as 12345 callers are.
func (b *Flow) seesApplicant(a *storage.Application, viewer string) bool {
	if viewer == a.Registrar || viewer == a.Handler {
		return true
	}
	if head, ok := b.Roster.HeadOf(a.Section); ok && a.Section != "" && head.UserID == viewer {
		return true
	}
	p, ok := b.Roster.Person(viewer)
	return ok && p.Has(config.RoleOffice)
}

// applicant is the applicant as viewer may see them.
func (b *Flow) applicant(a *storage.Application, viewer string) string {
	parts := []string{a.ApplicantName + "（" + a.ApplicantType + "）"}
	full := b.seesApplicant(a, viewer)
	if a.ApplicantIDNo != "" {
		id := a.ApplicantIDNo
		if !full {
			id = workflow.MaskID(id)
		}
		parts = append(parts, id)
	}
	if a.ApplicantPhone != "" {
		ph := a.ApplicantPhone
		if !full {
			ph = workflow.MaskPhone(ph)
		}
		parts = append(parts, ph)
	}
	if a.ApplicantAddress != "" && full {
		// Where the reply is to be delivered; not for those who only watch.
		parts = append(parts, "通讯地址："+a.ApplicantAddress)
	}
	return strings.Join(parts, " ")
}

// Show answers 「申请 编号」: the application, its clock and its 办理过程.
func (b *Flow) Show(ctx context.Context, t *chat.Turn, arg string) error {
	to := t.Person.UserID
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return b.Text(ctx, t, to, "请发送「申请 编号」查看政府信息公开申请，如：申请 依申请〔2026〕1号。")
	}
	year, seq, ok := ParseNumber(arg)
	if !ok {
		return b.Text(ctx, t, to, "没有识别出申请编号「"+chat.Clip(arg, 30)+"」，请按「申请 依申请〔2026〕1号」发送。")
	}
	a, err := storage.ApplicationBySerial(ctx, t.Tx, year, seq)
	if errors.Is(err, storage.ErrNotFound) {
		return b.Text(ctx, t, to, "没有找到 "+storage.ApplicationNumber(year, seq)+"，请核对编号。")
	}
	if err != nil {
		return err
	}
	if !b.mayView(a, t.Person) {
		return b.Text(ctx, t, to, storage.ApplicationNumber(year, seq)+" 不在您的办理范围内。如需查看，请联系综合办公室。")
	}
	trail, err := storage.AuditTrail(ctx, t.Tx, storage.EntityApplication, a.Number())
	if err != nil {
		return err
	}
	due, cs, err := b.clock(ctx, t.Tx, a)
	if errors.Is(err, workflow.ErrNoCalendarData) {
		due = workflow.ApplicationDue{} // clockText says it cannot be computed
		cs, err = storage.Consultations(ctx, t.Tx, a.ID)
	}
	if err != nil {
		return err
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "政府信息公开申请 %s\n状态：%s\n申请人：%s\n所需信息：%s\n获取方式：%s\n收到日期：%s（%s，以%s为准）\n答复期限：%s",
		a.Number(), workflow.ApplicationState(a.State).Label(), b.applicant(a, to), chat.Clip(a.Content, 300), a.ProvideForm,
		b.day(a.ReceivedD), a.Channel, workflow.Channel(a.Channel).ReceiptRule(), b.clockText(a, due, t.Now))
	for _, c := range cs {
		fmt.Fprintf(&sb, "\n征求意见：%s，%s发出", c.Party, b.day(c.SentD))
		if c.AnsweredD.Valid {
			fmt.Fprintf(&sb, "，%s答复", b.day(c.AnsweredD.Time))
		} else {
			sb.WriteString("，尚未答复")
		}
	}
	if a.Outcome != "" {
		fmt.Fprintf(&sb, "\n答复：%s", workflow.Outcome(a.Outcome).Label())
		if r := workflow.Reason(a.Reason); r.Outcome() != "" {
			fmt.Fprintf(&sb, "（%s）", r.Label())
		}
		if a.DeliveredD.Valid {
			fmt.Fprintf(&sb, "，%s%s送达", b.day(a.DeliveredD.Time), a.Delivery)
		}
	}
	if a.Section != "" {
		who := b.NameOrEmpty(a.Handler)
		if who == "" {
			who = "（待签收）"
		} else {
			who = " " + who
		}
		fmt.Fprintf(&sb, "\n承办：%s%s", a.Section, who)
	}
	if fee, err := b.feeNote(ctx, t, a); err != nil {
		return err
	} else if fee != "" {
		sb.WriteString("\n" + fee)
	}
	remedies, err := b.remediesText(ctx, t, a)
	if err != nil {
		return err
	}
	sb.WriteString(remedies)
	sb.WriteString("\n办理过程：")
	for _, e := range trail {
		who, what, _ := b.Sentence(e)
		fmt.Fprintf(&sb, "\n%s %s%s", workflow.FormatDateTime(e.At, b.Location), who, what)
	}
	letters, err := b.lettersText(ctx, t.Tx, a, t.Now)
	if err != nil {
		return err
	}
	return b.Text(ctx, t, to, sb.String()+letters+b.recordLine(a, t.Person, t.Now))
}

// mayView reports whether p may look an application up: the office, the
// leaders and supervisors, and those it was given to.
func (b *Flow) mayView(a *storage.Application, p config.Person) bool {
	if p.Has(config.RoleOffice) || p.Has(config.RoleLeader) || p.Has(config.RoleSupervisor) {
		return true
	}
	return b.seesApplicant(a, p.UserID)
}

// Mine answers 我的申请件: the applications a person registered or
// handles, and for a section head those of the section.
func (b *Flow) Mine(ctx context.Context, t *chat.Turn) error {
	to := t.Person.UserID
	heads := b.actor(t.Person).Heads
	as, err := storage.ListApplications(ctx, t.Tx, storage.ApplicationFilter{Open: true, Person: to, Sections: heads, Limit: 20})
	if err != nil {
		return err
	}
	if len(as) == 0 {
		return b.Text(ctx, t, to, "您没有办理中的政府信息公开申请。")
	}
	head := "您登记或承办、尚未办结的政府信息公开申请："
	if len(heads) > 0 {
		head = "您登记、承办或本股室办理中的政府信息公开申请："
	}
	return b.Text(ctx, t, to, b.list(head, as, t.Now))
}

// Overdue answers 超期申请 for the office and the leaders.
func (b *Flow) Overdue(ctx context.Context, t *chat.Turn) error {
	to := t.Person.UserID
	if !(t.Person.Has(config.RoleOffice) || t.Person.Has(config.RoleLeader) || t.Person.Has(config.RoleSupervisor)) {
		return b.Text(ctx, t, to, "超期申请仅向综合办公室和局领导提供。您可以发送「我的申请件」查看您办理的申请。")
	}
	today := storage.Day(t.Now.In(b.Location), b.Location)
	as, err := storage.ListApplications(ctx, t.Tx, storage.ApplicationFilter{Open: true, DueBefore: today, Limit: 50})
	if err != nil {
		return err
	}
	if len(as) == 0 {
		return b.Text(ctx, t, to, "目前没有超过答复期限的政府信息公开申请。")
	}
	return b.Text(ctx, t, to, b.list(fmt.Sprintf("超过答复期限、尚未办结的政府信息公开申请（%d件）：", len(as)), as, t.Now))
}

func (b *Flow) list(head string, as []storage.Application, now time.Time) string {
	var sb strings.Builder
	sb.WriteString(head)
	for i := range as {
		a := &as[i]
		what := "答复期限"
		if a.State == string(workflow.ApplicationSupplement) {
			what = "补正期限" // refreshDue keeps it while the applicant owes the 补正
		}
		fmt.Fprintf(&sb, "\n· %s %s：%s，%s%s，%s", a.Number(), a.ApplicantName,
			workflow.ApplicationState(a.State).Label(), what, b.day(a.DueD), b.daysLeft(a, now))
	}
	sb.WriteString("\n发送「申请 编号」查看详情。")
	return sb.String()
}

// feeNote says, once an applicant has more than 10 applications in the
// month of a's receipt, what 信息处理费 the rule allows for a; empty
// otherwise. The office decides whether to charge (条例 Art. 42).
func (b *Flow) feeNote(ctx context.Context, t *chat.Turn, a *storage.Application) (string, error) {
	n, err := storage.ApplicationRankInMonth(ctx, t.Tx, a)
	if err != nil {
		return "", err
	}
	fee := workflow.InformationFee(n)
	if fee == 0 {
		return "", nil
	}
	return fmt.Sprintf("提示：本件是%s在%d月提交的第%d件政府信息公开申请，超过10件，按国办函〔2020〕109号可收取信息处理费%d元；是否收费由综合办公室决定。",
		a.ApplicantName, storage.Day(a.ReceivedD, b.Location).Month(), n, fee), nil
}

// Stats answers 申请统计 [年份] for the office and the leaders: a year's
// applications (this year's by default) by state and by outcome, and how
// many were answered on time.
func (b *Flow) Stats(ctx context.Context, t *chat.Turn, arg string) error {
	to := t.Person.UserID
	if !(t.Person.Has(config.RoleOffice) || t.Person.Has(config.RoleLeader) || t.Person.Has(config.RoleSupervisor)) {
		return b.Text(ctx, t, to, "申请统计仅向综合办公室和局领导提供。您可以发送「我的申请件」查看您办理的申请。")
	}
	now := t.Now.In(b.Location)
	year := now.Year()
	if arg = strings.TrimSuffix(strings.TrimSpace(arg), "年"); arg != "" {
		y, err := strconv.Atoi(arg)
		if err != nil || y < 2019 || y > now.Year() {
			return b.Text(ctx, t, to, fmt.Sprintf("请发送「申请统计」或「申请统计 年份」，年份为2019至%d年，如：申请统计 %d。", now.Year(), now.Year()))
		}
		year = y
	}
	s, err := storage.ApplicationStatsOf(ctx, t.Tx, year, storage.Day(now, b.Location))
	if err != nil {
		return err
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d年收到的政府信息公开申请（截至%s）：\n收到%d件，已办结%d件，办理中%d件", year, workflow.FormatDate(now, b.Location), s.Received, s.Closed, s.Open)
	if s.Overdue > 0 {
		fmt.Fprintf(&sb, "（其中超期%d件）", s.Overdue)
	}
	sb.WriteString("。")
	if s.Closed > 0 {
		fmt.Fprintf(&sb, "\n按期答复%d件，按期答复率%.1f%%。", s.OnTime, float64(s.OnTime)*100/float64(s.Closed))
		sb.WriteString("\n办理结果：")
		var parts []string
		for _, o := range workflow.Outcomes() {
			if n := s.ByOutcome[string(o)]; n > 0 {
				parts = append(parts, fmt.Sprintf("%s%d件", o.Label(), n))
			}
		}
		sb.WriteString(strings.Join(parts, "，") + "。")
	}
	sb.WriteString("\n发送「超期申请」查看超过答复期限的申请。")
	return b.Text(ctx, t, to, sb.String())
}

// Waiting is what of the register waits for p, in a sentence for 待办;
// empty when nothing does. The cards are in the chat already; this names
// them, with what each waits for.
func (b *Flow) Waiting(ctx context.Context, t *chat.Turn) (string, error) {
	ws, err := b.WaitingFor(ctx, t.Tx, t.Person)
	if err != nil {
		return "", err
	}
	var lines []string
	for _, w := range ws {
		lines = append(lines, fmt.Sprintf("· %s %s：%s，%s%s", w.Application.Number(), w.Application.ApplicantName, w.What, w.Limit, b.day(w.Due)))
	}
	if len(lines) == 0 {
		return "", nil
	}
	return fmt.Sprintf("政府信息公开申请有%d件待您办理（卡片已在对话中）：\n%s\n发送「申请 编号」查看详情。", len(lines), strings.Join(lines, "\n")), nil
}

// WaitingItem is an application that waits for someone: what it waits
// for (待分办, 待签收, …), which limit runs (答复期限, or 补正期限 while the
// applicant owes the rest) and its day.
type WaitingItem struct {
	Application *storage.Application
	What        string
	Limit       string
	Due         time.Time
}

// WaitingFor is what of the register waits for p: 待办's list, and the
// 办公桌's.
func (b *Flow) WaitingFor(ctx context.Context, q sqlx.QueryerContext, p config.Person) ([]WaitingItem, error) {
	x := b.actor(p)
	as, err := storage.ListApplications(ctx, q, storage.ApplicationFilter{Open: true}) // all open ones: a list cut short would hide some
	if err != nil {
		return nil, err
	}
	var out []WaitingItem
	for i := range as {
		a := &as[i]
		what := ""
		switch workflow.ApplicationState(a.State) {
		case workflow.ApplicationRegistered:
			if x.Office {
				what = "待分办"
			}
		case workflow.ApplicationDispatched:
			if slices.Contains(x.Heads, a.Section) {
				what = "待签收"
			}
		case workflow.ApplicationAccepted:
			if a.Handler == p.UserID {
				what = "办理中"
			}
		case workflow.ApplicationSupplement:
			if slices.Contains(b.involved(a), p.UserID) {
				what = "待申请人补正"
			}
		case workflow.ApplicationReview:
			if slices.Contains(a.Assignees, p.UserID) {
				what = "待" + workflow.Stage(a.Stage).Label()
			}
		case workflow.ApplicationApproved:
			if x.Office {
				what = "待送达"
			}
		}
		if a.ExtRequestDays > 0 && x.OfficeHead {
			what = strings.TrimPrefix(what+"、", "、") + "延期待审批"
		}
		if what != "" {
			out = append(out, WaitingItem{Application: a, What: what, Limit: "答复期限", Due: a.DueD})
			if a.State == string(workflow.ApplicationSupplement) {
				out[len(out)-1].Limit = "补正期限" // no reply clock runs meanwhile
			}
		}
	}
	return out, nil
}

// MayView reports whether p may look a up (申请 编号, the 办公桌).
func (b *Flow) MayView(a *storage.Application, p config.Person) bool { return b.mayView(a, p) }

// RecordLinkFor is a's signed 办理审批表 for p, and whether p may have it:
// the office and the leaders, as in 「申请 编号」.
func (b *Flow) RecordLinkFor(a *storage.Application, p config.Person, now time.Time) (string, bool) {
	if b.recordLine(a, p, now) == "" {
		return "", false
	}
	return b.recordLink(a, now), true
}

// Holder is who holds a now, in words: the office, the section head, the
// handler, the reviewers, or the applicant.
func (b *Flow) Holder(a *storage.Application) string {
	switch workflow.ApplicationState(a.State) {
	case workflow.ApplicationRegistered, workflow.ApplicationApproved:
		return "综合办公室"
	case workflow.ApplicationDispatched:
		if head, ok := b.Roster.HeadOf(a.Section); ok {
			return head.Name
		}
		return a.Section
	case workflow.ApplicationAccepted:
		return b.NameOrEmpty(a.Handler)
	case workflow.ApplicationSupplement:
		return "申请人"
	case workflow.ApplicationReview:
		return b.Names(a.Assignees)
	}
	return ""
}
