package webauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
)

// A POST that changed something redirects to its page with what it did
// (post/redirect/get), and the page says so. The outcome rides in the
// address, signed for the session that made the change: anyone may send
// anyone a link with ?done=…, and the page must not then announce a
// decision or a record that nobody made.

// DoneQuery is the query a POST's redirect carries: done, signed for v's
// session.
func DoneQuery(v *Visitor, done string) string {
	return "?done=" + url.QueryEscape(done) + "&ds=" + doneSig(v, done)
}

// Done is the done of r's DoneQuery when it was signed for v's session;
// "" for none, or for another session's (a link passed on).
func Done(r *http.Request, v *Visitor) string {
	q := r.URL.Query()
	done := q.Get("done")
	if done == "" || v == nil || v.CSRF == "" || !hmac.Equal([]byte(q.Get("ds")), []byte(doneSig(v, done))) {
		return ""
	}
	return done
}

// doneSig signs done with the session's CSRF token, a secret of the
// session that ends with it.
func doneSig(v *Visitor, done string) string {
	m := hmac.New(sha256.New, []byte(v.CSRF))
	m.Write([]byte("done:" + done))
	return hex.EncodeToString(m.Sum(nil))[:32]
}
