package workflow

import (
	"regexp"
	"strconv"
	"strings"
)

// applicationNumberPattern reads a 政府信息公开申请's register number as
// staff type it: 依申请〔2026〕5号, 依申请[2026]5号, 2026-5.
var applicationNumberPattern = regexp.MustCompile(`^(?:依申请)?\s*[〔\[(（【]?\s*(\d{4})\s*[〕\])）】\-－第]?\s*(\d{1,6})\s*号?$`)

// ParseApplicationNumber reads a register number (the year of receipt and
// the number in it); false when s is none. It lives here, not with the
// register, because more than one flow reads these numbers (the register
// itself, and the 审批单 that discloses in answer to an application) and
// flows do not import each other. The number is formatted by
// storage.ApplicationNumber.
func ParseApplicationNumber(s string) (year, seq int, ok bool) {
	p := applicationNumberPattern.FindStringSubmatch(strings.TrimSpace(s))
	if p == nil {
		return 0, 0, false
	}
	year, _ = strconv.Atoi(p[1])
	seq, _ = strconv.Atoi(p[2])
	return year, seq, seq > 0
}
