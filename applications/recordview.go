package applications

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/zwgk-bot/zwgk/applications/record"
	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// recordStages are the review stages of the 办理审批表's signature blocks,
// in their order.
var recordStages = [3]workflow.Stage{workflow.StageSection, workflow.StageOffice, workflow.StageLeader}

// recordOf gathers what a's 办理审批表 prints, from the register: the
// application, its clock, its consultations, the reviews of every round
// with the office's 保密审查, and the audit trail.
func (b *Flow) recordOf(ctx context.Context, q storage.Queryer, a *storage.Application) (record.Record, error) {
	cs, err := storage.Consultations(ctx, q, a.ID)
	if err != nil {
		return record.Record{}, err
	}
	ds, err := storage.ApplicationDecisions(ctx, q, a.ID)
	if err != nil {
		return record.Record{}, err
	}
	reviews, err := storage.SecrecyReviews(ctx, q, storage.EntityApplication, a.Number())
	if err != nil {
		return record.Record{}, err
	}
	trail, err := storage.AuditTrail(ctx, q, storage.EntityApplication, a.Number())
	if err != nil {
		return record.Record{}, err
	}
	// A year the working calendar lacks leaves the deadline unknown; the
	// rest of the record stands.
	due, err := workflow.ApplicationDeadlines(b.Calendar, a.ClockEvents(b.Calendar, cs))
	noCalendar := errors.Is(err, workflow.ErrNoCalendarData)
	if err != nil && !noCalendar {
		return record.Record{}, fmt.Errorf("record of %s: clock: %w", a.Number(), err)
	}

	st := workflow.ApplicationState(a.State)
	r := record.Record{
		Bureau: b.Letters.Bureau, Number: a.Number(), State: st.Label(), Round: a.ReplyRound, Location: b.Location,
		Applicant: a.ApplicantName + "（" + a.ApplicantType + "）",
		IDNo:      a.ApplicantIDNo, Phone: a.ApplicantPhone, Address: a.ApplicantAddress,
		Received:    b.day(a.ReceivedD) + "（" + a.Channel + receiptRule(a.Channel) + "）",
		ProvideForm: a.ProvideForm, Content: a.Content,
		Handling:   b.recordHandling(a),
		Registrar:  chat.OrDash(b.NameOrEmpty(a.Registrar)),
		Clock:      b.recordClock(a, due, noCalendar),
		Supplement: b.recordSupplement(a, due, noCalendar), Consultations: b.recordConsultations(cs),
		Extension: b.recordExtension(a, trail),
		Outcome:   recordOutcome(a), ReplyText: a.ReplyText, ReplyBasis: a.ReplyBasis,
		Delivery: b.recordDelivery(a),
	}
	if a.Outcome != "" && a.ReplyBasis == "" {
		r.ReplyBasis = "无"
	}
	settled := st == workflow.ApplicationApproved || st == workflow.ApplicationClosed
	for i, stage := range recordStages {
		var d *storage.ApplicationDecision
		for j := range ds { // oldest first: the last of the round stands
			if ds[j].Round == a.ReplyRound && ds[j].Stage == string(stage) && a.ReplyRound > 0 {
				d = &ds[j]
			}
		}
		switch {
		case d != nil:
			v := workflow.Verdict(d.Verdict)
			s := record.Signature{Name: b.Name(d.Approver), Decision: v.Label(), Reason: d.Reason, At: d.DecidedAt}
			if stage == workflow.StageOffice && (v == workflow.VerdictApprove || v == workflow.VerdictEscalate) {
				s.Review = reviewOf(reviews, a.Number(), d.Round)
			}
			r.Signatures[i] = s
		case settled:
			// Answered without this stage: the 主要负责人 of a reply that
			// withholds nothing, or a case closed without a review (逾期不
			// 补正, an import).
			r.Signatures[i] = record.Signature{Decision: "不适用"}
		}
	}
	for _, d := range ds {
		if d.Round < a.ReplyRound && d.Verdict == string(workflow.VerdictReject) {
			r.Rejections = append(r.Rejections, record.Rejection{Round: d.Round, Stage: workflow.Stage(d.Stage).Label(),
				Name: b.Name(d.Approver), At: d.DecidedAt, Reason: d.Reason})
		}
	}
	for _, e := range trail {
		who, what, _ := b.Sentence(e)
		r.History = append(r.History, record.HistoryLine{At: e.At, Who: who, What: what})
	}
	return r, nil
}

// receiptRule is the Art. 31 rule of a channel, after the channel: "，以
// 当面提交之日为准".
func receiptRule(channel string) string {
	if rule := workflow.Channel(channel).ReceiptRule(); rule != "" {
		return "，以" + rule + "为准"
	}
	return ""
}

// reviewOf is the office's 保密审查 of a round in one sentence; a decision
// made before reviews were recorded says so rather than nothing.
func reviewOf(reviews []storage.SecrecyReview, number string, round int) string {
	for _, rv := range reviews {
		if rv.Round == round && rv.Stage == string(workflow.StageOffice) {
			return chat.SecrecyReviewOf(rv).Summary()
		}
	}
	return "未记录。"
}

// recordHandling is the 承办 cell: the section and its handler.
func (b *Flow) recordHandling(a *storage.Application) string {
	switch {
	case a.Section == "":
		return "待分办"
	case a.Handler == "":
		return a.Section + "（待签收）"
	}
	return a.Section + " " + b.Name(a.Handler)
}

// recordClock is the 答复期限 with what it rests on: the day it runs from,
// the extension, the days of 征求意见 not counted, a pause still running.
// The record is for the file: it says no "days left", which would be
// stale once printed.
func (b *Flow) recordClock(a *storage.Application, due workflow.ApplicationDue, noCalendar bool) string {
	st := workflow.ApplicationState(a.State)
	switch {
	case noCalendar:
		return msgNoCalendar
	case due.AwaitingSupplement && st == workflow.ApplicationClosed:
		return "申请人逾期未补正，申请办结，不再计算答复期限"
	case due.AwaitingSupplement:
		return "等待申请人补正，答复期限自收到补正之日起重新计算"
	}
	start := "自" + b.day(due.ClockStart) + "收到申请之日起计算"
	if due.Restarted {
		start = "自" + b.day(due.ClockStart) + "收到补正之日起重新计算"
	}
	why := []string{fmt.Sprintf("%s%d个工作日", start, due.ReplyDays)}
	if due.ExtendedDays > 0 {
		why = append(why, fmt.Sprintf("延期%d个工作日", due.ExtendedDays))
	}
	if due.PausedDays > 0 && !due.Paused {
		why = append(why, fmt.Sprintf("征求意见期间不计入%d个工作日", due.PausedDays))
	}
	s := b.day(due.ReplyDue) + "（" + strings.Join(why, "，") + "）"
	if due.Paused && st.Open() {
		s += "；征求意见中，自" + b.day(due.PausedSince) + "起暂停计算，最迟至" + b.day(due.PausedUntil)
	}
	return s
}

// recordSupplement is the 补正: when it was asked, by when, its items and
// when it came.
func (b *Flow) recordSupplement(a *storage.Application, due workflow.ApplicationDue, noCalendar bool) string {
	if !a.SupplementAskedD.Valid {
		return "未告知补正"
	}
	s := b.day(a.SupplementAskedD.Time) + "告知补正"
	if !noCalendar && due.SupplementAskedLate {
		s += "（已超过收到申请之日起7个工作日）"
	}
	switch {
	case a.SupplementDueD.Valid:
		s += "，补正期限" + b.day(a.SupplementDueD.Time)
	case !noCalendar && !due.SupplementDue.IsZero():
		s += "，补正期限" + b.day(due.SupplementDue)
	}
	switch {
	case a.SupplementReceivedD.Valid:
		s += "；" + b.day(a.SupplementReceivedD.Time) + "收到补正"
	case a.State == string(workflow.ApplicationClosed):
		s += "；申请人逾期未补正"
	default:
		s += "；尚未收到补正"
	}
	if items := strings.TrimSpace(a.SupplementItems); items != "" {
		s += "。\n补正事项：" + items
	}
	return s
}

// recordConsultations lists each 征求意见 on a line: whom, when sent, when
// and what they answered.
func (b *Flow) recordConsultations(cs []storage.Consultation) string {
	if len(cs) == 0 {
		return "无"
	}
	lines := make([]string, 0, len(cs))
	for _, c := range cs {
		kind := "第三方"
		if c.Kind == "agency" {
			kind = "行政机关"
		}
		s := c.Party + "（" + kind + "）：" + b.day(c.SentD) + "发出"
		if c.AnsweredD.Valid {
			s += "，" + b.day(c.AnsweredD.Time) + "答复"
			if ans := trimStop(c.Answer); ans != "" {
				s += "，意见：" + ans
			}
			s += "。"
		} else {
			s += "，尚未答复。"
		}
		lines = append(lines, s)
	}
	return strings.Join(lines, "\n")
}

// recordExtension is the 延期: granted (by whom, when), asked and waiting,
// refused, or none.
func (b *Flow) recordExtension(a *storage.Application, trail []storage.AuditEntry) string {
	var granted, denied *storage.AuditEntry
	for i := range trail {
		switch trail[i].Action {
		case string(workflow.AppGrantExtend):
			granted = &trail[i]
		case string(workflow.AppDenyExtend):
			denied = &trail[i]
		}
	}
	switch {
	case a.ExtensionDays > 0:
		s := fmt.Sprintf("延长%d个工作日", a.ExtensionDays)
		if r := trimStop(a.ExtensionReason); r != "" {
			s += "，理由：" + r
		}
		if granted != nil {
			s += "；" + b.Name(granted.Actor) + "于" + workflow.FormatDate(granted.At, b.Location) + "同意"
		}
		return s + "。"
	case a.ExtRequestDays > 0:
		return fmt.Sprintf("申请延长%d个工作日，待审批。", a.ExtRequestDays)
	case denied != nil:
		return b.Name(denied.Actor) + "于" + workflow.FormatDate(denied.At, b.Location) + "不同意延期，答复期限不变。"
	}
	return "无"
}

// recordOutcome is the reply's type as table 三 names it, with its
// sub-reason.
func recordOutcome(a *storage.Application) string {
	if a.Outcome == "" {
		return "尚未拟写答复"
	}
	s := workflow.Outcome(a.Outcome).Label()
	if r := workflow.Reason(a.Reason); r.Outcome() != "" {
		s += "（" + r.Label() + "）"
	}
	return s
}

// recordDelivery is the 送达: when, how, the tracking number, and whether
// it was in time.
func (b *Flow) recordDelivery(a *storage.Application) string {
	if !a.DeliveredD.Valid {
		if a.State == string(workflow.ApplicationApproved) {
			return "答复已审定，尚未送达"
		}
		return "尚未送达"
	}
	s := b.day(a.DeliveredD.Time) + chat.OrDash(a.Delivery) + "送达"
	if a.TrackingNo != "" {
		s += "，邮件单号 " + a.TrackingNo
	}
	timely := "按期答复"
	if storage.Day(a.DeliveredD.Time, b.Location).After(storage.Day(a.DueD, b.Location)) {
		timely = "超期答复"
	}
	return s + "，" + timely // the deadline has its own row
}
