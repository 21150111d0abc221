package applications

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/applications/letters"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// The letters (文书) of an application are built from the register, never
// typed: each is dated the day of the event it records, and every date it
// promises comes from the workflow's clock as it stood on that day, so a
// letter printed again later says what the one sent said.

// LetterRef names one letter of an application. N is the consultation's
// number among the application's consultations of that kind, from 1, in
// the order they were recorded (so a link keeps naming the same letter
// when a consultation recorded later was sent earlier); 0 for the others.
type LetterRef struct {
	Kind letters.Kind
	N    int
}

// ErrNoLetter: the application has no such letter, or not yet (no 补正
// asked, no reply approved).
var ErrNoLetter = errors.New("applications: no such letter")

// letterGap is a letter that should exist but cannot be made: the
// configuration (Config) or the register lacks something it must print.
// Why says so in Chinese, for the page.
type letterGap struct {
	Why    string
	Config bool
}

func (e *letterGap) Error() string { return "applications: letter cannot be made: " + e.Why }

// letterSource is what an application's letters are built from.
type letterSource struct {
	App       *storage.Application
	Consults  []storage.Consultation // in the order recorded (id)
	Trail     []storage.AuditEntry
	Decisions []storage.ApplicationDecision
}

// loadLetterSource reads what a's letters are built from.
func (b *Flow) loadLetterSource(ctx context.Context, q storage.Queryer, a *storage.Application) (letterSource, error) {
	cs, err := storage.Consultations(ctx, q, a.ID)
	if err != nil {
		return letterSource{}, err
	}
	slices.SortFunc(cs, func(x, y storage.Consultation) int { return int(x.ID - y.ID) })
	trail, err := storage.AuditTrail(ctx, q, storage.EntityApplication, a.Number())
	if err != nil {
		return letterSource{}, err
	}
	ds, err := storage.ApplicationDecisions(ctx, q, a.ID)
	if err != nil {
		return letterSource{}, err
	}
	return letterSource{App: a, Consults: cs, Trail: trail, Decisions: ds}, nil
}

// consultKind is the letter of a consultation: Art. 32 for a third party,
// Art. 34 for an agency.
func consultKind(c storage.Consultation) letters.Kind {
	if c.Kind == "agency" {
		return letters.KindConsultAgency
	}
	return letters.KindConsultParty
}

// consultation is the n-th consultation of kind, from 1.
func (src letterSource) consultation(kind letters.Kind, n int) (storage.Consultation, bool) {
	i := 0
	for _, c := range src.Consults {
		if consultKind(c) != kind {
			continue
		}
		if i++; i == n {
			return c, true
		}
	}
	return storage.Consultation{}, false
}

// extensionDay is the day the office head approved the extension, from
// the audit log (the register keeps the days, not the day).
func (b *Flow) extensionDay(src letterSource) (time.Time, bool) {
	var at time.Time
	for _, e := range src.Trail {
		if e.Action == string(workflow.AppGrantExtend) {
			at = e.At
		}
	}
	return b.dayOf(at), !at.IsZero() && src.App.ExtensionDays > 0
}

// replyDay is the 答复书's date: the day its last review approved it
// (the day it is signed and printed, so a copy printed after the 送达
// bears the same date), or for a reply that went through no review (closed
// as 逾期不补正, imported) the day it was delivered. Zero while there is
// no approved reply.
func (b *Flow) replyDay(src letterSource) time.Time {
	a := src.App
	st := workflow.ApplicationState(a.State)
	if a.Outcome == "" || (st != workflow.ApplicationApproved && st != workflow.ApplicationClosed) {
		return time.Time{}
	}
	var at time.Time
	for _, d := range src.Decisions {
		if d.Round == a.ReplyRound && d.Verdict != string(workflow.VerdictReject) && d.DecidedAt.After(at) {
			at = d.DecidedAt
		}
	}
	if at.IsZero() && a.DeliveredD.Valid {
		return storage.Day(a.DeliveredD.Time, b.Location)
	}
	return b.dayOf(at)
}

// dayOf is the calendar day of t in the bureau's zone, at 00:00.
func (b *Flow) dayOf(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	y, m, d := t.In(b.Location).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, b.Location)
}

// existingLetters lists the letters src has, in the order a case meets
// them.
func (b *Flow) existingLetters(src letterSource) []LetterRef {
	a := src.App
	out := []LetterRef{{Kind: letters.KindReceipt}}
	if a.SupplementAskedD.Valid {
		out = append(out, LetterRef{Kind: letters.KindSupplement})
	}
	n := map[letters.Kind]int{}
	for _, c := range src.Consults {
		k := consultKind(c)
		n[k]++
		out = append(out, LetterRef{Kind: k, N: n[k]})
	}
	if _, ok := b.extensionDay(src); ok {
		out = append(out, LetterRef{Kind: letters.KindExtension})
	}
	if !b.replyDay(src).IsZero() {
		out = append(out, LetterRef{Kind: letters.KindReply})
	}
	return out
}

// eventsAsOf are a's clock events as they were known at the end of day:
// what happened later (a 补正 received, a consultation sent or answered,
// the extension) is left out. extension says whether the extension counts.
func (b *Flow) eventsAsOf(src letterSource, day time.Time, extension bool) workflow.ApplicationEvents {
	ev := b.events(src.App, src.Consults)
	after := func(t time.Time) bool { return !t.IsZero() && t.After(day) }
	if after(ev.SupplementAsked) {
		ev.SupplementAsked, ev.SupplementDays = time.Time{}, 0
	}
	if after(ev.SupplementReceived) || ev.SupplementAsked.IsZero() {
		ev.SupplementReceived = time.Time{}
	}
	var cs []workflow.Consultation
	for _, c := range ev.Consultations {
		if after(c.Sent) {
			continue
		}
		if after(c.Answered) {
			c.Answered = time.Time{}
		}
		cs = append(cs, c)
	}
	ev.Consultations = cs
	if !extension {
		ev.ExtensionDays = 0
	}
	return ev
}

// deadlines runs the workflow's clock on ev.
func (b *Flow) deadlines(a *storage.Application, ev workflow.ApplicationEvents) (workflow.ApplicationDue, error) {
	due, err := workflow.ApplicationDeadlines(b.Calendar, ev)
	if err != nil {
		return workflow.ApplicationDue{}, fmt.Errorf("letters of %s: %w", a.Number(), err)
	}
	return due, nil
}

// buildLetter makes the letter ref of src. ErrNoLetter when it does not
// exist; a *letterGap when it cannot be made.
func (b *Flow) buildLetter(src letterSource, ref LetterRef) (letters.Letter, error) {
	a := src.App
	cfg := b.Letters
	received := storage.Day(a.ReceivedD, b.Location)
	l := letters.Letter{
		Kind: ref.Kind, Bureau: cfg.Bureau, Register: a.Number(),
		Contact:   letters.Contact{Person: cfg.ContactPerson, Phone: cfg.ContactPhone, Address: cfg.ContactAddress},
		Applicant: a.ApplicantName, Received: received, Channel: workflow.Channel(a.Channel),
		Request: a.Content, Form: workflow.ProvideForm(a.ProvideForm),
	}
	if (ref.N != 0) != (ref.Kind == letters.KindConsultParty || ref.Kind == letters.KindConsultAgency) {
		return letters.Letter{}, ErrNoLetter
	}
	needs := []string{}
	switch ref.Kind {
	case letters.KindReceipt:
		needs = append(needs, config.LetterNeedsPhone)
		l.Date = received
		due, err := b.deadlines(a, workflow.ApplicationEvents{Received: received})
		if err != nil {
			return letters.Letter{}, err
		}
		l.Due = due.ReplyDue

	case letters.KindSupplement:
		if !a.SupplementAskedD.Valid {
			return letters.Letter{}, ErrNoLetter
		}
		l.Date = storage.Day(a.SupplementAskedD.Time, b.Location)
		due, err := b.deadlines(a, b.eventsAsOf(src, l.Date, false))
		if err != nil {
			return letters.Letter{}, err
		}
		l.Supplement = letters.Supplement{Items: supplementItems(a.SupplementItems), Deadline: due.SupplementDue}
		if len(l.Supplement.Items) == 0 {
			return letters.Letter{}, &letterGap{Why: "登记的补正事项为空"}
		}

	case letters.KindExtension:
		day, ok := b.extensionDay(src)
		if !ok {
			return letters.Letter{}, ErrNoLetter
		}
		l.Date = day
		before, err := b.deadlines(a, b.eventsAsOf(src, day, false))
		if err != nil {
			return letters.Letter{}, err
		}
		after, err := b.deadlines(a, b.eventsAsOf(src, day, true))
		if err != nil {
			return letters.Letter{}, err
		}
		l.Due = before.ReplyDue
		l.Extension = letters.Extension{Days: a.ExtensionDays, NewDue: after.ReplyDue, Reason: a.ExtensionReason}

	case letters.KindConsultParty, letters.KindConsultAgency:
		c, ok := src.consultation(ref.Kind, ref.N)
		if !ok {
			return letters.Letter{}, ErrNoLetter
		}
		l.Date = storage.Day(c.SentD, b.Location)
		deadline, err := workflow.ConsultationDue(b.Calendar, l.Date)
		if err != nil {
			return letters.Letter{}, fmt.Errorf("letters of %s: %w", a.Number(), err)
		}
		// The register records whom, not what was asked: what every
		// 征求意见书 asks is whether the information may be disclosed
		// (Arts. 32, 34); the information is the request, quoted above it.
		l.Consult = letters.Consult{To: c.Party, Asked: "是否同意公开上述政府信息。", Deadline: deadline}

	case letters.KindReply:
		l.Date = b.replyDay(src)
		if l.Date.IsZero() {
			return letters.Letter{}, ErrNoLetter
		}
		needs = append(needs, config.LetterNeedsRemedy)
		l.Remedy = letters.Remedy{ReviewBody: cfg.ReviewBody, Court: cfg.Court}
		r, err := b.replyOf(src)
		if err != nil {
			return letters.Letter{}, err
		}
		l.Reply = r

	default:
		return letters.Letter{}, ErrNoLetter
	}
	if missing := cfg.Missing(needs...); len(missing) > 0 {
		return letters.Letter{}, &letterGap{Why: "尚未配置" + strings.Join(missingNames(missing), "、"), Config: true}
	}
	return l, nil
}

// missingNames says which setting each variable is, for the page.
func missingNames(vars []string) []string {
	names := map[string]string{
		config.EnvBureauName: "机关名称", config.EnvReviewBody: "行政复议机关", config.EnvReviewCourt: "管辖法院",
		config.EnvContactPhone: "联系电话",
	}
	var out []string
	for _, v := range vars {
		out = append(out, names[v]+"（"+v+"）")
	}
	return out
}

// listMark is a number or bullet the office typed before an item: the
// letter numbers the items itself.
var listMark = regexp.MustCompile(`^(?:[（(]?\d{1,3}[)）.．、]|[（(][一二三四五六七八九十]{1,3}[)）]|[一二三四五六七八九十]{1,3}、|[-·•*])\s*`)

// supplementItems splits the stored 补正事项 into the letter's items: one
// a line, blank lines dropped, the office's own numbering taken off.
func supplementItems(s string) []string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r", "\n"), "\n") {
		line = strings.TrimSpace(listMark.ReplaceAllString(strings.TrimSpace(line), ""))
		if line != "" {
			out = append(out, line)
		}
	}
	return out
}

// lines is s split into its non-blank lines.
func lines(s string) []string { return supplementItems(s) }

// webAddress marks a line that points to where information is published.
var webAddress = regexp.MustCompile(`(?i)https?://|www\.`)

// withheldMark marks a line of a 部分公开 reply about what it withholds.
var withheldMark = regexp.MustCompile(`不予公开|不公开|不宜公开`)

// lawTitle finds the titles of laws a basis names.
var lawTitle = regexp.MustCompile(`《[^》]+》`)

// beyondRegulation is basis unless it names only the 条例, which every
// reply cites itself (it would print twice).
func beyondRegulation(basis string) string {
	basis = strings.TrimSpace(basis)
	titles := lawTitle.FindAllString(basis, -1)
	if len(titles) == 0 {
		if strings.Contains(basis, "条例") || strings.HasPrefix(basis, "第") {
			return "" // 条例第十五条, 第三十六条第（三）项: the 条例's articles
		}
		return basis
	}
	for _, t := range titles {
		if !strings.Contains(t, "政府信息公开条例") {
			return basis
		}
	}
	return ""
}

// replyOf maps the stored reply onto the 答复书's part. The register keeps
// one outcome, one table 三 reason, one text (reply_text) and one legal
// basis (reply_basis); how they fill letters.Reply:
//
//   - 予以公开: each line of the text is an item released, a line with a
//     web address one already published (Art. 36 ①), the others provided
//     (②). The basis is not printed: the letter cites the 条例's articles.
//   - 部分公开: the text is the 说明理由, printed whole; its lines that say
//     what is withheld (不予公开, 不公开) are the parts withheld, with the
//     stored reason and basis; the other lines are what is provided.
//   - 不予公开: the text is the 说明理由; the basis, unless it only names
//     the 条例 (which the letter cites anyway), is the specific law.
//   - 无法提供, 不予处理, 其他处理: the text is the 说明理由. For 本机关不掌握
//     a text naming the agency responsible (负责公开, 联系) makes it the
//     Art. 36 ⑤ reply, pointing to the text; otherwise ④ (does not
//     exist). 信访举报 and 出版物 take the text as where to turn. 逾期不补正
//     and 补正后仍不明确 refer to the 补正告知书 from the register.
//
// What the register cannot give (the earlier reply of a 重复申请, the 收费通知
// of 逾期未缴费) is a *letterGap: the office makes that letter by hand.
func (b *Flow) replyOf(src letterSource) (letters.Reply, error) {
	a := src.App
	o := workflow.Outcome(a.Outcome)
	reason := workflow.Reason(a.Reason)
	text := strings.TrimSpace(a.ReplyText)
	r := letters.Reply{Outcome: o, Reason: reason, Explanation: text}
	supplement := func() (letters.Ref, error) {
		if !a.SupplementAskedD.Valid {
			return letters.Ref{}, &letterGap{Why: "登记簿没有补正告知的记录"}
		}
		asked := storage.Day(a.SupplementAskedD.Time, b.Location)
		due, err := b.deadlines(a, b.eventsAsOf(src, asked, false))
		if err != nil {
			return letters.Ref{}, err
		}
		return letters.Ref{Date: asked, Due: due.SupplementDue}, nil
	}
	if text == "" && o != workflow.OutcomeDisclose && reason != workflow.ReasonNoSupplement {
		return letters.Reply{}, &letterGap{Why: "登记簿没有答复内容"}
	}
	switch o {
	case workflow.OutcomeDisclose:
		r.Explanation = ""
		for _, line := range lines(text) {
			if webAddress.MatchString(line) {
				r.Published = append(r.Published, line)
			} else {
				r.Provided = append(r.Provided, line)
			}
		}
		if len(r.Provided)+len(r.Published) == 0 {
			return letters.Reply{}, &letterGap{Why: "登记簿没有答复内容"}
		}
	case workflow.OutcomePartial:
		r.Reason = "" // the reason is the withheld parts'
		var withheld []string
		for _, line := range lines(text) {
			if withheldMark.MatchString(line) {
				withheld = append(withheld, line)
			} else {
				r.Provided = append(r.Provided, line)
			}
		}
		if len(withheld) == 0 {
			withheld = []string{"上述说明中不予公开的内容"}
		}
		if len(r.Provided) == 0 {
			r.Provided = []string{"除下列不予公开的内容外，您申请的其他政府信息"}
		}
		for _, w := range withheld {
			r.Withheld = append(r.Withheld, letters.Withheld{Content: w, Reason: reason,
				Explanation: "具体情况如上所述", Basis: beyondRegulation(a.ReplyBasis)})
		}
	case workflow.OutcomeWithhold:
		r.Basis = beyondRegulation(a.ReplyBasis)
		if reason == workflow.ReasonLawForbids && r.Basis == "" {
			return letters.Reply{}, &letterGap{Why: "「其他法律行政法规禁止公开」的答复须写明所依据的法律、行政法规，登记的法律依据没有写明"}
		}
	case workflow.OutcomeUnavailable:
		switch reason {
		case workflow.ReasonNotHeld:
			if strings.Contains(text, "负责公开") || strings.Contains(text, "联系") {
				r.OtherAgency = "上述说明所列机关"
			}
		case workflow.ReasonStillUnclear:
			if ref, err := supplement(); err == nil {
				r.Earlier = letters.Ref{Date: ref.Date}
			}
		}
	case workflow.OutcomeNotHandled:
		switch reason {
		case workflow.ReasonPetition:
			r.Redirect, r.Explanation = text, "经审查，您提交的申请系反映问题、提出诉求"
		case workflow.ReasonPublication:
			r.Redirect, r.Explanation = text, "经审查，您申请获取的信息已由公开出版物刊载"
		case workflow.ReasonRepeat:
			return letters.Reply{}, &letterGap{Why: "「重复申请」的答复须写明此前答复的日期，登记簿没有记载，请另行制作答复书"}
		}
	case workflow.OutcomeOther:
		switch reason {
		case workflow.ReasonNoSupplement:
			ref, err := supplement()
			if err != nil {
				return letters.Reply{}, err
			}
			r.Earlier = ref
			if r.Explanation == "" {
				r.Explanation = "截至补正期限届满，本机关未收到您补正后的申请"
			}
		case workflow.ReasonNoFee:
			return letters.Reply{}, &letterGap{Why: "「逾期未缴费」的答复须写明收费通知的日期和缴费期限，登记簿没有记载，请另行制作答复书"}
		case workflow.ReasonOther:
			r.Basis = strings.TrimSpace(a.ReplyBasis)
			if r.Basis == "" {
				return letters.Reply{}, &letterGap{Why: "「其他处理—其他」的答复须写明依据，登记的法律依据为空"}
			}
		}
	}
	return r, nil
}

// letterLabel is how messages and the page name a letter.
func letterLabel(ref LetterRef, src letterSource) string {
	switch ref.Kind {
	case letters.KindReceipt:
		return "接收回执"
	case letters.KindSupplement:
		return "补正告知书"
	case letters.KindExtension:
		return "延期答复告知书"
	case letters.KindConsultParty, letters.KindConsultAgency:
		if c, ok := src.consultation(ref.Kind, ref.N); ok {
			return "征求意见书（" + c.Party + "）"
		}
		return "征求意见书"
	case letters.KindReply:
		return "答复书"
	}
	return string(ref.Kind)
}
