package chat

import (
	"context"
	"slices"
	"strings"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/storage"
)

// CardCopy is one sent card: its task_id and who holds it.
type CardCopy struct {
	TaskID  string
	Holders []string
}

// CloseCopies replaces the buttons of every copy of a decided card, so
// nobody is left with live buttons: the clicker's copy with the click's
// response_code (text mine), the other holders' with the code WeCom gave
// when the copy was sent (text others). A copy not yet delivered has no
// code; a click on it is refused as stale anyway.
func (b *Bot) CloseCopies(ctx context.Context, t *Turn, copies []CardCopy, clicker, mine, clickTask, clickCode, others string) error {
	for _, c := range copies {
		holders := c.Holders
		if c.TaskID == clickTask && clickCode != "" {
			u := bot.CardUpdate{UserIDs: []string{clicker}, ResponseCode: clickCode, Button: &bot.ReplaceName{ReplaceName: Clip(mine, 20)}}
			if _, err := Enqueue(ctx, t, storage.KindCardUpdate, clicker, u, ""); err != nil {
				return err
			}
			holders = slices.DeleteFunc(slices.Clone(holders), func(h string) bool { return h == clicker })
		}
		if len(holders) == 0 {
			continue
		}
		code, err := storage.SentResponseCode(ctx, t.Tx, c.TaskID)
		if err != nil {
			return err
		}
		if code == "" {
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
// clicker, with the click's response_code.
func (b *Bot) ReplaceButton(ctx context.Context, t *Turn, userID, text string) error {
	if t.Msg.ResponseCode == "" {
		return nil
	}
	u := bot.CardUpdate{UserIDs: []string{userID}, ResponseCode: t.Msg.ResponseCode, Button: &bot.ReplaceName{ReplaceName: text}}
	if _, err := Enqueue(ctx, t, storage.KindCardUpdate, userID, u, ""); err != nil {
		return err
	}
	return nil
}
