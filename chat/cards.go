package chat

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/storage"
)

// CardCopy is one sent card: its task_id and who holds it.
type CardCopy struct {
	TaskID  string
	Holders []string
}

// codeUsableFor is how long after a card's send its response_code is
// still used to close it. WeCom's codes are good for one update within 72
// hours (更新模版卡片消息, developer.work.weixin.qq.com/document/path/94888:
// 「一个code只能调用一次该接口，且只能在72小时内调用」; older versions of the
// page said 24 hours); the hour to spare covers an update that waits in
// the outbox.
const codeUsableFor = 71 * time.Hour

// CloseCopies replaces the buttons of every copy of a decided card, so
// nobody is left with live buttons: the clicker's copy with the click's
// response_code (text mine), the other holders' with the code WeCom gave
// when the copy was sent (text others), while that code is good. A copy
// not yet delivered, or whose code lapsed (a card decided days after it
// was sent, over a weekend or the Spring Festival), is closed when its
// holder clicks it: the click brings a fresh code, and the click is
// refused as stale anyway.
func (b *Bot) CloseCopies(ctx context.Context, t *Turn, copies []CardCopy, clicker, mine, clickTask, clickCode, others string) error {
	for _, c := range copies {
		holders := c.Holders
		if c.TaskID == clickTask && clickCode != "" {
			u := bot.CardUpdate{UserIDs: []string{clicker}, ResponseCode: clickCode, Button: &bot.ReplaceName{ReplaceName: Clip(mine, 20)}}
			if _, err := Enqueue(ctx, t, storage.KindCardUpdate, clicker, u, closedKey(c.TaskID, clicker)); err != nil {
				return err
			}
			holders = slices.DeleteFunc(slices.Clone(holders), func(h string) bool { return h == clicker })
		}
		// A copy closed before (its holder clicked it in an earlier round,
		// as a publisher does once per platform) keeps what it says.
		closed, err := storage.QueuedKeys(ctx, t.Tx, closedKeys(c.TaskID, holders))
		if err != nil {
			return err
		}
		holders = slices.DeleteFunc(slices.Clone(holders), func(h string) bool { return slices.Contains(closed, closedKey(c.TaskID, h)) })
		if len(holders) == 0 {
			continue
		}
		code, sentAt, err := storage.SentResponseCode(ctx, t.Tx, c.TaskID)
		if err != nil {
			return err
		}
		if code == "" || t.Now.Sub(sentAt) >= codeUsableFor {
			// No code, or it has lapsed: the copy is closed when its
			// holder clicks it, with the click's own code.
			continue
		}
		u := bot.CardUpdate{UserIDs: holders, ResponseCode: code, Button: &bot.ReplaceName{ReplaceName: Clip(others, 20)}}
		if _, err := Enqueue(ctx, t, storage.KindCardUpdate, strings.Join(holders, "|"), u, "update:"+c.TaskID); err != nil {
			return err
		}
	}
	return nil
}

// ReplaceButton turns the clicked card's buttons into a note, for the
// clicker, with the click's response_code. A turn outside a callback (Act:
// a page of the 办公桌) has no click, and nothing to replace.
func (b *Bot) ReplaceButton(ctx context.Context, t *Turn, userID, text string) error {
	if t.Msg == nil || t.Msg.ResponseCode == "" {
		return nil
	}
	u := bot.CardUpdate{UserIDs: []string{userID}, ResponseCode: t.Msg.ResponseCode, Button: &bot.ReplaceName{ReplaceName: text}}
	if _, err := Enqueue(ctx, t, storage.KindCardUpdate, userID, u, closedKey(t.Msg.TaskID, userID)); err != nil {
		return err
	}
	return nil
}

// closedKey is the idempotency key of the update that closed holder's copy
// of card task: each copy is closed once, by its holder's click or by the
// decision that made it stale, whichever comes first.
func closedKey(task, holder string) string { return "close:" + task + ":" + holder }

func closedKeys(task string, holders []string) []string {
	keys := make([]string, len(holders))
	for i, h := range holders {
		keys[i] = closedKey(task, h)
	}
	return keys
}

// CloseWith closes holder's copy of card task with a response_code kept
// for it (a click's that was not used to answer it), once: CloseCopies
// then leaves that copy alone.
func (b *Bot) CloseWith(ctx context.Context, t *Turn, task, holder, code, text string) error {
	if code == "" {
		return nil
	}
	u := bot.CardUpdate{UserIDs: []string{holder}, ResponseCode: code, Button: &bot.ReplaceName{ReplaceName: Clip(text, 20)}}
	_, err := Enqueue(ctx, t, storage.KindCardUpdate, holder, u, closedKey(task, holder))
	return err
}
