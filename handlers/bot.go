// Package handlers decides what each message, click and command does. It
// receives verified callbacks from bot.Callback, records them in the inbox,
// changes state and queues replies in the outbox, all in one transaction.
package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/notices"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// seenTTL is how long the Redis fast path remembers a handled callback;
// WeCom's retries come within seconds.
const seenTTL = 10 * time.Minute

// Bot handles callbacks. Its fields are its dependencies, set once.
type Bot struct {
	DB       *storage.DB
	Redis    *storage.Redis
	Sessions *storage.Session
	// Calendar is shared with the scheduler; confirming a year the
	// office added replaces its data (Calendar.Replace).
	Calendar *workflow.Calendar
	// CalendarExtra is the contents of CALENDAR_FILE, applied over the
	// years the office adds.
	CalendarExtra []byte
	PublicURL     string          // base of links in cards, without trailing slash
	LinkSecret    []byte          // HMAC key of those links
	Limits        workflow.Limits // 12345 time limits
	Roster        *config.Roster
	Log           *slog.Logger
	Now           func() time.Time
	Location      *time.Location // business time zone (Asia/Shanghai)
	// Queued is called after a commit that queued outbound calls, to wake
	// the outbox worker. May be nil.
	Queued func()
	// Notices tells the public through the 公众号; nil when it is off
	// (its methods then only record that nothing was sent).
	Notices *notices.Service
}

// turn is one callback being handled: the transaction, what it queued,
// and the Redis writes to make once the transaction has committed (so that
// a rolled-back turn leaves the conversation as it was).
type turn struct {
	tx     *storage.Tx
	m      *bot.Message
	now    time.Time
	person config.Person
	queued int
	after  []func(context.Context) error
}

// afterCommit defers f until the turn's transaction has committed.
func (t *turn) afterCommit(f func(context.Context) error) { t.after = append(t.after, f) }

// Receive implements bot.Receiver. It acts on each callback at most once:
// the inbox row and every effect commit together, so a repeat finds the row
// and does nothing. If acting fails, the callback is still recorded (as
// failed) with an apology to the user, so WeCom's retries cannot repeat a
// half-understood request; only when Postgres itself fails does it return
// an error, and WeCom posts again.
func (b *Bot) Receive(ctx context.Context, m *bot.Message) error {
	key := m.DedupKey()
	if seen, err := b.Redis.Seen(ctx, key); err != nil {
		b.Log.WarnContext(ctx, "dedup fast path unavailable", "err", err)
	} else if seen {
		bot.NoteOutcome(ctx, bot.OutcomeDuplicate)
		return nil
	}
	payload, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode callback: %w", err)
	}
	entry := storage.InboxEntry{DedupKey: key, FromUser: m.FromUserName, MsgType: m.MsgType, Event: m.Event, Payload: string(payload)}

	var queued int
	var after []func(context.Context) error
	var repeat bool
	now := b.Now()
	err = b.DB.WithTx(ctx, func(tx *storage.Tx) error {
		fresh, err := storage.RecordInbox(ctx, tx, entry)
		if err != nil || !fresh {
			repeat = err == nil
			return err
		}
		t := &turn{tx: tx, m: m, now: now}
		err = b.safeDispatch(ctx, t)
		queued, after = t.queued, t.after
		return err
	})
	if err != nil {
		// Record the callback as failed with an apology. If Postgres itself
		// is what failed, this fails too and WeCom posts again.
		b.Log.ErrorContext(ctx, "callback handling failed", "from", m.FromUserName, "key", key, "err", err)
		entry.Status, entry.Error = "failed", err.Error()
		err = b.DB.WithTx(ctx, func(tx *storage.Tx) error {
			fresh, err := storage.RecordInbox(ctx, tx, entry)
			if err != nil || !fresh {
				repeat = err == nil
				return err
			}
			bot.NoteOutcome(ctx, bot.OutcomeFailed)
			t := &turn{tx: tx, m: m, now: now}
			err = b.text(ctx, t, m.FromUserName, msgInternalError)
			queued, after = t.queued, nil
			return err
		})
	}
	if err != nil {
		return err
	}
	if repeat {
		bot.NoteOutcome(ctx, bot.OutcomeDuplicate)
	}
	// The turn has committed: its conversation state must be saved even if
	// WeCom has hung up meanwhile.
	saveCtx := context.WithoutCancel(ctx)
	for _, f := range after {
		if err := f(saveCtx); err != nil {
			// The reply already went out; the conversation state is behind
			// by one step, which the user sees and can repeat.
			b.Log.ErrorContext(ctx, "conversation state not saved", "user", m.FromUserName, "err", err)
		}
	}
	if err := b.Redis.MarkSeen(ctx, key, seenTTL); err != nil {
		b.Log.WarnContext(ctx, "dedup fast path unavailable", "err", err)
	}
	if queued > 0 && b.Queued != nil {
		b.Queued()
	}
	return nil
}

// safeDispatch turns a panic in handling into an error, so that the
// callback is recorded as failed with an apology instead of being posted
// again and again by WeCom.
func (b *Bot) safeDispatch(ctx context.Context, t *turn) (err error) {
	defer func() {
		if p := recover(); p != nil {
			b.Log.ErrorContext(ctx, "panic in handler", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return b.dispatch(ctx, t)
}

func (b *Bot) dispatch(ctx context.Context, t *turn) error {
	m := t.m
	p, ok := b.Roster.Person(m.FromUserName)
	if !ok {
		return b.refuseStranger(ctx, t)
	}
	t.person = p
	c, err := b.loadConvo(ctx, p.UserID)
	if err != nil {
		return err
	}
	if c == nil && (m.MsgType == bot.MsgText || m.Event == bot.EventTemplateCard || m.Event == bot.EventClick) {
		kind, expired, err := b.Sessions.Expired(ctx, p.UserID)
		if err != nil {
			return err
		}
		if expired && kind == kindDraft {
			note := fmt.Sprintf("您的草稿因超过%d分钟未操作已失效，请发送「提交」重新填写。", int(b.Sessions.TTL().Minutes()))
			if err := b.text(ctx, t, p.UserID, note); err != nil {
				return err
			}
			if m.MsgType == bot.MsgText && !isCommand(strings.TrimSpace(m.Content)) || m.Event == bot.EventTemplateCard {
				return nil // an answer to the lost draft: nothing more to do
			}
		}
	}
	switch {
	case m.MsgType == bot.MsgText:
		return b.onText(ctx, t, c, strings.TrimSpace(m.Content))
	case m.MsgType == bot.MsgEvent && m.Event == bot.EventClick:
		return b.onMenu(ctx, t, c, m.EventKey)
	case m.MsgType == bot.MsgEvent && m.Event == bot.EventEnterAgent:
		return b.onEnter(ctx, t)
	case m.MsgType == bot.MsgEvent && m.Event == bot.EventTemplateCard:
		switch {
		case strings.HasPrefix(m.TaskID, "d") && c != nil && c.Kind == kindRegister:
			return b.onRegCard(ctx, t, c)
		case strings.HasPrefix(m.TaskID, "d"):
			return b.onDraftCard(ctx, t, c)
		case strings.HasPrefix(m.TaskID, "o"):
			return b.onOrderCard(ctx, t)
		case strings.HasPrefix(m.TaskID, "f"):
			return b.onFormCard(ctx, t, c)
		case strings.HasPrefix(m.TaskID, "c"):
			return b.onCalendarCard(ctx, t)
		}
		return b.text(ctx, t, p.UserID, msgCardUnknown)
	case m.MsgType == bot.MsgEvent:
		// Other events (view, location, ...) need no answer.
		return nil
	default:
		return b.text(ctx, t, p.UserID, msgUnsupported)
	}
}

// commands maps the first word of a text to what it does.
var commandWords = []string{"帮助", "提交", "我的申请", "待办", "我的待办", "查询", "撤回", "登记", "登记12345", "我的工单", "超期工单", "统计", "工单", "年度报告", "会议", "日历"}

// isCommand reports whether text starts with a command word.
func isCommand(text string) bool {
	w, _, _ := strings.Cut(text, " ")
	return slices.Contains(commandWords, w) || slices.ContainsFunc(commandWords, func(c string) bool {
		return strings.HasPrefix(text, c) && (c == "查询" || c == "撤回" || c == "工单")
	})
}

func (b *Bot) onText(ctx context.Context, t *turn, c *convo, text string) error {
	if c != nil {
		switch c.Kind {
		case kindDraft:
			return b.onDraftText(ctx, t, c, text)
		case kindReject:
			return b.onRejectText(ctx, t, c, text)
		case kindRegister:
			return b.onRegText(ctx, t, c, text)
		case kindOrderReason:
			return b.onOrderReason(ctx, t, c, text)
		case kindOrderFinish:
			return b.onOrderFinish(ctx, t, c, text)
		case kindOrderExtend:
			return b.onOrderExtend(ctx, t, c, text)
		case kindCalendar:
			return b.onCalendarText(ctx, t, c, text)
		case kindPublish:
			if handled, err := b.onPublishText(ctx, t, c, text); handled || err != nil {
				return err
			}
			c = nil
		}
	}
	to := t.person.UserID
	switch text {
	case "帮助", "help", "Help", "HELP", "?", "？", "菜单":
		return b.help(ctx, t)
	case "提交", "提交公开申请", "公开申请":
		return b.startDraft(ctx, t, c, draftForm{}, 0, 0)
	case "我的申请":
		return b.myForms(ctx, t)
	case "待办", "我的待办":
		return b.todo(ctx, t)
	case "登记", "登记12345":
		return b.startRegister(ctx, t, c)
	case "我的工单":
		return b.myOrders(ctx, t)
	case "超期工单":
		return b.overdueOrders(ctx, t)
	case "统计":
		return b.stats(ctx, t)
	}
	if arg, ok := cutCommand(text, "工单"); ok {
		return b.showOrder(ctx, t, arg)
	}
	if arg, ok := cutCommand(text, "查询"); ok {
		return b.query(ctx, t, arg)
	}
	if arg, ok := cutCommand(text, "撤回"); ok {
		return b.withdrawByText(ctx, t, arg)
	}
	if arg, ok := cutCommand(text, "日历"); ok {
		return b.onCalendar(ctx, t, arg)
	}
	if handled, err := b.onRecordText(ctx, t, text); handled || err != nil {
		return err
	}
	return b.text(ctx, t, to, msgNotUnderstood)
}

// cutCommand splits "查询 公开审〔2026〕1号" (space optional) into its argument.
func cutCommand(text, word string) (string, bool) {
	rest, ok := strings.CutPrefix(text, word)
	return strings.TrimSpace(rest), ok
}

func (b *Bot) onMenu(ctx context.Context, t *turn, c *convo, key string) error {
	switch key {
	case MenuHelp:
		return b.help(ctx, t)
	case MenuSubmit:
		return b.startDraft(ctx, t, c, draftForm{}, 0, 0)
	case MenuTodo:
		return b.todo(ctx, t)
	case MenuQuery:
		return b.text(ctx, t, t.person.UserID, "请发送「查询 编号」查看审批单的办理过程，如：查询 公开审〔2026〕1号。发送「我的申请」查看您提交的全部申请。")
	case MenuRegister:
		return b.startRegister(ctx, t, c)
	}
	return b.text(ctx, t, t.person.UserID, msgMenuUnknown)
}

func (b *Bot) onEnter(ctx context.Context, t *turn) error {
	first, err := storage.FirstGreeting(ctx, t.tx, t.person.UserID, b.Now().In(b.Location))
	if err != nil || !first {
		return err
	}
	return b.text(ctx, t, t.person.UserID, fmt.Sprintf(msgGreeting, t.person.Name))
}

func (b *Bot) help(ctx context.Context, t *turn) error {
	return b.text(ctx, t, t.person.UserID, helpText(t.person))
}

// refuseStranger answers someone who is not on the roster, naming whom to
// ask. On entering the app it does so once a day, not on every visit.
func (b *Bot) refuseStranger(ctx context.Context, t *turn) error {
	m := t.m
	if m.MsgType == bot.MsgEvent && m.Event != bot.EventClick && m.Event != bot.EventTemplateCard {
		if m.Event != bot.EventEnterAgent {
			return nil
		}
		first, err := storage.FirstGreeting(ctx, t.tx, m.FromUserName, b.Now().In(b.Location))
		if err != nil || !first {
			return err
		}
	}
	return b.text(ctx, t, m.FromUserName, strangerText(b.Roster))
}

// text queues a text message, split at WeCom's size limit.
func (b *Bot) text(ctx context.Context, t *turn, to, content string) error {
	for _, part := range bot.SplitText(content, bot.MaxTextBytes) {
		if _, err := enqueue(ctx, t, storage.KindMessage, to, bot.TextMessage(to, part), ""); err != nil {
			return err
		}
	}
	return nil
}

// card queues a template card to one or more users. Its idempotency key
// "card:"+task_id is how the response_code of the send is found later.
func (b *Bot) card(ctx context.Context, t *turn, c bot.TemplateCard, to ...string) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("card %s: %w", c.TaskID, err)
	}
	_, err := enqueue(ctx, t, storage.KindMessage, strings.Join(to, "|"), bot.CardMessage(c, to...), "card:"+c.TaskID)
	return err
}

// enqueue writes an outbound call in the turn's transaction.
func enqueue(ctx context.Context, t *turn, kind, recipient string, payload any, key string) (int64, error) {
	id, err := storage.Enqueue(ctx, t.tx, kind, recipient, payload, key)
	if err == nil {
		t.queued++
	}
	return id, err
}
