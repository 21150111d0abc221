package scheduler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// urgentDays: a 主动公开 form whose deadline is this many working days away
// or fewer is urgent.
const urgentDays = 3

// deadlineJob watches the 主动公开 limit (条例 Art. 26: 20 working days
// from the information's formation), and the reply deadline (Art. 33) of
// the open application a 依申请公开 form answers, which forms.deadline
// holds for it. Within 3 working days of it, the people who must act next
// and the office hear daily; once it has passed, the leader (and those who
// must act) hear daily until the form is published or withdrawn.
func (s *Scheduler) deadlineJob() Job {
	return Job{
		Name:     "deadline",
		Summary:  "公开时限：临近（3个工作日内）提醒当前办理人和办公室，逾期每日报主要负责人",
		Schedule: "15 9 * * *",
		MaxAge:   8 * time.Hour,
		Run:      s.deadline,
	}
}

// deadlineItem is one line of a deadline reminder.
type deadlineItem struct {
	form *storage.Form
	line string
	// application is the number of the application whose reply deadline
	// this is; empty for a 主动公开 limit.
	application string
}

func (s *Scheduler) deadline(ctx context.Context, t *Tick) error {
	forms, err := storage.OpenForms(ctx, t.Tx)
	if err != nil {
		return err
	}
	office := s.withRole(config.RoleOffice)
	leaders := s.withRole(config.RoleLeader)
	perUser := map[string][]deadlineItem{}
	var users []string
	add := func(to []string, it deadlineItem) {
		for _, u := range to {
			if _, ok := perUser[u]; !ok {
				users = append(users, u)
			}
			perUser[u] = append(perUser[u], it)
		}
	}
	var (
		keys  []storage.ReminderKey
		items []deadlineItem
	)
	for i := range forms {
		f := &forms[i]
		number, err := s.linkedOpen(ctx, t, f)
		if err != nil {
			return err
		}
		if !isActive(f) && number == "" {
			continue
		}
		if number != "" && !f.Deadline.Valid {
			continue // the applicant's 补正 is awaited: no reply clock runs
		}
		if !f.Deadline.Valid {
			// The calendar lacked the year when the form was submitted;
			// it may have it now. If not, the office digest warns.
			if err := s.fillDeadline(ctx, t, f); err != nil {
				return err
			}
			if !f.Deadline.Valid {
				continue
			}
		}
		due := f.Deadline.Time
		if t.Now.After(due) {
			late, err := s.cal.WorkingDaysBetween(due, t.Now)
			if err != nil {
				return fmt.Errorf("days overdue of form %d: %w", f.ID, err)
			}
			to := union(leaders, waiters(f))
			keys = append(keys, storage.ReminderKey{Entity: fmt.Sprintf("form:%d:overdue", f.ID), Slot: t.Today(), Recipients: to})
			limit := "时限" + s.day(due)
			if number != "" {
				limit = number + "答复期限" + s.day(due)
			}
			items = append(items, deadlineItem{f, fmt.Sprintf("· %s「%s」：已逾期%d个工作日（%s），%s",
				serial(f), clip(f.Title, 20), late, limit, s.where(f)), number})
			continue
		}
		left, err := s.cal.WorkingDaysBetween(t.Now, due)
		if err != nil {
			return fmt.Errorf("days left of form %d: %w", f.ID, err)
		}
		if left > urgentDays {
			continue
		}
		to := union(waiters(f), office)
		when := fmt.Sprintf("%s到期，还剩%d个工作日", s.day(due), left)
		if left == 0 {
			when = "今日（" + s.day(due) + "）到期"
		}
		if number != "" {
			when = number + "答复期限" + when
		}
		keys = append(keys, storage.ReminderKey{Entity: fmt.Sprintf("form:%d:urgent", f.ID), Slot: t.Today(), Recipients: to})
		items = append(items, deadlineItem{f, fmt.Sprintf("· %s「%s」：%s，%s", serial(f), clip(f.Title, 20), when, s.where(f)), number})
	}
	fresh, err := t.ClaimAll(ctx, keys)
	if err != nil {
		return err
	}
	for i, it := range items {
		if fresh[i] {
			add(keys[i].Recipients, it)
		}
	}
	for _, u := range users {
		items := perUser[u]
		var sb strings.Builder
		sb.WriteString(deadlineHeader(items))
		approves, revises := false, false
		for i, it := range items {
			if i < maxListed {
				sb.WriteString("\n" + it.line)
			} else if i == maxListed {
				fmt.Fprintf(&sb, "\n……共%d件", len(items))
			}
			if slices.Contains(waiters(it.form), u) {
				approves = approves || pending(it.form)
				revises = revises || !pending(it.form)
			}
		}
		switch {
		case approves:
			sb.WriteString("\n请抓紧办理。发送「待办」获取处理卡片。")
		case revises:
			sb.WriteString("\n请抓紧在驳回通知卡片上修改后重新提交，或撤回。发送「我的申请」可查看进度。")
		default:
			sb.WriteString("\n请督促办理。发送「查询 编号」可查看详情。")
		}
		if err := t.Text(ctx, u, sb.String()); err != nil {
			return err
		}
	}
	return nil
}

// deadlineHeader is the first line of a deadline reminder, in the words of
// the limits it lists: 主动公开's, the applications' reply deadlines, or both.
func deadlineHeader(items []deadlineItem) string {
	active, linked := false, false
	for _, it := range items {
		active = active || it.application == ""
		linked = linked || it.application != ""
	}
	switch {
	case active && linked:
		return "【公开时限提醒】以下信息公开审批单的公开时限临近或已过（主动公开：信息形成之日起20个工作日；依申请公开：所关联申请的答复期限）："
	case linked:
		return "【公开时限提醒】以下依申请公开审批单所关联申请的答复期限临近或已过："
	}
	return "【公开时限提醒】以下信息公开审批单的主动公开时限（信息形成之日起20个工作日）临近或已过："
}

// linkedOpen is the number of the application a 依申请公开 form answers,
// while that application is open; empty for a form that answers none, and
// for one whose application is closed: its answer has been given, and its
// deadline has nothing more to chase.
func (s *Scheduler) linkedOpen(ctx context.Context, t *Tick, f *storage.Form) (string, error) {
	if f.Mode != string(workflow.ModeRequest) || !f.ApplicationID.Valid {
		return "", nil
	}
	a, err := storage.ApplicationByID(ctx, t.Tx, f.ApplicationID.Int64)
	if err != nil {
		return "", fmt.Errorf("application of form %d: %w", f.ID, err)
	}
	if !workflow.ApplicationState(a.State).Open() {
		return "", nil
	}
	return a.Number(), nil
}

// fillDeadline computes the deadline of a 主动公开 form that has none and
// stores it, when the calendar now covers it.
func (s *Scheduler) fillDeadline(ctx context.Context, t *Tick, f *storage.Form) error {
	due, err := s.cal.AddWorkingDays(f.FormedOn.In(s.loc), workflow.ActiveDisclosureDays)
	if errors.Is(err, workflow.ErrNoCalendarData) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deadline of form %d: %w", f.ID, err)
	}
	err = storage.FillFormDeadline(ctx, t.Tx, f, due, "scheduler")
	if errors.Is(err, storage.ErrStale) {
		return nil // revised or filled meanwhile: the next run sees it
	}
	return err
}
