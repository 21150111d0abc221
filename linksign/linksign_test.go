package linksign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRoundTripAndRejects(t *testing.T) {
	t.Parallel()
	secret := []byte("s3cret-s3cret-s3")
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	exp := now.Add(time.Hour)
	e, sig := Sign(secret, "letter:5:reply:1", exp)
	if e != strconv.FormatInt(exp.Unix(), 10) || len(sig) != 64 {
		t.Fatalf("exp=%q sig=%q", e, sig)
	}
	if err := Verify(secret, "letter:5:reply:1", e, sig, now); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if err := Verify(secret, "letter:5:reply:1", e, strings.ToUpper(sig), exp.Add(-time.Second)); err != nil {
		t.Fatalf("verify upper case, just before expiry: %v", err)
	}
	later := strconv.FormatInt(exp.Unix()+1, 10)
	for _, c := range []struct {
		name              string
		secret            []byte
		subject, exp, sig string
		now               time.Time
		want              error
	}{
		{"other subject", secret, "letter:5:reply:2", e, sig, now, ErrInvalid},
		{"other kind of page", secret, "form:5", e, sig, now, ErrInvalid},
		{"tampered exp", secret, "letter:5:reply:1", later, sig, now, ErrInvalid},
		{"non-canonical exp", secret, "letter:5:reply:1", "0" + e, sig, now, ErrInvalid},
		{"short sig", secret, "letter:5:reply:1", e, sig[:62], now, ErrInvalid},
		{"no sig", secret, "letter:5:reply:1", e, "", now, ErrInvalid},
		{"other secret", []byte("another-secret-1"), "letter:5:reply:1", e, sig, now, ErrInvalid},
		{"empty secret", nil, "letter:5:reply:1", e, sig, now, ErrInvalid},
		{"at expiry", secret, "letter:5:reply:1", e, sig, exp, ErrExpired},
		{"after expiry", secret, "letter:5:reply:1", e, sig, exp.Add(time.Hour), ErrExpired},
	} {
		if err := Verify(c.secret, c.subject, c.exp, c.sig, c.now); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// The MAC is the one the forms' links have always carried, so links
// already handed out keep working: HMAC-SHA256 over "form:{id}:{exp}".
func TestFormat(t *testing.T) {
	t.Parallel()
	secret := []byte("s3cret")
	exp := time.Unix(1798761600, 0)
	e, sig := Sign(secret, "form:17", exp)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("form:17:1798761600"))
	if e != "1798761600" || sig != hex.EncodeToString(m.Sum(nil)) {
		t.Fatalf("exp=%s sig=%s", e, sig)
	}
}
