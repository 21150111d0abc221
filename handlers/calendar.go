package handlers

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// The office keeps the working-day calendar current: it pastes the State
// Council's holiday notice (「日历 添加」), checks on a card what the bot
// understood, and confirms. The year is stored in Postgres, takes effect at
// once in this process and within CalendarRefresh on the others, and
// deadlines that could not be computed without it are computed and
// announced.

// Steps of the calendar conversation.
const (
	calendarStepText = "text" // waiting for the notice's text
	calendarStepYear = "year" // the text says no year: waiting for it
)

// Card keys of the confirmation card.
const (
	calendarConfirm = "confirm"
	calendarCancel  = "cancel"
)

const msgCalendarUsage = "请在「日历 添加」后粘贴国务院办公厅节假日安排通知的全文（含标题更好），如：\n日历 添加 国务院办公厅关于2028年部分节假日安排的通知 一、元旦：1月1日（周六）至3日（周一）放假，共3天。……\n也可以先发送「日历 添加」，再单独发送通知全文。"

// LoadCalendar builds the working-day calendar: the embedded data, the
// years the office confirmed (stored in Postgres) and extra, the contents
// of CALENDAR_FILE.
func LoadCalendar(ctx context.Context, q storage.Queryer, extra []byte) (*workflow.Calendar, error) {
	rows, err := storage.ConfirmedCalendarYears(ctx, q)
	if err != nil {
		return nil, err
	}
	years, err := noticeYears(rows)
	if err != nil {
		return nil, err
	}
	cal, err := workflow.BuildCalendar(workflow.CalendarSources{Years: years, Extra: extra})
	if err != nil {
		return nil, fmt.Errorf("working-day calendar: %w", err)
	}
	return cal, nil
}

// noticeYears turns stored years into the calendar's input.
func noticeYears(rows []storage.CalendarYear) ([]workflow.NoticeYear, error) {
	var out []workflow.NoticeYear
	for _, r := range rows {
		y, err := noticeYearOf(r)
		if err != nil {
			return nil, err
		}
		out = append(out, y)
	}
	return out, nil
}

func noticeYearOf(r storage.CalendarYear) (workflow.NoticeYear, error) {
	y := workflow.NoticeYear{Year: r.Year, Note: r.ProposedBy}
	if r.DecidedAt.Valid {
		y.Note = fmt.Sprintf("confirmed by %s on %s", r.DecidedBy.String, r.DecidedAt.Time.Format(time.DateOnly))
	}
	loc := workflow.DefaultCalendar().Location()
	for _, list := range []struct {
		from []string
		into *[]time.Time
	}{{r.Off, &y.Off}, {r.Work, &y.Work}} {
		for _, s := range list.from {
			d, err := time.ParseInLocation(time.DateOnly, s, loc)
			if err != nil {
				return y, fmt.Errorf("calendar year %d (row %d): bad date %q", r.Year, r.ID, s)
			}
			*list.into = append(*list.into, d)
		}
	}
	return y, nil
}

func dateStrings(days []time.Time) []string {
	out := make([]string, 0, len(days))
	for _, d := range days {
		out = append(out, d.Format(time.DateOnly))
	}
	return out
}

// candidateCalendar is the calendar as it would be with y in force: the
// years confirmed now, y in place of its year, and CALENDAR_FILE.
func (b *Bot) candidateCalendar(ctx context.Context, q storage.Queryer, y workflow.NoticeYear) (*workflow.Calendar, error) {
	rows, err := storage.ConfirmedCalendarYears(ctx, q)
	if err != nil {
		return nil, err
	}
	rows = slices.DeleteFunc(rows, func(r storage.CalendarYear) bool { return r.Year == y.Year })
	years, err := noticeYears(rows)
	if err != nil {
		return nil, err
	}
	return workflow.BuildCalendar(workflow.CalendarSources{Years: append(years, y), Extra: b.CalendarExtra})
}

// onCalendar answers 「日历」 (what the calendar covers) and 「日历 添加」.
func (b *Bot) onCalendar(ctx context.Context, t *turn, arg string) error {
	to := t.person.UserID
	rest, add := cutCommand(arg, "添加")
	if !add {
		return b.text(ctx, t, to, b.calendarCoverage())
	}
	if !t.person.Has(config.RoleOffice) {
		return b.text(ctx, t, to, "工作日历由综合办公室维护。如国务院办公厅已发布新的节假日安排，请联系"+b.officeNames()+"添加。")
	}
	if rest == "" {
		b.saveConvo(t, &convo{Kind: kindCalendar, Step: calendarStepText})
		return b.text(ctx, t, to, "请发送国务院办公厅节假日安排通知的全文（含标题更好）。发送「取消」则不添加。")
	}
	year := 0
	if len(rest) > 4 && rest[0] >= '0' && rest[0] <= '9' {
		// 「日历 添加 2028 一、元旦：…」: the year before the text.
		if y, err := strconv.Atoi(rest[:4]); err == nil && (rest[4] == ' ' || rest[4] == '\n' || strings.HasPrefix(rest[4:], "年 ") || strings.HasPrefix(rest[4:], "年\n")) {
			year, rest = y, strings.TrimSpace(strings.TrimPrefix(rest[4:], "年"))
		}
	}
	return b.proposeCalendarYear(ctx, t, nil, rest, year)
}

// onCalendarText continues the calendar conversation.
func (b *Bot) onCalendarText(ctx context.Context, t *turn, c *convo, text string) error {
	to := t.person.UserID
	if text == "取消" {
		b.endConvo(t)
		return b.text(ctx, t, to, "已取消，未添加节假日安排。")
	}
	if c.Step == calendarStepText {
		return b.proposeCalendarYear(ctx, t, c, text, 0)
	}
	y, err := strconv.Atoi(strings.TrimSuffix(text, "年"))
	if err != nil || y < 2008 || y > 2100 {
		b.saveConvo(t, c)
		return b.text(ctx, t, to, "请回复四位数的年份，如 2028。发送「取消」则不添加。")
	}
	return b.proposeCalendarYear(ctx, t, c, c.Vals["text"], y)
}

// proposeCalendarYear reads a pasted notice and, when it is whole and fits
// the calendar, asks its sender to confirm what was understood. c is the
// calendar conversation that brought the text, nil for a one-message
// paste: only that conversation ends here (another, such as a
// publisher's pending reference, is left alone).
func (b *Bot) proposeCalendarYear(ctx context.Context, t *turn, c *convo, text string, year int) error {
	to := t.person.UserID
	n, err := workflow.ParseHolidayNotice(text, year)
	if errors.Is(err, workflow.ErrNoticeYear) {
		b.saveConvo(t, &convo{Kind: kindCalendar, Step: calendarStepYear, Vals: map[string]string{"text": text}})
		return b.text(ctx, t, to, "通知中没有写明年份。请回复这份节假日安排的年份，如 2028。发送「取消」则不添加。")
	}
	if c != nil {
		b.endConvo(t)
	}
	if err != nil {
		return b.text(ctx, t, to, "未能添加："+err.Error()+"\n请核对后重新发送「日历 添加」和通知全文。未作任何更改。")
	}
	years := b.Calendar.Years()
	first, last := years[0], years[len(years)-1]
	if n.Year < first-1 || n.Year > last+1 {
		next := last + 1
		if n.Year < first {
			next = first - 1
		}
		return b.text(ctx, t, to, fmt.Sprintf("目前工作日历覆盖%d年至%d年，%d年与之不相邻。请先添加%d年的节假日安排。未作任何更改。", first, last, n.Year, next))
	}
	days := n.Days()
	cand, err := b.candidateCalendar(ctx, t.tx, days)
	if err != nil {
		b.Log.WarnContext(ctx, "pasted calendar year does not fit", "year", n.Year, "err", err)
		return b.text(ctx, t, to, fmt.Sprintf("未能添加：%d年的安排与现有工作日历数据不一致，请联系系统管理员。未作任何更改。", n.Year))
	}
	var replacing *workflow.YearSource
	for _, s := range b.Calendar.Coverage() {
		if s.Year == n.Year {
			replacing = &s
		}
	}
	var changed []string
	if replacing != nil {
		changed, err = differingDays(b.Calendar, cand, n.Year)
		if err != nil {
			return err
		}
		if len(changed) == 0 {
			return b.text(ctx, t, to, fmt.Sprintf("%d年的节假日安排与工作日历现有数据（%s）完全一致，无需添加。", n.Year, sourceLabel(replacing.Source)))
		}
	}
	workdays, err := cand.WorkingDaysIn(n.Year)
	if err != nil {
		return err
	}
	taskID := "c" + nonce() + nonce()
	if _, err := storage.ProposeCalendarYear(ctx, t.tx, storage.CalendarYear{
		Year: n.Year, Off: dateStrings(days.Off), Work: dateStrings(days.Work), Notice: text,
		TaskID: sql.NullString{String: taskID, Valid: true}, ProposedBy: to, ProposedAt: t.now,
	}); err != nil {
		return err
	}
	if err := storage.Audit(ctx, t.tx, to, "calendar_propose", "calendar_year", strconv.Itoa(n.Year), map[string]any{"task_id": taskID}); err != nil {
		return err
	}

	var sb strings.Builder
	fmt.Fprintf(&sb, "已识别%d年节假日安排，请逐项核对：", n.Year)
	for _, h := range n.Holidays {
		sb.WriteString("\n" + h.Name + "：" + h.Describe())
	}
	fmt.Fprintf(&sb, "\n全年工作日%d天。", workdays)
	if replacing != nil {
		fmt.Fprintf(&sb, "\n注意：将替换工作日历中现有的%d年安排（%s），以下日期的上班、放假会改变：%s。", n.Year, sourceLabel(replacing.Source), strings.Join(changed, "、"))
	}
	sb.WriteString("\n无误请点击下方卡片上的「确认」；有误请点击「取消」。")
	if err := b.text(ctx, t, to, sb.String()); err != nil {
		return err
	}
	weekdaysOff := 0
	for _, d := range days.Off {
		if w := d.Weekday(); w != time.Saturday && w != time.Sunday {
			weekdaysOff++
		}
	}
	card := bot.TemplateCard{
		CardType:  bot.CardButtonInteraction,
		Source:    &bot.CardSource{Desc: "政务公开助手"},
		MainTitle: &bot.CardTitle{Title: fmt.Sprintf("%d年节假日安排", n.Year), Desc: "确认后用于计算各项时限"},
		HorizontalContentList: []bot.CardField{
			{KeyName: "放假", Value: fmt.Sprintf("%d天（其中工作日%d天）", len(days.Off), weekdaysOff)},
			{KeyName: "调休上班", Value: fmt.Sprintf("%d天", len(days.Work))},
			{KeyName: "全年工作日", Value: fmt.Sprintf("%d天", workdays)},
			{KeyName: "添加人", Value: t.person.Name},
		},
		TaskID: taskID,
		ButtonList: []bot.CardButton{
			{Text: "确认", Style: 1, Key: calendarConfirm},
			{Text: "取消", Style: 2, Key: calendarCancel},
		},
	}
	return b.card(ctx, t, card, to)
}

// onCalendarCard decides a proposed year.
func (b *Bot) onCalendarCard(ctx context.Context, t *turn) error {
	m := t.m
	to := t.person.UserID
	y, err := storage.LockCalendarTask(ctx, t.tx, m.TaskID)
	if errors.Is(err, storage.ErrNotFound) {
		return b.text(ctx, t, to, msgCardUnknown)
	}
	if err != nil {
		return err
	}
	if y.ProposedBy != to || !t.person.Has(config.RoleOffice) {
		return b.text(ctx, t, to, "工作日历由添加该安排的综合办公室人员确认。")
	}
	closeWith := func(label string) error {
		return b.closeCopies(ctx, t, []cardCopy{{TaskID: m.TaskID, Holders: []string{to}}}, to, label, m.TaskID, m.ResponseCode, label)
	}
	if y.Status != storage.CalendarProposed {
		word := map[string]string{storage.CalendarConfirmed: "已确认", storage.CalendarCancelled: "已取消", storage.CalendarReplaced: "已被更新的安排替换"}[y.Status]
		if err := closeWith(word); err != nil {
			return err
		}
		return b.text(ctx, t, to, fmt.Sprintf("%d年节假日安排%s，此卡片已失效。", y.Year, word))
	}
	switch m.EventKey {
	case calendarCancel:
		if err := storage.DecideCalendarYear(ctx, t.tx, y.ID, storage.CalendarCancelled, to, t.now); err != nil {
			return err
		}
		if err := storage.Audit(ctx, t.tx, to, "calendar_cancel", "calendar_year", strconv.Itoa(y.Year), map[string]any{"id": y.ID}); err != nil {
			return err
		}
		if err := closeWith("已取消"); err != nil {
			return err
		}
		return b.text(ctx, t, to, fmt.Sprintf("已取消，%d年节假日安排未添加。", y.Year))
	case calendarConfirm:
		reply, notes, err := b.confirmCalendarYear(ctx, t, y)
		if err != nil {
			return err
		}
		if err := closeWith("已确认"); err != nil {
			return err
		}
		if err := b.text(ctx, t, to, reply); err != nil {
			return err
		}
		return b.sendNotes(ctx, t, notes)
	}
	return b.text(ctx, t, to, msgCardUnknown)
}

// confirmCalendarYear puts a proposed year in force: it is stored as
// confirmed, audited with the pasted text, the deadlines it makes
// computable are filled in and announced, and this process's calendar
// takes it once the turn commits. It returns what to tell the confirmer,
// and the announcements to send after that.
func (b *Bot) confirmCalendarYear(ctx context.Context, t *turn, y *storage.CalendarYear) (string, []note, error) {
	ny, err := noticeYearOf(*y)
	if err != nil {
		return "", nil, err
	}
	cand, err := b.candidateCalendar(ctx, t.tx, ny)
	if err != nil {
		// The calendar changed since the paste (another year confirmed).
		b.Log.WarnContext(ctx, "confirmed calendar year does not fit", "year", y.Year, "err", err)
		return fmt.Sprintf("未能确认：%d年的安排与现有工作日历数据不一致，请重新发送「日历 添加」。", y.Year), nil, nil
	}
	by := t.person.UserID
	if err := storage.DecideCalendarYear(ctx, t.tx, y.ID, storage.CalendarConfirmed, by, t.now); err != nil {
		return "", nil, err
	}
	workdays, err := cand.WorkingDaysIn(y.Year)
	if err != nil {
		return "", nil, err
	}
	if err := storage.Audit(ctx, t.tx, by, "calendar_confirm", "calendar_year", strconv.Itoa(y.Year), map[string]any{
		"id": y.ID, "off": y.Off, "work": y.Work, "working_days": workdays, "notice": y.Notice,
	}); err != nil {
		return "", nil, err
	}
	forms, orders, notes, err := b.fillDeadlines(ctx, t, cand)
	if err != nil {
		return "", nil, err
	}
	t.afterCommit(func(context.Context) error {
		b.Calendar.Replace(cand)
		return nil
	})
	msg := fmt.Sprintf("已确认：%d年节假日安排已生效（全年工作日%d天），各项时限即按此计算。", y.Year, workdays)
	if forms > 0 {
		msg += fmt.Sprintf("\n%d件审批单原先无法计算的主动公开时限已算出，已通知相关人员。", forms)
	}
	if orders > 0 {
		msg += fmt.Sprintf("\n%d件12345工单的签收时限已算出。", orders)
	}
	return msg, notes, nil
}

// note is a text to send to one person.
type note struct{ to, text string }

func (b *Bot) sendNotes(ctx context.Context, t *turn, notes []note) error {
	for _, n := range notes {
		if err := b.text(ctx, t, n.to, n.text); err != nil {
			return err
		}
	}
	return nil
}

// AddCalendarYear confirms a year for an operator (zwgk calendar add):
// the same as a paste and a confirmation in the chat, by the given user.
// It returns what the chat would have told the confirmer.
func (b *Bot) AddCalendarYear(ctx context.Context, n *workflow.HolidayNotice, text string, by config.Person) (string, error) {
	var reply string
	var queued int
	var after []func(context.Context) error
	now := b.Now()
	err := b.DB.WithTx(ctx, func(tx *storage.Tx) error {
		t := &turn{tx: tx, now: now, person: by}
		days := n.Days()
		id, err := storage.ProposeCalendarYear(ctx, tx, storage.CalendarYear{
			Year: n.Year, Off: dateStrings(days.Off), Work: dateStrings(days.Work), Notice: text,
			ProposedBy: by.UserID, ProposedAt: now,
		})
		if err != nil {
			return err
		}
		y := &storage.CalendarYear{ID: id, Year: n.Year, Off: dateStrings(days.Off), Work: dateStrings(days.Work), Notice: text, ProposedBy: by.UserID}
		var notes []note
		reply, notes, err = b.confirmCalendarYear(ctx, t, y)
		if err != nil {
			return err
		}
		if err := b.sendNotes(ctx, t, notes); err != nil {
			return err
		}
		queued, after = t.queued, t.after
		return nil
	})
	if err != nil {
		return "", err
	}
	for _, f := range after {
		if err := f(ctx); err != nil {
			return "", err
		}
	}
	if queued > 0 && b.Queued != nil {
		b.Queued()
	}
	return reply, nil
}

// fillDeadlines computes, with cal, the deadlines that could not be
// computed before: the 主动公开 limits of forms, announced to those who
// must act and to the office (the notes to send), and the 签收 limits of
// 12345 orders.
func (b *Bot) fillDeadlines(ctx context.Context, t *turn, cal *workflow.Calendar) (forms, orders int, notes []note, err error) {
	open, err := storage.OpenForms(ctx, t.tx)
	if err != nil {
		return 0, 0, nil, err
	}
	perUser := map[string][]string{}
	var users []string
	office := b.Roster.WithRole(config.RoleOffice)
	for i := range open {
		f := &open[i]
		if f.Mode != string(workflow.ModeActive) || f.Deadline.Valid {
			continue
		}
		due, err := cal.AddWorkingDays(f.FormedOn.In(b.Location), workflow.ActiveDisclosureDays)
		if errors.Is(err, workflow.ErrNoCalendarData) {
			continue // still a year short
		}
		if err != nil {
			return 0, 0, nil, fmt.Errorf("deadline of form %d: %w", f.ID, err)
		}
		if err := storage.FillFormDeadline(ctx, t.tx, f, due, t.person.UserID); errors.Is(err, storage.ErrStale) {
			continue
		} else if err != nil {
			return 0, 0, nil, err
		}
		forms++
		left, err := b.timeLeft(cal, t.now, due)
		if err != nil {
			return 0, 0, nil, err
		}
		line := fmt.Sprintf("· %s「%s」：%s前，%s（%s）", serial(f), clip(f.Title, 20), workflow.FormatDate(due, b.Location), left, b.where(f))
		to := slices.Clone([]string(f.Assignees))
		if f.State == string(workflow.StateRejected) {
			to = []string{f.Submitter}
		}
		for _, p := range office {
			to = append(to, p.UserID)
		}
		for _, u := range to {
			if slices.Contains(perUser[u], line) {
				continue
			}
			if _, ok := perUser[u]; !ok {
				users = append(users, u)
			}
			perUser[u] = append(perUser[u], line)
		}
	}
	years := cal.Years()
	for _, u := range users {
		notes = append(notes, note{u, fmt.Sprintf("【公开时限】工作日历已补充节假日安排（现覆盖%d年至%d年），以下审批单的主动公开时限已算出：\n%s\n发送「查询 编号」可查看详情。",
			years[0], years[len(years)-1], strings.Join(perUser[u], "\n"))})
	}

	waiting, err := storage.OrdersWithoutAcceptDue(ctx, t.tx)
	if err != nil {
		return 0, 0, nil, err
	}
	for i := range waiting {
		o := &waiting[i]
		due, err := b.Limits.Accept.Due(cal, o.ReceivedAt)
		if errors.Is(err, workflow.ErrNoCalendarData) {
			continue
		}
		if err != nil {
			return 0, 0, nil, fmt.Errorf("签收 limit of order %s: %w", o.TicketNo, err)
		}
		if err := storage.FillAcceptDue(ctx, t.tx, o, due, t.person.UserID); errors.Is(err, storage.ErrStale) {
			continue
		} else if err != nil {
			return 0, 0, nil, err
		}
		orders++
	}
	return forms, orders, notes, nil
}

// timeLeft says how a deadline stands: 还剩3个工作日, 今日到期, 已逾期5个工作日.
func (b *Bot) timeLeft(cal *workflow.Calendar, now, due time.Time) (string, error) {
	if now.After(due) {
		late, err := cal.WorkingDaysBetween(due, now)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("已逾期%d个工作日", late), nil
	}
	left, err := cal.WorkingDaysBetween(now, due)
	if err != nil {
		return "", err
	}
	if left == 0 {
		return "今日到期", nil
	}
	return fmt.Sprintf("还剩%d个工作日", left), nil
}

// calendarCoverage answers 「日历」.
func (b *Bot) calendarCoverage() string {
	var parts []string
	for _, s := range b.Calendar.Coverage() {
		parts = append(parts, fmt.Sprintf("%d年（%s）", s.Year, sourceLabel(s.Source)))
	}
	until := b.Calendar.CoveredUntil()
	msg := "工作日历现覆盖：" + strings.Join(parts, "、") + "。\n" +
		fmt.Sprintf("%s之后的时限暂无法计算。国务院办公厅发布%d年节假日安排后，综合办公室可发送「日历 添加」并粘贴通知全文。",
			workflow.FormatDate(until, b.Location), until.Year()+1)
	return msg
}

// sourceLabel names where a year's days come from, for the office.
func sourceLabel(source string) string {
	switch source {
	case workflow.SourceEmbedded:
		return "系统内置"
	case workflow.SourceOffice:
		return "办公室添加"
	case workflow.SourceFile:
		return "配置文件"
	}
	return source
}

// differingDays lists the days of year whose working status differs
// between two calendars, as 「2月16日（周一）改为上班」.
func differingDays(a, b *workflow.Calendar, year int) ([]string, error) {
	var out []string
	loc := a.Location()
	for d := time.Date(year, 1, 1, 12, 0, 0, 0, loc); d.Year() == year; d = d.AddDate(0, 0, 1) {
		wa, err := a.IsWorkingDay(d)
		if err != nil {
			return nil, err
		}
		wb, err := b.IsWorkingDay(d)
		if err != nil {
			return nil, err
		}
		if wa != wb {
			what := "改为放假"
			if wb {
				what = "改为上班"
			}
			out = append(out, fmt.Sprintf("%d月%d日（%s）%s", int(d.Month()), d.Day(), workflow.WeekdayName(d.Weekday()), what))
		}
	}
	return out, nil
}
