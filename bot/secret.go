package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrCodeInvalidSecret is WeCom's 40001 「不合法的secret参数」, which
// gettoken answers for a wrong corpsecret, a reset secret or a disabled
// app (WeCom's error-code page 90313, crawled in xen0n/go-workwx
// errcodes; binarywang/WxJava WxCpErrorMsgEnum). It is not a token error:
// an expired or invalid access_token is 40014 or 42001. Asking again with
// the same secret fails again, and 「如果应用的secret错误多次，会导致同一个IP
// 被禁用一小时」 (the same page, under 45009): so the client stops asking.
const ErrCodeInvalidSecret = 40001

// DefaultSecretProbe is how long the client waits, after WeCom refused the
// secret, before it asks gettoken again.
const DefaultSecretProbe = time.Minute

// SecretRejectedError is a call not made because WeCom refused the app
// secret: until NextProbe, no request goes to gettoken. Err is WeCom's
// last answer (an *APIError with 40001).
type SecretRejectedError struct {
	NextProbe time.Time
	Err       error
}

func (e *SecretRejectedError) Error() string {
	return fmt.Sprintf("wecom secret refused, next try at %s: %v", e.NextProbe.Format(time.RFC3339), e.Err)
}

func (e *SecretRejectedError) Unwrap() error { return e.Err }

// IsSecretRejected reports whether err says WeCom refused the app secret.
func IsSecretRejected(err error) (*SecretRejectedError, bool) {
	var se *SecretRejectedError
	ok := errors.As(err, &se)
	return se, ok
}

// secretGate lets gettoken be asked at most once per probe interval
// after a 40001, by one caller at a time, so that a backlog of rows does
// not become a gettoken call each. It is per process; several replicas
// probe each on their own.
type secretGate struct {
	mu        sync.Mutex
	rejected  bool
	probing   bool
	nextProbe time.Time
	last      error
}

// probeInFlight is how long others are told to wait while one caller
// probes: the probe's answer comes within a call's timeout.
const probeInFlight = 2 * time.Second

// enter returns nil when the caller may ask gettoken now.
func (g *secretGate) enter(now time.Time) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case !g.rejected:
		return nil
	case g.probing:
		return &SecretRejectedError{NextProbe: now.Add(probeInFlight), Err: g.last}
	case now.Before(g.nextProbe):
		return &SecretRejectedError{NextProbe: g.nextProbe, Err: g.last}
	}
	g.probing = true
	return nil
}

// leave records gettoken's answer and reports a change: +1 the secret
// was refused (it was not before), -1 it works again, 0 no change.
func (g *secretGate) leave(now time.Time, wait time.Duration, err error) (change int, next time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.probing = false
	var ae *APIError
	switch {
	case errors.As(err, &ae) && ae.Code == ErrCodeInvalidSecret:
		if !g.rejected {
			change = 1
		}
		g.rejected, g.last, g.nextProbe = true, err, now.Add(wait)
	case err == nil:
		if g.rejected {
			change = -1
		}
		g.rejected, g.last = false, nil
	case g.rejected:
		// The probe failed otherwise (network): the secret is still
		// unproven, try again after the same wait.
		g.nextProbe = now.Add(wait)
	}
	return change, g.nextProbe
}

// state reports whether the secret is refused and when the next probe is.
func (g *secretGate) state() (bool, time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.rejected, g.nextProbe
}

// SecretRejected reports whether WeCom refused the app secret at the last
// gettoken, and when the client will ask again: until then every call
// fails at once with a *SecretRejectedError.
func (c *Client) SecretRejected() (bool, time.Time) { return c.gate.state() }

// gatedFetch is fetchToken behind the secret gate: it logs once when the
// secret is refused and once when it works again.
func (c *Client) gatedFetch(ctx context.Context) (string, time.Duration, error) {
	now := c.now()
	if err := c.gate.enter(now); err != nil {
		return "", 0, err
	}
	tok, life, err := c.fetchToken(ctx)
	wait := c.SecretProbe
	if wait <= 0 {
		wait = DefaultSecretProbe
	}
	change, next := c.gate.leave(c.now(), wait, err)
	switch change {
	case 1:
		c.log.ErrorContext(ctx, "wecom refused the app secret (40001): sends to WeCom are paused; "+
			"check WECOM_SECRET and WECOM_CORP_ID and that the app is enabled; gettoken is tried again every "+wait.String(),
			"corp", c.CorpID, "next_probe", next)
		if c.ObserveSecret != nil {
			c.ObserveSecret(true)
		}
	case -1:
		c.log.InfoContext(ctx, "wecom accepts the app secret again: sends resume", "corp", c.CorpID)
		if c.ObserveSecret != nil {
			c.ObserveSecret(false)
		}
	}
	if rejected, _ := c.gate.state(); err != nil && rejected {
		return "", 0, &SecretRejectedError{NextProbe: next, Err: err}
	}
	return tok, life, err
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}
