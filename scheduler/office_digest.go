package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// calendarWarnDays: the office digest warns this long before the working
// day calendar runs out (start-up logs the same warning).
const calendarWarnDays = 60

// officeDigestJob: the office's morning overview. 08:35 rather than 08:30:
// office hours begin at 08:30, and WeCom advises against sending on the
// half hour.
func (s *Scheduler) officeDigestJob() Job {
	return Job{
		Name:     "office_digest",
		Summary:  "办公室日报：上一工作日以来新提交、今日到期、已逾期、待发布，以及公开时限无法计算、公众号群发额度已满未能推送的提醒",
		Schedule: "35 8 * * *",
		MaxAge:   3*time.Hour + 30*time.Minute,
		Run:      s.officeDigest,
	}
}

func (s *Scheduler) officeDigest(ctx context.Context, t *Tick) error {
	since := s.previousWorkingDay(t.Slot)
	created, err := storage.FormsCreatedBetween(ctx, t.Tx, since, t.Now)
	if err != nil {
		return err
	}
	open, err := storage.OpenForms(ctx, t.Tx)
	if err != nil {
		return err
	}
	var fresh, dueToday, overdue, publishing, unknown []*storage.Form
	for i := range created {
		fresh = append(fresh, &created[i])
	}
	today := t.Today()
	for i := range open {
		f := &open[i]
		if f.State == string(workflow.StatePublishing) {
			publishing = append(publishing, f)
		}
		if !isActive(f) {
			continue
		}
		switch {
		case !f.Deadline.Valid:
			unknown = append(unknown, f)
		case f.Deadline.Time.In(s.loc).Format(time.DateOnly) == today:
			dueToday = append(dueToday, f)
		case t.Now.After(f.Deadline.Time):
			overdue = append(overdue, f)
		}
	}
	// Notices WeChat's 群发 quota kept from the 公众号's followers since
	// the last digest (notices/ records them with the reason).
	refused, err := storage.RefusedNotices(ctx, t.Tx, since, t.Now)
	if err != nil {
		return err
	}
	until := s.cal.CoveredUntil()
	calendarEnds := until.Sub(t.Now) < calendarWarnDays*24*time.Hour
	if len(fresh)+len(dueToday)+len(overdue)+len(publishing)+len(unknown)+len(refused) == 0 && !calendarEnds {
		return nil // nothing to report: no message
	}

	var sb strings.Builder
	fmt.Fprintf(&sb, "【政务公开日报】%s", workflow.FormatDate(t.Now, s.loc))
	list := func(label string, forms []*storage.Form) {
		if len(forms) == 0 {
			fmt.Fprintf(&sb, "\n%s：无", label)
			return
		}
		fmt.Fprintf(&sb, "\n%s：%d件（%s）", label, len(forms), serials(forms))
	}
	list("上一工作日以来新提交", fresh)
	list("今日到期", dueToday)
	list("已逾期", overdue)
	list("待发布", publishing)
	if len(unknown) > 0 {
		fmt.Fprintf(&sb, "\n请注意：%d件主动公开审批单的公开时限无法计算（%s），工作日历缺少相应年份的节假日安排。请发送「日历 添加」并粘贴该年度的国务院办公厅节假日安排通知。",
			len(unknown), serials(unknown))
	}
	for _, line := range refusedLines(refused) {
		sb.WriteString("\n" + line)
	}
	if calendarEnds {
		fmt.Fprintf(&sb, "\n请注意：工作日历仅覆盖至%s，之后的时限将无法计算。国务院办公厅发布%d年节假日安排后，请发送「日历 添加」并粘贴通知全文。",
			workflow.FormatDate(until, s.loc), until.In(s.loc).Year()+1)
	}
	sb.WriteString("\n发送「查询 编号」可查看详情。")
	text := sb.String()
	slot := t.Slot.Format("2006-01-02T15:04")
	for _, to := range s.withRole(config.RoleOffice) {
		if err := t.Remind(ctx, "user:"+to, slot, to, text); err != nil {
			return err
		}
	}
	return nil
}

// previousWorkingDay is the same clock time on the working day before at's
// date: what "since yesterday" means after a weekend or a holiday. Where
// the calendar has no data it falls back to the day before.
func (s *Scheduler) previousWorkingDay(at time.Time) time.Time {
	at = at.In(s.loc)
	for back := 1; back <= 31; back++ {
		d := at.AddDate(0, 0, -back)
		ok, err := s.cal.IsWorkingDay(d)
		if err != nil {
			break
		}
		if ok {
			return d
		}
	}
	return at.AddDate(0, 0, -1)
}

// refusedLines says which notices did not reach the 公众号's followers,
// one line per reason, in the order they were refused.
func refusedLines(refused []storage.Notice) []string {
	var reasons []string
	serials := map[string][]string{}
	for _, n := range refused {
		var d struct {
			Serial string `json:"serial"`
		}
		if json.Unmarshal(n.Detail, &d) != nil || d.Serial == "" {
			d.Serial = n.Kind + " " + n.Ref
		}
		if _, ok := serials[n.Reason]; !ok {
			reasons = append(reasons, n.Reason)
		}
		serials[n.Reason] = append(serials[n.Reason], d.Serial)
	}
	var out []string
	for _, r := range reasons {
		out = append(out, fmt.Sprintf("请注意：%s未能推送给公众号关注者，原因是%s。", strings.Join(serials[r], "、"), r))
	}
	return out
}
