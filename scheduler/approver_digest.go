package scheduler

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
)

// approverDigestJob: each approver and publisher with pending forms gets
// one text twice a working day. 09:05 and 14:35 rather than 09:00 and
// 14:30: WeCom advises against sending on the hour or half hour, when its
// message API is busiest.
func (s *Scheduler) approverDigestJob() Job {
	return Job{
		Name:     "approver_digest",
		Summary:  "待办提醒：每位有待办的审批人、发布人一条（件数、最久等待、最近的公开时限）",
		Schedule: "5 9 * * *|35 14 * * *",
		MaxAge:   3 * time.Hour,
		Run:      s.approverDigest,
	}
}

func (s *Scheduler) approverDigest(ctx context.Context, t *Tick) error {
	forms, err := storage.OpenForms(ctx, t.Tx)
	if err != nil {
		return err
	}
	byUser := map[string][]*storage.Form{}
	var users []string
	for i := range forms {
		f := &forms[i]
		if !pending(f) {
			continue
		}
		for _, a := range f.Assignees {
			if _, ok := byUser[a]; !ok {
				users = append(users, a)
			}
			byUser[a] = append(byUser[a], f)
		}
	}
	slices.Sort(users)
	slot := t.Slot.Format("2006-01-02T15:04")
	for _, u := range users {
		text, err := s.digestText(t.Now, byUser[u])
		if err != nil {
			return err
		}
		if err := t.Remind(ctx, "user:"+u, slot, u, text); err != nil {
			return err
		}
	}
	return nil
}

// digestText is one person's digest: the count, each form, the oldest
// wait and the nearest deadline, and how to get the cards.
func (s *Scheduler) digestText(now time.Time, forms []*storage.Form) (string, error) {
	var sb strings.Builder
	fmt.Fprintf(&sb, "【待办提醒】您有 %d 件信息公开审批单待处理：", len(forms))
	oldest := -1
	var nearest *storage.Form
	for i, f := range forms {
		waited, err := s.cal.WorkingDaysBetween(f.UpdatedAt, now)
		if err != nil {
			return "", fmt.Errorf("waiting time of form %d: %w", f.ID, err)
		}
		oldest = max(oldest, waited)
		if isActive(f) && f.Deadline.Valid && (nearest == nil || f.Deadline.Time.Before(nearest.Deadline.Time)) {
			nearest = f
		}
		if i >= maxListed {
			continue
		}
		wait := fmt.Sprintf("已等待%d个工作日", waited)
		if waited == 0 {
			wait = "今日送达"
		}
		line := fmt.Sprintf("\n%d. %s「%s」待%s，%s", i+1, serial(f), clip(f.Title, 20), stageLabel(f), wait)
		if isActive(f) && f.Deadline.Valid {
			line += "，公开时限" + s.day(f.Deadline.Time)
			if now.After(f.Deadline.Time) {
				line += "（已逾期）"
			}
		}
		sb.WriteString(line)
	}
	if len(forms) > maxListed {
		fmt.Fprintf(&sb, "\n……共%d件", len(forms))
	}
	if len(forms) > 1 {
		// The summary: what to take first.
		if oldest == 0 {
			sb.WriteString("\n均为今日送达。")
		} else {
			fmt.Fprintf(&sb, "\n最早一件已等待 %d 个工作日。", oldest)
		}
		if nearest != nil {
			fmt.Fprintf(&sb, "最近的公开时限：%s（%s）。", s.day(nearest.Deadline.Time), serial(nearest))
		}
	}
	sb.WriteString("\n请发送「待办」获取处理卡片。")
	return sb.String(), nil
}
