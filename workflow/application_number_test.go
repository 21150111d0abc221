package workflow

import "testing"

func TestParseApplicationNumber(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in        string
		year, seq int
		ok        bool
	}{
		{"依申请〔2026〕5号", 2026, 5, true},
		{"依申请[2026]5号", 2026, 5, true},
		{"依申请（2026）12号", 2026, 12, true},
		{"依申请【2026】7号", 2026, 7, true},
		{" 依申请〔2026〕5号 ", 2026, 5, true},
		{"依申请 〔2026〕 5 号", 2026, 5, true},
		{"〔2026〕5号", 2026, 5, true},
		{"2026-5", 2026, 5, true},
		{"2026－5", 2026, 5, true},
		{"2026第5号", 2026, 5, true},
		{"2026〕123456号", 2026, 123456, true},
		{"依申请〔2026〕0号", 2026, 0, false}, // numbers start at 1
		{"依申请〔2026〕1234567号", 0, 0, false},
		{"依申请〔26〕5号", 0, 0, false},
		{"公开审〔2026〕5号", 0, 0, false}, // a 审批单's number, not an application's
		{"5", 0, 0, false},
		{"跳过", 0, 0, false},
		{"", 0, 0, false},
	}
	for _, c := range cases {
		year, seq, ok := ParseApplicationNumber(c.in)
		if ok != c.ok || ok && (year != c.year || seq != c.seq) {
			t.Errorf("ParseApplicationNumber(%q) = %d, %d, %v; want %d, %d, %v", c.in, year, seq, ok, c.year, c.seq, c.ok)
		}
	}
}
