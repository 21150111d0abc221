package webauth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// A POST that changed something redirects to its page with what it did
// (post/redirect/get), and the page says so. The outcome rides in the
// address, signed for the session that made the change, the page it is
// about and the moment: anyone may send anyone a link with ?done=…, and a
// page must not then announce a decision nobody made, one made on another
// record, or one made long ago (the record may have moved on since, and
// the notice, which says where it stands now, would contradict itself).

// NoticeTTL is how long after the change its notice is announced: the
// redirect and a reload right after, not a link kept for later.
const NoticeTTL = 2 * time.Minute

// DoneQuery is the address a POST's redirect goes to: path with done,
// signed for v's session, for path and for now.
func DoneQuery(v *Visitor, path, done string) string {
	at := strconv.FormatInt(v.at.Unix(), 10)
	return path + "?done=" + url.QueryEscape(done) + "&at=" + at + "&ds=" + noteSig(v, "done", path+"\n"+done+"\n"+at)
}

// Done is the done of r's DoneQuery when it was signed for v's session,
// for r's page and no longer than NoticeTTL ago; "" otherwise (none, a
// link passed on, or one kept).
func Done(r *http.Request, v *Visitor) string {
	q := r.URL.Query()
	done, at := q.Get("done"), q.Get("at")
	if done == "" || !fresh(v, at) || !hmac.Equal([]byte(q.Get("ds")), []byte(noteSig(v, "done", r.URL.Path+"\n"+done+"\n"+at))) {
		return ""
	}
	return done
}

// NoteQuery is DoneQuery for a notice other than a decision's (an
// upload's, which names the version and so its record): name=value,
// signed for v's session and now, as query parameters without the "?".
func NoteQuery(v *Visitor, name, value string) string {
	at := strconv.FormatInt(v.at.Unix(), 10)
	return name + "=" + url.QueryEscape(value) + "&" + name + "_at=" + at + "&" + name + "_sig=" + noteSig(v, name, value+"\n"+at)
}

// Note is the value of q's NoteQuery name when it was signed for the
// session of the visitor ctx carries (Page's) no longer than NoticeTTL
// ago; "" for none, another session's or an old one.
func Note(ctx context.Context, q url.Values, name string) string {
	v := VisitorOf(ctx)
	value, at := q.Get(name), q.Get(name+"_at")
	if value == "" || !fresh(v, at) || !hmac.Equal([]byte(q.Get(name+"_sig")), []byte(noteSig(v, name, value+"\n"+at))) {
		return ""
	}
	return value
}

// fresh reports whether a notice signed at (Unix seconds) is still to be
// announced to v.
func fresh(v *Visitor, at string) bool {
	if v == nil || v.CSRF == "" {
		return false
	}
	sec, err := strconv.ParseInt(at, 10, 64)
	if err != nil {
		return false
	}
	age := v.at.Sub(time.Unix(sec, 0))
	return age >= -time.Minute && age <= NoticeTTL // a minute of clock skew between two instances
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
