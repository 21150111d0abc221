package desk

import (
	"strconv"
	"time"

	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// row is one record as a list shows it.
type row struct {
	Kind     string // 审批单, 12345工单, 依申请公开
	Number   string
	Title    string
	Who      string // the submitter, the caller, the applicant
	Section  string
	State    string // state and stage, in words
	Holder   string // who holds it now
	Deadline string // with its year
	Left     string // by the working-day calendar
	Overdue  bool
	Link     string // the record's page; empty when there is none yet
	What     string // what it waits for, in 待我办理
}

// left says how long until the due day, in working days, from today:
// 剩余3个工作日, 今日到期, 已超期2个工作日. ok is false when the calendar
// does not cover the days between.
func (d *Desk) left(due time.Time, passed bool) (text string, overdue bool) {
	today := storage.Day(d.Now(), d.Location)
	day := storage.Day(due, d.Location)
	if passed || day.Before(today) {
		n, err := d.Calendar.WorkingDaysBetween(day, today)
		if err != nil {
			return "已超期", true
		}
		if n == 0 {
			return "已超期", true
		}
		return "已超期" + strconv.Itoa(n) + "个工作日", true
	}
	n, err := d.Calendar.WorkingDaysBetween(today, day)
	if err != nil {
		return "无法计算（缺少节假日安排）", false
	}
	if n == 0 {
		return "今日到期", false
	}
	return "剩余" + strconv.Itoa(n) + "个工作日", false
}

func (d *Desk) formRow(f *storage.Form) row {
	r := row{Kind: "审批单", Number: workflow.FormatSerial(f.Year, f.Seq), Title: f.Title,
		Who: d.Forms.NameOrEmpty(f.Submitter), Section: f.Section, State: workflow.State(f.State).Label(),
		Link: formPath(f.ID)}
	st := workflow.State(f.State)
	open := st == workflow.StateReview || st == workflow.StatePublishing
	if open {
		r.State += "，待" + workflow.Stage(f.Stage).Label()
		r.Holder = d.Forms.Names(f.Assignees)
	}
	switch {
	case f.Deadline.Valid:
		r.Deadline = workflow.FormatDate(storage.Day(f.Deadline.Time, d.Location), d.Location)
		if open {
			r.Left, r.Overdue = d.left(f.Deadline.Time, false)
		}
	case f.Mode != string(workflow.ModeActive):
		r.Deadline = "依申请公开，不适用"
	default:
		r.Deadline = "无法计算（缺少节假日安排）"
	}
	return r
}

func (d *Desk) orderRow(c *storage.Order, viewer config.Person) row {
	r := row{Kind: "12345工单", Number: c.TicketNo, Title: c.Category + "：" + clip(c.Content, 40),
		Who: d.Orders.Contact(c, viewer.UserID), Section: c.Section, State: workflow.OrderState(c.State).Label(),
		Holder: d.Orders.Holder(c), Deadline: workflow.FormatDateTime(c.DueAt, d.Location), Link: orderPath(c.ID)}
	if c.Urgent {
		r.Title = "【紧急】" + r.Title
	}
	if workflow.OrderState(c.State).Open() {
		r.Left, r.Overdue = d.left(c.DueAt, d.Now().After(c.DueAt))
	}
	return r
}

func (d *Desk) applicationRow(a *storage.Application, viewer config.Person) row {
	r := row{Kind: "依申请公开", Number: a.Number(), Title: clip(a.Content, 40), Who: a.ApplicantName,
		Section: a.Section, State: workflow.ApplicationState(a.State).Label(), Holder: d.Applications.Holder(a)}
	if r.Section == "" {
		r.Section = "（未分办）"
	}
	due := a.DueD
	if a.State == string(workflow.ApplicationSupplement) && a.SupplementDueD.Valid {
		due = a.SupplementDueD.Time // the applicant's 补正期限 runs instead
		r.State += "（补正期限）"
	}
	r.Deadline = workflow.FormatDate(storage.Day(due, d.Location), d.Location)
	if workflow.ApplicationState(a.State).Open() {
		r.Left, r.Overdue = d.left(due, false)
	}
	if d.Applications.MayView(a, viewer) {
		r.Link = applicationPath(a.ID)
	}
	return r
}

// clip shortens s to n characters with an ellipsis.
func clip(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n]) + "…"
}
