package webauth

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// A page's done notice is believed only from the session that signed it,
// on the page it was signed for, and only for NoticeTTL.
func TestDoneSignedForTheSessionPageAndMoment(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	mine, other := &Visitor{CSRF: "token-of-mine", at: now}, &Visitor{CSRF: "token-of-other", at: now}
	link := DoneQuery(mine, "/desk/form/5", "approve")
	if got := Done(httptest.NewRequest("GET", link, nil), mine); got != "approve" {
		t.Errorf("Done on the signing session = %q, want approve", got)
	}
	later := func(d time.Duration) *Visitor { return &Visitor{CSRF: mine.CSRF, at: now.Add(d)} }
	if got := Done(httptest.NewRequest("GET", link, nil), later(NoticeTTL)); got != "approve" {
		t.Errorf("Done a reload later = %q, want approve", got)
	}
	for name, c := range map[string]struct {
		url string
		v   *Visitor
	}{
		"another session": {link, other},
		"unsigned":        {"/desk/form/5?done=approve", mine},
		"tampered":        {link[:len(link)-1] + "0&done=reject", mine},
		"another record":  {strings.Replace(link, "/desk/form/5", "/desk/form/6", 1), mine},
		"another time":    {strings.Replace(link, "&at=", "&at=1", 1), mine},
		"kept for later":  {link, later(NoticeTTL + time.Second)},
		"no session":      {link, nil},
	} {
		if got := Done(httptest.NewRequest("GET", c.url, nil), c.v); got != "" {
			t.Errorf("%s: Done = %q, want nothing", name, got)
		}
	}
}

// An upload's notice too: only its name's, only from the signing session,
// only for NoticeTTL.
func TestNoteSignedForTheSession(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	mine, other := &Visitor{CSRF: "token-of-mine", at: now}, &Visitor{CSRF: "token-of-other", at: now}
	q := func(s string) url.Values { v, _ := url.ParseQuery(s); return v }
	in := func(v *Visitor) context.Context { return context.WithValue(context.Background(), visitorKey{}, v) }
	link := NoteQuery(mine, "uploaded", "12")
	if got := Note(in(mine), q(link), "uploaded"); got != "12" {
		t.Errorf("Note on the signing session = %q, want 12", got)
	}
	_, doneQuery, _ := strings.Cut(DoneQuery(mine, "/desk/form/5", "approve"), "?")
	for name, c := range map[string]struct {
		query string
		ctx   context.Context
	}{
		"another session": {link, in(other)},
		"unsigned":        {"uploaded=12", in(mine)},
		"another value":   {strings.Replace(link, "uploaded=12", "uploaded=13", 1), in(mine)},
		"a done's sig":    {strings.NewReplacer("done=", "uploaded=", "&at=", "&uploaded_at=", "&ds=", "&uploaded_sig=").Replace(doneQuery), in(mine)},
		"kept for later":  {link, in(&Visitor{CSRF: mine.CSRF, at: now.Add(NoticeTTL + time.Second)})},
		"no visitor":      {link, context.Background()},
	} {
		if got := Note(c.ctx, q(c.query), "uploaded"); got != "" {
			t.Errorf("%s: Note = %q, want nothing", name, got)
		}
	}
}
