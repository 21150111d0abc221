package forms

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/chat"

	"github.com/lib/pq"
	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// linkValidity is how long a 查看详情 link in a card works.
const linkValidity = 30 * 24 * time.Hour

// org is what routing needs of the roster for a form of section.
func (b *Flow) org(section string) workflow.Org {
	o := workflow.Org{}
	if head, ok := b.Roster.HeadOf(section); ok {
		o.SectionHead = head.UserID
	}
	for _, p := range b.Roster.WithRole(config.RoleOffice) {
		o.Office = append(o.Office, p.UserID)
	}
	for _, p := range b.Roster.WithRole(config.RoleLeader) {
		o.Leaders = append(o.Leaders, p.UserID)
	}
	for _, p := range b.Roster.WithRole(config.RolePublisher) {
		o.Publishers = append(o.Publishers, p.UserID)
	}
	return o
}

func serial(f *storage.Form) string { return workflow.FormatSerial(f.Year, f.Seq) }

// toldSubmitted tells the submitter, when draft id was submitted already,
// which form it became; it reports false when it was not.
func (b *Flow) toldSubmitted(ctx context.Context, t *chat.Turn, id string) (bool, error) {
	done, err := storage.DraftSubmitted(ctx, t.Tx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	f, err := storage.GetForm(ctx, t.Tx, done.FormID)
	if err != nil {
		return false, err
	}
	return true, b.Text(ctx, t, t.Person.UserID, fmt.Sprintf("这份草稿已于%s提交，编号 %s（第%d版），无需再次提交。当前：%s。",
		workflow.FormatDateTime(done.SubmittedAt, b.Location), serial(f), done.Version, b.where(f)))
}

// submitDraft stores the wizard's form, new or revised, routes it and
// sends the first cards.
func (b *Flow) submitDraft(ctx context.Context, t *chat.Turn, c *convo) error {
	d := draftOf(c.Vals)
	d.ID = c.DraftID
	to := t.Person.UserID
	if d.ID != "" {
		if told, err := b.toldSubmitted(ctx, t, d.ID); told || err != nil {
			b.End(t)
			return err
		}
	}
	formed, err := time.ParseInLocation(time.DateOnly, d.FormedOn, b.Location)
	_, categorized := categoryOf(c.Vals)
	if err != nil || d.Title == "" || d.Summary == "" || d.Mode == "" || len(d.Platforms) == 0 || d.Major == nil ||
		d.Mode == string(workflow.ModeActive) && !categorized {
		c.Step = stepTitle
		if err := b.Text(ctx, t, to, "草稿内容不完整，请重新核对填写。"); err != nil {
			return err
		}
		return b.AskWizard(ctx, t, b.wizard(ctx, c), &c.Wizard)
	}
	// The application first, locked before any form row: a change of its
	// deadline meanwhile either waits for this submission or is waited
	// for, and its SyncLinkedFormDeadlines then sees this form.
	app, err := b.applicationByNumber(ctx, t.Tx, d.Application)
	if errors.Is(err, storage.ErrNotFound) {
		c.Step, c.Back = stepApplication, true
		if err := b.Text(ctx, t, to, "没有找到关联申请 "+d.Application+"，请重新填写。"); err != nil {
			return err
		}
		return b.AskWizard(ctx, t, b.wizard(ctx, c), &c.Wizard)
	}
	if err != nil {
		return err
	}
	if app != nil {
		if app, err = storage.LockApplication(ctx, t.Tx, app.ID); err != nil {
			return err
		}
	}
	org := b.org(t.Person.Section)
	step, err := workflow.Start(to, *d.Major, org)
	if err != nil {
		return fmt.Errorf("route new form: %w", err)
	}
	f := &storage.Form{
		State: string(workflow.StateReview), Stage: string(step.Stage), Assignees: step.Assignees,
		Section: t.Person.Section, Submitter: to, Title: d.Title, Summary: d.Summary,
		FormedOn: formed, Mode: d.Mode, Column: d.Column, Platforms: d.Platforms, Major: *d.Major,
		NoticeDue: slices.Contains(d.Platforms, string(workflow.PlatformWeChat)),
		CreatedAt: t.Now, UpdatedAt: t.Now,
	}
	f.SetInfoCategory(d.infoCategory())
	if step.Stage == workflow.StagePublish {
		f.State = string(workflow.StatePublishing)
	}
	deadlineWarning := false
	if d.Mode == string(workflow.ModeActive) {
		due, err := b.Calendar.AddWorkingDays(formed, workflow.ActiveDisclosureDays)
		if err != nil {
			deadlineWarning = true
		} else {
			f.Deadline = sql.NullTime{Time: due, Valid: true}
		}
	}
	if app != nil {
		f.ApplicationID = sql.NullInt64{Int64: app.ID, Valid: true}
		if due, ok := b.replyDeadline(app); ok {
			f.Deadline = sql.NullTime{Time: due, Valid: true}
		}
	}

	action := "submit"
	if c.ReviseID != 0 {
		action = "resubmit"
		f.ID = c.ReviseID
		if err := storage.ReviseForm(ctx, t.Tx, f, c.ReviseV); errors.Is(err, storage.ErrStale) {
			b.End(t)
			return b.Text(ctx, t, to, "该审批单已撤回或已重新提交，本次修改未保存。")
		} else if err != nil {
			return err
		}
		cur, err := storage.GetForm(ctx, t.Tx, f.ID)
		if err != nil {
			return err
		}
		f = cur
	} else {
		year := t.Now.In(b.Location).Year()
		n, err := storage.NextSerial(ctx, t.Tx, year)
		if err != nil {
			return err
		}
		f.Year, f.Seq, f.Version = year, n, 1
		if _, err := storage.InsertForm(ctx, t.Tx, f); err != nil {
			return err
		}
	}
	snap, _ := json.Marshal(d)
	if err := storage.SaveVersion(ctx, t.Tx, f.ID, f.Version, snap, t.Now); err != nil {
		return err
	}
	if d.ID != "" {
		if err := storage.RecordDraftSubmission(ctx, t.Tx, storage.DraftSubmission{DraftID: d.ID, FormID: f.ID, Version: f.Version, SubmittedAt: t.Now}); err != nil {
			return err
		}
	}
	detail := map[string]any{"version": f.Version, "serial": serial(f)}
	if app != nil {
		detail["application"] = app.Number()
	}
	if fc := f.InfoCategory(); fc.Category != workflow.CategoryOther {
		detail["category"] = fc.Label()
	}
	if err := storage.Audit(ctx, t.Tx, to, action, "form", strconv.FormatInt(f.ID, 10), detail); err != nil {
		return err
	}
	// The form just submitted is the one the submitter's next images are
	// about (the photos of what is being published, sent right after).
	if err := storage.SetChatFocus(ctx, t.Tx, to, storage.ChatFocus{Kind: storage.DocForm, RecordID: f.ID, At: t.Now}); err != nil {
		return err
	}
	if err := b.recordAuto(ctx, t, f, step.Auto); err != nil {
		return err
	}
	b.End(t)
	msg := fmt.Sprintf("已提交，编号 %s。\n当前环节：%s（%s）。审核结果会通知您；发送「我的申请」可随时查看进度。",
		serial(f), step.Stage.Label(), b.Names(step.Assignees))
	if c.ReviseID != 0 {
		what := ""
		if changed, known, err := b.changesOf(ctx, t, f); err != nil {
			return err
		} else if known && len(changed) == 0 {
			what = "本版未修改内容。"
		} else if known {
			what = "本版修改：" + strings.Join(changed, "、") + "。"
		}
		msg = fmt.Sprintf("已重新提交 %s（第%d版）。%s\n当前环节：%s（%s）。", serial(f), f.Version, what, step.Stage.Label(), b.Names(step.Assignees))
	}
	if err := b.Text(ctx, t, to, msg); err != nil {
		return err
	}
	if deadlineWarning {
		for _, p := range b.Roster.WithRole(config.RoleOffice) {
			if err := b.Text(ctx, t, p.UserID, "提醒："+serial(f)+" 的主动公开时限无法计算：工作日历缺少相应年份的节假日安排，请及时补充。"); err != nil {
				return err
			}
		}
	}
	return b.sendStageCards(ctx, t, f)
}

// recordAuto records stages skipped because the submitter would have
// approved their own submission.
func (b *Flow) recordAuto(ctx context.Context, t *chat.Turn, f *storage.Form, auto []workflow.AutoDecision) error {
	for _, a := range auto {
		d := storage.Decision{FormID: f.ID, Version: f.Version, Stage: string(a.Stage), Approver: a.Approver, Verdict: string(workflow.VerdictSelf), DecidedAt: t.Now}
		if err := storage.InsertDecision(ctx, t.Tx, d); err != nil {
			return err
		}
		if err := storage.Audit(ctx, t.Tx, a.Approver, "self", "form", strconv.FormatInt(f.ID, 10), map[string]any{"stage": a.Stage, "version": f.Version}); err != nil {
			return err
		}
	}
	return nil
}

// sendStageCards sends the cards of the form's current stage to its
// assignees: an approval card, or the publication card.
func (b *Flow) sendStageCards(ctx context.Context, t *chat.Turn, f *storage.Form) error {
	if len(f.Assignees) == 0 {
		return nil
	}
	// One card per person: each recipient's messages then keep their order
	// in the outbox, and each copy has its own response_code to update.
	for _, a := range f.Assignees {
		if err := b.sendStageCardTo(ctx, t, f, a); err != nil {
			return err
		}
	}
	return nil
}

// sendStageCardTo sends one person a card of the form's current stage.
func (b *Flow) sendStageCardTo(ctx context.Context, t *chat.Turn, f *storage.Form, userID string) error {
	card, err := b.stageCardFor(ctx, t, f)
	if err != nil {
		return err
	}
	if err := storage.InsertCard(ctx, t.Tx, storage.FormCard{TaskID: card.TaskID, FormID: f.ID, Version: f.Version, Stage: f.Stage, Holders: []string{userID}}); err != nil {
		return err
	}
	return b.Card(ctx, t, card, userID)
}

// stageCardFor builds the card of the form's current stage.
func (b *Flow) stageCardFor(ctx context.Context, t *chat.Turn, f *storage.Form) (bot.TemplateCard, error) {
	if f.Stage == string(workflow.StagePublish) {
		return b.publishCard(ctx, t, f)
	}
	return b.approvalCard(ctx, t, f)
}

// formLink is the signed address of the printable form.
func (b *Flow) formLink(f *storage.Form, now time.Time) string {
	return b.PublicURL + SignFormLink(b.LinkSecret, f.ID, now.Add(linkValidity))
}

// deadlineOf is f's deadline on cards and in 查询; app is the application
// it answers (linkedApplication), nil for none.
func (b *Flow) deadlineOf(f *storage.Form, app *storage.Application) string {
	if app != nil {
		return b.replyDeadlineText(app.Number(), f.Deadline)
	}
	if f.Mode != string(workflow.ModeActive) {
		return "依申请公开，不适用"
	}
	if !f.Deadline.Valid {
		return "无法计算（缺少节假日安排）"
	}
	return workflow.FormatDate(f.Deadline.Time, b.Location) + "前"
}

func (b *Flow) formFields(f *storage.Form, app *storage.Application) []bot.CardField {
	// The 信息类别 after the mode, when the form counts in table 二: the
	// approver sees what the annual report will count.
	return b.particulars(f, app, categoryNote(f.Mode, f.InfoCategory()))
}

// particulars are f's fields on its cards and its page, the mode followed
// by category (the card's note; the page has a line of its own).
func (b *Flow) particulars(f *storage.Form, app *storage.Application, category string) []bot.CardField {
	return []bot.CardField{
		{KeyName: "承办", Value: f.Section + " " + b.Name(f.Submitter)},
		{KeyName: "公开形式", Value: f.Mode + " · " + f.Column + category},
		{KeyName: "公开平台", Value: strings.Join(f.Platforms, "、")},
		{KeyName: "形成日期", Value: workflow.FormatDate(f.FormedOn, b.Location)},
		{KeyName: "公开时限", Value: b.deadlineOf(f, app)},
		{KeyName: "重大事项", Value: yesNo(f.Major)},
	}
}

func (b *Flow) approvalCard(ctx context.Context, t *chat.Turn, f *storage.Form) (bot.TemplateCard, error) {
	stage := workflow.Stage(f.Stage)
	var buttons []bot.CardButton
	for _, v := range workflow.Verdicts(stage, f.Major) {
		style := 1
		if v == workflow.VerdictReject {
			style = 3
		} else if v == workflow.VerdictEscalate {
			style = 4
		}
		buttons = append(buttons, bot.CardButton{Text: v.Label(), Key: string(v), Style: style})
	}
	app, err := b.linkedApplication(ctx, t.Tx, f)
	if err != nil {
		return bot.TemplateCard{}, err
	}
	link := b.formLink(f, t.Now)
	jumps, err := b.cardJumps(ctx, t, f, link)
	if err != nil {
		return bot.TemplateCard{}, err
	}
	// The stage, not 「待…」: a decision replaces only the buttons, and the
	// card must not go on saying it waits once it has been decided.
	desc := serial(f) + " · " + stage.Label()
	var quote *bot.CardQuote
	if f.Version > 1 {
		desc += fmt.Sprintf("（第%d版）", f.Version)
		if quote, err = b.revisionQuote(ctx, t, f); err != nil {
			return bot.TemplateCard{}, err
		}
	}
	return bot.TemplateCard{
		CardType:              bot.CardButtonInteraction,
		Source:                &bot.CardSource{Desc: "政务公开 · 信息公开审批"},
		MainTitle:             &bot.CardTitle{Title: chat.Clip(f.Title, 26), Desc: desc},
		SubTitleText:          chat.Clip(f.Summary, 120),
		HorizontalContentList: b.formFields(f, app),
		JumpList:              jumps,
		CardAction:            &bot.CardAction{Type: 1, URL: link},
		TaskID:                fmt.Sprintf("f%dv%d%s-%s", f.ID, f.Version, f.Stage[:1], chat.Nonce()),
		ButtonList:            buttons,
		QuoteArea:             quote,
	}, nil
}

// revisionQuote is what a resubmitted version's card shows above the
// summary: the 驳回 it answers and which fields differ from the rejected
// version, so that the approver need not compare the two (the printable
// form behind 查看详情 has the whole text). WeCom states no length for a
// quote; it is kept within the 112 characters it suggests for
// sub_title_text, the reason clipped to make room for the fields.
func (b *Flow) revisionQuote(ctx context.Context, t *chat.Turn, f *storage.Form) (*bot.CardQuote, error) {
	ds, err := storage.Decisions(ctx, t.Tx, f.ID)
	if err != nil {
		return nil, err
	}
	var lines []string
	for i := len(ds) - 1; i >= 0; i-- {
		if d := ds[i]; d.Version == f.Version-1 && d.Verdict == string(workflow.VerdictReject) {
			lines = append(lines, fmt.Sprintf("驳回理由（%s，%s）：%s", b.Name(d.Approver), workflow.Stage(d.Stage).Label(), chat.Clip(d.Reason, 50)))
			break
		}
	}
	changed, known, err := b.changesOf(ctx, t, f)
	if err != nil {
		return nil, err
	}
	switch {
	case !known:
	case len(changed) == 0:
		lines = append(lines, "本版未修改内容")
	default:
		lines = append(lines, "本版修改："+strings.Join(changed, "、"))
	}
	if len(lines) == 0 {
		return nil, nil
	}
	return &bot.CardQuote{Title: fmt.Sprintf("第%d版 · 答复驳回意见", f.Version), QuoteText: chat.Clip(strings.Join(lines, "\n"), 112)}, nil
}

// changesOf names the fields of f's version that differ from the version
// before it, from the snapshots SaveVersion kept; known is false when a
// snapshot is missing (forms older than the snapshots).
func (b *Flow) changesOf(ctx context.Context, t *chat.Turn, f *storage.Form) (changed []string, known bool, err error) {
	var drafts [2]draftForm
	for i, v := range []int{f.Version - 1, f.Version} {
		fv, err := storage.GetFormVersion(ctx, t.Tx, f.ID, v)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		if err := json.Unmarshal(fv.Snapshot, &drafts[i]); err != nil {
			return nil, false, fmt.Errorf("version %d of form %d: %w", v, f.ID, err)
		}
	}
	return changedFields(drafts[0], drafts[1]), true, nil
}

// changedFields names, in the form's order and in its words, the fields
// in which cur differs from prev. The platforms are a set: ticked in
// another order they are the same.
func changedFields(prev, cur draftForm) []string {
	set := func(ps []string) string { return strings.Join(slices.Sorted(slices.Values(ps)), "、") }
	major := func(m *bool) string {
		if m == nil {
			return ""
		}
		return yesNo(*m)
	}
	var out []string
	for _, f := range []struct {
		label      string
		prev, this string
	}{
		{"标题", prev.Title, cur.Title},
		{"简要内容", prev.Summary, cur.Summary},
		{"形成日期", prev.FormedOn, cur.FormedOn},
		{"公开形式", prev.Mode, cur.Mode},
		{"关联申请", prev.Application, cur.Application},
		{"公开栏目", prev.Column, cur.Column},
		{"信息类别", prev.infoCategory().Label(), cur.infoCategory().Label()},
		{"公开平台", set(prev.Platforms), set(cur.Platforms)},
		{"重大事项", major(prev.Major), major(cur.Major)},
	} {
		if f.prev != f.this {
			out = append(out, f.label)
		}
	}
	return out
}

// publishCard lists the platforms still to confirm, one button each.
func (b *Flow) publishCard(ctx context.Context, t *chat.Turn, f *storage.Form) (bot.TemplateCard, error) {
	done, err := storage.Publications(ctx, t.Tx, f.ID)
	if err != nil {
		return bot.TemplateCard{}, err
	}
	var buttons []bot.CardButton
	for i, p := range workflow.Platforms() {
		if !slices.Contains(f.Platforms, string(p)) || slices.ContainsFunc(done, func(d storage.Publication) bool { return d.Platform == string(p) }) {
			continue
		}
		buttons = append(buttons, bot.CardButton{Text: string(p) + " 已发布", Key: "pub_" + strconv.Itoa(i), Style: 1})
	}
	app, err := b.linkedApplication(ctx, t.Tx, f)
	if err != nil {
		return bot.TemplateCard{}, err
	}
	link := b.formLink(f, t.Now)
	jumps, err := b.cardJumps(ctx, t, f, link)
	if err != nil {
		return bot.TemplateCard{}, err
	}
	return bot.TemplateCard{
		CardType:              bot.CardButtonInteraction,
		Source:                &bot.CardSource{Desc: "政务公开 · 待发布"},
		MainTitle:             &bot.CardTitle{Title: chat.Clip(f.Title, 26), Desc: serial(f) + " · 审核已通过，待发布"},
		SubTitleText:          "请在各平台发布后点击对应按钮确认，之后可回复链接或期号。",
		HorizontalContentList: b.formFields(f, app),
		JumpList:              jumps,
		CardAction:            &bot.CardAction{Type: 1, URL: link},
		TaskID:                fmt.Sprintf("f%dv%dp-%s", f.ID, f.Version, chat.Nonce()),
		ButtonList:            buttons,
	}, nil
}

// onFormCard handles a click on a card about a form.
func (b *Flow) onFormCard(ctx context.Context, t *chat.Turn, c *convo) error {
	m := t.Msg
	to := t.Person.UserID
	card, err := storage.GetCard(ctx, t.Tx, m.TaskID)
	if errors.Is(err, storage.ErrNotFound) {
		return b.Text(ctx, t, to, chat.MsgCardUnknown)
	}
	if err != nil {
		return err
	}
	f, err := storage.LockForm(ctx, t.Tx, card.FormID)
	if err != nil {
		return err
	}
	if card.Stage == "rejected" {
		return b.onRejectedCard(ctx, t, c, f, card)
	}
	if card.Stage == stageWithdraw {
		return b.onWithdrawCard(ctx, t, f, card)
	}
	if !slices.Contains(card.Holders, to) {
		return b.Text(ctx, t, to, "您不是该审批单此环节的审批人，无法操作。")
	}
	if card.Version != f.Version || card.Stage != f.Stage || (f.State != string(workflow.StateReview) && f.State != string(workflow.StatePublishing)) {
		// Close the clicked copy with the click's own response_code: it
		// may still have live buttons because the code of its send was
		// never learnt (the send's answer was lost, see outbox
		// alreadyDone) or its update failed.
		if err := b.ReplaceButton(ctx, t, to, "已处理"); err != nil {
			return err
		}
		return b.Text(ctx, t, to, fmt.Sprintf("%s 已处理或已更新（当前：%s），此卡片已失效。", serial(f), b.where(f)))
	}
	if !slices.Contains(f.Assignees, to) {
		return b.Text(ctx, t, to, "您不是该审批单此环节的审批人，无法操作。")
	}
	if f.Stage == string(workflow.StagePublish) {
		return b.onPublishClick(ctx, t, f)
	}
	v := workflow.Verdict(m.EventKey)
	review, isReview := secrecyVerdict(m.EventKey)
	if isReview {
		v = review
	}
	if !slices.Contains(workflow.Verdicts(workflow.Stage(f.Stage), f.Major), v) || isReview && f.Stage != string(workflow.StageOffice) {
		return b.Text(ctx, t, to, chat.MsgCardUnknown)
	}
	if f.Stage == string(workflow.StageOffice) && v != workflow.VerdictReject {
		// 同意 at the office is made on the 保密审查 card.
		if isReview {
			return b.onSecrecySubmit(ctx, t, f, card, v)
		}
		return b.askSecrecy(ctx, t, f, v, workflow.SecrecyReview{}, m.TaskID, m.ResponseCode)
	}
	if v == workflow.VerdictReject {
		nc := &convo{Kind: kindReject, FormID: f.ID, Version: f.Version, Stage: f.Stage, TaskID: m.TaskID, ResponseCode: m.ResponseCode}
		b.saveConvo(t, nc)
		return b.Text(ctx, t, to, fmt.Sprintf("请回复驳回 %s 的理由（不超过200字），将转告承办人。\n发送「取消」则不驳回。", serial(f)))
	}
	return b.approveByCard(ctx, t, f, approval{Version: card.Version, Stage: card.Stage, Verdict: v, TaskID: m.TaskID, ResponseCode: m.ResponseCode})
}

// where says where a form is: its state, and who it waits for.
func (b *Flow) where(f *storage.Form) string {
	st := workflow.State(f.State)
	switch st {
	case workflow.StateReview:
		return fmt.Sprintf("%s，待%s（%s）", st.Label(), workflow.Stage(f.Stage).Label(), b.Names(f.Assignees))
	case workflow.StatePublishing:
		// The stage's label (办公室发布) says what the state's (待发布) says.
		return fmt.Sprintf("待%s（%s）", workflow.Stage(f.Stage).Label(), b.Names(f.Assignees))
	}
	return st.Label()
}

// decide records a verdict of the clicker at the form's current stage and
// moves the form on; at the office stage with its 保密审查 (review, nil for
// a 驳回). The form row is locked by the caller, and approve has checked
// the verdict against the rules: call approve, not decide.
func (b *Flow) decide(ctx context.Context, t *chat.Turn, f *storage.Form, v workflow.Verdict, reason string, review *workflow.SecrecyReview, taskID, responseCode string) error {
	who := t.Person.UserID
	from := workflow.Stage(f.Stage)
	move := storage.FormMove{ID: f.ID, Version: f.Version, FromState: f.State, FromStage: f.Stage, At: t.Now}
	var step workflow.Step
	if v == workflow.VerdictReject {
		move.ToState, move.ToStage = string(workflow.StateRejected), ""
	} else {
		var err error
		step, err = workflow.Next(from, v, f.Submitter, f.Major, b.org(f.Section))
		if err != nil {
			return fmt.Errorf("route form %d: %w", f.ID, err)
		}
		move.ToState, move.ToStage, move.Assignees = string(workflow.StateReview), string(step.Stage), step.Assignees
		if step.Stage == workflow.StagePublish {
			move.ToState = string(workflow.StatePublishing)
		}
		move.Escalated = v == workflow.VerdictEscalate
	}
	if err := storage.MoveForm(ctx, t.Tx, move); errors.Is(err, storage.ErrStale) {
		if t.Msg == nil {
			return err // a page's: approve refuses it
		}
		if err := b.ReplaceButton(ctx, t, who, "已处理"); err != nil {
			return err
		}
		return b.Text(ctx, t, who, serial(f)+" 已由他人处理，此卡片已失效。")
	} else if err != nil {
		return err
	}
	if err := storage.InsertDecision(ctx, t.Tx, storage.Decision{FormID: f.ID, Version: f.Version, Stage: f.Stage, Approver: who, Verdict: string(v), Reason: reason, DecidedAt: t.Now}); err != nil {
		return err
	}
	if err := b.recordSecrecy(ctx, t, f, v, reason, review); err != nil {
		return err
	}
	if err := storage.Audit(ctx, t.Tx, who, string(v), "form", strconv.FormatInt(f.ID, 10), map[string]any{"stage": f.Stage, "version": f.Version, "reason": reason}); err != nil {
		return err
	}
	// Update the card: the clicker's copy with the click's code, the other
	// holders' copies with the code WeCom gave when it was sent.
	label := "已" + v.Label()
	if v == workflow.VerdictEscalate {
		label = "已同意，报主要负责人"
	}
	if review != nil {
		if err := b.closeOpener(ctx, t, taskID, who, label); err != nil {
			return err
		}
	}
	if err := b.closeCards(ctx, t, f, who, label, taskID, responseCode, fmt.Sprintf("%s %s", b.Name(who), label)); err != nil {
		return err
	}
	f.State, f.Stage, f.Assignees = move.ToState, move.ToStage, move.Assignees
	if v == workflow.VerdictReject {
		return b.notifyRejected(ctx, t, f, who, reason)
	}
	if err := b.recordAuto(ctx, t, f, step.Auto); err != nil {
		return err
	}
	done := ""
	if review != nil {
		done = "保密审查已记录：" + review.Conclusion.Label() + "。"
	}
	if err := b.Text(ctx, t, who, fmt.Sprintf("已%s %s。%s%s", v.Label(), serial(f), done, b.nextNote(f))); err != nil {
		return err
	}
	if f.Submitter != who {
		if err := b.Text(ctx, t, f.Submitter, fmt.Sprintf("您的 %s「%s」：%s%s。%s", serial(f), chat.Clip(f.Title, 30), b.Name(who), v.Label(), b.nextNote(f))); err != nil {
			return err
		}
	}
	return b.sendStageCards(ctx, t, f)
}

func (b *Flow) nextNote(f *storage.Form) string {
	return fmt.Sprintf("下一环节：%s（%s）。", workflow.Stage(f.Stage).Label(), b.Names(f.Assignees))
}

// closeCards replaces the buttons of every card of the form's current
// stage: the clicker's with their own click, the others' with the send's
// response_code, so nobody is left with live buttons on a decided stage.
func (b *Flow) closeCards(ctx context.Context, t *chat.Turn, f *storage.Form, clicker, mine, taskID, responseCode, others string) error {
	cards, err := storage.CardsAt(ctx, t.Tx, f.ID, f.Version, f.Stage)
	if err != nil {
		return err
	}
	copies := make([]chat.CardCopy, len(cards))
	for i, c := range cards {
		copies[i] = chat.CardCopy{TaskID: c.TaskID, Holders: c.Holders}
	}
	return b.CloseCopies(ctx, t, copies, clicker, mine, taskID, responseCode, others)
}

// onRejectText takes the reason of a 驳回.
func (b *Flow) onRejectText(ctx context.Context, t *chat.Turn, c *convo, text string) error {
	to := t.Person.UserID
	if text == chat.WordCancel {
		b.End(t)
		return b.Text(ctx, t, to, "已取消驳回，审批单仍待您审核。")
	}
	if b.IsCommand(text) {
		return b.Text(ctx, t, to, "您正在填写驳回理由。请直接回复理由；发送「取消」则不驳回。")
	}
	reason, err := checkReason(text)
	if err != nil {
		return b.Text(ctx, t, to, err.Error()+"发送「取消」则不驳回。")
	}
	f, err := storage.LockForm(ctx, t.Tx, c.FormID)
	if err != nil {
		return err
	}
	b.End(t)
	r, why, err := b.approve(ctx, t, f, approval{Version: c.Version, Stage: c.Stage, Verdict: workflow.VerdictReject, Reason: reason, TaskID: c.TaskID, ResponseCode: c.ResponseCode})
	switch {
	case err != nil:
		return err
	case r == refusedInput:
		return b.Text(ctx, t, to, why)
	case r != accepted:
		return b.Text(ctx, t, to, fmt.Sprintf("%s 已处理或已撤回（当前：%s），驳回未生效。", serial(f), b.where(f)))
	}
	return nil
}

// notifyRejected tells the submitter, with buttons to revise or withdraw.
func (b *Flow) notifyRejected(ctx context.Context, t *chat.Turn, f *storage.Form, by, reason string) error {
	if err := b.Text(ctx, t, by, fmt.Sprintf("已驳回 %s，理由已转告承办人%s。", serial(f), b.Name(f.Submitter))); err != nil {
		return err
	}
	card := bot.TemplateCard{
		CardType:     bot.CardButtonInteraction,
		Source:       &bot.CardSource{Desc: "政务公开 · 审批单被驳回"},
		MainTitle:    &bot.CardTitle{Title: chat.Clip(f.Title, 26), Desc: serial(f) + " · 已驳回"},
		SubTitleText: "驳回理由：" + chat.Clip(reason, 200),
		HorizontalContentList: []bot.CardField{
			{KeyName: "驳回人", Value: b.Name(by)},
			{KeyName: "环节", Value: workflow.Stage(b.lastStage(ctx, t, f)).Label()},
		},
		TaskID: fmt.Sprintf("f%dv%dr-%s", f.ID, f.Version, chat.Nonce()),
		ButtonList: []bot.CardButton{
			{Text: "修改后重新提交", Key: "resubmit", Style: 1},
			{Text: "撤回", Key: "withdraw", Style: 3},
		},
	}
	if err := storage.InsertCard(ctx, t.Tx, storage.FormCard{TaskID: card.TaskID, FormID: f.ID, Version: f.Version, Stage: "rejected", Holders: pq.StringArray{f.Submitter}}); err != nil {
		return err
	}
	return b.Card(ctx, t, card, f.Submitter)
}

func (b *Flow) lastStage(ctx context.Context, t *chat.Turn, f *storage.Form) string {
	ds, err := storage.Decisions(ctx, t.Tx, f.ID)
	if err != nil || len(ds) == 0 {
		return ""
	}
	return ds[len(ds)-1].Stage
}

// onRejectedCard handles 修改后重新提交 and 撤回 on a rejection notice.
func (b *Flow) onRejectedCard(ctx context.Context, t *chat.Turn, c *convo, f *storage.Form, card *storage.FormCard) error {
	to := t.Person.UserID
	if to != f.Submitter {
		return b.Text(ctx, t, to, "只有承办人本人可以操作。")
	}
	if card.Version != f.Version || f.State != string(workflow.StateRejected) {
		// Closed with the click's own code: a withdrawal closes this card
		// with its send's code, which lapses after 72 hours.
		if err := b.ReplaceButton(ctx, t, to, "已处理"); err != nil {
			return err
		}
		return b.Text(ctx, t, to, fmt.Sprintf("%s 当前：%s，此卡片已失效。", serial(f), b.where(f)))
	}
	switch t.Msg.EventKey {
	case "resubmit":
		if c != nil && c.Kind == KindDraft {
			return b.Text(ctx, t, to, "您有一份尚未完成的草稿。请先完成或发送「取消」，再点击「修改后重新提交」。")
		}
		if err := b.ReplaceButton(ctx, t, to, "修改中"); err != nil {
			return err
		}
		major := f.Major
		prefill := draftForm{
			Title: f.Title, Summary: f.Summary, FormedOn: f.FormedOn.Format(time.DateOnly), Mode: f.Mode,
			Column: f.Column, Platforms: f.Platforms, Major: &major,
		}
		prefill.setInfoCategory(f.InfoCategory())
		// The link is kept: the revised form answers the same application
		// unless the submitter names another.
		if app, err := b.linkedApplication(ctx, t.Tx, f); err != nil {
			return err
		} else if app != nil {
			prefill.Application = app.Number()
		}
		return b.startDraft(ctx, t, nil, prefill, f.ID, f.Version)
	case "withdraw":
		// The card keeps its buttons: after 不撤回 the submitter may still
		// revise. A confirmed 撤回 closes it (withdrawNow).
		return b.withdraw(ctx, t, f)
	}
	return b.Text(ctx, t, to, chat.MsgCardUnknown)
}

// stageWithdraw is the stage recorded for a 撤回 confirmation card: it
// belongs to the version it was asked for, like an approval card.
const stageWithdraw = "withdraw"

// withdraw starts a 撤回 (the 撤回 编号 command and the 撤回 button of a
// rejected form): it checks the form may be withdrawn and asks the
// submitter to confirm on a card, because a withdrawal cannot be undone.
// The row is locked.
func (b *Flow) withdraw(ctx context.Context, t *chat.Turn, f *storage.Form) error {
	to := t.Person.UserID
	if f.Submitter != to {
		return b.Text(ctx, t, to, "只有承办人本人可以撤回。")
	}
	if ok, err := b.mayWithdraw(ctx, t, f); !ok || err != nil {
		return err
	}
	card := bot.TemplateCard{
		CardType:     bot.CardButtonInteraction,
		Source:       &bot.CardSource{Desc: "政务公开 · 撤回确认"},
		MainTitle:    &bot.CardTitle{Title: chat.Clip(f.Title, 26), Desc: serial(f) + " · 确认撤回？"},
		SubTitleText: "撤回后审批即终止，已发出的审核卡片失效，且不能恢复；如需公开，须重新提交。",
		HorizontalContentList: []bot.CardField{
			{KeyName: "当前", Value: chat.Clip(b.where(f), 26)},
			{KeyName: "版本", Value: fmt.Sprintf("第%d版", f.Version)},
		},
		TaskID: fmt.Sprintf("f%dv%dw-%s", f.ID, f.Version, chat.Nonce()),
		ButtonList: []bot.CardButton{
			{Text: "确认撤回", Key: "withdraw_yes", Style: 3},
			{Text: "不撤回", Key: "withdraw_no", Style: 2},
		},
	}
	if err := storage.InsertCard(ctx, t.Tx, storage.FormCard{TaskID: card.TaskID, FormID: f.ID, Version: f.Version, Stage: stageWithdraw, Holders: pq.StringArray{to}}); err != nil {
		return err
	}
	return b.Card(ctx, t, card, to)
}

// mayWithdraw reports whether f can still be withdrawn; when not, it has
// told the user why: already withdrawn (when, by whom), or too far on.
func (b *Flow) mayWithdraw(ctx context.Context, t *chat.Turn, f *storage.Form) (bool, error) {
	to := t.Person.UserID
	switch st := workflow.State(f.State); st {
	case workflow.StateReview, workflow.StateRejected:
		return true, nil
	case workflow.StateWithdrawn:
		note, err := b.withdrawnNote(ctx, t, f)
		if err != nil {
			return false, err
		}
		return false, b.Text(ctx, t, to, note+"，无需再次撤回。")
	default:
		return false, b.Text(ctx, t, to, fmt.Sprintf("%s 当前：%s，已无法撤回。", serial(f), st.Label()))
	}
}

// withdrawnNote says when and by whom f was withdrawn, from the audit log.
func (b *Flow) withdrawnNote(ctx context.Context, t *chat.Turn, f *storage.Form) (string, error) {
	trail, err := storage.AuditTrail(ctx, t.Tx, "form", strconv.FormatInt(f.ID, 10))
	if err != nil {
		return "", err
	}
	for i := len(trail) - 1; i >= 0; i-- {
		if e := trail[i]; e.Action == "withdraw" {
			return fmt.Sprintf("%s 已于%s由%s撤回", serial(f), workflow.FormatDateTime(e.At, b.Location), b.Name(e.Actor)), nil
		}
	}
	return serial(f) + " 已撤回", nil
}

// onWithdrawCard handles 确认撤回 and 不撤回 on a confirmation card. The
// form is checked again: it may have moved on since the card was sent.
func (b *Flow) onWithdrawCard(ctx context.Context, t *chat.Turn, f *storage.Form, card *storage.FormCard) error {
	to := t.Person.UserID
	if !slices.Contains(card.Holders, to) || to != f.Submitter {
		return b.Text(ctx, t, to, "只有承办人本人可以撤回。")
	}
	switch t.Msg.EventKey {
	case "withdraw_no":
		if err := b.ReplaceButton(ctx, t, to, "未撤回"); err != nil {
			return err
		}
		return b.Text(ctx, t, to, fmt.Sprintf("好的，未撤回 %s。当前：%s。", serial(f), b.where(f)))
	case "withdraw_yes":
		if f.State != string(workflow.StateWithdrawn) && card.Version != f.Version {
			if err := b.ReplaceButton(ctx, t, to, "已失效"); err != nil {
				return err
			}
			return b.Text(ctx, t, to, fmt.Sprintf("%s 已重新提交为第%d版，此确认已失效。如需撤回，请再次发送「撤回 %s」。", serial(f), f.Version, serial(f)))
		}
		if ok, err := b.mayWithdraw(ctx, t, f); !ok || err != nil {
			if err == nil {
				err = b.ReplaceButton(ctx, t, to, "已失效")
			}
			return err
		}
		if done, err := b.withdrawNow(ctx, t, f); !done || err != nil {
			return err
		}
		return b.ReplaceButton(ctx, t, to, "已撤回")
	}
	return b.Text(ctx, t, to, chat.MsgCardUnknown)
}

// withdrawNow takes back a form not yet finally approved, once confirmed.
// The row is locked and mayWithdraw has said yes. It reports whether the
// form was withdrawn; when not, the user has been told.
func (b *Flow) withdrawNow(ctx context.Context, t *chat.Turn, f *storage.Form) (bool, error) {
	to := t.Person.UserID
	st := workflow.State(f.State)
	waiting := []string(f.Assignees)
	err := storage.MoveForm(ctx, t.Tx, storage.FormMove{
		ID: f.ID, Version: f.Version, FromState: f.State, FromStage: f.Stage,
		ToState: string(workflow.StateWithdrawn), ToStage: "", At: t.Now,
	})
	if errors.Is(err, storage.ErrStale) {
		return false, b.Text(ctx, t, to, serial(f)+" 状态已变化，请发送「我的申请」查看。")
	}
	if err != nil {
		return false, err
	}
	if err := storage.Audit(ctx, t.Tx, to, "withdraw", "form", strconv.FormatInt(f.ID, 10), map[string]any{"version": f.Version, "from": f.State}); err != nil {
		return false, err
	}
	if st == workflow.StateRejected {
		// The rejection card kept its buttons while the submitter decided.
		cards, err := storage.CardsAt(ctx, t.Tx, f.ID, f.Version, "rejected")
		if err != nil {
			return false, err
		}
		copies := make([]chat.CardCopy, len(cards))
		for i, c := range cards {
			copies[i] = chat.CardCopy{TaskID: c.TaskID, Holders: c.Holders}
		}
		if err := b.CloseCopies(ctx, t, copies, "", "", "", "", "已撤回"); err != nil {
			return false, err
		}
	}
	if st == workflow.StateReview {
		if err := b.closeCards(ctx, t, f, "", "", "", "", "承办人已撤回"); err != nil {
			return false, err
		}
		for _, a := range waiting {
			if err := b.Text(ctx, t, a, fmt.Sprintf("%s「%s」已由承办人撤回，无需再审核。", serial(f), chat.Clip(f.Title, 30))); err != nil {
				return false, err
			}
		}
	}
	return true, b.Text(ctx, t, to, fmt.Sprintf("已撤回 %s，审批已终止。", serial(f)))
}

// onPublishClick confirms one platform; the last one makes the form 已公开.
func (b *Flow) onPublishClick(ctx context.Context, t *chat.Turn, f *storage.Form) error {
	to := t.Person.UserID
	platform, ok := publishPlatform(f, strings.TrimPrefix(t.Msg.EventKey, "pub_"))
	if !ok {
		return b.Text(ctx, t, to, chat.MsgCardUnknown)
	}
	fresh, err := b.publish(ctx, t, f, publication{Platform: platform, TaskID: t.Msg.TaskID, ResponseCode: t.Msg.ResponseCode})
	if err != nil || !fresh {
		return err
	}
	b.saveConvo(t, &convo{Kind: KindPublish, FormID: f.ID, Platform: platform})
	return nil
}

// publishPlatform is the platform of f named by key, its index in
// workflow.Platforms (the card's button key, the page's posted value);
// false when key names none of f's platforms.
func publishPlatform(f *storage.Form, key string) (string, bool) {
	i, err := strconv.Atoi(key)
	all := workflow.Platforms()
	if err != nil || i < 0 || i >= len(all) || !slices.Contains(f.Platforms, string(all[i])) {
		return "", false
	}
	return string(all[i]), true
}

// publication is a publisher's confirmation of one platform, clicked on
// the publication card or posted from the form's page: both go through
// publish, so that the same record, audit, cards and messages follow.
type publication struct {
	Platform string
	// Reference is the link or 期号 typed with it on the page (checked by
	// checkReference); on a card it is replied after the click.
	Reference string
	// The card clicked, whose copy the click's code closes; empty from a
	// page, whose confirmation closes every copy with its send's code.
	TaskID, ResponseCode string
}

// publish confirms p on the locked form f, which waits for publication by
// t's person on p's platform (the caller has checked); the last platform
// makes it 已公开. fresh is false when the platform was confirmed before:
// the publisher has been told, and nothing is written.
func (b *Flow) publish(ctx context.Context, t *chat.Turn, f *storage.Form, p publication) (fresh bool, err error) {
	to := t.Person.UserID
	platform := p.Platform
	fresh, err = storage.InsertPublication(ctx, t.Tx, storage.Publication{FormID: f.ID, Platform: platform, PublishedBy: to, PublishedAt: t.Now})
	if err != nil {
		return false, err
	}
	if !fresh {
		return false, b.Text(ctx, t, to, platform+" 已确认发布过，无需重复操作。")
	}
	if err := storage.Audit(ctx, t.Tx, to, "publish", "form", strconv.FormatInt(f.ID, 10), map[string]any{"platform": platform}); err != nil {
		return false, err
	}
	if err := b.closeCards(ctx, t, f, to, platform+" 已发布", p.TaskID, p.ResponseCode, b.Name(to)+"确认"+platform+"已发布"); err != nil {
		return false, err
	}
	// From a card the link or 期号 may be replied next; from the page it
	// came with the confirmation, or there is none.
	ask, registered := "如需登记链接或期号，请直接回复；无需登记可继续操作。", ""
	if p.TaskID == "" {
		ask = ""
	}
	if p.Reference != "" {
		if err := b.recordReference(ctx, t, f.ID, platform, p.Reference); err != nil {
			return false, err
		}
		ask, registered = "", "已登记发布信息："+chat.Clip(p.Reference, 100)+"。"
	}
	done, err := storage.Publications(ctx, t.Tx, f.ID)
	if err != nil {
		return false, err
	}
	if len(done) < len(f.Platforms) {
		if err := b.Text(ctx, t, to, fmt.Sprintf("已确认 %s 在%s发布。%s%s", serial(f), platform, registered, ask)); err != nil {
			return false, err
		}
		// A fresh card with the platforms still to confirm.
		return true, b.sendStageCards(ctx, t, f)
	}
	err = storage.MoveForm(ctx, t.Tx, storage.FormMove{
		ID: f.ID, Version: f.Version, FromState: f.State, FromStage: f.Stage,
		ToState: string(workflow.StatePublished), ToStage: "", At: t.Now,
	})
	if err != nil {
		return false, err
	}
	if err := storage.Audit(ctx, t.Tx, to, "published", "form", strconv.FormatInt(f.ID, 10), nil); err != nil {
		return false, err
	}
	if f.NoticeDue {
		// The 公众号's subscribers hear of it, in this same transaction.
		n, err := b.Notices.QueueFormNotice(ctx, t.Tx, f, t.Now)
		if err != nil {
			return false, err
		}
		t.Queued(n)
	}
	if ask != "" {
		ask = "如需登记" + platform + "的链接或期号，请直接回复。"
	}
	f.State, f.Stage = string(workflow.StatePublished), ""
	if err := b.Text(ctx, t, to, fmt.Sprintf("%s 已在全部平台发布，状态为已公开。%s%s", serial(f), registered, ask)); err != nil {
		return false, err
	}
	return true, b.Text(ctx, t, f.Submitter, fmt.Sprintf("您的 %s「%s」已公开（%s）。", serial(f), chat.Clip(f.Title, 30), strings.Join(f.Platforms, "、")))
}

// Limit of a publication's link or 期号, the chat's and the page's.
const maxReference = 500

// checkReference checks a publication's link or 期号 as typed: the
// characters the bureau's systems take, at most maxReference of them; ""
// (none) is the caller's to judge. The error says what to fix.
func checkReference(text string) (string, error) {
	ref, err := workflow.CheckChars("链接或期号", text)
	if err != nil {
		return "", err
	}
	if n := len([]rune(ref)); n > maxReference {
		return "", fmt.Errorf("链接或期号不超过%d字（现为%d字），请精简后重新输入。", maxReference, n)
	}
	return ref, nil
}

// recordReference registers the link or 期号 of form id's publication on
// platform, with its audit.
func (b *Flow) recordReference(ctx context.Context, t *chat.Turn, id int64, platform, ref string) error {
	if err := storage.SetPublicationReference(ctx, t.Tx, id, platform, ref); err != nil {
		return err
	}
	return storage.Audit(ctx, t.Tx, t.Person.UserID, "publish_reference", "form", strconv.FormatInt(id, 10), map[string]any{"platform": platform, "reference": ref})
}

// onPublishText records a link or 期号 for the platform just confirmed.
// Anything that looks like a command ends the conversation instead; a
// reference checkReference refuses is asked again.
func (b *Flow) onPublishText(ctx context.Context, t *chat.Turn, c *convo, text string) (bool, error) {
	if b.IsCommand(text) {
		b.End(t)
		return false, nil
	}
	to := t.Person.UserID
	ref, err := checkReference(text)
	if err == nil && ref == "" {
		err = errors.New("请回复链接或期号。")
	}
	if err != nil {
		return true, b.Text(ctx, t, to, err.Error()+"无需登记可继续其他操作。")
	}
	b.End(t)
	if err := b.recordReference(ctx, t, c.FormID, c.Platform, ref); err != nil {
		return true, err
	}
	return true, b.Text(ctx, t, to, "已登记"+c.Platform+"的发布信息："+chat.Clip(ref, 100))
}
