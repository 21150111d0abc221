package bot

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// Outcomes of a callback, as Callback.Observe and MPCallback.Observe hear
// of them. The set is closed: metrics label by it.
const (
	// OutcomeHandled: recorded and acted on (or a URL check answered).
	OutcomeHandled = "handled"
	// OutcomeDuplicate: a repeat of a callback already recorded; nothing
	// was done. The receiver says so with NoteOutcome.
	OutcomeDuplicate = "duplicate"
	// OutcomeFailed: not recorded (answered 5xx, so WeCom posts it again),
	// or recorded as failed with an apology to the user (NoteOutcome).
	OutcomeFailed = "failed"
	// OutcomeRefused: not from WeCom, or not for us: a bad signature,
	// timestamp, body, decryption or agent, a wrong method (4xx).
	OutcomeRefused = "refused"
)

// outcomeKey carries a request's outcome note through the receiver.
type outcomeKey struct{}

// withOutcome returns ctx with an empty outcome note, and the note.
func withOutcome(ctx context.Context) (context.Context, *atomic.Value) {
	note := new(atomic.Value)
	return context.WithValue(ctx, outcomeKey{}, note), note
}

// NoteOutcome lets a Receiver that returns nil tell the endpoint's
// observer what became of the callback when it was not simply handled:
// OutcomeDuplicate for a repeat, OutcomeFailed for one recorded as failed.
// Without an observer it does nothing.
func NoteOutcome(ctx context.Context, outcome string) {
	if note, ok := ctx.Value(outcomeKey{}).(*atomic.Value); ok {
		note.Store(outcome)
	}
}

// observed runs serve and reports its outcome and duration to observe,
// when set. serve reports a refusal or failure itself through NoteOutcome;
// otherwise the outcome is handled. A panic is not observed.
func observed(ctx context.Context, observe func(outcome string, took time.Duration), serve func(ctx context.Context)) {
	if observe == nil {
		serve(ctx)
		return
	}
	start := time.Now()
	ctx, note := withOutcome(ctx)
	serve(ctx)
	outcome, _ := note.Load().(string)
	if outcome == "" {
		outcome = OutcomeHandled
	}
	observe(outcome, time.Since(start))
}

// API call classes, as Client.Observe and MPClient.Observe hear of them.
const (
	CallOK        = "ok"        // errcode 0
	CallToken     = "token"     // the access token was refused (WeCom 40014, 42001; 公众号 40001 too)
	CallSecret    = "secret"    // WeCom's gettoken refused the app secret (40001)
	CallRateLimit = "ratelimit" // back off: 45009, 45033, -1
	CallOther     = "other"     // any other errcode
	CallHTTP      = "http"      // no errcode: network error, non-200 status, unreadable answer
)

// callClass sorts the result of one API request.
func callClass(err error) string {
	var ae *APIError
	var me *MPError
	switch {
	case err == nil:
		return CallOK
	case errors.As(err, &ae):
		switch {
		case ae.Code == ErrCodeInvalidSecret:
			return CallSecret
		case ae.tokenInvalid():
			return CallToken
		case ae.RateLimited():
			return CallRateLimit
		}
		return CallOther
	case errors.As(err, &me) && me.Status == 0:
		switch {
		case me.TokenInvalid():
			return CallToken
		case me.RateLimited():
			return CallRateLimit
		}
		return CallOther
	}
	return CallHTTP
}
