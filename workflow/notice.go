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

// ErrNoticeYear is returned by ParseHolidayNotice when neither the caller
// nor the text says which year the notice is for. Its text is shown to
// the office as it is.
var ErrNoticeYear = errors.New("通知中没有写明年份")

// HolidayNotice is what ParseHolidayNotice understood of a State Council
// notice (国务院办公厅关于YYYY年部分节假日安排的通知).
type HolidayNotice struct {
	Year     int
	Holidays []NoticeHoliday // in the order of the notice
}

// NoticeHoliday is one item of a notice: 「二、春节：2月5日至13日放假调休，共9天。1月31日（周日）、2月14日（周日）上班。」
type NoticeHoliday struct {
	Name  string
	Off   []time.Time // days off, ascending, 00:00 Asia/Shanghai
	Work  []time.Time // 调休 make-up working days, ascending
	Total int         // the days off the item states (共9天), 0 if it states none
}

// Days returns the notice as one year of days off and make-up days.
func (n *HolidayNotice) Days() NoticeYear {
	y := NoticeYear{Year: n.Year}
	for _, h := range n.Holidays {
		for _, d := range h.Off {
			if d.Year() == n.Year {
				y.Off = append(y.Off, d)
			}
		}
		y.Work = append(y.Work, h.Work...)
	}
	slices.SortFunc(y.Off, time.Time.Compare)
	slices.SortFunc(y.Work, time.Time.Compare)
	return y
}

// Describe says what the item gives, as the notice would:
// 「2月5日（周五）至2月13日（周六）放假，共9天；1月31日（周日）、2月14日（周日）上班」.
func (h NoticeHoliday) Describe() string {
	var sb strings.Builder
	sb.WriteString(describeRuns(h.Off) + "放假")
	fmt.Fprintf(&sb, "，共%d天", len(h.Off))
	if len(h.Work) > 0 {
		var ws []string
		for _, d := range h.Work {
			ws = append(ws, monthDayWeekday(d))
		}
		sb.WriteString("；" + strings.Join(ws, "、") + "上班")
	}
	return sb.String()
}

// describeRuns writes runs of consecutive days as 「2月5日（周五）至2月13日（周六）」.
func describeRuns(days []time.Time) string {
	var parts []string
	for i := 0; i < len(days); {
		j := i
		for j+1 < len(days) && days[j+1].Sub(days[j]) <= 25*time.Hour {
			j++
		}
		if i == j {
			parts = append(parts, monthDayWeekday(days[i]))
		} else {
			parts = append(parts, monthDayWeekday(days[i])+"至"+monthDayWeekday(days[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, "、")
}

func monthDayWeekday(d time.Time) string {
	return fmt.Sprintf("%d月%d日（%s）", int(d.Month()), d.Day(), WeekdayName(d.Weekday()))
}

// WeekdayName is the weekday as notices write it: 周一 … 周日.
func WeekdayName(w time.Weekday) string {
	return "周" + string([]rune("日一二三四五六")[w])
}

// The notice's holiday names, and the one each spelling stands for.
var noticeNames = map[string]string{
	"元旦": "元旦", "元旦节": "元旦",
	"春节": "春节",
	"清明": "清明节", "清明节": "清明节",
	"劳动节": "劳动节", "五一": "劳动节", "五一劳动节": "劳动节",
	"端午": "端午节", "端午节": "端午节",
	"中秋": "中秋节", "中秋节": "中秋节",
	"国庆": "国庆节", "国庆节": "国庆节",
}

var (
	// An item starts with its name and a colon, after an optional 一、.
	itemPattern = regexp.MustCompile(`(?:[一二三四五六七八九十]+[、.]\s*)?((?:元旦节?|春节|清明节?|五一劳动节|劳动节|五一|端午节?|中秋节?|国庆节?)(?:[、和与及](?:中秋节?|国庆节?))?):`)
	titleYear   = regexp.MustCompile(`(\d{4})年(?:部分)?节假日`)
	anyYear     = regexp.MustCompile(`(\d{4})年`)
	// 国庆节、中秋节: one item for two holidays.
	nameSeparator = regexp.MustCompile(`[、和与及]`)
	// A date: 2027年1月1日, 1月1日; with what follows in brackets (周五).
	datePart = `(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日(?:\(([^)]*)\))?`
	offRange = regexp.MustCompile(`^` + datePart + `(?:(?:至|到|~|-)(?:(?:(\d{4})年)?(\d{1,2})月)?(\d{1,2})日(?:\(([^)]*)\))?)?放假`)
	workDay  = regexp.MustCompile(datePart)
	workList = regexp.MustCompile(`^(?:` + datePart + `[、,和及]?)+上班`)
	anyDate  = regexp.MustCompile(`\d{1,2}月\d{1,2}日`)
	stated   = regexp.MustCompile(`(?:共|放假)(\d{1,2})天`)
	weekday  = regexp.MustCompile(`周([一二三四五六日天])`)
)

// ParseHolidayNotice reads the text of a State Council holiday notice as
// the office pastes it, title and all:
//
//	一、元旦：1月1日（周五）至3日（周日）放假，共3天。
//	二、春节：2月5日（农历腊月二十九、周五）至13日（农历正月初七、周六）放假调休，共9天。1月31日（周日）、2月14日（周日）上班。
//	…
//
// year is the notice's year, or 0 to take it from the title (…2027年部分
// 节假日安排…); ErrNoticeYear when neither gives it. Every error is a
// sentence for the office naming what could not be read: a date that does
// not exist, a weekday in brackets that is not the date's (the text is of
// another year), a day both off and on, a make-up day on a weekday, a
// stated length that is not the range's, a missing holiday, a year whose
// days off do not add up to its statutory days. Nothing is returned
// half-read.
func ParseHolidayNotice(text string, year int) (*HolidayNotice, error) {
	text = normaliseNotice(text)
	if m := titleYear.FindStringSubmatch(text); m != nil {
		y, _ := strconv.Atoi(m[1])
		if year != 0 && y != year {
			return nil, fmt.Errorf("通知标题是%d年的节假日安排，与您指定的%d年不一致，请核对。", y, year)
		}
		year = y
	}
	if year == 0 {
		years := map[string]bool{}
		for _, m := range anyYear.FindAllStringSubmatch(text, -1) {
			years[m[1]] = true
		}
		if len(years) != 1 {
			return nil, ErrNoticeYear
		}
		for y := range years {
			year, _ = strconv.Atoi(y)
		}
	}
	if year < firstRuleYear || year > 2100 {
		return nil, fmt.Errorf("年份%d不在可添加的范围内（%d—2100年）。", year, firstRuleYear)
	}

	items := itemPattern.FindAllStringSubmatchIndex(text, -1)
	if len(items) == 0 {
		return nil, errors.New("没有识别出节假日安排。请粘贴通知正文，如「一、元旦：1月1日（周五）至3日（周日）放假，共3天。」")
	}
	n := &HolidayNotice{Year: year}
	for i, loc := range items {
		end := len(text)
		if i+1 < len(items) {
			end = items[i+1][0]
		}
		name := text[loc[2]:loc[3]]
		h, err := parseNoticeItem(year, canonicalHoliday(name), text[loc[1]:end])
		if err != nil {
			return nil, err
		}
		n.Holidays = append(n.Holidays, h)
	}
	if err := n.check(); err != nil {
		return nil, err
	}
	return n, nil
}

// canonicalHoliday names an item as the notices do: 国庆节、中秋节.
func canonicalHoliday(name string) string {
	var parts []string
	for _, p := range nameSeparator.Split(name, -1) {
		parts = append(parts, noticeNames[p])
	}
	return strings.Join(parts, "、")
}

// normaliseNotice makes one spelling of what notices and chat write in
// several: full-width digits and brackets, 星期 for 周, spaces.
func normaliseNotice(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == '（':
			return '('
		case r == '）':
			return ')'
		case r == '：':
			return ':'
		case r == '，':
			return ','
		case r == '；':
			return ';'
		case r == '～' || r == '—' || r == '–' || r == '－':
			return '-'
		case r == ' ' || r == '\t' || r == '\u3000' || r == '\u00a0' || r == '\r':
			return -1
		}
		return r
	}, s)
	return strings.NewReplacer("星期天", "周日", "星期", "周", "周天", "周日", "礼拜天", "周日", "礼拜", "周").Replace(s)
}

// parseNoticeItem reads the sentences of one item.
func parseNoticeItem(year int, name, body string) (NoticeHoliday, error) {
	h := NoticeHoliday{Name: name}
	sentences := strings.FieldsFunc(body, func(r rune) bool { return r == '。' || r == ';' || r == '\n' })
	for _, s := range sentences {
		s = strings.TrimLeft(s, ",")
		switch {
		case s == "":
		case offRange.MatchString(s):
			if len(h.Off) > 0 {
				return h, fmt.Errorf("%s：放假日期写了两次（「%s」），请核对。", name, clipNotice(s))
			}
			off, err := parseOffRange(year, name, s)
			if err != nil {
				return h, err
			}
			h.Off = off
			if m := stated.FindStringSubmatch(s); m != nil {
				h.Total, _ = strconv.Atoi(m[1])
			}
		case workList.MatchString(s):
			list := workList.FindString(s)
			for _, m := range workDay.FindAllStringSubmatch(list, -1) {
				d, err := noticeDate(year, name, m[1], m[2], m[3], m[4])
				if err != nil {
					return h, err
				}
				h.Work = append(h.Work, d)
			}
		case strings.HasPrefix(s, "鼓励") || !anyDate.MatchString(s):
			// Advice (鼓励…安排职工在除夕休息) and remarks (与周末连休)
			// change no day.
		default:
			return h, fmt.Errorf("%s：没有读懂「%s」，请核对这一句。", name, clipNotice(s))
		}
	}
	if len(h.Off) == 0 {
		return h, fmt.Errorf("%s：没有找到放假日期，请核对。", name)
	}
	if h.Total != 0 && h.Total != len(h.Off) {
		return h, fmt.Errorf("%s：通知写明共%d天，但%s是%d天，请核对。", name, h.Total, describeRuns(h.Off), len(h.Off))
	}
	slices.SortFunc(h.Work, time.Time.Compare)
	return h, nil
}

// parseOffRange reads 「2月5日（周五）至13日（周六）放假」.
func parseOffRange(year int, name, s string) ([]time.Time, error) {
	m := offRange.FindStringSubmatch(s)
	first, err := noticeDate(year, name, m[1], m[2], m[3], m[4])
	if err != nil {
		return nil, err
	}
	last := first
	if m[7] != "" {
		y2, m2 := m[5], m[6]
		if y2 == "" && m[1] != "" && m2 != "" {
			y2 = m[1]
		}
		if m2 == "" {
			m2 = strconv.Itoa(int(first.Month()))
			if y2 == "" {
				y2 = strconv.Itoa(first.Year())
			}
			if d2, _ := strconv.Atoi(m[7]); d2 < first.Day() {
				next := first.AddDate(0, 1, 1-first.Day())
				m2, y2 = strconv.Itoa(int(next.Month())), strconv.Itoa(next.Year())
			}
		}
		last, err = noticeDate(year, name, y2, m2, m[7], m[8])
		if err != nil {
			return nil, err
		}
	}
	if last.Before(first) {
		return nil, fmt.Errorf("%s：「%s」结束日期早于开始日期，请核对。", name, clipNotice(s))
	}
	var out []time.Time
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		out = append(out, d)
	}
	if len(out) > 31 {
		return nil, fmt.Errorf("%s：「%s」长达%d天，请核对。", name, clipNotice(s), len(out))
	}
	return out, nil
}

// noticeDate builds a date of the notice and checks the weekday the
// brackets give for it.
func noticeDate(year int, name, y, m, d, brackets string) (time.Time, error) {
	if y != "" {
		year, _ = strconv.Atoi(y)
	}
	mo, _ := strconv.Atoi(m)
	day, _ := strconv.Atoi(d)
	t := time.Date(year, time.Month(mo), day, 0, 0, 0, 0, shanghai())
	written := fmt.Sprintf("%s月%s日", m, d)
	if mo < 1 || mo > 12 || t.Day() != day {
		return time.Time{}, fmt.Errorf("%s：「%s」不是有效日期，请核对。", name, written)
	}
	if w := weekday.FindStringSubmatch(brackets); w != nil {
		want := strings.Replace(w[1], "天", "日", 1)
		if got := WeekdayName(t.Weekday()); got != "周"+want {
			return time.Time{}, fmt.Errorf("%s：「%s（周%s）」与日历不符：%d年%s是%s。请核对通知的年份和日期。",
				name, written, want, year, written, got)
		}
	}
	return t, nil
}

// firstRuleYear is the first year whose statutory days zwgk knows: the
// 2007 revision of 《全国年节及纪念日放假办法》 applied from 2008.
const firstRuleYear = 2008

// statutoryDays is the number of statutory holidays of a year: 11 under
// the 2007 and 2013 revisions, 13 since the 2024 revision (in force 2025).
func statutoryDays(year int) int {
	if year >= 2025 {
		return 13
	}
	return 11
}

// fixedDaysOff are the statutory holidays with a fixed date in year.
func fixedDaysOff(year int) []time.Time {
	days := []time.Time{
		time.Date(year, 1, 1, 0, 0, 0, 0, shanghai()),
		time.Date(year, 5, 1, 0, 0, 0, 0, shanghai()),
		time.Date(year, 10, 1, 0, 0, 0, 0, shanghai()),
		time.Date(year, 10, 2, 0, 0, 0, 0, shanghai()),
		time.Date(year, 10, 3, 0, 0, 0, 0, shanghai()),
	}
	if year >= 2025 {
		days = append(days, time.Date(year, 5, 2, 0, 0, 0, 0, shanghai()))
	}
	return days
}

// check looks at the notice as a whole.
func (n *HolidayNotice) check() error {
	seen := map[string]string{} // date → the item listing it
	for _, h := range n.Holidays {
		for _, d := range h.Off {
			k := d.Format(time.DateOnly)
			if other, ok := seen[k]; ok {
				return fmt.Errorf("%d年%d月%d日在%s和%s中都列为放假，请核对。", d.Year(), int(d.Month()), d.Day(), other, h.Name)
			}
			seen[k] = h.Name
		}
	}
	for _, h := range n.Holidays {
		for _, d := range h.Work {
			if other, ok := seen[d.Format(time.DateOnly)]; ok {
				return fmt.Errorf("%d月%d日既列为%s放假，又列为%s上班，请核对。", int(d.Month()), d.Day(), other, h.Name)
			}
			if w := d.Weekday(); w != time.Saturday && w != time.Sunday {
				return fmt.Errorf("%s：调休上班日%d月%d日是%s，调休上班日应在周六或周日，请核对。", h.Name, int(d.Month()), d.Day(), WeekdayName(w))
			}
			if d.Year() != n.Year {
				return fmt.Errorf("%s：调休上班日%d年%d月%d日不在%d年内。请分别添加各年份的安排。", h.Name, d.Year(), int(d.Month()), d.Day(), n.Year)
			}
		}
		for _, d := range h.Off {
			if w := d.Weekday(); d.Year() != n.Year && w != time.Saturday && w != time.Sunday {
				return fmt.Errorf("%s：放假日%d年%d月%d日不在%d年内。请分别添加各年份的安排。", h.Name, d.Year(), int(d.Month()), d.Day(), n.Year)
			}
		}
	}
	have := map[string]bool{}
	for _, h := range n.Holidays {
		for _, p := range strings.Split(h.Name, "、") {
			if have[p] {
				return fmt.Errorf("%s的安排出现了两次，请核对。", p)
			}
			have[p] = true
		}
	}
	var missing []string
	for _, want := range []string{"元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"} {
		if !have[want] {
			missing = append(missing, want)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("没有找到%s的安排，请粘贴通知全文。", strings.Join(missing, "、"))
	}
	y := n.Days()
	for _, d := range fixedDaysOff(n.Year) {
		if _, ok := seen[d.Format(time.DateOnly)]; !ok {
			return fmt.Errorf("%d月%d日是法定节假日，但通知中没有列为放假，请核对。", int(d.Month()), d.Day())
		}
	}
	net := -len(y.Work)
	for _, d := range y.Off {
		if w := d.Weekday(); w != time.Saturday && w != time.Sunday {
			net++
		}
	}
	if want := statutoryDays(n.Year); net != want {
		return fmt.Errorf("全年放假的工作日减去调休上班日共%d天，%d年应为%d天（法定节假日天数），请核对是否漏贴或多贴。", net, n.Year, want)
	}
	return nil
}

func clipNotice(s string) string {
	r := []rune(s)
	if len(r) > 30 {
		return string(r[:30]) + "…"
	}
	return s
}
