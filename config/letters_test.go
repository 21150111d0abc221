package config

import (
	"slices"
	"strings"
	"testing"
)

func TestLettersConfig(t *testing.T) {
	t.Parallel()
	env := validEnv()
	env["BUREAU_NAME"] = " 某市生态环境局某区分局 "
	env["REVIEW_BODY"] = "某市某区人民政府"
	env["REVIEW_COURT"] = "某市某区人民法院"
	env["OFFICE_CONTACT_PHONE"] = "0475-8123456"
	c, err := Load(getenv(env))
	if err != nil {
		t.Fatal(err)
	}
	want := LettersConfig{Bureau: "某市生态环境局某区分局", ReviewBody: "某市某区人民政府", Court: "某市某区人民法院", ContactPhone: "0475-8123456"}
	if c.Letters != want {
		t.Fatalf("Letters = %+v, want %+v", c.Letters, want)
	}
	if got := c.Letters.Unset(); len(got) != 0 {
		t.Errorf("Unset = %v", got)
	}
	// Without the 公众号 the bureau's name is still read: the letters sign with it.
	if c.MP.Bureau != "" {
		t.Errorf("the 公众号's bureau is set while the 公众号 is off: %q", c.MP.Bureau)
	}
	if s := c.String(); !strings.Contains(s, `REVIEW_BODY="某市某区人民政府"`) || !strings.Contains(s, `OFFICE_CONTACT_PHONE="0475-8123456"`) {
		t.Errorf("String lacks the letters' variables: %s", s)
	}
}

// Nothing of the letters is required to start; what is missing is named
// for the letter that needs it.
func TestLettersConfigMissing(t *testing.T) {
	t.Parallel()
	c, err := Load(getenv(validEnv()))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Letters.Missing(); !slices.Equal(got, []string{"BUREAU_NAME"}) {
		t.Errorf("Missing() = %v", got)
	}
	if got := c.Letters.Missing(LetterNeedsRemedy); !slices.Equal(got, []string{"BUREAU_NAME", "REVIEW_BODY", "REVIEW_COURT"}) {
		t.Errorf("Missing(remedy) = %v", got)
	}
	c.Letters.Bureau, c.Letters.Court = "某局", "某院"
	if got := c.Letters.Missing(LetterNeedsRemedy, LetterNeedsPhone); !slices.Equal(got, []string{"REVIEW_BODY", "OFFICE_CONTACT_PHONE"}) {
		t.Errorf("Missing(remedy, phone) = %v", got)
	}
}

func TestLettersConfigBad(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"REVIEW_BODY": "某区\n人民政府"}, "REVIEW_BODY: must be text without control characters"},
		{map[string]string{"REVIEW_COURT": strings.Repeat("院", 61)}, "REVIEW_COURT: must be at most 60 characters, got 61"},
		{map[string]string{"BUREAU_NAME": strings.Repeat("局", 41)}, "BUREAU_NAME: must be at most 40 characters, got 41"},
	} {
		env := validEnv()
		for k, v := range c.env {
			env[k] = v
		}
		_, err := Load(getenv(env))
		if got := problemsOf(t, err); !slices.Equal(got, []string{c.want}) {
			t.Errorf("%v: problems %q, want %q", c.env, got, c.want)
		}
	}
	// With the 公众号 on, a bad BUREAU_NAME is reported once.
	env := validEnv()
	env["MP_APP_ID"], env["MP_APP_SECRET"], env["MP_TOKEN"] = "wx0123456789abcdef", "mpSecretValue0123", "mpTok3n"
	env["MP_TEMPLATE_ID"] = "tpl"
	env["BUREAU_NAME"] = "某区\t分局"
	_, err := Load(getenv(env))
	if got := problemsOf(t, err); len(got) != 1 || !strings.HasPrefix(got[0], "BUREAU_NAME:") {
		t.Errorf("problems %q, want one about BUREAU_NAME", got)
	}
}
