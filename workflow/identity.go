package workflow

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// Identity errors; their text is what the user reads.
var (
	ErrIDNumber   = errors.New("身份证号码应为18位，最后一位可以是X，请核对（校验位不符）。")
	ErrCreditCode = errors.New("统一社会信用代码应为18位数字或大写字母，请核对（校验位不符）。")
)

// idWeights are the weights of GB 11643-1999's check digit (ISO 7064 MOD
// 11-2), and idChecks the digit each remainder gives.
var (
	idWeights = []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	idChecks  = "10X98765432"
)

// CheckIDNumber checks an 18-digit 居民身份证号码, its check digit
// included, and returns it with a capital X. A wrong digit is the usual
// typo of a number read out over a counter; the check digit catches it.
func CheckIDNumber(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 18 {
		return "", ErrIDNumber
	}
	sum := 0
	for i := range 17 {
		c := s[i]
		if c < '0' || c > '9' {
			return "", ErrIDNumber
		}
		sum += int(c-'0') * idWeights[i]
	}
	if s[17] != idChecks[sum%11] {
		return "", ErrIDNumber
	}
	return s, nil
}

// creditChars are the characters of a 统一社会信用代码 (GB 32100-2015),
// by value: no I, O, Z, S or V. creditWeights are 3^i mod 31.
const creditChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditWeights = []int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CheckCreditCode checks an 18-character 统一社会信用代码 with its check
// character (GB 32100-2015) and returns it in capitals.
func CheckCreditCode(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 18 {
		return "", ErrCreditCode
	}
	sum := 0
	for i := range 17 {
		v := strings.IndexByte(creditChars, s[i])
		if v < 0 {
			return "", ErrCreditCode
		}
		sum += v * creditWeights[i]
	}
	if s[17] != creditChars[(31-sum%31)%31] {
		return "", ErrCreditCode
	}
	return s, nil
}

// MaskID hides the middle of an ID number or credit code: the first six
// and the last four characters stay (110105********002X), enough for the
// office to tell two applicants apart without exposing the number.
func MaskID(s string) string {
	n := utf8.RuneCountInString(s)
	if n <= 10 {
		return strings.Repeat("*", n)
	}
	r := []rune(s)
	return string(r[:6]) + strings.Repeat("*", n-10) + string(r[n-4:])
}
