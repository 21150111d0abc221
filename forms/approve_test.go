package forms

import (
	"strings"
	"testing"
)

// The page's 驳回 and the chat's take the same reasons.
func TestCheckReason(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, want, err string
	}{
		{"", "", "请填写驳回理由"},
		{"   ", "", "请填写驳回理由"},
		{"标题有误，请更正。", "标题有误，请更正。", ""},
		{"  前后空格  ", "前后空格", ""},
		{strings.Repeat("长", 200), strings.Repeat("长", 200), ""},
		{strings.Repeat("长", 201), "", "不超过200字（现为201字）"},
	} {
		got, err := checkReason(c.in)
		switch {
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("checkReason(%q) = %q, %v; want %q", c.in, got, err, c.want)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("checkReason(%q) = %q, %v; want an error with %q", c.in, got, err, c.err)
		}
	}
}
