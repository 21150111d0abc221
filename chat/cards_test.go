package chat_test

import (
	"context"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
)

// A card's other holders are closed with the code of its send only while
// that code is good: WeCom's codes last 72 hours. Older, the copy is left
// for its holder's own click to close.
func TestCloseCopiesUsesASendCodeOnlyWhileItIsGood(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		age     time.Duration
		updates int // card updates queued: the clicker's, and the other holder's while the code is good
	}{
		{"sent an hour ago", time.Hour, 2},
		{"sent on Friday, decided on Tuesday", 4 * 24 * time.Hour, 1},
		{"decided after the Spring Festival", 9 * 24 * time.Hour, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ctx := context.Background()
			now := f.b.Now()
			var id int64
			err := f.b.DB.WithTx(ctx, func(tx *storage.Tx) error {
				var err error
				id, err = storage.Enqueue(ctx, tx, storage.KindMessage, "a|b", map[string]string{"msgtype": "template_card"}, "card:f1-x")
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := f.b.DB.MarkSent(ctx, id, now.Add(-c.age), map[string]string{"response_code": "SEND-CODE"}); err != nil {
				t.Fatal(err)
			}
			err = f.b.Act(ctx, config.Person{UserID: "a"}, func(ctx context.Context, t *chat.Turn) error {
				return f.b.CloseCopies(ctx, t, []chat.CardCopy{{TaskID: "f1-x", Holders: []string{"a", "b"}}}, "a", "已同意", "f1-x", "CLICK-CODE", "a已同意")
			})
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if err := f.b.DB.GetContext(ctx, &n, `SELECT count(*) FROM outbox WHERE kind = $1`, storage.KindCardUpdate); err != nil {
				t.Fatal(err)
			}
			if n != c.updates {
				t.Fatalf("%d card updates queued, want %d", n, c.updates)
			}
			var clicker int
			f.b.DB.GetContext(ctx, &clicker, `SELECT count(*) FROM outbox WHERE kind = $1 AND payload->>'response_code' = 'CLICK-CODE'`, storage.KindCardUpdate)
			if clicker != 1 {
				t.Fatalf("the clicker's copy was updated %d times with the click's code, want 1", clicker)
			}
		})
	}
}
