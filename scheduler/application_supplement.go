package scheduler

import (
	"context"
	"fmt"
	"time"

	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// supplementRemindDay is the working day after receipt (day 0) from which
// application_supplement reminds: the 5th, two before the last of the 7
// that 条例 Art. 30 allows for the 补正告知书.
const supplementRemindDay = 5

// applicationSupplementJob: an application received (day 0) whose 补正告知书
// has not been sent, still waiting for 分办, 签收 or its reply to be
// drafted, is reminded of once, on its 5th working day (or the first run
// after, up to the last day for the notice), to whoever holds it: the
// office while it is registered, the section head while it waits for 签收,
// the handler once signed for. The text says "if a 补正 is needed": most
// applications need none, and nobody records that one does not. The key is
// the application's with the last day for the notice. 10:05.
func (s *Scheduler) applicationSupplementJob() Job {
	return Job{
		Name:     "application_supplement",
		Summary:  "依申请公开补正告知提醒：收到申请第5个工作日仍未发出补正告知书的，提醒当前办理人（待分办的提醒办公室，待签收的提醒股室负责人），如需补正应在7个工作日内发出",
		Schedule: "5 10 * * *",
		MaxAge:   8 * time.Hour,
		Run:      s.applicationSupplement,
	}
}

func (s *Scheduler) applicationSupplement(ctx context.Context, t *Tick) error {
	as, err := storage.ApplicationsWithoutSupplementNotice(ctx, t.Tx, t.Now.Add(-supplementLookback))
	if err != nil {
		return err
	}
	clocks, err := s.applicationClocks(ctx, t, as)
	if err != nil {
		return err
	}
	var (
		cands []appClock
		lefts []int
		keys  []storage.ReminderKey
	)
	for _, c := range clocks {
		by := c.due.SupplementBy
		if by.IsZero() || t.Now.After(by) {
			continue // asked already, or too late for a reminder to help
		}
		left, err := s.cal.WorkingDaysBetween(t.Now, by)
		if err != nil {
			return fmt.Errorf("days left for the 补正 of %s: %w", c.a.Number(), err)
		}
		if left > workflow.SupplementNoticeDays-supplementRemindDay {
			continue
		}
		to := s.supplementHolders(c.a)
		if len(to) == 0 {
			continue
		}
		cands, lefts = append(cands, c), append(lefts, left)
		keys = append(keys, storage.ReminderKey{Entity: appEntity(c.a, "supplement_notice"), Slot: by.In(s.loc).Format(time.DateOnly), Recipients: to})
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
		a, by := c.a, s.day(c.due.SupplementBy)
		when := dayLeft(lefts[i], "今天是最后一天")
		out.add(keys[i].Recipients,
			fmt.Sprintf("【补正告知提醒】%s于%s收到，尚未发出补正告知书。如需申请人补正，应最迟于%s（%s）一次性告知需要补正的全部事项和合理的补正期限（《政府信息公开条例》第三十条：收到申请之日起7个工作日内）；无需补正的，请忽略本提醒。%s%s",
				appName(a), s.day(storage.Day(a.ReceivedD, s.loc)), by, when, s.supplementTodo(a), appDetail(a)),
			fmt.Sprintf("· %s %s：%s收到，补正告知书最迟%s发出（%s），%s", a.Number(), a.ApplicantName,
				s.day(storage.Day(a.ReceivedD, s.loc)), by, when, s.appStatus(a)))
	}
	return out.queue(ctx, t, "【补正告知提醒】以下%d件政府信息公开申请尚未发出补正告知书。如需申请人补正，应在收到申请之日起7个工作日内一次性告知（《政府信息公开条例》第三十条）；无需补正的，请忽略本提醒：",
		"如需补正，承办人可在办理卡片上点击「补正告知」。"+appDetailAll)
}

// supplementHolders are those who hold a before its reply is drafted:
// the office to 分办, the section head to 签收, the handler, who decides
// whether a 补正 is needed (the office may send it too, Art. 30).
func (s *Scheduler) supplementHolders(a *storage.Application) []string {
	switch appState(a) {
	case workflow.ApplicationRegistered:
		return s.withRole(config.RoleOffice)
	case workflow.ApplicationDispatched:
		return union([]string{s.headOf(a.Section)})
	case workflow.ApplicationAccepted:
		return union([]string{s.appHandler(a)})
	}
	return nil
}

// supplementTodo tells u how a 补正 would go out from where a stands.
func (s *Scheduler) supplementTodo(a *storage.Application) string {
	switch appState(a) {
	case workflow.ApplicationRegistered:
		return "该申请尚未分办，请尽快分办至承办股室，以便及时判断是否需要补正。"
	case workflow.ApplicationDispatched:
		return "该申请待您签收，请尽快签收并指定承办人，以便及时判断是否需要补正。"
	}
	return "如需补正，请在办理卡片上点击「补正告知」。"
}
