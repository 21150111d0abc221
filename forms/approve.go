package forms

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// approval is one approver's verdict on a form, whether clicked on a card
// or posted from the form's page on the 办公桌: the version and stage it
// was made on (the card's, the page's as rendered), and what it carries.
// Both ways go through approve, so that the rules, the guard on the
// expected state, the audit and what follows are one.
type approval struct {
	Version int
	Stage   string
	Verdict workflow.Verdict
	Reason  string                  // a 驳回's
	Review  *workflow.SecrecyReview // the office's 同意: its 保密审查
	// The card clicked, whose copy the click's code closes; empty from a
	// page, whose decision closes every copy with its send's code.
	TaskID, ResponseCode string
}

// refusal is why approve did not decide.
type refusal int

const (
	accepted         refusal = iota
	refusedStale             // the form has moved on from the approval's version and stage
	refusedNotHolder         // the approver does not hold the stage
	refusedVerdict           // not a verdict of the stage
	refusedInput             // a reason or review the rules refuse: see the text
)

// Limits of a 驳回's reason, the card's and the page's.
const maxReason = 200

// checkReason checks a 驳回's reason as typed: the characters the bureau's
// systems take, not empty, at most maxReason of them. The error says what to fix.
func checkReason(text string) (string, error) {
	reason, err := workflow.CheckChars("驳回理由", text)
	if err != nil {
		return "", err
	}
	switch n := len([]rune(reason)); {
	case n == 0:
		return "", errors.New("请填写驳回理由。")
	case n > maxReason:
		return "", fmt.Errorf("驳回理由不超过%d字（现为%d字），请精简后重新输入。", maxReason, n)
	}
	return reason, nil
}

// approve makes a decision of t's person on the locked form f when a still
// holds: the form at a's version and stage, under review, the person among
// its approvers, a verdict of the stage, a 驳回 with its reason and an
// office 同意 with its complete 保密审查. When it does not, it reports why
// (with the text to show for refusedInput) and nothing is written.
func (b *Flow) approve(ctx context.Context, t *chat.Turn, f *storage.Form, a approval) (refusal, string, error) {
	if f.Version != a.Version || f.Stage != a.Stage || f.State != string(workflow.StateReview) {
		return refusedStale, "", nil
	}
	if !slices.Contains(f.Assignees, t.Person.UserID) {
		return refusedNotHolder, "", nil
	}
	if !slices.Contains(workflow.Verdicts(workflow.Stage(f.Stage), f.Major), a.Verdict) {
		return refusedVerdict, "", nil
	}
	reason := ""
	if a.Verdict == workflow.VerdictReject {
		r, err := checkReason(a.Reason)
		if err != nil {
			return refusedInput, err.Error(), nil
		}
		reason = r
	}
	var review *workflow.SecrecyReview
	if f.Stage == string(workflow.StageOffice) && a.Verdict != workflow.VerdictReject {
		if a.Review == nil {
			return refusedInput, "请完成保密审查后再同意。", nil
		}
		r := *a.Review
		r.Conclusion = workflow.SecrecyClear
		if err := r.Validate(); err != nil {
			var missing *workflow.SecrecyIncompleteError
			if errors.As(err, &missing) {
				return refusedInput, missing.Error(), nil
			}
			return 0, "", fmt.Errorf("secrecy review of form %d: %w", f.ID, err)
		}
		review = &r
	}
	err := b.decide(ctx, t, f, a.Verdict, reason, review, a.TaskID, a.ResponseCode)
	if errors.Is(err, storage.ErrStale) {
		// Only outside a callback (decide tells a clicker itself): the row
		// is locked, so this is a guard that should never fire.
		return refusedStale, "", nil
	}
	return accepted, "", err
}

// approveByCard is approve for a click on a card, answering a refusal in
// the chat.
func (b *Flow) approveByCard(ctx context.Context, t *chat.Turn, f *storage.Form, a approval) error {
	to := t.Person.UserID
	r, text, err := b.approve(ctx, t, f, a)
	switch {
	case err != nil:
		return err
	case r == refusedStale:
		// Close the clicked copy with the click's own response_code: it
		// may still have live buttons because the code of its send was
		// never learnt (the send's answer was lost, see outbox
		// alreadyDone) or its update failed.
		if err := b.ReplaceButton(ctx, t, to, "已处理"); err != nil {
			return err
		}
		return b.Text(ctx, t, to, fmt.Sprintf("%s 已处理或已更新（当前：%s），此卡片已失效。", serial(f), b.where(f)))
	case r == refusedNotHolder:
		return b.Text(ctx, t, to, "您不是该审批单此环节的审批人，无法操作。")
	case r == refusedVerdict:
		return b.Text(ctx, t, to, chat.MsgCardUnknown)
	case r == refusedInput:
		return b.Text(ctx, t, to, text)
	}
	return nil
}
