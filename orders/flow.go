// Package orders is the 12345 工单 flow: 登记 (in the chat, by the API or
// from a CSV file), 签收, 转办, 退回, 办结, 延期, the answer to 12345 and the
// 回访, with 我的工单 / 工单 / 超期工单 / 统计.
package orders

import (
	"context"

	"github.com/zwgk-bot/zwgk/chat"
)

// Flow handles the 工单's messages, clicks, commands and API.
type Flow struct {
	*chat.Bot
}

// Conversation kinds of this flow.
const (
	KindRegister    = "register"     // 登记12345
	kindOrderReason = "order_reason" // the reason of a 转办 or 退回
	kindOrderFinish = "order_finish" // 办结: answer, finding, measures
	kindOrderExtend = "order_extend" // 申请延期: reason, new date
	kindVisitReason = "visit_reason" // 回访 不满意: why, before anything changes
)

// convo is this flow's state of a conversation in progress.
type convo struct {
	Kind string `json:"kind"`
	// The registration's answers; 办结 and 申请延期 keep their steps and
	// answers in it too.
	chat.Wizard
	OrderID int64  `json:"order_id,omitempty"`
	State   string `json:"state,omitempty"` // the order's state when asked
	Action  string `json:"action,omitempty"`
	Target  string `json:"target,omitempty"`
	Ticket  string `json:"ticket,omitempty"` // the 工单号, to name the order in a reminder

	// The card a reason answers, to close it.
	TaskID       string `json:"task_id,omitempty"`
	ResponseCode string `json:"response_code,omitempty"`
}

// convoOf is s as this flow's conversation; nil when s is none of its.
func convoOf(s *chat.Session) (*convo, error) {
	if s == nil {
		return nil, nil
	}
	switch s.Kind {
	case KindRegister, kindOrderReason, kindOrderFinish, kindOrderExtend, kindVisitReason:
	default:
		return nil, nil
	}
	var c convo
	if err := s.Decode(&c); err != nil {
		return nil, err
	}
	if d, ok := c.Vals["received_on"]; ok { // saved before partial answers had a "_"
		c.Vals[receivedOn] = d
		delete(c.Vals, "received_on")
	}
	return &c, nil
}

// saveConvo stores c once the turn commits.
func (b *Flow) saveConvo(t *chat.Turn, c *convo) { b.Save(t, c.Kind, c) }

// Converse handles text in a conversation of this flow. It reports false
// when s is none of its.
func (b *Flow) Converse(ctx context.Context, t *chat.Turn, s *chat.Session, text string) (bool, error) {
	c, err := convoOf(s)
	if err != nil || c == nil {
		return false, err
	}
	switch c.Kind {
	case KindRegister:
		return true, b.onRegText(ctx, t, c, text)
	case kindOrderReason:
		return true, b.onOrderReason(ctx, t, c, text)
	case kindOrderFinish:
		return true, b.onOrderFinish(ctx, t, c, text)
	case kindOrderExtend:
		return true, b.onOrderExtend(ctx, t, c, text)
	case kindVisitReason:
		return true, b.onVisitReason(ctx, t, c, text)
	}
	return false, nil
}

// StartRegister answers 登记12345.
func (b *Flow) StartRegister(ctx context.Context, t *chat.Turn, s *chat.Session) error {
	return b.startRegister(ctx, t, s)
}

// OnRegisterCard handles a click on a card of the 登记12345 conversation.
func (b *Flow) OnRegisterCard(ctx context.Context, t *chat.Turn, s *chat.Session) error {
	c, err := convoOf(s)
	if err != nil {
		return err
	}
	return b.onRegCard(ctx, t, c)
}
