package forms

import (
	"errors"
	"strconv"
	"time"

	"github.com/zwgk-bot/zwgk/linksign"
)

// Errors returned by VerifyFormLink.
var (
	// ErrLinkInvalid means the link was not signed by us for this form
	// (wrong or missing signature, tampered id or expiry, malformed query).
	ErrLinkInvalid = errors.New("handlers: form link invalid")
	// ErrLinkExpired means the signature is good but the link's time is up.
	ErrLinkExpired = errors.New("handlers: form link expired")
)

// SignFormLink returns the path and query of the printable form for formID,
// valid until exp:
//
//	/forms/{id}?exp=<unix seconds>&sig=<hex HMAC-SHA256 over "form:{id}:{exp}">
//
// The signing is linksign's, shared with the other signed pages; the
// format is unchanged, so links handed out before keep working.
func SignFormLink(secret []byte, formID int64, exp time.Time) string {
	e, sig := linksign.Sign(secret, formSubject(formID), exp)
	return "/forms/" + strconv.FormatInt(formID, 10) + "?exp=" + e + "&sig=" + sig
}

// VerifyFormLink checks a link made by SignFormLink: expParam and sigParam
// are the raw query values. The signature is checked first (in constant
// time), then the expiry: now must be strictly before exp. An empty secret
// never verifies.
func VerifyFormLink(secret []byte, formID int64, expParam, sigParam string, now time.Time) error {
	switch err := linksign.Verify(secret, formSubject(formID), expParam, sigParam, now); {
	case errors.Is(err, linksign.ErrExpired):
		return ErrLinkExpired
	case err != nil:
		return ErrLinkInvalid
	}
	return nil
}

// formSubject is what a form's link signs: "form:{id}".
func formSubject(formID int64) string { return "form:" + strconv.FormatInt(formID, 10) }
