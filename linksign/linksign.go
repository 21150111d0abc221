// Package linksign signs and checks the expiring links the bot hands out
// in WeCom (the printable 审批单, the letters of the 依申请公开 register):
// whoever holds such a link may open that one page until it expires, and
// nobody can make one without LINK_SECRET.
//
// A link carries exp (Unix seconds) and sig, the hex HMAC-SHA256 with the
// secret over "{subject}:{exp}". The subject names the page and begins
// with its kind ("form:17", "letter:5:reply:1"), so a signature for one
// kind of page is never one for another.
package linksign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"time"
)

// Errors returned by Verify.
var (
	// ErrInvalid means the link was not signed by us for this subject
	// (wrong or missing signature, tampered subject or expiry, malformed
	// query).
	ErrInvalid = errors.New("linksign: link invalid")
	// ErrExpired means the signature is good but the link's time is up.
	ErrExpired = errors.New("linksign: link expired")
)

// Sign returns the exp and sig query values of a link to subject, valid
// until exp.
func Sign(secret []byte, subject string, exp time.Time) (expParam, sigParam string) {
	e := strconv.FormatInt(exp.Unix(), 10)
	return e, hex.EncodeToString(mac(secret, subject, e))
}

// Verify checks a link made by Sign: expParam and sigParam are the raw
// query values. The signature is checked first (in constant time), then
// the expiry: now must be strictly before exp. An empty secret never
// verifies.
func Verify(secret []byte, subject, expParam, sigParam string, now time.Time) error {
	if len(secret) == 0 {
		return ErrInvalid
	}
	exp, err := strconv.ParseInt(expParam, 10, 64)
	// Only the canonical spelling is accepted ("+1", "01" are not), so one
	// expiry has exactly one signed form.
	if err != nil || strconv.FormatInt(exp, 10) != expParam {
		return ErrInvalid
	}
	sig, err := hex.DecodeString(sigParam)
	if err != nil || len(sig) != sha256.Size {
		return ErrInvalid
	}
	if !hmac.Equal(sig, mac(secret, subject, expParam)) {
		return ErrInvalid
	}
	if !now.Before(time.Unix(exp, 0)) {
		return ErrExpired
	}
	return nil
}

// mac is HMAC-SHA256(secret, "{subject}:{exp}").
func mac(secret []byte, subject, exp string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(subject + ":" + exp))
	return m.Sum(nil)
}
