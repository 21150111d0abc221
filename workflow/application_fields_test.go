package workflow

import "testing"

// The reasons must be table 三's sub-rows, as many under each outcome as the
// template has, each belonging to its own outcome.
func TestReasonsFollowTableThree(t *testing.T) {
	want := map[Outcome]int{OutcomeDisclose: 0, OutcomePartial: 0, OutcomeWithhold: 8, OutcomeUnavailable: 3, OutcomeNotHandled: 5, OutcomeOther: 3}
	for _, o := range Outcomes() {
		rs := Reasons(o)
		if len(rs) != want[o] {
			t.Errorf("%s: %d reasons, want %d", o.Label(), len(rs), want[o])
		}
		for _, r := range rs {
			if r.Outcome() != o {
				t.Errorf("%s belongs to %q, listed under %q", r, r.Outcome(), o)
			}
			if r.Label() == string(r) || r.Label() == "" {
				t.Errorf("%s has no label", r)
			}
		}
	}
	if Reason("nonsense").Outcome() != "" {
		t.Error("an unknown reason has an outcome")
	}
}

func TestParseApplicationWords(t *testing.T) {
	for in, want := range map[string]Channel{"当面": ChannelInPerson, " 快递 ": ChannelPost, "平信": ChannelLetter, "网上": ChannelOnline, "传真": ChannelFax} {
		if got, err := ParseChannel(in); err != nil || got != want {
			t.Errorf("ParseChannel(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseChannel("电话"); err != ErrChannel {
		t.Errorf("ParseChannel(电话) error = %v, want ErrChannel (a phone call is not an application)", err)
	}
	for in, want := range map[string]ApplicantType{"自然人": ApplicantPerson, "公司": ApplicantBusiness, "律所": ApplicantLegal, "其他": ApplicantOtherOrgan} {
		if got, err := ParseApplicantType(in); err != nil || got != want {
			t.Errorf("ParseApplicantType(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if ApplicantPerson.Organisation() || !ApplicantResearch.Organisation() {
		t.Error("Organisation: only 自然人 is not an organisation")
	}
	if _, err := ParseProvideForm("短信"); err != ErrProvideForm {
		t.Errorf("ParseProvideForm(短信) error = %v, want ErrProvideForm", err)
	}
}

func TestInformationFee(t *testing.T) {
	for n, want := range map[int]int{1: 0, 10: 0, 11: 100, 30: 100, 31: 200, 40: 200, 41: 300, 50: 300, 51: 400} {
		if got := InformationFee(n); got != want {
			t.Errorf("InformationFee(%d) = %d, want %d", n, got, want)
		}
	}
}
