package forms

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// formLinkParts splits a link from SignFormLink into its parts.
func formLinkParts(t *testing.T, link string) (id int64, exp, sig string) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("parse %q: %v", link, err)
	}
	rest, ok := strings.CutPrefix(u.Path, "/forms/")
	if !ok {
		t.Fatalf("path %q lacks /forms/", u.Path)
	}
	id, err = strconv.ParseInt(rest, 10, 64)
	if err != nil {
		t.Fatalf("id in %q: %v", u.Path, err)
	}
	q := u.Query()
	return id, q.Get("exp"), q.Get("sig")
}

func TestFormLinkRoundTrip(t *testing.T) {
	secret := []byte("s3cret")
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	exp := now.Add(72 * time.Hour)
	link := SignFormLink(secret, 17, exp)

	want := "/forms/17?exp=" + strconv.FormatInt(exp.Unix(), 10) + "&sig="
	if !strings.HasPrefix(link, want) {
		t.Fatalf("link = %q, want prefix %q", link, want)
	}
	id, e, sig := formLinkParts(t, link)
	if id != 17 || len(sig) != 64 {
		t.Fatalf("id=%d sig=%q", id, sig)
	}
	if err := VerifyFormLink(secret, id, e, sig, now); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if err := VerifyFormLink(secret, id, e, strings.ToUpper(sig), now); err != nil {
		t.Fatalf("verify upper-case sig: %v", err)
	}
	if err := VerifyFormLink(secret, id, e, sig, exp.Add(-time.Second)); err != nil {
		t.Fatalf("verify just before expiry: %v", err)
	}
}

func TestFormLinkRejects(t *testing.T) {
	secret := []byte("s3cret")
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	exp := now.Add(time.Hour)
	id, e, sig := formLinkParts(t, SignFormLink(secret, 17, exp))
	later := strconv.FormatInt(exp.Add(time.Hour).Unix(), 10)
	flipped := []byte(sig)
	if flipped[0] == '0' {
		flipped[0] = '1'
	} else {
		flipped[0] = '0'
	}

	tests := []struct {
		name   string
		secret []byte
		id     int64
		exp    string
		sig    string
		now    time.Time
		want   error
	}{
		{"tampered id", secret, id + 1, e, sig, now, ErrLinkInvalid},
		{"tampered exp", secret, id, later, sig, now, ErrLinkInvalid},
		{"tampered sig", secret, id, e, string(flipped), now, ErrLinkInvalid},
		{"truncated sig", secret, id, e, sig[:62], now, ErrLinkInvalid},
		{"non-hex sig", secret, id, e, "zz" + sig[2:], now, ErrLinkInvalid},
		{"empty sig", secret, id, e, "", now, ErrLinkInvalid},
		{"malformed exp", secret, id, "tomorrow", sig, now, ErrLinkInvalid},
		{"empty exp", secret, id, "", sig, now, ErrLinkInvalid},
		{"non-canonical exp", secret, id, "+" + e, sig, now, ErrLinkInvalid},
		{"leading zero exp", secret, id, "0" + e, sig, now, ErrLinkInvalid},
		{"different secret", []byte("other"), id, e, sig, now, ErrLinkInvalid},
		{"empty secret", nil, id, e, sig, now, ErrLinkInvalid},
		{"expired exactly", secret, id, e, sig, exp, ErrLinkExpired},
		{"expired later", secret, id, e, sig, exp.Add(24 * time.Hour), ErrLinkExpired},
		{"expired but bad sig", secret, id, e, string(flipped), exp.Add(time.Hour), ErrLinkInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifyFormLink(tc.secret, tc.id, tc.exp, tc.sig, tc.now)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestFormLinkEmptySecretNeverVerifies(t *testing.T) {
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	id, e, sig := formLinkParts(t, SignFormLink(nil, 5, now.Add(time.Hour)))
	if err := VerifyFormLink(nil, id, e, sig, now); !errors.Is(err, ErrLinkInvalid) {
		t.Fatalf("got %v, want ErrLinkInvalid", err)
	}
}
