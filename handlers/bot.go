// Package handlers decides what each message, click and command does. It
// receives verified callbacks from bot.Callback, records them in the inbox,
// changes state and queues replies in the outbox, all in one transaction.
package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
)

// seenTTL is how long the Redis fast path remembers a handled callback;
// WeCom's retries come within seconds.
const seenTTL = 10 * time.Minute

// Bot handles callbacks. Its fields are its dependencies, set once.
type Bot struct {
	DB       *storage.DB
	Redis    *storage.Redis
	Roster   *config.Roster
	Log      *slog.Logger
	Now      func() time.Time
	Location *time.Location // business time zone (Asia/Shanghai)
	// Queued is called after a commit that queued outbound calls, to wake
	// the outbox worker. May be nil.
	Queued func()
}

// turn is one callback being handled: the transaction and what it queued.
type turn struct {
	tx     *storage.Tx
	m      *bot.Message
	person config.Person
	queued int
}

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
		return nil
	}
	payload, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode callback: %w", err)
	}
	entry := storage.InboxEntry{DedupKey: key, FromUser: m.FromUserName, MsgType: m.MsgType, Event: m.Event, Payload: string(payload)}

	var queued int
	err = b.DB.WithTx(ctx, func(tx *storage.Tx) error {
		fresh, err := storage.RecordInbox(ctx, tx, entry)
		if err != nil || !fresh {
			return err
		}
		t := &turn{tx: tx, m: m}
		err = b.dispatch(ctx, t)
		queued = t.queued
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
				return err
			}
			t := &turn{tx: tx, m: m}
			err = b.text(ctx, t, m.FromUserName, msgInternalError)
			queued = t.queued
			return err
		})
	}
	if err != nil {
		return err
	}
	if err := b.Redis.MarkSeen(ctx, key, seenTTL); err != nil {
		b.Log.WarnContext(ctx, "dedup fast path unavailable", "err", err)
	}
	if queued > 0 && b.Queued != nil {
		b.Queued()
	}
	return nil
}

func (b *Bot) dispatch(ctx context.Context, t *turn) error {
	m := t.m
	p, ok := b.Roster.Person(m.FromUserName)
	if !ok {
		return b.refuseStranger(ctx, t)
	}
	t.person = p
	switch {
	case m.MsgType == bot.MsgText:
		return b.onText(ctx, t, strings.TrimSpace(m.Content))
	case m.MsgType == bot.MsgEvent && m.Event == bot.EventClick:
		return b.onMenu(ctx, t, m.EventKey)
	case m.MsgType == bot.MsgEvent && m.Event == bot.EventEnterAgent:
		return b.onEnter(ctx, t)
	case m.MsgType == bot.MsgEvent && m.Event == bot.EventTemplateCard:
		return b.text(ctx, t, p.UserID, msgCardUnknown)
	case m.MsgType == bot.MsgEvent:
		// Other events (view, location, ...) need no answer.
		return nil
	default:
		return b.text(ctx, t, p.UserID, msgUnsupported)
	}
}

func (b *Bot) onText(ctx context.Context, t *turn, text string) error {
	switch text {
	case "帮助", "help", "Help", "HELP", "?", "？", "菜单":
		return b.help(ctx, t)
	case "提交", "我的待办", "待办", "登记", "查询", "我的申请":
		return b.text(ctx, t, t.person.UserID, msgNotYet)
	}
	return b.text(ctx, t, t.person.UserID, msgNotUnderstood)
}

func (b *Bot) onMenu(ctx context.Context, t *turn, key string) error {
	switch key {
	case MenuHelp:
		return b.help(ctx, t)
	case MenuSubmit, MenuTodo, MenuRegister, MenuQuery:
		return b.text(ctx, t, t.person.UserID, msgNotYet)
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
		if _, err := storage.Enqueue(ctx, t.tx, storage.KindMessage, to, bot.TextMessage(to, part), ""); err != nil {
			return err
		}
		t.queued++
	}
	return nil
}
