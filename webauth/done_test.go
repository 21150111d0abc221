package webauth

import (
	"net/http/httptest"
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
