package textfit

import (
	"strings"
	"testing"
)

func TestWrapKeepsLatinRunsWhole(t *testing.T) {
	// 8 em a line: after 一二三, （PM2.5）， (6.5 em) does not fit and goes
	// down whole with its brackets and comma; 四 follows it there.
	lines := Wrap("一二三（PM2.5），四", 8)
	var got []string
	for _, l := range lines {
		got = append(got, l.Text)
	}
	if strings.Join(got, "|") != "一二三|（PM2.5），四" {
		t.Fatalf("Wrap = %q", got)
	}
	if !lines[len(lines)-1].Hard || lines[0].Hard {
		t.Errorf("hard breaks: %+v", lines)
	}
}

func TestCutKeepsClosingPunctuationInTheBox(t *testing.T) {
	// Two lines of 3 em; the box holds 2 lines, so it keeps 1 and the
	// 续页 would open with 。: it stays in the box.
	head, rest := Cut(Wrap("一二三。四五六七", 3), 2)
	if strings.Join(head, "|") != "一二三。" || strings.Join(rest, "|") != "四五六七" {
		t.Fatalf("Cut = %q / %q", head, rest)
	}
	if head, rest := Cut(Wrap("一二", 3), 2); strings.Join(head, "|") != "一二" || rest != nil {
		t.Fatalf("all fits: %q / %q", head, rest)
	}
}
