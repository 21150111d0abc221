package scheduler

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
)

// escalationJob: a form that has waited at one stage for more than one
// working day (the day it arrived is day 0, as for every deadline) is
// reported to the office, once per form, stage and day.
func (s *Scheduler) escalationJob() Job {
	return Job{
		Name:     "escalation",
		Summary:  "催办：同一环节超过1个工作日未办理的审批单报办公室（每件每环节每天一次）",
		Schedule: "25 9 * * *",
		MaxAge:   8 * time.Hour,
		Run:      s.escalation,
	}
}

func (s *Scheduler) escalation(ctx context.Context, t *Tick) error {
	forms, err := storage.OpenForms(ctx, t.Tx)
	if err != nil {
		return err
	}
	office := s.withRole(config.RoleOffice)
	var (
		keys  []storage.ReminderKey
		cands []string
	)
	for i := range forms {
		f := &forms[i]
		if !pending(f) {
			continue
		}
		due, err := s.cal.AddWorkingDays(f.UpdatedAt, 1)
		if err != nil {
			return fmt.Errorf("escalation time of form %d: %w", f.ID, err)
		}
		if !t.Now.After(due) {
			continue
		}
		waited, err := s.cal.WorkingDaysBetween(f.UpdatedAt, t.Now)
		if err != nil {
			return fmt.Errorf("waiting time of form %d: %w", f.ID, err)
		}
		keys = append(keys, storage.ReminderKey{Entity: fmt.Sprintf("form:%d:v%d:%s", f.ID, f.Version, f.Stage), Slot: t.Today(), Recipients: office})
		cands = append(cands, fmt.Sprintf("· %s「%s」%s，已等待%d个工作日", serial(f), clip(f.Title, 20), s.where(f), waited))
	}
	fresh, err := t.ClaimAll(ctx, keys)
	if err != nil {
		return err
	}
	var lines []string
	for i, l := range cands {
		if fresh[i] {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return nil
	}
	if n := len(lines); n > maxListed {
		lines = append(lines[:maxListed], fmt.Sprintf("……共%d件", n))
	}
	text := "【催办提醒】以下信息公开审批单在同一环节超过1个工作日未办理：\n" + strings.Join(lines, "\n") +
		"\n请督促办理。发送「查询 编号」可查看详情。"
	for _, to := range office {
		if err := t.Text(ctx, to, text); err != nil {
			return err
		}
	}
	return nil
}
