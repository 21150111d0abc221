package scheduler

import (
	"context"
	"fmt"
	"time"

	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
)

// applicationLapsedJob: an application whose 补正期限 has passed with no 补正
// received (ApplicationDue.SupplementLapsed) is reported once, on the
// first working day after the period's last day, to its handler (the
// section head while it has none) and to the office member who can close
// it as 逾期不补正 on the 补正 card (条例 Art. 30: 视为放弃; only the office
// may, and only on a card it holds: the registrar's, else every office
// member). It is not closed automatically: whether the applicant had good
// reason is the office's judgement. The key is the application's with the
// 补正期限 as slot. 10:15.
func (s *Scheduler) applicationLapsedJob() Job {
	return Job{
		Name:     "application_lapsed",
		Summary:  "依申请公开补正期限届满：补正期限已过仍未收到补正的，告知承办人和办公室可按逾期不补正办结（每件一次）",
		Schedule: "15 10 * * *",
		MaxAge:   8 * time.Hour,
		Run:      s.applicationLapsed,
	}
}

func (s *Scheduler) applicationLapsed(ctx context.Context, t *Tick) error {
	clocks, err := s.openApplicationClocks(ctx, t)
	if err != nil {
		return err
	}
	var (
		cands []appClock
		keys  []storage.ReminderKey
	)
	for _, c := range clocks {
		if !c.due.SupplementLapsed(t.Now) {
			continue
		}
		to := union([]string{s.appHandler(c.a)}, s.supplementClosers(c.a))
		cands = append(cands, c)
		keys = append(keys, storage.ReminderKey{Entity: appEntity(c.a, "supplement_lapsed"),
			Slot: c.due.SupplementDue.In(s.loc).Format(time.DateOnly), Recipients: to})
	}
	fresh, err := t.ClaimAll(ctx, keys)
	if err != nil {
		return err
	}
	var out perPerson
	for i, c := range cands {
		if !fresh[i] {
			continue
		}
		a, closers := c.a, s.supplementClosers(c.a)
		for _, u := range keys[i].Recipients {
			how := fmt.Sprintf("可由综合办公室（%s）在补正卡片上点击「逾期未补正」办结", s.names(closers))
			if s.isOffice(u) {
				how = "可在补正卡片上点击「逾期未补正」办结"
			}
			out.add([]string{u},
				fmt.Sprintf("【补正期限届满】%s的补正期限（%s）已届满，尚未登记收到补正。申请人无正当理由逾期不补正的，视为放弃申请（《政府信息公开条例》第三十条），%s；已收到补正的，请在补正卡片上点击「已收到补正」登记。%s",
					appName(a), s.day(c.due.SupplementDue), how, appDetail(a)),
				fmt.Sprintf("· %s %s：补正期限%s已届满，未收到补正", a.Number(), a.ApplicantName, s.day(c.due.SupplementDue)))
		}
	}
	return out.queue(ctx, t, "【补正期限届满】以下%d件政府信息公开申请的补正期限已届满，尚未登记收到补正。申请人无正当理由逾期不补正的，视为放弃申请（《政府信息公开条例》第三十条），由综合办公室在补正卡片上点击「逾期未补正」办结：",
		"已收到补正的，请在补正卡片上点击「已收到补正」登记。"+appDetailAll)
}

// supplementClosers are the office members who hold a's 补正 card: its
// registrar when in the office (the card goes to the handler, the section
// head and the registrar), else the whole office.
func (s *Scheduler) supplementClosers(a *storage.Application) []string {
	if s.isOffice(a.Registrar) {
		return []string{a.Registrar}
	}
	return s.withRole(config.RoleOffice)
}
