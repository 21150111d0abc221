package bot

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// MaxCallbackBody is the largest callback body accepted. WeCom's messages
// are a few KiB; anything larger is not WeCom.
const MaxCallbackBody = 64 << 10

// MaxClockSkew is how far a callback's timestamp may be from now. WeCom
// documents no window; ten minutes tolerates clock drift and its retries.
const MaxClockSkew = 10 * time.Minute

// ErrForeignAgent reports a callback addressed to another app.
var ErrForeignAgent = errors.New("callback is for another agent")

// Receiver acts on a verified, decrypted callback. An error means the
// callback was not recorded and WeCom should post it again.
type Receiver interface {
	Receive(ctx context.Context, m *Message) error
}

// Callback is the HTTP endpoint WeCom posts to: GET for URL verification,
// POST for messages and events. It answers 200 with an empty body once the
// receiver has recorded the callback; replies go out through the outbox.
type Callback struct {
	Crypto   *Crypto
	AgentID  string
	Receiver Receiver
	Now      func() time.Time
	Log      *slog.Logger
	// Observe, when set, hears of every request: its outcome (Outcome*)
	// and how long it took to answer (the metrics).
	Observe func(outcome string, took time.Duration)
}

func (h *Callback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	observed(r.Context(), h.Observe, func(ctx context.Context) {
		if ctx != r.Context() {
			r = r.WithContext(ctx)
		}
		switch r.Method {
		case http.MethodGet:
			h.verifyURL(w, r)
		case http.MethodPost:
			h.receive(w, r)
		default:
			NoteOutcome(ctx, OutcomeRefused)
			w.Header().Set("Allow", "GET, POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	})
}

func (h *Callback) verifyURL(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query() // Query already URL-decodes echostr, as WeCom requires.
	ts, nonce, echo := q.Get("timestamp"), q.Get("nonce"), q.Get("echostr")
	if status, err := h.checkTimestamp(ts); err != nil {
		h.refuse(w, r, status, err)
		return
	}
	if err := h.Crypto.Verify(q.Get("msg_signature"), ts, nonce, echo); err != nil {
		h.refuse(w, r, http.StatusForbidden, err)
		return
	}
	plain, err := h.Crypto.Decrypt(echo)
	if err != nil {
		h.refuse(w, r, statusFor(err), err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(plain)
}

func (h *Callback) receive(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ts := q.Get("timestamp")
	if status, err := h.checkTimestamp(ts); err != nil {
		h.refuse(w, r, status, err)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxCallbackBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.refuse(w, r, http.StatusRequestEntityTooLarge, err)
			return
		}
		h.refuse(w, r, http.StatusBadRequest, err)
		return
	}
	m, err := h.Open(q.Get("msg_signature"), ts, q.Get("nonce"), body)
	if err != nil {
		h.refuse(w, r, statusFor(err), err)
		return
	}
	if err := h.Receiver.Receive(r.Context(), m); err != nil {
		// Not recorded: a 5xx makes WeCom post it again.
		h.Log.ErrorContext(r.Context(), "callback not recorded", "from", m.FromUserName, "key", m.DedupKey(), "err", err)
		NoteOutcome(r.Context(), OutcomeFailed)
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// Open verifies, decrypts and parses a callback body. It is the whole parse
// path of a POST short of HTTP, and the fuzz target.
func (h *Callback) Open(signature, timestamp, nonce string, body []byte) (*Message, error) {
	env, err := ParseEnvelope(body)
	if err != nil {
		return nil, err
	}
	if err := h.Crypto.Verify(signature, timestamp, nonce, env.Encrypt); err != nil {
		return nil, err
	}
	plain, err := h.Crypto.Decrypt(env.Encrypt)
	if err != nil {
		return nil, err
	}
	m, err := ParseMessage(plain)
	if err != nil {
		return nil, err
	}
	if m.AgentID != h.AgentID {
		return nil, ErrForeignAgent
	}
	return m, nil
}

func (h *Callback) checkTimestamp(ts string) (int, error) {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return http.StatusBadRequest, errors.New("timestamp is not a number")
	}
	d := h.Now().Sub(time.Unix(sec, 0))
	if d > MaxClockSkew || d < -MaxClockSkew {
		return http.StatusForbidden, errors.New("timestamp too far from now")
	}
	return 0, nil
}

func (h *Callback) refuse(w http.ResponseWriter, r *http.Request, status int, err error) {
	h.Log.WarnContext(r.Context(), "callback refused", "method", r.Method, "status", status, "remote", r.RemoteAddr, "err", err)
	NoteOutcome(r.Context(), OutcomeRefused)
	http.Error(w, http.StatusText(status), status)
}

func statusFor(err error) int {
	switch {
	case errors.Is(err, ErrSignature), errors.Is(err, ErrReceiveID), errors.Is(err, ErrForeignAgent):
		return http.StatusForbidden
	default:
		return http.StatusBadRequest
	}
}
