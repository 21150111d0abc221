package bot_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/zwgk-bot/zwgk/bot"
)

func TestMarshalBodyLeavesNoUnicodeEscape(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"https://example.org/forms/1?exp=2&sig=ab <b>", "https://example.org/forms/1?exp=2&sig=ab <b>"},
		{"政务公开", "政务公开"},
		{"line\u2028sep\u2029para", "line\u2028sep\u2029para"},
		{"bell\a and esc\x1b gone", "bell and esc gone"},
		{"tab\tand\nnewline", "tab\tand\nnewline"},
		{`a literal \u0026 stays`, `a literal \u0026 stays`},
		{"bad \xff byte", "bad \ufffd byte"},
	}
	for _, c := range cases {
		b, err := bot.MarshalBody(bot.TextContent{Content: c.in})
		if err != nil {
			t.Fatal(err)
		}
		if bot.HasUnicodeEscape(b) {
			t.Errorf("%q encoded with a \\u escape: %s", c.in, b)
		}
		var back bot.TextContent
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%q: body %s is not JSON: %v", c.in, b, err)
		}
		if back.Content != c.want {
			t.Errorf("%q came back as %q, want %q", c.in, back.Content, c.want)
		}
		if strings.HasSuffix(string(b), "\n") {
			t.Errorf("%q: body ends with a newline", c.in)
		}
	}
}

func TestHasUnicodeEscape(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]bool{
		`{"url":"a\u0026b"}`:      true,
		`{"t":"\u003cb\u003e"}`:   true,
		`{"t":"\u4e2d"}`:          true,
		`{"t":"a&b <b>"}`:         false,
		`{"t":"\\u0026 is text"}`: false,
		`{"t":"\\\u0026"}`:        true,
		`{"t":"quote \" u0026"}`:  false,
		`{"t":"ends with \\"}`:    false,
	} {
		if got := bot.HasUnicodeEscape([]byte(body)); got != want {
			t.Errorf("HasUnicodeEscape(%s) = %v, want %v", body, got, want)
		}
	}
}
