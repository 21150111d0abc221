package forms

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// The wizard's fields, in order; the keys are also its steps.
const (
	stepTitle     = "title"
	stepSummary   = "summary"
	stepFormed    = "formed"
	stepMode      = "mode"
	stepColumn    = "column"
	stepPlatforms = "platforms"
	stepMajor     = "major"
)

// formedAsk holds a 形成日期 more than a year back while 是 / 否 is asked
// (YYYY-MM-DD).
const formedAsk = "_formed_ask"

// wizard is the 提交 conversation: the fields of the paper 审批单 one by one,
// then the summary card. It is built for one call: ctx is that call's, for
// the checks that read the register.
func (b *Flow) wizard(ctx context.Context, c *convo) *chat.WizardSpec {
	fields := []chat.Field{
		{Key: stepTitle, Label: "标题", Ask: func(*chat.Turn, *chat.Wizard) string {
			return fmt.Sprintf("请输入标题（不超过%d字）。", workflow.MaxTitle)
		}, Check: func(_ *chat.Turn, _ *chat.Wizard, s string) (string, error) { return checked(workflow.CheckTitle(s)) }},
		{Key: stepSummary, Label: "简要内容", Ask: func(*chat.Turn, *chat.Wizard) string {
			return fmt.Sprintf("请输入简要内容（不超过%d字）。", workflow.MaxSummary)
		}, Check: func(_ *chat.Turn, _ *chat.Wizard, s string) (string, error) { return checked(workflow.CheckSummary(s)) }},
		{Key: stepFormed, Label: "信息形成日期", Ask: b.askFormed, Check: b.checkFormed, Show: b.showDate,
			Echo: func(_ *chat.Turn, _, v string) string { return "信息形成日期：" + b.showDate(v) + "。" }},
		{Key: stepMode, Label: "公开形式", Ask: func(*chat.Turn, *chat.Wizard) string { return "请选择公开形式" },
			Buttons: func() []bot.CardButton {
				return []bot.CardButton{
					{Text: string(workflow.ModeActive), Key: "mode_active", Style: 1},
					{Text: string(workflow.ModeRequest), Key: "mode_request", Style: 2},
				}
			}, Check: checkMode, Then: afterMode},
		b.applicationField(ctx, c),
		{Key: stepColumn, Label: "公开栏目", Ask: func(*chat.Turn, *chat.Wizard) string { return "请选择公开栏目" },
			Buttons: b.columnButtons, Check: b.checkColumn,
			Auto: func() (string, bool) {
				if len(b.Roster.Columns) == 1 {
					return b.Roster.Columns[0], true // a single 公开栏目 needs no question
				}
				return "", false
			}},
	}
	fields = append(fields, b.categoryFields(c)...)
	fields = append(fields, []chat.Field{
		{Key: stepPlatforms, Label: "公开平台", Ask: func(*chat.Turn, *chat.Wizard) string { return "请选择公开平台" },
			Desc: "可多选，至少一项；也可直接回复序号，如 1,3", Options: platformOptions,
			Check: func(_ *chat.Turn, _ *chat.Wizard, s string) (string, error) {
				ps, err := parsePlatforms(s)
				return strings.Join(ps, "、"), err
			}},
		{Key: stepMajor, Label: "是否重大事项", Ask: func(*chat.Turn, *chat.Wizard) string { return "是否重大事项？" },
			Desc: "重大事项须报主要负责人审核。",
			Buttons: func() []bot.CardButton {
				return []bot.CardButton{{Text: "是", Key: "major_yes", Style: 2}, {Text: "否", Key: "major_no", Style: 1}}
			}, Check: checkMajor},
	}...)
	return &chat.WizardSpec{
		Source:  "政务公开",
		Fields:  fields,
		Summary: b.draftSummary,
		Submit: func(ctx context.Context, t *chat.Turn, w *chat.Wizard) error {
			return b.submitDraft(ctx, t, c)
		},
		Save:        func(t *chat.Turn, _ *chat.Wizard) { b.saveConvo(t, c) },
		Ref:         c.DraftID,
		SubmitKey:   "confirm_submit",
		EditKey:     "confirm_edit",
		CancelKey:   "confirm_cancel",
		StartWords:  []string{"提交", "提交公开申请", "公开申请"},
		Cancelled:   "已取消，草稿已删除。需要时请重新发送「提交」。",
		Help:        "您正在填写信息公开审批单。请回答下面的问题；发送「取消」放弃，发送「上一步」返回。",
		InProgress:  msgDraftInProgress,
		EditAll:     "请逐项修改：每一步发送「保留」即沿用已填内容。",
		ConfirmHint: "请点击卡片上的「提交」「修改」或「取消」；也可以发送「取消」放弃。",
	}
}

const msgDraftInProgress = "您有一份尚未完成的草稿。请先完成填写，或发送「取消」放弃后再重新开始。"

// checked turns a workflow check's error into a wrong answer.
func checked(v string, err error) (string, error) {
	if err != nil {
		return "", chat.Wrong(err.Error())
	}
	return v, nil
}

// startDraft opens the wizard, empty or prefilled from a rejected form.
func (b *Flow) startDraft(ctx context.Context, t *chat.Turn, c *convo, prefill draftForm, reviseID int64, reviseV int) error {
	if c != nil && c.Kind == KindDraft {
		if err := b.Text(ctx, t, t.Person.UserID, msgDraftInProgress); err != nil {
			return err
		}
		return b.AskWizard(ctx, t, b.wizard(ctx, c), &c.Wizard)
	}
	if t.Person.Section == "" {
		return b.Text(ctx, t, t.Person.UserID, "您未登记所属股室，无法提交公开申请。请联系综合办公室完善人员名单。")
	}
	nc := &convo{Kind: KindDraft, DraftID: chat.Nonce() + chat.Nonce(), ReviseID: reviseID, ReviseV: reviseV}
	nc.Vals = prefill.vals()
	intro := "开始填写信息公开审批单（承办股室：" + t.Person.Section + "，承办人：" + t.Person.Name + "）。\n随时发送「取消」放弃，发送「上一步」返回修改。"
	if reviseID != 0 {
		intro = "开始修改审批单，原内容已带入：每一步发送「保留」即沿用原内容。\n随时发送「取消」放弃，发送「上一步」返回修改。"
	}
	if err := b.Text(ctx, t, t.Person.UserID, intro); err != nil {
		return err
	}
	return b.StartWizard(ctx, t, b.wizard(ctx, nc), &nc.Wizard)
}

// onDraftText handles a text answer in the wizard.
func (b *Flow) onDraftText(ctx context.Context, t *chat.Turn, c *convo, text string) error {
	return b.WizardText(ctx, t, b.wizard(ctx, c), &c.Wizard, text)
}

// onDraftCard handles a click on a wizard card.
func (b *Flow) onDraftCard(ctx context.Context, t *chat.Turn, c *convo) error {
	if c == nil || c.Kind != KindDraft {
		// The draft's conversation is over; its summary card says which
		// draft it was, so a late 提交 is told what became of it.
		if id, ok := chat.SummaryRef(t.Msg.TaskID); ok && t.Msg.EventKey == "confirm_submit" {
			if told, err := b.toldSubmitted(ctx, t, id); told || err != nil {
				return err
			}
		}
		return b.Text(ctx, t, t.Person.UserID, chat.MsgCardExpired)
	}
	return b.WizardClick(ctx, t, b.wizard(ctx, c), &c.Wizard)
}

func (b *Flow) askFormed(t *chat.Turn, w *chat.Wizard) string {
	if ask := w.Vals[formedAsk]; ask != "" {
		return "信息形成日期为 " + b.showDate(ask) + "，距今已超过一年。确认无误请回复「是」，重新填写请回复「否」。"
	}
	today := workflow.FormatDate(t.Now, b.Location)
	return "请输入信息形成日期，如 2026-11-28、11月28日、今天、昨天。\n发送「今天」即为 " + today + "。"
}

func (b *Flow) checkFormed(t *chat.Turn, w *chat.Wizard, text string) (string, error) {
	if ask := w.Vals[formedAsk]; ask != "" {
		delete(w.Vals, formedAsk)
		switch text {
		case "是", "确认":
			return ask, nil
		case "否", "不是":
			return "", chat.Wrong("") // ask for the date again
		}
		// Anything else is read as the date typed anew.
	}
	v, err := workflow.ParseDate(text, t.Now, b.Location, workflow.DatePast)
	if err != nil {
		return "", chat.Wrong(err.Error())
	}
	// A slip of the year is easy to make and hard to notice later: the
	// 主动公开 deadline would already be long past.
	if workflow.MoreThanAYearAgo(v, t.Now, b.Location) {
		w.Vals[formedAsk] = v.Format(time.DateOnly)
		return "", chat.Wrong("")
	}
	return v.Format(time.DateOnly), nil
}

func checkMode(_ *chat.Turn, _ *chat.Wizard, text string) (string, error) {
	switch text {
	case "主动", "主动公开", "1":
		return string(workflow.ModeActive), nil
	case "依申请", "依申请公开", "2":
		return string(workflow.ModeRequest), nil
	}
	return "", chat.Wrong("请点击卡片上的按钮，或回复「主动公开」或「依申请公开」。")
}

// afterMode follows a change of 公开形式. To 主动公开 the application is
// dropped and the 信息类别 is to be asked; to 依申请公开 the application is
// to be asked and the category dropped (a reply is not in table 二). What
// is to be asked is asked also when the mode was changed alone from the
// summary (draftSummary then asks it).
func afterMode(_ context.Context, _ *chat.Turn, w *chat.Wizard, mode string) (bool, error) {
	changed := w.Vals[stepMode] != mode
	switch {
	case mode != string(workflow.ModeRequest):
		w.Vals[stepApplication] = ""
	case changed:
		delete(w.Vals, stepApplication)
	}
	switch {
	case mode != string(workflow.ModeActive):
		w.Vals[stepCategory] = ""
		clearCategoryDetail(w.Vals)
	case changed:
		delete(w.Vals, stepCategory)
		clearCategoryDetail(w.Vals)
	}
	return false, nil
}

func (b *Flow) columnButtons() []bot.CardButton {
	var btns []bot.CardButton
	for i, col := range b.Roster.Columns {
		if i == bot.MaxButtons {
			break
		}
		btns = append(btns, bot.CardButton{Text: col, Key: "col_" + strconv.Itoa(i), Style: 2})
	}
	return btns
}

func (b *Flow) checkColumn(_ *chat.Turn, _ *chat.Wizard, text string) (string, error) {
	i, err := strconv.Atoi(text)
	switch {
	case slices.Contains(b.Roster.Columns, text):
		return text, nil
	case err == nil && i >= 1 && i <= len(b.Roster.Columns):
		return b.Roster.Columns[i-1], nil
	}
	return "", chat.Wrong("请选择列出的公开栏目：" + strings.Join(b.Roster.Columns, "、") + "。")
}

func platformOptions(w *chat.Wizard) []bot.CardOption {
	chosen, _ := parsePlatforms(w.Vals[stepPlatforms])
	var opts []bot.CardOption
	for i, p := range workflow.Platforms() {
		opts = append(opts, bot.CardOption{ID: "p" + strconv.Itoa(i), Text: string(p), IsChecked: slices.Contains(chosen, string(p))})
	}
	return opts
}

func checkMajor(_ *chat.Turn, _ *chat.Wizard, text string) (string, error) {
	switch text {
	case "是", "重大", "是重大事项":
		return yesNo(true), nil
	case "否", "不是", "一般":
		return yesNo(false), nil
	}
	return "", chat.Wrong("请点击「是」或「否」，或直接回复 是 / 否。")
}

func (b *Flow) draftSummary(ctx context.Context, t *chat.Turn, w *chat.Wizard) (bot.TemplateCard, error) {
	d := draftOf(w.Vals)
	major := d.Major != nil && *d.Major
	if _, asked := w.Vals[stepApplication]; d.Mode == string(workflow.ModeRequest) && !asked {
		// 公开形式 was changed to 依申请公开 from the summary, or the draft
		// is older than the question: ask it, then come back here.
		w.Back = true
		return bot.TemplateCard{}, chat.Fix{Field: stepApplication, Msg: "公开形式为依申请公开，请填写对应的申请编号。"}
	}
	if fix, ok := categoryFix(w.Vals); ok {
		w.Back = true
		return bot.TemplateCard{}, fix
	}
	app, err := b.applicationByNumber(ctx, t.Tx, d.Application)
	if errors.Is(err, storage.ErrNotFound) {
		w.Back = true
		return bot.TemplateCard{}, chat.Fix{Field: stepApplication, Msg: "没有找到关联申请 " + d.Application + "，请重新填写。"}
	}
	if err != nil {
		return bot.TemplateCard{}, err
	}
	// A card holds six fields: a 主动公开 form's 信息类别 takes the place of
	// 承办, which is the submitter, named when the wizard began.
	first := bot.CardField{KeyName: "承办", Value: t.Person.Section + " " + t.Person.Name}
	if d.Mode == string(workflow.ModeActive) {
		first = bot.CardField{KeyName: "信息类别", Value: d.infoCategory().Label()}
	}
	return bot.TemplateCard{
		Source:       &bot.CardSource{Desc: "政务公开 · 请核对"},
		MainTitle:    &bot.CardTitle{Title: chat.Clip(d.Title, 26), Desc: "信息公开审批单（待提交）"},
		SubTitleText: chat.Clip(d.Summary, 120),
		HorizontalContentList: []bot.CardField{
			first,
			{KeyName: "形成日期", Value: b.showDate(d.FormedOn)},
			{KeyName: "公开形式", Value: d.Mode + " · " + d.Column},
			{KeyName: "公开平台", Value: strings.Join(d.Platforms, "、")},
			{KeyName: "重大事项", Value: yesNo(major)},
			{KeyName: "公开时限", Value: b.deadlineText(d, app)},
		},
	}, nil
}

// draftOf reads the wizard's answers as the form they make.
func draftOf(vals map[string]string) draftForm {
	d := draftForm{
		Title: vals[stepTitle], Summary: vals[stepSummary], FormedOn: vals[stepFormed],
		Mode: vals[stepMode], Column: vals[stepColumn],
	}
	if ps := vals[stepPlatforms]; ps != "" {
		d.Platforms = strings.Split(ps, "、")
	}
	if m := vals[stepMajor]; m != "" {
		v := m == yesNo(true)
		d.Major = &v
	}
	if d.Mode == string(workflow.ModeRequest) {
		d.Application = vals[stepApplication]
	}
	if d.Mode == string(workflow.ModeActive) {
		if fc, ok := categoryOf(vals); ok {
			d.setInfoCategory(fc)
		}
	}
	return d
}

// vals are d as the wizard's answers (a rejected form's, to revise it).
func (d draftForm) vals() map[string]string {
	v := map[string]string{
		stepTitle: d.Title, stepSummary: d.Summary, stepFormed: d.FormedOn,
		stepMode: d.Mode, stepApplication: d.Application, stepColumn: d.Column, stepPlatforms: strings.Join(d.Platforms, "、"),
	}
	if d.Major != nil {
		v[stepMajor] = yesNo(*d.Major)
	}
	// A 主动公开 form's category; a draft or form older than the question
	// has none, and is asked it.
	if d.Mode == string(workflow.ModeActive) && d.Category != "" {
		maps.Copy(v, categoryVals(d.infoCategory()))
	}
	maps.DeleteFunc(v, func(_, s string) bool { return s == "" })
	return v
}

var listSep = regexp.MustCompile(`[,，、;；\s]+`)

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

// deadlineText shows the 主动公开 limit of a draft, or the reply deadline
// of the application app it answers (nil for none).
func (b *Flow) deadlineText(d draftForm, app *storage.Application) string {
	if d.Mode == string(workflow.ModeRequest) && app != nil {
		due, ok := b.replyDeadline(app)
		return b.replyDeadlineText(app.Number(), sql.NullTime{Time: due, Valid: ok})
	}
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
				return nil, chat.Wrong("序号应为 1 到 4：1 政府网站，2 政务信息期刊，3 “双微”公众号，4 三务公开。")
			}
			chosen = append(chosen, all[i-1])
			continue
		}
		p, ok := platformByName(part)
		if !ok {
			return nil, chat.Wrong("没有识别出「" + part + "」。请回复序号：1 政府网站，2 政务信息期刊，3 “双微”公众号，4 三务公开，可多选，如 1,3。")
		}
		chosen = append(chosen, p)
	}
	chosen = workflow.SortPlatforms(chosen)
	if len(chosen) == 0 {
		return nil, chat.Wrong(workflow.ErrNoPlatform.Error())
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
