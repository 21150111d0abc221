package workflow

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The 保密审查 (条例 Art. 17: 先审查、后公开；谁公开、谁负责) that a reviewer
// records before anything is released: the 审批单's office stage, and an
// 依申请公开 reply's approval alike. This file is the pure record; storage
// keeps it keyed by entity, round and stage, chat builds its card.

// SecrecyCheck is one thing the reviewer confirms to have checked the
// information for. 国家秘密 is Art. 14's absolute bar; 商业秘密 and 个人隐私
// are Art. 15's (released only with consent or for a larger public
// interest).
type SecrecyCheck string

// The three checks, in the order cards and the printed form list them.
const (
	CheckStateSecret      SecrecyCheck = "state_secret"
	CheckCommercialSecret SecrecyCheck = "commercial_secret"
	CheckPrivacy          SecrecyCheck = "privacy"
)

// SecrecyChecks returns the checks every review must confirm, in order.
func SecrecyChecks() []SecrecyCheck {
	return []SecrecyCheck{CheckStateSecret, CheckCommercialSecret, CheckPrivacy}
}

// Label is the check's name for users.
func (c SecrecyCheck) Label() string {
	switch c {
	case CheckStateSecret:
		return "国家秘密"
	case CheckCommercialSecret:
		return "商业秘密"
	case CheckPrivacy:
		return "个人隐私"
	}
	return string(c)
}

// Valid reports whether c is one of SecrecyChecks.
func (c SecrecyCheck) Valid() bool {
	switch c {
	case CheckStateSecret, CheckCommercialSecret, CheckPrivacy:
		return true
	}
	return false
}

// SecrecyConclusion is what the review found.
type SecrecyConclusion string

// Conclusions. An 审批单 of 主动公开 is either clear or sent back
// (SecrecyProblem, with the 驳回's reason); partial and withheld are the
// outcomes of an 依申请公开 reply (Art. 36 ③, Art. 37 区分处理), which must
// name their legal basis.
const (
	SecrecyClear    SecrecyConclusion = "clear"    // 未发现不宜公开内容
	SecrecyPartial  SecrecyConclusion = "partial"  // 部分内容不予公开（区分处理）
	SecrecyWithheld SecrecyConclusion = "withheld" // 不予公开
	SecrecyProblem  SecrecyConclusion = "problem"  // 发现问题，未予通过（驳回）
)

// Label is the conclusion as the form and the timeline state it.
func (c SecrecyConclusion) Label() string {
	switch c {
	case SecrecyClear:
		return "未发现不宜公开内容"
	case SecrecyPartial:
		return "部分内容不予公开（区分处理）"
	case SecrecyWithheld:
		return "不予公开"
	case SecrecyProblem:
		return "发现问题，未予通过"
	}
	return string(c)
}

// Valid reports whether c is a known conclusion.
func (c SecrecyConclusion) Valid() bool {
	switch c {
	case SecrecyClear, SecrecyPartial, SecrecyWithheld, SecrecyProblem:
		return true
	}
	return false
}

// Withholds reports whether something is not released, which needs a
// legal basis.
func (c SecrecyConclusion) Withholds() bool { return c == SecrecyPartial || c == SecrecyWithheld }

// MaxSecrecyText is the longest basis or note a review keeps, in
// characters: as long as a 驳回's reason.
const MaxSecrecyText = 200

// SecrecyReview is one 保密审查 as the reviewer made it. Who and when are
// the storage record's; this is what was checked and found.
type SecrecyReview struct {
	// Each check is true only when the reviewer ticked it: never implied
	// by a button.
	StateSecret      bool
	CommercialSecret bool
	Privacy          bool
	Conclusion       SecrecyConclusion
	Basis            string // legal basis of what is withheld, e.g. 《政府信息公开条例》第十五条
	Note             string // for SecrecyProblem: the 驳回's reason
}

// Checked reports whether the reviewer confirmed check c.
func (r SecrecyReview) Checked(c SecrecyCheck) bool {
	switch c {
	case CheckStateSecret:
		return r.StateSecret
	case CheckCommercialSecret:
		return r.CommercialSecret
	case CheckPrivacy:
		return r.Privacy
	}
	return false
}

// Mark records check c as confirmed; an unknown check is ignored and
// reported false.
func (r *SecrecyReview) Mark(c SecrecyCheck) bool {
	switch c {
	case CheckStateSecret:
		r.StateSecret = true
	case CheckCommercialSecret:
		r.CommercialSecret = true
	case CheckPrivacy:
		r.Privacy = true
	default:
		return false
	}
	return true
}

// Done lists the confirmed checks, in order.
func (r SecrecyReview) Done() []SecrecyCheck {
	var out []SecrecyCheck
	for _, c := range SecrecyChecks() {
		if r.Checked(c) {
			out = append(out, c)
		}
	}
	return out
}

// Missing lists the checks not yet confirmed, in order.
func (r SecrecyReview) Missing() []SecrecyCheck {
	var out []SecrecyCheck
	for _, c := range SecrecyChecks() {
		if !r.Checked(c) {
			out = append(out, c)
		}
	}
	return out
}

// SecrecyIncompleteError is a review that would release information
// without every check confirmed. Its message is for the reviewer.
type SecrecyIncompleteError struct {
	Missing []SecrecyCheck
}

func (e *SecrecyIncompleteError) Error() string {
	return "保密审查尚未完成：还需确认" + quoteLabels(e.Missing) + "。"
}

// SecrecyError is any other review that does not hold together; its
// message is for the reviewer.
type SecrecyError struct{ Msg string }

func (e *SecrecyError) Error() string { return e.Msg }

// Validate checks that the review may be recorded: a release (clear,
// partial, withheld) needs all three checks; what is withheld needs its
// basis, and a clear review has none; a problem needs its reason. The
// error is a *SecrecyIncompleteError or a *SecrecyError.
func (r SecrecyReview) Validate() error {
	if !r.Conclusion.Valid() {
		return &SecrecyError{Msg: "保密审查结论无效。"}
	}
	for _, f := range []struct{ name, s string }{{"法律依据", r.Basis}, {"说明", r.Note}} {
		if utf8.RuneCountInString(f.s) > MaxSecrecyText {
			return &SecrecyError{Msg: fmt.Sprintf("保密审查的%s不能超过%d字。", f.name, MaxSecrecyText)}
		}
	}
	basis := strings.TrimSpace(r.Basis)
	switch r.Conclusion {
	case SecrecyProblem:
		if strings.TrimSpace(r.Note) == "" {
			return &SecrecyError{Msg: "请说明保密审查发现的问题。"}
		}
		return nil
	case SecrecyClear:
		if basis != "" {
			return &SecrecyError{Msg: "未发现不宜公开内容时无需填写不予公开的法律依据。"}
		}
	default:
		if basis == "" {
			return &SecrecyError{Msg: "不予公开的内容须注明法律依据。"}
		}
	}
	if m := r.Missing(); len(m) > 0 {
		return &SecrecyIncompleteError{Missing: m}
	}
	return nil
}

// Summary states the review in one sentence, for the printed form and the
// timeline: 「已审查国家秘密、商业秘密、个人隐私，未发现不宜公开内容。」
func (r SecrecyReview) Summary() string {
	var b strings.Builder
	if done := r.Done(); len(done) > 0 {
		b.WriteString("已审查" + labels(done) + "，")
	}
	b.WriteString(r.Conclusion.Label())
	if basis := strings.TrimSpace(r.Basis); basis != "" {
		b.WriteString("，依据：" + basis)
	}
	b.WriteString("。")
	return b.String()
}

func labels(cs []SecrecyCheck) string {
	ls := make([]string, len(cs))
	for i, c := range cs {
		ls[i] = c.Label()
	}
	return strings.Join(ls, "、")
}

func quoteLabels(cs []SecrecyCheck) string {
	ls := make([]string, len(cs))
	for i, c := range cs {
		ls[i] = "「" + c.Label() + "」"
	}
	return strings.Join(ls, "、")
}
