package forms

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"time"
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
func SignFormLink(secret []byte, formID int64, exp time.Time) string {
	e := strconv.FormatInt(exp.Unix(), 10)
	return "/forms/" + strconv.FormatInt(formID, 10) + "?exp=" + e + "&sig=" + hex.EncodeToString(formLinkMAC(secret, formID, e))
}

// VerifyFormLink checks a link made by SignFormLink: expParam and sigParam
// are the raw query values. The signature is checked first (in constant
// time), then the expiry: now must be strictly before exp. An empty secret
// never verifies.
func VerifyFormLink(secret []byte, formID int64, expParam, sigParam string, now time.Time) error {
	if len(secret) == 0 {
		return ErrLinkInvalid
	}
	exp, err := strconv.ParseInt(expParam, 10, 64)
	// Only the canonical spelling is accepted ("+1", "01" are not), so one
	// expiry has exactly one signed form.
	if err != nil || strconv.FormatInt(exp, 10) != expParam {
		return ErrLinkInvalid
	}
	sig, err := hex.DecodeString(sigParam)
	if err != nil || len(sig) != sha256.Size {
		return ErrLinkInvalid
	}
	if !hmac.Equal(sig, formLinkMAC(secret, formID, expParam)) {
		return ErrLinkInvalid
	}
	if !now.Before(time.Unix(exp, 0)) {
		return ErrLinkExpired
	}
	return nil
}

// formLinkMAC is HMAC-SHA256(secret, "form:{id}:{exp}").
func formLinkMAC(secret []byte, formID int64, exp string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("form:" + strconv.FormatInt(formID, 10) + ":" + exp))
	return m.Sum(nil)
}
