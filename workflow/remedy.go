package workflow

import (
	"errors"
	"time"
)

// Entering a 行政复议 or 行政诉讼 of an application (table 四): what its
// days may be, in the same words for the chat and the API.

// RemedyFiledLabel names the day a case was brought: a 复议 is applied
// for, a suit is filed.
func RemedyFiledLabel(kind string) string {
	if kind == Review {
		return "申请复议日期"
	}
	return "起诉日期"
}

// RemedyDecidedLabel names the day of a case's result.
func RemedyDecidedLabel(kind string) string {
	if kind == Review {
		return "复议决定日期"
	}
	return "裁判日期"
}

// RemedyName is a case as the bureau names it: 行政复议, or 行政诉讼 with its
// group (未经复议直接起诉, 复议后起诉); 行政诉讼 alone while the group is
// not known yet.
func RemedyName(kind string) string {
	switch kind {
	case Review:
		return "行政复议"
	case SuitDirect, SuitAfterReview:
		return "行政诉讼（" + ReviewKindLabel(kind) + "）"
	}
	return "行政诉讼"
}

// ParseRemedyKind reads a case's group as the API and the chat take it:
// ParseReviewKind's words, except 诉讼 alone, which does not say whether
// a 复议 came first (table 四 counts the two apart).
func ParseRemedyKind(s string) (string, error) {
	if s == "诉讼" || s == "行政诉讼" {
		return "", errors.New("行政诉讼请写明 未经复议直接起诉 或 复议后起诉")
	}
	return ParseReviewKind(s)
}

// CheckRemedyFiled checks the day a case was brought: not before the
// application was received (there was nothing to dispute), not after
// today. All days are midnight in loc.
func CheckRemedyFiled(kind string, filed, received, today time.Time, loc *time.Location) error {
	label := RemedyFiledLabel(kind)
	switch {
	case filed.After(today):
		return errors.New(label + FormatDate(filed, loc) + "晚于今天，请输入今天或以前的日期。")
	case filed.Before(received):
		return errors.New(label + FormatDate(filed, loc) + "早于收到申请日期（" + FormatDate(received, loc) + "），请核对。")
	}
	return nil
}

// CheckSuitAfterReview checks a 复议后起诉 against the 复议 recorded for
// the same application (reviews: the days they were brought): a suit
// after a 复议 follows one, so one must be recorded, brought on or before
// the suit's day. A 复议 zwgk never saw belongs in the office's figure of
// table 四, not here.
func CheckSuitAfterReview(filed time.Time, reviews []time.Time, loc *time.Location) error {
	if len(reviews) == 0 {
		return errors.New("复议后起诉须在该申请的行政复议之后，但本系统尚未登记该申请的行政复议：请先登记复议，再登记诉讼。")
	}
	first := reviews[0]
	for _, r := range reviews {
		if !r.After(filed) {
			return nil
		}
		if r.Before(first) {
			first = r
		}
	}
	return errors.New("起诉日期" + FormatDate(filed, loc) + "早于该申请的行政复议（" + FormatDate(first, loc) + "申请），复议后起诉应在复议之后，请核对。")
}

// CheckRemedyDecided checks the day of a case's result: not before it was
// brought, not after today.
func CheckRemedyDecided(kind string, decided, filed, today time.Time, loc *time.Location) error {
	label := RemedyDecidedLabel(kind)
	switch {
	case decided.After(today):
		return errors.New(label + FormatDate(decided, loc) + "晚于今天，请输入今天或以前的日期。")
	case decided.Before(filed):
		return errors.New(label + FormatDate(decided, loc) + "早于" + RemedyFiledLabel(kind) + "（" + FormatDate(filed, loc) + "），请核对。")
	}
	return nil
}
