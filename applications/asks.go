package applications

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zwgk-bot/zwgk/applications/letters"
	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// The short conversations of handling: each asks its few questions, shows
// what will be recorded on a card with 提交 / 修改 / 取消, and acts only
// then, guarded by the application's state when it was asked.
const (
	kindReturn       = "application_return"       // 退回: the reason
	kindSupplement   = "application_supplement"   // 补正告知: the items, the 补正期限
	kindSupplemented = "application_supplemented" // 已收到补正: the day
	kindConsult      = "application_consult"      // 征求意见: whom, the day sent
	kindConsulted    = "application_consulted"    // 收到意见: which, the day, the gist
	kindExtend       = "application_extend"       // 申请延期: how long, why
	kindDenyExtend   = "application_deny_extend"  // 不同意延期: why
	kindReply        = "application_reply"        // 拟写答复
)

// Kinds are the conversation kinds of this flow (the router sends their
// cards' clicks and texts here).
var Kinds = []string{KindRegister, kindReturn, kindSupplement, kindSupplemented, kindConsult, kindConsulted, kindExtend, kindReply,
	kindReject, kindDeliver, kindDenyExtend, kindRemedy, kindRemedyResult}

// maxReason bounds a reason typed in chat, in characters.
const maxReason = 500

// startAsk opens one of the handling conversations about a.
func (b *Flow) startAsk(ctx context.Context, t *chat.Turn, a *storage.Application, kind string) error {
	if kind == kindSupplement {
		late, by, err := b.supplementTooLate(ctx, t, a)
		if err != nil {
			return err
		}
		if late {
			return b.Text(ctx, t, t.Person.UserID, "补正告知应在收到申请之日起7个工作日内发出（"+b.day(by)+"前，《政府信息公开条例》第三十条），现已超过，不能再要求补正；请按现有申请内容办理答复。")
		}
	}
	return b.startAskWith(ctx, t, a, kind, nil)
}

// startAskWith is startAsk with answers given already (the 送达 way, from
// the button clicked).
func (b *Flow) startAskWith(ctx context.Context, t *chat.Turn, a *storage.Application, kind string, vals map[string]string) error {
	c, err := b.newAsk(ctx, t, a, kind, vals)
	if err != nil {
		return err
	}
	spec := b.ask(c)
	if spec == nil {
		return fmt.Errorf("application: no conversation %q", kind)
	}
	if err := b.Text(ctx, t, t.Person.UserID, spec.Help); err != nil {
		return err
	}
	return b.StartWizard(ctx, t, spec, &c.Wizard)
}

// newAsk is the handling conversation of kind about a as it begins: what
// its answers are checked against (the day it follows, the open
// consultations). The application's page fills it in at once (pageAsk).
func (b *Flow) newAsk(ctx context.Context, t *chat.Turn, a *storage.Application, kind string, vals map[string]string) (*convo, error) {
	cs, err := storage.Consultations(ctx, t.Tx, a.ID)
	if err != nil {
		return nil, err
	}
	c := &convo{Kind: kind, AppID: a.ID, AppState: a.State, Mark: askMark(kind, a, cs), Since: a.ReceivedD.Format(time.DateOnly)}
	c.Vals = vals
	switch {
	case kind == kindSupplemented && a.SupplementAskedD.Valid:
		c.Since = a.SupplementAskedD.Time.Format(time.DateOnly)
	case kind == kindConsult && a.SupplementReceivedD.Valid:
		c.Since = a.SupplementReceivedD.Time.Format(time.DateOnly) // the clock starts again there
	}
	if kind == kindDeliver {
		// The reply reaches the applicant after its last approval.
		ds, err := storage.ApplicationDecisions(ctx, t.Tx, a.ID)
		if err != nil {
			return nil, err
		}
		if len(ds) > 0 {
			c.Since = ds[len(ds)-1].DecidedAt.In(b.Location).Format(time.DateOnly)
		}
	}
	if kind == kindConsulted {
		for _, x := range cs {
			if !x.AnsweredD.Valid {
				c.Open = append(c.Open, openConsult{ID: x.ID, Party: x.Party, Sent: x.SentD.Format(time.DateOnly)})
			}
		}
	}
	return c, nil
}

// ask is the conversation of c's kind.
func (b *Flow) ask(c *convo) *chat.WizardSpec {
	spec := &chat.WizardSpec{
		Source: "依申请公开", CardHint: "也可以直接回复文字",
		Save:      func(t *chat.Turn, _ *chat.Wizard) { b.Save(t, c.Kind, c) },
		SubmitKey: "ask_submit", EditKey: "ask_edit", CancelKey: "ask_cancel",
		Cancelled:   "已取消，申请的办理情况未作改动。",
		EditAll:     "请逐项修改：每一步发送「保留」即沿用已填内容。",
		ConfirmHint: "请点击「提交」「修改」或「取消」，也可以直接回复。",
		InProgress:  "请先完成当前的填写，或发送「取消」放弃。",
		Summary: func(ctx context.Context, t *chat.Turn, w *chat.Wizard) (bot.TemplateCard, error) {
			return b.askSummary(ctx, t, c)
		},
		Submit: func(ctx context.Context, t *chat.Turn, w *chat.Wizard) error {
			return b.askSubmit(ctx, t, c)
		},
	}
	// day asks for a date, today or earlier, not before since() (the
	// event it follows), with today and yesterday as the examples.
	day := func(key, label, ask string, since func(w *chat.Wizard) (string, string)) chat.Field {
		return chat.Field{Key: key, Label: label, Show: b.showDay,
			Ask: func(t *chat.Turn, _ *chat.Wizard) string {
				return ask + "（回复「今天」「昨天」，或如 " + storage.Day(t.Now.In(b.Location), b.Location).AddDate(0, 0, -1).Format(time.DateOnly) + "）。"
			},
			Check: func(t *chat.Turn, w *chat.Wizard, s string) (string, error) {
				if s == "默认" {
					s = "今天"
				}
				d, err := workflow.ParseDate(s, t.Now, b.Location, workflow.DatePast)
				switch {
				case errors.Is(err, workflow.ErrDateFuture):
					return "", chat.Wrong(label + workflow.FormatDate(d, b.Location) + "还没有到，请输入今天或以前的日期。")
				case err != nil:
					return "", chat.Wrong(workflow.DateRefusal(err, "没有识别出日期，请回复「今天」，或输入如 2026-12-01、12月1日。"))
				}
				if min, what := since(w); min != "" && d.Format(time.DateOnly) < min {
					m, _ := time.ParseInLocation(time.DateOnly, min, b.Location)
					return "", chat.Wrong(fmt.Sprintf("%s%s早于%s（%s），请核对。", label, workflow.FormatDate(d, b.Location), what, workflow.FormatDate(m, b.Location)))
				}
				return d.Format(time.DateOnly), nil
			},
			Echo: func(_ *chat.Turn, _, v string) string { return label + "：" + b.showDay(v) + "。" }}
	}
	sinceConvo := func(what string) func(*chat.Wizard) (string, string) {
		return func(*chat.Wizard) (string, string) { return c.Since, what }
	}
	text := func(key, label, ask string, optional bool) chat.Field {
		return chat.Field{Key: key, Label: label, Ask: asking(ask), Optional: optional,
			Check: func(_ *chat.Turn, _ *chat.Wizard, s string) (string, error) {
				if b.IsCommand(s) {
					return "", chat.Wrong(msgCommandAsAnswer(label))
				}
				s, err := workflow.CheckChars(label, s)
				if err != nil {
					return "", chat.Wrong(err.Error())
				}
				if n := utf8.RuneCountInString(s); n == 0 || n > maxReason {
					return "", chat.Wrong(fmt.Sprintf("%s应为1至%d字。", label, maxReason))
				}
				return s, nil
			}}
	}
	switch c.Kind {
	case kindReturn:
		spec.Help = "请回复退回的理由，将转告综合办公室。发送「取消」则不退回。"
		spec.Fields = []chat.Field{text("reason", "退回理由", "请输入退回的理由。", false)}
	case kindSupplement:
		spec.Help = "补正告知（《政府信息公开条例》第三十条）：需一次性告知申请人需要补正的全部事项和合理的补正期限。发送「取消」放弃。"
		spec.Fields = []chat.Field{
			text("items", "补正事项", "请输入需要申请人补正的全部事项（可分行列出）。", false),
			{Key: "due", Label: "补正期限", Ask: asking(fmt.Sprintf("请输入补正期限：回复「默认」为自今天起%d个工作日，或输入日期如 2026-12-22、12月22日。", workflow.DefaultSupplementDays)),
				Show: b.showDay, Check: b.checkSupplementDue,
				Echo: func(_ *chat.Turn, _, v string) string { return "补正期限：" + b.showDay(v) + "。" }},
		}
	case kindSupplemented:
		spec.Help = "登记收到申请人的补正：答复期限自收到补正之日起重新计算。发送「取消」放弃。"
		spec.Fields = []chat.Field{day("on", "收到补正日期", "请输入收到补正材料的日期", sinceConvo("补正告知日期"))}
	case kindConsult:
		spec.Help = "征求意见（《政府信息公开条例》第三十二条、第三十四条）：对方有15个工作日答复，期间不计入答复期限。发送「取消」放弃。"
		spec.Fields = []chat.Field{
			{Key: "kind", Label: "征求对象", Ask: asking("请选择征求意见的对象。"), Buttons: func() []bot.CardButton {
				return []bot.CardButton{{Text: "第三方", Key: "r_0", Style: 2}, {Text: "其他行政机关", Key: "r_1", Style: 2}}
			}, Check: func(_ *chat.Turn, _ *chat.Wizard, s string) (string, error) {
				switch s {
				case "第三方", "third_party":
					return "third_party", nil
				case "其他行政机关", "其他机关", "行政机关", "agency":
					return "agency", nil
				}
				return "", chat.Wrong("请选择「第三方」或「其他行政机关」。")
			}, Show: func(v string) string {
				return map[string]string{"third_party": "第三方", "agency": "其他行政机关"}[v]
			}},
			{Key: "party", Label: "征求意见对象名称", Ask: func(_ *chat.Turn, w *chat.Wizard) string {
				if w.Vals["kind"] == "agency" {
					return "请输入征求意见的行政机关名称。"
				}
				return "请输入第三方（公民、法人或其他组织）的名称。"
			}, Check: text("party", "征求意见对象名称", "", false).Check},
			day("sent", "征求意见书发出日期", "请输入征求意见书发出的日期", sinceConvo("答复期限起算之日")),
		}
	case kindConsulted:
		spec.Help = "登记收到征求意见的答复（或期满未答复）。发送「取消」放弃。"
		spec.Fields = []chat.Field{
			{Key: "which", Label: "征求对象", Ask: asking("请选择收到答复的征求对象。"), Buttons: func() []bot.CardButton {
				var out []bot.CardButton
				for i, o := range c.Open {
					if i < bot.MaxButtons {
						out = append(out, bot.CardButton{Text: chat.Clip(o.Party, 10), Key: "r_" + strconv.Itoa(i), Style: 2})
					}
				}
				return out
			}, Auto: func() (string, bool) {
				if len(c.Open) == 1 {
					return "0", true
				}
				return "", false
			}, Check: func(_ *chat.Turn, _ *chat.Wizard, s string) (string, error) {
				for i, o := range c.Open {
					if s == o.Party || s == chat.Clip(o.Party, 10) || s == strconv.Itoa(i) {
						return strconv.Itoa(i), nil
					}
				}
				return "", chat.Wrong("请选择卡片上的征求对象。")
			}, Show: func(v string) string {
				if i, err := strconv.Atoi(v); err == nil && i >= 0 && i < len(c.Open) {
					return c.Open[i].Party
				}
				return v
			}},
			day("on", "答复日期", "请输入收到答复的日期；对方逾期未答复的，请输入第15个工作日届满之日", func(w *chat.Wizard) (string, string) {
				if i, err := strconv.Atoi(w.Vals["which"]); err == nil && i >= 0 && i < len(c.Open) {
					return c.Open[i].Sent, "征求意见书发出日期"
				}
				return c.Since, "收到申请日期"
			}),
			{Key: "answer", Label: "答复意见", Ask: asking("请简要输入对方的意见（如「不同意公开」；期满未答复的请回复「逾期未答复」）。"),
				Check: func(t *chat.Turn, w *chat.Wizard, s string) (string, error) {
					v, err := text("answer", "答复意见", "", false).Check(t, w, s)
					if err != nil || !strings.Contains(v, "未答复") {
						return v, err
					}
					// Silence counts only once the 15 working days are over
					// (Arts. 32, 34).
					i, _ := strconv.Atoi(w.Vals["which"])
					if i < 0 || i >= len(c.Open) {
						return v, nil
					}
					sent, err := time.ParseInLocation(time.DateOnly, c.Open[i].Sent, b.Location)
					if err != nil {
						return v, nil
					}
					due, err := workflow.ConsultationDue(b.Calendar, sent)
					if err == nil && !storage.Day(t.Now.In(b.Location), b.Location).After(storage.Day(due, b.Location)) {
						return "", chat.Wrong("对方的答复期限至" + b.day(due) + "，期满后才能按逾期未答复登记。如已收到意见，请输入意见内容。")
					}
					return v, nil
				}},
		}
	case kindExtend:
		spec.Help = "申请延期答复（《政府信息公开条例》第三十三条）：经政府信息公开工作机构负责人同意，可延长不超过20个工作日，并告知申请人。发送「取消」放弃。"
		spec.Fields = []chat.Field{
			{Key: "days", Label: "延长工作日", Ask: asking("请输入延长的工作日数（1至20，回复「默认」为20）。"),
				Check: func(_ *chat.Turn, _ *chat.Wizard, s string) (string, error) {
					if s == "默认" {
						return strconv.Itoa(workflow.MaxExtensionDays), nil
					}
					n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(s), "个工作日"), "天"))
					if err != nil || n < 1 || n > workflow.MaxExtensionDays {
						return "", chat.Wrong("延长期限应为1至20个工作日，请输入数字，如 10。")
					}
					return strconv.Itoa(n), nil
				}, Show: func(v string) string { return v + "个工作日" }},
			text("reason", "延期理由", "请输入延期的理由。", false),
		}
	case kindReply:
		return b.replySpec(c, spec)
	case kindDenyExtend:
		spec.Help = "请回复不同意延期的理由，将转告承办人。发送「取消」则暂不决定。"
		spec.Fields = []chat.Field{text("reason", "不同意延期的理由", "请输入不同意延期的理由。", false)}
	case kindReject:
		spec.Help = "请回复驳回的理由，将转告承办人修改答复。发送「取消」则不驳回。"
		spec.Fields = []chat.Field{text("reason", "驳回理由", "请输入驳回的理由。", false)}
	case kindDeliver:
		return b.deliverSpec(c, spec)
	default:
		return nil
	}
	return spec
}

// Bounds of a 补正期限, in working days from the notice: Art. 30 asks for
// a 合理的补正期限, which a day or two is not, and months would leave the
// application open without a clock.
const (
	minSupplementDays = 3
	maxSupplementDays = 30
)

// checkSupplementDue reads the 补正期限: 默认, or a date between 3 and 30
// working days ahead; a day off is moved to the next working day.
func (b *Flow) checkSupplementDue(t *chat.Turn, _ *chat.Wizard, s string) (string, error) {
	today := storage.Day(t.Now.In(b.Location), b.Location)
	if s == "默认" {
		d, err := workflow.SupplementPeriodEnd(b.Calendar, today, 0)
		if err != nil {
			return "", chat.Wrong("工作日历缺少相应年份，无法计算默认期限，请直接输入日期。")
		}
		return d.In(b.Location).Format(time.DateOnly), nil
	}
	d, err := workflow.ParseDate(s, t.Now, b.Location, workflow.DateAhead)
	switch {
	case errors.Is(err, workflow.ErrDatePast):
		return "", chat.Wrong("补正期限" + workflow.FormatDate(d, b.Location) + "已过，请输入以后的日期，或回复「默认」。")
	case err != nil:
		return "", chat.Wrong(workflow.DateRefusal(err, "没有识别出日期，请回复「默认」，或输入如 2026-12-22、12月22日。"))
	}
	if ok, err := b.Calendar.IsWorkingDay(d); err == nil && !ok {
		if d, err = b.Calendar.NextWorkingDay(d); err != nil {
			return "", chat.Wrong("工作日历缺少相应年份，请换一个日期，或回复「默认」。")
		}
	}
	n, err := b.Calendar.WorkingDaysBetween(today, d)
	switch {
	case err != nil:
		return "", chat.Wrong("工作日历缺少相应年份，请换一个日期，或回复「默认」。")
	case n < minSupplementDays:
		return "", chat.Wrong(fmt.Sprintf("补正期限%s距今仅%d个工作日，至少应为%d个工作日，请给申请人合理的补正时间，或回复「默认」（%d个工作日）。",
			workflow.FormatDate(d, b.Location), n, minSupplementDays, workflow.DefaultSupplementDays))
	case n > maxSupplementDays:
		return "", chat.Wrong(fmt.Sprintf("补正期限%s距今%d个工作日，不宜超过%d个工作日，请重新输入，或回复「默认」（%d个工作日）。",
			workflow.FormatDate(d, b.Location), n, maxSupplementDays, workflow.DefaultSupplementDays))
	}
	return d.Format(time.DateOnly), nil
}

// supplementTooLate reports whether a's 补正告知 may no longer be sent:
// Art. 30 allows it within 7 working days of receipt. A 补正 asked later
// would start the reply clock again and make a late reply look timely.
func (b *Flow) supplementTooLate(ctx context.Context, t *chat.Turn, a *storage.Application) (bool, time.Time, error) {
	clk, _, err := b.clock(ctx, t.Tx, a)
	if err != nil || clk.SupplementBy.IsZero() {
		return false, time.Time{}, err
	}
	today := storage.Day(t.Now.In(b.Location), b.Location)
	return today.After(storage.Day(clk.SupplementBy.In(b.Location), b.Location)), clk.SupplementBy, nil
}

// openConsult is a consultation offered to 收到意见.
type openConsult struct {
	ID    int64  `json:"id"`
	Party string `json:"party"`
	Sent  string `json:"sent"`
}

func (b *Flow) askSummary(ctx context.Context, t *chat.Turn, c *convo) (bot.TemplateCard, error) {
	a, err := storage.ApplicationByID(ctx, t.Tx, c.AppID)
	if err != nil {
		return bot.TemplateCard{}, err
	}
	v := c.Vals
	card := bot.TemplateCard{
		Source:    &bot.CardSource{Desc: "依申请公开 · 请核对"},
		MainTitle: &bot.CardTitle{Title: a.Number(), Desc: a.ApplicantName},
	}
	field := func(k, val string) {
		card.HorizontalContentList = append(card.HorizontalContentList, bot.CardField{KeyName: k, Value: val})
	}
	switch c.Kind {
	case kindReturn:
		card.MainTitle.Title = "退回 " + a.Number()
		card.SubTitleText = "理由：" + chat.Clip(v["reason"], 100)
	case kindSupplement:
		card.MainTitle.Title = "补正告知 " + a.Number()
		card.SubTitleText = "补正事项：" + chat.Clip(v["items"], 100)
		field("补正期限", b.showDay(v["due"]))
		field("告知日期", b.showDay(t.Now.In(b.Location).Format(time.DateOnly)))
	case kindSupplemented:
		card.MainTitle.Title = "收到补正 " + a.Number()
		field("收到补正", b.showDay(v["on"]))
		if d, err := time.ParseInLocation(time.DateOnly, v["on"], b.Location); err == nil {
			// What the clock will say once the 补正 is recorded.
			ev := b.events(a, nil)
			ev.SupplementReceived = d
			if due, err := workflow.ApplicationDeadlines(b.Calendar, ev); err == nil {
				field("新答复期限", b.day(due.ReplyDue))
			}
		}
	case kindConsult:
		card.MainTitle.Title = "征求意见 " + a.Number()
		field("征求对象", map[string]string{"third_party": "第三方", "agency": "其他行政机关"}[v["kind"]]+" "+v["party"])
		field("发出日期", b.showDay(v["sent"]))
		if d, err := time.ParseInLocation(time.DateOnly, v["sent"], b.Location); err == nil {
			if due, err := workflow.ConsultationDue(b.Calendar, d); err == nil {
				field("对方答复期限", b.day(due))
			}
		}
	case kindConsulted:
		card.MainTitle.Title = "收到意见 " + a.Number()
		if i, err := strconv.Atoi(v["which"]); err == nil && i >= 0 && i < len(c.Open) {
			field("征求对象", c.Open[i].Party)
		}
		field("答复日期", b.showDay(v["on"]))
		card.SubTitleText = "意见：" + chat.Clip(v["answer"], 100)
	case kindExtend:
		card.MainTitle.Title = "申请延期 " + a.Number()
		field("延长", v["days"]+"个工作日")
		field("现答复期限", b.day(a.DueD))
		card.SubTitleText = "理由：" + chat.Clip(v["reason"], 100)
	case kindReply:
		return b.replySummary(ctx, t, c, a)
	case kindDenyExtend:
		card.MainTitle.Title = "不同意延期 " + a.Number()
		card.SubTitleText = "理由：" + chat.Clip(v["reason"], 100)
		field("答复期限", b.day(a.DueD))
	case kindReject:
		card.MainTitle.Title = "驳回 " + a.Number() + " 的答复"
		card.SubTitleText = "理由：" + chat.Clip(v["reason"], 100)
	case kindDeliver:
		card.MainTitle.Title = "送达 " + a.Number()
		field("送达方式", v["how"])
		field("送达日期", b.showDay(v["on"]))
		if v["tracking"] != "-" && v["tracking"] != "" {
			field("邮件单号", v["tracking"])
		}
		field("答复类型", workflow.Outcome(a.Outcome).Label())
	}
	return card, nil
}

// askSubmit acts on a confirmed conversation. The application may have
// moved on meanwhile: the rules refuse the action then.
func (b *Flow) askSubmit(ctx context.Context, t *chat.Turn, c *convo) error {
	to := t.Person.UserID
	b.End(t)
	a, err := storage.LockApplication(ctx, t.Tx, c.AppID)
	if err != nil {
		return err
	}
	cs, err := storage.Consultations(ctx, t.Tx, a.ID)
	if err != nil {
		return err
	}
	if a.State != c.AppState || c.Mark != "" && c.Mark != askMark(c.Kind, a, cs) {
		// Done or moved on meanwhile, on the page or by another: who did
		// what and when.
		note, _, err := b.movedOnNote(ctx, t, a)
		if err != nil {
			return err
		}
		return b.Text(ctx, t, to, note+"本次填写未生效。")
	}
	return b.submitAsk(ctx, t, c, a)
}

// askMark is what a conversation of kind about a must still find when it
// is submitted: the state, who holds it and the review round and stage,
// and what the step itself changes without moving the state — so a step
// done meanwhile (on the application's page, or by another) is not
// recorded twice, while what another holder does alongside (the office
// head's 延期, say) does not void a long reply typed meanwhile.
func askMark(kind string, a *storage.Application, cs []storage.Consultation) string {
	parts := []string{a.State, a.Section, a.Handler, strconv.Itoa(a.ReplyRound), a.Stage}
	switch kind {
	case kindSupplement, kindSupplemented:
		parts = append(parts, strconv.FormatBool(a.SupplementAskedD.Valid), strconv.FormatBool(a.SupplementReceivedD.Valid))
	case kindConsult, kindConsulted:
		parts = append(parts, strconv.Itoa(len(cs)), strconv.Itoa(openConsultations(cs)))
	case kindExtend, kindDenyExtend:
		parts = append(parts, strconv.Itoa(a.ExtRequestDays), strconv.Itoa(a.ExtensionDays))
	}
	return strings.Join(parts, "|")
}

// submitAsk records c's answers on a, locked: what the confirmed
// conversation and the application's page (pageAsk) both do.
func (b *Flow) submitAsk(ctx context.Context, t *chat.Turn, c *convo, a *storage.Application) error {
	to := t.Person.UserID
	v := c.Vals
	today := storage.Day(t.Now.In(b.Location), b.Location)
	switch c.Kind {
	case kindReturn:
		section := a.Section
		ok, err := b.change(ctx, t, a, workflow.AppReturn, map[string]any{"section": "", "handler": ""}, map[string]any{"reason": v["reason"], "from": section})
		if !ok || err != nil {
			return err
		}
		if err := b.closeCards(ctx, t, a, cardAccept, "已退回", "已退回"); err != nil {
			return err
		}
		if err := b.Text(ctx, t, to, a.Number()+" 已退回综合办公室。"); err != nil {
			return err
		}
		return b.sendDispatch(ctx, t, a, section+"退回："+v["reason"])
	case kindSupplement:
		due, err := time.ParseInLocation(time.DateOnly, v["due"], b.Location)
		if err != nil {
			return err
		}
		late, by, err := b.supplementTooLate(ctx, t, a)
		if err != nil {
			return err
		}
		if late { // the conversation began in time and ended late
			return b.Text(ctx, t, to, "补正告知应在收到申请之日起7个工作日内发出（"+b.day(by)+"前），现已超过，本次补正告知未登记；请按现有申请内容办理答复。")
		}
		ok, err := b.change(ctx, t, a, workflow.AppAskSupplement, map[string]any{
			"supplement_asked_on": today, "supplement_due_on": due, "supplement_items": v["items"],
		}, map[string]any{"due": v["due"], "items": v["items"]})
		if !ok || err != nil {
			return err
		}
		if err := b.closeCards(ctx, t, a, cardHandle, "已补正告知", "已补正告知"); err != nil {
			return err
		}
		msg := fmt.Sprintf("%s 已登记补正告知，补正期限%s。请向申请人送达补正告知书；答复期限自收到补正之日起重新计算。", a.Number(), b.day(due))
		msg += b.letterLine(a, "补正告知书", LetterRef{Kind: letters.KindSupplement}, t.Now)
		if err := b.Text(ctx, t, to, msg); err != nil {
			return err
		}
		return b.sendSupplementCards(ctx, t, a)
	case kindSupplemented:
		on, err := time.ParseInLocation(time.DateOnly, v["on"], b.Location)
		if err != nil {
			return err
		}
		if a.SupplementAskedD.Valid && on.Before(storage.Day(a.SupplementAskedD.Time, b.Location)) {
			c.Step = "on"
			b.Save(t, c.Kind, c)
			return b.Text(ctx, t, to, "收到补正日期不能早于补正告知日期（"+b.day(a.SupplementAskedD.Time)+"），请重新输入。")
		}
		ok, err := b.change(ctx, t, a, workflow.AppSupplemented, map[string]any{"supplement_received_on": on}, map[string]any{"on": v["on"]})
		if !ok || err != nil {
			return err
		}
		if err := b.closeCards(ctx, t, a, cardSupplement, "已收到补正", "已收到补正"); err != nil {
			return err
		}
		if err := b.Text(ctx, t, to, fmt.Sprintf("%s 已登记收到补正：%s收到，答复期限重新计算为%s。", a.Number(), b.day(on), b.day(a.DueD))); err != nil {
			return err
		}
		return b.sendNext(ctx, t, a)
	case kindConsult:
		sent, err := time.ParseInLocation(time.DateOnly, v["sent"], b.Location)
		if err != nil {
			return err
		}
		if sent.Before(storage.Day(a.ReceivedD, b.Location)) {
			c.Step = "sent"
			b.Save(t, c.Kind, c)
			return b.Text(ctx, t, to, "征求意见书发出日期不能早于收到申请日期（"+b.day(a.ReceivedD)+"），请重新输入。")
		}
		ok, err := b.change(ctx, t, a, workflow.AppConsult, nil, map[string]any{"kind": v["kind"], "party": v["party"], "sent": v["sent"]})
		if !ok || err != nil {
			return err
		}
		if err := storage.AddConsultation(ctx, t.Tx, &storage.Consultation{ApplicationID: a.ID, Kind: v["kind"], Party: v["party"], SentD: sent}); err != nil {
			return err
		}
		if err := b.refreshDue(ctx, t, a); err != nil {
			return err
		}
		if err := b.closeCards(ctx, t, a, cardHandle, "征求意见中", "征求意见中"); err != nil {
			return err
		}
		clk, _, err := b.clock(ctx, t.Tx, a)
		if err != nil {
			return err
		}
		link, err := b.newConsultLine(ctx, t.Tx, a, t.Now)
		if err != nil {
			return err
		}
		if err := b.Text(ctx, t, to, fmt.Sprintf("%s 已登记向%s征求意见（%s发出）。答复期限：%s。", a.Number(), v["party"], b.showDay(v["sent"]), b.clockText(a, clk, t.Now))+link); err != nil {
			return err
		}
		return b.sendHandle(ctx, t, a, "")
	case kindConsulted:
		i, err := strconv.Atoi(v["which"])
		if err != nil || i < 0 || i >= len(c.Open) {
			return b.Text(ctx, t, to, chat.MsgCardExpired)
		}
		on, err := time.ParseInLocation(time.DateOnly, v["on"], b.Location)
		if err != nil {
			return err
		}
		if sent, err := time.ParseInLocation(time.DateOnly, c.Open[i].Sent, b.Location); err == nil && on.Before(sent) {
			c.Step = "on"
			b.Save(t, c.Kind, c)
			return b.Text(ctx, t, to, "答复日期不能早于征求意见书发出日期（"+workflow.FormatDate(sent, b.Location)+"），请重新输入。")
		}
		ok, err := b.change(ctx, t, a, workflow.AppConsulted, nil, map[string]any{"party": c.Open[i].Party, "on": v["on"], "answer": v["answer"]})
		if !ok || err != nil {
			return err
		}
		if err := storage.AnswerConsultation(ctx, t.Tx, c.Open[i].ID, on, v["answer"]); errors.Is(err, storage.ErrStale) {
			return b.Text(ctx, t, to, "该征求意见已登记过答复。")
		} else if err != nil {
			return err
		}
		if err := b.refreshDue(ctx, t, a); err != nil {
			return err
		}
		if err := b.closeCards(ctx, t, a, cardHandle, "已收到意见", "已收到意见"); err != nil {
			return err
		}
		clk, _, err := b.clock(ctx, t.Tx, a)
		if err != nil {
			return err
		}
		if err := b.Text(ctx, t, to, fmt.Sprintf("%s 已登记%s的意见。答复期限：%s。", a.Number(), c.Open[i].Party, b.clockText(a, clk, t.Now))); err != nil {
			return err
		}
		if a.State == string(workflow.ApplicationAccepted) {
			return b.sendHandle(ctx, t, a, "")
		}
		return nil
	case kindExtend:
		days, _ := strconv.Atoi(v["days"])
		ok, err := b.change(ctx, t, a, workflow.AppAskExtend, map[string]any{
			"ext_request_days": days, "ext_request_reason": v["reason"], "ext_requested_by": to,
		}, map[string]any{"days": days, "reason": v["reason"]})
		if !ok || err != nil {
			return err
		}
		if err := b.closeCards(ctx, t, a, cardHandle, "已申请延期", "已申请延期"); err != nil {
			return err
		}
		chief := b.officeHead()
		if err := b.Text(ctx, t, to, fmt.Sprintf("%s 的延期申请（%d个工作日）已报%s审批。", a.Number(), days, b.Name(chief))); err != nil {
			return err
		}
		if err := b.card(ctx, t, a, cardExtend, "延期审批", []bot.CardButton{
			{Text: "同意延期", Key: "grant", Style: 1}, {Text: "不同意", Key: "deny", Style: 3},
		}, fmt.Sprintf("%s申请延长%d个工作日：%s", b.Name(to), days, v["reason"]), chief); err != nil {
			return err
		}
		if a.State == string(workflow.ApplicationAccepted) {
			return b.sendHandle(ctx, t, a, "")
		}
		return nil
	case kindReply:
		return b.submitReply(ctx, t, c, a)
	case kindDenyExtend:
		return b.decideExtension(ctx, t, a, false, v["reason"])
	case kindReject:
		return b.reject(ctx, t, a, v["reason"])
	case kindDeliver:
		return b.deliver(ctx, t, a, c)
	}
	return fmt.Errorf("application: no conversation %q", c.Kind)
}

// sendSupplementCards gives the handler (or the section head) and the
// office the card that ends the 补正 wait.
func (b *Flow) sendSupplementCards(ctx context.Context, t *chat.Turn, a *storage.Application) error {
	holders := b.involved(a)
	btns := []bot.CardButton{{Text: "已收到补正", Key: "received", Style: 1}, {Text: "逾期未补正", Key: "lapsed", Style: 3}}
	quote := "补正事项：" + a.SupplementItems
	return b.card(ctx, t, a, cardSupplement, "待补正", btns, quote, holders...)
}

// sendNext gives the card of the state a came back to after 补正.
func (b *Flow) sendNext(ctx context.Context, t *chat.Turn, a *storage.Application) error {
	switch workflow.ApplicationState(a.State) {
	case workflow.ApplicationAccepted:
		return b.sendHandle(ctx, t, a, "申请人已补正")
	case workflow.ApplicationDispatched:
		return b.sendAccept(ctx, t, a, "申请人已补正")
	case workflow.ApplicationRegistered:
		return b.sendDispatch(ctx, t, a, "申请人已补正")
	}
	return nil
}
