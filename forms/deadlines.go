package forms

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// FillDeadlines computes, with cal (which has just gained a year), the
// 主动公开 limits of forms that could not be computed before. It returns a
// line for whoever added the year, and notes to those who must act and to
// the office.
func (b *Flow) FillDeadlines(ctx context.Context, t *chat.Turn, cal *workflow.Calendar) (string, []chat.Note, error) {
	open, err := storage.OpenForms(ctx, t.Tx)
	if err != nil {
		return "", nil, err
	}
	forms := 0
	perUser := map[string][]string{}
	var users []string
	office := b.Roster.WithRole(config.RoleOffice)
	for i := range open {
		f := &open[i]
		if f.Mode != string(workflow.ModeActive) || f.Deadline.Valid {
			continue
		}
		due, err := cal.AddWorkingDays(f.FormedOn.In(b.Location), workflow.ActiveDisclosureDays)
		if errors.Is(err, workflow.ErrNoCalendarData) {
			continue // still a year short
		}
		if err != nil {
			return "", nil, fmt.Errorf("deadline of form %d: %w", f.ID, err)
		}
		if err := storage.FillFormDeadline(ctx, t.Tx, f, due, t.Person.UserID); errors.Is(err, storage.ErrStale) {
			continue
		} else if err != nil {
			return "", nil, err
		}
		forms++
		left, err := timeLeft(cal, t.Now, due)
		if err != nil {
			return "", nil, err
		}
		line := fmt.Sprintf("· %s「%s」：%s前，%s（%s）", serial(f), chat.Clip(f.Title, 20), workflow.FormatDate(due, b.Location), left, b.where(f))
		to := slices.Clone([]string(f.Assignees))
		if f.State == string(workflow.StateRejected) {
			to = []string{f.Submitter}
		}
		for _, p := range office {
			to = append(to, p.UserID)
		}
		for _, u := range to {
			if slices.Contains(perUser[u], line) {
				continue
			}
			if _, ok := perUser[u]; !ok {
				users = append(users, u)
			}
			perUser[u] = append(perUser[u], line)
		}
	}
	if forms == 0 {
		return "", nil, nil
	}
	years := cal.Years()
	var notes []chat.Note
	for _, u := range users {
		notes = append(notes, chat.Note{To: u, Text: fmt.Sprintf("【公开时限】工作日历已补充节假日安排（现覆盖%d年至%d年），以下审批单的主动公开时限已算出：\n%s\n发送「查询 编号」可查看详情。",
			years[0], years[len(years)-1], strings.Join(perUser[u], "\n"))})
	}
	return fmt.Sprintf("%d件审批单原先无法计算的主动公开时限已算出，已通知相关人员。", forms), notes, nil
}

// timeLeft says how a deadline stands: 还剩3个工作日, 今日到期, 已逾期5个工作日.
func timeLeft(cal *workflow.Calendar, now, due time.Time) (string, error) {
	if now.After(due) {
		late, err := cal.WorkingDaysBetween(due, now)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("已逾期%d个工作日", late), nil
	}
	left, err := cal.WorkingDaysBetween(now, due)
	if err != nil {
		return "", err
	}
	if left == 0 {
		return "今日到期", nil
	}
	return fmt.Sprintf("还剩%d个工作日", left), nil
}
