package forms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// The form's own page on the 办公桌 (desk/) asks the flow what to show
// and hands it the decisions posted there: the page decides nothing
// itself. A decision posted runs through approve, as a card's click does.

// PageField is one line of the form's particulars on its page.
type PageField = chat.PageField

// PageFields are f's particulars as the card and 查询 give them.
func (b *Flow) PageFields(ctx context.Context, q sqlx.QueryerContext, f *storage.Form) ([]PageField, error) {
	app, err := b.linkedApplication(ctx, q, f)
	if err != nil {
		return nil, err
	}
	number := serial(f)
	if f.Version > 1 {
		number += fmt.Sprintf("（第%d版）", f.Version)
	}
	out := []PageField{{Label: "编号", Value: number}, {Label: "标题", Value: f.Title}, {Label: "简要内容", Value: f.Summary}}
	// Its 信息类别 on a line of its own after the mode, not again in the
	// mode's line as the card has it.
	for _, c := range b.particulars(f, app, "") {
		out = append(out, PageField{Label: c.KeyName, Value: c.Value})
		if c.KeyName == "公开形式" && f.Mode == string(workflow.ModeActive) {
			out = append(out, PageField{Label: "信息类别", Value: f.InfoCategory().Label()})
		}
	}
	if app != nil {
		out = append(out, PageField{Label: "关联申请", Value: app.Number()})
	}
	return out, nil
}

// PageActions is what the visitor may do on the form's page: the
// decisions of the stage they hold, as its card offers them, the
// publisher's confirmations, and the submitter's 撤回.
type PageActions struct {
	// Version and Stage are what the page was rendered with; the posted
	// decision carries them back, and a form that moved on refuses it.
	Version int
	Stage   string
	// StageLabel is the stage in words (股室负责人审核, …).
	StageLabel string
	// Approve are the 同意 buttons: 同意, or at the office the review's
	// submits (确认并同意, 确认并报主要负责人).
	Approve []PageButton
	// Checks are the office's 保密审查, ticked one by one before 同意.
	Checks []PageButton
	// Publish are the platforms the publisher has still to confirm, as the
	// publication card's buttons: Value is the card's key without pub_.
	Publish []PageButton
	// Withdraw is the submitter's 撤回, offered while the form is in
	// review or rejected (as 撤回 编号 and the rejection card offer it).
	Withdraw bool
	// Rejected: the submitter may revise it, in the chat's wizard only.
	Rejected bool
}

// PageButton is a verdict or a check: its form value and its words.
type PageButton = chat.PageButton

// PageActionsFor is what p may do on f now; nil when nothing: p holds no
// stage of it and did not submit it, or it is no longer open.
func (b *Flow) PageActionsFor(ctx context.Context, q sqlx.QueryerContext, p config.Person, f *storage.Form) (*PageActions, error) {
	st := workflow.State(f.State)
	stage := workflow.Stage(f.Stage)
	a := &PageActions{Version: f.Version, Stage: f.Stage, StageLabel: stage.Label()}
	if p.UserID == f.Submitter && (st == workflow.StateReview || st == workflow.StateRejected) {
		a.Withdraw, a.Rejected = true, st == workflow.StateRejected
	}
	holder := slices.Contains(f.Assignees, p.UserID)
	switch {
	case holder && st == workflow.StateReview:
		office := stage == workflow.StageOffice
		for _, v := range workflow.Verdicts(stage, f.Major) {
			switch {
			case v == workflow.VerdictReject:
			case office:
				a.Approve = append(a.Approve, PageButton{Value: string(v), Text: secrecySubmitText(v)})
			default:
				a.Approve = append(a.Approve, PageButton{Value: string(v), Text: v.Label()})
			}
		}
		if office {
			var card chat.SecrecyCard
			for _, c := range workflow.SecrecyChecks() {
				a.Checks = append(a.Checks, PageButton{Value: string(c), Text: card.OptionText(c)})
			}
		}
	case holder && st == workflow.StatePublishing && stage == workflow.StagePublish:
		done, err := storage.Publications(ctx, q, f.ID)
		if err != nil {
			return nil, err
		}
		for i, pl := range workflow.Platforms() {
			if slices.Contains(f.Platforms, string(pl)) && !slices.ContainsFunc(done, func(d storage.Publication) bool { return d.Platform == string(pl) }) {
				a.Publish = append(a.Publish, PageButton{Value: strconv.Itoa(i), Text: string(pl)})
			}
		}
	}
	if a.Approve == nil && a.Publish == nil && !a.Withdraw {
		return nil, nil
	}
	return a, nil
}

// PageDecision is a decision posted from the form's page.
type PageDecision struct {
	FormID  int64
	Version int    // as the page was rendered
	Stage   string // as the page was rendered
	Verdict string
	Reason  string   // a 驳回's
	Checks  []string // the 保密审查's ticked checks
}

// PageOutcome and PageResult are what became of a posted decision, in
// the words every record's page shares (chat.PageOutcome).
type (
	PageOutcome = chat.PageOutcome
	PageResult  = chat.PageResult
)

const (
	PageDecided   = chat.PageDecided
	PageRepeat    = chat.PageRepeat
	PageStale     = chat.PageStale
	PageForbidden = chat.PageForbidden
	PageBadInput  = chat.PageBadInput
	PageNotFound  = chat.PageNotFound
)

// DecideOnPage makes the decision posted from the form's page, in t (a
// turn of the visitor's, chat.Bot.Act): the same approve as a card's click,
// so that the same rules hold, the same audit is written, the approver's
// cards in the chat are closed with their send's response_code (as when
// another decides) and the next stage's cards go out.
func (b *Flow) DecideOnPage(ctx context.Context, t *chat.Turn, d PageDecision) (PageResult, error) {
	f, refused, err := b.lockForPage(ctx, t, d.FormID)
	if f == nil {
		return refused, err
	}
	a := approval{Version: d.Version, Stage: d.Stage, Verdict: workflow.Verdict(d.Verdict), Reason: d.Reason}
	if workflow.Stage(d.Stage) == workflow.StageOffice && a.Verdict != workflow.VerdictReject {
		var r workflow.SecrecyReview
		for _, c := range d.Checks {
			r.Mark(workflow.SecrecyCheck(c)) // ids that are no check confirm nothing
		}
		a.Review = &r
	}
	r, text, err := b.approve(ctx, t, f, a)
	if err != nil {
		return PageResult{}, err
	}
	switch r {
	case refusedStale:
		note, actor, err := b.movedOn(ctx, t.Tx, f, d.Version, d.Stage)
		return pageRefusal(t, note, actor), err
	case refusedNotHolder:
		return PageResult{Outcome: PageForbidden, Text: "您不是该审批单此环节的审批人，无法操作。"}, nil
	case refusedVerdict:
		return PageResult{Outcome: PageBadInput, Text: "请选择同意或驳回。"}, nil
	case refusedInput:
		return PageResult{Outcome: PageBadInput, Text: text}, nil
	}
	return PageResult{Outcome: PageDecided}, nil
}

// lockForPage locks the form a page's post is about, for the visitor of
// turn t who must still be allowed to see it; nil with the page's answer
// when it is gone or not theirs.
func (b *Flow) lockForPage(ctx context.Context, t *chat.Turn, id int64) (*storage.Form, PageResult, error) {
	f, err := storage.LockForm(ctx, t.Tx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, PageResult{Outcome: PageNotFound, Text: "没有找到该审批单，请返回办公桌核对。"}, nil
	}
	if err != nil {
		return nil, PageResult{}, err
	}
	ds, err := storage.Decisions(ctx, t.Tx, f.ID)
	if err != nil {
		return nil, PageResult{}, err
	}
	if !b.maySee(t.Person, f, ds) {
		return nil, PageResult{Outcome: PageForbidden, Text: "您无权查看该审批单。如有需要，请联系综合办公室。"}, nil
	}
	return f, PageResult{}, nil
}

// Form page actions other than a decision, as posted.
const (
	PagePublish  = "publish"  // a platform's 已发布, the publisher's
	PageWithdraw = "withdraw" // 撤回, the submitter's
)

// PageAction is a publication or a 撤回 posted from the form's page.
type PageAction struct {
	FormID  int64
	Version int    // as the page was rendered
	Stage   string // as the page was rendered
	Action  string // PagePublish, PageWithdraw
	// A publication's: the platform's key (PageActions.Publish) and its
	// link or 期号, optional.
	Platform, Reference string
	// Confirm is a 撤回's tick: it cannot be undone, so the page asks, as
	// the chat's confirmation card does.
	Confirm bool
}

// ActOnPage does the publication or 撤回 posted from the form's page, in t
// (a turn of the visitor's, chat.Bot.Act), through the functions the
// publication card's click and the 撤回 confirmation run.
func (b *Flow) ActOnPage(ctx context.Context, t *chat.Turn, d PageAction) (PageResult, error) {
	f, refused, err := b.lockForPage(ctx, t, d.FormID)
	if f == nil {
		return refused, err
	}
	switch d.Action {
	case PagePublish:
		return b.publishOnPage(ctx, t, f, d)
	case PageWithdraw:
		return b.withdrawOnPage(ctx, t, f, d)
	}
	return PageResult{Outcome: PageBadInput, Text: "页面内容不完整，操作未执行。请重新打开该审批单。"}, nil
}

func (b *Flow) publishOnPage(ctx context.Context, t *chat.Turn, f *storage.Form, d PageAction) (PageResult, error) {
	platform, ok := publishPlatform(f, d.Platform)
	if !ok {
		return PageResult{Outcome: PageBadInput, Text: "请选择本审批单的公开平台。"}, nil
	}
	// Confirmed already, here or on a card: who did it and when.
	if note, actor, err := b.publishedNote(ctx, t.Tx, f, platform); err != nil || note != "" {
		return pageRefusal(t, note, actor), err
	}
	if f.Version != d.Version || f.Stage != d.Stage || f.State != string(workflow.StatePublishing) || d.Stage != string(workflow.StagePublish) {
		note, actor, err := b.movedOn(ctx, t.Tx, f, d.Version, d.Stage)
		return pageRefusal(t, note, actor), err
	}
	if !slices.Contains(f.Assignees, t.Person.UserID) {
		return PageResult{Outcome: PageForbidden, Text: "您不是该审批单的发布人，无法操作。"}, nil
	}
	ref, err := checkReference(d.Reference)
	if err != nil {
		return PageResult{Outcome: PageBadInput, Text: err.Error()}, nil
	}
	// The form is locked and the platform not yet confirmed: publish
	// cannot find it done now.
	if _, err := b.publish(ctx, t, f, publication{Platform: platform, Reference: ref}); err != nil {
		return PageResult{}, err
	}
	return PageResult{Outcome: PageDecided}, nil
}

func (b *Flow) withdrawOnPage(ctx context.Context, t *chat.Turn, f *storage.Form, d PageAction) (PageResult, error) {
	if t.Person.UserID != f.Submitter {
		return PageResult{Outcome: PageForbidden, Text: "只有承办人本人可以撤回。"}, nil
	}
	// As the confirmation card: good while its version may be withdrawn,
	// whichever approver holds it meanwhile.
	if st := workflow.State(f.State); f.Version != d.Version || st != workflow.StateReview && st != workflow.StateRejected {
		note, actor, err := b.movedOn(ctx, t.Tx, f, d.Version, d.Stage)
		return pageRefusal(t, note, actor), err
	}
	if !d.Confirm {
		return PageResult{Outcome: PageBadInput, Text: "撤回后不能恢复。如确需撤回，请勾选「确认撤回」后再提交。"}, nil
	}
	if done, err := b.withdrawNow(ctx, t, f); err != nil || !done {
		if err == nil {
			err = fmt.Errorf("withdraw locked form %d: %w", f.ID, storage.ErrStale)
		}
		return PageResult{}, err
	}
	return PageResult{Outcome: PageDecided}, nil
}

// pageRefusal is the answer to a page whose form moved on: a repeat when
// the visitor moved it, stale when another did.
func pageRefusal(t *chat.Turn, note, actor string) PageResult {
	if actor == t.Person.UserID {
		return PageResult{Outcome: PageRepeat, Text: note + "您已办理过此环节，本页的操作未再执行。"}
	}
	return PageResult{Outcome: PageStale, Text: note + "您在本页的操作未执行。"}
}

// publishedNote says who confirmed f's publication on platform and when,
// and where f is now; "" when nobody has.
func (b *Flow) publishedNote(ctx context.Context, q sqlx.QueryerContext, f *storage.Form, platform string) (note, actor string, err error) {
	done, err := storage.Publications(ctx, q, f.ID)
	if err != nil {
		return "", "", err
	}
	for _, p := range done {
		if p.Platform == platform {
			return fmt.Sprintf("%s 已于%s由%s确认在%s发布。当前：%s。", serial(f), workflow.FormatDateTime(p.PublishedAt, b.Location),
				chat.OrDash(b.NameOrEmpty(p.PublishedBy)), platform, b.where(f)), p.PublishedBy, nil
		}
	}
	return "", "", nil
}

// movedOn says what became of f since the version and stage a page
// showed: who did what and when (the timeline's sentence), and where f
// is now. actor is who moved it; empty when the trail does not say.
func (b *Flow) movedOn(ctx context.Context, q sqlx.QueryerContext, f *storage.Form, version int, stage string) (note, actor string, err error) {
	trail, err := storage.AuditTrail(ctx, q, "form", strconv.FormatInt(f.ID, 10))
	if err != nil {
		return "", "", err
	}
	var hit *storage.AuditEntry
	for i := range trail {
		e := &trail[i]
		var d struct {
			Stage   string `json:"stage"`
			Version int    `json:"version"`
		}
		json.Unmarshal(e.Detail, &d) // a detail it cannot read matches nothing
		switch e.Action {
		case string(workflow.VerdictApprove), string(workflow.VerdictEscalate), string(workflow.VerdictReject):
			if d.Stage == stage && d.Version == version {
				hit = e
			}
		case "withdraw":
			if d.Version == version {
				hit = e
			}
		case "resubmit":
			if d.Version > version {
				hit = e
			}
		}
		if hit != nil {
			break
		}
	}
	now := "当前：" + b.where(f) + "。"
	if hit == nil {
		return serial(f) + " 已有新的办理进展。" + now, "", nil
	}
	who, what, _ := b.Sentence(*hit)
	return fmt.Sprintf("%s 已于%s由%s%s%s", serial(f), workflow.FormatDateTime(hit.At, b.Location), chat.OrDash(who), what, now), hit.Actor, nil
}

// DoneNote is what the page says after the visitor's step v on f: a
// verdict, PagePublish:<platform key> or PageWithdraw.
func (b *Flow) DoneNote(f *storage.Form, v string) string {
	if key, ok := strings.CutPrefix(v, PagePublish+":"); ok {
		if platform, ok := publishPlatform(f, key); ok {
			return fmt.Sprintf("已确认 %s 在%s发布。当前：%s。企业微信中的待发布卡片随之更新。", serial(f), platform, b.where(f))
		}
	}
	if v == PageWithdraw && f.State == string(workflow.StateWithdrawn) {
		return fmt.Sprintf("已撤回 %s，审批已终止。企业微信中的审核卡片随之失效。", serial(f))
	}
	label := workflow.Verdict(v).Label()
	if !slices.Contains([]workflow.Verdict{workflow.VerdictApprove, workflow.VerdictEscalate, workflow.VerdictReject}, workflow.Verdict(v)) {
		label = "办理"
	}
	return fmt.Sprintf("已%s %s。当前：%s。企业微信中的审批卡片随之更新。", label, serial(f), b.where(f))
}
