// Package forms is the 信息公开审批单 flow: the 提交 wizard, approval by
// 股室负责人 → 办公室 → 主要负责人 on cards, publication by the office,
// 我的申请 / 待办 / 查询 / 撤回, and the printable form.
package forms

import (
	"context"

	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// Flow handles the 审批单's messages, clicks and commands.
type Flow struct {
	*chat.Bot
}

// Conversation kinds of this flow.
const (
	KindDraft   = "draft"   // the 提交 wizard
	kindReject  = "reject"  // an approver was asked for the reason of 驳回
	KindPublish = "publish" // a publisher may reply with the link or 期号
)

// convo is this flow's state of a conversation in progress.
type convo struct {
	Kind string `json:"kind"`

	// The wizard: its answers by field, the draft's id, and the form it
	// revises.
	chat.Wizard
	// DraftID names the draft: submitting it twice (a repeated click, or
	// a conversation that survived a crash after the commit) yields the
	// form it became the first time.
	DraftID  string `json:"draft_id,omitempty"`
	ReviseID int64  `json:"revise_id,omitempty"` // resubmitting this rejected form
	ReviseV  int    `json:"revise_v,omitempty"`

	// 驳回 reason and publication reference.
	FormID       int64  `json:"form_id,omitempty"`
	Version      int    `json:"version,omitempty"`
	Stage        string `json:"stage,omitempty"`
	TaskID       string `json:"task_id,omitempty"`
	ResponseCode string `json:"response_code,omitempty"`
	Platform     string `json:"platform,omitempty"`

	// app is the application the 关联申请 answer of this turn named, from
	// its check to its echo; never saved.
	app *storage.Application

	// Drafts saved before the wizard kept its answers by field.
	LegacyDraft     *draftForm `json:"draft,omitempty"`
	LegacyFormedAsk string     `json:"formed_ask,omitempty"`
}

// draftForm is a form as the wizard gathered it, and the snapshot of each
// version (storage.SaveVersion).
type draftForm struct {
	ID        string   `json:"id,omitempty"` // the draft's (convo.DraftID)
	Title     string   `json:"title,omitempty"`
	Summary   string   `json:"summary,omitempty"`
	FormedOn  string   `json:"formed_on,omitempty"` // YYYY-MM-DD
	Mode      string   `json:"mode,omitempty"`
	Column    string   `json:"column,omitempty"`
	Platforms []string `json:"platforms,omitempty"`
	Major     *bool    `json:"major,omitempty"`
	// Application is the number of the 政府信息公开申请 a 依申请公开 form
	// answers (依申请〔2026〕5号), empty when none was named. Drafts and
	// snapshots older than the link have none.
	Application string `json:"application,omitempty"`
	// The 信息类别 of a 主动公开 form and its figure (workflow.FormCategory):
	// empty, read as 其他, for a 依申请公开 form and in drafts and snapshots
	// older than the question.
	Category  string `json:"category,omitempty"`
	Repealed  bool   `json:"repealed,omitempty"`
	Decisions int    `json:"decisions,omitempty"`
	FeeYuan   int64  `json:"fee_yuan,omitempty"`
}

// infoCategory is d's 信息类别 with its figure.
func (d draftForm) infoCategory() workflow.FormCategory {
	return workflow.FormCategory{Category: workflow.InfoCategory(d.Category), Repealed: d.Repealed, Decisions: d.Decisions, FeeYuan: d.FeeYuan}.Normalized()
}

func (d *draftForm) setInfoCategory(fc workflow.FormCategory) {
	fc = fc.Normalized()
	d.Category, d.Repealed, d.Decisions, d.FeeYuan = string(fc.Category), fc.Repealed, fc.Decisions, fc.FeeYuan
}

// convoOf is s as this flow's conversation; nil when s is none of its.
func convoOf(s *chat.Session) (*convo, error) {
	if s == nil || s.Kind != KindDraft && s.Kind != kindReject && s.Kind != KindPublish {
		return nil, nil
	}
	var c convo
	if err := s.Decode(&c); err != nil {
		return nil, err
	}
	if d := c.LegacyDraft; d != nil {
		c.Vals, c.DraftID = d.vals(), d.ID
		if c.LegacyFormedAsk != "" {
			c.Vals[formedAsk] = c.LegacyFormedAsk
		}
		c.LegacyDraft, c.LegacyFormedAsk = nil, ""
	}
	return &c, nil
}

// saveConvo stores c once the turn commits.
func (b *Flow) saveConvo(t *chat.Turn, c *convo) { b.Save(t, c.Kind, c) }

// Converse handles text in a conversation of this flow. It reports false
// when s is none of its, or when the conversation gave way to a command
// (the router then reads text as one).
func (b *Flow) Converse(ctx context.Context, t *chat.Turn, s *chat.Session, text string) (bool, error) {
	c, err := convoOf(s)
	if err != nil || c == nil {
		return false, err
	}
	switch c.Kind {
	case KindDraft:
		return true, b.onDraftText(ctx, t, c, text)
	case kindReject:
		return true, b.onRejectText(ctx, t, c, text)
	case KindPublish:
		return b.onPublishText(ctx, t, c, text)
	}
	return false, nil
}

// StartDraft answers 提交: it opens the wizard, or shows the draft in
// progress.
func (b *Flow) StartDraft(ctx context.Context, t *chat.Turn, s *chat.Session) error {
	c, err := convoOf(s)
	if err != nil {
		return err
	}
	return b.startDraft(ctx, t, c, draftForm{}, 0, 0)
}

// OnWizardCard handles a click on a card of the 提交 wizard.
func (b *Flow) OnWizardCard(ctx context.Context, t *chat.Turn, s *chat.Session) error {
	c, err := convoOf(s)
	if err != nil {
		return err
	}
	return b.onDraftCard(ctx, t, c)
}

// OnFormCard handles a click on a form's approval or publication card.
func (b *Flow) OnFormCard(ctx context.Context, t *chat.Turn, s *chat.Session) error {
	c, err := convoOf(s)
	if err != nil {
		return err
	}
	return b.onFormCard(ctx, t, c)
}
