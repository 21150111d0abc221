package workflow

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// The periods of a 政府信息公开申请, in working days (《政府信息公开条例》).
const (
	// SupplementNoticeDays: the 补正告知书 goes out within 7 WD of receipt
	// (Art. 30).
	SupplementNoticeDays = 7
	// ReplyDays: the reply is due within 20 WD of receipt (Art. 33).
	ReplyDays = 20
	// MaxExtensionDays: one extension, approved by the head of the
	// 政府信息公开工作机构, of at most 20 WD (Art. 33).
	MaxExtensionDays = 20
	// ConsultationDays: a third party (Art. 32) or another agency (Art. 34)
	// has 15 WD from the day it is asked to give its opinion.
	ConsultationDays = 15
	// DefaultSupplementDays is the 补正期限 suggested for the 补正告知书 when
	// the office names none. Art. 30 only asks for a 合理的补正期限; 15 WD is
	// the time the 条例 itself gives an outsider to answer the bureau in
	// writing (Arts. 32 and 34), so it is a period the bureau can defend as
	// reasonable, and it is what 补正告知书 templates commonly name
	// (UNCONFIRMED as a rule: the office may set another in each notice).
	DefaultSupplementDays = 15
)

// ApplicationEvents are the dated events of a 政府信息公开申请 that move its
// clocks. Only the calendar date of each time in Asia/Shanghai matters; a
// zero time means the event has not happened.
type ApplicationEvents struct {
	// Received is the day of receipt as Art. 31 defines it for the channel
	// (see Channel.ReceiptRule); the office gives it. Required.
	Received time.Time
	// SupplementAsked is the day the 补正告知书 was sent. The 补正期限 runs
	// from it: when the notice counts from the applicant's receipt of it
	// (收到本告知书之日起), give the day it was delivered.
	SupplementAsked time.Time
	// SupplementDays is the 补正期限 the notice names, in working days; 0
	// means DefaultSupplementDays.
	SupplementDays int
	// SupplementReceived is the day the completed application was received.
	// The reply clock starts again from it (Art. 30).
	SupplementReceived time.Time
	// Consultations are the 征求意见 of Arts. 32 and 34, in any order.
	Consultations []Consultation
	// ExtensionDays is the approved 延长答复期限, 1 to MaxExtensionDays; 0
	// when not extended. Art. 33 allows one extension, so there is one
	// number.
	ExtensionDays int
}

// Consultation is one 征求意见: of a third party (Art. 32) or of another
// agency (Art. 34).
type Consultation struct {
	Sent     time.Time // the day the 征求意见书 went out; required
	Answered time.Time // the day the answer came; zero while none has
}

// ApplicationInputError says which field of ApplicationEvents is wrong.
type ApplicationInputError struct {
	// Field is the ApplicationEvents field: Received, SupplementAsked,
	// SupplementDays, SupplementReceived, Consultations or ExtensionDays.
	Field string
	// Index is which consultation, from 0, when Field is Consultations.
	Index int
	// Problem says what is wrong, in Chinese: the office reads it.
	Problem string
}

func (e *ApplicationInputError) Error() string {
	if e.Field == "Consultations" {
		return fmt.Sprintf("application: Consultations[%d]: %s", e.Index, e.Problem)
	}
	return "application: " + e.Field + ": " + e.Problem
}

// ErrAwaitingSupplement is returned by ApplicationDue.WorkingDaysLeft while
// the applicant has not sent the 补正: no reply clock runs then (Art. 30).
var ErrAwaitingSupplement = errors.New("application: awaiting the applicant's 补正; no reply clock runs")

// Validate checks that the events can have happened: every date is given
// where required and follows the event it depends on. It returns an
// *ApplicationInputError naming the first wrong field.
func (ev ApplicationEvents) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &ApplicationInputError{Field: field, Problem: fmt.Sprintf(format, args...)}
	}
	if ev.Received.IsZero() {
		return bad("Received", "缺少收到申请之日")
	}
	if !ev.SupplementAsked.IsZero() && before(ev.SupplementAsked, ev.Received) {
		return bad("SupplementAsked", "补正告知书发出之日 %s 早于收到申请之日 %s", isoDate(ev.SupplementAsked), isoDate(ev.Received))
	}
	if ev.SupplementDays < 0 {
		return bad("SupplementDays", "补正期限 %d 个工作日不能为负数", ev.SupplementDays)
	}
	if !ev.SupplementReceived.IsZero() {
		if ev.SupplementAsked.IsZero() {
			return bad("SupplementReceived", "有收到补正之日，却没有补正告知书发出之日")
		}
		if before(ev.SupplementReceived, ev.SupplementAsked) {
			return bad("SupplementReceived", "收到补正之日 %s 早于补正告知书发出之日 %s", isoDate(ev.SupplementReceived), isoDate(ev.SupplementAsked))
		}
	}
	for i, c := range ev.Consultations {
		bad := func(format string, args ...any) error {
			return &ApplicationInputError{Field: "Consultations", Index: i, Problem: fmt.Sprintf(format, args...)}
		}
		switch {
		case c.Sent.IsZero():
			return bad("缺少征求意见书发出之日")
		case before(c.Sent, ev.Received):
			return bad("征求意见书发出之日 %s 早于收到申请之日 %s", isoDate(c.Sent), isoDate(ev.Received))
		case !c.Answered.IsZero() && before(c.Answered, c.Sent):
			return bad("答复之日 %s 早于发出之日 %s", isoDate(c.Answered), isoDate(c.Sent))
		}
	}
	if ev.ExtensionDays < 0 || ev.ExtensionDays > MaxExtensionDays {
		return bad("ExtensionDays", "延长 %d 个工作日不在 1 至 %d 之间（条例第三十三条）", ev.ExtensionDays, MaxExtensionDays)
	}
	if ev.ExtensionDays > 0 && ev.awaitingSupplement() {
		return bad("ExtensionDays", "等待补正期间答复期限不计算，无从延长")
	}
	return nil
}

func (ev ApplicationEvents) awaitingSupplement() bool {
	return !ev.SupplementAsked.IsZero() && ev.SupplementReceived.IsZero()
}

// ApplicationDue is where an application's clocks stand. Deadlines are the
// end of their day (23:59:59 Asia/Shanghai, as Calendar.AddWorkingDays
// returns them); days of events are at 00:00 Asia/Shanghai. A zero time
// means "not applicable".
type ApplicationDue struct {
	// SupplementBy is the last day to send the 补正告知书 (receipt + 7 WD,
	// Art. 30); zero once it was sent.
	SupplementBy time.Time
	// SupplementAskedLate reports a 补正告知书 sent after that day. The
	// clock is still reset by the 补正, but the office was late.
	SupplementAskedLate bool
	// SupplementDue is the last day of the 补正期限 the notice named, which
	// is SupplementDays working days long; both zero when no 补正 was asked
	// for.
	SupplementDue  time.Time
	SupplementDays int
	// AwaitingSupplement: a 补正 was asked for and not received. No reply
	// clock runs: ClockStart and ReplyDue are zero.
	AwaitingSupplement bool

	// ClockStart is day 0 of the reply period: the day of receipt, or the
	// day the completed application was received (Restarted).
	ClockStart time.Time
	// Restarted: the clock runs from the 补正 (Art. 30 reset).
	Restarted bool
	// ReplyDays is the statutory period, ReplyDays (20 WD).
	ReplyDays int
	// PausedDays is the number of working days of 征求意见 not counted
	// (Art. 33), overlapping consultations counted once.
	PausedDays int
	// ExtendedDays is the approved extension, 0 when none.
	ExtendedDays int
	// ReplyDue is the last day to reply: the (ReplyDays + ExtendedDays)-th
	// working day after ClockStart that is not paused. It is provisional
	// while Paused.
	ReplyDue time.Time

	// Paused reports a consultation without an answer that stops the clock:
	// ReplyDue assumes it runs its full 15 WD and moves earlier when its
	// answer comes sooner.
	Paused bool
	// PausedSince is the day the clock stopped: the day the first
	// 征求意见书 of the pause went out, itself still counted; the first day
	// not counted is the next working day.
	PausedSince time.Time
	// PausedUntil is the last day of the pause at the latest (the 15th WD of
	// the open consultation, or later when it overlaps others); the clock
	// runs again the next working day, answer or not (Arts. 32, 34).
	PausedUntil time.Time
}

// dayZero is day 0 of a period that the 条例 counts from the day of an
// event (the receipt, a 补正告知书, a 征求意见书): the day itself, not
// counted; the first working day after it is day 1 (民法典 Art. 201, 开始的
// 当日不计入, which is also the common practice for 政府信息公开).
//
// This is the one place that decides it. The convention is UNCONFIRMED as
// an official 政府信息公开 interpretation (domain rules, "Counting working
// days"): if the office's reading differs — the event's day counted as day
// 1, or an event on a non-working day moved to the next working day — change
// this function; every period and every pause of this file starts here.
//
// An event on a non-working day needs nothing special: day 1 is still the
// first working day after it, so a Saturday receipt is due the same day as
// a Friday one. Moving the receipt to the next working day instead would
// give the office one working day more than Art. 31's day of receipt, and
// nothing in the 条例 moves that day.
func dayZero(cal *Calendar, event time.Time) time.Time {
	return dayStart(event, cal.Location())
}

// workingDaysFrom returns the last day (23:59:59) of a period of n working
// days counted from the day of an event.
func workingDaysFrom(cal *Calendar, event time.Time, n int) (time.Time, error) {
	return cal.AddWorkingDays(dayZero(cal, event), n)
}

// ApplicationDeadlines computes the deadlines of an application from its
// events, on cal:
//
//   - 补正 (Art. 30): SupplementBy = receipt + 7 WD until the 补正告知书 is
//     sent; then SupplementDue = sending + SupplementDays WD. While the
//     补正 is awaited no reply clock runs. Once it is received the reply
//     clock starts again from that day: a reset, not a pause, so the days
//     before it do not count at all.
//   - Reply (Art. 33): 20 WD from the clock start, plus ExtensionDays.
//   - 征求意见 (Arts. 32–34): the days a consultation takes are not counted.
//     A consultation sent on S and answered on A pauses the working days d
//     with S < d <= E, where E is A or, when the answer is later or missing,
//     the 15th WD after S. The sending day still counts and the answer day
//     does not; the clock runs again the next working day. The reason: the
//     pause is then the consultation's own period, counted as every period
//     is (dayZero: day 0 = the sending day; the same reading of 自发出之日起
//     至收到答复之日止), so a silent party pauses the clock exactly the
//     15 WD it was given, and a same-day answer pauses nothing. Overlapping
//     consultations pause the union of their days, each day once. A
//     consultation without an answer is assumed to run to its 15th WD, and
//     the result is Paused. Only days after the clock start and before the
//     clock runs out are paused: a consultation sent on or after the reply
//     due day does not move it, since no day of the period is left to stop.
//
// Errors: an *ApplicationInputError (from Validate) for impossible events;
// an error wrapping ErrNoCalendarData, naming the year, when a period
// reaches a year the calendar does not cover.
func ApplicationDeadlines(cal *Calendar, ev ApplicationEvents) (ApplicationDue, error) {
	if err := ev.Validate(); err != nil {
		return ApplicationDue{}, err
	}
	loc := cal.Location()
	var due ApplicationDue

	noticeBy, err := workingDaysFrom(cal, ev.Received, SupplementNoticeDays)
	if err != nil {
		return ApplicationDue{}, fmt.Errorf("application: 补正告知书 deadline from %s: %w", isoDate(ev.Received), err)
	}
	if ev.SupplementAsked.IsZero() {
		due.SupplementBy = noticeBy
	} else {
		due.SupplementAskedLate = before(noticeBy, ev.SupplementAsked)
		due.SupplementDays = ev.SupplementDays
		if due.SupplementDays == 0 {
			due.SupplementDays = DefaultSupplementDays
		}
		if due.SupplementDue, err = workingDaysFrom(cal, ev.SupplementAsked, due.SupplementDays); err != nil {
			return ApplicationDue{}, fmt.Errorf("application: 补正期限 from %s: %w", isoDate(ev.SupplementAsked), err)
		}
	}
	if ev.awaitingSupplement() {
		due.AwaitingSupplement = true
		return due, nil
	}

	start := ev.Received
	if !ev.SupplementReceived.IsZero() {
		start, due.Restarted = ev.SupplementReceived, true
	}
	due.ClockStart = dayZero(cal, start)
	due.ReplyDays = ReplyDays
	due.ExtendedDays = ev.ExtensionDays

	pauses, err := consultationPauses(cal, ev.Consultations)
	if err != nil {
		return ApplicationDue{}, err
	}
	// Walk the working days after day 0, one at a time, counting those not
	// paused until the period is used up.
	pausedIn := make([]int, len(pauses))
	due.ReplyDue = due.ClockStart
	for counted := 0; counted < ReplyDays+ev.ExtensionDays; {
		if due.ReplyDue, err = cal.AddWorkingDays(due.ReplyDue, 1); err != nil {
			return ApplicationDue{}, fmt.Errorf("application: reply due from %s: %w", isoDate(start), err)
		}
		if i := pauseOf(pauses, dayStart(due.ReplyDue, loc)); i >= 0 {
			pausedIn[i]++
			due.PausedDays++
			continue
		}
		counted++
	}
	// The pause in progress, if any, is the last one, when a consultation
	// in it is open: an earlier pause ended before a later consultation was
	// sent, that is before the events were recorded, so it is over even if
	// its consultation was never answered (silence ends it, Art. 32). A
	// pause that stopped no day of the period (it began after the clock ran
	// out) is no pause of the clock.
	if n := len(pauses); n > 0 && pauses[n-1].open && pausedIn[n-1] > 0 {
		due.Paused, due.PausedSince, due.PausedUntil = true, pauses[n-1].sent, pauses[n-1].endOfDay
	}
	return due, nil
}

// pause is a run of days not counted: after sent, up to and including end
// (both 00:00 Asia/Shanghai). open: one of its consultations has no answer.
type pause struct {
	sent, end time.Time
	endOfDay  time.Time // end as a deadline, for ApplicationDue.PausedUntil
	open      bool
}

// consultationPauses returns the consultations' pauses merged where they
// overlap or touch, in date order.
func consultationPauses(cal *Calendar, cs []Consultation) ([]pause, error) {
	loc := cal.Location()
	var ps []pause
	for i, c := range cs {
		last, err := workingDaysFrom(cal, c.Sent, ConsultationDays)
		if err != nil {
			return nil, fmt.Errorf("application: Consultations[%d]: 15 WD from %s: %w", i, isoDate(c.Sent), err)
		}
		p := pause{sent: dayZero(cal, c.Sent), end: dayStart(last, loc), endOfDay: last, open: c.Answered.IsZero()}
		if !p.open && before(c.Answered, last) {
			// Answered within the 15 WD: the pause ends that day. A later
			// answer changes nothing; the period had ended (Art. 32).
			p.end = dayStart(c.Answered, loc)
			// The end of the answer's day, written as the calendar writes
			// deadlines (0 WD needs no calendar data).
			if p.endOfDay, err = cal.AddWorkingDays(c.Answered, 0); err != nil {
				return nil, err
			}
		}
		if !p.end.After(p.sent) {
			continue // answered the day it was sent: no day to pause
		}
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b pause) int { return a.sent.Compare(b.sent) })
	var merged []pause
	for _, p := range ps {
		if n := len(merged); n > 0 && !p.sent.After(merged[n-1].end) {
			m := &merged[n-1]
			if p.end.After(m.end) {
				m.end, m.endOfDay = p.end, p.endOfDay
			}
			m.open = m.open || p.open
			continue
		}
		merged = append(merged, p)
	}
	return merged, nil
}

// pauseOf returns the index of the pause that day (00:00) falls in, or -1.
func pauseOf(ps []pause, day time.Time) int {
	for i, p := range ps {
		if day.After(p.sent) && !day.After(p.end) {
			return i
		}
	}
	return -1
}

// SupplementLapsed reports whether the 补正期限 has passed at the moment
// day without the 补正 received: the application then closes as 逾期不补正
// (ReasonNoSupplement), unless the applicant had good reason (Art. 30: 无正当
// 理由), which the office judges. The period ends with its last day in
// Asia/Shanghai.
func (d ApplicationDue) SupplementLapsed(day time.Time) bool {
	return d.AwaitingSupplement && day.After(d.SupplementDue)
}

// WorkingDaysLeft returns the working days from day's date to ReplyDue: 0 on
// the due day itself, 1 on the working day before it (or on a weekend just
// before it), and negative once overdue: -1 from the day after the due day
// up to and including the next working day, -2 the working day after, and so
// on (a weekend after the due day counts as the working day that follows
// it). Paused days between day and ReplyDue are included: they are days
// the office still has. It returns ErrAwaitingSupplement when no reply
// clock runs, and an error wrapping ErrNoCalendarData beyond the calendar.
func (d ApplicationDue) WorkingDaysLeft(cal *Calendar, day time.Time) (int, error) {
	if d.AwaitingSupplement || d.ReplyDue.IsZero() {
		return 0, ErrAwaitingSupplement
	}
	if !day.After(d.ReplyDue) {
		n, err := cal.WorkingDaysBetween(day, d.ReplyDue)
		if err != nil {
			return 0, fmt.Errorf("application: working days left on %s: %w", isoDate(day), err)
		}
		return n, nil
	}
	working, err := cal.IsWorkingDay(day)
	if err != nil {
		return 0, fmt.Errorf("application: working days left on %s: %w", isoDate(day), err)
	}
	if !working {
		if day, err = cal.NextWorkingDay(day); err != nil {
			return 0, fmt.Errorf("application: working days left: %w", err)
		}
	}
	n, err := cal.WorkingDaysBetween(d.ReplyDue, day)
	if err != nil {
		return 0, fmt.Errorf("application: working days overdue on %s: %w", isoDate(day), err)
	}
	return -n, nil
}

// dayStart is 00:00 of t's date in loc.
func dayStart(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// before reports whether a's date is before b's, in Asia/Shanghai.
func before(a, b time.Time) bool {
	loc := shanghai()
	return dayStart(a, loc).Before(dayStart(b, loc))
}

// isoDate is t's date in Asia/Shanghai as 2026-12-01, for errors.
func isoDate(t time.Time) string {
	return t.In(shanghai()).Format(time.DateOnly)
}

// SupplementPeriodEnd is the last day of a 补正期限 of days working days
// (0: DefaultSupplementDays) from a 补正告知书 sent on asked.
func SupplementPeriodEnd(cal *Calendar, asked time.Time, days int) (time.Time, error) {
	if days == 0 {
		days = DefaultSupplementDays
	}
	return workingDaysFrom(cal, asked, days)
}
