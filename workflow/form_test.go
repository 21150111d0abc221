package workflow_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/zwgk-bot/zwgk/workflow"
)

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
