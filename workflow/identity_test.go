package workflow

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckIDNumber(t *testing.T) {
	// GB 11643-1999's own example number.
	if got, err := CheckIDNumber(" 11010519491231002x "); err != nil || got != "11010519491231002X" {
		t.Fatalf("CheckIDNumber(GB example) = %q, %v", got, err)
	}
	if got, err := CheckIDNumber("110105 19491231 002X"); err != nil || got != "11010519491231002X" {
		t.Errorf("CheckIDNumber(in groups) = %q, %v", got, err)
	}
	for bad, says := range map[string]string{
		"11010519491231002Y": "最后一位为数字或X",
		"110105194912310021": "校验位不符",
		"1101051949123100":   "您输入的是16位",
		"1101051949123100２X": "前17位应为数字",
		"":                   "您输入的是0位",
		"11010519901301123X": "出生日期",
		"110105209901011231": "出生日期",
	} {
		_, err := CheckIDNumber(bad)
		if !errors.Is(err, ErrIDNumber) || !strings.Contains(err.Error(), says) {
			t.Errorf("CheckIDNumber(%q) error = %v, want ErrIDNumber saying %q", bad, err, says)
		}
	}
}

func TestCheckCreditCode(t *testing.T) {
	// Build a valid code from a prefix by the standard's formula written
	// out independently (3^i mod 31 weights), then check that every
	// single-character change is caught.
	prefix := "91150202MA0N7BCD8"
	sum, w := 0, 1
	for i := range 17 {
		v := -1
		for j, c := range creditChars {
			if byte(c) == prefix[i] {
				v = j
			}
		}
		sum += v * w
		w = w * 3 % 31
	}
	code := prefix + string(creditChars[(31-sum%31)%31])
	if got, err := CheckCreditCode(code); err != nil || got != code {
		t.Fatalf("CheckCreditCode(%s) = %q, %v", code, got, err)
	}
	for i := range 18 {
		b := []byte(code)
		if b[i] == '1' {
			b[i] = '2'
		} else {
			b[i] = '1'
		}
		if _, err := CheckCreditCode(string(b)); !errors.Is(err, ErrCreditCode) {
			t.Errorf("CheckCreditCode(%s) with position %d changed: error = %v, want ErrCreditCode", b, i, err)
		}
	}
	if _, err := CheckCreditCode("91150202MA0N7BCDI8"); !errors.Is(err, ErrCreditCode) || !strings.Contains(err.Error(), "不含 I") {
		t.Error("a code with I (never used by GB 32100) was accepted")
	}
}

func TestMaskID(t *testing.T) {
	if got := MaskID("11010519491231002X"); got != "110105********002X" {
		t.Errorf("MaskID = %q", got)
	}
	if got := MaskID("12345"); got != "*****" {
		t.Errorf("MaskID(short) = %q", got)
	}
}
