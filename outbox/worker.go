// Package outbox delivers the outbound calls that request handlers and jobs
// write to the Postgres outbox. Nothing else talks to WeCom or the 公众号
// on behalf of a user action, so a slow or failing API never delays a
// callback and a restart loses nothing.
//
// Delivery is at least once, made effectively once where the API allows:
// WeCom messages carry enable_duplicate_check (its interval decided per row
// at the first claim, see storage.DuplicateCheckWindow), 公众号 template
// messages a client_msg_id, mass sends a clientmsgid. The outcome of a
// call is recorded as soon as the API answers, retried while Postgres is
// away, and a worker holds its rows through a Postgres session of its own,
// so that a dead worker's rows go on at once (storage.OutboxSession). What
// remains is documented in README (Delivery).
package outbox

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lib/pq"
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
	// Lease is how long a claimed row is ours at most. While the worker's
	// Postgres session lives its rows are ours anyway, and when it ends
	// (the process died) they are free at once; the lease bounds what
	// cannot be seen: a claim from before a Postgres restart, whose owner
	// may be alive and recording what it sent, or a worker cut off from
	// Postgres whose session Postgres has not seen end.
	Lease time.Duration
	// MarkReserve is the end of the lease kept for recording a call's
	// outcome: a row waits for its API's rate only as long as leaves
	// CallTimeout and MarkReserve, so that a Postgres restart of up to
	// about MarkReserve after a send does not make the row go again.
	MarkReserve time.Duration
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

	sessMu sync.Mutex
	sess   *session
	owner  int32 // the owner number of the last session, kept across reconnects

	hooks *hooks // tests only (export_test.go)
}

// hooks are the tests' ways into a delivery: to stop a worker where a
// crash or a hang would, and to make recording an outcome fail.
type hooks struct {
	beforeCall func(r storage.OutboxRow)            // claimed, its turn come; the session not yet checked
	afterCall  func(r storage.OutboxRow, err error) // the API answered; nothing recorded yet
	// write runs before each attempt to record an outcome (what: sent,
	// sent-batch, retry, failed, release; prev: why the attempt before
	// failed); an error fails the attempt.
	write func(what string, attempt int, prev error) error
}

// session is the worker's storage.OutboxSession. lost is set when a
// round trip on it failed: the rows not yet sent are given back, and the
// session is replaced once the batch is done (closing it earlier would
// free the rows still being sent).
type session struct {
	*storage.OutboxSession
	lost atomic.Bool
}

// leaseMargin is kept off the end of a lease when recording an outcome:
// other replicas read the lease with clocks of their own.
const leaseMargin = 5 * time.Second

// NewWorker returns a worker with default pacing: no rate limits; serve
// sets them from the configuration.
func NewWorker(db *storage.DB, s Sender, log *slog.Logger) *Worker {
	return &Worker{
		DB: db, Sender: s, Log: log, Now: time.Now,
		Interval: 500 * time.Millisecond, Batch: 200, Concurrency: 32, MaxAttempts: 12,
		Lease: 90 * time.Second, MarkReserve: 45 * time.Second, CallTimeout: 10 * time.Second,
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
// context that outlives the cancellation; then the worker's session ends.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTicker(w.Interval)
	defer t.Stop()
	defer w.closeSession()
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
	var (
		sess    *session
		rows    []storage.OutboxRow
		claimed time.Time
		err     error
	)
	for try := 0; ; try++ {
		if sess, err = w.session(ctx); err == nil {
			claimed = w.Now()
			if rows, err = sess.ClaimPaced(ctx, claimed, w.Batch, w.Lease, pace); err != nil {
				// The session's connection may be gone: the next
				// round opens a new one.
				w.endSession(sess)
			}
		}
		if err == nil {
			break
		}
		if !deadConn(err) || try == 20 {
			return 0, err
		}
		// Postgres ended the connection (it restarted, or the session was
		// killed), and the pool may hold more such: each fails once and is
		// discarded, so try the next at once.
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
			w.deliver(ctx, sess, r, later)
		})
	}
	wg.Wait()
	if sess.lost.Load() {
		w.endSession(sess)
	}
	if len(sent) > 0 {
		err := w.record(ctx, claimed.Add(w.Lease-leaseMargin), "sent-batch", w.Log, func(ctx context.Context) error {
			return w.DB.MarkSentMany(ctx, w.Now(), sent)
		})
		if err != nil {
			// Sent but not marked, and Postgres did not answer before
			// the leases end: the rows go again, which the APIs'
			// duplicate checks absorb (see protected).
			return len(rows), err
		}
	}
	return len(rows), nil
}

// session returns the worker's session, opening one when it has none.
func (w *Worker) session(ctx context.Context) (*session, error) {
	w.sessMu.Lock()
	defer w.sessMu.Unlock()
	if w.sess != nil {
		return w.sess, nil
	}
	s, err := w.DB.OpenOutboxSession(ctx, w.owner)
	if err != nil {
		return nil, err
	}
	w.owner = s.Owner()
	w.sess = &session{OutboxSession: s}
	return w.sess, nil
}

// endSession closes s, if it is still the worker's session, so that the
// next round opens a new one.
func (w *Worker) endSession(s *session) {
	w.sessMu.Lock()
	defer w.sessMu.Unlock()
	if w.sess == s {
		w.sess = nil
	}
	s.Close()
}

// closeSession ends the worker's session, if any: its remaining rows (none
// after a finished batch, unless Postgres could not be told) are free.
func (w *Worker) closeSession() {
	w.sessMu.Lock()
	s := w.sess
	w.sess = nil
	w.sessMu.Unlock()
	if s != nil {
		s.Close()
	}
}

// record writes the outcome of a delivery, trying again while Postgres
// does not answer (restarting: 57P01, 57P03; a broken connection) until
// until, shortly before the row's lease ends: after that another worker
// may send the row again, and a late record would not stop it. Every
// unrecorded send is a message that may reach its recipient twice, so the
// worker waits for Postgres rather than moving on.
func (w *Worker) record(ctx context.Context, until time.Time, what string, log *slog.Logger, write func(context.Context) error) error {
	// At least one attempt, even when the lease is nearly over.
	rctx, cancel := context.WithTimeout(ctx, max(until.Sub(w.Now()), 2*time.Second))
	defer cancel()
	delay := 50 * time.Millisecond
	var prev error
	for attempt := 1; ; attempt++ {
		var err error
		if w.hooks != nil && w.hooks.write != nil {
			err = w.hooks.write(what, attempt, prev)
		}
		if err == nil {
			err = write(rctx)
		}
		prev = err
		if err == nil {
			if attempt > 1 {
				log.InfoContext(ctx, "outbox recorded once Postgres answered", "what", what, "attempts", attempt)
			}
			return nil
		}
		if !storage.RetryableWrite(err) || rctx.Err() != nil {
			log.ErrorContext(ctx, "outbox could not record a delivery", "what", what, "attempts", attempt, "err", err)
			return err
		}
		if attempt == 1 {
			log.WarnContext(ctx, "outbox delivery not recorded yet, trying again", "what", what, "err", err)
		}
		if deadConn(err) {
			// The pool handed out a connection Postgres had ended (at
			// its shutdown, or killed); it is discarded now, and the
			// next one is tried at once: at most one per pooled
			// connection, so this loop cannot spin.
			continue
		}
		t := time.NewTimer(delay/2 + rand.N(delay/2+1))
		select {
		case <-rctx.Done():
			t.Stop()
			log.ErrorContext(ctx, "outbox could not record a delivery before its lease ends", "what", what, "attempts", attempt, "err", err)
			return err
		case <-t.C:
		}
		delay = min(2*delay, 500*time.Millisecond)
	}
}

// deadConn reports an error that a connection ended by Postgres gives at
// its first use after (57P01 admin_shutdown: a shutdown or a killed
// backend; 57P02 crash_shutdown; then driver.ErrBadConn), as opposed to
// Postgres refusing now.
func deadConn(err error) bool {
	var pe *pq.Error
	if errors.As(err, &pe) {
		return pe.Code == "57P01" || pe.Code == "57P02"
	}
	return errors.Is(err, driver.ErrBadConn)
}

// leaseEnd is when r's outcome must be recorded by.
func (w *Worker) leaseEnd(r storage.OutboxRow) time.Time {
	if !r.LockedUntil.Valid {
		return w.Now().Add(w.Lease - leaseMargin)
	}
	return r.LockedUntil.Time.Add(-leaseMargin)
}

// protected reports whether a repeat of r, once delivered, is absorbed by
// the API for long (WeCom's duplicate check over its full window, a card's
// task_id, a card update's single-use response_code, a template's
// client_msg_id, a mass send's clientmsgid) or changes nothing (a menu,
// tag membership). Such rows are marked sent together at the end of their
// batch, one statement instead of one each; the others (a message with a
// short duplicate check or none, a 客服 message) are marked the moment
// they are sent, so that a crash repeats them only when it falls between
// the API's answer and that one statement.
func protected(r storage.OutboxRow) bool {
	switch r.Kind {
	case storage.KindMessage:
		if r.DupInterval >= int(storage.DuplicateCheckWindow.Seconds()) {
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

func (w *Worker) deliver(ctx context.Context, sess *session, r storage.OutboxRow, markLater func(storage.Sent)) {
	log := w.Log.With("outbox_id", r.ID, "kind", r.Kind, "recipient", r.Recipient, "attempt", r.Attempts)
	until := w.leaseEnd(r)
	if !w.waitTurn(ctx, r, log) {
		return
	}
	if w.hooks != nil && w.hooks.beforeCall != nil {
		w.hooks.beforeCall(r)
	}
	if !w.stillOurs(ctx, sess, r, log) {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, w.CallTimeout)
	result, err := w.call(cctx, r)
	cancel()
	if w.hooks != nil && w.hooks.afterCall != nil {
		w.hooks.afterCall(r, err)
	}
	if se, ok := bot.IsSecretRejected(err); ok {
		// Not the row's fault, and not an attempt: give it back until
		// the client asks gettoken again. The client has logged it.
		w.record(ctx, until, "release", log, func(ctx context.Context) error {
			return w.DB.ReleaseClaim(ctx, r, se.NextProbe)
		})
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
		case lapsed(r, err):
			result = "lapsed"
		}
		w.Observe(r.Kind, result, now.Sub(r.CreatedAt))
	}
	switch {
	case err == nil && protected(r):
		markLater(storage.Sent{ID: r.ID, Result: result})
	case err == nil:
		// Sent and not absorbed if sent again: record it now, and wait for
		// Postgres if it is away (record logs what it could not do).
		w.record(ctx, until, "sent", log, func(ctx context.Context) error {
			return w.DB.MarkSent(ctx, r.ID, now, result)
		})
	case retry:
		log.WarnContext(ctx, "outbox retry", "err", err, "next", next)
		w.record(ctx, until, "retry", log, func(ctx context.Context) error {
			return w.DB.RetryClaim(ctx, r, next, errCode(err), err.Error())
		})
	case lapsed(r, err):
		log.InfoContext(ctx, "card not updated: its response_code lapsed; the copy closes when its holder clicks it", "err", err)
		w.record(ctx, until, "lapsed", log, func(ctx context.Context) error {
			return w.DB.LapseClaim(ctx, r, now, errCode(err), err.Error())
		})
	default:
		log.ErrorContext(ctx, "outbox failed", "err", err)
		w.record(ctx, until, "failed", log, func(ctx context.Context) error {
			return w.DB.FailClaim(ctx, r, now, errCode(err), err.Error())
		})
	}
}

// lapsed recognises a card update refused because its response_code is
// no longer good (60140 无效的response_code: expired after 72 hours, or
// already used by another update). Copies are closed through other codes
// too (the holder's own click), so it is no delivery failure: the office
// is not told of it.
func lapsed(r storage.OutboxRow, err error) bool {
	var ae *bot.APIError
	return r.Kind == storage.KindCardUpdate && errors.As(err, &ae) && ae.Code == bot.ErrInvalidResponseCode
}

// stillOurs makes a round trip on the worker's session right before a
// call. While the session lives, no other worker takes the row; once it
// is gone (its connection was killed or Postgres restarted), another may
// have taken the row already, so this worker leaves it: two workers never
// send the same row at the same time, except when the session ends during
// the call itself. A row left is given back, if it is still this claim's,
// for the next claim (ours or another worker's) to take at once.
func (w *Worker) stillOurs(ctx context.Context, sess *session, r storage.OutboxRow, log *slog.Logger) bool {
	if !sess.lost.Load() {
		err := sess.Check(ctx)
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false // stopped: the row stays claimed, as a dead worker's would
		}
		if !sess.lost.Swap(true) {
			log.WarnContext(ctx, "outbox session lost: rows not yet sent are left for the next claim", "err", err)
		}
	}
	w.record(ctx, w.leaseEnd(r), "release", log, func(ctx context.Context) error {
		return w.DB.ReleaseClaim(ctx, r, w.Now())
	})
	return false
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
	err := w.Limiter.Wait(ctx, api, left-w.CallTimeout-w.MarkReserve)
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
	w.record(ctx, w.leaseEnd(r), "release", log, func(ctx context.Context) error {
		return w.DB.ReleaseClaim(ctx, r, later)
	})
	return false
}

func (w *Worker) call(ctx context.Context, r storage.OutboxRow) (any, error) {
	switch r.Kind {
	case storage.KindMessage:
		var m bot.OutMessage
		if err := json.Unmarshal(r.Payload, &m); err != nil {
			return nil, permanent(fmt.Errorf("decode message: %w", err))
		}
		if r.DupInterval > 0 {
			// Every attempt of the row sends the same JSON (the interval
			// is the row's, decided at its first claim), so WeCom
			// recognises a retry of a message it already delivered.
			m.EnableDuplicateCheck = 1
			m.DuplicateCheckInterval = r.DupInterval
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
