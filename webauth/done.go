package webauth

import (
	"context"
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
	return "?done=" + url.QueryEscape(done) + "&ds=" + noteSig(v, "done", done)
}

// Done is the done of r's DoneQuery when it was signed for v's session;
// "" for none, or for another session's (a link passed on).
func Done(r *http.Request, v *Visitor) string {
	return signed(r.URL.Query(), v, "done", "ds")
}

// NoteQuery is DoneQuery for a notice other than a decision's (an
// upload's): name=value, signed for v's session, as query parameters
// without the "?".
func NoteQuery(v *Visitor, name, value string) string {
	return name + "=" + url.QueryEscape(value) + "&" + name + "_sig=" + noteSig(v, name, value)
}

// Note is the value of q's NoteQuery name when it was signed for the
// session of the visitor ctx carries (Page's); "" for none, or another
// session's.
func Note(ctx context.Context, q url.Values, name string) string {
	return signed(q, VisitorOf(ctx), name, name+"_sig")
}

func signed(q url.Values, v *Visitor, name, sigName string) string {
	value := q.Get(name)
	if value == "" || v == nil || v.CSRF == "" || !hmac.Equal([]byte(q.Get(sigName)), []byte(noteSig(v, name, value))) {
		return ""
	}
	return value
}

// noteSig signs name=value with the session's CSRF token, a secret of the
// session that ends with it; the name keeps one notice's signature from
// passing for another's.
func noteSig(v *Visitor, name, value string) string {
	m := hmac.New(sha256.New, []byte(v.CSRF))
	m.Write([]byte(name + ":" + value))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

type visitorKey struct{}

// VisitorOf is the visitor Page put in a request's context; nil outside a
// page.
func VisitorOf(ctx context.Context) *Visitor {
	v, _ := ctx.Value(visitorKey{}).(*Visitor)
	return v
}

func withVisitor(r *http.Request, v *Visitor) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), visitorKey{}, v))
}
