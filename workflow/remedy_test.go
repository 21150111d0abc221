package workflow

import (
	"strings"
	"testing"
	"time"
)

func TestRemedyDays(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, loc) }
	received, today := day(3, 2), day(12, 1)
	for _, c := range []struct {
		kind  string
		filed time.Time
		want  string // in the error; empty: none
	}{
		{Review, day(3, 2), ""},
		{Review, today, ""},
		{Review, day(3, 1), "申请复议日期2026年3月1日早于收到申请日期（2026年3月2日）"},
		{SuitDirect, day(12, 2), "起诉日期2026年12月2日晚于今天"},
	} {
		err := CheckRemedyFiled(c.kind, c.filed, received, today, loc)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("filed %s %v: %v, want %q", c.kind, c.filed, err, c.want)
		}
	}
	filed := day(4, 1)
	for _, c := range []struct {
		kind    string
		decided time.Time
		want    string
	}{
		{Review, filed, ""},
		{SuitAfterReview, day(3, 31), "裁判日期2026年3月31日早于起诉日期（2026年4月1日）"},
		{Review, day(12, 2), "复议决定日期2026年12月2日晚于今天"},
	} {
		err := CheckRemedyDecided(c.kind, c.decided, filed, today, loc)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("decided %s %v: %v, want %q", c.kind, c.decided, err, c.want)
		}
	}
	for in, want := range map[string]string{"复议": Review, "suit_direct": SuitDirect, "复议后起诉": SuitAfterReview, "诉讼": "", "行政诉讼": "", "上访": ""} {
		got, err := ParseRemedyKind(in)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("ParseRemedyKind(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// A 复议后起诉 follows a recorded 复议 of the application, brought on or
// before the suit's day.
func TestSuitAfterReview(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, loc) }
	for _, c := range []struct {
		filed   time.Time
		reviews []time.Time
		want    string // in the error; empty: none
	}{
		{day(6, 1), nil, "尚未登记该申请的行政复议"},
		{day(6, 1), []time.Time{day(5, 1)}, ""},
		{day(6, 1), []time.Time{day(6, 1)}, ""},
		{day(6, 1), []time.Time{day(8, 1), day(7, 2)}, "起诉日期2026年6月1日早于该申请的行政复议（2026年7月2日申请）"},
		{day(6, 1), []time.Time{day(8, 1), day(3, 2)}, ""},
	} {
		err := CheckSuitAfterReview(c.filed, c.reviews, loc)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("suit on %v after %v: %v, want %q", c.filed, c.reviews, err, c.want)
		}
	}
}
