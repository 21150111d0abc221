package workflow

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Mode is the 公开形式 of a form.
type Mode string

// The two 公开形式.
const (
	ModeActive  Mode = "主动公开"
	ModeRequest Mode = "依申请公开"
)

// Platform is a 公开平台.
type Platform string

// The four 公开平台 of the paper form, in its order.
const (
	PlatformWebsite Platform = "政府网站"
	PlatformJournal Platform = "政务信息期刊"
	PlatformWeChat  Platform = "“双微”公众号"
	PlatformSanwu   Platform = "三务公开"
)

// Platforms lists the 公开平台 in the paper form's order.
func Platforms() []Platform {
	return []Platform{PlatformWebsite, PlatformJournal, PlatformWeChat, PlatformSanwu}
}

// SortPlatforms orders ps as the paper form does and drops repeats.
func SortPlatforms(ps []Platform) []Platform {
	var out []Platform
	for _, p := range Platforms() {
		if slices.Contains(ps, p) {
			out = append(out, p)
		}
	}
	return out
}

// Limits of the form's text fields, in characters.
const (
	MaxTitle   = 100
	MaxSummary = 1000
)

// ActiveDisclosureDays is the 主动公开 limit of 条例 Art. 26: 20 working
// days from the information's formation.
const ActiveDisclosureDays = 20

// Validation errors of the wizard's answers. Their text is the polite
// Chinese explanation the user sees.
var (
	ErrTitleEmpty     = errors.New("标题不能为空，请重新输入。")
	ErrTitleTooLong   = fmt.Errorf("标题不能超过%d个字，请精简后重新输入。", MaxTitle)
	ErrSummaryEmpty   = errors.New("简要内容不能为空，请重新输入。")
	ErrSummaryTooLong = fmt.Errorf("简要内容不能超过%d个字，请精简后重新输入。", MaxSummary)
	ErrDateFormat     = errors.New("没有识别出日期。请按 2026-11-28、11月28日、今天 或 昨天 的格式输入。")
	ErrDateFuture     = errors.New("信息形成日期不能晚于今天，请重新输入。")
	ErrNoPlatform     = errors.New("请至少选择一个公开平台。")
)

// CheckTitle trims and checks a title.
func CheckTitle(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		return "", ErrTitleEmpty
	case n > MaxTitle:
		return "", ErrTitleTooLong
	}
	return s, nil
}

// CheckSummary trims and checks a summary.
func CheckSummary(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		return "", ErrSummaryEmpty
	case n > MaxSummary:
		return "", ErrSummaryTooLong
	}
	return s, nil
}

var (
	isoDate = regexp.MustCompile(`^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$`)
	mdDate  = regexp.MustCompile(`^(\d{1,2})[-/.月](\d{1,2})日?$`)
)

// ParseDate reads a date as staff type it: 2026-11-28, 2026年11月28日,
// 11月28日 (this year), 今天, 昨天, 前天. The result is midnight in loc. A
// date after today is refused.
func ParseDate(s string, now time.Time, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, " ", ""))
	now = now.In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	var y, m, d int
	switch {
	case s == "今天" || s == "今日":
		return today, nil
	case s == "昨天" || s == "昨日":
		return today.AddDate(0, 0, -1), nil
	case s == "前天":
		return today.AddDate(0, 0, -2), nil
	case isoDate.MatchString(s):
		p := isoDate.FindStringSubmatch(s)
		y, _ = strconv.Atoi(p[1])
		m, _ = strconv.Atoi(p[2])
		d, _ = strconv.Atoi(p[3])
	case mdDate.MatchString(s):
		p := mdDate.FindStringSubmatch(s)
		y = today.Year()
		m, _ = strconv.Atoi(p[1])
		d, _ = strconv.Atoi(p[2])
	default:
		return time.Time{}, ErrDateFormat
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc)
	if t.Year() != y || t.Month() != time.Month(m) || t.Day() != d || y < 2000 {
		return time.Time{}, ErrDateFormat // 2月30日 and the like
	}
	if t.After(today) {
		return time.Time{}, ErrDateFuture
	}
	return t, nil
}

// FormatDate shows a date as the paper form does: 2026年11月28日.
func FormatDate(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// FormatSerial is a form's number: 公开审〔2026〕17号.
func FormatSerial(year, n int) string {
	return fmt.Sprintf("公开审〔%d〕%d号", year, n)
}

var serialPattern = regexp.MustCompile(`^(?:公开审)?[〔\[(（]?(\d{4})[〕\])）]?[-第]?(\d+)号?$`)

// ParseSerial reads a form number as staff type it: 公开审〔2026〕17号,
// 〔2026〕17号, 2026-17 or 2026第17号.
func ParseSerial(s string) (year, n int, ok bool) {
	p := serialPattern.FindStringSubmatch(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	if p == nil {
		return 0, 0, false
	}
	year, _ = strconv.Atoi(p[1])
	n, err := strconv.Atoi(p[2])
	return year, n, err == nil && n > 0
}
