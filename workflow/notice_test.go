package workflow_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/workflow"
)

// notice2025 is the body of 国办发明电〔2024〕12号 as published.
const notice2025 = `一、元旦：1月1日（周三）放假1天，不调休。
二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。
三、清明节：4月4日（周五）至6日（周日）放假，共3天。
四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。
五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。
六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。`

func readNotice(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A parsed notice gives, day for day, the calendar of its year: the
// embedded years must equal the embedded data, 2024 (before the embedded
// data) the 2023 notice as lunar-go has it.
func TestParsedNoticesAgreeWithTheCalendarEveryDay(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, text string
		year       int // given by the caller; 0 = from the title
		want       int // the notice's year
	}{
		{"2024_title", readNotice(t, "notice-2024.txt"), 0, 2024},
		{"2025_body_only_year_given", notice2025, 2025, 2025},
		{"2026_title", readNotice(t, "notice-2026.txt"), 0, 2026},
		{"2027_title_and_given", readNotice(t, "notice-2027.txt"), 2027, 2027},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, err := workflow.ParseHolidayNotice(tt.text, tt.year)
			if err != nil {
				t.Fatalf("ParseHolidayNotice: %v", err)
			}
			if n.Year != tt.want {
				t.Fatalf("year = %d, want %d", n.Year, tt.want)
			}
			got, err := workflow.BuildCalendar(workflow.CalendarSources{Years: []workflow.NoticeYear{n.Days()}})
			if err != nil {
				t.Fatalf("BuildCalendar with the notice: %v", err)
			}
			if got.Coverage()[0].Year > tt.want || got.Coverage()[len(got.Coverage())-1].Year < tt.want {
				t.Fatalf("coverage %v lacks %d", got.Years(), tt.want)
			}
			var src workflow.YearSource
			for _, s := range got.Coverage() {
				if s.Year == tt.want {
					src = s
				}
			}
			if src.Source != workflow.SourceOffice {
				t.Errorf("source of %d = %q, want office", tt.want, src.Source)
			}
			for d := time.Date(tt.want, 1, 1, 12, 0, 0, 0, shanghai); d.Year() == tt.want; d = d.AddDate(0, 0, 1) {
				w, err := got.IsWorkingDay(d)
				if err != nil {
					t.Fatal(err)
				}
				if want := referenceWorking(t, d); w != want {
					t.Errorf("%s (%s): working = %v, want %v", d.Format(time.DateOnly), d.Weekday(), w, want)
				}
			}
		})
	}
}

// referenceWorking is whether d is a working day by the embedded data, or
// for 2024 by the 2023 notice (国办发明电〔2023〕7号) written out by hand.
func referenceWorking(t *testing.T, d time.Time) bool {
	t.Helper()
	if d.Year() != 2024 {
		w, err := workflow.DefaultCalendar().IsWorkingDay(d)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	s := d.Format(time.DateOnly)
	for _, w := range []string{"2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11", "2024-09-14", "2024-09-29", "2024-10-12"} {
		if s == w {
			return true
		}
	}
	for _, r := range [][2]string{{"2024-01-01", "2024-01-01"}, {"2024-02-10", "2024-02-17"}, {"2024-04-04", "2024-04-06"},
		{"2024-05-01", "2024-05-05"}, {"2024-06-10", "2024-06-10"}, {"2024-09-15", "2024-09-17"}, {"2024-10-01", "2024-10-07"}} {
		if s >= r[0] && s <= r[1] {
			return false
		}
	}
	return d.Weekday() != time.Saturday && d.Weekday() != time.Sunday
}

func TestParsedNoticeItems(t *testing.T) {
	t.Parallel()
	n, err := workflow.ParseHolidayNotice(readNotice(t, "notice-2027.txt"), 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range n.Holidays {
		got = append(got, h.Name+"："+h.Describe())
	}
	want := []string{
		"元旦：1月1日（周五）至1月3日（周日）放假，共3天",
		"春节：2月5日（周五）至2月13日（周六）放假，共9天；1月31日（周日）、2月14日（周日）上班",
		"清明节：4月3日（周六）至4月5日（周一）放假，共3天",
		"劳动节：5月1日（周六）至5月5日（周三）放假，共5天；5月8日（周六）上班",
		"端午节：6月9日（周三）放假，共1天",
		"中秋节：9月15日（周三）放假，共1天",
		"国庆节：10月1日（周五）至10月7日（周四）放假，共7天；9月26日（周日）、10月9日（周六）上班",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("items:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	days := n.Days()
	if len(days.Off) != 29 || len(days.Work) != 5 {
		t.Errorf("days off %d, make-up days %d; want 29 and 5", len(days.Off), len(days.Work))
	}
}

// Every bad paste is refused with a sentence that names what to check.
func TestBadNoticesAreRefusedPrecisely(t *testing.T) {
	t.Parallel()
	good := readNotice(t, "notice-2027.txt")
	body := good[strings.Index(good, "一、元旦"):]
	tests := []struct {
		name string
		text string
		year int
		want string
	}{
		{"title_of_another_year", good, 2028, "通知标题是2027年的节假日安排，与您指定的2028年不一致"},
		{"body_of_2027_given_as_2028", body, 2028, "元旦：「1月1日（周五）」与日历不符：2028年1月1日是周六"},
		{"no_year", strings.ReplaceAll(body, "2027年", ""), 0, workflow.ErrNoticeYear.Error()},
		{"date_that_does_not_exist", strings.Replace(good, "2月14日（周日）上班", "2月30日（周日）上班", 1), 0, "春节：「2月30日」不是有效日期"},
		{"day_both_off_and_on", strings.Replace(good, "放假，共3天。\n二", "放假，共3天。1月2日（周六）上班。\n二", 1), 0, "1月2日既列为元旦放假，又列为元旦上班"},
		{"make_up_day_on_a_weekday", strings.Replace(good, "5月8日（周六）上班", "5月7日（周五）上班", 1), 0, "劳动节：调休上班日5月7日是周五，调休上班日应在周六或周日"},
		{"stated_length_wrong", strings.Replace(good, "共9天", "共8天", 1), 0, "春节：通知写明共8天，但2月5日（周五）至2月13日（周六）是9天"},
		{"holiday_missing", strings.Replace(good, "五、端午节：6月9日（周三）放假，共1天。\n", "", 1), 0, "没有找到端午节的安排"},
		{"garbled_sentence", strings.Replace(good, "5月8日（周六）上班", "5月8日（周六）补班", 1), 0, "劳动节：没有读懂「5月8日(周六)补班」"},
		{"make_up_day_dropped", strings.Replace(good, "9月26日（周日）、", "", 1), 0, "全年放假的工作日减去调休上班日共14天，2027年应为13天"},
		{"fixed_holiday_missing", strings.Replace(good, "10月1日（周五）至7日（周四）放假调休，共7天", "10月4日（周一）至7日（周四）放假调休，共4天", 1), 0, "10月1日是法定节假日，但通知中没有列为放假"},
		{"nothing_recognisable", "今年春节放假九天，具体请看通知。", 2027, "没有识别出节假日安排"},
		{"holiday_twice", good + "\n二、春节：2月5日（周五）至13日（周六）放假调休，共9天。", 0, "2027年2月5日在春节和春节中都列为放假"},
		{"year_out_of_range", body, 1999, "年份1999不在可添加的范围内"},
		{"weekday_of_range_end_wrong", strings.Replace(good, "至13日（农历正月初七、周六）", "至13日（农历正月初七、周日）", 1), 0, "春节：「2月13日（周日）」与日历不符：2027年2月13日是周六"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, err := workflow.ParseHolidayNotice(tt.text, tt.year)
			if err == nil {
				t.Fatalf("accepted: %+v", n)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tt.want)
			}
			if tt.want == workflow.ErrNoticeYear.Error() && !errors.Is(err, workflow.ErrNoticeYear) {
				t.Errorf("error %v is not ErrNoticeYear", err)
			}
		})
	}
}

// Chat spellings: full-width digits, 星期, spaces, an item without 一、.
func TestNoticeSpellings(t *testing.T) {
	t.Parallel()
	text := "2027年节假日安排：元旦：１月１日（星期五）至３日（星期日）放假，共３天。\n" +
		"春节： 2月5日 至 13日 放假调休，共9天。1月31日（星期天）、2月14日（周日）上班。\n" +
		"清明节：4月3日至5日放假，共3天。劳动节：5月1日至5日放假调休，共5天。5月8日（周六）上班。\n" +
		"端午节：6月9日放假。中秋节：9月15日放假。国庆节：10月1日至7日放假调休，共7天。9月26日（周日）、10月9日（周六）上班。"
	n, err := workflow.ParseHolidayNotice(text, 0)
	if err != nil {
		t.Fatalf("ParseHolidayNotice: %v", err)
	}
	if n.Year != 2027 || len(n.Holidays) != 7 || len(n.Days().Work) != 5 {
		t.Errorf("got year %d, %d holidays, %d make-up days", n.Year, len(n.Holidays), len(n.Days().Work))
	}
}
