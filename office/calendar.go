package office

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/chat"

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
func (b *Flow) candidateCalendar(ctx context.Context, q storage.Queryer, y workflow.NoticeYear) (*workflow.Calendar, error) {
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

// CalendarCommand answers 「日历」 (what the calendar covers) and 「日历 添加」.
func (b *Flow) CalendarCommand(ctx context.Context, t *chat.Turn, arg string) error {
	to := t.Person.UserID
	rest, add := chat.CutCommand(arg, "添加")
	if !add {
		return b.Text(ctx, t, to, b.calendarCoverage())
	}
	if !t.Person.Has(config.RoleOffice) {
		return b.Text(ctx, t, to, "工作日历由综合办公室维护。如国务院办公厅已发布新的节假日安排，请联系"+b.OfficeNames()+"添加。")
	}
	if rest == "" {
		b.saveConvo(t, &convo{Kind: KindCalendar, Step: calendarStepText})
		return b.Text(ctx, t, to, "请发送国务院办公厅节假日安排通知的全文（含标题更好）。发送「取消」则不添加。")
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
func (b *Flow) onCalendarText(ctx context.Context, t *chat.Turn, c *convo, text string) error {
	to := t.Person.UserID
	if text == "取消" {
		b.End(t)
		return b.Text(ctx, t, to, "已取消，未添加节假日安排。")
	}
	if c.Step == calendarStepText {
		return b.proposeCalendarYear(ctx, t, c, text, 0)
	}
	y, err := strconv.Atoi(strings.TrimSuffix(text, "年"))
	if err != nil || y < 2008 || y > 2100 {
		b.saveConvo(t, c)
		return b.Text(ctx, t, to, "请回复四位数的年份，如 2028。发送「取消」则不添加。")
	}
	return b.proposeCalendarYear(ctx, t, c, c.Vals["text"], y)
}

// proposeCalendarYear reads a pasted notice and, when it is whole and fits
// the calendar, asks its sender to confirm what was understood. c is the
// calendar conversation that brought the text, nil for a one-message
// paste: only that conversation ends here (another, such as a
// publisher's pending reference, is left alone).
func (b *Flow) proposeCalendarYear(ctx context.Context, t *chat.Turn, c *convo, text string, year int) error {
	to := t.Person.UserID
	n, err := workflow.ParseHolidayNotice(text, year)
	if errors.Is(err, workflow.ErrNoticeYear) {
		b.saveConvo(t, &convo{Kind: KindCalendar, Step: calendarStepYear, Vals: map[string]string{"text": text}})
		return b.Text(ctx, t, to, "通知中没有写明年份。请回复这份节假日安排的年份，如 2028。发送「取消」则不添加。")
	}
	if c != nil {
		b.End(t)
	}
	if err != nil {
		return b.Text(ctx, t, to, "未能添加："+err.Error()+"\n请核对后重新发送「日历 添加」和通知全文。未作任何更改。")
	}
	years := b.Calendar.Years()
	first, last := years[0], years[len(years)-1]
	if n.Year < first-1 || n.Year > last+1 {
		next := last + 1
		if n.Year < first {
			next = first - 1
		}
		return b.Text(ctx, t, to, fmt.Sprintf("目前工作日历覆盖%d年至%d年，%d年与之不相邻。请先添加%d年的节假日安排。未作任何更改。", first, last, n.Year, next))
	}
	days := n.Days()
	cand, err := b.candidateCalendar(ctx, t.Tx, days)
	if err != nil {
		b.Log.WarnContext(ctx, "pasted calendar year does not fit", "year", n.Year, "err", err)
		return b.Text(ctx, t, to, fmt.Sprintf("未能添加：%d年的安排与现有工作日历数据不一致，请联系系统管理员。未作任何更改。", n.Year))
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
			return b.Text(ctx, t, to, fmt.Sprintf("%d年的节假日安排与工作日历现有数据（%s）完全一致，无需添加。", n.Year, sourceLabel(replacing.Source)))
		}
	}
	workdays, err := cand.WorkingDaysIn(n.Year)
	if err != nil {
		return err
	}
	taskID := "c" + chat.Nonce() + chat.Nonce()
	if _, err := storage.ProposeCalendarYear(ctx, t.Tx, storage.CalendarYear{
		Year: n.Year, Off: dateStrings(days.Off), Work: dateStrings(days.Work), Notice: text,
		TaskID: sql.NullString{String: taskID, Valid: true}, ProposedBy: to, ProposedAt: t.Now,
	}); err != nil {
		return err
	}
	if err := storage.Audit(ctx, t.Tx, to, "calendar_propose", "calendar_year", strconv.Itoa(n.Year), map[string]any{"task_id": taskID}); err != nil {
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
	if err := b.Text(ctx, t, to, sb.String()); err != nil {
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
			{KeyName: "添加人", Value: t.Person.Name},
		},
		TaskID: taskID,
		ButtonList: []bot.CardButton{
			{Text: "确认", Style: 1, Key: calendarConfirm},
			{Text: "取消", Style: 2, Key: calendarCancel},
		},
	}
	return b.Card(ctx, t, card, to)
}

// OnCalendarCard decides a proposed year.
func (b *Flow) OnCalendarCard(ctx context.Context, t *chat.Turn) error {
	m := t.Msg
	to := t.Person.UserID
	y, err := storage.LockCalendarTask(ctx, t.Tx, m.TaskID)
	if errors.Is(err, storage.ErrNotFound) {
		return b.Text(ctx, t, to, chat.MsgCardUnknown)
	}
	if err != nil {
		return err
	}
	if y.ProposedBy != to || !t.Person.Has(config.RoleOffice) {
		return b.Text(ctx, t, to, "工作日历由添加该安排的综合办公室人员确认。")
	}
	closeWith := func(label string) error {
		return b.CloseCopies(ctx, t, []chat.CardCopy{{TaskID: m.TaskID, Holders: []string{to}}}, to, label, m.TaskID, m.ResponseCode, label)
	}
	if y.Status != storage.CalendarProposed {
		word := map[string]string{storage.CalendarConfirmed: "已确认", storage.CalendarCancelled: "已取消", storage.CalendarReplaced: "已被更新的安排替换"}[y.Status]
		if err := closeWith(word); err != nil {
			return err
		}
		return b.Text(ctx, t, to, fmt.Sprintf("%d年节假日安排%s，此卡片已失效。", y.Year, word))
	}
	switch m.EventKey {
	case calendarCancel:
		if err := storage.DecideCalendarYear(ctx, t.Tx, y.ID, storage.CalendarCancelled, to, t.Now); err != nil {
			return err
		}
		if err := storage.Audit(ctx, t.Tx, to, "calendar_cancel", "calendar_year", strconv.Itoa(y.Year), map[string]any{"id": y.ID}); err != nil {
			return err
		}
		if err := closeWith("已取消"); err != nil {
			return err
		}
		return b.Text(ctx, t, to, fmt.Sprintf("已取消，%d年节假日安排未添加。", y.Year))
	case calendarConfirm:
		reply, notes, err := b.confirmCalendarYear(ctx, t, y)
		if err != nil {
			return err
		}
		if err := closeWith("已确认"); err != nil {
			return err
		}
		if err := b.Text(ctx, t, to, reply); err != nil {
			return err
		}
		return b.SendNotes(ctx, t, notes)
	}
	return b.Text(ctx, t, to, chat.MsgCardUnknown)
}

// confirmCalendarYear puts a proposed year in force: it is stored as
// confirmed, audited with the pasted text, the deadlines it makes
// computable are filled in and announced, and this process's calendar
// takes it once the turn commits. It returns what to tell the confirmer,
// and the announcements to send after that.
func (b *Flow) confirmCalendarYear(ctx context.Context, t *chat.Turn, y *storage.CalendarYear) (string, []chat.Note, error) {
	ny, err := noticeYearOf(*y)
	if err != nil {
		return "", nil, err
	}
	cand, err := b.candidateCalendar(ctx, t.Tx, ny)
	if err != nil {
		// The calendar changed since the paste (another year confirmed).
		b.Log.WarnContext(ctx, "confirmed calendar year does not fit", "year", y.Year, "err", err)
		return fmt.Sprintf("未能确认：%d年的安排与现有工作日历数据不一致，请重新发送「日历 添加」。", y.Year), nil, nil
	}
	by := t.Person.UserID
	if err := storage.DecideCalendarYear(ctx, t.Tx, y.ID, storage.CalendarConfirmed, by, t.Now); err != nil {
		return "", nil, err
	}
	workdays, err := cand.WorkingDaysIn(y.Year)
	if err != nil {
		return "", nil, err
	}
	if err := storage.Audit(ctx, t.Tx, by, "calendar_confirm", "calendar_year", strconv.Itoa(y.Year), map[string]any{
		"id": y.ID, "off": y.Off, "work": y.Work, "working_days": workdays, "notice": y.Notice,
	}); err != nil {
		return "", nil, err
	}
	msg := fmt.Sprintf("已确认：%d年节假日安排已生效（全年工作日%d天），各项时限即按此计算。", y.Year, workdays)
	var notes []chat.Note
	for _, fill := range b.Deadlines {
		said, n, err := fill(ctx, t, cand)
		if err != nil {
			return "", nil, err
		}
		if said != "" {
			msg += "\n" + said
		}
		notes = append(notes, n...)
	}
	t.AfterCommit(func(context.Context) error {
		b.Calendar.Replace(cand)
		return nil
	})
	return msg, notes, nil
}

// AddCalendarYear confirms a year for an operator (zwgk calendar add):
// the same as a paste and a confirmation in the chat, by the given user.
// It returns what the chat would have told the confirmer.
func (b *Flow) AddCalendarYear(ctx context.Context, n *workflow.HolidayNotice, text string, by config.Person) (string, error) {
	var reply string
	err := b.Act(ctx, by, func(ctx context.Context, t *chat.Turn) error {
		days := n.Days()
		id, err := storage.ProposeCalendarYear(ctx, t.Tx, storage.CalendarYear{
			Year: n.Year, Off: dateStrings(days.Off), Work: dateStrings(days.Work), Notice: text,
			ProposedBy: by.UserID, ProposedAt: t.Now,
		})
		if err != nil {
			return err
		}
		y := &storage.CalendarYear{ID: id, Year: n.Year, Off: dateStrings(days.Off), Work: dateStrings(days.Work), Notice: text, ProposedBy: by.UserID}
		var notes []chat.Note
		reply, notes, err = b.confirmCalendarYear(ctx, t, y)
		if err != nil {
			return err
		}
		return b.SendNotes(ctx, t, notes)
	})
	if err != nil {
		return "", err
	}
	return reply, nil
}

// calendarCoverage answers 「日历」.
func (b *Flow) calendarCoverage() string {
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
