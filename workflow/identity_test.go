package workflow

import "testing"

func TestCheckIDNumber(t *testing.T) {
	// GB 11643-1999's own example number.
	if got, err := CheckIDNumber(" 11010519491231002x "); err != nil || got != "11010519491231002X" {
		t.Fatalf("CheckIDNumber(GB example) = %q, %v", got, err)
	}
	for _, bad := range []string{"11010519491231002Y", "110105194912310021", "1101051949123100", "1101051949123100２X", ""} {
		if _, err := CheckIDNumber(bad); err != ErrIDNumber {
			t.Errorf("CheckIDNumber(%q) error = %v, want ErrIDNumber", bad, err)
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
		if _, err := CheckCreditCode(string(b)); err != ErrCreditCode {
			t.Errorf("CheckCreditCode(%s) with position %d changed: error = %v, want ErrCreditCode", b, i, err)
		}
	}
	if _, err := CheckCreditCode("91150202MA0N7BCDI8"); err != ErrCreditCode {
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
