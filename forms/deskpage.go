package forms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

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
	for _, c := range b.formFields(f, app) {
		out = append(out, PageField{Label: c.KeyName, Value: c.Value})
	}
	if f.Mode == string(workflow.ModeActive) {
		out = append(out, PageField{Label: "信息类别", Value: f.InfoCategory().Label()})
	}
	if app != nil {
		out = append(out, PageField{Label: "关联申请", Value: app.Number()})
	}
	return out, nil
}

// PageActions is what the visitor may do on the form's page: the
// decisions of the stage they hold, as its card offers them.
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
}

// PageButton is a verdict or a check: its form value and its words.
type PageButton = chat.PageButton

// PageActionsFor is what p may decide on f now; nil when nothing: p holds
// no stage of it, or it waits for publication (confirmed on its card).
func (b *Flow) PageActionsFor(p config.Person, f *storage.Form) *PageActions {
	if f.State != string(workflow.StateReview) || !slices.Contains(f.Assignees, p.UserID) {
		return nil
	}
	stage := workflow.Stage(f.Stage)
	a := &PageActions{Version: f.Version, Stage: f.Stage, StageLabel: stage.Label()}
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
	return a
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
	f, err := storage.LockForm(ctx, t.Tx, d.FormID)
	if errors.Is(err, storage.ErrNotFound) {
		return PageResult{Outcome: PageNotFound, Text: "没有找到该审批单，请返回办公桌核对。"}, nil
	}
	if err != nil {
		return PageResult{}, err
	}
	ds, err := storage.Decisions(ctx, t.Tx, f.ID)
	if err != nil {
		return PageResult{}, err
	}
	if !b.maySee(t.Person, f, ds) {
		return PageResult{Outcome: PageForbidden, Text: "您无权查看该审批单。如有需要，请联系综合办公室。"}, nil
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
		if err != nil {
			return PageResult{}, err
		}
		if actor == t.Person.UserID {
			return PageResult{Outcome: PageRepeat, Text: note + "无需重复提交。"}, nil
		}
		return PageResult{Outcome: PageStale, Text: note + "您在本页的操作未执行。"}, nil
	case refusedNotHolder:
		return PageResult{Outcome: PageForbidden, Text: "您不是该审批单此环节的审批人，无法操作。"}, nil
	case refusedVerdict:
		return PageResult{Outcome: PageBadInput, Text: "请选择同意或驳回。"}, nil
	case refusedInput:
		return PageResult{Outcome: PageBadInput, Text: text}, nil
	}
	return PageResult{Outcome: PageDecided}, nil
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

// DoneNote is what the page says after the visitor's decision v on f.
func (b *Flow) DoneNote(f *storage.Form, v string) string {
	label := workflow.Verdict(v).Label()
	if !slices.Contains([]workflow.Verdict{workflow.VerdictApprove, workflow.VerdictEscalate, workflow.VerdictReject}, workflow.Verdict(v)) {
		label = "办理"
	}
	return fmt.Sprintf("已%s %s。当前：%s。企业微信中的审批卡片随之更新。", label, serial(f), b.where(f))
}
