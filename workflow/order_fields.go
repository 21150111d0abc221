package workflow

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Category is a 12345 诉求类别.
type Category string

// The categories a 12345 order may have.
const (
	CategoryConsult   Category = "咨询"
	CategoryHelp      Category = "求助"
	CategoryComplaint Category = "投诉"
	CategoryReport    Category = "举报"
	CategorySuggest   Category = "建议"
)

// Categories lists them in the hotline's usual order.
func Categories() []Category {
	return []Category{CategoryConsult, CategoryHelp, CategoryComplaint, CategoryReport, CategorySuggest}
}

// Order errors; their text is the explanation the user sees.
var (
	ErrDisclosureRequest = errors.New("政府信息公开申请不属于12345诉求，请按依申请公开渠道登记办理（《政府信息公开条例》第三十九条）。")
	ErrCategory          = errors.New("诉求类别应为 咨询、求助、投诉、举报 或 建议。")
	ErrPhone             = errors.New("联系电话格式不正确：请填写11位手机号或带区号的固定电话，如 13800138000、0475-8888888。")
	ErrTicketNo          = errors.New("工单号应为1至40位字母、数字或 - _ 。")
)

// ParseCategory reads a 诉求类别. A 政府信息公开申请 is refused: the law
// sends it to the 依申请公开 channel, not to a work order.
func ParseCategory(s string) (Category, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "信息公开") {
		return "", ErrDisclosureRequest
	}
	for _, c := range Categories() {
		if s == string(c) || s == string(c)+"类" {
			return c, nil
		}
	}
	return "", ErrCategory
}

var ticketPattern = regexp.MustCompile(`^[0-9A-Za-z_-]{1,40}$`)

// CheckTicketNo checks a 12345 工单号.
func CheckTicketNo(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !ticketPattern.MatchString(s) {
		return "", ErrTicketNo
	}
	return s, nil
}

var (
	mobilePattern   = regexp.MustCompile(`^1[3-9]\d{9}$`)
	landlinePattern = regexp.MustCompile(`^0\d{9,11}$`)
	phoneSeparators = strings.NewReplacer(" ", "", "\u3000", "", "-", "", "－", "", "—", "", "(", "", ")", "", "（", "", "）", "")
)

// CheckPhone checks a contact number, a mainland mobile or a landline with
// area code, and returns it in one form: 13800138000 or 0475-8888888.
// Callers read numbers out as they see them, so spaces, hyphens,
// brackets and the country code (+86, 0086, or 86 before a mobile) are
// accepted. Empty is allowed (the field is optional).
func CheckPhone(s string) (string, error) {
	s = phoneSeparators.Replace(strings.TrimSpace(s))
	if s == "" {
		return "", nil
	}
	national, intl := strings.CutPrefix(s, "+86")
	if !intl {
		national, intl = strings.CutPrefix(s, "＋86")
	}
	if !intl {
		national, intl = strings.CutPrefix(s, "0086")
	}
	if rest, ok := strings.CutPrefix(s, "86"); !intl && ok && mobilePattern.MatchString(rest) {
		national, intl = rest, true // caller ID shows 8613800138000
	}
	if intl && national != "" && national[0] != '0' && !mobilePattern.MatchString(national) {
		national = "0" + national // +86 475 8888888: the area code loses its 0 abroad
	}
	switch {
	case mobilePattern.MatchString(national):
		return national, nil
	case landlinePattern.MatchString(national):
		// Area codes 010 and 02x have three digits, all others four.
		n := 4
		switch {
		case national[1] == '2', strings.HasPrefix(national, "010"):
			n = 3
		case national[1] == '1':
			return "", ErrPhone // no area code 011…019
		}
		if sub := len(national) - n; sub == 7 || sub == 8 {
			return national[:n] + "-" + national[n:], nil
		}
	}
	return "", ErrPhone
}

// MaskPhone hides the middle of a number: 138****5678.
func MaskPhone(s string) string {
	r := []rune(s)
	if len(r) < 7 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:3]) + "****" + string(r[len(r)-4:])
}

// Limit is a time limit: N working days, N calendar days, N clock hours
// or N working hours.
type Limit struct {
	N    int
	Unit string // "wd", "d", "h", "wh"
}

func (l Limit) String() string {
	switch l.Unit {
	case "wd":
		return fmt.Sprintf("%d个工作日", l.N)
	case "d":
		return fmt.Sprintf("%d日", l.N)
	case "h":
		return fmt.Sprintf("%d小时", l.N)
	case "wh":
		return fmt.Sprintf("%d个工作小时", l.N)
	}
	return strconv.Itoa(l.N) + l.Unit
}

// Due adds the limit to start on cal. Working days count from the day after
// start (day 0 is the day of receipt).
func (l Limit) Due(cal *Calendar, start time.Time) (time.Time, error) {
	switch l.Unit {
	case "wd":
		return cal.AddWorkingDays(start, l.N)
	case "d":
		t := start.In(cal.Location()).AddDate(0, 0, l.N)
		return time.Date(t.Year(), t.Month(), t.Day(), 23, 59, 59, 0, cal.Location()), nil
	case "h":
		return start.Add(time.Duration(l.N) * time.Hour), nil
	case "wh":
		return cal.AddWorkingHours(start, time.Duration(l.N)*time.Hour)
	}
	return time.Time{}, fmt.Errorf("unknown limit unit %q", l.Unit)
}

// Limits are the 12345 centre's time limits. The defaults follow common
// local rules (domain-rules.md §2); the real ones come from configuration.
type Limits struct {
	ByCategory map[Category]Limit
	Urgent     Limit // 紧急 orders of any category
	Accept     Limit // 签收 by the section head
}

// DefaultLimits: 咨询 2 WD, 求助 5 WD, 投诉/举报/建议 15 WD, 紧急 24 h,
// 签收 1 WD.
func DefaultLimits() Limits {
	return Limits{
		ByCategory: map[Category]Limit{
			CategoryConsult: {2, "wd"}, CategoryHelp: {5, "wd"}, CategoryComplaint: {15, "wd"},
			CategoryReport: {15, "wd"}, CategorySuggest: {15, "wd"},
		},
		Urgent: Limit{24, "h"},
		Accept: Limit{1, "wd"},
	}
}

// For returns the limit of an order.
func (ls Limits) For(c Category, urgent bool) Limit {
	if urgent {
		return ls.Urgent
	}
	return ls.ByCategory[c]
}

var limitPattern = regexp.MustCompile(`^(\d{1,3})(wd|d|h|wh)$`)

// ParseLimits reads overrides of DefaultLimits, e.g.
// "咨询=2wd;求助=5wd;投诉=15wd;举报=15wd;建议=15wd;紧急=24h;签收=1wd".
// Units: wd working days, d calendar days, h hours, wh working hours.
func ParseLimits(s string) (Limits, error) {
	ls := DefaultLimits()
	if strings.TrimSpace(s) == "" {
		return ls, nil
	}
	var errs []error
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		m := limitPattern.FindStringSubmatch(strings.TrimSpace(v))
		if !ok || m == nil {
			errs = append(errs, fmt.Errorf("%q: want name=N followed by wd, d, h or wh", part))
			continue
		}
		n, _ := strconv.Atoi(m[1])
		if n == 0 {
			errs = append(errs, fmt.Errorf("%q: the limit must be positive", part))
			continue
		}
		l := Limit{n, m[2]}
		switch k = strings.TrimSpace(k); {
		case k == "紧急":
			ls.Urgent = l
		case k == "签收":
			ls.Accept = l
		case slices.Contains(Categories(), Category(k)):
			ls.ByCategory[Category(k)] = l
		default:
			errs = append(errs, fmt.Errorf("%q: unknown name %q (want a category, 紧急 or 签收)", part, k))
		}
	}
	return ls, errors.Join(errs...)
}

// OrderState is a work order's state.
type OrderState string

// Work order states, in the order of the usual path.
const (
	OrderDispatched OrderState = "dispatched" // waiting for the section head's 签收
	OrderReturned   OrderState = "returned"   // 退回 to the registrar
	OrderAccepted   OrderState = "accepted"   // 签收ed, no handler yet
	OrderAssigned   OrderState = "assigned"   // with the handler
	OrderAnswered   OrderState = "answered"   // 办结: the answer waits to go back to 12345
	OrderClosed     OrderState = "closed"     // 已回复12345
)

// Label is the state for users.
func (s OrderState) Label() string {
	switch s {
	case OrderDispatched:
		return "待签收"
	case OrderReturned:
		return "已退回登记人"
	case OrderAccepted:
		return "已签收，待指定承办人"
	case OrderAssigned:
		return "办理中"
	case OrderAnswered:
		return "已办结，待回复12345"
	case OrderClosed:
		return "已办结并回复"
	}
	return string(s)
}

// Open reports whether the order still needs work before its answer.
func (s OrderState) Open() bool {
	return s != OrderAnswered && s != OrderClosed
}

// Findings of a check (核查结果).
var Findings = []string{"属实", "部分属实", "不属实"}

// Visit results (回访).
var Visits = []string{"满意", "基本满意", "不满意"}

// Rate is a share of a total, shown as a percentage; an empty total is
// shown as —.
func Rate(part, total int) string {
	if total == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", float64(part)*100/float64(total))
}
