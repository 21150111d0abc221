package scheduler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// applicationOverdueJob: every application past its reply deadline and
// not closed is escalated daily, on working days, until it is closed, to
// those who hold it (application.go's appHolders), its handler, the office
// and the leaders. Each person gets one text a day listing all their
// overdue applications: the key is the person's and the day's
// (applications:overdue:USERID, date), so a second run of the day, or a
// run after a crash that rolled the first back, sends each person exactly
// one. Nothing while the applicant owes the 补正 (no reply clock runs).
// 10:20.
func (s *Scheduler) applicationOverdueJob() Job {
	return Job{
		Name:     "application_overdue",
		Summary:  "依申请公开超期督办：超过答复期限未办结的申请每个工作日报承办人、当前办理人、办公室和主要负责人，每人每天一条，直至办结",
		Schedule: "20 10 * * *",
		MaxAge:   8 * time.Hour,
		Run:      s.applicationOverdue,
	}
}

func (s *Scheduler) applicationOverdue(ctx context.Context, t *Tick) error {
	clocks, err := s.openApplicationClocks(ctx, t)
	if err != nil {
		return err
	}
	lines := map[string][]string{}
	acts := map[string]bool{} // recipients who must act on one of theirs
	var users []string
	for _, c := range clocks {
		left, err := c.due.WorkingDaysLeft(s.cal, t.Now)
		if errors.Is(err, workflow.ErrAwaitingSupplement) {
			continue
		}
		if err != nil {
			return fmt.Errorf("days overdue of %s: %w", c.a.Number(), err)
		}
		if left >= 0 {
			continue
		}
		a := c.a
		line := fmt.Sprintf("· %s %s：答复期限%s%s，已超期%d个工作日，%s", a.Number(), a.ApplicantName,
			s.day(c.due.ReplyDue), s.appClockNote(c.due, t.Now), -left, s.appStatus(a))
		actors := union(s.appHolders(a), []string{s.appHandler(a)})
		for _, u := range s.appOverdueRecipients(a) {
			if _, ok := lines[u]; !ok {
				users = append(users, u)
			}
			lines[u] = append(lines[u], line)
			acts[u] = acts[u] || slices.Contains(actors, u)
		}
	}
	keys := make([]storage.ReminderKey, len(users))
	for i, u := range users {
		keys[i] = storage.ReminderKey{Entity: "applications:overdue:" + u, Slot: t.Today(), Recipients: []string{u}}
	}
	fresh, err := t.ClaimAll(ctx, keys)
	if err != nil {
		return err
	}
	for i, u := range users {
		if !fresh[i] {
			continue
		}
		todo := "请督促办理。"
		if acts[u] {
			todo = "请立即办理。"
		}
		text := listText("【依申请公开超期督办】以下政府信息公开申请已超过答复期限，尚未答复送达申请人（《政府信息公开条例》第三十三条）：",
			lines[u], todo+appDetailAll)
		if err := t.Text(ctx, u, text); err != nil {
			return err
		}
	}
	return nil
}
