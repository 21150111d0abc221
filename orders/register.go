package orders

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/chat"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// receivedOn keeps the date of a 接收时间 typed without a time while the
// time is asked for.
const receivedOn = "_received_on"

// registration is the 登记12345 conversation: one question per field, a
// summary card, and the same validation as the API (Validate)
// before anything is stored.
func (b *Flow) registration(c *convo) *chat.WizardSpec {
	return &chat.WizardSpec{
		Source:    "12345转办 · 登记",
		ShowTotal: true,
		CardHint:  "也可以直接回复文字",
		Fields: []chat.Field{
			{Key: "ticket_no", Label: "工单号", Ask: asking("请输入12345工单号。"),
				Check: func(_ *chat.Turn, _ *chat.Wizard, s string) (string, error) {
					return wrongIf(workflow.CheckTicketNo(s))
				},
				Then: b.knownTicket},
			{Key: "category", Label: "诉求类别", Ask: asking("请选择诉求类别。"), Buttons: func() []bot.CardButton {
				var out []bot.CardButton
				for i, c := range workflow.Categories() {
					out = append(out, bot.CardButton{Text: string(c), Key: "r_" + strconv.Itoa(i), Style: 2})
				}
				return out
			}, Check: func(_ *chat.Turn, _ *chat.Wizard, s string) (string, error) {
				c, err := workflow.ParseCategory(s)
				return wrongIf(string(c), err)
			}},
			{Key: "content", Label: "诉求内容", Ask: asking("请输入诉求内容。"), Check: func(_ *chat.Turn, _ *chat.Wizard, s string) (string, error) {
				if n := len([]rune(strings.TrimSpace(s))); n == 0 || n > maxContent {
					return "", chat.Wrong("诉求内容应为1至2000字。")
				}
				return strings.TrimSpace(s), nil
			}},
			{Key: "location", Label: "事发地点", Ask: asking("请输入事发地点（没有可回复「跳过」）。"), Optional: true, Check: maxLen(maxLocation, "事发地点")},
			{Key: "caller_name", Label: "来电人", Ask: asking("请输入来电人姓名（没有可回复「跳过」）。"), Optional: true, Check: maxLen(maxName, "来电人")},
			{Key: "caller_phone", Label: "联系电话", Ask: asking("请输入联系电话（没有可回复「跳过」）。"), Optional: true,
				Check: func(_ *chat.Turn, _ *chat.Wizard, s string) (string, error) { return wrongIf(workflow.CheckPhone(s)) }},
			{Key: "urgency", Label: "紧急程度", Ask: asking("请选择紧急程度。"), Buttons: func() []bot.CardButton {
				return []bot.CardButton{{Text: "一般", Key: "r_0", Style: 1}, {Text: "紧急", Key: "r_1", Style: 3}}
			}, Check: func(_ *chat.Turn, _ *chat.Wizard, s string) (string, error) {
				switch s {
				case "一般", "normal":
					return "normal", nil
				case "紧急", "urgent":
					return "urgent", nil
				}
				return "", chat.Wrong("紧急程度请选择「一般」或「紧急」。")
			}, Show: func(v string) string { return map[string]string{"normal": "一般", "urgent": "紧急"}[v] }},
			{Key: "received_at", Label: "接收时间", Ask: func(_ *chat.Turn, w *chat.Wizard) string {
				if d, ok := b.receivedOn(w); ok {
					return "请回复" + workflow.FormatDate(d, b.Location) + "的接收时刻，如 09:30；也可以重新输入日期和时间，或回复「现在」。"
				}
				return "请输入接收时间：回复「现在」，或如 2026-11-28 09:30、11月28日 9:30。"
			}, Check: b.checkReceived, Show: b.showMoment,
				Echo: func(_ *chat.Turn, typed, v string) string {
					tm, err := time.Parse(time.RFC3339, v)
					if err != nil || typed == "现在" || typed == "默认" {
						return ""
					}
					return "接收时间：" + workflow.FormatDateTime(tm, b.Location) + "。"
				}},
			{Key: "due_at", Label: "办理时限", Ask: asking("请输入办理时限：回复「默认」按类别和紧急程度自动计算，或输入日期如 2026-12-18、12月18日。"),
				Check: func(t *chat.Turn, _ *chat.Wizard, s string) (string, error) {
					if s == "默认" {
						return "", nil
					}
					d, err := workflow.ParseDate(s, t.Now, b.Location, workflow.DateAhead)
					switch {
					case errors.Is(err, workflow.ErrDatePast):
						return "", chat.Wrong("办理时限" + workflow.FormatDate(d, b.Location) + "已过，请输入今天或以后的日期，或回复「默认」。")
					case err != nil:
						return "", chat.Wrong(workflow.DateRefusal(err, "没有识别出办理时限，请回复「默认」，或输入日期如 2026-12-18、12月18日。"))
					}
					return time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, b.Location).Format(time.RFC3339), nil
				}, Show: b.showMoment,
				Echo: func(_ *chat.Turn, _, v string) string {
					tm, err := time.Parse(time.RFC3339, v)
					if err != nil {
						return "" // 默认: the summary card shows the computed limit
					}
					return "办理时限：" + b.dueText(tm) + "。"
				}},
			{Key: "section", Label: "承办股室", Ask: asking("请选择承办股室。"), Buttons: func() []bot.CardButton {
				var out []bot.CardButton
				for i, s := range b.Roster.Sections {
					if i < bot.MaxButtons {
						out = append(out, bot.CardButton{Text: s.Name, Key: "r_" + strconv.Itoa(i), Style: 2})
					}
				}
				return out
			}, Check: func(_ *chat.Turn, _ *chat.Wizard, s string) (string, error) {
				if _, ok := b.Roster.Section(s); !ok {
					return "", chat.Wrong("承办股室应为：" + strings.Join(b.sectionNames(), "、") + "。")
				}
				return s, nil
			}},
		},
		Summary: b.regSummary,
		Submit: func(ctx context.Context, t *chat.Turn, _ *chat.Wizard) error {
			return b.submitRegistration(ctx, t, c)
		},
		Save:        func(t *chat.Turn, _ *chat.Wizard) { b.saveConvo(t, c) },
		SubmitKey:   "reg_submit",
		EditKey:     "reg_edit",
		CancelKey:   "reg_cancel",
		StartWords:  []string{"登记", "登记12345"},
		Cancelled:   "已取消登记。",
		Help:        "您正在登记12345转办工单。请回答下面的问题；发送「取消」放弃，发送「上一步」返回。",
		InProgress:  "您正在登记12345工单，请先完成填写，或发送「取消」放弃后再重新登记。",
		EditAll:     "请逐项修改：每一步发送「保留」即沿用已填内容。",
		ConfirmHint: "请点击「提交」「修改」或「取消」，也可以直接回复。",
	}
}

// asking is a question that does not change.
func asking(q string) func(*chat.Turn, *chat.Wizard) string {
	return func(*chat.Turn, *chat.Wizard) string { return q }
}

// wrongIf turns a workflow check's error into a wrong answer.
func wrongIf(v string, err error) (string, error) {
	if err != nil {
		return "", chat.Wrong(err.Error())
	}
	return v, nil
}

func maxLen(n int, what string) func(*chat.Turn, *chat.Wizard, string) (string, error) {
	return func(_ *chat.Turn, _ *chat.Wizard, s string) (string, error) {
		s = strings.TrimSpace(s)
		if len([]rune(s)) > n {
			return "", chat.Wrong(fmt.Sprintf("%s不能超过%d字。", what, n))
		}
		return s, nil
	}
}

// showMoment is a stored time as the user reads it.
func (b *Flow) showMoment(v string) string {
	tm, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return v
	}
	return workflow.FormatDateTime(tm, b.Location)
}

// knownTicket ends the registration of a 工单号 already registered, and
// shows that order instead.
func (b *Flow) knownTicket(ctx context.Context, t *chat.Turn, _ *chat.Wizard, ticket string) (bool, error) {
	existing, err := storage.OrderByTicket(ctx, t.Tx, ticket)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	b.End(t)
	if err := b.Text(ctx, t, t.Person.UserID, "工单 "+existing.TicketNo+" 已登记过，不再重复登记。当前情况如下："); err != nil {
		return true, err
	}
	return true, b.ShowOrder(ctx, t, existing.TicketNo)
}

// checkReceived reads the 接收时间. A date without a time is kept and the
// time asked for, rather than taking midnight for it.
func (b *Flow) checkReceived(t *chat.Turn, w *chat.Wizard, s string) (string, error) {
	if s == "默认" { // the next step's word; here it has always meant now
		s = "现在"
	}
	day, _ := b.receivedOn(w)
	tm, err := workflow.ParseDateTime(s, t.Now, b.Location, day)
	switch {
	case errors.Is(err, workflow.ErrTimeMissing):
		w.Vals[receivedOn] = tm.Format(time.DateOnly)
		return "", chat.Wrong("接收时间还需要具体时刻，请补充几点几分。")
	case errors.Is(err, workflow.ErrMomentFuture):
		return "", chat.Wrong("接收时间不能晚于现在，请重新输入。")
	case errors.Is(err, workflow.ErrTimeFormat):
		return "", chat.Wrong(err.Error())
	case err != nil:
		return "", chat.Wrong(workflow.DateRefusal(err, "没有识别出接收时间，请回复「现在」，或按 2026-11-28 09:30、11月28日 9:30 的格式输入。"))
	}
	return tm.Format(time.RFC3339), nil
}

// receivedOn is the date of a 接收时间 still waiting for its time.
func (b *Flow) receivedOn(w *chat.Wizard) (time.Time, bool) {
	d, err := time.ParseInLocation(time.DateOnly, w.Vals[receivedOn], b.Location)
	return d, err == nil
}

// startRegister opens the 登记12345 conversation.
func (b *Flow) startRegister(ctx context.Context, t *chat.Turn, s *chat.Session) error {
	if b.InWizard(s) {
		return b.Text(ctx, t, t.Person.UserID, "您有一项尚未完成的填写。请先完成，或发送「取消」放弃后再登记。")
	}
	nc := &convo{Kind: KindRegister}
	if err := b.Text(ctx, t, t.Person.UserID, "登记12345转办工单。您将作为首问责任人跟踪到办结。\n随时发送「取消」放弃，「上一步」返回。"); err != nil {
		return err
	}
	return b.StartWizard(ctx, t, b.registration(nc), &nc.Wizard)
}

// onRegText handles a typed answer in the registration.
func (b *Flow) onRegText(ctx context.Context, t *chat.Turn, c *convo, text string) error {
	return b.WizardText(ctx, t, b.registration(c), &c.Wizard, text)
}

// onRegCard handles a click on a registration card (a choice or the
// summary's 提交 / 修改 / 取消).
func (b *Flow) onRegCard(ctx context.Context, t *chat.Turn, c *convo) error {
	if c == nil || c.Kind != KindRegister {
		return b.Text(ctx, t, t.Person.UserID, chat.MsgCardExpired)
	}
	return b.WizardClick(ctx, t, b.registration(c), &c.Wizard)
}

func (b *Flow) regInput(w *chat.Wizard, registrar string) Input {
	v := w.Vals
	return Input{
		TicketNo: v["ticket_no"], Category: v["category"], Content: v["content"], Location: v["location"],
		CallerName: v["caller_name"], CallerPhone: v["caller_phone"], Urgency: v["urgency"],
		ReceivedAt: v["received_at"], DueAt: v["due_at"], Section: v["section"], Registrar: registrar,
	}
}

// regSummary is the summary card, once the answers pass the same checks
// as the API; otherwise the field to fix.
func (b *Flow) regSummary(_ context.Context, t *chat.Turn, w *chat.Wizard) (bot.TemplateCard, error) {
	o, err := b.Validate(b.regInput(w, t.Person.UserID), t.Now)
	if fe, ok := asFieldErrors(err); ok {
		fields := b.registration(nil).Fields
		fix := chat.Fix{Field: fields[0].Key, Msg: fe[0].Message}
		for _, e := range fe {
			if slices.ContainsFunc(fields, func(f chat.Field) bool { return f.Key == e.Field }) {
				fix.Field = e.Field
				break
			}
		}
		return bot.TemplateCard{}, fix
	}
	if err != nil {
		return bot.TemplateCard{}, err
	}
	urg := "一般"
	if o.Urgent {
		urg = "紧急"
	}
	return bot.TemplateCard{
		Source:       &bot.CardSource{Desc: "12345转办 · 请核对"},
		MainTitle:    &bot.CardTitle{Title: "12345工单 " + o.TicketNo, Desc: o.Category + " · " + urg},
		SubTitleText: chat.Clip(o.Content, 120),
		HorizontalContentList: []bot.CardField{
			{KeyName: "事发地点", Value: chat.OrDash(o.Location)},
			{KeyName: "来电人", Value: chat.OrDash(strings.TrimSpace(o.CallerName + " " + o.CallerPhone))},
			{KeyName: "接收时间", Value: workflow.FormatDateTime(o.ReceivedAt, b.Location)},
			{KeyName: "办理时限", Value: b.dueText(o.DueAt)},
			{KeyName: "承办股室", Value: o.Section},
		},
	}, nil
}

func (b *Flow) submitRegistration(ctx context.Context, t *chat.Turn, c *convo) error {
	to := t.Person.UserID
	o, err := b.Validate(b.regInput(&c.Wizard, to), t.Now)
	if _, ok := asFieldErrors(err); ok {
		c.Step = chat.StepConfirm
		return b.AskWizard(ctx, t, b.registration(c), &c.Wizard) // says what to fix
	}
	if err != nil {
		return err
	}
	o.Source = "chat"
	b.End(t)
	head, _ := b.Roster.HeadOf(o.Section)
	// Say it before the dispatch card goes out, so the registrar reads
	// the confirmation first.
	created, err := storage.InsertOrder(ctx, t.Tx, o)
	if err != nil {
		return err
	}
	if !created {
		if err := b.Text(ctx, t, to, "工单 "+o.TicketNo+" 已由他人登记，不再重复登记："); err != nil {
			return err
		}
		return b.ShowOrder(ctx, t, o.TicketNo)
	}
	if err := storage.Audit(ctx, t.Tx, to, "register", storage.EntityOrder, o.TicketNo, map[string]any{"source": "chat", "section": o.Section, "due": o.DueAt}); err != nil {
		return err
	}
	if err := b.Text(ctx, t, to, fmt.Sprintf("已登记12345工单 %s，已派发%s（%s）签收，办理时限 %s。办理的每一步都会通知您。", o.TicketNo, o.Section, head.Name, b.dueText(o.DueAt))); err != nil {
		return err
	}
	return b.sendDispatch(ctx, t, o)
}
