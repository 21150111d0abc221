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

// The 登记12345 conversation: one question per field, a summary card, and
// the same validation as the API (ValidateComplaint) before anything is
// stored.
type regStep struct {
	key      string
	prompt   string
	optional bool // 跳过 leaves it empty
	buttons  func(b *Flow) []bot.CardButton
	// check turns the answer into the stored value; it may keep a partial
	// answer in c.Vals (a date still waiting for its time).
	check func(b *Flow, t *chat.Turn, c *convo, text string) (string, error)
	// ask, when set and not empty, replaces prompt (to ask for the rest of
	// a partial answer).
	ask func(b *Flow, c *convo) string
	// echo, when set and not empty, is said back after a good answer, so a
	// typed date is seen with the year it was taken for.
	echo func(b *Flow, typed, v string) string
}

// receivedOn keeps the date of a 接收时间 typed without a time while the
// time is asked for.
const receivedOn = "received_on"

var regSteps = []regStep{
	{key: "ticket_no", prompt: "请输入12345工单号。", check: func(b *Flow, t *chat.Turn, _ *convo, s string) (string, error) { return workflow.CheckTicketNo(s) }},
	{key: "category", prompt: "请选择诉求类别。", buttons: func(*Flow) []bot.CardButton {
		var out []bot.CardButton
		for i, c := range workflow.Categories() {
			out = append(out, bot.CardButton{Text: string(c), Key: "r_" + strconv.Itoa(i), Style: 2})
		}
		return out
	}, check: func(b *Flow, t *chat.Turn, _ *convo, s string) (string, error) {
		c, err := workflow.ParseCategory(s)
		return string(c), err
	}},
	{key: "content", prompt: "请输入诉求内容。", check: func(b *Flow, t *chat.Turn, _ *convo, s string) (string, error) {
		if n := len([]rune(strings.TrimSpace(s))); n == 0 || n > maxContent {
			return "", errors.New("诉求内容应为1至2000字。")
		}
		return strings.TrimSpace(s), nil
	}},
	{key: "location", prompt: "请输入事发地点（没有可回复「跳过」）。", optional: true, check: maxLen(maxLocation, "事发地点")},
	{key: "caller_name", prompt: "请输入来电人姓名（没有可回复「跳过」）。", optional: true, check: maxLen(maxName, "来电人")},
	{key: "caller_phone", prompt: "请输入联系电话（没有可回复「跳过」）。", optional: true, check: func(b *Flow, t *chat.Turn, _ *convo, s string) (string, error) { return workflow.CheckPhone(s) }},
	{key: "urgency", prompt: "请选择紧急程度。", buttons: func(*Flow) []bot.CardButton {
		return []bot.CardButton{{Text: "一般", Key: "r_0", Style: 1}, {Text: "紧急", Key: "r_1", Style: 3}}
	}, check: func(b *Flow, t *chat.Turn, _ *convo, s string) (string, error) {
		switch s {
		case "一般", "normal":
			return "normal", nil
		case "紧急", "urgent":
			return "urgent", nil
		}
		return "", errors.New("紧急程度请选择「一般」或「紧急」。")
	}},
	{key: "received_at", prompt: "请输入接收时间：回复「现在」，或如 2026-11-28 09:30、11月28日 9:30。", check: checkReceived,
		ask: func(b *Flow, c *convo) string {
			if d, ok := b.receivedOn(c); ok {
				return "请回复" + workflow.FormatDate(d, b.Location) + "的接收时刻，如 09:30；也可以重新输入日期和时间，或回复「现在」。"
			}
			return ""
		},
		echo: func(b *Flow, typed, v string) string {
			tm, err := time.Parse(time.RFC3339, v)
			if err != nil || typed == "现在" || typed == "默认" {
				return ""
			}
			return "接收时间：" + workflow.FormatDateTime(tm, b.Location) + "。"
		}},
	{key: "due_at", prompt: "请输入办理时限：回复「默认」按类别和紧急程度自动计算，或输入日期如 2026-12-18、12月18日。", check: func(b *Flow, t *chat.Turn, _ *convo, s string) (string, error) {
		if s == "默认" {
			return "", nil
		}
		d, err := workflow.ParseDate(s, t.Now, b.Location, workflow.DateAhead)
		switch {
		case errors.Is(err, workflow.ErrDatePast):
			return "", errors.New("办理时限" + workflow.FormatDate(d, b.Location) + "已过，请输入今天或以后的日期，或回复「默认」。")
		case err != nil:
			return "", errors.New("没有识别出办理时限，请回复「默认」，或输入日期如 2026-12-18、12月18日。")
		}
		return time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, b.Location).Format(time.RFC3339), nil
	}, echo: func(b *Flow, _, v string) string {
		tm, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return "" // 默认: the summary card shows the computed limit
		}
		return "办理时限：" + b.dueText(tm) + "。"
	}},
	{key: "section", prompt: "请选择承办股室。", buttons: func(b *Flow) []bot.CardButton {
		var out []bot.CardButton
		for i, s := range b.Roster.Sections {
			if i < bot.MaxButtons {
				out = append(out, bot.CardButton{Text: s.Name, Key: "r_" + strconv.Itoa(i), Style: 2})
			}
		}
		return out
	}, check: func(b *Flow, t *chat.Turn, _ *convo, s string) (string, error) {
		if _, ok := b.Roster.Section(s); !ok {
			return "", errors.New("承办股室应为：" + strings.Join(b.sectionNames(), "、") + "。")
		}
		return s, nil
	}},
}

func maxLen(n int, what string) func(*Flow, *chat.Turn, *convo, string) (string, error) {
	return func(_ *Flow, _ *chat.Turn, _ *convo, s string) (string, error) {
		s = strings.TrimSpace(s)
		if len([]rune(s)) > n {
			return "", fmt.Errorf("%s不能超过%d字。", what, n)
		}
		return s, nil
	}
}

// checkReceived reads the 接收时间. A date without a time is kept and the
// time asked for, rather than taking midnight for it.
func checkReceived(b *Flow, t *chat.Turn, c *convo, s string) (string, error) {
	if s == "默认" { // the next step's word; here it has always meant now
		s = "现在"
	}
	day, _ := b.receivedOn(c)
	tm, err := workflow.ParseDateTime(s, t.Now, b.Location, day)
	switch {
	case errors.Is(err, workflow.ErrTimeMissing):
		c.Vals[receivedOn] = tm.Format(time.DateOnly)
		return "", errors.New("接收时间还需要具体时刻，请补充几点几分。")
	case errors.Is(err, workflow.ErrMomentFuture):
		return "", errors.New("接收时间不能晚于现在，请重新输入。")
	case errors.Is(err, workflow.ErrTimeFormat):
		return "", err
	case err != nil:
		return "", errors.New("没有识别出接收时间，请回复「现在」，或按 2026-11-28 09:30、11月28日 9:30 的格式输入。")
	}
	delete(c.Vals, receivedOn)
	return tm.Format(time.RFC3339), nil
}

// receivedOn is the date of a 接收时间 still waiting for its time.
func (b *Flow) receivedOn(c *convo) (time.Time, bool) {
	d, err := time.ParseInLocation(time.DateOnly, c.Vals[receivedOn], b.Location)
	return d, err == nil
}

// startRegister opens the 登记12345 conversation.
func (b *Flow) startRegister(ctx context.Context, t *chat.Turn, s *chat.Session) error {
	if b.InWizard(s) {
		return b.Text(ctx, t, t.Person.UserID, "您有一项尚未完成的填写。请先完成，或发送「取消」放弃后再登记。")
	}
	nc := &convo{Kind: KindRegister, Step: regSteps[0].key, Vals: map[string]string{}}
	if err := b.Text(ctx, t, t.Person.UserID, "登记12345转办工单。您将作为首问责任人跟踪到办结。\n随时发送「取消」放弃，「上一步」返回。"); err != nil {
		return err
	}
	return b.askReg(ctx, t, nc)
}

func regIndex(key string) int {
	return slices.IndexFunc(regSteps, func(s regStep) bool { return s.key == key })
}

func (b *Flow) askReg(ctx context.Context, t *chat.Turn, c *convo) error {
	to := t.Person.UserID
	if c.Step == "confirm" {
		return b.regSummary(ctx, t, c)
	}
	i := regIndex(c.Step)
	st := regSteps[i]
	ask := st.prompt
	if st.ask != nil {
		if a := st.ask(b, c); a != "" {
			ask = a
		}
	}
	prompt := fmt.Sprintf("第%d/%d步：%s", i+1, len(regSteps), ask)
	if st.buttons == nil {
		b.saveConvo(t, c)
		return b.Text(ctx, t, to, prompt)
	}
	c.CardTask = "d" + chat.Nonce() + "-r"
	b.saveConvo(t, c)
	return b.Card(ctx, t, bot.TemplateCard{
		CardType:   bot.CardButtonInteraction,
		Source:     &bot.CardSource{Desc: "12345转办 · 登记"},
		MainTitle:  &bot.CardTitle{Title: prompt, Desc: "也可以直接回复文字"},
		TaskID:     c.CardTask,
		ButtonList: st.buttons(b),
	}, to)
}

// onRegText handles a typed answer in the registration.
func (b *Flow) onRegText(ctx context.Context, t *chat.Turn, c *convo, text string) error {
	to := t.Person.UserID
	switch text {
	case chat.WordCancel:
		b.End(t)
		return b.Text(ctx, t, to, "已取消登记。")
	case chat.WordBack:
		delete(c.Vals, receivedOn)
		if i := regIndex(c.Step); i > 0 {
			c.Step = regSteps[i-1].key
		} else if c.Step == "confirm" {
			c.Step = regSteps[len(regSteps)-1].key
		}
		return b.askReg(ctx, t, c)
	}
	if c.Step == "confirm" {
		if text == "提交" {
			return b.submitRegistration(ctx, t, c)
		}
		if err := b.Text(ctx, t, to, "请点击「提交」或「取消」，也可以直接回复。"); err != nil {
			return err
		}
		return b.askReg(ctx, t, c)
	}
	return b.answerReg(ctx, t, c, text)
}

func (b *Flow) answerReg(ctx context.Context, t *chat.Turn, c *convo, text string) error {
	to := t.Person.UserID
	st := regSteps[regIndex(c.Step)]
	if c.Vals == nil {
		c.Vals = map[string]string{}
	}
	v := ""
	if !(st.optional && text == "跳过") {
		var err error
		if v, err = st.check(b, t, c, text); err != nil {
			if err := b.Text(ctx, t, to, err.Error()); err != nil {
				return err
			}
			return b.askReg(ctx, t, c)
		}
	}
	if st.key == "ticket_no" {
		existing, err := storage.ComplaintByTicket(ctx, t.Tx, v)
		if err == nil {
			b.End(t)
			if err := b.Text(ctx, t, to, "工单 "+existing.TicketNo+" 已登记过，不再重复登记。当前情况如下："); err != nil {
				return err
			}
			return b.ShowOrder(ctx, t, existing.TicketNo)
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
	}
	c.Vals[st.key] = v
	if st.echo != nil {
		if e := st.echo(b, text, v); e != "" {
			if err := b.Text(ctx, t, to, e); err != nil {
				return err
			}
		}
	}
	if i := regIndex(c.Step); i+1 < len(regSteps) {
		c.Step = regSteps[i+1].key
	} else {
		c.Step = "confirm"
	}
	return b.askReg(ctx, t, c)
}

// onRegCard handles a click on a registration card (a choice or the
// summary's 提交 / 取消).
func (b *Flow) onRegCard(ctx context.Context, t *chat.Turn, c *convo) error {
	to := t.Person.UserID
	if c == nil || c.Kind != KindRegister || t.Msg.TaskID != c.CardTask {
		return b.Text(ctx, t, to, chat.MsgCardExpired)
	}
	key := t.Msg.EventKey
	switch key {
	case "reg_submit":
		if err := b.ReplaceButton(ctx, t, to, "已提交"); err != nil {
			return err
		}
		return b.submitRegistration(ctx, t, c)
	case "reg_cancel":
		if err := b.ReplaceButton(ctx, t, to, "已取消"); err != nil {
			return err
		}
		b.End(t)
		return b.Text(ctx, t, to, "已取消登记。")
	}
	i := regIndex(c.Step)
	if i < 0 || regSteps[i].buttons == nil {
		return b.Text(ctx, t, to, chat.MsgCardUnknown)
	}
	for _, btn := range regSteps[i].buttons(b) {
		if btn.Key == key {
			if err := b.ReplaceButton(ctx, t, to, "已选择："+btn.Text); err != nil {
				return err
			}
			return b.answerReg(ctx, t, c, btn.Text)
		}
	}
	return b.Text(ctx, t, to, chat.MsgCardUnknown)
}

func (b *Flow) regInput(c *convo, registrar string) ComplaintInput {
	v := c.Vals
	return ComplaintInput{
		TicketNo: v["ticket_no"], Category: v["category"], Content: v["content"], Location: v["location"],
		CallerName: v["caller_name"], CallerPhone: v["caller_phone"], Urgency: v["urgency"],
		ReceivedAt: v["received_at"], DueAt: v["due_at"], Section: v["section"], Registrar: registrar,
	}
}

func (b *Flow) regSummary(ctx context.Context, t *chat.Turn, c *convo) error {
	to := t.Person.UserID
	o, err := b.ValidateComplaint(b.regInput(c, to), t.Now)
	if fe, ok := asFieldErrors(err); ok {
		c.Step = regSteps[0].key
		for _, e := range fe {
			if i := regIndex(e.Field); i >= 0 {
				c.Step = e.Field
				break
			}
		}
		if err := b.Text(ctx, t, to, "请修改："+fe[0].Message); err != nil {
			return err
		}
		return b.askReg(ctx, t, c)
	}
	if err != nil {
		return err
	}
	c.CardTask = "d" + chat.Nonce() + "-c"
	b.saveConvo(t, c)
	urg := "一般"
	if o.Urgent {
		urg = "紧急"
	}
	return b.Card(ctx, t, bot.TemplateCard{
		CardType:     bot.CardButtonInteraction,
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
		TaskID: c.CardTask,
		ButtonList: []bot.CardButton{
			{Text: "提交", Key: "reg_submit", Style: 1},
			{Text: "取消", Key: "reg_cancel", Style: 3},
		},
	}, to)
}

func (b *Flow) submitRegistration(ctx context.Context, t *chat.Turn, c *convo) error {
	to := t.Person.UserID
	o, err := b.ValidateComplaint(b.regInput(c, to), t.Now)
	if _, ok := asFieldErrors(err); ok {
		return b.regSummary(ctx, t, c)
	}
	if err != nil {
		return err
	}
	o.Source = "chat"
	b.End(t)
	head, _ := b.Roster.HeadOf(o.Section)
	// Say it before the dispatch card goes out, so the registrar reads
	// the confirmation first.
	created, err := storage.InsertComplaint(ctx, t.Tx, o)
	if err != nil {
		return err
	}
	if !created {
		if err := b.Text(ctx, t, to, "工单 "+o.TicketNo+" 已由他人登记，不再重复登记："); err != nil {
			return err
		}
		return b.ShowOrder(ctx, t, o.TicketNo)
	}
	if err := storage.Audit(ctx, t.Tx, to, "register", "complaint", o.TicketNo, map[string]any{"source": "chat", "section": o.Section, "due": o.DueAt}); err != nil {
		return err
	}
	if err := b.Text(ctx, t, to, fmt.Sprintf("已登记12345工单 %s，已派发%s（%s）签收，办理时限 %s。办理的每一步都会通知您。", o.TicketNo, o.Section, head.Name, b.dueText(o.DueAt))); err != nil {
		return err
	}
	return b.sendDispatch(ctx, t, o)
}
