package bot

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Events of a 公众号 callback (ParseMessage lower-cases them).
const (
	MPEventSubscribe   = "subscribe"
	MPEventUnsubscribe = "unsubscribe"
	MPEventClick       = "click"
)

// ErrSafeModeOff reports an encrypted 公众号 callback while MP_AES_KEY is
// not configured.
var ErrSafeModeOff = errors.New("safe mode callback but no EncodingAESKey configured")

// ErrPlainRefused reports a plain 公众号 callback while safe mode is
// configured.
var ErrPlainRefused = errors.New("plain callback refused: safe mode is configured")

// MPReceiver acts on a verified 公众号 callback. An error means the
// callback was not recorded and WeChat should post it again.
type MPReceiver interface {
	ReceiveMP(ctx context.Context, m *Message) error
}

// MPCallback is the 公众号's callback URL. Its scheme differs from
// WeCom's: the URL check is a GET whose signature is the SHA-1 of the
// sorted token, timestamp and nonce, answered with echostr as is; a POST
// carries the same signature and, in safe mode (encrypt_type=aes), the
// message encrypted as in WeCom with the AppID as receive id and signed
// again in msg_signature. Both modes must carry a valid signature. The
// plain signature does not cover the body, so once an EncodingAESKey is
// configured plain POSTs are refused: only the encrypted body is bound to
// the Token.
type MPCallback struct {
	Token    string
	Crypto   *Crypto // nil when MP_AES_KEY is empty: plain mode only
	Receiver MPReceiver
	Now      func() time.Time
	Log      *slog.Logger
	// Observe, when set, hears of every request: its outcome (Outcome*)
	// and how long it took to answer (the metrics).
	Observe func(outcome string, took time.Duration)
}

func (h *MPCallback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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

// checkSignature verifies the plain signature and the timestamp.
func (h *MPCallback) checkSignature(q url.Values) (int, error) {
	ts := q.Get("timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return http.StatusBadRequest, errors.New("timestamp is not a number")
	}
	if d := h.Now().Sub(time.Unix(sec, 0)); d > MaxClockSkew || d < -MaxClockSkew {
		return http.StatusForbidden, errors.New("timestamp too far from now")
	}
	want := Signature(h.Token, ts, q.Get("nonce"))
	got := q.Get("signature")
	if len(got) != len(want) || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return http.StatusForbidden, errors.New("signature does not match")
	}
	return 0, nil
}

func (h *MPCallback) verifyURL(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if status, err := h.checkSignature(q); err != nil {
		h.refuse(w, r, status, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, q.Get("echostr"))
}

func (h *MPCallback) receive(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if status, err := h.checkSignature(q); err != nil {
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
	m, err := h.Open(q.Get("encrypt_type"), q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), body)
	if err != nil {
		status := statusFor(err)
		if errors.Is(err, ErrPlainRefused) {
			status = http.StatusForbidden
		}
		h.refuse(w, r, status, err)
		return
	}
	if err := h.Receiver.ReceiveMP(r.Context(), m); err != nil {
		h.Log.ErrorContext(r.Context(), "mp callback not recorded", "from", m.FromUserName, "key", m.DedupKey(), "err", err)
		NoteOutcome(r.Context(), OutcomeFailed)
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	// WeChat wants "success" (or nothing) when there is no passive reply;
	// replies go out through the outbox as 客服消息.
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "success")
}

// Open decrypts (in safe mode) and parses a callback body whose plain
// signature was checked.
func (h *MPCallback) Open(encryptType, msgSignature, timestamp, nonce string, body []byte) (*Message, error) {
	switch encryptType {
	case "", "raw":
		if h.Crypto != nil {
			return nil, ErrPlainRefused
		}
		return ParseMessage(body)
	case "aes":
		if h.Crypto == nil {
			return nil, ErrSafeModeOff
		}
		env, err := ParseEnvelope(body)
		if err != nil {
			return nil, err
		}
		if err := h.Crypto.Verify(msgSignature, timestamp, nonce, env.Encrypt); err != nil {
			return nil, err
		}
		plain, err := h.Crypto.Decrypt(env.Encrypt)
		if err != nil {
			return nil, err
		}
		return ParseMessage(plain)
	}
	return nil, errors.New("encrypt_type must be raw or aes")
}

func (h *MPCallback) refuse(w http.ResponseWriter, r *http.Request, status int, err error) {
	h.Log.WarnContext(r.Context(), "mp callback refused", "method", r.Method, "status", status, "remote", r.RemoteAddr, "err", err)
	NoteOutcome(r.Context(), OutcomeRefused)
	http.Error(w, http.StatusText(status), status)
}
