// Package outbox delivers the outbound calls that request handlers and jobs
// write to the Postgres outbox. Nothing else talks to WeCom on behalf of a
// user action, so a slow or failing API never delays a callback and a
// restart loses nothing.
package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/storage"
)

// Sender is the part of bot.Client the worker uses.
type Sender interface {
	Send(ctx context.Context, m bot.OutMessage) (*bot.SendResult, error)
	UpdateTemplateCard(ctx context.Context, u bot.CardUpdate) error
	CreateMenu(ctx context.Context, m bot.Menu) error
}

// Worker claims due rows and delivers them. Several workers, in one process
// or in several replicas, may run against one database.
type Worker struct {
	DB          *storage.DB
	Sender      Sender
	Log         *slog.Logger
	Now         func() time.Time
	Interval    time.Duration // poll interval when idle
	Batch       int
	MaxAttempts int

	poke chan struct{}
}

// NewWorker returns a worker with default pacing.
func NewWorker(db *storage.DB, s Sender, log *slog.Logger) *Worker {
	return &Worker{
		DB: db, Sender: s, Log: log, Now: time.Now,
		Interval: 500 * time.Millisecond, Batch: 50, MaxAttempts: 12,
		poke: make(chan struct{}, 1),
	}
}

// Poke wakes the worker after a commit that queued something.
func (w *Worker) Poke() {
	select {
	case w.poke <- struct{}{}:
	default:
	}
}

// Run delivers until ctx is cancelled. A batch in flight is finished with a
// context that outlives the cancellation by a few seconds.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTicker(w.Interval)
	defer t.Stop()
	for {
		n, err := w.DeliverDue(context.WithoutCancel(ctx))
		if err != nil {
			w.Log.ErrorContext(ctx, "outbox delivery", "err", err)
		}
		if ctx.Err() != nil {
			return
		}
		if n > 0 {
			continue // more may be due: a recipient's next message waits for its previous one
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.poke:
		}
	}
}

// DeliverDue claims one batch of due rows and delivers them, returning how
// many it handled.
func (w *Worker) DeliverDue(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	rows, err := w.DB.ClaimOutbox(ctx, w.Now(), w.Batch, 45*time.Second)
	if err != nil {
		return 0, err
	}
	for _, r := range rows {
		w.deliver(ctx, r)
	}
	return len(rows), nil
}

func (w *Worker) deliver(ctx context.Context, r storage.OutboxRow) {
	result, err := w.call(ctx, r)
	now := w.Now()
	log := w.Log.With("outbox_id", r.ID, "kind", r.Kind, "recipient", r.Recipient, "attempt", r.Attempts)
	switch {
	case err == nil:
		if err := w.DB.MarkSent(ctx, r.ID, now, result); err != nil {
			// Sent but not marked: the lease expires and it is sent again.
			// This is the one window the outbox cannot close by itself.
			log.ErrorContext(ctx, "outbox mark sent", "err", err)
		}
	case retryable(err) && r.Attempts < w.MaxAttempts:
		next := now.Add(backoff(r.Attempts))
		log.WarnContext(ctx, "outbox retry", "err", err, "next", next)
		if err := w.DB.MarkRetry(ctx, r.ID, next, err.Error()); err != nil {
			log.ErrorContext(ctx, "outbox mark retry", "err", err)
		}
	default:
		log.ErrorContext(ctx, "outbox failed", "err", err)
		if err := w.DB.MarkFailed(ctx, r.ID, err.Error()); err != nil {
			log.ErrorContext(ctx, "outbox mark failed", "err", err)
		}
	}
}

func (w *Worker) call(ctx context.Context, r storage.OutboxRow) (any, error) {
	switch r.Kind {
	case storage.KindMessage:
		var m bot.OutMessage
		if err := json.Unmarshal(r.Payload, &m); err != nil {
			return nil, permanent(fmt.Errorf("decode message: %w", err))
		}
		res, err := w.Sender.Send(ctx, m)
		if err != nil {
			return nil, err
		}
		return map[string]string{"msgid": res.MsgID, "response_code": res.ResponseCode}, nil
	case storage.KindCardUpdate:
		var u bot.CardUpdate
		if err := json.Unmarshal(r.Payload, &u); err != nil {
			return nil, permanent(fmt.Errorf("decode card update: %w", err))
		}
		return nil, w.Sender.UpdateTemplateCard(ctx, u)
	case storage.KindMenu:
		var m bot.Menu
		if err := json.Unmarshal(r.Payload, &m); err != nil {
			return nil, permanent(fmt.Errorf("decode menu: %w", err))
		}
		return nil, w.Sender.CreateMenu(ctx, m)
	default:
		return nil, permanent(fmt.Errorf("unknown outbox kind %q", r.Kind))
	}
}

type permanentError struct{ error }

func permanent(err error) error { return permanentError{err} }

// retryable reports whether another attempt may succeed: network trouble,
// a 5xx, a rate limit. An errcode that names a bad request (unknown user,
// invalid card) will fail the same way again.
func retryable(err error) bool {
	var pe permanentError
	if errors.As(err, &pe) {
		return false
	}
	var ae *bot.APIError
	if errors.As(err, &ae) {
		return ae.RateLimited()
	}
	var he *bot.HTTPError
	if errors.As(err, &he) {
		return he.Status >= 500 || he.Status == 429
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	// Other transport errors (connection refused, reset) are worth a retry.
	return true
}

// backoff is exponential from 1 s, capped at 10 min, with full jitter on
// the upper half so that a burst of failures does not retry in lockstep.
func backoff(attempt int) time.Duration {
	d := time.Second << min(attempt, 10)
	if d > 10*time.Minute {
		d = 10 * time.Minute
	}
	return d/2 + rand.N(d/2+1)
}
