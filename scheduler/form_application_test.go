package scheduler

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
	"github.com/zwgk-bot/zwgk/workflow"
)

// application registers an application received on 2026-11-27 in state,
// due on due (YYYY-MM-DD).
func (sd *seeder) application(state, due string) *storage.Application {
	sd.t.Helper()
	a := &storage.Application{
		Channel: "当面", ReceivedD: at(sd.t, "2026-11-27"), ApplicantName: "张三", ApplicantType: "自然人",
		Content: "某工业园区环评文件。", ProvideForm: "电子", State: state, Section: "综合一股", Registrar: linxiao,
		DueD: at(sd.t, due), Source: "chat", CreatedAt: at(sd.t, "2026-11-27 10:00"),
	}
	err := sd.db.WithTx(context.Background(), func(tx *storage.Tx) error {
		_, err := storage.InsertApplication(context.Background(), tx, a)
		return err
	})
	if err != nil {
		sd.t.Fatal(err)
	}
	return a
}

// link links form name to a, as the wizard does, and gives it a's reply
// deadline through the register's sync.
func (sd *seeder) link(name string, a *storage.Application, due time.Time) {
	sd.t.Helper()
	ctx := context.Background()
	f := sd.forms[name]
	err := sd.db.WithTx(ctx, func(tx *storage.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE forms SET application_id = $2 WHERE id = $1`, f.ID, a.ID); err != nil {
			return err
		}
		return storage.SyncLinkedFormDeadlines(ctx, tx, a.ID, due)
	})
	if err != nil {
		sd.t.Fatal(err)
	}
}

// A 依申请公开 form linked to an open application is reminded by that
// application's reply deadline, in those words; one whose application is
// closed is not chased; a reminder listing both kinds names both limits.
func TestDeadlineOfFormLinkedToApplication(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	sd := newSeeder(t, db)
	due := endOf(t, "2026-12-25")
	open, closed := sd.application("accepted", "2026-12-25"), sd.application("closed", "2026-12-25")
	sd.create("F1", formSeed{seq: 1, submitter: lina, section: "综合一股", formed: "2026-11-30",
		stage: "section", assignees: []string{zhangwei}, created: "2026-12-01 09:00"})
	sd.create("F2", formSeed{seq: 2, submitter: lina, section: "综合一股", formed: "2026-11-30",
		stage: "section", assignees: []string{zhangwei}, created: "2026-12-01 09:00"})
	sd.create("F3", formSeed{seq: 3, submitter: xupeng, section: "环境监察室", active: true, formed: "2026-11-26",
		stage: "section", assignees: []string{wumin}, created: "2026-12-01 09:00"}) // due 2026-12-24
	sd.link("F1", open, due)
	sd.link("F2", closed, due)
	f1, err := storage.GetForm(ctx, db, sd.forms["F1"].ID)
	if err != nil || !f1.Deadline.Valid || !f1.Deadline.Time.Equal(due) || f1.ApplicationID.Int64 != open.ID {
		t.Fatalf("F1 after the sync: %+v, %v", f1, err)
	}
	trail, _ := storage.AuditTrail(ctx, db, "form", strconv.FormatInt(f1.ID, 10))
	if len(trail) != 1 || trail[0].Action != "reply_deadline" || trail[0].Actor != "system" || !strings.Contains(string(trail[0].Detail), "2026-12-25") {
		t.Fatalf("F1's audit %+v", trail)
	}

	s := newScheduler(t, db, Options{})
	if _, err := s.RunJob(ctx, "deadline", at(t, "2026-12-23 09:16"), storage.TriggerCron); err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{}
	for _, m := range outboxAfter(t, db, 0) {
		texts[m.To] = m.Text
	}
	mustContain(t, "the section head's reminder", texts[zhangwei],
		"【公开时限提醒】以下依申请公开审批单所关联申请的答复期限临近或已过：",
		"· 公开审〔2026〕1号「关于测试事项F1的公示」：依申请〔2026〕1号答复期限2026年12月25日到期，还剩2个工作日")
	if strings.Contains(texts[zhangwei], "公开审〔2026〕2号") || strings.Contains(texts[zhangwei], "主动公开") {
		t.Errorf("the reminder chases a closed application's form or speaks of 主动公开:\n%s", texts[zhangwei])
	}
	mustContain(t, "the office's reminder", texts[chenlixin],
		"（主动公开：信息形成之日起20个工作日；依申请公开：所关联申请的答复期限）", "公开审〔2026〕1号", "公开审〔2026〕3号")
	mustContain(t, "the other section head's reminder", texts[wumin], "主动公开时限（信息形成之日起20个工作日）")

	// Past the deadline: the leader hears of it, by the reply deadline.
	last := outboxAfter(t, db, 0)
	if _, err := s.RunJob(ctx, "deadline", at(t, "2026-12-28 09:16"), storage.TriggerCron); err != nil {
		t.Fatal(err)
	}
	for _, m := range outboxAfter(t, db, last[len(last)-1].ID) {
		if m.To == leader {
			mustContain(t, "the leader's reminder", m.Text, "公开审〔2026〕1号", "已逾期1个工作日（依申请〔2026〕1号答复期限2026年12月25日）")
			if strings.Contains(m.Text, "公开审〔2026〕2号") {
				t.Errorf("the leader is told of a closed application's form:\n%s", m.Text)
			}
			return
		}
	}
	t.Fatal("the leader was not told of the overdue linked form")
}

// The sync follows the application into a 补正 (no deadline) and out of
// it, and leaves a finished form as it finished.
func TestSyncLinkedFormDeadlines(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	sd := newSeeder(t, db)
	a := sd.application("accepted", "2026-12-25")
	sd.create("F1", formSeed{seq: 1, submitter: lina, section: "综合一股", formed: "2026-11-30",
		stage: "section", assignees: []string{zhangwei}, created: "2026-12-01 09:00"})
	sd.create("F2", formSeed{seq: 2, submitter: lina, section: "综合一股", formed: "2026-11-30",
		stage: "section", assignees: []string{zhangwei}, created: "2026-12-01 09:00"})
	sd.link("F1", a, endOf(t, "2026-12-25"))
	sd.link("F2", a, endOf(t, "2026-12-25"))
	sd.move("F2", string(workflow.StateWithdrawn), "", nil, "2026-12-02 10:00")
	deadline := func(name string) string {
		f, err := storage.GetForm(ctx, db, sd.forms[name].ID)
		if err != nil {
			t.Fatal(err)
		}
		if !f.Deadline.Valid {
			return "none"
		}
		return f.Deadline.Time.In(shanghai).Format("2006-01-02 15:04:05")
	}
	sync := func(due time.Time) {
		t.Helper()
		if err := db.WithTx(ctx, func(tx *storage.Tx) error { return storage.SyncLinkedFormDeadlines(ctx, tx, a.ID, due) }); err != nil {
			t.Fatal(err)
		}
	}
	sync(time.Time{}) // a 补正 is asked for
	if got := deadline("F1"); got != "none" {
		t.Errorf("during the 补正 F1's deadline is %s", got)
	}
	sync(endOf(t, "2027-01-11")) // received: the clock starts again
	if got := deadline("F1"); got != "2027-01-11 23:59:59" {
		t.Errorf("after the 补正 F1's deadline is %s", got)
	}
	if got := deadline("F2"); got != "2026-12-25 23:59:59" {
		t.Errorf("the withdrawn F2's deadline moved to %s", got)
	}
	trail, _ := storage.AuditTrail(ctx, db, "form", strconv.FormatInt(sd.forms["F1"].ID, 10))
	if len(trail) != 3 {
		t.Errorf("F1's audit has %d entries, want one per change: %+v", len(trail), trail)
	}
}
