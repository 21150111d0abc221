package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
)

// Limiter spaces the calls of each API, N per period, for all replicas
// together: the schedule (a GCRA's theoretical arrival time) lives in
// Redis, so a second replica does not double the rate. Up to one second's
// worth of calls (N per period scaled to a second, at least one) may go at
// once after a quiet spell, so that a reply does not queue behind an even
// spacing it does not need; sustained, calls are Per/N apart.
//
// A call reserves the next free slot and sleeps until it. A slot further
// away than the caller can wait is not reserved: the caller gives its row
// back (its lease would run out) and tries later.
type Limiter struct {
	redis *storage.Redis
	rates map[string]config.Rate
}

// NewLimiter returns a limiter for the given rates; an API without a rate
// is not limited.
func NewLimiter(r *storage.Redis, rates map[string]config.Rate) *Limiter {
	return &Limiter{redis: r, rates: rates}
}

// reserve: KEYS[1] the API's schedule; ARGV now, interval, burst tolerance
// and the longest acceptable wait, in microseconds. It returns the wait
// for the reserved slot, or -(wait+1) when that wait is too long and
// nothing was reserved. "%.0f" keeps microsecond timestamps exact (Lua's
// tostring would round).
var reserve = redis.NewScript(`
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tau = tonumber(ARGV[3])
local maxwait = tonumber(ARGV[4])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - tau - now
if wait < 0 then wait = 0 end
if wait > maxwait then return -wait - 1 end
local nexttat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', nexttat), 'PX', math.floor((nexttat - now) / 1000) + 1000)
return wait`)

// ErrTooLong reports that the next free slot of an API is further away
// than the caller may wait; Wait is how long it would have been.
type ErrTooLong struct{ Wait time.Duration }

func (e *ErrTooLong) Error() string { return fmt.Sprintf("rate limit: next slot in %s", e.Wait) }

// Wait blocks until api may be called, for at most maxWait. It returns
// *ErrTooLong without waiting when the next slot is further away.
func (l *Limiter) Wait(ctx context.Context, api string, maxWait time.Duration) error {
	if l == nil {
		return nil
	}
	rate, ok := l.rates[api]
	if !ok || rate.N <= 0 {
		return nil
	}
	interval := rate.Per.Microseconds() / int64(rate.N)
	burst := max(int64(rate.N)*int64(time.Second)/int64(rate.Per), 1)
	key := l.redis.Prefix + "rate:" + api
	w, err := reserve.Run(ctx, l.redis.Client, []string{key},
		time.Now().UnixMicro(), interval, (burst-1)*interval, max(maxWait.Microseconds(), 0)).Int64()
	if err != nil {
		return fmt.Errorf("rate limit %s: %w", api, err)
	}
	if w < 0 {
		return &ErrTooLong{Wait: time.Duration(-w-1) * time.Microsecond}
	}
	if w == 0 {
		return nil
	}
	t := time.NewTimer(time.Duration(w) * time.Microsecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
