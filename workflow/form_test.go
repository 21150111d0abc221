package workflow_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/workflow"
)

func TestParseDate(t *testing.T) {
	t.Parallel()
	loc := shanghai
	// 2026-11-28 01:30 in Shanghai is still 11-27 in UTC: the business day counts.
	now := time.Date(2026, 11, 27, 17, 30, 0, 0, time.UTC)
	day := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc) }
	ok := map[string]time.Time{
		"2026-11-28": day(2026, 11, 28),
		"2026/1/5":   day(2026, 1, 5),
		"2026年11月2日": day(2026, 11, 2),
		"11月28日":     day(2026, 11, 28),
		"3-1":        day(2026, 3, 1),
		"今天":         day(2026, 11, 28),
		" 昨天 ":       day(2026, 11, 27),
		"前天":         day(2026, 11, 26),
	}
	for in, want := range ok {
		got, err := workflow.ParseDate(in, now, loc)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	bad := map[string]error{
		"明天":         workflow.ErrDateFormat,
		"2026-02-30": workflow.ErrDateFormat,
		"13月1日":      workflow.ErrDateFormat,
		"hello":      workflow.ErrDateFormat,
		"":           workflow.ErrDateFormat,
		"2026-11-29": workflow.ErrDateFuture,
		"12月1日":      workflow.ErrDateFuture,
	}
	for in, want := range bad {
		if _, err := workflow.ParseDate(in, now, loc); !errors.Is(err, want) {
			t.Errorf("ParseDate(%q) error = %v, want %v", in, err, want)
		}
	}
}

func TestCheckTitleAndSummary(t *testing.T) {
	t.Parallel()
	if got, err := workflow.CheckTitle("  关于某项目环评的公示 "); err != nil || got != "关于某项目环评的公示" {
		t.Errorf("CheckTitle = %q, %v", got, err)
	}
	if _, err := workflow.CheckTitle(strings.Repeat("环", 100)); err != nil {
		t.Errorf("100 characters refused: %v", err)
	}
	if _, err := workflow.CheckTitle(strings.Repeat("环", 101)); !errors.Is(err, workflow.ErrTitleTooLong) {
		t.Errorf("101 characters: %v", err)
	}
	if _, err := workflow.CheckTitle("  "); !errors.Is(err, workflow.ErrTitleEmpty) {
		t.Errorf("blank title: %v", err)
	}
	if _, err := workflow.CheckSummary(strings.Repeat("字", 1001)); !errors.Is(err, workflow.ErrSummaryTooLong) {
		t.Errorf("1001 characters: %v", err)
	}
	if _, err := workflow.CheckSummary(""); !errors.Is(err, workflow.ErrSummaryEmpty) {
		t.Errorf("empty summary: %v", err)
	}
}

func TestSerialRoundTrip(t *testing.T) {
	t.Parallel()
	if got := workflow.FormatSerial(2026, 17); got != "公开审〔2026〕17号" {
		t.Fatalf("FormatSerial = %q", got)
	}
	for _, in := range []string{"公开审〔2026〕17号", "〔2026〕17号", "2026-17", "2026第17号", "[2026]17"} {
		y, n, ok := workflow.ParseSerial(in)
		if !ok || y != 2026 || n != 17 {
			t.Errorf("ParseSerial(%q) = %d, %d, %v", in, y, n, ok)
		}
	}
	for _, in := range []string{"", "17", "公开审", "2026-0", "abc"} {
		if _, _, ok := workflow.ParseSerial(in); ok {
			t.Errorf("ParseSerial(%q) accepted", in)
		}
	}
}

func TestSortPlatformsFollowsThePaperForm(t *testing.T) {
	t.Parallel()
	got := workflow.SortPlatforms([]workflow.Platform{workflow.PlatformSanwu, workflow.PlatformWebsite, workflow.PlatformSanwu, "其他"})
	want := []workflow.Platform{workflow.PlatformWebsite, workflow.PlatformSanwu}
	if !slices.Equal(got, want) {
		t.Fatalf("SortPlatforms = %v, want %v", got, want)
	}
}

func TestFormatDate(t *testing.T) {
	t.Parallel()
	loc := shanghai
	if got := workflow.FormatDate(time.Date(2026, 11, 27, 16, 0, 0, 0, time.UTC), loc); got != "2026年11月28日" {
		t.Fatalf("FormatDate = %q", got)
	}
}
