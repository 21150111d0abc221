package storage_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

// BenchmarkTurnTx is the transaction of a typical callback: the inbox row,
// one outbound message, one audit entry, committed (with fsync).
func BenchmarkTurnTx(b *testing.B) {
	db := storagetest.NewDB(b)
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		err := db.WithTx(ctx, func(tx *storage.Tx) error {
			if _, err := storage.RecordInbox(ctx, tx, storage.InboxEntry{DedupKey: "k" + strconv.Itoa(i), FromUser: "u", MsgType: "text", Payload: "{}"}); err != nil {
				return err
			}
			if _, err := storage.Enqueue(ctx, tx, storage.KindMessage, "u", map[string]string{"a": "b"}, ""); err != nil {
				return err
			}
			return storage.Audit(ctx, tx, "u", "x", "form", "1", map[string]int{"a": 1})
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
