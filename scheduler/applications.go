package scheduler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// The reminders of the 依申请公开 register (issue 17) are four jobs, one
// file each:
//
//   - application_supplement (application_supplement.go): an application
//     for which no 补正告知书 was sent, from its 5th working day until the
//     last day the 条例 allows for it (receipt + 7 WD, Art. 30), once, to
//     whoever holds it: "if a 补正 is needed" (most need none).
//   - application_due (application_due.go): the reply is due in 5, 3 and
//     1 working days, to the handler (the section head before 签收, the
//     office before 分办; the office too once it waits for 送达).
//   - application_overdue (application_overdue.go): every application past
//     its reply deadline, daily until closed, to those who hold it, the
//     handler, the office and the leaders, one text per person a day.
//   - application_lapsed (application_lapsed.go): a 补正期限 that passed with
//     no 补正 received, once, to the handler and the office that may close
//     it as 逾期不补正.
//
// Decisions common to them:
//
//   - The clock is recomputed from the stored events for every candidate
//     (workflow.ApplicationDeadlines, as the cards and 「申请 编号」 show it):
//     due_on is refreshed at each change but only pre-filters, with a
//     margin, so an edited calendar does not make a reminder miss its day.
//   - No reply clock runs while the applicant owes the 补正 (Art. 30):
//     neither application_due nor application_overdue speaks of one then;
//     a paused clock (征求意见, Arts. 32, 34) is reminded of with the pause
//     said, its deadline being provisional.
//   - Keys name the application and the occasion, and their slot is the
//     deadline the occasion is about: the same reminder is never repeated,
//     while a deadline that moves (延期, an answer that ends a pause early)
//     brings its own checkpoints. The overdue escalation's key is the
//     recipient's and the day's: one text per person a day.
//   - An application whose clock cannot be computed (events that cannot
//     have happened) is logged and left out, so that one bad row does not
//     silence the reminders of all the others.

// appLookahead bounds the stored due_on the reply reminders look at: 5
// working days ahead is never more than the longest run of days off
// (Spring Festival or National Day with their weekends) and a week, and the
// rest is margin for a due_on computed on a calendar corrected since.
const appLookahead = 31 * 24 * time.Hour

// supplementLookback bounds the days of receipt application_supplement
// looks at: 7 working days never span more than three weeks.
const supplementLookback = 40 * 24 * time.Hour

// appClock is an application with its clock as it stands.
type appClock struct {
	a   *storage.Application
	due workflow.ApplicationDue
}

// applicationClocks recomputes the clock of each application, leaving out
// those it cannot compute: beyond the calendar (due in a year it lacks, so
// not soon; the office digest warns of the calendar's end) or with events
// that cannot have happened (logged).
func (s *Scheduler) applicationClocks(ctx context.Context, t *Tick, as []storage.Application) ([]appClock, error) {
	ids := make([]int64, len(as))
	for i := range as {
		ids[i] = as[i].ID
	}
	cs, err := storage.ConsultationsOfApplications(ctx, t.Tx, ids)
	if err != nil {
		return nil, err
	}
	var out []appClock
	for i := range as {
		a := &as[i]
		due, err := workflow.ApplicationDeadlines(s.cal, a.ClockEvents(s.cal, cs[a.ID]))
		if errors.Is(err, workflow.ErrNoCalendarData) {
			continue
		}
		if err != nil {
			s.log.ErrorContext(ctx, "application clock not computed; no reminder", "job", t.Job, "application", a.Number(), "err", err)
			continue
		}
		out = append(out, appClock{a, due})
	}
	return out, nil
}

// openApplicationClocks are the open applications whose stored due_on is
// within appLookahead of now, with their clocks, the soonest due first by
// the clock (the reply deadline, or the 补正期限 while one is awaited).
func (s *Scheduler) openApplicationClocks(ctx context.Context, t *Tick) ([]appClock, error) {
	as, err := storage.OpenApplicationsDueBy(ctx, t.Tx, t.Now.Add(appLookahead))
	if err != nil {
		return nil, err
	}
	clocks, err := s.applicationClocks(ctx, t, as)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(clocks, func(x, y appClock) int { return x.dueBy().Compare(y.dueBy()) })
	return clocks, nil
}

// dueBy is what c waits for: the reply deadline, or the 补正期限 while the
// applicant owes the 补正 (as the stored due_on).
func (c appClock) dueBy() time.Time {
	if c.due.AwaitingSupplement {
		return c.due.SupplementDue
	}
	return c.due.ReplyDue
}

// appEntity is the entity of an application's reminder keys:
// application:5:due5.
func appEntity(a *storage.Application, what string) string {
	return fmt.Sprintf("application:%d:%s", a.ID, what)
}

// appState is a's state.
func appState(a *storage.Application) workflow.ApplicationState {
	return workflow.ApplicationState(a.State)
}

// officeHead is the head of the 综合办公室, who approves extensions (条例
// Art. 33), or else the first office member: as applications/ decides it.
func (s *Scheduler) officeHead() string {
	if head := s.headOf("综合办公室"); head != "" {
		return head
	}
	if office := s.withRole(config.RoleOffice); len(office) > 0 {
		return office[0]
	}
	return ""
}

// isOffice reports whether u is an office member.
func (s *Scheduler) isOffice(u string) bool {
	p, ok := s.roster.Person(u)
	return ok && p.Has(config.RoleOffice)
}

// appHandler is who handles a once it is signed for: its handler, or the
// section head while it has none; "" before a section has it.
func (s *Scheduler) appHandler(a *storage.Application) string {
	if a.Handler != "" {
		return a.Handler
	}
	if a.Section != "" && appState(a) != workflow.ApplicationRegistered {
		return s.headOf(a.Section)
	}
	return ""
}

// extDecider is the office head while an extension request waits for
// them, else "".
func (s *Scheduler) extDecider(a *storage.Application) string {
	if a.ExtRequestDays > 0 {
		return s.officeHead()
	}
	return ""
}

// appHolders are those who must act on a next: the office to 分办 a
// registered one, the section head to 签收 a dispatched one, the handler
// of one being handled, the stage's assignees of one in review (the
// reviewers) or approved (the office, to 送达), and the office head while
// an extension request waits for them. Nobody while the applicant owes
// the 补正: the lapsed reminder speaks of that.
func (s *Scheduler) appHolders(a *storage.Application) []string {
	var to []string
	switch appState(a) {
	case workflow.ApplicationRegistered:
		to = s.withRole(config.RoleOffice)
	case workflow.ApplicationDispatched:
		to = []string{s.headOf(a.Section)}
	case workflow.ApplicationAccepted:
		to = []string{s.appHandler(a)}
	case workflow.ApplicationReview, workflow.ApplicationApproved:
		to = slices.Clone([]string(a.Assignees))
	}
	return union(to, []string{s.extDecider(a)})
}

// appDueRecipients are those application_due and application_supplement
// remind: whoever holds a before 签收 (the office, then the section head),
// its handler after, with the office once the reply waits for 送达 and the
// office head while an extension request waits for them. Reviewers are
// not: the reminder tells the handler at which review it waits.
func (s *Scheduler) appDueRecipients(a *storage.Application) []string {
	switch appState(a) {
	case workflow.ApplicationRegistered, workflow.ApplicationDispatched:
		return s.appHolders(a)
	case workflow.ApplicationApproved:
		return union([]string{s.appHandler(a)}, a.Assignees)
	}
	return union([]string{s.appHandler(a)}, []string{s.extDecider(a)})
}

// appOverdueRecipients are those an overdue application is escalated to:
// those who hold it, its handler, the office and the leaders.
func (s *Scheduler) appOverdueRecipients(a *storage.Application) []string {
	return union(s.appHolders(a), []string{s.appHandler(a)}, s.withRole(config.RoleOffice), s.withRole(config.RoleLeader))
}

// appStatus says where a stands: 综合一股 李娜办理中; 答复审核中，待办公室审核（陈立新、林晓燕）.
func (s *Scheduler) appStatus(a *storage.Application) string {
	var st string
	switch appState(a) {
	case workflow.ApplicationRegistered:
		st = "已登记，待综合办公室分办"
	case workflow.ApplicationDispatched:
		st = fmt.Sprintf("已分办至%s，待%s签收", a.Section, s.name(s.headOf(a.Section)))
	case workflow.ApplicationAccepted:
		st = fmt.Sprintf("%s %s办理中", a.Section, s.name(s.appHandler(a)))
	case workflow.ApplicationReview:
		st = fmt.Sprintf("答复审核中，待%s（%s）", workflow.Stage(a.Stage).Label(), s.names(a.Assignees))
	case workflow.ApplicationApproved:
		st = fmt.Sprintf("答复已审定，待综合办公室送达（%s）", s.names(a.Assignees))
	default:
		st = appState(a).Label()
	}
	if a.ExtRequestDays > 0 {
		st += fmt.Sprintf("，延期申请（%d个工作日）待%s审批", a.ExtRequestDays, s.name(s.officeHead()))
	}
	return st
}

// appTodo tells u what to do about a, as the cards u holds allow.
func (s *Scheduler) appTodo(a *storage.Application, u string) string {
	st := appState(a)
	switch {
	case st == workflow.ApplicationRegistered && s.isOffice(u):
		return "请尽快在分办卡片上选择承办股室。"
	case st == workflow.ApplicationDispatched && u == s.headOf(a.Section):
		return "请尽快在签收卡片上签收并指定承办人。"
	case a.ExtRequestDays > 0 && u == s.officeHead():
		return "延期申请待您审批，请在延期审批卡片上处理。"
	case st == workflow.ApplicationReview && slices.Contains(a.Assignees, u):
		return "答复待您审核，请在审核卡片上处理。"
	case st == workflow.ApplicationApproved && slices.Contains(a.Assignees, u):
		return "答复已审定，请尽快送达申请人，并在送达卡片上选择送达方式登记。"
	case u != s.appHandler(a):
		return "请督促办理。"
	case st == workflow.ApplicationReview:
		return "答复正在审核，请跟进审核进度。"
	case st == workflow.ApplicationApproved:
		return "答复已审定，待综合办公室送达。"
	case a.ExtRequestDays > 0:
		return "延期申请正待审批，审批前答复期限不变，请抓紧办理。"
	case a.ExtensionDays > 0:
		return "已延长答复期限，不能再次延期，请抓紧办理，在办理卡片上点击「拟写答复」。"
	}
	return "请抓紧办理，在办理卡片上点击「拟写答复」；确需延期的，请点击「申请延期」（经综合办公室负责人同意，最长20个工作日）。"
}

// appClockNote is what a reply deadline needs said besides its date on
// now: a 征求意见 pausing the clock (the deadline then assumes the party
// takes its full 15 working days, and moves earlier with an earlier
// answer), the days a past one did not count, an extension granted.
func (s *Scheduler) appClockNote(due workflow.ApplicationDue, now time.Time) string {
	var note string
	switch {
	case due.Paused && !now.After(due.PausedUntil):
		note = fmt.Sprintf("（征求意见中，自%s起暂停计算，最迟至%s；收到意见后期限相应调整）", s.day(due.PausedSince), s.day(due.PausedUntil))
	case due.PausedDays > 0:
		note = "（征求意见不计入" + strconv.Itoa(due.PausedDays) + "个工作日）"
	}
	if due.ExtendedDays > 0 {
		note += "（已延期" + strconv.Itoa(due.ExtendedDays) + "个工作日）"
	}
	return note
}

// appName names an application in a reminder: 依申请〔2026〕5号（张三申请「……」）.
func appName(a *storage.Application) string {
	return fmt.Sprintf("%s（%s申请「%s」）", a.Number(), a.ApplicantName, clip(a.Content, 20))
}

// appDetail is the closing line of every application reminder.
func appDetail(a *storage.Application) string {
	return "发送「申请 " + a.Number() + "」可查看详情。"
}

// appDetailAll closes a reminder that lists several.
const appDetailAll = "发送「申请 编号」可查看详情。"

// dayLeft says how many working days are left: 还剩3个工作日, 今天到期.
func dayLeft(left int, today string) string {
	if left == 0 {
		return today
	}
	return "还剩" + strconv.Itoa(left) + "个工作日"
}
