package app

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCalendarFileAndTheEndOfCalendarWarning(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("2028.yaml", `years:
  2028:
    off: ["2028-01-01", "2028-02-10..2028-02-20", "2028-05-01..2028-05-05", "2028-10-01..2028-10-08"]
`)
	bad := write("bad.yaml", "years:\n  2028:\n    off: [\"2028-13-01\"]\n")

	warned := func(path string) string {
		t.Helper()
		cal, err := LoadCalendar(path)
		if err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		warnCalendar(slog.New(slog.NewTextHandler(&logs, nil)), cal, time.Date(2027, 11, 28, 12, 0, 0, 0, BusinessLocation()))
		return logs.String()
	}
	if l := warned(""); !strings.Contains(l, "working-day calendar ends soon") || !strings.Contains(l, "covered_until=2027-12-31") || !strings.Contains(l, "日历 添加") {
		t.Errorf("the embedded calendar ending in 33 days gave no warning: %q", l)
	}
	if l := warned(good); l != "" {
		t.Errorf("a calendar with 2028 warned: %q", l)
	}
	for _, p := range []string{bad, filepath.Join(dir, "missing.yaml")} {
		if _, err := LoadCalendar(p); err == nil || !strings.Contains(err.Error(), "CALENDAR_FILE") {
			t.Errorf("LoadCalendar(%s) = %v, want an error naming CALENDAR_FILE", filepath.Base(p), err)
		}
	}
}
