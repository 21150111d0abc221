package storage_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

func TestClaimReminderOnceUnderConcurrency(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			err := db.WithTx(ctx, func(tx *storage.Tx) error {
				fresh, err := storage.ClaimReminder(ctx, tx, "deadline", "form:1:urgent", "2026-02-12", []string{"a", "b"})
				if fresh {
					wins.Add(1)
				}
				return err
			})
			if err != nil {
				t.Errorf("claim: %v", err)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d claims won, want 1", wins.Load())
	}
	// Another slot or entity is another reminder.
	err := db.WithTx(ctx, func(tx *storage.Tx) error {
		for _, k := range [][2]string{{"form:1:urgent", "2026-02-13"}, {"form:2:urgent", "2026-02-12"}} {
			if fresh, err := storage.ClaimReminder(ctx, tx, "deadline", k[0], k[1], nil); err != nil || !fresh {
				t.Errorf("claim %v = %v, %v; want fresh", k, fresh, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := storage.Reminders(ctx, db, "deadline")
	if err != nil || len(rs) != 3 || len(rs[0].Recipients) != 2 {
		t.Fatalf("reminders = %+v, %v", rs, err)
	}
}

func TestJobLockIsHeldForTheTransaction(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	held := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db.WithTx(ctx, func(tx *storage.Tx) error {
			ok, err := storage.TryJobLock(ctx, tx, "approver_digest")
			if err != nil || !ok {
				t.Errorf("first lock = %v, %v", ok, err)
			}
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	try := func(job string) bool {
		var ok bool
		err := db.WithTx(ctx, func(tx *storage.Tx) error {
			var err error
			ok, err = storage.TryJobLock(ctx, tx, job)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if try("approver_digest") {
		t.Error("a second transaction took a held job lock")
	}
	if !try("deadline") {
		t.Error("another job's lock was not free")
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !try("approver_digest") {
		t.Error("the lock outlived its transaction")
	}
}

func TestRecordRunOncePerSlot(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	slot := time.Date(2026, 2, 24, 9, 5, 0, 0, time.UTC)
	run := func(trigger, status string) bool {
		ok, err := storage.RecordRun(ctx, db, storage.JobRun{Job: "approver_digest", Slot: slot, RunAt: slot, Trigger: trigger,
			Status: status, StartedAt: slot, FinishedAt: slot})
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if done, _ := storage.SlotDone(ctx, db, "approver_digest", slot); done {
		t.Fatal("slot done before any run")
	}
	if !run("cron", "failed") || !run("manual", "done") {
		t.Fatal("failed and manual runs were not recorded")
	}
	if done, _ := storage.SlotDone(ctx, db, "approver_digest", slot); done {
		t.Fatal("a failed or manual run marked the slot done")
	}
	if !run("catchup", "done") {
		t.Fatal("the first done run was not recorded")
	}
	if run("cron", "done") || run("startup", "skipped") {
		t.Fatal("a second scheduled run of the slot was recorded")
	}
	if done, _ := storage.SlotDone(ctx, db, "approver_digest", slot); !done {
		t.Fatal("slot not done after a done run")
	}
	runs, _ := storage.JobRuns(ctx, db, "approver_digest")
	if len(runs) != 3 {
		t.Fatalf("runs = %d, want 3", len(runs))
	}
}

func TestAnnualReportAndMeetings(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	if _, err := storage.GetAnnualReport(ctx, db, 2025); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("report before marking: %v, want ErrNotFound", err)
	}
	at := time.Date(2026, 1, 20, 10, 0, 0, 0, time.UTC)
	err := db.WithTx(ctx, func(tx *storage.Tx) error {
		fresh, _, err := storage.MarkAnnualReport(ctx, tx, storage.AnnualReport{Year: 2025, DoneBy: "chenlixin", DoneAt: at})
		if err != nil || !fresh {
			t.Errorf("first mark = %v, %v", fresh, err)
		}
		fresh, prev, err := storage.MarkAnnualReport(ctx, tx, storage.AnnualReport{Year: 2025, DoneBy: "linxiaoyan", DoneAt: at.Add(time.Hour)})
		if err != nil || fresh || prev.DoneBy != "chenlixin" || !prev.DoneAt.Equal(at) {
			t.Errorf("second mark = %v, %+v, %v; want the first record", fresh, prev, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Publishing past failed checks keeps them with the reason, and
	// needs one.
	err = db.WithTx(ctx, func(tx *storage.Tx) error {
		_, _, err := storage.MarkAnnualReport(ctx, tx, storage.AnnualReport{Year: 2024, DoneBy: "chenlixin", DoneAt: at,
			Problems: []string{"表三 自然人：一 + 二 = 2，三（七） + 四 = 0"}})
		return err
	})
	if err == nil {
		t.Errorf("an override without a reason was stored")
	}
	err = db.WithTx(ctx, func(tx *storage.Tx) error {
		problems := []string{"表三 自然人：一 + 二 = 2，三（七） + 四 = 0"}
		if _, _, err := storage.MarkAnnualReport(ctx, tx, storage.AnnualReport{Year: 2024, DoneBy: "chenlixin", DoneAt: at, Problems: problems, OverrideReason: "以原台账为准"}); err != nil {
			return err
		}
		r, err := storage.GetAnnualReport(ctx, tx, 2024)
		if err != nil || len(r.Problems) != 1 || r.Problems[0] != problems[0] || r.OverrideReason != "以原台账为准" {
			t.Errorf("override read back = %+v, %v", r, err)
		}
		if r, err := storage.GetAnnualReport(ctx, tx, 2025); err != nil || len(r.Problems) != 0 || r.OverrideReason != "" {
			t.Errorf("plain record read back = %+v, %v", r, err)
		}
		for _, d := range []string{"2025-12-31", "2026-01-01", "2026-12-31", "2027-01-01"} {
			day, _ := time.Parse(time.DateOnly, d)
			if _, err := storage.InsertMeeting(ctx, tx, storage.Meeting{HeldOn: day, Topic: "会议 " + d, RecordedBy: "chenlixin", RecordedAt: at}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := storage.MeetingsIn(ctx, db, 2026)
	if err != nil || len(ms) != 2 || ms[0].Topic != "会议 2026-01-01" || ms[1].Topic != "会议 2026-12-31" {
		t.Fatalf("meetings of 2026 = %+v, %v", ms, err)
	}
}

func TestSetFormDeadlineOnlyWhenMissing(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 20, 9, 0, 0, 0, time.UTC)
	f := &storage.Form{Year: 2026, Seq: 1, Version: 1, State: "review", Stage: "section", Assignees: []string{"zhangwei"},
		Section: "综合一股", Submitter: "lina", Title: "t", Summary: "s", FormedOn: now, Mode: "主动公开", Column: "环境保护",
		Platforms: []string{"政府网站"}, CreatedAt: now, UpdatedAt: now}
	due := now.AddDate(0, 1, 0)
	err := db.WithTx(ctx, func(tx *storage.Tx) error {
		if _, err := storage.InsertForm(ctx, tx, f); err != nil {
			return err
		}
		if err := storage.SetFormDeadline(ctx, tx, f.ID, 2, due); !errors.Is(err, storage.ErrStale) {
			t.Errorf("other version: %v, want ErrStale", err)
		}
		if err := storage.SetFormDeadline(ctx, tx, f.ID, 1, due); err != nil {
			t.Errorf("set: %v", err)
		}
		if err := storage.SetFormDeadline(ctx, tx, f.ID, 1, due.AddDate(0, 0, 1)); !errors.Is(err, storage.ErrStale) {
			t.Errorf("set twice: %v, want ErrStale", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	open, err := storage.OpenForms(ctx, db)
	if err != nil || len(open) != 1 || !open[0].Deadline.Time.Equal(due) {
		t.Fatalf("open forms = %+v, %v", open, err)
	}
	if fs, _ := storage.FormsCreatedBetween(ctx, db, now, now.Add(time.Hour)); len(fs) != 0 {
		t.Error("FormsCreatedBetween includes its lower bound")
	}
	if fs, _ := storage.FormsCreatedBetween(ctx, db, now.Add(-time.Hour), now); len(fs) != 1 {
		t.Error("FormsCreatedBetween excludes its upper bound")
	}
}

func TestOpenComplaintsAndReminderQueued(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	base := time.Date(2026, 2, 12, 9, 0, 0, 0, time.UTC)
	err := db.WithTx(ctx, func(tx *storage.Tx) error {
		for i, o := range []struct {
			ticket, state string
			urgent        bool
			due           time.Duration
		}{
			{"T1", "dispatched", false, 72 * time.Hour},
			{"T2", "answered", true, 24 * time.Hour},
			{"T3", "closed", true, time.Hour},
			{"T4", "assigned", true, 48 * time.Hour},
			{"T5", "returned", false, 2 * time.Hour},
		} {
			c := &storage.Order{TicketNo: o.ticket, Category: "投诉", Content: "内容", Urgent: o.urgent, ReceivedAt: base,
				DueAt: base.Add(o.due), Section: "综合一股", Registrar: "lina", State: o.state, CreatedAt: base.Add(time.Duration(i) * time.Minute)}
			if _, err := storage.InsertOrder(ctx, tx, c); err != nil {
				return err
			}
		}
		_, err := storage.ClaimReminder(ctx, tx, "order_overdue", "order:1:overdue", "2026-02-12", []string{"a"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	tickets := func(urgent bool) []string {
		t.Helper()
		cs, err := storage.OpenComplaints(ctx, db, urgent)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range cs {
			out = append(out, c.TicketNo)
		}
		return out
	}
	// Not closed, by due time; the urgent ones only.
	if got, want := tickets(false), []string{"T5", "T2", "T4", "T1"}; !slices.Equal(got, want) {
		t.Errorf("open = %v, want %v", got, want)
	}
	if got, want := tickets(true), []string{"T2", "T4"}; !slices.Equal(got, want) {
		t.Errorf("open urgent = %v, want %v", got, want)
	}
	for _, k := range []struct {
		job, entity, slot string
		want              bool
	}{
		{"order_overdue", "order:1:overdue", "2026-02-12", true},
		{"order_overdue", "order:1:overdue", "2026-02-13", false},
		{"order_urgent", "order:1:overdue", "2026-02-12", false},
	} {
		if got, err := storage.ReminderQueued(ctx, db, k.job, k.entity, k.slot); err != nil || got != k.want {
			t.Errorf("ReminderQueued(%v) = %v, %v; want %v", k, got, err, k.want)
		}
	}
}

func TestClaimRemindersInBatches(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	var keys []storage.ReminderKey
	for i := range 12001 { // three statements
		keys = append(keys, storage.ReminderKey{Entity: "order:" + strconv.Itoa(i), Slot: "2026-02-24", Recipients: []string{"a", "b"}})
	}
	keys[7].Recipients = nil
	err := db.WithTx(ctx, func(tx *storage.Tx) error {
		ok, err := storage.ClaimReminder(ctx, tx, "order_overdue", "order:5000", "2026-02-24", []string{"a"})
		if !ok || err != nil {
			t.Fatalf("single claim: %v %v", ok, err)
		}
		fresh, err := storage.ClaimReminders(ctx, tx, "order_overdue", keys)
		if err != nil {
			return err
		}
		for i, f := range fresh {
			if f != (i != 5000) {
				t.Errorf("key %d fresh = %v", i, f)
			}
		}
		again, err := storage.ClaimReminders(ctx, tx, "order_overdue", keys[:3])
		if err != nil {
			return err
		}
		if again[0] || again[1] || again[2] {
			t.Errorf("claimed twice: %v", again)
		}
		other, err := storage.ClaimReminders(ctx, tx, "order_due", keys[:1])
		if err != nil || !other[0] {
			t.Errorf("another job's key: %v %v", other, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var rec []string
	if err := db.SelectContext(ctx, &rec, `SELECT coalesce(array_to_string(recipients, ','), '') FROM reminders WHERE job = 'order_overdue' AND entity IN ('order:1', 'order:7') ORDER BY entity`); err != nil {
		t.Fatal(err)
	}
	if len(rec) != 2 || rec[0] != "a,b" || rec[1] != "" {
		t.Fatalf("recipients stored %q", rec)
	}
}
