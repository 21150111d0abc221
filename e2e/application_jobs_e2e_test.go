package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// The 依申请公开 reminders, run with zwgk jobs run --at on chosen days of an
// application received on Tuesday 2026-12-01 (day 0): the 补正告知书
// reminder on day 5 to its handler, the reply due in 5 working days, the
// overdue escalation to the handler, the office and the leader, daily
// across 元旦, each once; a closed application never. The days are the
// calendar's, not written by hand.
func TestJobsRunRemindsOfApplications(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	ctx := context.Background()
	cal := workflow.DefaultCalendar()
	loc := businessLocation()
	received := time.Date(2026, 12, 1, 0, 0, 0, 0, loc)
	wd := func(from time.Time, n int) time.Time {
		t.Helper()
		d, err := cal.AddWorkingDays(from, n)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	// insert registers an application as the flow stores it, signed for
	// by handler when given, closed when closed.
	insert := func(name string, received time.Time, section, handler string, closed bool) *storage.Application {
		t.Helper()
		a := &storage.Application{Channel: "网络", ReceivedD: received, ApplicantName: name, ApplicantType: "自然人",
			Content: "某企业的环境影响评价文件及批复", ProvideForm: "电子", State: "registered", Section: section,
			Registrar: office2, DueD: wd(received, workflow.ReplyDays), Source: "api", CreatedAt: received.Add(9 * time.Hour)}
		if section != "" {
			a.State = "dispatched"
		}
		err := h.db.WithTx(ctx, func(tx *storage.Tx) error {
			if _, err := storage.InsertApplication(ctx, tx, a); err != nil {
				return err
			}
			if handler != "" {
				if err := storage.ChangeApplication(ctx, tx, storage.ApplicationChange{ID: a.ID, FromState: a.State, At: a.CreatedAt,
					State: "accepted", Set: map[string]any{"handler": handler}}); err != nil {
					return err
				}
				a.State = "accepted"
			}
			if closed {
				return storage.ChangeApplication(ctx, tx, storage.ApplicationChange{ID: a.ID, FromState: a.State, At: a.CreatedAt,
					State: "closed", Set: map[string]any{"outcome": "other", "delivered_on": received}})
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	runAt := func(job string, when time.Time, queued string) {
		t.Helper()
		out, err := jobs(t, h.getenv, "run", job, "--at", when.Format("2006-01-02T15:04"))
		if err != nil || !strings.Contains(out, queued) {
			t.Fatalf("jobs run %s at %s = %q, %v; want %q", job, when.Format("2006-01-02 15:04"), out, err, queued)
		}
	}
	at := func(day time.Time, hm string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", day.In(loc).Format(time.DateOnly)+" "+hm, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	a := insert("张某", received, "综合一股", staff, false)
	closed := insert("王某", received, "综合一股", staff2, true)
	num := a.Number()

	// Day 5: no 补正告知书 yet; the last day for one is day 7.
	day5 := wd(received, 5)
	runAt("application_supplement", at(day5, "10:06"), "queued 1 messages")
	c.text(staff, "【补正告知提醒】"+num, "于2026年12月1日收到", "如需申请人补正，应最迟于"+dayWords(wd(received, workflow.SupplementNoticeDays)),
		"无需补正的，请忽略本提醒", "「补正告知」", "「申请 "+num+"」")
	runAt("application_supplement", at(day5, "11:00"), "queued 0 messages")

	// The reply is due on day 20: 5 working days before it, the handler.
	due := wd(received, workflow.ReplyDays)
	var before5 time.Time
	for d := received; ; d = d.AddDate(0, 0, 1) {
		if n, err := cal.WorkingDaysBetween(d, due); err == nil && n == 5 {
			if ok, _ := cal.IsWorkingDay(d); ok {
				before5 = d
				break
			}
		}
	}
	runAt("application_due", at(before5, "10:11"), "queued 1 messages")
	c.text(staff, "【依申请公开答复期限提醒】"+num, "还剩5个工作日，答复期限："+dayWords(due), "综合一股 李娜办理中", "「拟写答复」", "「申请 "+num+"」")
	runAt("application_due", at(before5, "15:00"), "queued 0 messages")

	// The day after: overdue, to the handler, the office and the leader.
	over1 := wd(due, 1)
	runAt("application_overdue", at(over1, "10:21"), "queued 4 messages")
	c.text(staff, "【依申请公开超期督办】", num, "答复期限"+dayWords(due)+"，已超期1个工作日", "请立即办理")
	for _, u := range []string{office1, office2, leader} {
		c.text(u, "【依申请公开超期督办】", num+" 张某：答复期限"+dayWords(due)+"，已超期1个工作日，综合一股 李娜办理中", "「申请 编号」")
	}
	runAt("application_overdue", at(over1, "16:00"), "queued 0 messages")
	// The leader looks it up as the reminder says.
	c.say(leader, "申请 "+num)
	c.text(leader, "政府信息公开申请 "+num, "答复期限："+dayWords(due))

	// 元旦 is quiet; the first working day after it, everyone again.
	runAt("application_overdue", time.Date(2027, 1, 1, 10, 21, 0, 0, loc), "not working time")
	after := time.Date(2027, 1, 1, 0, 0, 0, 0, loc)
	if ok, _ := cal.IsWorkingDay(after); !ok {
		next, err := cal.NextWorkingDay(after)
		if err != nil {
			t.Fatal(err)
		}
		after = next
	}
	late, err := cal.WorkingDaysBetween(due, after)
	if err != nil {
		t.Fatal(err)
	}
	runAt("application_overdue", at(after, "10:21"), "queued 4 messages")
	for _, u := range []string{staff, office1, office2, leader} {
		c.text(u, num, "已超期"+strconv.Itoa(late)+"个工作日")
	}

	// Delivered: no more escalation.
	err = h.db.WithTx(ctx, func(tx *storage.Tx) error {
		return storage.ChangeApplication(ctx, tx, storage.ApplicationChange{ID: a.ID, FromState: "accepted", At: at(after, "11:00"),
			State: "closed", Set: map[string]any{"outcome": "other", "delivered_on": after}})
	})
	if err != nil {
		t.Fatal(err)
	}
	runAt("application_overdue", at(wd(after, 1), "10:21"), "queued 0 messages")

	for _, u := range []string{staff, staff2, head, office1, office2, leader} {
		c.none(u)
	}
	// The closed application was never reminded of.
	var n int
	if err := h.db.GetContext(ctx, &n, `SELECT count(*) FROM outbox WHERE payload::text LIKE '%' || $1 || '%'`, closed.Number()); err != nil || n != 0 {
		t.Errorf("%d messages name the closed %s (%v)", n, closed.Number(), err)
	}
}

// zwgk jobs lists the 依申请公开 jobs with their times, on working days.
func TestJobsListsApplicationJobs(t *testing.T) {
	t.Parallel()
	out, err := jobs(t, func(string) string { return "" }, "--at", "2026-12-31T15:00")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"application_supplement", "5 10 * * *", "依申请公开补正告知提醒",
		"application_due", "10 10 * * *", "2027-01-04 10:10, 2027-01-05 10:10, 2027-01-06 10:10", "依申请公开答复期限提醒",
		"application_lapsed", "15 10 * * *", "依申请公开补正期限届满",
		"application_overdue", "20 10 * * *", "依申请公开超期督办",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("zwgk jobs lacks %q:\n%s", want, out)
		}
	}
}
