// Package outbox delivers the outbound calls that request handlers and jobs
// write to the Postgres outbox. Nothing else talks to WeCom or the 公众号
// on behalf of a user action, so a slow or failing API never delays a
// callback and a restart loses nothing.
//
// Delivery is at least once, made effectively once where the API allows:
// WeCom messages carry enable_duplicate_check (decided per row at enqueue,
// see storage.Enqueue), 公众号 template messages a client_msg_id, mass
// sends a clientmsgid. What remains is documented in README (Delivery).
package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// Sender is the part of bot.Client the worker uses.
type Sender interface {
	Send(ctx context.Context, m bot.OutMessage) (*bot.SendResult, error)
	UpdateTemplateCard(ctx context.Context, u bot.CardUpdate) error
	CreateMenu(ctx context.Context, m bot.Menu) error
}

// MPSender is the part of bot.MPClient the worker uses.
type MPSender interface {
	SendTemplate(ctx context.Context, m bot.MPTemplateMessage) (int64, error)
	SendCustom(ctx context.Context, m bot.MPCustomMessage) error
	MassSend(ctx context.Context, m bot.MPMassMessage) (*bot.MPMassResult, error)
	TagMembers(ctx context.Context, m bot.MPTagMembers) error
	UntagMembers(ctx context.Context, m bot.MPTagMembers) error
}

// API names of the outbox kinds, as config.RateAPIs lists them.
var kindAPI = map[string]string{
	storage.KindMessage:    "message/send",
	storage.KindCardUpdate: "update_template_card",
	storage.KindMPTemplate: "template/send",
	storage.KindMPCustom:   "custom/send",
	storage.KindMPMass:     "mass/sendall",
	storage.KindMPTag:      "tags",
	storage.KindMPUntag:    "tags",
}

// Worker claims due rows and delivers them. Several workers, in one process
// or in several replicas, may run against one database.
type Worker struct {
	DB     *storage.DB
	Sender Sender
	MP     MPSender // nil: the 公众号 is not configured; its rows fail
	Log    *slog.Logger
	Now    func() time.Time

	Interval    time.Duration // poll interval when idle
	Batch       int           // rows claimed at once
	Concurrency int           // rows of a batch sent at the same time
	MaxAttempts int
	Lease       time.Duration // how long a claimed row is ours
	CallTimeout time.Duration // one API call, token fetch included
	// Limiter spaces calls per API (nil: unlimited); Pace limits what one
	// recipient is sent (zero: unlimited).
	Limiter *Limiter
	Pace    storage.Pace
	// Observe, when set, hears of every attempt: the row's kind, the
	// result (sent, retry, failed) and, when sent, how long after it was
	// queued (the metrics).
	Observe func(kind, result string, lag time.Duration)

	poke chan struct{}
}

// NewWorker returns a worker with default pacing: no rate limits; serve
// sets them from the configuration.
func NewWorker(db *storage.DB, s Sender, log *slog.Logger) *Worker {
	return &Worker{
		DB: db, Sender: s, Log: log, Now: time.Now,
		Interval: 500 * time.Millisecond, Batch: 200, Concurrency: 32, MaxAttempts: 12,
		Lease: 45 * time.Second, CallTimeout: 10 * time.Second,
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
// context that outlives the cancellation.
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
// many it handled. Rows of one batch have distinct recipients (the claim
// takes each recipient's oldest row only), so sending them concurrently
// keeps every recipient's order.
func (w *Worker) DeliverDue(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, w.Lease+15*time.Second)
	defer cancel()
	pace := w.Pace
	if w.wecomPaused() {
		pace.Paused = wecomKinds
	}
	rows, err := w.DB.ClaimOutboxPaced(ctx, w.Now(), w.Batch, w.Lease, pace)
	if err != nil {
		return 0, err
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		sent []storage.Sent
	)
	later := func(s storage.Sent) {
		mu.Lock()
		sent = append(sent, s)
		mu.Unlock()
	}
	sem := make(chan struct{}, max(w.Concurrency, 1))
	for _, r := range rows {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			w.deliver(ctx, r, later)
		})
	}
	wg.Wait()
	if err := w.DB.MarkSentMany(ctx, w.Now(), sent); err != nil {
		// Sent but not marked: the leases expire and the rows go again,
		// which the APIs' duplicate checks absorb (see protected).
		return len(rows), err
	}
	return len(rows), nil
}

// protected reports whether a repeat of r, once delivered, is absorbed by
// the API (WeCom's duplicate check, a card's task_id, a card update's
// single-use response_code, a template's client_msg_id, a mass send's
// clientmsgid) or changes nothing (a menu, tag membership). Such rows are
// marked sent together at the end of their batch, one statement instead
// of one each; the others are marked the moment they are sent, so that
// the window in which a crash repeats them stays milliseconds.
func protected(r storage.OutboxRow) bool {
	switch r.Kind {
	case storage.KindMessage:
		if r.DupCheck {
			return true
		}
		return cardTaskID(r) != ""
	case storage.KindMPCustom:
		return false
	}
	return true
}

// wecomKinds are the rows sent through WeCom's API.
var wecomKinds = []string{storage.KindMessage, storage.KindCardUpdate, storage.KindMenu}

// secretState is the part of bot.Client that says whether WeCom refuses
// the app secret.
type secretState interface {
	SecretRejected() (rejected bool, nextProbe time.Time)
}

// wecomPaused reports whether WeCom rows are held back: WeCom refused the
// app secret (40001) and its next probe is not due. Sending them would
// only ask gettoken again with the wrong secret, once per row, and WeCom
// bans an IP that keeps doing so; the client logs the pause once and
// probes gettoken at its own pace (bot.DefaultSecretProbe).
func (w *Worker) wecomPaused() bool {
	s, ok := w.Sender.(secretState)
	if !ok {
		return false
	}
	rejected, next := s.SecretRejected()
	return rejected && w.Now().Before(next)
}

func (w *Worker) deliver(ctx context.Context, r storage.OutboxRow, markLater func(storage.Sent)) {
	log := w.Log.With("outbox_id", r.ID, "kind", r.Kind, "recipient", r.Recipient, "attempt", r.Attempts)
	if !w.waitTurn(ctx, r, log) {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, w.CallTimeout)
	result, err := w.call(cctx, r)
	cancel()
	if se, ok := bot.IsSecretRejected(err); ok {
		// Not the row's fault, and not an attempt: give it back until
		// the client asks gettoken again. The client has logged it.
		if err := w.DB.Release(ctx, r.ID, se.NextProbe); err != nil {
			log.ErrorContext(ctx, "outbox release", "err", err)
		}
		return
	}
	if err != nil && w.alreadyDone(r, err) {
		// An earlier attempt, whose answer we never saw, did it.
		log.InfoContext(ctx, "outbox row was delivered by an earlier attempt", "err", err)
		result, err = map[string]any{"earlier_attempt": true, "answer": err.Error()}, nil
	}
	now := w.Now()
	var next time.Time
	retry := false
	if err != nil {
		next, retry = w.retryAt(r, err, now)
	}
	if w.Observe != nil {
		result := "failed"
		switch {
		case err == nil:
			result = "sent"
		case retry:
			result = "retry"
		}
		w.Observe(r.Kind, result, now.Sub(r.CreatedAt))
	}
	switch {
	case err == nil && protected(r):
		markLater(storage.Sent{ID: r.ID, Result: result})
	case err == nil:
		if err := w.DB.MarkSent(ctx, r.ID, now, result); err != nil {
			// Sent but not marked: the lease expires and it is sent again,
			// which the duplicate checks absorb where the API has one.
			log.ErrorContext(ctx, "outbox mark sent", "err", err)
		}
	case retry:
		log.WarnContext(ctx, "outbox retry", "err", err, "next", next)
		if err := w.DB.MarkRetryCode(ctx, r.ID, next, errCode(err), err.Error()); err != nil {
			log.ErrorContext(ctx, "outbox mark retry", "err", err)
		}
	default:
		log.ErrorContext(ctx, "outbox failed", "err", err)
		if err := w.DB.MarkFailedCode(ctx, r.ID, now, errCode(err), err.Error()); err != nil {
			log.ErrorContext(ctx, "outbox mark failed", "err", err)
		}
	}
}

// waitTurn waits for the row's API slot. When the slot is further away
// than the lease allows, or the limiter fails, the row is given back
// (without counting the attempt) to be claimed again later, and waitTurn
// returns false.
func (w *Worker) waitTurn(ctx context.Context, r storage.OutboxRow, log *slog.Logger) bool {
	api, ok := kindAPI[r.Kind]
	if !ok || w.Limiter == nil {
		return true
	}
	left := w.Lease
	if r.LockedUntil.Valid {
		left = r.LockedUntil.Time.Sub(w.Now())
	}
	err := w.Limiter.Wait(ctx, api, left-w.CallTimeout-time.Second)
	if err == nil {
		return true
	}
	later := w.Now().Add(time.Second)
	var tl *ErrTooLong
	if errors.As(err, &tl) {
		later = w.Now().Add(tl.Wait)
	} else {
		log.WarnContext(ctx, "outbox rate limiter", "err", err)
	}
	if err := w.DB.Release(ctx, r.ID, later); err != nil {
		log.ErrorContext(ctx, "outbox release", "err", err)
	}
	return false
}

func (w *Worker) call(ctx context.Context, r storage.OutboxRow) (any, error) {
	switch r.Kind {
	case storage.KindMessage:
		var m bot.OutMessage
		if err := json.Unmarshal(r.Payload, &m); err != nil {
			return nil, permanent(fmt.Errorf("decode message: %w", err))
		}
		if r.DupCheck {
			// Every attempt of the row sends the same JSON, so WeCom
			// recognises a retry of a message it already delivered.
			m.EnableDuplicateCheck = 1
			m.DuplicateCheckInterval = int(storage.DuplicateCheckWindow.Seconds())
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
	}
	if w.MP == nil {
		return nil, permanent(fmt.Errorf("%s: the 公众号 is not configured (MP_APP_ID)", r.Kind))
	}
	switch r.Kind {
	case storage.KindMPTemplate:
		var m bot.MPTemplateMessage
		if err := json.Unmarshal(r.Payload, &m); err != nil {
			return nil, permanent(fmt.Errorf("decode template message: %w", err))
		}
		if m.ClientMsgID == "" {
			// WeChat sends one message per openid and client_msg_id
			// within 10 minutes: a retry of a delivered row is absorbed.
			m.ClientMsgID = "zwgk-" + strconv.FormatInt(r.ID, 10)
		}
		id, err := w.MP.SendTemplate(ctx, m)
		if err != nil {
			return nil, err
		}
		return map[string]int64{"msgid": id}, nil
	case storage.KindMPCustom:
		var m bot.MPCustomMessage
		if err := json.Unmarshal(r.Payload, &m); err != nil {
			return nil, permanent(fmt.Errorf("decode custom message: %w", err))
		}
		return nil, w.MP.SendCustom(ctx, m)
	case storage.KindMPMass:
		var m bot.MPMassMessage
		if err := json.Unmarshal(r.Payload, &m); err != nil {
			return nil, permanent(fmt.Errorf("decode mass message: %w", err))
		}
		if m.ClientMsgID == "" {
			m.ClientMsgID = "zwgk-" + strconv.FormatInt(r.ID, 10)
		}
		return w.MP.MassSend(ctx, m)
	case storage.KindMPTag, storage.KindMPUntag:
		var m bot.MPTagMembers
		if err := json.Unmarshal(r.Payload, &m); err != nil {
			return nil, permanent(fmt.Errorf("decode tag members: %w", err))
		}
		if r.Kind == storage.KindMPTag {
			return nil, w.MP.TagMembers(ctx, m)
		}
		return nil, w.MP.UntagMembers(ctx, m)
	}
	return nil, permanent(fmt.Errorf("unknown outbox kind %q", r.Kind))
}

// alreadyDone recognises the answers WeCom gives to the repeat of a call
// that succeeded: a card whose task_id exists (42014, whose errmsg is
// "card taskid has existed or empty or exceed max len"; the client has
// checked that the task_id is neither empty nor too long, so here it means
// "has existed"), a card update whose single-use response_code was used
// (60140 无效的response_code). Codes from WeCom's error-code page 90313 as
// crawled in xen0n/go-workwx errcodes. They mean success only on a retry:
// an attempt that WeCom answered with an errcode did nothing, so the
// task_id or code can only have been taken by an earlier attempt whose
// answer never came (a crash, a timeout, a dropped connection), not
// necessarily the last one. On a first attempt they are real errors (a
// task_id used twice, a code already used by the passive reply).
//
// The answer of the lost attempt is gone: a card delivered this way has no
// response_code on record, so its other holders' copies cannot be updated
// through it (handlers skip them); each copy is closed when its holder
// clicks it, with the click's own response_code.
func (w *Worker) alreadyDone(r storage.OutboxRow, err error) bool {
	if r.Attempts < 2 {
		return false
	}
	var ae *bot.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch {
	case r.Kind == storage.KindMessage && ae.Code == bot.ErrCardTaskID:
		return bot.ValidTaskID(cardTaskID(r))
	case r.Kind == storage.KindCardUpdate && ae.Code == bot.ErrInvalidResponseCode:
		return true
	}
	return false
}

// cardTaskID is the task_id of a card row, or "".
func cardTaskID(r storage.OutboxRow) string {
	var m struct {
		Card *struct {
			TaskID string `json:"task_id"`
		} `json:"template_card"`
	}
	if json.Unmarshal(r.Payload, &m) != nil || m.Card == nil {
		return ""
	}
	return m.Card.TaskID
}

type permanentError struct{ error }

func (e permanentError) Unwrap() error { return e.error }

func permanent(err error) error { return permanentError{err} }

// errCode is the API's errcode in err, or 0.
func errCode(err error) int {
	var re *bot.RefusedError
	if errors.As(err, &re) {
		return re.Code
	}
	var ae *bot.APIError
	if errors.As(err, &ae) {
		return int(ae.Code)
	}
	var me *bot.MPError
	if errors.As(err, &me) {
		return int(me.Code)
	}
	return 0
}

// retryable reports whether another attempt may succeed: network trouble,
// a 5xx, a rate limit, a token refused again right after its refresh. An
// errcode that names a bad request (unknown user, invalid openid, content
// rejected, invalid card) will fail the same way again.
func retryable(err error) bool {
	var pe permanentError
	var re *bot.RefusedError
	if errors.As(err, &pe) || errors.As(err, &re) {
		return false
	}
	var ae *bot.APIError
	if errors.As(err, &ae) {
		// 40014/42001 here: the client refreshed the token once and it
		// was refused again. (40001 never gets here: the client holds
		// rows back with a SecretRejectedError.)
		return ae.RateLimited() || ae.Code == 40014 || ae.Code == 42001
	}
	var me *bot.MPError
	if errors.As(err, &me) {
		if me.Status != 0 {
			return me.Status >= 500 || me.Status == 429
		}
		return me.RateLimited() || me.TokenInvalid()
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

// maxBusyRetries bounds the retries of errcode -1 (系统繁忙): 「建议重试次数
// 不超过3次」 (WeCom's error-code page 90313, crawled in xen0n/go-workwx
// errcodes; binarywang/WxJava WxCpErrorMsgEnum; the 公众号's page says
// only 稍候再试, and the same bound is used). The row counts attempts of
// any cause, so a row retried before for another reason gets fewer: the
// stricter reading.
const maxBusyRetries = 3

// Waits the 公众号 asks for. 45066: 「相同 clientmsgid 重试速度过快，请间隔1
// 分钟重试」 (binarywang/WxJava WxMpErrorMsgEnum): the mass send may have
// gone out, and the retry with the same clientmsgid is answered 45065 if
// so. 45009 is the 公众号's daily quota of an API ("reach max api daily
// quota limit"; the quota is counted per day, 微信公众平台 接口调用频次限制
// 说明): retrying within the day cannot succeed. The documents do not say
// at what time the quota resets; the worker waits for the next day in
// Beijing time, plus a margin.
const (
	mpClientMsgRetryWait = time.Minute
	mpQuotaResetMargin   = 10 * time.Minute
)

// retryAt decides whether a failed row is tried again and when.
func (w *Worker) retryAt(r storage.OutboxRow, err error, now time.Time) (time.Time, bool) {
	if !retryable(err) || r.Attempts >= w.MaxAttempts {
		return time.Time{}, false
	}
	var me *bot.MPError
	mp := errors.As(err, &me) && me.Status == 0
	switch {
	case errCode(err) == -1:
		if r.Attempts > maxBusyRetries {
			return time.Time{}, false
		}
	case mp && me.Code == bot.MPErrDailyQuota:
		return nextQuotaDay(now), true
	case mp && me.Code == bot.MPErrMassRetryTooFast:
		return now.Add(max(backoff(r.Attempts), mpClientMsgRetryWait+rand.N(10*time.Second))), true
	}
	return now.Add(backoff(r.Attempts)), true
}

// nextQuotaDay is a time after the next midnight in Beijing time, spread
// over a few minutes so that a day's refused rows do not all go at once.
func nextQuotaDay(now time.Time) time.Time {
	loc := workflow.DefaultCalendar().Location()
	t := now.In(loc)
	midnight := time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
	return midnight.Add(mpQuotaResetMargin + rand.N(10*time.Minute))
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
