package storage_test

import (
	"context"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
	"github.com/zwgk-bot/zwgk/workflow"
)

// The 统计 page's figures over seeded registers, each compared with counts
// made here from the seed: orders per month and per day (cut in the
// bureau's zone), forms per platform and the stages' times, and the
// applications of a period.
func TestDeskStatsFigures(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(19))
	at := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, loc) }
	now := at(12, 1, 15)

	// Orders: received over 2026 (and two just outside it, in the bureau's
	// zone), some answered, some on time.
	type seedOrder struct {
		received, due time.Time
		answered      *time.Time
	}
	var orders []seedOrder
	for i := range 120 {
		rec := at(time.Month(1+rng.Intn(11)), 1+rng.Intn(28), rng.Intn(24))
		o := seedOrder{received: rec, due: rec.Add(time.Duration(24*(1+rng.Intn(10))) * time.Hour)}
		if i%4 != 0 {
			a := rec.Add(time.Duration(1+rng.Intn(24*12)) * time.Hour)
			o.answered = &a
		}
		orders = append(orders, o)
	}
	// 00:30 on 1 February in Beijing is still 31 January in UTC: February's.
	orders = append(orders, seedOrder{received: at(2, 1, 0).Add(30 * time.Minute), due: at(2, 5, 0)},
		seedOrder{received: at(1, 1, 0).Add(-time.Minute), due: at(1, 5, 0)}, // 2025's
		seedOrder{received: at(12, 31, 24), due: at(1, 5, 0)})                // 2027's
	err = db.WithTx(ctx, func(tx *storage.Tx) error {
		for i, o := range orders {
			c := &storage.Order{TicketNo: fmt.Sprintf("2026%09d", i), Category: "投诉", Content: "测试", Section: "综合一股",
				Registrar: "lina", State: "dispatched", Source: "chat", ReceivedAt: o.received, DueAt: o.due, CreatedAt: o.received}
			if _, err := storage.InsertOrder(ctx, tx, c); err != nil {
				return err
			}
			if o.answered != nil {
				if _, err := tx.ExecContext(ctx, `UPDATE orders SET answered_at = $2, state = 'answered' WHERE id = $1`, c.ID, *o.answered); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	from, to := at(1, 1, 0), at(12, 31, 24)
	want := map[string]storage.OrderCount{}
	for _, o := range orders {
		if o.received.Before(from) || !o.received.Before(to) {
			continue
		}
		r := o.received.In(loc)
		k := fmt.Sprintf("%d-%02d", r.Year(), int(r.Month()))
		c := want[k]
		c.Received++
		if o.answered != nil {
			c.Answered++
			if !o.answered.After(o.due) {
				c.OnTime++
			}
		}
		want[k] = c
	}
	got, err := storage.OrderCounts(ctx, db, from, to, "month", loc)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("months = %d, want %d", len(got), len(want))
	}
	for _, g := range got {
		k := g.Start.Format("2006-01")
		w := want[k]
		if g.Start.Day() != 1 || g.Start.Location() != loc || g.Received != w.Received || g.Answered != w.Answered || g.OnTime != w.OnTime {
			t.Errorf("%s: got %+v, want %+v", k, g, w)
		}
	}
	feb, err := storage.OrderCounts(ctx, db, at(2, 1, 0), at(3, 1, 0), "day", loc)
	if err != nil {
		t.Fatal(err)
	}
	days := map[int]int{}
	for _, o := range orders {
		if r := o.received.In(loc); r.Year() == 2026 && r.Month() == 2 {
			days[r.Day()]++
		}
	}
	if len(feb) != len(days) || len(feb) == 0 || feb[0].Start.Day() != 1 || feb[0].Received != days[1] {
		t.Errorf("February per day = %+v, want %v (the 00:30 order on the 1st)", feb, days)
	}
	for _, g := range feb {
		if g.Received != days[g.Start.Day()] {
			t.Errorf("February %d: %d orders, want %d", g.Start.Day(), g.Received, days[g.Start.Day()])
		}
	}
	if _, err := storage.OrderCounts(ctx, db, from, to, "week", loc); err == nil {
		t.Error("a unit of week was accepted")
	}

	// Forms: each version's stages with their decisions, and the
	// publications. Stage starts and ends are computed here from the seed.
	type stageWant struct {
		n       int
		sum, mx time.Duration
	}
	wantStages := map[string]*stageWant{}
	add := func(stage string, d time.Duration, ended time.Time, inPeriod func(time.Time) bool) {
		if !inPeriod(ended) {
			return
		}
		w := wantStages[stage]
		if w == nil {
			w = &stageWant{}
			wantStages[stage] = w
		}
		w.n++
		w.sum += d
		w.mx = max(w.mx, d)
	}
	pFrom, pTo := at(3, 1, 0), at(10, 1, 0)
	inP := func(t time.Time) bool { return !t.Before(pFrom) && t.Before(pTo) }
	wantPlatforms := map[string]int{}
	wantDone := 0
	platforms := []string{"政府网站", "微信公众号", "政务新媒体"}
	err = db.WithTx(ctx, func(tx *storage.Tx) error {
		for i := range 30 {
			submitted := at(time.Month(2+rng.Intn(9)), 1+rng.Intn(28), 9)
			mode := workflow.ModeActive
			if i%5 == 0 {
				mode = workflow.ModeRequest
			}
			plats := platforms[:1+rng.Intn(3)]
			state := workflow.StatePublished
			switch i % 7 {
			case 3:
				state = workflow.StateReview
			case 5:
				state = workflow.StateRejected
			}
			f := &storage.Form{Year: 2026, Seq: 500 + i, Version: 1, State: string(state), Section: "综合一股", Submitter: "lina",
				Title: fmt.Sprintf("统计测试%d", i), Summary: "测试", FormedOn: submitted, Mode: string(mode), Column: "环境保护",
				Platforms: pq.StringArray(plats), Assignees: pq.StringArray{}, CreatedAt: submitted}
			if _, err := storage.InsertForm(ctx, tx, f); err != nil {
				return err
			}
			if err := storage.SaveVersion(ctx, tx, f.ID, 1, []byte(`{}`), submitted); err != nil {
				return err
			}
			last := submitted
			stages := []string{"section", "office"}
			if i%3 == 0 {
				stages = append(stages, "leader")
			}
			if i%4 == 1 {
				// The submitter heads the section: skipped, no time.
				if err := storage.InsertDecision(ctx, tx, storage.Decision{FormID: f.ID, Version: 1, Stage: "section", Approver: "lina", Verdict: "self", DecidedAt: submitted}); err != nil {
					return err
				}
				stages = stages[1:]
			}
			if state == workflow.StateReview {
				stages = stages[:1]
			}
			for j, st := range stages {
				v := "approve"
				if state == workflow.StateRejected && j == len(stages)-1 {
					v = "reject"
				}
				dec := last.Add(time.Duration(1+rng.Intn(72)) * time.Hour)
				if err := storage.InsertDecision(ctx, tx, storage.Decision{FormID: f.ID, Version: 1, Stage: st, Approver: "x", Verdict: v, DecidedAt: dec}); err != nil {
					return err
				}
				add(st, dec.Sub(last), dec, inP)
				last = dec
			}
			if state != workflow.StatePublished {
				continue
			}
			pub := last
			for _, pl := range plats {
				pub = pub.Add(time.Duration(1+rng.Intn(30)) * time.Hour)
				if _, err := storage.InsertPublication(ctx, tx, storage.Publication{FormID: f.ID, Platform: pl, PublishedBy: "chenlixin", PublishedAt: pub}); err != nil {
					return err
				}
			}
			add("publish", pub.Sub(last), pub, inP)
			if inP(pub) {
				wantDone++
				for _, pl := range plats {
					wantPlatforms[pl]++
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	done, byPlatform, err := storage.PublishedForms(ctx, db, pFrom, pTo, "")
	if err != nil {
		t.Fatal(err)
	}
	if done != wantDone || len(byPlatform) != len(wantPlatforms) {
		t.Errorf("published %d on %v, want %d on %v", done, byPlatform, wantDone, wantPlatforms)
	}
	for i, pc := range byPlatform {
		if pc.Forms != wantPlatforms[pc.Platform] || i > 0 && pc.Forms > byPlatform[i-1].Forms {
			t.Errorf("platform %s: %d forms, want %d, most used first (%v)", pc.Platform, pc.Forms, wantPlatforms[pc.Platform], byPlatform)
		}
	}
	stages, err := storage.FormStageTimes(ctx, db, pFrom, pTo)
	if err != nil {
		t.Fatal(err)
	}
	if len(stages) != len(wantStages) {
		t.Errorf("stages = %+v, want %d of them", stages, len(wantStages))
	}
	order := map[string]int{"section": 0, "office": 1, "leader": 2, "publish": 3}
	for i, s := range stages {
		w := wantStages[s.Stage]
		if w == nil {
			t.Errorf("stage %s timed, but nothing ended there", s.Stage)
			continue
		}
		avg := (w.sum / time.Duration(w.n)).Round(time.Second)
		if s.Count != w.n || s.Longest != w.mx || (s.Average-avg).Abs() > time.Second {
			t.Errorf("stage %s: %d, mean %v, longest %v; want %d, %v, %v", s.Stage, s.Count, s.Average, s.Longest, w.n, avg, w.mx)
		}
		if i > 0 && order[s.Stage] < order[stages[i-1].Stage] {
			t.Errorf("stages out of order: %+v", stages)
		}
	}

	// Applications received in a period, as of a day.
	today := storage.Day(now, loc)
	first, last := storage.Day(at(4, 1, 0), loc), storage.Day(at(6, 30, 0), loc)
	var wantApps storage.ApplicationStats
	wantApps.ByOutcome = map[string]int{}
	err = db.WithTx(ctx, func(tx *storage.Tx) error {
		for i := range 40 {
			rec := storage.Day(at(time.Month(3+rng.Intn(5)), 1+rng.Intn(28), 0), loc)
			due := rec.AddDate(0, 0, 28)
			a := &storage.Application{Channel: "当面", ReceivedD: rec, ApplicantName: "申请人", ApplicantType: "公民", Content: "测试",
				ProvideForm: "纸质", State: "accepted", Registrar: "chenlixin", DueD: due, Source: "chat", CreatedAt: now}
			closed := i%3 != 0
			late := i%5 == 0
			o := workflow.Outcomes()[rng.Intn(len(workflow.Outcomes()))]
			if closed {
				a.State, a.Outcome = "closed", string(o)
				d := due.AddDate(0, 0, -2)
				if late {
					d = due.AddDate(0, 0, 3)
				}
				a.DeliveredD.Time, a.DeliveredD.Valid = d, true
			}
			if _, err := storage.InsertApplication(ctx, tx, a); err != nil {
				return err
			}
			if rec.Before(first) || rec.After(last) {
				continue
			}
			wantApps.Received++
			if closed {
				wantApps.Closed++
				wantApps.ByOutcome[string(o)]++
				if !late {
					wantApps.OnTime++
				}
			} else {
				wantApps.Open++
				if due.Before(today) {
					wantApps.Overdue++
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	apps, err := storage.ApplicationStatsBetween(ctx, db, first, last, today)
	if err != nil {
		t.Fatal(err)
	}
	if apps.Received != wantApps.Received || apps.Closed != wantApps.Closed || apps.Open != wantApps.Open ||
		apps.Overdue != wantApps.Overdue || apps.OnTime != wantApps.OnTime || fmt.Sprint(apps.ByOutcome) != fmt.Sprint(wantApps.ByOutcome) {
		t.Errorf("applications of the second quarter = %+v, want %+v", apps, wantApps)
	}
	if wantApps.Received == 0 || wantApps.Closed == 0 || wantDone == 0 {
		t.Fatalf("the seed counts nothing: %+v, %d forms", wantApps, wantDone)
	}
}
