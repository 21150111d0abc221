package sandbox

import (
	"bytes"
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"time"
)

// sentBody is a message/send WeCom remembers for its duplicate check.
type sentBody struct {
	at           time.Time
	msgID        string
	responseCode string
	invalid      string
}

// defaultDuplicateInterval is WeCom's duplicate_check_interval when the
// request names none.
const defaultDuplicateInterval = 1800 * time.Second

// answerDuplicateLocked implements enable_duplicate_check: "within the
// interval, a message with the same content (request JSON) is not
// received again". The repeat is answered like the original, with its
// msgid and response_code, and nobody receives anything. It reports
// whether it answered. c.mu must be held.
func (c *Corp) answerDuplicateLocked(w http.ResponseWriter, req sendRequest, body []byte) bool {
	if req.EnableDuplicateCheck != 1 {
		return false
	}
	interval := time.Duration(req.DuplicateCheckInterval) * time.Second
	if interval <= 0 {
		interval = defaultDuplicateInterval
	}
	prev, ok := c.sentBodies[sha256.Sum256(body)]
	if !ok || c.sb.Now().Sub(prev.at) >= interval {
		return false
	}
	c.apiCalls["message/send:duplicate"]++
	writeJSON(w, map[string]any{
		"errcode": 0, "errmsg": "ok", "msgid": prev.msgID, "response_code": prev.responseCode,
		"invaliduser": prev.invalid,
	})
	return true
}

// rememberSentLocked records a delivered message/send for later duplicate
// checks. Only requests that ask for the check can match one (the flag is
// part of the JSON), so only those are kept. c.mu must be held.
func (c *Corp) rememberSentLocked(req sendRequest, body []byte, msgID, code, invalid string) {
	if req.EnableDuplicateCheck != 1 {
		return
	}
	if c.sentBodies == nil {
		c.sentBodies = map[[32]byte]sentBody{}
	}
	c.sentBodies[sha256.Sum256(body)] = sentBody{at: c.sb.Now(), msgID: msgID, responseCode: code, invalid: invalid}
}

// DelayNext makes the next n calls of api answer only after d: the call
// takes effect at once, but a caller that times out meanwhile never learns
// that it did (the answer is lost, as on a slow or broken connection).
func (c *Corp) DelayNext(api string, n int, d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.faults = append(c.faults, fault{api: api, left: n, delay: d})
}

// DropAnswerNext makes the next n calls of api whose body contains
// bodyContains ("" matches any) take effect and then lose their answer:
// the connection closes before a byte of it is written, as when a
// network link breaks after WeCom has processed the call. The caller
// sees a transport error at once and cannot know the call succeeded.
func (c *Corp) DropAnswerNext(api string, n int, bodyContains string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.drops = append(c.drops, dropFault{api: api, contains: bodyContains, left: n})
}

// dropFault is a DropAnswerNext.
type dropFault struct {
	api      string
	contains string
	left     int
}

// takeDrop reports whether this call of api with body loses its answer.
func (c *Corp) takeDrop(api string, body []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.drops {
		d := &c.drops[i]
		if d.api == api && d.left > 0 && bytes.Contains(body, []byte(d.contains)) {
			d.left--
			return true
		}
	}
	return false
}

// answerDropped runs serve and closes the connection instead of answering.
func answerDropped(w http.ResponseWriter, serve func(http.ResponseWriter)) {
	serve(httptest.NewRecorder())
	hj, ok := w.(http.Hijacker)
	if !ok {
		// Cannot drop the connection: answer an error that says nothing
		// of the outcome, which the caller must also treat as unknown.
		http.Error(w, "sandbox: answer lost", http.StatusBadGateway)
		return
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
}

// Duplicates counts message/send calls that WeCom's duplicate check
// absorbed.
func (c *Corp) Duplicates() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.apiCalls["message/send:duplicate"]
}

// answerLate runs serve at once and holds its answer back for d.
func answerLate(w http.ResponseWriter, d time.Duration, serve func(http.ResponseWriter)) {
	rec := httptest.NewRecorder()
	serve(rec)
	time.Sleep(d)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}
