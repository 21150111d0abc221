package cli

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

func TestOutboxCommandShowsAndRetries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := storagetest.NewDatabase(t)
	db, err := storage.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	enqueue := func(to, text string) int64 {
		id, err := storage.Enqueue(ctx, db, storage.KindMessage, to, bot.TextMessage(to, text), "")
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	now := time.Now().Add(time.Second)
	failedID := enqueue("ghost", "给不存在的人的通知")
	sentID := enqueue("zhangwei", "已送达的消息")
	if rows, err := db.ClaimOutbox(ctx, now, 10, time.Minute); err != nil || len(rows) != 2 {
		t.Fatalf("claim: %d rows, %v", len(rows), err)
	}
	if err := db.MarkFailedCode(ctx, failedID, now, 81013, "wecom message/send: errcode 81013: all touser invalid"); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkSent(ctx, sentID, now, map[string]string{"msgid": "m1"}); err != nil {
		t.Fatal(err)
	}
	enqueue("lina", "排队中的消息")

	zwgk := func(args ...string) (string, error) {
		var out bytes.Buffer
		env := map[string]string{"DATABASE_URL": url, "USER": "ops"}
		err := Run(ctx, args, func(k string) string { return env[k] }, &out, io.Discard)
		return out.String(), err
	}
	out, err := zwgk("outbox")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"1 pending, 1 failed, 1 sent", "排队中的消息", "给不存在的人的通知", "errcode 81013", "已送达的消息"} {
		if !strings.Contains(out, w) {
			t.Errorf("zwgk outbox lacks %q:\n%s", w, out)
		}
	}

	id := strconv.FormatInt(failedID, 10)
	if out, err := zwgk("outbox", "retry", id); err != nil || !strings.Contains(out, "queued again") {
		t.Fatalf("retry: %q, %v", out, err)
	}
	rows, _ := storage.PendingOutbox(ctx, db, 10)
	if len(rows) != 2 || rows[0].ID != failedID || rows[0].Attempts != 0 || rows[0].FailedAt.Valid {
		t.Fatalf("pending after retry: %+v", rows)
	}
	trail, _ := storage.AuditTrail(ctx, db, "outbox", id)
	if len(trail) != 1 || trail[0].Actor != "cli:ops" || trail[0].Action != "outbox_retry" || !strings.Contains(string(trail[0].Detail), "81013") {
		t.Fatalf("audit: %+v", trail)
	}
	if _, err := zwgk("outbox", "retry", id); err == nil || !strings.Contains(err.Error(), "only failed rows") {
		t.Fatalf("retry of a pending row: %v", err)
	}
	if _, err := zwgk("outbox", "retry", "987654"); err == nil || !strings.Contains(err.Error(), "no row 987654") {
		t.Fatalf("retry of an unknown row: %v", err)
	}
	if _, err := zwgk("outbox", "retry", "x"); err == nil {
		t.Fatal("retry of a non-number succeeded")
	}
}
