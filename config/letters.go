package config

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// LettersConfig is what the letters (文书) of the 依申请公开 register print
// beyond the register itself: who signs them, the bodies of a 答复书's
// 救济 clause, and how an applicant reaches the office.
//
// None of it is required to start: the register, its clocks and the
// reminders work without letters, and an upgrade must not stop the bot for
// want of a letter's setting. A letter that needs a value not set is not
// printed with a blank or a placeholder (an official letter must not name
// no 复议机关, or a wrong one); its page says which setting is missing
// (Missing), and the service warns at start (Unset).
type LettersConfig struct {
	Bureau         string // BUREAU_NAME: the 行政机关 that signs
	ReviewBody     string // REVIEW_BODY: the 行政复议机关
	Court          string // REVIEW_COURT: the 人民法院 with jurisdiction
	ContactPerson  string // OFFICE_CONTACT_PERSON; optional on every letter
	ContactPhone   string // OFFICE_CONTACT_PHONE; required on the 接收回执
	ContactAddress string // OFFICE_CONTACT_ADDRESS; optional on every letter
}

// Names of the letters' variables (BUREAU_NAME, shared with the 公众号's
// pages, is EnvBureauName).
const (
	EnvReviewBody     = "REVIEW_BODY"
	EnvReviewCourt    = "REVIEW_COURT"
	EnvContactPerson  = "OFFICE_CONTACT_PERSON"
	EnvContactPhone   = "OFFICE_CONTACT_PHONE"
	EnvContactAddress = "OFFICE_CONTACT_ADDRESS"
)

// maxLetterText bounds a letter's setting: a body's or an address's name,
// on one printed line or two.
const maxLetterText = 60

var letterVariables = []Variable{
	{Name: EnvReviewBody,
		Meaning: "the 行政复议机关 named in the remedy clause of every 答复书, e.g. 某市某区人民政府 (行政复议法 Art. 24); without it no 答复书 is printed"},
	{Name: EnvReviewCourt,
		Meaning: "the 人民法院 named in the remedy clause of every 答复书, e.g. 某市某区人民法院; without it no 答复书 is printed"},
	{Name: EnvContactPerson,
		Meaning: "the office's contact person printed under the letters' date (optional)"},
	{Name: EnvContactPhone,
		Meaning: "the office's phone printed under the letters' date; without it no 接收回执 is printed"},
	{Name: EnvContactAddress,
		Meaning: "the office's postal address printed under the letters' date (optional)"},
}

// letters reads the letters' variables. BUREAU_NAME is checked by mp()
// too when the 公众号 is on: a bad value is reported once.
func (l *loader) letters() LettersConfig {
	text := func(name string, report bool) string {
		v := l.get(name, "")
		switch n := utf8.RuneCountInString(v); {
		case !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl):
			if report {
				l.problem(name, "must be text without control characters")
			}
			return ""
		case n > maxLetterText && name != EnvBureauName:
			l.problem(name, "must be at most %d characters, got %d", maxLetterText, n)
			return ""
		case n > maxBureauName && name == EnvBureauName:
			if report {
				l.problem(name, "must be at most %d characters, got %d", maxBureauName, n)
			}
			return ""
		}
		return v
	}
	return LettersConfig{
		Bureau:         text(EnvBureauName, l.get(EnvMPAppID, "") == ""),
		ReviewBody:     text(EnvReviewBody, true),
		Court:          text(EnvReviewCourt, true),
		ContactPerson:  text(EnvContactPerson, true),
		ContactPhone:   text(EnvContactPhone, true),
		ContactAddress: text(EnvContactAddress, true),
	}
}

// Letter needs: what each letter requires of the configuration.
const (
	LetterNeedsBureau = "bureau" // every letter
	LetterNeedsRemedy = "remedy" // the 答复书
	LetterNeedsPhone  = "phone"  // the 接收回执
)

// Missing lists the variables not set that a letter needs: the bureau's
// name always, and what needs names (LetterNeedsRemedy, LetterNeedsPhone).
func (c LettersConfig) Missing(needs ...string) []string {
	var out []string
	unset := func(name, v string) {
		if v == "" {
			out = append(out, name)
		}
	}
	unset(EnvBureauName, c.Bureau)
	for _, n := range needs {
		switch n {
		case LetterNeedsRemedy:
			unset(EnvReviewBody, c.ReviewBody)
			unset(EnvReviewCourt, c.Court)
		case LetterNeedsPhone:
			unset(EnvContactPhone, c.ContactPhone)
		}
	}
	return out
}

// Unset lists every letters' variable that some letter needs and is not
// set, for the warning at start.
func (c LettersConfig) Unset() []string {
	return c.Missing(LetterNeedsRemedy, LetterNeedsPhone)
}

// letterPairs are the letters' variables as String shows them.
func (c Config) letterPairs() []struct{ name, value string } {
	return []struct{ name, value string }{
		{EnvReviewBody, c.Letters.ReviewBody},
		{EnvReviewCourt, c.Letters.Court},
		{EnvContactPerson, c.Letters.ContactPerson},
		{EnvContactPhone, c.Letters.ContactPhone},
		{EnvContactAddress, c.Letters.ContactAddress},
	}
}
