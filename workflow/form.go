package workflow

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
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
	ErrNoPlatform     = errors.New("请至少选择一个公开平台。")
)

// CheckTitle trims and checks a title: not empty, not too long, nothing
// the paper form cannot carry (CheckChars).
func CheckTitle(s string) (string, error) {
	s, err := CheckChars("标题", s)
	if err != nil {
		return "", err
	}
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		return "", ErrTitleEmpty
	case n > MaxTitle:
		return "", ErrTitleTooLong
	}
	return s, nil
}

// CheckSummary trims and checks a summary, as CheckTitle a title.
func CheckSummary(s string) (string, error) {
	s, err := CheckChars("简要内容", s)
	if err != nil {
		return "", err
	}
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		return "", ErrSummaryEmpty
	case n > MaxSummary:
		return "", ErrSummaryTooLong
	}
	return s, nil
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
