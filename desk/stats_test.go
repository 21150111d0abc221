package desk

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func TestParsePeriod(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, loc)
	d := &Desk{Location: loc, Now: func() time.Time { return now }}
	day := func(y int, m time.Month, dd int) time.Time { return time.Date(y, m, dd, 0, 0, 0, 0, loc) }
	for _, c := range []struct {
		query       string
		first, last time.Time
		unit, words string
	}{
		{"", day(2026, 12, 1), day(2026, 12, 31), "day", "本月（2026年12月1日至2026年12月31日）"},
		{"period=month&month=2026-02", day(2026, 2, 1), day(2026, 2, 28), "day", "2026年2月（2026年2月1日至2026年2月28日）"},
		{"period=year&year=2025", day(2025, 1, 1), day(2025, 12, 31), "month", "2025年（2025年1月1日至2025年12月31日）"},
		{"period=year&year=2024年", day(2024, 1, 1), day(2024, 12, 31), "month", "2024年（2024年1月1日至2024年12月31日）"},
		{"period=range&from=2026-11-20&to=2026-12-01", day(2026, 11, 20), day(2026, 12, 1), "month", "2026年11月20日至2026年12月1日"},
		{"period=range&from=2026-11-20&to=2026-11-20", day(2026, 11, 20), day(2026, 11, 20), "day", "2026年11月20日至2026年11月20日"},
		// Fields the period does not use are not read.
		{"period=year&year=2026&month=bad&from=x", day(2026, 1, 1), day(2026, 12, 31), "month", "2026年（2026年1月1日至2026年12月31日）"},
	} {
		q, _ := url.ParseQuery(c.query)
		p, field, fix := d.parsePeriod(q)
		if field != "" {
			t.Errorf("%q: refused: 「%s」%s", c.query, field, fix)
			continue
		}
		if !p.first.Equal(c.first) || !p.last.Equal(c.last) || p.unit() != c.unit || d.words(p) != c.words {
			t.Errorf("%q = %v to %v per %s, %q; want %v to %v per %s, %q", c.query, p.first, p.last, p.unit(), d.words(p), c.first, c.last, c.unit, c.words)
		}
		if from, to := p.bounds(); !to.Equal(c.last.AddDate(0, 0, 1)) || !from.Equal(c.first) {
			t.Errorf("%q: bounds %v, %v", c.query, from, to)
		}
		// The export's link asks for the same period.
		q2, _ := url.ParseQuery(p.query())
		if p2, f2, _ := d.parsePeriod(q2); f2 != "" || !p2.first.Equal(p.first) || !p2.last.Equal(p.last) {
			t.Errorf("%q: the export's query %q reads as %v to %v (%s)", c.query, p.query(), p2.first, p2.last, f2)
		}
	}
	for query, field := range map[string]string{
		"period=week": "统计期间", "period=month": "月份", "period=month&month=2026-13": "月份", "period=month&month=2027-01": "月份",
		"period=month&month=2018-12": "月份", "period=year&year=2018": "年份", "period=year&year=2027": "年份", "period=year&year=abc": "年份",
		"period=range&to=2026-01-01": "起始日期", "period=range&from=2026-01-01": "截止日期", "period=range&from=2026-02-30&to=2026-03-01": "起始日期",
		"period=range&from=2026-03-02&to=2026-03-01": "日期范围",
	} {
		q, _ := url.ParseQuery(query)
		if _, got, fix := d.parsePeriod(q); got != field {
			t.Errorf("%q: field %q (%s), want %q", query, got, fix, field)
		}
	}
}

// A day of the range that cannot be counted says why, with its year.
func TestParsePeriodSaysWhatIsWrong(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, loc)
	d := &Desk{Location: loc, Now: func() time.Time { return now }}
	for query, want := range map[string]string{
		"period=range&from=2026-02-30&to=2026-03-01": "「起始日期」2026年2月30日不存在，请核对。",
		"period=range&from=2026-13-01&to=2026-03-01": "「起始日期」2026年13月1日不存在，请核对。",
		"period=range&from=2018-12-31&to=2019-01-05": "「起始日期」2018年12月31日早于2019年，统计自2019年1月1日起。",
		"period=range&from=2026-12-02&to=2026-12-31": "「起始日期」2026年12月2日晚于今天（2026年12月1日），尚无数据，请改为今天或以前的日期。",
		"period=range&from=2026-11-01&to=x":          "「截止日期」应为日期，如 2026-12-01。",
		"period=range&from=2026-03-02&to=2026-03-01": "「日期范围」截止日期2026年3月1日早于起始日期2026年3月2日，请调换。",
		"period=range&from=2025-01-01&to=2026-01-01": "「日期范围」2025年1月1日至2026年1月1日超过一年。日期范围最长一年，请缩短，或按年份统计。",
		"period=month&month=2026-13":                 "「月份」2026年13月不存在，请核对。",
	} {
		q, _ := url.ParseQuery(query)
		if _, field, fix := d.parsePeriod(q); "「"+field+"」"+fix != want {
			t.Errorf("%q: 「%s」%s, want %s", query, field, fix, want)
		}
	}
	// A year to the day is allowed, and so is an end still to come (the
	// page's own default for a range is this month's last day).
	for _, query := range []string{"period=range&from=2025-01-01&to=2025-12-31", "period=range&from=2026-12-01&to=2026-12-31"} {
		q, _ := url.ParseQuery(query)
		if _, field, fix := d.parsePeriod(q); field != "" {
			t.Errorf("%q refused: 「%s」%s", query, field, fix)
		}
	}
}

// The steps stop at today: a day still to come is not a day without
// orders.
func TestStepsStopAtToday(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, loc)
	d := &Desk{Location: loc, Now: func() time.Time { return now }}
	for query, want := range map[string][]string{
		"":                           {"2026年12月1日", "2026年12月2日", "2026年12月3日"},
		"period=year&year=2026":      {"2026年1月", "2026年2月", "2026年3月", "2026年4月", "2026年5月", "2026年6月", "2026年7月", "2026年8月", "2026年9月", "2026年10月", "2026年11月", "2026年12月"},
		"period=month&month=2026-11": nil, // the whole month: 30 days
	} {
		q, _ := url.ParseQuery(query)
		p, field, _ := d.parsePeriod(q)
		if field != "" {
			t.Fatalf("%q refused", query)
		}
		tb := d.stepsTable(p, nil)
		var got []string
		for _, r := range tb.Rows {
			got = append(got, r[0].Text)
		}
		if want == nil {
			if len(got) != 30 || tb.Note != "" {
				t.Errorf("%q: %d rows, note %q; want November's 30 and no note", query, len(got), tb.Note)
			}
			continue
		}
		if strings.Join(got, " ") != strings.Join(want, " ") || len(tb.Chart.X) != len(want) || !strings.Contains(tb.Note, "2026年12月3日") {
			t.Errorf("%q: rows %v (chart %d), note %q; want %v", query, got, len(tb.Chart.X), tb.Note, want)
		}
	}
}

func TestRFC5987(t *testing.T) {
	got := rfc5987("政务公开统计（2026年1月1日）a-b.xlsx 'x'")
	if strings.ContainsAny(got, " '()") || !strings.HasPrefix(got, "%E6%94%BF") || !strings.HasSuffix(got, "a-b.xlsx%20%27x%27") {
		t.Errorf("rfc5987 = %s", got)
	}
	if u, err := url.PathUnescape(got); err != nil || u != "政务公开统计（2026年1月1日）a-b.xlsx 'x'" {
		t.Errorf("rfc5987 does not decode back: %q %v", u, err)
	}
}

// The workbook stores counts and hours as numbers and rates as shares
// formatted as percentages; a rate of nothing is the page's dash.
func TestWorkbookCells(t *testing.T) {
	secs := []section{{Tables: []table{{Title: "表", Sheet: "测试表", Columns: []string{"股室", "受理（件）", "处理率", "用时（小时）"},
		Rows: [][]cell{{textCell("综合一股"), numCell(7), rateCell(3, 8), hoursCell(90 * time.Minute)}, {textCell("综合二股"), numCell(0), rateCell(0, 0), hoursCell(0)}},
		Note: "说明"}}}}
	var buf bytes.Buffer
	if err := writeWorkbook(&buf, secs, "2026年1月1日至2026年1月31日"); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for ref, want := range map[string]string{"A1": "表（2026年1月1日至2026年1月31日）", "C2": "处理率", "A3": "综合一股", "B3": "7", "C3": "37.5%", "D3": "1.5", "C4": "—", "A6": "说明"} {
		if got, _ := f.GetCellValue("测试表", ref); got != want {
			t.Errorf("%s = %q, want %q", ref, got, want)
		}
	}
	for ref, want := range map[string]string{"B3": "7", "C3": "0.375", "D3": "1.5"} {
		if got, _ := f.GetCellValue("测试表", ref, excelize.Options{RawCellValue: true}); got != want {
			t.Errorf("%s raw = %q, want %q", ref, got, want)
		}
	}
}
