package workflow_test

import (
	"errors"
	"testing"

	"github.com/zwgk-bot/zwgk/workflow"
)

func TestCheckPhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
		err            error
	}{
		{"mobile", "13800138000", "13800138000", nil},
		{"mobile_spaced_plus86", "+86 138 0013 8000", "13800138000", nil},
		{"mobile_full_width_plus", "＋86 13800138000", "13800138000", nil},
		{"mobile_0086_hyphens", "0086-138-0013-8000", "13800138000", nil},
		{"mobile_caller_id_86", "8613800138000", "13800138000", nil},
		{"mobile_hyphens", "138-0013-8000", "13800138000", nil},
		{"landline", "0475-8888888", "0475-8888888", nil},
		{"landline_plain", "04758888888", "0475-8888888", nil},
		{"landline_spaced", "0475 888 8888", "0475-8888888", nil},
		{"landline_brackets", "（0475）8888888", "0475-8888888", nil},
		{"landline_beijing", "010-12345678", "010-12345678", nil},
		{"landline_shanghai_plain", "02112345678", "021-12345678", nil},
		{"landline_plus86_without_zero", "+86 475 8888888", "0475-8888888", nil},
		{"landline_plus86_beijing", "+86 10 12345678", "010-12345678", nil},
		{"empty", "  ", "", nil},

		{"too_short", "12345", "", workflow.ErrPhone},
		{"mobile_bad_prefix", "12800138000", "", workflow.ErrPhone},
		{"mobile_too_long", "138001380001", "", workflow.ErrPhone},
		{"plus86_bad_mobile", "+86 128 0013 8000", "", workflow.ErrPhone},
		{"no_area_code_011", "011-1234567", "", workflow.ErrPhone},
		{"landline_too_short", "0475-888888", "", workflow.ErrPhone},
		{"letters", "138OO138000", "", workflow.ErrPhone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := workflow.CheckPhone(tt.in)
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Fatalf("CheckPhone(%q) error = %v, want %v", tt.in, err, tt.err)
			}
			if got != tt.want {
				t.Fatalf("CheckPhone(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
