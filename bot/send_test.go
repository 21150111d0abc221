package bot_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/zwgk-bot/zwgk/bot"
)

// checkSplit checks SplitText's contract: parts of at most max bytes,
// none empty unless the input is, whose concatenation is the input, and
// each valid UTF-8 when the input is.
func checkSplit(t *testing.T, s string, max int, parts []string) {
	t.Helper()
	if len(parts) == 0 {
		t.Fatalf("SplitText(%d bytes, %d) returned no parts", len(s), max)
	}
	if got := strings.Join(parts, ""); got != s {
		t.Fatalf("SplitText(%d bytes, %d): parts join to %d bytes, not the input", len(s), max, len(got))
	}
	for i, p := range parts {
		if len(p) > max {
			t.Errorf("part %d of %d is %d bytes, over %d", i, len(parts), len(p), max)
		}
		if p == "" && s != "" {
			t.Errorf("part %d of %d is empty", i, len(parts))
		}
		if utf8.ValidString(s) && !utf8.ValidString(p) {
			t.Errorf("part %d of %d is not valid UTF-8: cut inside a character", i, len(parts))
		}
	}
}

func TestSplitTextCutsLongTextIntoValidParts(t *testing.T) {
	t.Parallel()
	for name, s := range map[string]string{
		"ASCII":                    strings.Repeat("abcdefghij", 500),
		"Chinese, 3-byte runes":    strings.Repeat("政务公开申请审批", 300),
		"Chinese shifted by one":   "x" + strings.Repeat("政务公开申请审批", 300),
		"Chinese shifted by two":   "xy" + strings.Repeat("政务公开申请审批", 300),
		"4-byte runes":             strings.Repeat("😀", 1500),
		"mixed with short lines":   strings.Repeat("第一条：政务公开。\nline two\n", 250),
		"one newline at the start": "\n" + strings.Repeat("审", 2000),
	} {
		parts := bot.SplitText(s, bot.MaxTextBytes)
		if len(s) <= bot.MaxTextBytes {
			t.Fatalf("%s: test input of %d bytes is not over the limit", name, len(s))
		}
		if len(parts) < 2 {
			t.Errorf("%s: %d bytes gave %d part", name, len(s), len(parts))
		}
		t.Run(name, func(t *testing.T) { checkSplit(t, s, bot.MaxTextBytes, parts) })
	}
}

func TestSplitTextFillsPartsWhenNoNewline(t *testing.T) {
	t.Parallel()
	parts := bot.SplitText(strings.Repeat("a", 5000), bot.MaxTextBytes)
	if len(parts) != 3 || len(parts[0]) != 2048 || len(parts[1]) != 2048 || len(parts[2]) != 904 {
		t.Errorf("5000 ASCII bytes split into parts of %v bytes, want [2048 2048 904]", lens(parts))
	}
	// 2048 = 682×3 + 2: the first cut backs off to the last whole rune.
	parts = bot.SplitText(strings.Repeat("审", 1000), bot.MaxTextBytes)
	if len(parts) != 2 || len(parts[0]) != 2046 {
		t.Errorf("3000 bytes of Chinese split into parts of %v bytes, want [2046 954]", lens(parts))
	}
}

func TestSplitTextPrefersCuttingAfterNewline(t *testing.T) {
	t.Parallel()
	line := strings.Repeat("x", 99) + "\n" // 100 bytes
	s := strings.Repeat(line, 50)
	parts := bot.SplitText(s, bot.MaxTextBytes)
	checkSplit(t, s, bot.MaxTextBytes, parts)
	for i, p := range parts[:len(parts)-1] {
		if !strings.HasSuffix(p, "\n") {
			t.Errorf("part %d does not end at a newline: …%q", i, p[max(0, len(p)-10):])
		}
	}
	if len(parts[0]) != 2000 {
		t.Errorf("first part is %d bytes, want 2000 (20 whole lines)", len(parts[0]))
	}

	// Chinese lines: the cut still lands after the newline.
	cn := strings.Repeat(strings.Repeat("审", 33)+"\n", 40) // 100 bytes a line
	parts = bot.SplitText(cn, bot.MaxTextBytes)
	checkSplit(t, cn, bot.MaxTextBytes, parts)
	if !strings.HasSuffix(parts[0], "\n") || len(parts[0]) != 2000 {
		t.Errorf("first Chinese part is %d bytes ending %q, want 2000 ending in a newline", len(parts[0]), parts[0][len(parts[0])-1:])
	}
}

func TestSplitTextIgnoresNewlineInFirstHalf(t *testing.T) {
	t.Parallel()
	// Cutting after an early newline would make a tiny part.
	s := "标题\n" + strings.Repeat("b", 4000)
	parts := bot.SplitText(s, bot.MaxTextBytes)
	checkSplit(t, s, bot.MaxTextBytes, parts)
	if len(parts[0]) != bot.MaxTextBytes {
		t.Errorf("first part is %d bytes, want %d", len(parts[0]), bot.MaxTextBytes)
	}
}

func TestSplitTextKeepsShortTextWhole(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"你好", "a\nb", strings.Repeat("审", 682) + "ab"} { // the last is exactly 2048 bytes
		if parts := bot.SplitText(s, bot.MaxTextBytes); len(parts) != 1 || parts[0] != s {
			t.Errorf("SplitText(%d bytes) = %d parts, want the input as one", len(s), len(parts))
		}
	}
}

func TestSplitTextOfEmptyIsOneEmptyPart(t *testing.T) {
	t.Parallel()
	if parts := bot.SplitText("", bot.MaxTextBytes); len(parts) != 1 || parts[0] != "" {
		t.Errorf("SplitText(\"\") = %q, want one empty part", parts)
	}
}

func TestSplitTextHoldsForEveryLimit(t *testing.T) {
	t.Parallel()
	s := "政务 open\n公开😀申请\n\nab审批c" + strings.Repeat("é—x", 20)
	for limit := 1; limit <= len(s)+1; limit++ {
		parts := bot.SplitText(s, limit)
		// Below utf8.UTFMax the limit is raised so a rune always fits.
		checkSplit(t, s, max(limit, utf8.UTFMax), parts)
	}
}

func TestSplitTextTerminatesOnInvalidUTF8(t *testing.T) {
	t.Parallel()
	for name, s := range map[string]string{
		"continuation bytes only":         strings.Repeat("\x80", 5000),
		"ASCII then continuation bytes":   "a" + strings.Repeat("\xbf", 5000),
		"truncated runes":                 strings.Repeat("\xe5\xae", 3000),
		"valid text with one stray byte":  strings.Repeat("审", 700) + "\x80" + strings.Repeat("批", 700),
		"small limit, continuation bytes": strings.Repeat("\x80", 10),
	} {
		limit := bot.MaxTextBytes
		if len(s) < 100 {
			limit = 4
		}
		done := make(chan []string, 1)
		go func() { done <- bot.SplitText(s, limit) }()
		select {
		case parts := <-done:
			t.Run(name, func(t *testing.T) { checkSplit(t, s, limit, parts) })
		case <-time.After(5 * time.Second):
			// A runaway loop appends empty parts without bound; stop the
			// binary before it takes the machine's memory.
			panic("SplitText did not return on " + name)
		}
	}
}

func lens(parts []string) []int {
	n := make([]int, len(parts))
	for i, p := range parts {
		n[i] = len(p)
	}
	return n
}
