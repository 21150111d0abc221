// Package office is what the 综合办公室 keeps up besides the flows: the
// working-day calendar's years (日历, 日历 添加), the yearly records the
// reminders ask for (会议 登记, 年度报告 … 已发布) and the figures of the annual
// report's table 二 that zwgk cannot know (年度报告 录入).
package office

import (
	"context"

	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/workflow"
)

// Flow handles the office's commands and cards.
type Flow struct {
	*chat.Bot
	// CalendarExtra is the contents of CALENDAR_FILE, applied over the
	// years the office adds.
	CalendarExtra []byte
	// Deadlines are the flows' ways of computing, once a year is added,
	// the deadlines that could not be computed before (in this order in
	// the confirmation).
	Deadlines []DeadlineFiller
}

// A DeadlineFiller computes, with cal (which has just gained a year), the
// deadlines of its flow that could not be computed before. It returns a
// line for whoever added the year (empty when nothing changed) and notes
// to send after it.
type DeadlineFiller func(ctx context.Context, t *chat.Turn, cal *workflow.Calendar) (string, []chat.Note, error)

// KindCalendar is the conversation of 日历 添加: the notice's text, or its
// year.
const KindCalendar = "calendar"

// convo is this flow's state of a conversation in progress.
type convo struct {
	Kind string            `json:"kind"`
	Step string            `json:"step,omitempty"`
	Vals map[string]string `json:"vals,omitempty"`
}

// convoOf is s as this flow's conversation; nil when s is none of its.
func convoOf(s *chat.Session) (*convo, error) {
	if s == nil || s.Kind != KindCalendar {
		return nil, nil
	}
	var c convo
	if err := s.Decode(&c); err != nil {
		return nil, err
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
	return true, b.onCalendarText(ctx, t, c, text)
}
