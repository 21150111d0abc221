package scheduler

import (
	"context"
	"strings"
	"testing"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

func TestOutboxFailuresTellTheOfficeOncePerDay(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	s := newScheduler(t, db, Options{})
	run := func(when string) Result {
		t.Helper()
		res, err := s.RunJob(ctx, "outbox_failures", at(t, when), storage.TriggerCron)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	// A quiet day: no failures, no message.
	if res := run("2026-03-02 08:51"); res.Outcome != Ran || res.Queued != 0 {
		t.Fatalf("quiet day: %+v", res)
	}
	// Friday afternoon a text to 张伟 was given up; Monday morning the
	// office hears of it, by name.
	id, err := storage.Enqueue(ctx, db, storage.KindMessage, zhangwei, bot.TextMessage(zhangwei, "您有1件待审核的审批单"), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ClaimOutbox(ctx, at(t, "2026-03-06 16:00"), 10, 0); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkFailedCode(ctx, id, at(t, "2026-03-06 16:00"), 81013, "errcode 81013"); err != nil {
		t.Fatal(err)
	}
	last := id
	res := run("2026-03-09 08:51")
	if res.Queued != len(office) {
		t.Fatalf("Monday: %+v, want one text per office member", res)
	}
	got := outboxAfter(t, db, last)
	for i, m := range got {
		if m.To != office[i] {
			t.Errorf("text %d to %s, want %s", i, m.To, office[i])
		}
		mustContain(t, "summary", m.Text, "张伟（zhangwei）", "您有1件待审核的审批单", "81013", "zwgk outbox retry")
	}
	// A rerun of the same day queues nothing more; Tuesday's window starts
	// Monday, after the failure.
	if _, err := s.RunJob(ctx, "outbox_failures", at(t, "2026-03-09 10:00"), storage.TriggerManual); err != nil {
		t.Fatal(err)
	}
	if res := run("2026-03-10 08:51"); res.Queued != 0 {
		t.Fatalf("Tuesday: %+v, want nothing", res)
	}
	if n := len(outboxAfter(t, db, last)); n != len(office) || !strings.Contains(got[0].Text, "1 条") {
		t.Fatalf("%d texts in all, want %d", n, len(office))
	}
}
