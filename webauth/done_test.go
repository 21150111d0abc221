package webauth

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// A page's done notice is believed only from the session that signed it.
func TestDoneSignedForTheSession(t *testing.T) {
	t.Parallel()
	mine, other := &Visitor{CSRF: "token-of-mine"}, &Visitor{CSRF: "token-of-other"}
	link := "/desk/form/5" + DoneQuery(mine, "approve")
	if got := Done(httptest.NewRequest("GET", link, nil), mine); got != "approve" {
		t.Errorf("Done on the signing session = %q, want approve", got)
	}
	for name, c := range map[string]struct {
		url string
		v   *Visitor
	}{
		"another session": {link, other},
		"unsigned":        {"/desk/form/5?done=approve", mine},
		"tampered":        {"/desk/form/5" + DoneQuery(mine, "approve")[:len(DoneQuery(mine, "approve"))-1] + "0&done=reject", mine},
		"no session":      {link, nil},
	} {
		if got := Done(httptest.NewRequest("GET", c.url, nil), c.v); got != "" {
			t.Errorf("%s: Done = %q, want nothing", name, got)
		}
	}
}

// An upload's notice too: only its name's, only from the signing session.
func TestNoteSignedForTheSession(t *testing.T) {
	t.Parallel()
	mine, other := &Visitor{CSRF: "token-of-mine"}, &Visitor{CSRF: "token-of-other"}
	q := func(s string) url.Values { v, _ := url.ParseQuery(s); return v }
	in := func(v *Visitor) context.Context { return context.WithValue(context.Background(), visitorKey{}, v) }
	link := NoteQuery(mine, "uploaded", "12")
	if got := Note(in(mine), q(link), "uploaded"); got != "12" {
		t.Errorf("Note on the signing session = %q, want 12", got)
	}
	for name, c := range map[string]struct {
		query string
		ctx   context.Context
	}{
		"another session": {link, in(other)},
		"unsigned":        {"uploaded=12", in(mine)},
		"another value":   {strings.Replace(link, "uploaded=12", "uploaded=13", 1), in(mine)},
		"a done's sig":    {"uploaded=approve&uploaded_sig=" + strings.TrimPrefix(DoneQuery(mine, "approve"), "?done=approve&ds="), in(mine)},
		"no visitor":      {link, context.Background()},
	} {
		if got := Note(c.ctx, q(c.query), "uploaded"); got != "" {
			t.Errorf("%s: Note = %q, want nothing", name, got)
		}
	}
}
