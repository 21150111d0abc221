package bot

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
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

// ErrReplayed reports a plain 公众号 callback whose timestamp and nonce
// came before with another body.
var ErrReplayed = errors.New("plain callback refused: timestamp and nonce already used with another body")

// ReplayGuard remembers, across replicas (Redis), the timestamp and nonce
// of each plain-mode callback with a digest of its body.
type ReplayGuard interface {
	// ClaimNonce stores value under key for ttl unless key is stored
	// already, and returns what key holds: value itself when this call
	// stored it or when the same value was stored before.
	ClaimNonce(ctx context.Context, key, value string, ttl time.Duration) (string, error)
}

// replayTTL is how long a plain callback's timestamp and nonce are
// remembered: the whole window in which its timestamp is accepted
// (MaxClockSkew either side of now), plus a minute for replicas whose
// clocks differ a little. A fixed span, so that the writer's clock does
// not decide when another replica forgets.
const replayTTL = 2*MaxClockSkew + time.Minute

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
//
// In plain mode, which is WeChat's protocol and cannot be made to sign
// the body, a captured query string would otherwise carry any body while
// its timestamp is accepted. So each timestamp+nonce is remembered with
// the SHA-256 of its body (Replay, shared by the replicas, and this
// process's own memory), and the pair coming again with another body is
// refused. The same pair with the same body is let through: WeChat posts a
// callback again when no answer came within 5 s (「微信服务器在五秒内收不到
// 响应会断掉连接，并且重新发起请求，总共重试三次」, 微信开放文档 接收普通消息),
// with the same message; the documents do not say whether the retry
// keeps the query's timestamp and nonce, so both must work, and the
// receiver's inbox makes a repeat do nothing. Replay may be nil (tests):
// the process's memory alone then guards. When Replay fails (Redis is
// down) the callback is not refused, since WeChat gives up after three
// tries and the follower's message would be lost: this replica's memory
// still refuses a replay of what it saw, and one that reaches another
// replica during the outage gets through. Safe mode (MP_AES_KEY) binds
// the body to the Token and needs none of this.
type MPCallback struct {
	Token    string
	Crypto   *Crypto // nil when MP_AES_KEY is empty: plain mode only
	Receiver MPReceiver
	Now      func() time.Time
	Log      *slog.Logger
	// Replay remembers plain callbacks' timestamps and nonces for every
	// replica (Redis); nil = this process only.
	Replay ReplayGuard
	// Observe, when set, hears of every request: its outcome (Outcome*)
	// and how long it took to answer (the metrics).
	Observe func(outcome string, took time.Duration)

	seen nonceMemory
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
	if err == nil && h.Crypto == nil {
		// Open accepted a plain body: the only kind unbound to the Token.
		err = h.checkReplay(r.Context(), q.Get("timestamp"), q.Get("nonce"), body)
	}
	if err != nil {
		status := statusFor(err)
		if errors.Is(err, ErrPlainRefused) || errors.Is(err, ErrReplayed) {
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

// checkReplay refuses a plain callback whose timestamp and nonce came
// before with another body (see MPCallback).
func (h *MPCallback) checkReplay(ctx context.Context, timestamp, nonce string, body []byte) error {
	sum := sha256.Sum256(body)
	digest := hex.EncodeToString(sum[:])
	key := "mp:" + timestamp + ":" + nonce
	now := h.Now()
	// The memory holds only bodies that were accepted: what this replica
	// let through, or what the shared store says was. So a replay is
	// refused here even when the shared store failed at the original.
	if prev, ok := h.seen.get(key, now); ok && prev != digest {
		return ErrReplayed
	}
	if h.Replay != nil {
		stored, err := h.Replay.ClaimNonce(ctx, key, digest, replayTTL)
		if err == nil {
			h.seen.claim(key, stored, now, replayTTL)
			if stored != digest {
				return ErrReplayed
			}
			return nil
		}
		h.Log.WarnContext(ctx, "mp replay check: shared store unavailable, this replica's memory only", "err", err)
	}
	if h.seen.claim(key, digest, now, replayTTL) != digest {
		return ErrReplayed
	}
	return nil
}

// nonceMemory is the process's own record of plain callbacks' timestamps
// and nonces. Its zero value is ready. Only callbacks with a valid
// signature reach it, so its size is WeChat's traffic of replayTTL;
// expired entries are swept when it has doubled since the last sweep.
type nonceMemory struct {
	mu      sync.Mutex
	entries map[string]nonceEntry
	sweepAt int
}

type nonceEntry struct {
	value string
	until time.Time
}

// get returns what key holds, if it has not expired.
func (n *nonceMemory) get(key string, now time.Time) (string, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	e, ok := n.entries[key]
	if !ok || !now.Before(e.until) {
		return "", false
	}
	return e.value, true
}

// claim is ClaimNonce in memory.
func (n *nonceMemory) claim(key, value string, now time.Time, ttl time.Duration) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if e, ok := n.entries[key]; ok && now.Before(e.until) {
		return e.value
	}
	if n.entries == nil {
		n.entries = map[string]nonceEntry{}
	}
	if len(n.entries) >= n.sweepAt {
		for k, e := range n.entries {
			if !now.Before(e.until) {
				delete(n.entries, k)
			}
		}
		n.sweepAt = 2*len(n.entries) + 1024
	}
	n.entries[key] = nonceEntry{value: value, until: now.Add(ttl)}
	return value
}

func (h *MPCallback) refuse(w http.ResponseWriter, r *http.Request, status int, err error) {
	h.Log.WarnContext(r.Context(), "mp callback refused", "method", r.Method, "status", status, "remote", r.RemoteAddr, "err", err)
	NoteOutcome(r.Context(), OutcomeRefused)
	http.Error(w, http.StatusText(status), status)
}
