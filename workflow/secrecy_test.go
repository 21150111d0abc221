package workflow

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestSecrecyReviewValidate(t *testing.T) {
	all := SecrecyReview{StateSecret: true, CommercialSecret: true, Privacy: true}
	with := func(r SecrecyReview, c SecrecyConclusion, basis, note string) SecrecyReview {
		r.Conclusion, r.Basis, r.Note = c, basis, note
		return r
	}
	for _, tc := range []struct {
		name string
		r    SecrecyReview
		want string // "" = valid; else a part of the message
	}{
		{"clear", with(all, SecrecyClear, "", ""), ""},
		{"partial with basis", with(all, SecrecyPartial, "《政府信息公开条例》第十五条", ""), ""},
		{"withheld with basis", with(all, SecrecyWithheld, "《政府信息公开条例》第十四条", ""), ""},
		{"problem needs no checks", with(SecrecyReview{}, SecrecyProblem, "", "含有个人身份证号码"), ""},
		{"two of three", with(SecrecyReview{StateSecret: true, Privacy: true}, SecrecyClear, "", ""), "还需确认「商业秘密」"},
		{"none", with(SecrecyReview{}, SecrecyClear, "", ""), "「国家秘密」、「商业秘密」、「个人隐私」"},
		{"withheld without basis", with(all, SecrecyWithheld, "  ", ""), "法律依据"},
		{"clear with basis", with(all, SecrecyClear, "第十五条", ""), "无需填写"},
		{"problem without reason", with(all, SecrecyProblem, "", " "), "发现的问题"},
		{"unknown conclusion", with(all, "ok", "", ""), "结论无效"},
		{"basis too long", with(all, SecrecyPartial, strings.Repeat("条", MaxSecrecyText+1), ""), "不能超过"},
	} {
		err := tc.r.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: got %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	var inc *SecrecyIncompleteError
	if err := with(SecrecyReview{StateSecret: true}, SecrecyClear, "", "").Validate(); !errors.As(err, &inc) ||
		!slices.Equal(inc.Missing, []SecrecyCheck{CheckCommercialSecret, CheckPrivacy}) {
		t.Errorf("incomplete review: %v", err)
	}
}

func TestSecrecyReviewMarkAndSummary(t *testing.T) {
	var r SecrecyReview
	for _, c := range []SecrecyCheck{CheckPrivacy, "bogus", CheckStateSecret} {
		if got := r.Mark(c); got != c.Valid() {
			t.Errorf("Mark(%q) = %v", c, got)
		}
	}
	if got := r.Done(); !slices.Equal(got, []SecrecyCheck{CheckStateSecret, CheckPrivacy}) {
		t.Errorf("Done = %v", got)
	}
	r.Mark(CheckCommercialSecret)
	r.Conclusion = SecrecyClear
	if got, want := r.Summary(), "已审查国家秘密、商业秘密、个人隐私，未发现不宜公开内容。"; got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
	r.Conclusion, r.Basis = SecrecyPartial, "《政府信息公开条例》第十五条"
	if got := r.Summary(); !strings.HasSuffix(got, "部分内容不予公开（区分处理），依据：《政府信息公开条例》第十五条。") {
		t.Errorf("Summary = %q", got)
	}
	if got := (SecrecyReview{Conclusion: SecrecyProblem, Note: "x"}).Summary(); got != "发现问题，未予通过。" {
		t.Errorf("problem Summary = %q", got)
	}
	for _, c := range SecrecyChecks() {
		if c.Label() == string(c) {
			t.Errorf("check %q has no label", c)
		}
	}
}
