// Package applications is the 依申请公开 flow: the register of
// 政府信息公开申请 (登记 in the chat, by the API or from a CSV file; a 12345
// order turned into one), their legal clocks, and the lookups 申请 编号,
// 我的申请件, 超期申请.
package applications

import (
	"context"
	"slices"

	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/storage"
)

// Flow handles the register's messages, clicks, commands and API.
type Flow struct {
	*chat.Bot
	// Orders is the 12345 side of turning an order into an application
	// (the router sets it; flows do not import each other).
	Orders OrderSide
}

// OrderSide is what a conversion needs of the 12345 flow.
type OrderSide interface {
	// ConvertCheck locks the order and returns it, or nil once it has
	// told the user why it cannot be converted.
	ConvertCheck(ctx context.Context, t *chat.Turn, ticket string) (*storage.Order, error)
	// Convert answers the order with the application's number.
	Convert(ctx context.Context, t *chat.Turn, ticket, number string) error
}

// Conversation kinds of this flow.
const (
	KindRegister = "application_register" // 登记申请
)

// convo is this flow's state of a conversation in progress.
type convo struct {
	Kind string `json:"kind"`
	chat.Wizard
	// OrderTicket is the 12345 order being turned into this application.
	OrderTicket string `json:"order_ticket,omitempty"`
	// The application a handling conversation is about, and its state
	// when it began: the answers act only if it is still there.
	AppID    int64  `json:"app_id,omitempty"`
	AppState string `json:"app_state,omitempty"`
	// Mark is what the step's submit must still find (askMark): a step
	// that leaves the state as it was (征求意见, 申请延期) could otherwise
	// be recorded again by a conversation begun before it was done
	// elsewhere. Empty in conversations saved before it was kept.
	Mark string `json:"mark,omitempty"`
	// Since is the earliest day (YYYY-MM-DD) a date answered in it may be:
	// the event it follows (the 补正告知, the clock's start).
	Since string `json:"since,omitempty"`
	// Open are the consultations 收到意见 may answer.
	Open []openConsult `json:"open,omitempty"`
	// Remedy is what 复议 or 诉讼 began (workflow.Review, or suit until
	// the group is chosen); Pending the cases 复议结果 may decide.
	Remedy  string       `json:"remedy,omitempty"`
	Pending []openRemedy `json:"pending,omitempty"`
}

// convoOf is s as this flow's conversation; nil when s is none of its.
func convoOf(s *chat.Session) (*convo, error) {
	if s == nil || !Owns(s.Kind) {
		return nil, nil
	}
	var c convo
	if err := s.Decode(&c); err != nil {
		return nil, err
	}
	return &c, nil
}

// Converse handles text in a conversation of this flow. It reports false
// when s is none of its.
func (b *Flow) Converse(ctx context.Context, t *chat.Turn, s *chat.Session, text string) (bool, error) {
	c, err := convoOf(s)
	if err != nil || c == nil {
		return false, err
	}
	return true, b.WizardText(ctx, t, b.spec(c), &c.Wizard, text)
}

// Owns reports whether a conversation of kind is this flow's.
func Owns(kind string) bool { return slices.Contains(Kinds, kind) }

// spec is the conversation of c.
func (b *Flow) spec(c *convo) *chat.WizardSpec {
	switch c.Kind {
	case KindRegister:
		return b.registration(c)
	case kindRemedy, kindRemedyResult:
		return b.remedySpec(c)
	}
	return b.ask(c)
}

// OnWizardCard handles a click on a card of one of this flow's
// conversations.
func (b *Flow) OnWizardCard(ctx context.Context, t *chat.Turn, s *chat.Session) error {
	c, err := convoOf(s)
	if err != nil {
		return err
	}
	if c == nil {
		return b.Text(ctx, t, t.Person.UserID, chat.MsgCardExpired)
	}
	return b.WizardClick(ctx, t, b.spec(c), &c.Wizard)
}
