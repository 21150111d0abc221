package forms

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/chat"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/workflow"
)

// Wizard steps, in order.
const (
	stepTitle     = "title"
	stepSummary   = "summary"
	stepFormed    = "formed"
	stepMode      = "mode"
	stepColumn    = "column"
	stepPlatforms = "platforms"
	stepMajor     = "major"
	stepConfirm   = "confirm"
)

var wizardSteps = []string{stepTitle, stepSummary, stepFormed, stepMode, stepColumn, stepPlatforms, stepMajor, stepConfirm}

// startDraft opens the wizard, empty or prefilled from a rejected form.
func (b *Flow) startDraft(ctx context.Context, t *chat.Turn, c *convo, prefill draftForm, reviseID int64, reviseV int) error {
	if c != nil && c.Kind == KindDraft {
		if err := b.Text(ctx, t, t.Person.UserID, "您有一份尚未完成的草稿。请先完成填写，或发送「取消」放弃后再重新开始。"); err != nil {
			return err
		}
		return b.askStep(ctx, t, c)
	}
	if t.Person.Section == "" {
		return b.Text(ctx, t, t.Person.UserID, "您未登记所属股室，无法提交公开申请。请联系综合办公室完善人员名单。")
	}
	nc := &convo{Kind: KindDraft, Step: stepTitle, Draft: prefill, ReviseID: reviseID, ReviseV: reviseV}
	nc.Draft.ID = chat.Nonce() + chat.Nonce()
	intro := "开始填写信息公开审批单（承办股室：" + t.Person.Section + "，承办人：" + t.Person.Name + "）。\n随时发送「取消」放弃，发送「上一步」返回修改。"
	if reviseID != 0 {
		intro = "开始修改审批单，原内容已带入：每一步发送「保留」即沿用原内容。\n随时发送「取消」放弃，发送「上一步」返回修改。"
	}
	if err := b.Text(ctx, t, t.Person.UserID, intro); err != nil {
		return err
	}
	return b.askStep(ctx, t, nc)
}

// askStep asks the question of c.Step and saves the conversation.
func (b *Flow) askStep(ctx context.Context, t *chat.Turn, c *convo) error {
	if c.Step == stepColumn && len(b.Roster.Columns) == 1 {
		// A single 公开栏目 needs no question.
		c.Draft.Column = b.Roster.Columns[0]
		c.Step = stepPlatforms
	}
	b.saveConvo(t, c)
	to := t.Person.UserID
	d := c.Draft
	keep := func(cur string) string {
		if cur == "" {
			return ""
		}
		return "\n当前：" + cur + "（发送「保留」沿用）"
	}
	switch c.Step {
	case stepTitle:
		return b.Text(ctx, t, to, fmt.Sprintf("%s：请输入标题（不超过%d字）。", b.stepNo(c.Step), workflow.MaxTitle)+keep(d.Title))
	case stepSummary:
		return b.Text(ctx, t, to, fmt.Sprintf("%s：请输入简要内容（不超过%d字）。", b.stepNo(c.Step), workflow.MaxSummary)+keep(d.Summary))
	case stepFormed:
		if c.FormedAsk != "" {
			return b.Text(ctx, t, to, b.stepNo(c.Step)+"：信息形成日期为 "+b.showDate(c.FormedAsk)+"，距今已超过一年。确认无误请回复「是」，重新填写请回复「否」。")
		}
		today := workflow.FormatDate(t.Now, b.Location)
		return b.Text(ctx, t, to, b.stepNo(c.Step)+"：请输入信息形成日期，如 2026-11-28、11月28日、今天、昨天。\n发送「今天」即为 "+today+"。"+keep(b.showDate(d.FormedOn)))
	case stepMode:
		return b.wizardCard(ctx, t, c, b.stepNo(c.Step)+"：请选择公开形式", keep(d.Mode), []bot.CardButton{
			{Text: string(workflow.ModeActive), Key: "mode_active", Style: 1},
			{Text: string(workflow.ModeRequest), Key: "mode_request", Style: 2},
		})
	case stepColumn:
		var btns []bot.CardButton
		for i, col := range b.Roster.Columns {
			if i == bot.MaxButtons {
				break
			}
			btns = append(btns, bot.CardButton{Text: col, Key: "col_" + strconv.Itoa(i), Style: 2})
		}
		return b.wizardCard(ctx, t, c, b.stepNo(c.Step)+"：请选择公开栏目", keep(d.Column), btns)
	case stepPlatforms:
		c.CardTask = "d" + chat.Nonce() + "-p"
		b.saveConvo(t, c)
		var opts []bot.CardOption
		for i, p := range workflow.Platforms() {
			opts = append(opts, bot.CardOption{ID: "p" + strconv.Itoa(i), Text: string(p), IsChecked: slices.Contains(d.Platforms, string(p))})
		}
		card := bot.TemplateCard{
			CardType:     bot.CardVoteInteraction,
			Source:       &bot.CardSource{Desc: "政务公开"},
			MainTitle:    &bot.CardTitle{Title: b.stepNo(c.Step) + "：请选择公开平台", Desc: "可多选，至少一项；也可直接回复序号，如 1,3"},
			TaskID:       c.CardTask,
			Checkbox:     &bot.CardCheckbox{QuestionKey: "platforms", OptionList: opts, Mode: 1},
			SubmitButton: &bot.CardSubmit{Text: "确定", Key: "platforms_ok"},
		}
		return b.Card(ctx, t, card, to)
	case stepMajor:
		cur := ""
		if d.Major != nil {
			cur = yesNo(*d.Major)
		}
		return b.wizardCard(ctx, t, c, b.stepNo(c.Step)+"：是否重大事项？", "重大事项须报主要负责人审核。"+keep(cur), []bot.CardButton{
			{Text: "是", Key: "major_yes", Style: 2},
			{Text: "否", Key: "major_no", Style: 1},
		})
	case stepConfirm:
		card := b.draftSummaryCard(t, c)
		return b.Card(ctx, t, card, to)
	}
	return fmt.Errorf("wizard: unknown step %q", c.Step)
}

// stepNo numbers the questions the user actually sees: 第1步 … 第7步,
// without a gap where the single 公开栏目 is chosen for them.
func (b *Flow) stepNo(step string) string {
	n := 0
	for _, s := range wizardSteps {
		if s == stepColumn && len(b.Roster.Columns) == 1 {
			continue
		}
		n++
		if s == step {
			break
		}
	}
	return fmt.Sprintf("第%d步", n)
}

func yesNo(v bool) string {
	if v {
		return "是"
	}
	return "否"
}

func (b *Flow) showDate(iso string) string {
	if iso == "" {
		return ""
	}
	d, err := time.ParseInLocation(time.DateOnly, iso, b.Location)
	if err != nil {
		return iso
	}
	return workflow.FormatDate(d, b.Location)
}

// wizardCard sends a button card for a step; only the newest may be used.
func (b *Flow) wizardCard(ctx context.Context, t *chat.Turn, c *convo, title, desc string, buttons []bot.CardButton) error {
	c.CardTask = "d" + chat.Nonce() + "-" + c.Step[:1]
	b.saveConvo(t, c)
	card := bot.TemplateCard{
		CardType:   bot.CardButtonInteraction,
		Source:     &bot.CardSource{Desc: "政务公开"},
		MainTitle:  &bot.CardTitle{Title: title, Desc: strings.TrimPrefix(desc, "\n")},
		TaskID:     c.CardTask,
		ButtonList: buttons,
	}
	return b.Card(ctx, t, card, t.Person.UserID)
}

func (b *Flow) draftSummaryCard(t *chat.Turn, c *convo) bot.TemplateCard {
	d := c.Draft
	c.CardTask = "d" + chat.Nonce() + "-c"
	b.saveConvo(t, c)
	major := false
	if d.Major != nil {
		major = *d.Major
	}
	return bot.TemplateCard{
		CardType:     bot.CardButtonInteraction,
		Source:       &bot.CardSource{Desc: "政务公开 · 请核对"},
		MainTitle:    &bot.CardTitle{Title: chat.Clip(d.Title, 26), Desc: "信息公开审批单（待提交）"},
		SubTitleText: chat.Clip(d.Summary, 120),
		HorizontalContentList: []bot.CardField{
			{KeyName: "承办", Value: t.Person.Section + " " + t.Person.Name},
			{KeyName: "形成日期", Value: b.showDate(d.FormedOn)},
			{KeyName: "公开形式", Value: d.Mode + " · " + d.Column},
			{KeyName: "公开平台", Value: strings.Join(d.Platforms, "、")},
			{KeyName: "重大事项", Value: yesNo(major)},
			{KeyName: "公开时限", Value: b.deadlineText(d)},
		},
		TaskID: c.CardTask,
		ButtonList: []bot.CardButton{
			{Text: "提交", Key: "confirm_submit", Style: 1},
			{Text: "修改", Key: "confirm_edit", Style: 2},
			{Text: "取消", Key: "confirm_cancel", Style: 3},
		},
	}
}

// deadlineText shows the 主动公开 limit of a draft.
func (b *Flow) deadlineText(d draftForm) string {
	if d.Mode != string(workflow.ModeActive) {
		return "依申请公开，不适用"
	}
	formed, err := time.ParseInLocation(time.DateOnly, d.FormedOn, b.Location)
	if err != nil {
		return "—"
	}
	due, err := b.Calendar.AddWorkingDays(formed, workflow.ActiveDisclosureDays)
	if err != nil {
		return "无法计算（缺少节假日安排）"
	}
	return workflow.FormatDate(due, b.Location) + "前"
}

// onDraftText handles a text answer in the wizard.
func (b *Flow) onDraftText(ctx context.Context, t *chat.Turn, c *convo, text string) error {
	to := t.Person.UserID
	switch text {
	case chat.WordCancel:
		b.End(t)
		return b.Text(ctx, t, to, "已取消，草稿已删除。需要时请重新发送「提交」。")
	case chat.WordBack:
		c.FormedAsk = ""
		i := slices.Index(wizardSteps, c.Step)
		if i <= 0 {
			return b.askStep(ctx, t, c)
		}
		c.Step = wizardSteps[i-1]
		if c.Step == stepColumn && len(b.Roster.Columns) == 1 {
			c.Step = stepMode
		}
		return b.askStep(ctx, t, c)
	case "帮助":
		if err := b.Text(ctx, t, to, "您正在填写信息公开审批单。请回答下面的问题；发送「取消」放弃，发送「上一步」返回。"); err != nil {
			return err
		}
		return b.askStep(ctx, t, c)
	case "提交", "提交公开申请":
		if c.Step == stepConfirm {
			return b.submitDraft(ctx, t, c)
		}
		return b.startDraft(ctx, t, c, draftForm{}, 0, 0) // explains the draft in progress
	case "修改":
		if c.Step == stepConfirm {
			c.Step = stepTitle
			if err := b.Text(ctx, t, to, "请逐项修改：每一步发送「保留」即沿用已填内容。"); err != nil {
				return err
			}
			return b.askStep(ctx, t, c)
		}
	}
	err := b.answer(t, c, text)
	var ue userError
	if errors.As(err, &ue) {
		if ue.msg != "" {
			if err := b.Text(ctx, t, to, ue.msg); err != nil {
				return err
			}
		}
		return b.askStep(ctx, t, c)
	}
	if err != nil {
		return err
	}
	if c.Step == stepFormed {
		if c.FormedAsk != "" {
			return b.askStep(ctx, t, c)
		}
		if text != chat.WordKeep {
			if err := b.Text(ctx, t, to, "信息形成日期："+b.showDate(c.Draft.FormedOn)+"。"); err != nil {
				return err
			}
		}
	}
	return b.advance(ctx, t, c)
}

// userError is a wrong answer: its message explains what to fix.
type userError struct{ msg string }

func (e userError) Error() string { return e.msg }

func wrong(msg string) error { return userError{msg} }

var listSep = regexp.MustCompile(`[,，、;；\s]+`)

// answer applies a typed answer to the current step.
func (b *Flow) answer(t *chat.Turn, c *convo, text string) error {
	d := &c.Draft
	if text == chat.WordKeep {
		c.FormedAsk = ""
		if b.stepFilled(c) {
			return nil
		}
		return wrong("这一步还没有可沿用的内容，请直接填写。")
	}
	switch c.Step {
	case stepTitle:
		v, err := workflow.CheckTitle(text)
		if err != nil {
			return wrong(err.Error())
		}
		d.Title = v
	case stepSummary:
		v, err := workflow.CheckSummary(text)
		if err != nil {
			return wrong(err.Error())
		}
		d.Summary = v
	case stepFormed:
		if ask := c.FormedAsk; ask != "" {
			c.FormedAsk = ""
			switch text {
			case "是", "确认":
				d.FormedOn = ask
				return nil
			case "否", "不是":
				return wrong("") // ask for the date again
			}
			// Anything else is read as the date typed anew.
		}
		v, err := workflow.ParseDate(text, t.Now, b.Location, workflow.DatePast)
		if err != nil {
			return wrong(err.Error())
		}
		// A slip of the year is easy to make and hard to notice later: the
		// 主动公开 deadline would already be long past.
		if workflow.MoreThanAYearAgo(v, t.Now, b.Location) {
			c.FormedAsk = v.Format(time.DateOnly)
			return nil
		}
		d.FormedOn = v.Format(time.DateOnly)
	case stepMode:
		switch text {
		case "主动", "主动公开", "1":
			d.Mode = string(workflow.ModeActive)
		case "依申请", "依申请公开", "2":
			d.Mode = string(workflow.ModeRequest)
		default:
			return wrong("请点击卡片上的按钮，或回复「主动公开」或「依申请公开」。")
		}
	case stepColumn:
		i, err := strconv.Atoi(text)
		switch {
		case slices.Contains(b.Roster.Columns, text):
			d.Column = text
		case err == nil && i >= 1 && i <= len(b.Roster.Columns):
			d.Column = b.Roster.Columns[i-1]
		default:
			return wrong("请选择列出的公开栏目：" + strings.Join(b.Roster.Columns, "、") + "。")
		}
	case stepPlatforms:
		ps, err := parsePlatforms(text)
		if err != nil {
			return err
		}
		d.Platforms = ps
	case stepMajor:
		switch text {
		case "是", "重大", "是重大事项":
			v := true
			d.Major = &v
		case "否", "不是", "一般":
			v := false
			d.Major = &v
		default:
			return wrong("请点击「是」或「否」，或直接回复 是 / 否。")
		}
	case stepConfirm:
		return wrong("请点击卡片上的「提交」「修改」或「取消」；也可以发送「取消」放弃。")
	}
	return nil
}

func (b *Flow) stepFilled(c *convo) bool {
	d := c.Draft
	switch c.Step {
	case stepTitle:
		return d.Title != ""
	case stepSummary:
		return d.Summary != ""
	case stepFormed:
		return d.FormedOn != ""
	case stepMode:
		return d.Mode != ""
	case stepColumn:
		return d.Column != ""
	case stepPlatforms:
		return len(d.Platforms) > 0
	case stepMajor:
		return d.Major != nil
	}
	return false
}

// parsePlatforms reads "1,3" or names like 网站、公众号.
func parsePlatforms(text string) ([]string, error) {
	all := workflow.Platforms()
	var chosen []workflow.Platform
	for _, part := range listSep.Split(strings.TrimSpace(text), -1) {
		if part == "" {
			continue
		}
		if i, err := strconv.Atoi(part); err == nil {
			if i < 1 || i > len(all) {
				return nil, wrong("序号应为 1 到 4：1 政府网站，2 政务信息期刊，3 “双微”公众号，4 三务公开。")
			}
			chosen = append(chosen, all[i-1])
			continue
		}
		p, ok := platformByName(part)
		if !ok {
			return nil, wrong("没有识别出「" + part + "」。请回复序号：1 政府网站，2 政务信息期刊，3 “双微”公众号，4 三务公开，可多选，如 1,3。")
		}
		chosen = append(chosen, p)
	}
	chosen = workflow.SortPlatforms(chosen)
	if len(chosen) == 0 {
		return nil, wrong(workflow.ErrNoPlatform.Error())
	}
	out := make([]string, len(chosen))
	for i, p := range chosen {
		out[i] = string(p)
	}
	return out, nil
}

func platformByName(s string) (workflow.Platform, bool) {
	s = strings.Trim(s, "“”\"")
	switch {
	case strings.Contains(s, "网站"):
		return workflow.PlatformWebsite, true
	case strings.Contains(s, "期刊"):
		return workflow.PlatformJournal, true
	case strings.Contains(s, "双微"), strings.Contains(s, "公众号"):
		return workflow.PlatformWeChat, true
	case strings.Contains(s, "三务"):
		return workflow.PlatformSanwu, true
	}
	return "", false
}

// advance moves to the next step after a good answer.
func (b *Flow) advance(ctx context.Context, t *chat.Turn, c *convo) error {
	c.FormedAsk = ""
	i := slices.Index(wizardSteps, c.Step)
	c.Step = wizardSteps[i+1]
	return b.askStep(ctx, t, c)
}

// onDraftCard handles a click on a wizard card.
func (b *Flow) onDraftCard(ctx context.Context, t *chat.Turn, c *convo) error {
	m := t.Msg
	to := t.Person.UserID
	if c == nil || c.Kind != KindDraft || m.TaskID != c.CardTask {
		return b.Text(ctx, t, to, chat.MsgCardExpired)
	}
	var chosen string
	switch m.EventKey {
	case "mode_active", "mode_request":
		c.Draft.Mode = string(workflow.ModeActive)
		if m.EventKey == "mode_request" {
			c.Draft.Mode = string(workflow.ModeRequest)
		}
		chosen = c.Draft.Mode
	case "major_yes", "major_no":
		v := m.EventKey == "major_yes"
		c.Draft.Major = &v
		chosen = yesNo(v)
	case "platforms_ok":
		var ps []workflow.Platform
		for _, id := range m.Selected("platforms") {
			i, err := strconv.Atoi(strings.TrimPrefix(id, "p"))
			if err == nil && i >= 0 && i < len(workflow.Platforms()) {
				ps = append(ps, workflow.Platforms()[i])
			}
		}
		ps = workflow.SortPlatforms(ps)
		if len(ps) == 0 {
			if err := b.Text(ctx, t, to, workflow.ErrNoPlatform.Error()); err != nil {
				return err
			}
			return b.askStep(ctx, t, c)
		}
		c.Draft.Platforms = nil
		for _, p := range ps {
			c.Draft.Platforms = append(c.Draft.Platforms, string(p))
		}
		chosen = strings.Join(c.Draft.Platforms, "、")
	case "confirm_submit":
		if err := b.ReplaceButton(ctx, t, to, "已提交"); err != nil {
			return err
		}
		return b.submitDraft(ctx, t, c)
	case "confirm_edit":
		if err := b.ReplaceButton(ctx, t, to, "修改中"); err != nil {
			return err
		}
		c.Step = stepTitle
		if err := b.Text(ctx, t, to, "请逐项修改：每一步发送「保留」即沿用已填内容。"); err != nil {
			return err
		}
		return b.askStep(ctx, t, c)
	case "confirm_cancel":
		if err := b.ReplaceButton(ctx, t, to, "已取消"); err != nil {
			return err
		}
		b.End(t)
		return b.Text(ctx, t, to, "已取消，草稿已删除。")
	default:
		if col, ok := strings.CutPrefix(m.EventKey, "col_"); ok {
			i, err := strconv.Atoi(col)
			if err == nil && i >= 0 && i < len(b.Roster.Columns) {
				c.Draft.Column = b.Roster.Columns[i]
				chosen = c.Draft.Column
				break
			}
		}
		return b.Text(ctx, t, to, chat.MsgCardUnknown)
	}
	if err := b.ReplaceButton(ctx, t, to, "已选择："+chat.Clip(chosen, 20)); err != nil {
		return err
	}
	return b.advance(ctx, t, c)
}

// replaceButton turns the clicked card's buttons into a note, for the
// clicker, with the click's response_code.
func (b *Flow) replaceButton(ctx context.Context, t *chat.Turn, userID, text string) error {
	if t.Msg.ResponseCode == "" {
		return nil
	}
	u := bot.CardUpdate{UserIDs: []string{userID}, ResponseCode: t.Msg.ResponseCode, Button: &bot.ReplaceName{ReplaceName: text}}
	if _, err := chat.Enqueue(ctx, t, "card_update", userID, u, ""); err != nil {
		return err
	}
	return nil
}
