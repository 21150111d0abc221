package applications

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lib/pq"
	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// The reply goes through the review of the 审批单 (workflow.Start, Next,
// Verdicts: 股室负责人 → 办公室 → 主要负责人 for 不予公开, 部分公开 and what
// the office escalates), then to the office for 送达.
const (
	cardReview  = "review"  // the reviewer of the stage: 同意 / 同意并报主要负责人 / 驳回
	cardDeliver = "deliver" // the office: how the reply was delivered
	cardSecrecy = "secrecy" // the office reviewer's 保密审查, after 同意 (chat.SecrecyCard)

	kindReject  = "application_reject"  // 驳回: the reason
	kindDeliver = "application_deliver" // 送达: the day, the tracking number
)

// The reply's text, in characters: at least a sentence, at most a
// letter's body.
const (
	minReplyText = 5
	maxReplyText = 3000
)

// halfWidth reads full-width digits (４) as the digits they are.
var halfWidth = strings.NewReplacer("０", "0", "１", "1", "２", "2", "３", "3", "４", "4", "５", "5", "６", "6", "７", "7", "８", "8", "９", "9", "．", ".")

// basisExample is the article a 不予公开 reason usually rests on, for the
// question's example: Art. 14 (state secrets, laws, 三安全一稳定), Art. 15
// (third parties' commercial secrets and privacy), Art. 16 (internal and
// process information, case files); 行政查询事项 is Art. 36 (七).
func basisExample(r workflow.Reason) string {
	const law = "《中华人民共和国政府信息公开条例》"
	switch r {
	case workflow.ReasonThirdParty:
		return law + "第十五条"
	case workflow.ReasonInternal, workflow.ReasonProcess, workflow.ReasonCaseFile:
		return law + "第十六条"
	case workflow.ReasonQuery:
		return law + "第三十六条第（七）项"
	}
	return law + "第十四条"
}

// org is the review's routing for a: the section's head, the office, the
// leaders; the office delivers.
func (b *Flow) org(a *storage.Application) workflow.Org {
	o := workflow.Org{}
	if head, ok := b.Roster.HeadOf(a.Section); ok {
		o.SectionHead = head.UserID
	}
	for _, p := range b.Roster.WithRole(config.RoleOffice) {
		o.Office = append(o.Office, p.UserID)
		o.Publishers = append(o.Publishers, p.UserID)
	}
	for _, p := range b.Roster.WithRole(config.RoleLeader) {
		o.Leaders = append(o.Leaders, p.UserID)
	}
	return o
}

// major reports whether the reply goes to the 主要负责人.
func major(a *storage.Application) bool {
	return workflow.Outcome(a.Outcome).NeedsLeader() || a.Escalated
}

// startReply opens 拟写答复.
func (b *Flow) startReply(ctx context.Context, t *chat.Turn, a *storage.Application) error {
	cs, err := storage.Consultations(ctx, t.Tx, a.ID)
	if err != nil {
		return err
	}
	c := &convo{Kind: kindReply, AppID: a.ID, AppState: a.State, Mark: askMark(kindReply, a, cs)}
	spec := b.ask(c)
	if err := b.Text(ctx, t, t.Person.UserID, spec.Help); err != nil {
		return err
	}
	if a.ReplyRound > 0 { // after a 驳回: the last draft, to change what the review asked
		c.Vals = map[string]string{"outcome": a.Outcome, "reason": a.Reason, "text": a.ReplyText, "basis": a.ReplyBasis}
		if a.Reason == "" {
			c.Vals["reason"] = "-"
		}
	}
	return b.StartWizard(ctx, t, spec, &c.Wizard)
}

// reasonChoices are the reasons a reply of outcome may give: a 部分公开
// gives the reasons of what it withholds.
func reasonChoices(o workflow.Outcome) []workflow.Reason {
	if o == workflow.OutcomePartial {
		return workflow.Reasons(workflow.OutcomeWithhold)
	}
	return workflow.Reasons(o)
}

// needsBasis reports whether a reply of outcome must state its legal
// basis: whatever it withholds (Art. 36 (三): 告知申请人并说明理由).
func needsBasis(o workflow.Outcome) bool {
	return o == workflow.OutcomeWithhold || o == workflow.OutcomePartial
}

func (b *Flow) replySpec(c *convo, spec *chat.WizardSpec) *chat.WizardSpec {
	spec.Help = "拟写答复（《政府信息公开条例》第三十六条）：选择答复类型和具体情形，填写答复内容和依据。提交后依次经股室负责人、办公室（保密审查）审核，不予公开、部分公开的报主要负责人。发送「取消」放弃。"
	outcome := func() workflow.Outcome { return workflow.Outcome(c.Vals["outcome"]) }
	// Not 第2/4步: whether a reason is asked depends on the type chosen.
	spec.ShowTotal = false
	spec.Fields = []chat.Field{
		{Key: "outcome", Label: "答复类型", Ask: asking("请选择答复类型。"), Buttons: func() []bot.CardButton {
			var out []bot.CardButton
			for i, o := range workflow.Outcomes() {
				out = append(out, bot.CardButton{Text: o.Label(), Key: "r_" + strconv.Itoa(i), Style: 2})
			}
			return out
		}, Check: func(_ *chat.Turn, w *chat.Wizard, s string) (string, error) {
			for _, o := range workflow.Outcomes() {
				if s == o.Label() || s == string(o) {
					// A reason kept from another type (a draft 驳回ed and
					// changed) would count in table 三 under the wrong row.
					if r := workflow.Reason(w.Vals["reason"]); !slices.Contains(reasonChoices(o), r) {
						delete(w.Vals, "reason")
					}
					return string(o), nil
				}
			}
			return "", chat.Wrong("答复类型应为 予以公开、部分公开、不予公开、无法提供、不予处理 或 其他处理。")
		}, Show: func(v string) string { return workflow.Outcome(v).Label() }},
		{Key: "reason", Label: "具体情形", Ask: func(_ *chat.Turn, _ *chat.Wizard) string {
			var sb strings.Builder
			sb.WriteString("请回复具体情形的序号：")
			for i, r := range reasonChoices(outcome()) {
				fmt.Fprintf(&sb, "\n%d. %s", i+1, r.Label())
			}
			return sb.String()
		}, Auto: func() (string, bool) {
			if len(reasonChoices(outcome())) == 0 {
				return "-", true
			}
			return "", false
		}, Check: func(_ *chat.Turn, _ *chat.Wizard, s string) (string, error) {
			rs := reasonChoices(outcome())
			if n, err := strconv.Atoi(halfWidth.Replace(strings.TrimSuffix(strings.TrimSpace(s), "."))); err == nil && n >= 1 && n <= len(rs) {
				return string(rs[n-1]), nil
			}
			for _, r := range rs {
				if s == r.Label() {
					return string(r), nil
				}
			}
			return "", chat.Wrong(fmt.Sprintf("请回复1至%d之间的序号。", len(rs)))
		}, Show: func(v string) string { return workflow.Reason(v).Label() }},
		{Key: "text", Label: "答复内容", Ask: func(_ *chat.Turn, _ *chat.Wizard) string {
			switch outcome() {
			case workflow.OutcomeDisclose:
				return "请输入答复内容：提供的信息，或已主动公开的获取途径（网址、公开栏目等）。"
			case workflow.OutcomePartial:
				return "请输入答复内容：公开的部分、不予公开的部分及理由。"
			}
			return "请输入答复内容：向申请人说明的理由和情况（如不属本机关掌握的，写明负责公开的机关及联系方式）。"
		}, Check: func(_ *chat.Turn, _ *chat.Wizard, s string) (string, error) {
			s, err := workflow.CheckChars("答复内容", s)
			if err != nil {
				return "", chat.Wrong(err.Error())
			}
			if b.IsCommand(s) {
				return "", chat.Wrong(msgCommandAsAnswer("答复内容"))
			}
			if n := utf8.RuneCountInString(s); n < minReplyText || n > maxReplyText {
				return "", chat.Wrong(fmt.Sprintf("答复内容应为%d至%d字：写明提供的信息、获取途径或不能提供的理由。", minReplyText, maxReplyText))
			}
			return s, nil
		}},
		{Key: "basis", Label: "法律依据", Ask: func(_ *chat.Turn, w *chat.Wizard) string {
			if needsBasis(outcome()) {
				return "请输入不予公开部分的法律依据，如：" + basisExample(workflow.Reason(w.Vals["reason"])) + "。"
			}
			return "请输入答复的法律依据（没有可回复「跳过」）。"
		}, Optional: true, Check: func(_ *chat.Turn, _ *chat.Wizard, s string) (string, error) {
			s, err := workflow.CheckChars("法律依据", s)
			if err != nil {
				return "", chat.Wrong(err.Error())
			}
			// It is also the basis the office's 保密审查 records.
			if utf8.RuneCountInString(s) > workflow.MaxSecrecyText {
				return "", chat.Wrong(fmt.Sprintf("法律依据不能超过%d字。", workflow.MaxSecrecyText))
			}
			return s, nil
		}},
	}
	return spec
}

// replySummary shows the draft and who reviews it, or sends the drafter
// back to what is missing.
func (b *Flow) replySummary(ctx context.Context, t *chat.Turn, c *convo, a *storage.Application) (bot.TemplateCard, error) {
	v := c.Vals
	o := workflow.Outcome(v["outcome"])
	r := workflow.Reason(v["reason"])
	switch {
	case len(reasonChoices(o)) > 0 && !slices.Contains(reasonChoices(o), r):
		return bot.TemplateCard{}, chat.Fix{Field: "reason", Msg: "请选择" + o.Label() + "的具体情形。"}
	case r == workflow.ReasonStillUnclear && !a.SupplementReceivedD.Valid:
		return bot.TemplateCard{}, chat.Fix{Field: "reason", Msg: "本申请未经补正，不能选择「补正后申请内容仍不明确」。"}
	case r == workflow.ReasonNoSupplement:
		return bot.TemplateCard{}, chat.Fix{Field: "reason", Msg: "逾期不补正的，请在待补正卡片上点击「逾期未补正」办结，不必拟写答复。"}
	case needsBasis(o) && strings.TrimSpace(v["basis"]) == "":
		return bot.TemplateCard{}, chat.Fix{Field: "basis", Msg: o.Label() + "的答复须写明法律依据。"}
	}
	probe := *a
	probe.Outcome = string(o)
	reviews := b.reviewChain(&probe)
	card := bot.TemplateCard{
		Source:       &bot.CardSource{Desc: "依申请公开 · 请核对答复"},
		MainTitle:    &bot.CardTitle{Title: "答复 " + a.Number(), Desc: o.Label()},
		SubTitleText: chat.Clip(v["text"], 120),
		HorizontalContentList: []bot.CardField{
			{KeyName: "答复类型", Value: o.Label()},
			{KeyName: "法律依据", Value: chat.Clip(chat.OrDash(v["basis"]), 40)},
			{KeyName: "审核", Value: reviews},
		},
	}
	if r.Outcome() != "" {
		card.HorizontalContentList = append([]bot.CardField{{KeyName: "具体情形", Value: chat.Clip(r.Label(), 40)}}, card.HorizontalContentList...)
	}
	if warn, err := b.replyWarning(ctx, t.Tx, a, r); err != nil {
		return bot.TemplateCard{}, err
	} else if warn != "" {
		card.QuoteArea = &bot.CardQuote{Title: "请注意", QuoteText: warn}
	}
	return card, nil
}

// submitReply sends the draft to review.
func (b *Flow) submitReply(ctx context.Context, t *chat.Turn, c *convo, a *storage.Application) error {
	to := t.Person.UserID
	v := c.Vals
	reason := v["reason"]
	if reason == "-" {
		reason = ""
	}
	o := workflow.Outcome(v["outcome"])
	probe := *a
	probe.Outcome = string(o)
	probe.Escalated = false
	step, err := workflow.Start(a.Handler, major(&probe), b.org(a))
	if errors.Is(err, workflow.ErrNoApprover) {
		return b.Text(ctx, t, to, "人员名单中缺少审核人（股室负责人、办公室或主要负责人），答复无法报审。请联系综合办公室。")
	}
	if err != nil {
		return err
	}
	round := a.ReplyRound + 1
	ok, err := b.change(ctx, t, a, workflow.AppSubmitReply, map[string]any{
		"outcome": string(o), "reason": reason, "reply_text": v["text"], "reply_basis": v["basis"], "reply_round": round,
		"stage": string(step.Stage), "assignees": pq.StringArray(step.Assignees), "escalated": false,
	}, map[string]any{"outcome": string(o), "reason": reason, "round": round})
	if !ok || err != nil {
		return err
	}
	if err := b.closeCards(ctx, t, a, cardHandle, "答复已报审", "答复已报审"); err != nil {
		return err
	}
	if err := b.recordAuto(ctx, t, a, step.Auto); err != nil {
		return err
	}
	if err := b.Text(ctx, t, to, fmt.Sprintf("%s 的答复（%s）已报%s。", a.Number(), o.Label(), step.Stage.Label())); err != nil {
		return err
	}
	return b.sendStage(ctx, t, a, step)
}

// recordAuto records the stages skipped as 本人提交.
func (b *Flow) recordAuto(ctx context.Context, t *chat.Turn, a *storage.Application, auto []workflow.AutoDecision) error {
	for _, d := range auto {
		if err := storage.InsertApplicationDecision(ctx, t.Tx, storage.ApplicationDecision{ApplicationID: a.ID, Round: a.ReplyRound,
			Stage: string(d.Stage), Approver: d.Approver, Verdict: string(workflow.VerdictSelf), DecidedAt: t.Now}); err != nil {
			return err
		}
		if err := storage.Audit(ctx, t.Tx, d.Approver, string(workflow.VerdictSelf), storage.EntityApplication, a.Number(), map[string]any{"stage": string(d.Stage)}); err != nil {
			return err
		}
	}
	return nil
}

// sendStage gives the stage's assignees their cards: a review, or the
// office's 送达.
func (b *Flow) sendStage(ctx context.Context, t *chat.Turn, a *storage.Application, step workflow.Step) error {
	if step.Stage == workflow.StagePublish {
		btns := []bot.CardButton{{Text: "当面送达", Key: "d_0", Style: 2}, {Text: "邮寄送达", Key: "d_1", Style: 2}, {Text: "电子送达", Key: "d_2", Style: 2}}
		return b.card(ctx, t, a, cardDeliver, "待送达", btns, b.replyQuote(a), step.Assignees...)
	}
	quote := b.replyQuote(a)
	if warn, err := b.replyWarning(ctx, t.Tx, a, workflow.Reason(a.Reason)); err != nil {
		return err
	} else if warn != "" {
		quote = "【请注意】" + warn + "\n" + quote // the reviewers must see it too
	}
	var btns []bot.CardButton
	for _, v := range workflow.Verdicts(step.Stage, major(a)) {
		style := 1
		if v == workflow.VerdictReject {
			style = 3
		} else if v == workflow.VerdictEscalate {
			style = 2
		}
		btns = append(btns, bot.CardButton{Text: v.Label(), Key: string(v), Style: style})
	}
	return b.card(ctx, t, a, cardReview, step.Stage.Label(), btns, quote, step.Assignees...)
}

// reviewChain is who will review a's reply, as the routing will send it
// when each stage agrees: a head's own draft skips the section stage
// (本人), 不予公开 and 部分公开 go on to the 主要负责人.
func (b *Flow) reviewChain(a *storage.Application) string {
	step, err := workflow.Start(a.Handler, major(a), b.org(a))
	var stages []string
	for err == nil && step.Stage != workflow.StagePublish && len(stages) < 8 {
		for _, d := range step.Auto {
			stages = append(stages, d.Stage.Label()+"（本人）")
		}
		stages = append(stages, step.Stage.Label())
		step, err = workflow.Next(step.Stage, workflow.VerdictApprove, a.Handler, major(a), b.org(a))
	}
	if err == nil {
		for _, d := range step.Auto {
			stages = append(stages, d.Stage.Label()+"（本人）")
		}
	}
	return strings.Join(stages, " → ")
}

// replyWarning says what the record lacks for the reason given: a
// third party's interests withheld without asking them (Art. 32 requires
// the 征求意见 where disclosure may harm them). Said, not refused: the
// office may be sure without asking.
func (b *Flow) replyWarning(ctx context.Context, q storage.Queryer, a *storage.Application, r workflow.Reason) (string, error) {
	if r != workflow.ReasonThirdParty {
		return "", nil
	}
	cs, err := storage.Consultations(ctx, q, a.ID)
	if err != nil {
		return "", err
	}
	for _, c := range cs {
		if c.Kind == "third_party" {
			return "", nil
		}
	}
	return "以「保护第三方合法权益」不予公开，本申请未登记征求第三方意见（《政府信息公开条例》第三十二条）。", nil
}

// replyQuote is the draft as a reviewer reads it on the card.
func (b *Flow) replyQuote(a *storage.Application) string {
	o := workflow.Outcome(a.Outcome)
	s := "拟" + o.Label()
	if r := workflow.Reason(a.Reason); r.Outcome() != "" {
		s += "（" + r.Label() + "）"
	}
	s += "：" + a.ReplyText
	if a.ReplyBasis != "" {
		s += "\n依据：" + a.ReplyBasis
	}
	return s
}

// decide records a reviewer's 同意 or 同意并报主要负责人 and moves the
// reply on.
func (b *Flow) decide(ctx context.Context, t *chat.Turn, a *storage.Application, v workflow.Verdict) error {
	to := t.Person.UserID
	stage := workflow.Stage(a.Stage)
	if !slices.Contains(a.Assignees, to) {
		return b.Text(ctx, t, to, "您不是"+a.Number()+"此环节的审核人，无法操作。")
	}
	escalated := a.Escalated || v == workflow.VerdictEscalate
	probe := *a
	probe.Escalated = escalated
	step, err := workflow.Next(stage, v, a.Handler, major(&probe), b.org(a))
	if errors.Is(err, workflow.ErrVerdictNotHere) {
		return b.Text(ctx, t, to, chat.MsgCardUnknown)
	}
	if errors.Is(err, workflow.ErrNoApprover) {
		return b.Text(ctx, t, to, "人员名单中缺少下一环节的审核人，请联系综合办公室。")
	}
	if err != nil {
		return err
	}
	if err := storage.InsertApplicationDecision(ctx, t.Tx, storage.ApplicationDecision{ApplicationID: a.ID, Round: a.ReplyRound,
		Stage: string(stage), Approver: to, Verdict: string(v), DecidedAt: t.Now}); errors.Is(err, storage.ErrConflict) {
		return b.Text(ctx, t, to, a.Number()+" 的"+stage.Label()+"已由他人处理，此操作未生效。")
	} else if err != nil {
		return err
	}
	next := workflow.ApplicationReview
	if step.Stage == workflow.StagePublish {
		next = workflow.ApplicationApproved
	}
	err = storage.ChangeApplication(ctx, t.Tx, storage.ApplicationChange{ID: a.ID, FromState: a.State, At: t.Now, State: string(next),
		Set: map[string]any{"stage": string(step.Stage), "assignees": pq.StringArray(step.Assignees), "escalated": escalated}})
	if errors.Is(err, storage.ErrStale) {
		return b.Text(ctx, t, to, a.Number()+" 已由他人处理，此操作未生效。")
	}
	if err != nil {
		return err
	}
	if err := storage.Audit(ctx, t.Tx, to, string(v), storage.EntityApplication, a.Number(), map[string]any{"stage": string(stage)}); err != nil {
		return err
	}
	if a, err = storage.LockApplication(ctx, t.Tx, a.ID); err != nil {
		return err
	}
	if err := b.recordAuto(ctx, t, a, step.Auto); err != nil {
		return err
	}
	label := v.Label()
	if err := b.closeCards(ctx, t, a, cardReview, "已"+label, b.Name(to)+"已"+label); err != nil {
		return err
	}
	what := "报" + step.Stage.Label()
	if step.Stage == workflow.StagePublish {
		what = "审定，待综合办公室送达"
	}
	link := ""
	if step.Stage == workflow.StagePublish {
		link = b.replyLine(a, t.Now)
	}
	if err := b.Text(ctx, t, to, fmt.Sprintf("已%s。%s 的答复%s。", label, a.Number(), what)+link); err != nil {
		return err
	}
	if a.Handler != to {
		if err := b.Text(ctx, t, a.Handler, fmt.Sprintf("%s（%s）%s %s 的答复，已%s。", b.Name(to), stage.Label(), label, a.Number(), what)+link); err != nil {
			return err
		}
	}
	return b.sendStage(ctx, t, a, step)
}

// reject records a 驳回 with its reason: the draft goes back to the
// handler.
func (b *Flow) reject(ctx context.Context, t *chat.Turn, a *storage.Application, reason string) error {
	to := t.Person.UserID
	stage := workflow.Stage(a.Stage)
	if !slices.Contains(a.Assignees, to) || a.State != string(workflow.ApplicationReview) {
		return b.Text(ctx, t, to, a.Number()+" 已由他人处理，驳回未生效。")
	}
	if err := storage.InsertApplicationDecision(ctx, t.Tx, storage.ApplicationDecision{ApplicationID: a.ID, Round: a.ReplyRound,
		Stage: string(stage), Approver: to, Verdict: string(workflow.VerdictReject), Reason: reason, DecidedAt: t.Now}); errors.Is(err, storage.ErrConflict) {
		return b.Text(ctx, t, to, a.Number()+" 的"+stage.Label()+"已由他人处理，驳回未生效。")
	} else if err != nil {
		return err
	}
	err := storage.ChangeApplication(ctx, t.Tx, storage.ApplicationChange{ID: a.ID, FromState: a.State, At: t.Now,
		State: string(workflow.ApplicationAccepted), Set: map[string]any{"stage": "", "assignees": pq.StringArray{}}})
	if errors.Is(err, storage.ErrStale) {
		return b.Text(ctx, t, to, a.Number()+" 已由他人处理，驳回未生效。")
	}
	if err != nil {
		return err
	}
	if err := storage.Audit(ctx, t.Tx, to, string(workflow.VerdictReject), storage.EntityApplication, a.Number(), map[string]any{"stage": string(stage), "reason": reason}); err != nil {
		return err
	}
	if a, err = storage.LockApplication(ctx, t.Tx, a.ID); err != nil {
		return err
	}
	if err := b.closeCards(ctx, t, a, cardReview, "已驳回", b.Name(to)+"已驳回"); err != nil {
		return err
	}
	if err := b.Text(ctx, t, to, "已驳回，"+a.Number()+" 的答复退回"+b.Name(a.Handler)+"修改。"); err != nil {
		return err
	}
	return b.sendHandle(ctx, t, a, b.Name(to)+"（"+stage.Label()+"）驳回："+reason)
}

// trackingNo is a postal or courier tracking number.
var trackingNo = regexp.MustCompile(`^[0-9A-Z]{6,40}$`)

// deliverSpec is the 送达 conversation: the day, and for a post its
// tracking number.
func (b *Flow) deliverSpec(c *convo, spec *chat.WizardSpec) *chat.WizardSpec {
	spec.Help = "登记送达：答复送达申请人后，本申请办结。发送「取消」放弃。"
	spec.Fields = []chat.Field{
		{Key: "on", Label: "送达日期", Ask: func(t *chat.Turn, _ *chat.Wizard) string {
			return "请输入送达日期（回复「今天」「昨天」，或如 " + storage.Day(t.Now.In(b.Location), b.Location).AddDate(0, 0, -1).Format(time.DateOnly) + "）。"
		}, Show: b.showDay,
			Check: func(t *chat.Turn, _ *chat.Wizard, s string) (string, error) {
				d, err := workflow.ParseDate(s, t.Now, b.Location, workflow.DatePast)
				switch {
				case errors.Is(err, workflow.ErrDateFuture):
					return "", chat.Wrong("送达日期" + workflow.FormatDate(d, b.Location) + "还没有到，请输入今天或以前的日期。")
				case err != nil:
					return "", chat.Wrong(workflow.DateRefusal(err, "没有识别出日期，请回复「今天」，或输入如 2026-12-20、12月20日。"))
				case c.Since != "" && d.Format(time.DateOnly) < c.Since:
					m, _ := time.ParseInLocation(time.DateOnly, c.Since, b.Location)
					return "", chat.Wrong("送达日期" + workflow.FormatDate(d, b.Location) + "早于答复审定之日（" + workflow.FormatDate(m, b.Location) + "），请核对。")
				}
				return d.Format(time.DateOnly), nil
			},
			Echo: func(_ *chat.Turn, _, v string) string { return "送达日期：" + b.showDay(v) + "。" }},
		{Key: "tracking", Label: "邮件单号", Ask: asking("请输入邮寄的快递或挂号信单号。"),
			Auto: func() (string, bool) {
				if c.Vals["how"] != string(workflow.DeliveryPost) {
					return "-", true
				}
				return "", false
			}, Check: func(_ *chat.Turn, _ *chat.Wizard, s string) (string, error) {
				s = strings.ToUpper(strings.Join(strings.Fields(halfWidth.Replace(s)), ""))
				if !trackingNo.MatchString(s) {
					return "", chat.Wrong("邮件单号应为6至40位字母或数字，请核对。")
				}
				return s, nil
			}},
	}
	return spec
}

// deliver records the 送达, which closes the application.
func (b *Flow) deliver(ctx context.Context, t *chat.Turn, a *storage.Application, c *convo) error {
	to := t.Person.UserID
	v := c.Vals
	on, err := time.ParseInLocation(time.DateOnly, v["on"], b.Location)
	if err != nil {
		return err
	}
	tracking := v["tracking"]
	if tracking == "-" {
		tracking = ""
	}
	ok, err := b.change(ctx, t, a, workflow.AppDeliver, map[string]any{"delivered_on": on, "delivery": v["how"], "tracking_no": tracking},
		map[string]any{"how": v["how"], "on": v["on"], "tracking": tracking})
	if !ok || err != nil {
		return err
	}
	if err := b.closeCards(ctx, t, a, cardDeliver, "已送达", b.Name(to)+"已登记送达"); err != nil {
		return err
	}
	on = storage.Day(on, b.Location)
	due := storage.Day(a.DueD, b.Location)
	timely := "按期"
	if on.After(due) {
		timely = "超期"
	}
	msg := fmt.Sprintf("%s 已于%s%s送达申请人，办结（%s答复，答复期限%s）。", a.Number(), b.showDay(v["on"]), v["how"], timely, b.day(a.DueD))
	if err := b.Text(ctx, t, to, msg); err != nil {
		return err
	}
	for _, p := range b.involved(a) {
		if p != to {
			if err := b.Text(ctx, t, p, msg); err != nil {
				return err
			}
		}
	}
	return nil
}

// secrecyConclusion is what the office's review of a concludes: what the
// reply releases was checked and nothing is withheld, or what it
// withholds is withheld on its basis.
func secrecyConclusion(a *storage.Application) workflow.SecrecyReview {
	switch workflow.Outcome(a.Outcome) {
	case workflow.OutcomeWithhold:
		return workflow.SecrecyReview{Conclusion: workflow.SecrecyWithheld, Basis: a.ReplyBasis}
	case workflow.OutcomePartial:
		return workflow.SecrecyReview{Conclusion: workflow.SecrecyPartial, Basis: a.ReplyBasis}
	}
	return workflow.SecrecyReview{Conclusion: workflow.SecrecyClear}
}

// askSecrecy gives the office reviewer who chose v the 保密审查 card: the
// three checks, each to tick, and one submit that carries v.
func (b *Flow) askSecrecy(ctx context.Context, t *chat.Turn, a *storage.Application, v workflow.Verdict, ticked workflow.SecrecyReview) error {
	to := t.Person.UserID
	cs, err := storage.Consultations(ctx, t.Tx, a.ID)
	if err != nil {
		return err
	}
	sc := chat.SecrecyCard{
		TaskID: fmt.Sprintf("a%dse-%s", a.ID, chat.Nonce()), Source: "依申请公开 · 保密审查",
		Title: "保密审查 " + a.Number(), Desc: "拟" + workflow.Outcome(a.Outcome).Label() + "，请逐项确认后提交",
		SubmitText: "确认并" + strings.TrimPrefix(v.Label(), "同意并"), SubmitKey: "secrecy_" + string(v), Ticked: ticked,
	}
	if secrecyConclusion(a).Conclusion != workflow.SecrecyClear {
		sc.Options = map[workflow.SecrecyCheck]string{}
		for _, c := range workflow.SecrecyChecks() {
			sc.Options[c] = "已审查" + c.Label() // what is withheld stays withheld on its basis
		}
	}
	card := sc.Card()
	if err := storage.InsertApplicationCard(ctx, t.Tx, storage.ApplicationCard{TaskID: card.TaskID, ApplicationID: a.ID, Kind: cardSecrecy,
		State: cardMark(cardReview, a, openConsultations(cs)), Holders: pq.StringArray{to}}); err != nil {
		return err
	}
	return b.Card(ctx, t, card, to)
}

// onSecrecy records the office reviewer's 保密审查 and, once it is whole,
// their decision, in the one transaction.
func (b *Flow) onSecrecy(ctx context.Context, t *chat.Turn, a *storage.Application, v workflow.Verdict) error {
	to := t.Person.UserID
	if v != workflow.VerdictApprove && v != workflow.VerdictEscalate || workflow.Stage(a.Stage) != workflow.StageOffice {
		return b.Text(ctx, t, to, chat.MsgCardUnknown)
	}
	if !slices.Contains(a.Assignees, to) {
		return b.Text(ctx, t, to, "您不是"+a.Number()+"此环节的审核人，无法操作。")
	}
	r := secrecyConclusion(a)
	ticked := chat.SecrecyTicked(t.Msg)
	r.StateSecret, r.CommercialSecret, r.Privacy = ticked.StateSecret, ticked.CommercialSecret, ticked.Privacy
	var incomplete *workflow.SecrecyIncompleteError
	if err := r.Validate(); errors.As(err, &incomplete) {
		if err := b.ReplaceButton(ctx, t, to, "尚未完成"); err != nil {
			return err
		}
		hint := "如发现不宜公开的内容，请在审核卡片上点击「驳回」并说明理由。"
		if secrecyConclusion(a).Conclusion != workflow.SecrecyClear {
			hint = "如不予公开的理由或依据有误，请在审核卡片上点击「驳回」并说明。"
		}
		if err := b.Text(ctx, t, to, incomplete.Error()+"请在新发送的卡片上补全勾选后提交；"+hint); err != nil {
			return err
		}
		return b.askSecrecy(ctx, t, a, v, ticked)
	} else if err != nil {
		return b.Text(ctx, t, to, err.Error())
	}
	return b.decideWithSecrecy(ctx, t, a, v, r)
}

// decideWithSecrecy records the office reviewer's whole 保密审查 r and
// their decision v, in the one transaction: the 保密审查 card's submit
// and the page's.
func (b *Flow) decideWithSecrecy(ctx context.Context, t *chat.Turn, a *storage.Application, v workflow.Verdict, r workflow.SecrecyReview) error {
	to := t.Person.UserID
	detail, err := chat.RecordSecrecyReview(ctx, t, chat.SecrecyRecord{Entity: storage.EntityApplication, EntityID: a.Number(),
		Round: a.ReplyRound, Stage: string(workflow.StageOffice), Reviewer: to, At: t.Now}, r)
	if errors.Is(err, storage.ErrConflict) {
		return b.Text(ctx, t, to, a.Number()+" 的办公室审核已由他人处理，此操作未生效。")
	}
	if err != nil {
		return err
	}
	if err := storage.Audit(ctx, t.Tx, to, chat.ActionSecrecyReview, storage.EntityApplication, a.Number(), detail); err != nil {
		return err
	}
	if err := b.closeCards(ctx, t, a, cardSecrecy, "已确认", b.Name(to)+"已完成审核"); err != nil {
		return err
	}
	return b.decide(ctx, t, a, v)
}
