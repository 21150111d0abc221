package annualreport

import (
	"strconv"
	"time"

	"github.com/zwgk-bot/zwgk/linksign"
)

// LinkValidity is how long a link to the printable report works: the
// month of January the office drafts it in; 「年度报告 2026」 gives a fresh
// one.
const LinkValidity = 30 * 24 * time.Hour

// Path is the address of year's printable report, without its signature.
func Path(year int) string { return "/annual/" + strconv.Itoa(year) }

// linkSubject is what a report's link signs, "annual:{year}": that page
// only, so no form's or letter's link opens it, nor it one of theirs.
func linkSubject(year int) string { return "annual:" + strconv.Itoa(year) }

// SignLink is the path and query of year's printable report, valid until
// exp: /annual/2026?exp=…&sig=…. Prefix the bot's PUBLIC_URL to hand it
// out; only the office should be given it (the page shows the drafts and
// the checks).
func SignLink(secret []byte, year int, exp time.Time) string {
	e, sig := linksign.Sign(secret, linkSubject(year), exp)
	return Path(year) + "?exp=" + e + "&sig=" + sig
}

// VerifyLink checks a link made by SignLink (linksign's errors:
// ErrInvalid, ErrExpired).
func VerifyLink(secret []byte, year int, expParam, sigParam string, now time.Time) error {
	return linksign.Verify(secret, linkSubject(year), expParam, sigParam, now)
}

// Link is the whole signed address of year's printable report at
// publicURL, valid LinkValidity from now: what the chat and the reminder
// hand the office.
func Link(publicURL string, secret []byte, year int, now time.Time) string {
	return publicURL + SignLink(secret, year, now.Add(LinkValidity))
}
