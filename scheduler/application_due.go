package scheduler

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// appCheckpoints are the working days before the reply deadline at which
// application_due reminds, nearest last. Each covers the days down to the
// next: a run missed (downtime) or a deadline that moved (an answer that
// ended a pause early) reminds at the first run inside it, so a
// checkpoint is never lost; 1 covers the due day itself.
var appCheckpoints = []struct{ at, down int }{{5, 4}, {3, 2}, {1, 0}}

// appCheckpoint is the checkpoint that left working days fall in, or 0.
func appCheckpoint(left int) int {
	for _, c := range appCheckpoints {
		if left <= c.at && left >= c.down {
			return c.at
		}
	}
	return 0
}

// applicationDueJob: the reply to an application (条例 Art. 33: 20 working
// days, plus an approved extension, without the days of a 征求意见) is
// reminded of 5, 3 and 1 working days before its deadline
// (ApplicationDue.WorkingDaysLeft), to the handler, or to whoever holds it
// before: the section head before 签收, the office before 分办; the office
// too once the reply is approved and waits for 送达, and the office head
// while an extension request waits for them. The text says the stage (at
// which review, 待送达) and a pause under way. Nothing while the applicant
// owes the 补正: no reply clock runs. Keys: the application and the
// checkpoint, with the deadline as slot. 10:10.
func (s *Scheduler) applicationDueJob() Job {
	return Job{
		Name:     "application_due",
		Summary:  "依申请公开答复期限提醒：答复期限前5、3、1个工作日提醒承办人（待签收的提醒股室负责人，待分办的提醒办公室，待送达的同时提醒办公室）",
		Schedule: "10 10 * * *",
		MaxAge:   8 * time.Hour,
		Run:      s.applicationDue,
	}
}

func (s *Scheduler) applicationDue(ctx context.Context, t *Tick) error {
	clocks, err := s.openApplicationClocks(ctx, t)
	if err != nil {
		return err
	}
	var (
		cands []appClock
		lefts []int
		keys  []storage.ReminderKey
	)
	for _, c := range clocks {
		left, err := c.due.WorkingDaysLeft(s.cal, t.Now)
		if errors.Is(err, workflow.ErrAwaitingSupplement) {
			continue
		}
		if err != nil {
			return fmt.Errorf("days left of %s: %w", c.a.Number(), err)
		}
		cp := appCheckpoint(left)
		if cp == 0 {
			continue
		}
		to := s.appDueRecipients(c.a)
		if len(to) == 0 {
			continue
		}
		cands, lefts = append(cands, c), append(lefts, left)
		keys = append(keys, storage.ReminderKey{Entity: appEntity(c.a, "due"+strconv.Itoa(cp)),
			Slot: c.due.ReplyDue.In(s.loc).Format(time.DateOnly), Recipients: to})
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
		a := c.a
		when, due := dayLeft(lefts[i], "今天到期"), s.day(c.due.ReplyDue)+s.appClockNote(c.due, t.Now)
		for _, u := range keys[i].Recipients {
			out.add([]string{u},
				fmt.Sprintf("【依申请公开答复期限提醒】%s%s，答复期限：%s。当前：%s。%s%s", appName(a), when, due, s.appStatus(a), s.appTodo(a, u), appDetail(a)),
				fmt.Sprintf("· %s %s：%s，答复期限：%s，%s", a.Number(), a.ApplicantName, when, due, s.appStatus(a)))
		}
	}
	return out.queue(ctx, t, "【依申请公开答复期限提醒】以下%d件政府信息公开申请即将到答复期限：",
		"请在答复期限内答复并送达申请人（《政府信息公开条例》第三十三条）。"+appDetailAll)
}
