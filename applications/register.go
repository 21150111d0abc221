package applications

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/api"
	"github.com/zwgk-bot/zwgk/applications/letters"
	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// registration is the 登记申请 conversation: one question per field, a
// summary card, and the same validation as the API (Validate) before
// anything is stored.
func (b *Flow) registration(c *convo) *chat.WizardSpec {
	choices := func(words []string, style int) func() []bot.CardButton {
		return func() []bot.CardButton {
			var out []bot.CardButton
			for i, w := range words {
				if i < bot.MaxButtons {
					out = append(out, bot.CardButton{Text: w, Key: "r_" + strconv.Itoa(i), Style: style})
				}
			}
			return out
		}
	}
	var channels, types, forms []string
	for _, ch := range workflow.Channels() {
		channels = append(channels, string(ch))
	}
	for _, ty := range workflow.ApplicantTypes() {
		types = append(types, string(ty))
	}
	for _, f := range workflow.ProvideForms() {
		forms = append(forms, string(f))
	}
	return &chat.WizardSpec{
		Source:    "依申请公开 · 登记",
		ShowTotal: true,
		CardHint:  "也可以直接回复文字",
		Fields: []chat.Field{
			{Key: "channel", Label: "申请渠道", Ask: asking("请选择申请渠道。"), Buttons: choices(channels, 2),
				Check: func(_ *chat.Turn, _ *chat.Wizard, s string) (string, error) {
					ch, err := workflow.ParseChannel(s)
					return wrongIf(string(ch), err)
				}},
			{Key: "received_on", Label: "收到申请日期", Ask: func(_ *chat.Turn, w *chat.Wizard) string {
				return receiptQuestion(workflow.Channel(w.Vals["channel"]))
			}, Check: b.checkReceived, Show: b.showDay,
				Echo: func(_ *chat.Turn, _, v string) string {
					return "收到申请日期：" + b.showDay(v) + "，答复期限从此日起算。"
				}},
			{Key: "applicant_type", Label: "申请人类型", Ask: asking("请选择申请人类型。"), Buttons: choices(types, 2),
				Check: func(_ *chat.Turn, _ *chat.Wizard, s string) (string, error) {
					ty, err := workflow.ParseApplicantType(s)
					return wrongIf(string(ty), err)
				}},
			{Key: "applicant_name", Label: "申请人", Ask: func(_ *chat.Turn, w *chat.Wizard) string {
				if workflow.ApplicantType(w.Vals["applicant_type"]).Organisation() {
					return "请输入申请单位的名称。"
				}
				return "请输入申请人姓名。"
			}, Check: b.checkInput("applicant_name", func(in *Input, s string) { in.ApplicantName = s })},
			{Key: "applicant_id_no", Label: "证件号码", Optional: true, Ask: func(_ *chat.Turn, w *chat.Wizard) string {
				if workflow.ApplicantType(w.Vals["applicant_type"]).Organisation() {
					return "请输入统一社会信用代码（没有可回复「跳过」）。"
				}
				return "请输入申请人身份证号码（没有可回复「跳过」）。"
			}, Check: func(_ *chat.Turn, w *chat.Wizard, s string) (string, error) {
				check := workflow.CheckIDNumber
				if workflow.ApplicantType(w.Vals["applicant_type"]).Organisation() {
					check = workflow.CheckCreditCode
				}
				return wrongIf(check(s))
			}, Show: workflow.MaskID},
			{Key: "applicant_phone", Label: "联系电话", Optional: true, Ask: asking("请输入联系电话（没有可回复「跳过」）。"),
				Check: func(_ *chat.Turn, _ *chat.Wizard, s string) (string, error) { return wrongIf(workflow.CheckPhone(s)) }},
			{Key: "applicant_address", Label: "通讯地址", Optional: true, Ask: asking("请输入通讯地址或电子邮箱，用于送达答复（没有可回复「跳过」）。"),
				Check: b.checkInput("applicant_address", func(in *Input, s string) { in.ApplicantAddress = s })},
			{Key: "content", Label: "所需信息", Ask: asking("请输入申请公开的政府信息的名称、文号或便于查询的特征描述。"),
				Check: b.checkInput("content", func(in *Input, s string) { in.Content = s })},
			{Key: "provide_form", Label: "获取方式", Ask: asking("请选择申请人要求的获取信息方式。"), Buttons: choices(forms, 2),
				Check: func(_ *chat.Turn, _ *chat.Wizard, s string) (string, error) {
					f, err := workflow.ParseProvideForm(s)
					return wrongIf(string(f), err)
				}},
			{Key: "section", Label: "承办股室", Ask: asking("请选择承办股室。"), Buttons: func() []bot.CardButton {
				return choices(b.sectionNames(), 2)()
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
		Save:        func(t *chat.Turn, _ *chat.Wizard) { b.Save(t, c.Kind, c) },
		SubmitKey:   "app_submit",
		EditKey:     "app_edit",
		CancelKey:   "app_cancel",
		StartWords:  []string{"登记申请", "依申请登记"},
		Cancelled:   "已取消登记。",
		Help:        "您正在登记政府信息公开申请。请回答下面的问题；发送「取消」放弃，发送「上一步」返回。",
		InProgress:  "您正在登记政府信息公开申请，请先完成填写，或发送「取消」放弃后再重新登记。",
		EditAll:     "请逐项修改：每一步发送「保留」即沿用已填内容。",
		ConfirmHint: "请点击「提交」「修改」或「取消」，也可以直接回复。",
	}
}

// lateNotice is how few working days left before the deadline make the
// summary warn that the application was registered late.
const lateNotice = 5

// msgCommandAsAnswer refuses a command typed where a text is asked for:
// it would otherwise be stored as the answer.
func msgCommandAsAnswer(label string) string {
	return "请直接回复" + label + "。如需办理其他事项，请先发送「取消」结束当前填写。"
}

// receiptQuestion asks for the day of receipt as 条例 Art. 31 defines it
// for the channel.
func receiptQuestion(ch workflow.Channel) string {
	switch ch {
	case workflow.ChannelLetter:
		return "平信没有签收记录：请先与申请人确认已收到申请，再输入确认之日（如「今天」、2026-12-01、12月1日）。"
	case workflow.ChannelOnline, workflow.ChannelFax:
		return "请输入与申请人双方确认收到申请之日（如「今天」、2026-12-01、12月1日）。"
	case workflow.ChannelPost:
		return "请输入本机关签收邮件之日（如「今天」、2026-12-01、12月1日）。"
	}
	return "请输入申请人当面提交之日（如「今天」、2026-12-01、12月1日）。"
}

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

// checkInput checks one text field as Validate does, so that the chat
// refuses at the question what the summary would refuse later.
func (b *Flow) checkInput(field string, set func(*Input, string)) func(*chat.Turn, *chat.Wizard, string) (string, error) {
	return func(t *chat.Turn, _ *chat.Wizard, s string) (string, error) {
		if b.IsCommand(s) {
			return "", chat.Wrong(msgCommandAsAnswer(fieldLabels[field]))
		}
		in := Input{}
		set(&in, s)
		_, err := b.Validate(in, t.Now)
		if fe, ok := api.AsFieldErrors(err); ok {
			for _, e := range fe {
				if e.Field == field {
					return "", chat.Wrong(e.Message)
				}
			}
		}
		if field == "content" {
			return workflow.CheckChars(fieldLabels[field], s)
		}
		return strings.TrimSpace(s), nil
	}
}

// checkReceived reads the day of receipt: today or earlier.
func (b *Flow) checkReceived(t *chat.Turn, _ *chat.Wizard, s string) (string, error) {
	d, err := workflow.ParseDate(s, t.Now, b.Location, workflow.DatePast)
	switch {
	case errors.Is(err, workflow.ErrDateFuture):
		return "", chat.Wrong("收到申请日期" + workflow.FormatDate(d, b.Location) + "还没有到，请输入今天或以前的日期。")
	case err != nil:
		return "", chat.Wrong(workflow.DateRefusal(err, "没有识别出日期，请回复「今天」，或输入如 2026-12-01、12月1日。"))
	case beforeEarliest(d):
		return "", chat.Wrong("收到申请日期不能早于2019年5月15日（现行条例施行之日）。")
	}
	return d.Format(time.DateOnly), nil
}

// showDay is a stored YYYY-MM-DD with its year and weekday.
func (b *Flow) showDay(v string) string {
	d, err := time.ParseInLocation(time.DateOnly, v, b.Location)
	if err != nil {
		return v
	}
	return workflow.FormatDate(d, b.Location) + "（" + weekday(d) + "）"
}

func weekday(d time.Time) string {
	return "星期" + []string{"日", "一", "二", "三", "四", "五", "六"}[d.Weekday()]
}

// Start answers 登记申请: only the office registers applications.
func (b *Flow) Start(ctx context.Context, t *chat.Turn, s *chat.Session) error {
	to := t.Person.UserID
	if !t.Person.Has(config.RoleOffice) {
		return b.Text(ctx, t, to, "政府信息公开申请由综合办公室统一登记。收到申请材料时，请转交"+b.OfficeNames()+"。")
	}
	if b.InWizard(s) {
		return b.Text(ctx, t, to, "您有一项尚未完成的填写。请先完成，或发送「取消」放弃后再登记。")
	}
	c := &convo{Kind: KindRegister}
	if err := b.Text(ctx, t, to, "登记政府信息公开申请。答复期限按收到申请之日起20个工作日计算。\n随时发送「取消」放弃，「上一步」返回。"); err != nil {
		return err
	}
	return b.StartWizard(ctx, t, b.registration(c), &c.Wizard)
}

// StartFromOrder answers 「转为申请 工单号」: the office turns a 12345
// order that is really a 政府信息公开申请 into one. The answers are taken
// from the order (the caller as the applicant, its content, its section;
// received online today: the 12345 platform forwarded it, and Art. 31
// counts an online application from the day both sides confirm it), so
// the office goes straight to the summary card and 提交, or 修改 first.
func (b *Flow) StartFromOrder(ctx context.Context, t *chat.Turn, s *chat.Session, ticket string) error {
	to := t.Person.UserID
	if !t.Person.Has(config.RoleOffice) {
		return b.Text(ctx, t, to, "12345工单转为政府信息公开申请由综合办公室办理。")
	}
	if strings.TrimSpace(ticket) == "" {
		return b.Text(ctx, t, to, "请发送「转为申请 工单号」，如：转为申请 2026112800001。")
	}
	if b.InWizard(s) {
		return b.Text(ctx, t, to, "您有一项尚未完成的填写。请先完成，或发送「取消」放弃后再办理。")
	}
	o, err := b.Orders.ConvertCheck(ctx, t, ticket)
	if o == nil || err != nil {
		return err
	}
	if _, err := storage.ApplicationByOrder(ctx, t.Tx, o.ID); err == nil {
		return b.Text(ctx, t, to, "工单 "+o.TicketNo+" 已转为政府信息公开申请。")
	}
	name := o.CallerName
	if name == "" {
		name = "（未留姓名）"
	}
	c := &convo{Kind: KindRegister, OrderTicket: o.TicketNo}
	c.Vals = map[string]string{
		"channel": string(workflow.ChannelOnline), "received_on": t.Now.In(b.Location).Format(time.DateOnly),
		"applicant_type": string(workflow.ApplicantPerson), "applicant_name": name, "applicant_phone": o.CallerPhone,
		"content": o.Content, "provide_form": string(workflow.ProvideElectronic), "section": o.Section,
	}
	c.Step = chat.StepConfirm
	if err := b.Text(ctx, t, to, "将12345工单 "+o.TicketNo+" 转为政府信息公开申请。请核对下面的登记内容：申请人类型、获取方式等需与申请人确认，可点击「修改」。提交后工单以转办情况答复，并请登记人回复12345。"); err != nil {
		return err
	}
	return b.AskWizard(ctx, t, b.registration(c), &c.Wizard)
}

func (b *Flow) regInput(w *chat.Wizard, registrar string) Input {
	v := w.Vals
	return Input{
		Channel: v["channel"], ReceivedOn: v["received_on"], ApplicantName: v["applicant_name"],
		ApplicantType: v["applicant_type"], ApplicantIDNo: v["applicant_id_no"], ApplicantPhone: v["applicant_phone"],
		ApplicantAddress: v["applicant_address"], Content: v["content"], ProvideForm: v["provide_form"],
		Section: v["section"], Registrar: registrar,
	}
}

// regSummary is the summary card once the answers pass the API's checks;
// otherwise the field to fix.
func (b *Flow) regSummary(_ context.Context, t *chat.Turn, w *chat.Wizard) (bot.TemplateCard, error) {
	a, err := b.Validate(b.regInput(w, t.Person.UserID), t.Now)
	if fe, ok := api.AsFieldErrors(err); ok {
		fields := b.registration(&convo{}).Fields
		fix := chat.Fix{Field: fields[0].Key, Msg: fe[0].Message}
		for _, e := range fe {
			if slices.ContainsFunc(fields, func(f chat.Field) bool { return f.Key == e.Field }) {
				fix = chat.Fix{Field: e.Field, Msg: e.Message}
				break
			}
		}
		return bot.TemplateCard{}, fix
	}
	if err != nil {
		return bot.TemplateCard{}, err
	}
	card := bot.TemplateCard{
		Source:       &bot.CardSource{Desc: "依申请公开 · 请核对"},
		MainTitle:    &bot.CardTitle{Title: "政府信息公开申请", Desc: a.ApplicantName + " · " + a.ApplicantType},
		SubTitleText: chat.Clip(a.Content, 120),
		HorizontalContentList: []bot.CardField{
			{KeyName: "申请渠道", Value: a.Channel},
			{KeyName: "收到日期", Value: b.day(a.ReceivedD)},
			{KeyName: "答复期限", Value: b.day(a.DueD) + "（" + b.daysLeft(a, t.Now) + "）"},
			{KeyName: "证件号码", Value: chat.OrDash(a.ApplicantIDNo)},
			{KeyName: "联系方式", Value: chat.OrDash(strings.TrimSpace(a.ApplicantPhone + " " + a.ApplicantAddress))},
			{KeyName: "获取方式 / 承办", Value: a.ProvideForm + " · " + chat.OrDash(a.Section)},
		},
	}
	// An application typed in late has little time left: said before 提交,
	// while the office can still hurry it.
	today := storage.Day(t.Now.In(b.Location), b.Location)
	var notes []string
	if left, err := b.Calendar.WorkingDaysBetween(today, storage.Day(a.DueD, b.Location)); err == nil && left <= lateNotice || storage.Day(a.DueD, b.Location).Before(today) {
		notes = append(notes, "收到申请已较久，答复期限为"+b.day(a.DueD)+"（"+b.daysLeft(a, t.Now)+"），请尽快分办办理。")
	}
	if due, err := workflow.ApplicationDeadlines(b.Calendar, workflow.ApplicationEvents{Received: storage.Day(a.ReceivedD, b.Location)}); err == nil && today.After(storage.Day(due.SupplementBy, b.Location)) {
		notes = append(notes, "已超过收到申请之日起7个工作日（"+b.day(due.SupplementBy)+"），不能再要求申请人补正（《条例》第三十条）。")
	}
	if len(notes) > 0 {
		card.QuoteArea = &bot.CardQuote{Title: "请注意", QuoteText: strings.Join(notes, "\n")}
	}
	return card, nil
}

func (b *Flow) submitRegistration(ctx context.Context, t *chat.Turn, c *convo) error {
	to := t.Person.UserID
	a, err := b.Validate(b.regInput(&c.Wizard, to), t.Now)
	if _, ok := api.AsFieldErrors(err); ok {
		c.Step = chat.StepConfirm
		return b.AskWizard(ctx, t, b.registration(c), &c.Wizard) // says what to fix
	}
	if err != nil {
		return err
	}
	a.Source = "chat"
	if c.OrderTicket != "" {
		o, err := b.Orders.ConvertCheck(ctx, t, c.OrderTicket)
		if o == nil || err != nil {
			b.End(t)
			return err
		}
		a.OrderID, a.Source = sql.NullInt64{Int64: o.ID, Valid: true}, "order"
	}
	b.End(t)
	if _, err := b.register(ctx, t, a); err != nil {
		return err
	}
	// The application just registered is the one the registrar's next
	// images are about (the letter's and the ID's photos).
	if err := storage.SetChatFocus(ctx, t.Tx, to, storage.ChatFocus{Kind: storage.DocApplication, RecordID: a.ID, At: t.Now}); err != nil {
		return err
	}
	head, _ := b.Roster.HeadOf(a.Section)
	fee, err := b.feeNote(ctx, t, a)
	if err != nil {
		return err
	}
	if fee != "" {
		fee = "\n" + fee
	}
	err = b.Text(ctx, t, to, fmt.Sprintf("已登记 %s：%s收到，答复期限%s（%s）。已分办至%s（%s）签收。%s\n发送「申请 %s」查看详情。",
		a.Number(), b.day(a.ReceivedD), b.day(a.DueD), b.daysLeft(a, t.Now), a.Section, head.Name, fee, a.Number())+
		b.letterLine(a, "接收回执", LetterRef{Kind: letters.KindReceipt}, t.Now))
	if err != nil || c.OrderTicket == "" {
		return err
	}
	// After the confirmation: the office holds the order's 已回复12345
	// card too, and should read what it is about first.
	return b.Orders.Convert(ctx, t, c.OrderTicket, a.Number())
}
