package loadtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zwgk-bot/zwgk/sandbox"
	"github.com/zwgk-bot/zwgk/storage"
)

// The fault mode (--kill-every, --flush-redis-every): while the load runs,
// the bot is killed with SIGKILL and started again on the same database,
// Redis prefix, address and sandbox, and this deployment's Redis keys are
// deleted, as a crash, an OOM kill or a Redis failover would do. The
// virtual users go on as WeCom and people do: the sandbox posts a callback
// again when the bot does not answer (sandbox.Attempts in all,
// Options.CallbackRetry apart), and a person whose message WeCom gave up
// on sends it again. The checks at the end are those of every run, which
// a fault must not break: exactly once for forms, decisions and orders,
// and for every message each person received (delivery.go).

// faultStats is what the faults did.
type faultStats struct {
	mu          sync.Mutex
	kills       int
	downtimes   []time.Duration // from the kill to the next process ready
	killed      []time.Time     // when each SIGKILL was sent
	flushes     int
	flushedKeys int
}

// killEvery kills the bot every interval until ctx ends, starting it again
// after down each time (as systemd's Restart=always with RestartSec
// would), and waits for it to be ready before the next kill. A restart is
// finished even after ctx ends: the run's checks need a bot.
//
// The intervals vary by a quarter either way: a kill at a fixed period
// that divides WeCom's retry pause would meet the retries of the previous
// kill's callbacks every time.
func killEvery(ctx context.Context, bp *botProc, every, down time.Duration, st *faultStats) error {
	jittered := func() time.Duration { return every*3/4 + rand.N(every/2+1) }
	next := time.Now().Add(jittered())
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Until(next)):
		}
		t0 := time.Now()
		if err := bp.kill(); err != nil {
			return err
		}
		time.Sleep(down)
		if err := bp.start(context.WithoutCancel(ctx)); err != nil {
			return fmt.Errorf("loadtest: restart after kill %d: %w", st.kills+1, err)
		}
		st.mu.Lock()
		st.kills++
		st.killed = append(st.killed, t0)
		st.downtimes = append(st.downtimes, time.Since(t0))
		st.mu.Unlock()
		next = next.Add(jittered())
		if now := time.Now(); next.Before(now) {
			next = now
		}
	}
}

// flushEvery deletes every Redis key of the deployment every interval
// until ctx ends: the working copies of conversations, the callbacks'
// dedup fast path, the access token, the rate limiters. (A FLUSHALL would
// take other deployments' keys on a shared Redis.)
func flushEvery(ctx context.Context, redisURL, prefix string, every time.Duration, st *faultStats) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		n, err := clearPrefix(ctx, redisURL, prefix)
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("loadtest: flush Redis: %w", err)
		}
		st.mu.Lock()
		st.flushes++
		st.flushedKeys += n
		st.mu.Unlock()
	}
}

// callbackCounter counts the sandbox's callback posts to the bot, each
// attempt of each callback, and those that got no answer or a 5xx.
type callbackCounter struct {
	base             http.RoundTripper
	attempts, failed atomic.Int64
}

func (c *callbackCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.attempts.Add(1)
	resp, err := c.base.RoundTrip(r)
	if err != nil || resp.StatusCode >= http.StatusInternalServerError {
		c.failed.Add(1)
	}
	return resp, err
}

// givenUp reports a callback that WeCom gave up on: every attempt met no
// bot (killed, not yet started again) or a 5xx.
func givenUp(status int, err error) bool {
	return err != nil && !errors.Is(err, sandbox.ErrNoSuchButton) || status >= http.StatusInternalServerError
}

// maxResends bounds how often a person sends one message again.
const maxResends = 5

// deliverAsPerson posts a callback with WeCom's retries. In the fault mode,
// when WeCom gave up on it, it waits for the bot to be back and asks the
// bot's inbox whether one of the attempts was recorded after all (the bot
// died after its commit, before its answer): then the answer is on its way
// and the person waits for it; if not, the person, who got no answer,
// sends the same again, as a new message.
func (lg *loadGen) deliverAsPerson(ctx context.Context, user string, post func() (int, error), recorded func(since time.Time) (bool, error)) error {
	for try := 0; ; try++ {
		since := time.Now()
		st, err := lg.timed(user, post)
		if err == nil {
			return nil
		}
		if lg.bot == nil || !givenUp(st, err) {
			lg.errs.Add(1)
			return err
		}
		lg.givenUp.Add(1)
		// Even when the run is over: what the bot took must be counted
		// (verifyInbound). The killer starts the bot again in any case.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		err = lg.bot.waitUp(wctx)
		cancel()
		if err != nil {
			lg.errs.Add(1)
			return fmt.Errorf("%s: waiting for the bot: %w", user, err)
		}
		ok, qerr := recorded(since)
		if qerr != nil {
			lg.errs.Add(1)
			return qerr
		}
		if ok {
			lg.recordedAnyway.Add(1)
			lg.mu.Lock()
			lg.handled[user]++
			lg.mu.Unlock()
			return nil
		}
		if ctx.Err() != nil {
			lg.givenUpAtEnd.Add(1)
			return ctx.Err() // the run is over: nobody sends again
		}
		if try == maxResends {
			lg.errs.Add(1)
			return fmt.Errorf("%s: WeCom gave up %d times: %w", user, try+1, err)
		}
		lg.resent.Add(1)
		lg.trace("resend:", user, err)
	}
}

// textRecorded reports whether the bot recorded a text of user received
// since then. A person's texts go one at a time (approvers only click), so
// any is the one in question.
func textRecorded(ctx context.Context, db *storage.DB, user string, since time.Time) (bool, error) {
	var ok bool
	err := db.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM inbox
		WHERE from_user = $1 AND msg_type = 'text' AND received_at >= $2)`, user, since)
	if err != nil {
		return false, fmt.Errorf("inbox of %s: %w", user, err)
	}
	return ok, nil
}

// clickRecorded reports whether the bot recorded user's click of key on
// the card task (the dedup key is card:user:time:task:key).
func clickRecorded(ctx context.Context, db *storage.DB, user, task, key string) (bool, error) {
	var ok bool
	err := db.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM inbox
		WHERE from_user = $1 AND msg_type = 'event' AND right(dedup_key, length($2)) = $2)`,
		user, ":"+task+":"+key)
	if err != nil {
		return false, fmt.Errorf("inbox of %s: %w", user, err)
	}
	return ok, nil
}
