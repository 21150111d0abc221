package scheduler

import (
	"context"
	"fmt"
	"time"

	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// annualMeetingJob: the bureau's rules (领导小组职责) ask for at least one
// 政务公开专题工作会议 a year. From MEETING_DUE (default 30 June) on, while
// none of the year is recorded, the office (the leadership group's office)
// is reminded weekly; 「会议 登记 日期 主题」 records one.
func (s *Scheduler) annualMeetingJob() Job {
	return Job{
		Name:     "annual_meeting",
		Summary:  "专题会议：到 MEETING_DUE（默认6月30日）仍未登记本年度专题工作会议，每周提醒办公室",
		Schedule: "55 9 * * *",
		MaxAge:   8 * time.Hour,
		Run:      s.annualMeeting,
	}
}

func (s *Scheduler) annualMeeting(ctx context.Context, t *Tick) error {
	y := t.Now.Year()
	due := time.Date(y, time.Month(s.meeting.month), s.meeting.day, 0, 0, 0, 0, s.loc)
	if t.Now.Before(due) {
		return nil
	}
	ms, err := storage.MeetingsIn(ctx, t.Tx, y)
	if err != nil || len(ms) > 0 {
		return err
	}
	office := s.withRole(config.RoleOffice)
	fresh, err := t.Claim(ctx, fmt.Sprintf("year:%d", y), t.Week(), office)
	if err != nil || !fresh {
		return err
	}
	text := fmt.Sprintf("【专题会议提醒】%d年尚未登记政务公开专题工作会议（应于%s前召开）。按本局政务公开制度，领导小组每年至少召开一次专题工作会议，研究部署政务公开工作。"+
		"会议召开后请发送「会议 登记 日期 主题」登记，如：会议 登记 %d-%02d-%02d 研究部署%d年政务公开工作。",
		y, workflow.FormatDate(due, s.loc), y, s.meeting.month, s.meeting.day, y)
	for _, to := range office {
		if err := t.Text(ctx, to, text); err != nil {
			return err
		}
	}
	return nil
}
