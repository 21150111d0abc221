package workflow

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DateSide says on which side of today a typed date must fall.
type DateSide int

const (
	// DatePast is today or earlier: a 信息形成日期, a 接收时间, a meeting held.
	DatePast DateSide = iota
	// DateAhead is today or later: a 办理时限 or the date of a 延期.
	DateAhead
)

// Errors of typed dates and times. Their text is the polite explanation
// the user sees; a handler may word them for its field instead.
var (
	ErrDateFormat   = errors.New("没有识别出日期。请按 2026-11-28、11月28日、今天 或 昨天 的格式输入。")
	ErrDateFuture   = errors.New("信息形成日期不能晚于今天，请重新输入。")
	ErrDatePast     = errors.New("该日期已过，请输入今天或以后的日期。")
	ErrTimeMissing  = errors.New("请补充具体时刻，如 09:30。")
	ErrTimeFormat   = errors.New("时间不正确，请按 09:30 或 9点30分 的格式输入。")
	ErrMomentFuture = errors.New("时间不能晚于现在。")
)

// NoSuchDayError is a date typed right that the calendar does not have:
// 2026年2月30日, 13月1日. Told "not understood", the person would retype
// the same day; told it does not exist, they look at what they copied.
type NoSuchDayError struct{ Year, Month, Day int }

func (e *NoSuchDayError) Error() string {
	if e.Year == 0 { // 13月1日: no year has it
		return fmt.Sprintf("%d月%d日不存在，请核对。", e.Month, e.Day)
	}
	return fmt.Sprintf("%d年%d月%d日不存在，请核对。", e.Year, e.Month, e.Day)
}

// Is makes a day that does not exist one of the dates not read, for the
// callers that only tell the two outcomes apart.
func (e *NoSuchDayError) Is(target error) bool { return target == ErrDateFormat }

// noSuchDay is the error of y-m-d failing validDay: a year outside the
// calendar's is not a day that does not exist, only one not read.
func noSuchDay(y, m, d int) error {
	if y < 2000 || y > 2099 {
		return ErrDateFormat
	}
	return &NoSuchDayError{Year: y, Month: m, Day: d}
}

// DateRefusal is what to answer for err, a ParseDate or ParseDateTime
// error the caller has no words of its own for: a day that does not exist
// says so; anything else gets notRead, the caller's "not understood" with
// its field's examples.
func DateRefusal(err error, notRead string) string {
	var nd *NoSuchDayError
	if errors.As(err, &nd) {
		return nd.Error()
	}
	return notRead
}

var (
	fullDate  = regexp.MustCompile(`^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?$`)
	monthDay  = regexp.MustCompile(`^(\d{1,2})[-/.月](\d{1,2})[日号]?$`)
	relative  = map[string]int{"大前天": -3, "前天": -2, "昨天": -1, "昨日": -1, "今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3}
	clockTime = `(上午|早上|早晨|凌晨|中午|下午|晚上)?(\d{1,2})(?::(\d{2})(?::(\d{2}))?|[点时](?:(\d{1,2})分?|(半)|整)?)`
	// The date part is lazy so that the time takes every digit it can:
	// 11-2809:30 is 11-28 at 09:30, not 11-2 at 809:30.
	dateTime = regexp.MustCompile(`^(.*?)[\sT]*` + clockTime + `$`)
)

// normalize turns what an input method may produce into plain ASCII
// digits and punctuation, and runs of spaces into one.
func normalize(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == '：':
			return ':'
		case r == '－' || r == '—' || r == '–':
			return '-'
		case r == '／':
			return '/'
		case r == '．':
			return '.'
		case r == '\u3000':
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// ParseDate reads a date as staff type it: 2026-11-28, 2026年11月28日,
// 11月28日 or 11月28号, 今天, 昨天, 前天, 明天, 后天. The result is midnight in
// loc.
//
// A month and day without a year means the nearest sensible one: for
// DateAhead this year's if it is today or later, else next year's; for
// DatePast this year's if it is not after today, else last year's when that
// is nearer to today (12月28日 typed on 5 January), else the date is in the
// future.
//
// Errors: ErrDateFormat (not a date), a *NoSuchDayError (written as a
// date, but not in the calendar; it is also ErrDateFormat); ErrDateFuture (after
// today for DatePast) and ErrDatePast (before today for DateAhead), both
// returned with the date so the refusal can name it.
func ParseDate(s string, now time.Time, loc *time.Location, side DateSide) (time.Time, error) {
	s = strings.ReplaceAll(normalize(s), " ", "")
	now = now.In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	var t time.Time
	if n, ok := relative[s]; ok {
		t = today.AddDate(0, 0, n)
	} else if p := fullDate.FindStringSubmatch(s); p != nil {
		y, m, d := atoi(p[1]), atoi(p[2]), atoi(p[3])
		if !validDay(y, m, d) {
			return time.Time{}, noSuchDay(y, m, d)
		}
		t = time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc)
	} else if p := monthDay.FindStringSubmatch(s); p != nil {
		m, d := atoi(p[1]), atoi(p[2])
		y := today.Year()
		this := time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc)
		switch side {
		case DateAhead:
			if this.Before(today) {
				y++
			}
		case DatePast:
			last := time.Date(y-1, time.Month(m), d, 0, 0, 0, 0, loc)
			if this.After(today) && today.Sub(last) < this.Sub(today) {
				y--
			}
		}
		if m < 1 || m > 12 || d < 1 || d > 31 {
			return time.Time{}, &NoSuchDayError{Month: m, Day: d}
		}
		if !validDay(y, m, d) {
			return time.Time{}, noSuchDay(y, m, d) // 2月30日, or 2月29日 in a common year
		}
		t = time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc)
	} else {
		return time.Time{}, ErrDateFormat
	}
	switch {
	case side == DatePast && t.After(today):
		return t, ErrDateFuture
	case side == DateAhead && t.Before(today):
		return t, ErrDatePast
	}
	return t, nil
}

// ParseDateTime reads a moment that has already happened, as staff type it:
// 现在; a date of ParseDate with a time (2026-11-28 09:30, 12月1日 9:30,
// 2026年12月1日9点30分, 昨天下午3点); or a time alone (09:30), which falls
// on day, or today when day is zero.
//
// Errors: those of ParseDate; ErrTimeMissing for a date without a time,
// returned with that date at midnight so the caller can ask for the time of
// that day; ErrTimeFormat (25:00, 上午15点); ErrMomentFuture (after now,
// the date included).
func ParseDateTime(s string, now time.Time, loc *time.Location, day time.Time) (time.Time, error) {
	s = normalize(s)
	if s == "现在" {
		return now, nil
	}
	p := dateTime.FindStringSubmatch(s)
	if p == nil {
		d, err := ParseDate(s, now, loc, DatePast)
		switch {
		case errors.Is(err, ErrDateFuture):
			return time.Time{}, ErrMomentFuture
		case err != nil:
			return time.Time{}, err
		}
		return d, ErrTimeMissing
	}
	var d time.Time
	if strings.TrimSpace(p[1]) == "" {
		d = day
		if d.IsZero() {
			d = now
		}
		d = d.In(loc)
		d = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
	} else {
		var err error
		d, err = ParseDate(p[1], now, loc, DatePast)
		switch {
		case errors.Is(err, ErrDateFuture):
			return time.Time{}, ErrMomentFuture
		case err != nil:
			return time.Time{}, err
		}
	}
	h, m, ok := clock(p[2], p[3], p[4], p[5], p[6], p[7])
	if !ok {
		return time.Time{}, ErrTimeFormat
	}
	t := time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, loc)
	if t.After(now) {
		return time.Time{}, ErrMomentFuture
	}
	return t, nil
}

// MoreThanAYearAgo says whether the day of d lies before the same day a
// year before now: 2025-11-30 on 2026-12-01 does, 2025-12-01 does not.
func MoreThanAYearAgo(d, now time.Time, loc *time.Location) bool {
	d, now = d.In(loc), now.In(loc)
	yearAgo := time.Date(now.Year()-1, now.Month(), now.Day(), 0, 0, 0, 0, loc)
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc).Before(yearAgo)
}

// clock reads the parts of clockTime: the part of the day, the hour, and
// the minutes as 9:30, 9:30:00, 9点30分 or 9点半.
func clock(part, hh, colonMin, colonSec, min, half string) (h, m int, ok bool) {
	h = atoi(hh)
	switch {
	case colonMin != "":
		m = atoi(colonMin)
		if colonSec != "" && atoi(colonSec) > 59 {
			return 0, 0, false
		}
	case min != "":
		m = atoi(min)
	case half != "":
		m = 30
	}
	if h > 23 || m > 59 {
		return 0, 0, false
	}
	switch part {
	case "下午", "晚上":
		if h < 12 {
			h += 12
		}
	case "中午":
		if h < 6 { // 中午1点 is 13:00; 中午12点 is noon
			h += 12
		}
	case "上午", "早上", "早晨", "凌晨":
		if h > 12 {
			return 0, 0, false
		}
	}
	return h, m, true
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// validDay refuses what time.Date would roll over (2月30日) and years
// nobody means.
func validDay(y, m, d int) bool {
	if y < 2000 || y > 2099 || m < 1 || m > 12 || d < 1 {
		return false
	}
	return d <= time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// FormatDate shows a date as the paper form does: 2026年11月28日.
func FormatDate(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// FormatDateTime shows a moment with its year: 2026年11月28日 09:30.
func FormatDateTime(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	return fmt.Sprintf("%s %02d:%02d", FormatDate(t, loc), t.Hour(), t.Minute())
}
