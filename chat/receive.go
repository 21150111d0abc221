// Package chat is the machinery every flow's conversation shares: a turn
// (one callback handled in one transaction, with the inbox row, the state
// change and the queued replies), the user's conversation in progress,
// outbound texts and cards, and closing cards once they are decided. What
// a message means is for the flows to say; the router picks the flow.
package chat

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

// Bot is what every flow needs to act on a turn. Its fields are its
// dependencies, set once by the wiring.
type Bot struct {
	DB       *storage.DB
	Redis    *storage.Redis
	Sessions *storage.Session
	// Calendar is shared with the scheduler; confirming a year the
	// office added replaces its data (Calendar.Replace).
	Calendar   *workflow.Calendar
	PublicURL  string          // base of links in cards, without trailing slash
	LinkSecret []byte          // HMAC key of those links
	Limits     workflow.Limits // 12345 time limits
	Roster     *config.Roster
	Log        *slog.Logger
	Now        func() time.Time
	Location   *time.Location // business time zone (Asia/Shanghai)
	// Queued is called after a commit that queued outbound calls, to wake
	// the outbox worker. May be nil.
	Queued func()
	// Notices tells the public through the 公众号; nil when it is off
	// (its methods then only record that nothing was sent).
	Notices *notices.Service
	// Letters is what the register's letters print beyond the register.
	Letters config.LettersConfig
	// Wizards are the conversation kinds in which the user is filling in
	// something field by field; starting another such conversation waits
	// until it is finished or cancelled (InWizard).
	Wizards []string
	// Fault, when set (by tests only), is called at the named points of a
	// turn; an error stops the turn there, as if the process had died.
	Fault func(point string) error
	// Commands are the words that start a command (the router's), so that
	// a conversation waiting for free text can tell a command from an
	// answer; Joined are those that may run into their argument without a
	// space (「查询公开审〔2026〕1号」).
	Commands, Joined []string
}

// IsCommand reports whether text starts with a command word.
func (b *Bot) IsCommand(text string) bool {
	w, _, _ := strings.Cut(text, " ")
	return slices.Contains(b.Commands, w) || slices.ContainsFunc(b.Joined, func(c string) bool {
		return strings.HasPrefix(text, c)
	})
}

// Turn is one callback being handled: the transaction, what it queued,
// and the Redis writes to make once the transaction has committed (so that
// a rolled-back turn leaves the conversation as it was).
type Turn struct {
	Tx     *storage.Tx
	Msg    *bot.Message
	Now    time.Time
	Person config.Person // the sender, once the roster knows them
	queued int
	after  []func(context.Context) error
	conv   *convState // the sender's conversation (LoadSession, Save, End)
	// merge gathers a callback's texts to each person into one message
	// (see Text); texts holds them until something else is queued or the
	// turn ends.
	merge bool
	texts []queuedText
}

type queuedText struct{ to, content string }

// Queued counts n outbound calls queued in the turn's transaction by other
// means than Enqueue (the 公众号's notices), so the worker is woken.
func (t *Turn) Queued(n int) { t.queued += n }

// Pending is how many outbound calls the turn has queued, to wake the
// outbox after commit.
func (t *Turn) Pending() int { return t.queued }

// AfterCommit defers f until the turn's transaction has committed.
func (t *Turn) AfterCommit(f func(context.Context) error) { t.after = append(t.after, f) }

// FaultAfterCommit is the point after a turn's commit and before its
// conversation's Redis copy is written.
const FaultAfterCommit = "after-commit"

// Dispatch acts on a turn: it is given by the router, which knows the
// flows.
type Dispatch func(ctx context.Context, t *Turn) error

// Receive handles one callback with dispatch (the router's Receive, which
// implements bot.Receiver, calls it). It acts on each callback at most once:
// the inbox row and every effect commit together, so a repeat finds the row
// and does nothing. If acting fails, the callback is still recorded (as
// failed) with an apology to the user, so WeCom's retries cannot repeat a
// half-understood request; only when Postgres itself fails does it return
// an error, and WeCom posts again.
func (b *Bot) Receive(ctx context.Context, m *bot.Message, dispatch Dispatch) error {
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
		t := &Turn{Tx: tx, Msg: m, Now: now, merge: true}
		if err := b.safeDispatch(ctx, t, dispatch); err != nil {
			return err
		}
		if err := t.flushTexts(ctx); err != nil {
			return err
		}
		if err := b.recordSession(ctx, t); err != nil {
			return err
		}
		queued, after = t.queued, t.after
		return nil
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
			t := &Turn{Tx: tx, Msg: m, Now: now}
			err = b.Text(ctx, t, m.FromUserName, MsgInternalError)
			queued, after = t.queued, nil
			return err
		})
	}
	if err != nil {
		return err
	}
	// The turn has committed: its conversation's copy must be saved even
	// if WeCom has hung up meanwhile.
	saveCtx := context.WithoutCancel(ctx)
	if repeat {
		bot.NoteOutcome(ctx, bot.OutcomeDuplicate)
		// The first delivery committed; if its process died before the
		// Redis write, this puts the conversation where the commit left it.
		if err := b.RepairSession(saveCtx, m.FromUserName, now); err != nil {
			b.Log.WarnContext(ctx, "conversation copy not repaired", "user", m.FromUserName, "err", err)
		}
	}
	if b.Fault != nil {
		if err := b.Fault(FaultAfterCommit); err != nil {
			return err
		}
	}
	for _, f := range after {
		if err := f(saveCtx); err != nil {
			// Postgres has the conversation; the next turn puts the copy
			// right (LoadSession).
			b.Log.WarnContext(ctx, "conversation copy not saved", "user", m.FromUserName, "err", err)
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
func (b *Bot) safeDispatch(ctx context.Context, t *Turn, dispatch Dispatch) (err error) {
	defer func() {
		if p := recover(); p != nil {
			b.Log.ErrorContext(ctx, "panic in handler", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return dispatch(ctx, t)
}

// Text queues a text message, split at WeCom's size limit.
//
// In a callback's turn, the texts to one person go out as one message,
// paragraphs apart, unless something else (a card) comes between them:
// WeCom delivers at most 30 app messages a minute to a member and the
// outbox paces each person to 25, so a person answering a question every
// three seconds is answered at once only if each answer costs one message
// (an echo of their answer and the next question were two).
func (b *Bot) Text(ctx context.Context, t *Turn, to, content string) error {
	if t.merge {
		for i := range t.texts {
			if t.texts[i].to == to {
				t.texts[i].content += paragraph + content
				return nil
			}
		}
		t.texts = append(t.texts, queuedText{to, content})
		return nil
	}
	return enqueueText(ctx, t, to, content)
}

// paragraph separates the texts gathered into one message.
const paragraph = "\n\n"

func enqueueText(ctx context.Context, t *Turn, to, content string) error {
	for _, part := range bot.SplitText(content, bot.MaxTextBytes) {
		if _, err := enqueue(ctx, t, storage.KindMessage, to, bot.TextMessage(to, part), ""); err != nil {
			return err
		}
	}
	return nil
}

// flushTexts queues the texts gathered so far, one message per person.
func (t *Turn) flushTexts(ctx context.Context) error {
	texts := t.texts
	t.texts = nil
	for _, q := range texts {
		if err := enqueueText(ctx, t, q.to, q.content); err != nil {
			return err
		}
	}
	return nil
}

// Card queues a template card to one or more users. Its idempotency key
// "card:"+task_id is how the response_code of the send is found later.
func (b *Bot) Card(ctx context.Context, t *Turn, c bot.TemplateCard, to ...string) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("card %s: %w", c.TaskID, err)
	}
	_, err := Enqueue(ctx, t, storage.KindMessage, strings.Join(to, "|"), bot.CardMessage(c, to...), "card:"+c.TaskID)
	return err
}

// Enqueue writes an outbound call in the turn's transaction, after the
// texts gathered so far, so that each person's messages keep their order.
func Enqueue(ctx context.Context, t *Turn, kind, recipient string, payload any, key string) (int64, error) {
	if err := t.flushTexts(ctx); err != nil {
		return 0, err
	}
	return enqueue(ctx, t, kind, recipient, payload, key)
}

func enqueue(ctx context.Context, t *Turn, kind, recipient string, payload any, key string) (int64, error) {
	id, err := storage.Enqueue(ctx, t.Tx, kind, recipient, payload, key)
	if err == nil {
		t.queued++
	}
	return id, err
}

// Act runs f as a turn of by outside any callback (an operator's command
// standing in for a chat): in one transaction, then the conversation
// writes and the outbox woken, as for a callback.
func (b *Bot) Act(ctx context.Context, by config.Person, f func(ctx context.Context, t *Turn) error) error {
	var t *Turn
	now := b.Now()
	err := b.DB.WithTx(ctx, func(tx *storage.Tx) error {
		t = &Turn{Tx: tx, Now: now, Person: by}
		return f(ctx, t)
	})
	if err != nil {
		return err
	}
	for _, f := range t.after {
		if err := f(ctx); err != nil {
			return err
		}
	}
	if t.queued > 0 && b.Queued != nil {
		b.Queued()
	}
	return nil
}
