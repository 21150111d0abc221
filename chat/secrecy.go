package chat

import (
	"context"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// The 保密审查 card, shared by every approval that releases information
// (the 审批单's office stage, the 依申请公开 reply): a vote_interaction card
// whose checkbox lists the three checks, none ticked in advance, so that
// each one is the reviewer's own tick, with one submit button that also
// carries the decision the reviewer chose before (同意, 同意并报…).
//
// A vote_interaction card has no button_list (WeCom's message/send: source,
// main_title, checkbox, submit_button and task_id), so 驳回 stays on the
// approval card, and the review card is a separate step after 同意.

// SecrecyQuestion is the question_key of the card's checkbox.
const SecrecyQuestion = "secrecy"

// ActionSecrecyReview is the audit action of a recorded review.
const ActionSecrecyReview = "secrecy_review"

// SecrecyCard is what a flow puts on its review card.
type SecrecyCard struct {
	TaskID     string
	Source     string // e.g. 政务公开 · 保密审查
	Title      string // what is reviewed (clipped to fit)
	Desc       string // e.g. the serial and stage
	SubmitText string // e.g. 确认并同意
	SubmitKey  string
	// Ticked are the checks to show ticked: only those the reviewer ticked
	// on an earlier copy that was refused as incomplete.
	Ticked workflow.SecrecyReview
	// Options overrides an option's text; the default says what a tick
	// confirms for a release: checked, and none found.
	Options map[workflow.SecrecyCheck]string
}

// Card builds the vote_interaction card.
func (s SecrecyCard) Card() bot.TemplateCard {
	var opts []bot.CardOption
	for _, c := range workflow.SecrecyChecks() {
		opts = append(opts, bot.CardOption{ID: string(c), Text: s.OptionText(c), IsChecked: s.Ticked.Checked(c)})
	}
	return bot.TemplateCard{
		CardType:     bot.CardVoteInteraction,
		Source:       &bot.CardSource{Desc: s.Source},
		MainTitle:    &bot.CardTitle{Title: Clip(s.Title, 26), Desc: s.Desc},
		TaskID:       s.TaskID,
		Checkbox:     &bot.CardCheckbox{QuestionKey: SecrecyQuestion, OptionList: opts, Mode: 1},
		SubmitButton: &bot.CardSubmit{Text: s.SubmitText, Key: s.SubmitKey},
	}
}

// OptionText is what the option of check c says, on the card and on a
// page that asks for the same review.
func (s SecrecyCard) OptionText(c workflow.SecrecyCheck) string {
	if text := s.Options[c]; text != "" {
		return text
	}
	// WeCom suggests at most 17 characters for an option.
	return "已审查，不涉及" + c.Label()
}

// SecrecyTicked reads the checks a submit of the card ticked. Option ids
// that are not checks (a forged or foreign callback) are ignored: they
// confirm nothing.
func SecrecyTicked(m *bot.Message) workflow.SecrecyReview {
	var r workflow.SecrecyReview
	for _, id := range m.Selected(SecrecyQuestion) {
		r.Mark(workflow.SecrecyCheck(id))
	}
	return r
}

// SecrecyRecord is who made a review of what, and when.
type SecrecyRecord struct {
	Entity   string // storage.EntityForm, …
	EntityID string
	Round    int // the form's version
	Stage    string
	Reviewer string
	At       time.Time
}

// RecordSecrecyReview validates r and stores it in the turn's
// transaction, the decision's own. It returns the detail to audit under
// ActionSecrecyReview: the caller writes the entry, naming its entity, so
// that each flow's timeline knows the action. A round and stage reviewed
// before is storage.ErrConflict (a decision is recorded once).
func RecordSecrecyReview(ctx context.Context, t *Turn, at SecrecyRecord, r workflow.SecrecyReview) (map[string]any, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	row := storage.SecrecyReview{
		Entity: at.Entity, EntityID: at.EntityID, Round: at.Round, Stage: at.Stage, Reviewer: at.Reviewer,
		StateSecret: r.StateSecret, CommercialSecret: r.CommercialSecret, Privacy: r.Privacy,
		Conclusion: string(r.Conclusion), Basis: r.Basis, Note: r.Note, ReviewedAt: at.At,
	}
	if err := storage.InsertSecrecyReview(ctx, t.Tx, row); err != nil {
		return nil, err
	}
	checks := []string{}
	for _, c := range r.Done() {
		checks = append(checks, string(c))
	}
	return map[string]any{
		"stage": at.Stage, "version": at.Round, "checks": checks,
		"conclusion": string(r.Conclusion), "basis": r.Basis, "note": r.Note,
	}, nil
}

// SecrecyReviewOf is a stored review as the workflow's record.
func SecrecyReviewOf(s storage.SecrecyReview) workflow.SecrecyReview {
	return workflow.SecrecyReview{
		StateSecret: s.StateSecret, CommercialSecret: s.CommercialSecret, Privacy: s.Privacy,
		Conclusion: workflow.SecrecyConclusion(s.Conclusion), Basis: s.Basis, Note: s.Note,
	}
}
