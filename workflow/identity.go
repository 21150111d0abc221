package workflow

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Identity errors; their text is what the user reads. Each Is the
// general one (ErrIDNumber, ErrCreditCode) and says what exactly is wrong.
var (
	ErrIDNumber   = errors.New("身份证号码有误，请核对。")
	ErrCreditCode = errors.New("统一社会信用代码有误，请核对。")
)

// identityError is a wrong ID number or credit code: the general error
// and the user's words for what is wrong.
type identityError struct {
	kind error
	msg  string
}

func (e *identityError) Error() string        { return e.msg }
func (e *identityError) Is(target error) bool { return target == e.kind }

func badID(msg string) error     { return &identityError{ErrIDNumber, msg} }
func badCredit(msg string) error { return &identityError{ErrCreditCode, msg} }

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
	s = strings.ToUpper(idSeparators.Replace(strings.TrimSpace(s)))
	if n := utf8.RuneCountInString(s); n != 18 {
		return "", badID(fmt.Sprintf("身份证号码应为18位，您输入的是%d位，请核对。", n))
	}
	sum := 0
	for i := range 17 {
		c := s[i]
		if c < '0' || c > '9' {
			return "", badID("身份证号码前17位应为数字，最后一位为数字或X，请核对。")
		}
		sum += int(c-'0') * idWeights[i]
	}
	if c := s[17]; (c < '0' || c > '9') && c != 'X' {
		return "", badID("身份证号码前17位应为数字，最后一位为数字或X，请核对。")
	}
	// Positions 7–14 are the date of birth (GB 11643): a month 13 or a
	// birth in the future is a typo the check digit may not catch.
	born, err := time.Parse("20060102", s[6:14])
	if err != nil || born.Year() < 1900 || born.After(time.Now()) {
		return "", badID("身份证号码中的出生日期（第7至14位）不是有效日期，请核对。")
	}
	if s[17] != idChecks[sum%11] {
		return "", badID("身份证号码校验位不符，可能有数字输错，请核对。")
	}
	return s, nil
}

// idSeparators are what people type inside a number read out in groups.
var idSeparators = strings.NewReplacer(" ", "", "\u3000", "", "-", "")

// creditChars are the characters of a 统一社会信用代码 (GB 32100-2015),
// by value: no I, O, Z, S or V. creditWeights are 3^i mod 31.
const creditChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditWeights = []int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CheckCreditCode checks an 18-character 统一社会信用代码 with its check
// character (GB 32100-2015) and returns it in capitals.
func CheckCreditCode(s string) (string, error) {
	s = strings.ToUpper(idSeparators.Replace(strings.TrimSpace(s)))
	if n := utf8.RuneCountInString(s); n != 18 {
		return "", badCredit(fmt.Sprintf("统一社会信用代码应为18位，您输入的是%d位，请核对。", n))
	}
	sum := 0
	for i := range 18 {
		v := strings.IndexByte(creditChars, s[i])
		if v < 0 {
			return "", badCredit("统一社会信用代码由数字和大写字母组成（不含 I、O、Z、S、V），请核对。")
		}
		if i < 17 {
			sum += v * creditWeights[i]
		}
	}
	if s[17] != creditChars[(31-sum%31)%31] {
		return "", badCredit("统一社会信用代码校验位不符，可能有字符输错，请核对。")
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
