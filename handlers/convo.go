package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

// Conversation kinds kept in the Redis session.
const (
	kindDraft   = "draft"   // the 提交 wizard
	kindReject  = "reject"  // an approver was asked for the reason of 驳回
	kindPublish = "publish" // a publisher may reply with the link or 期号

	kindRegister    = "register"     // 登记12345
	kindOrderReason = "order_reason" // the reason of a 转办 or 退回
	kindOrderFinish = "order_finish" // 办结: answer, finding, measures
	kindOrderExtend = "order_extend" // 申请延期: reason, new date

	kindCalendar = "calendar" // 日历 添加: the notice's text, or its year
)

// convo is a user's conversation in progress. One at a time: starting a
// new one replaces what is there only where the flow allows it.
type convo struct {
	Kind string `json:"kind"`

	// The wizard.
	Step     string    `json:"step,omitempty"`
	Draft    draftForm `json:"draft,omitzero"`
	CardTask string    `json:"card_task,omitempty"` // the only wizard card that may be clicked now
	ReviseID int64     `json:"revise_id,omitempty"` // resubmitting this rejected form
	ReviseV  int       `json:"revise_v,omitempty"`
	// A 形成日期 more than a year back, waiting for 是 / 否 (YYYY-MM-DD).
	FormedAsk string `json:"formed_ask,omitempty"`

	// 驳回 reason and publication reference.
	FormID       int64  `json:"form_id,omitempty"`
	Version      int    `json:"version,omitempty"`
	Stage        string `json:"stage,omitempty"`
	TaskID       string `json:"task_id,omitempty"`
	ResponseCode string `json:"response_code,omitempty"`
	Platform     string `json:"platform,omitempty"`

	// 12345 orders.
	OrderID int64             `json:"order_id,omitempty"`
	State   string            `json:"state,omitempty"` // the order's state when asked
	Action  string            `json:"action,omitempty"`
	Target  string            `json:"target,omitempty"`
	Vals    map[string]string `json:"vals,omitempty"`
}

// draftForm is what the wizard has gathered so far.
type draftForm struct {
	// ID names the draft: submitting it twice (a repeated click, or a
	// conversation that survived a crash after the commit) yields the
	// form it became the first time. Empty in drafts saved before ids.
	ID        string   `json:"id,omitempty"`
	Title     string   `json:"title,omitempty"`
	Summary   string   `json:"summary,omitempty"`
	FormedOn  string   `json:"formed_on,omitempty"` // YYYY-MM-DD
	Mode      string   `json:"mode,omitempty"`
	Column    string   `json:"column,omitempty"`
	Platforms []string `json:"platforms,omitempty"`
	Major     *bool    `json:"major,omitempty"`
}

func (b *Bot) loadConvo(ctx context.Context, userID string) (*convo, error) {
	var c convo
	ok, err := b.Sessions.Load(ctx, userID, &c)
	if err != nil || !ok {
		return nil, err
	}
	return &c, nil
}

// saveConvo stores c once the turn commits.
func (b *Bot) saveConvo(t *turn, c *convo) {
	user := t.person.UserID
	cp := *c
	t.afterCommit(func(ctx context.Context) error { return b.Sessions.SaveAs(ctx, user, cp.Kind, &cp) })
}

// endConvo deletes the conversation once the turn commits.
func (b *Bot) endConvo(t *turn) {
	user := t.person.UserID
	t.afterCommit(func(ctx context.Context) error { return b.Sessions.Delete(ctx, user) })
}

// nonce returns a short random token for task ids.
func nonce() string {
	var b [5]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
