package workflow_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/workflow"
)

func sday(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, shanghai) }

func sat(y, m, d, hh, mm int) time.Time {
	return time.Date(y, time.Month(m), d, hh, mm, 0, 0, shanghai)
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	dec1 := sat(2026, 12, 1, 10, 0)
	// 2026-11-28 01:30 in Shanghai is still 11-27 in UTC: the business day counts.
	nov28 := time.Date(2026, 11, 27, 17, 30, 0, 0, time.UTC)
	jan5 := sat(2027, 1, 5, 9, 0)
	tests := []struct {
		name string
		in   string
		now  time.Time
		side workflow.DateSide
		want time.Time
		err  error
	}{
		{"iso", "2026-11-28", dec1, workflow.DatePast, sday(2026, 11, 28), nil},
		{"slashes_short", "2026/1/5", dec1, workflow.DatePast, sday(2026, 1, 5), nil},
		{"chinese_full", "2026年11月2日", dec1, workflow.DatePast, sday(2026, 11, 2), nil},
		{"chinese_spaced", "2026 年 11 月 2 日", dec1, workflow.DatePast, sday(2026, 11, 2), nil},
		{"full_width_digits", "２０２６－１１－２", dec1, workflow.DatePast, sday(2026, 11, 2), nil},
		{"month_day_past", "11月28日", dec1, workflow.DatePast, sday(2026, 11, 28), nil},
		{"month_day_hao", "11月28号", dec1, workflow.DatePast, sday(2026, 11, 28), nil},
		{"month_day_dash", "3-1", dec1, workflow.DatePast, sday(2026, 3, 1), nil},
		{"month_day_today_past", "12月1日", dec1, workflow.DatePast, sday(2026, 12, 1), nil},
		{"today_in_shanghai_not_utc", "今天", nov28, workflow.DatePast, sday(2026, 11, 28), nil},
		{"yesterday_trimmed", " 昨天 ", nov28, workflow.DatePast, sday(2026, 11, 27), nil},
		{"day_before_yesterday", "前天", nov28, workflow.DatePast, sday(2026, 11, 26), nil},
		{"last_december_in_january", "12月28日", jan5, workflow.DatePast, sday(2026, 12, 28), nil},
		{"month_day_ahead_this_year", "12月5日", dec1, workflow.DateAhead, sday(2026, 12, 5), nil},
		{"month_day_ahead_dec31", "12月31日", dec1, workflow.DateAhead, sday(2026, 12, 31), nil},
		{"month_day_ahead_today", "12月1日", dec1, workflow.DateAhead, sday(2026, 12, 1), nil},
		{"month_day_ahead_passed_is_next_year", "11月30日", dec1, workflow.DateAhead, sday(2027, 11, 30), nil},
		{"month_day_ahead_january", "1月10日", dec1, workflow.DateAhead, sday(2027, 1, 10), nil},
		{"tomorrow_ahead", "明天", dec1, workflow.DateAhead, sday(2026, 12, 2), nil},
		{"after_tomorrow_ahead", "后天", dec1, workflow.DateAhead, sday(2026, 12, 3), nil},
		{"iso_ahead_next_year", "2027-01-01", dec1, workflow.DateAhead, sday(2027, 1, 1), nil},
		{"leap_day_ahead", "2月29日", sat(2027, 12, 1, 9, 0), workflow.DateAhead, sday(2028, 2, 29), nil},

		{"tomorrow_is_future", "明天", dec1, workflow.DatePast, sday(2026, 12, 2), workflow.ErrDateFuture},
		{"after_tomorrow_is_future", "后天", dec1, workflow.DatePast, sday(2026, 12, 3), workflow.ErrDateFuture},
		{"iso_future", "2026-12-02", dec1, workflow.DatePast, sday(2026, 12, 2), workflow.ErrDateFuture},
		{"month_day_soon_is_future", "12月5日", dec1, workflow.DatePast, sday(2026, 12, 5), workflow.ErrDateFuture},
		{"month_day_future_not_last_year", "12月1日", nov28, workflow.DatePast, sday(2026, 12, 1), workflow.ErrDateFuture},
		{"yesterday_is_past_for_deadline", "昨天", dec1, workflow.DateAhead, sday(2026, 11, 30), workflow.ErrDatePast},
		{"iso_past_for_deadline", "2026-11-30", dec1, workflow.DateAhead, sday(2026, 11, 30), workflow.ErrDatePast},
		{"no_feb_30", "2026-02-30", dec1, workflow.DatePast, time.Time{}, workflow.ErrDateFormat},
		{"no_feb_29_in_common_year", "2月29日", dec1, workflow.DatePast, time.Time{}, workflow.ErrDateFormat},
		{"no_month_13", "13月1日", dec1, workflow.DatePast, time.Time{}, workflow.ErrDateFormat},
		{"year_nobody_means", "1999-01-01", dec1, workflow.DatePast, time.Time{}, workflow.ErrDateFormat},
		{"words", "下周一", dec1, workflow.DatePast, time.Time{}, workflow.ErrDateFormat},
		{"latin", "hello", dec1, workflow.DatePast, time.Time{}, workflow.ErrDateFormat},
		{"empty", "", dec1, workflow.DateAhead, time.Time{}, workflow.ErrDateFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := workflow.ParseDate(tt.in, tt.now, shanghai, tt.side)
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Fatalf("ParseDate(%q) error = %v, want %v", tt.in, err, tt.err)
			}
			if !got.Equal(tt.want) {
				t.Fatalf("ParseDate(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseDateTime(t *testing.T) {
	t.Parallel()
	now := sat(2026, 12, 1, 10, 0)
	tests := []struct {
		name string
		in   string
		now  time.Time // zero: 2026-12-01 10:00
		day  time.Time
		want time.Time
		err  error
	}{
		{"now", "现在", time.Time{}, time.Time{}, now, nil},
		{"iso_space", "2026-11-28 09:30", time.Time{}, time.Time{}, sat(2026, 11, 28, 9, 30), nil},
		{"iso_t", "2026-11-28T09:30", time.Time{}, time.Time{}, sat(2026, 11, 28, 9, 30), nil},
		{"iso_seconds", "2026-11-28 09:30:15", time.Time{}, time.Time{}, sat(2026, 11, 28, 9, 30), nil},
		{"iso_no_space", "2026-11-2809:30", time.Time{}, time.Time{}, sat(2026, 11, 28, 9, 30), nil},
		{"month_day_space", "12月1日 9:30", time.Time{}, time.Time{}, sat(2026, 12, 1, 9, 30), nil},
		{"month_day_no_space", "12月1日9:30", time.Time{}, time.Time{}, sat(2026, 12, 1, 9, 30), nil},
		{"full_chinese", "2026年12月1日9点30分", time.Time{}, time.Time{}, sat(2026, 12, 1, 9, 30), nil},
		{"shi_fen", "2026年11月30日 15时5分", time.Time{}, time.Time{}, sat(2026, 11, 30, 15, 5), nil},
		{"dian_ban", "昨天9点半", time.Time{}, time.Time{}, sat(2026, 11, 30, 9, 30), nil},
		{"afternoon", "昨天下午3点", time.Time{}, time.Time{}, sat(2026, 11, 30, 15, 0), nil},
		{"noon_one", "昨天中午1点", time.Time{}, time.Time{}, sat(2026, 11, 30, 13, 0), nil},
		{"full_width_colon", "11月30日 ０９：３０", time.Time{}, time.Time{}, sat(2026, 11, 30, 9, 30), nil},
		{"time_alone_today", "8:05", time.Time{}, time.Time{}, sat(2026, 12, 1, 8, 5), nil},
		{"time_alone_on_day", "9:30", time.Time{}, sday(2026, 11, 30), sat(2026, 11, 30, 9, 30), nil},
		{"last_december_in_january", "12月31日 16:00", sat(2027, 1, 2, 9, 0), time.Time{}, sat(2026, 12, 31, 16, 0), nil},

		{"date_without_time", "昨天", time.Time{}, time.Time{}, sday(2026, 11, 30), workflow.ErrTimeMissing},
		{"iso_without_time", "2026-11-28", time.Time{}, time.Time{}, sday(2026, 11, 28), workflow.ErrTimeMissing},
		{"next_year", "2027-01-01 09:00", time.Time{}, time.Time{}, time.Time{}, workflow.ErrMomentFuture},
		{"later_today", "12月1日 10:01", time.Time{}, time.Time{}, time.Time{}, workflow.ErrMomentFuture},
		{"tomorrow_without_time", "明天", time.Time{}, time.Time{}, time.Time{}, workflow.ErrMomentFuture},
		{"hour_25", "昨天 25:00", time.Time{}, time.Time{}, time.Time{}, workflow.ErrTimeFormat},
		{"minute_60", "昨天 9:60", time.Time{}, time.Time{}, time.Time{}, workflow.ErrTimeFormat},
		{"morning_15", "昨天上午15点", time.Time{}, time.Time{}, time.Time{}, workflow.ErrTimeFormat},
		{"no_feb_30", "2026-02-30 09:00", time.Time{}, time.Time{}, time.Time{}, workflow.ErrDateFormat},
		{"words", "刚才", time.Time{}, time.Time{}, time.Time{}, workflow.ErrDateFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n := now
			if !tt.now.IsZero() {
				n = tt.now
			}
			got, err := workflow.ParseDateTime(tt.in, n, shanghai, tt.day)
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Fatalf("ParseDateTime(%q) error = %v, want %v", tt.in, err, tt.err)
			}
			if !got.Equal(tt.want) {
				t.Fatalf("ParseDateTime(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestMoreThanAYearAgo(t *testing.T) {
	t.Parallel()
	now := sat(2026, 12, 1, 10, 0)
	tests := []struct {
		name string
		d    time.Time
		want bool
	}{
		{"yesterday", sday(2026, 11, 30), false},
		{"a_year_ago_to_the_day", sday(2025, 12, 1), false},
		{"a_year_and_a_day_ago", sday(2025, 11, 30), true},
		{"two_years_ago", sday(2024, 12, 1), true},
		{"shanghai_day_not_utc", time.Date(2025, 11, 30, 16, 30, 0, 0, time.UTC), false}, // 2025-12-01 00:30 in Shanghai
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := workflow.MoreThanAYearAgo(tt.d, now, shanghai); got != tt.want {
				t.Fatalf("MoreThanAYearAgo(%v) = %v, want %v", tt.d, got, tt.want)
			}
		})
	}
}

func TestFormatDate(t *testing.T) {
	t.Parallel()
	if got := workflow.FormatDate(time.Date(2026, 11, 27, 16, 0, 0, 0, time.UTC), shanghai); got != "2026年11月28日" {
		t.Fatalf("FormatDate = %q", got)
	}
	if got := workflow.FormatDateTime(time.Date(2026, 11, 27, 16, 5, 0, 0, time.UTC), shanghai); got != "2026年11月28日 00:05" {
		t.Fatalf("FormatDateTime = %q", got)
	}
}

// A date typed right that the calendar lacks is answered as not existing,
// with the year it was read in; anything else not read keeps the caller's
// words.
func TestDateRefusal(t *testing.T) {
	t.Parallel()
	dec1 := sat(2026, 12, 1, 10, 0)
	const notRead = "没有识别出日期。"
	for in, want := range map[string]string{
		"2026年2月30日":      "2026年2月30日不存在，请核对。",
		"2026-02-30":      "2026年2月30日不存在，请核对。",
		"2月29日":           "2026年2月29日不存在，请核对。",
		"2026-04-31":      "2026年4月31日不存在，请核对。",
		"13月1日":           "13月1日不存在，请核对。",
		"2026-13-01":      "2026年13月1日不存在，请核对。",
		"2026-02-30 9:30": "2026年2月30日不存在，请核对。",
		"1999-01-01":      notRead,
		"下周一":             notRead,
	} {
		_, err := workflow.ParseDate(in, dec1, shanghai, workflow.DatePast)
		if strings.Contains(in, ":") {
			_, err = workflow.ParseDateTime(in, dec1, shanghai, time.Time{})
		}
		if !errors.Is(err, workflow.ErrDateFormat) {
			t.Errorf("%q: error %v, want one that is ErrDateFormat", in, err)
		}
		if got := workflow.DateRefusal(err, notRead); got != want {
			t.Errorf("DateRefusal(%q) = %q, want %q", in, got, want)
		}
	}
}
