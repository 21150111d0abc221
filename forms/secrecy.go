package forms

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/lib/pq"
	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// The office stage's 保密审查 (条例 Art. 17; the bureau's rules make the
// 办公室 responsible for it). 同意 and 同意并报主要负责人 on the office card
// do not decide: they send the reviewer the review card (chat.SecrecyCard),
// whose three checks the reviewer ticks one by one; its submit records the
// review and the decision in one transaction, guarded like every
// decision. 驳回 stays on the office card, and records the review as a
// problem found, with the reason.

// secrecyKeyPrefix starts the submit key of a review card; the verdict
// chosen on the office card follows it.
const secrecyKeyPrefix = "secrecy_"

// secrecyVerdict reads the verdict of a review card's submit key.
func secrecyVerdict(key string) (workflow.Verdict, bool) {
	v, ok := strings.CutPrefix(key, secrecyKeyPrefix)
	return workflow.Verdict(v), ok
}

// askSecrecy sends the reviewer the review card for verdict v, with the
// checks they ticked on a copy refused as incomplete. The card belongs to
// the form's version and stage like the office card, so that the decision
// closes it and a later submit is refused as stale.
//
// opener is the office card clicked, whose click's response_code (kept
// with the review card) closes it for the reviewer once the review
// decides: left open meanwhile, so that 驳回 stays at hand.
func (b *Flow) askSecrecy(ctx context.Context, t *chat.Turn, f *storage.Form, v workflow.Verdict, ticked workflow.SecrecyReview, openerTask, openerCode string) error {
	to := t.Person.UserID
	card := chat.SecrecyCard{
		TaskID:     fmt.Sprintf("f%dv%ds-%s", f.ID, f.Version, chat.Nonce()),
		Source:     "政务公开 · 保密审查",
		Title:      "保密审查：" + f.Title,
		Desc:       serial(f) + " · 请逐项勾选后提交；如有不宜公开内容，请在审批卡片上驳回",
		SubmitText: secrecySubmitText(v),
		SubmitKey:  secrecyKeyPrefix + string(v),
		Ticked:     ticked,
	}.Card()
	if err := storage.InsertCard(ctx, t.Tx, storage.FormCard{TaskID: card.TaskID, FormID: f.ID, Version: f.Version, Stage: f.Stage, Holders: pq.StringArray{to},
		OpenerTask: openerTask, OpenerCode: openerCode}); err != nil {
		return err
	}
	return b.Card(ctx, t, card, to)
}

// secrecySubmitText is what the review's submit says for verdict v, on
// the card and on the form's page.
func secrecySubmitText(v workflow.Verdict) string {
	if v == workflow.VerdictEscalate {
		return "确认并报主要负责人"
	}
	return "确认并同意"
}

// onSecrecySubmit takes a review card's submit: all three checks ticked
// decide; fewer are refused, naming what is missing, with a fresh card
// keeping the ticks (the submitted copy is closed: whether WeCom leaves a
// submitted vote card open is not documented). The row is locked and the
// click checked as for any decision.
func (b *Flow) onSecrecySubmit(ctx context.Context, t *chat.Turn, f *storage.Form, card *storage.FormCard, v workflow.Verdict) error {
	to := t.Person.UserID
	r := chat.SecrecyTicked(t.Msg)
	r.Conclusion = workflow.SecrecyClear
	err := r.Validate()
	var missing *workflow.SecrecyIncompleteError
	if errors.As(err, &missing) {
		if err := b.ReplaceButton(ctx, t, to, "未完成，请见新卡片"); err != nil {
			return err
		}
		if err := b.Text(ctx, t, to, missing.Error()+"请在新发送的卡片上补全勾选后提交；如发现不宜公开的内容，请在审批卡片上点击「驳回」并说明理由。"); err != nil {
			return err
		}
		return b.askSecrecy(ctx, t, f, v, r, card.OpenerTask, card.OpenerCode)
	}
	if err != nil {
		return fmt.Errorf("secrecy review of form %d: %w", f.ID, err)
	}
	return b.approveByCard(ctx, t, f, approval{Version: card.Version, Stage: card.Stage, Verdict: v, Review: &r, TaskID: t.Msg.TaskID, ResponseCode: t.Msg.ResponseCode})
}

// recordSecrecy records the office's review with its decision: the
// reviewer's for a 同意, a problem found (the 驳回's reason) for a 驳回. An
// office 同意 without a review is a bug, never recorded.
func (b *Flow) recordSecrecy(ctx context.Context, t *chat.Turn, f *storage.Form, v workflow.Verdict, reason string, review *workflow.SecrecyReview) error {
	if workflow.Stage(f.Stage) != workflow.StageOffice {
		return nil
	}
	if v == workflow.VerdictReject {
		review = &workflow.SecrecyReview{Conclusion: workflow.SecrecyProblem, Note: reason}
	}
	if review == nil {
		return fmt.Errorf("form %d: office %s without a 保密审查", f.ID, v)
	}
	id := strconv.FormatInt(f.ID, 10)
	who := t.Person.UserID
	detail, err := chat.RecordSecrecyReview(ctx, t, chat.SecrecyRecord{
		Entity: storage.EntityForm, EntityID: id, Round: f.Version, Stage: f.Stage, Reviewer: who, At: t.Now,
	}, *review)
	if err != nil {
		return fmt.Errorf("form %d: %w", f.ID, err)
	}
	return storage.Audit(ctx, t.Tx, who, chat.ActionSecrecyReview, "form", id, detail)
}

// closeOpener closes, for the reviewer, the office card whose 同意 opened
// the review card that decided, with the code its click brought.
func (b *Flow) closeOpener(ctx context.Context, t *chat.Turn, reviewTask, who, text string) error {
	card, err := storage.GetCard(ctx, t.Tx, reviewTask)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if card.OpenerTask == "" {
		return nil
	}
	return b.CloseWith(ctx, t, card.OpenerTask, who, card.OpenerCode, text)
}
