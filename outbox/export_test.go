package outbox

import "github.com/zwgk-bot/zwgk/storage"

// Hooks are the fault hooks of a delivery (see hooks).
type Hooks struct {
	// BeforeCall runs when a row is claimed and its turn has come, before
	// the worker checks its session and calls the API: blocking here is a
	// worker that hangs (or is killed) holding the row.
	BeforeCall func(r storage.OutboxRow)
	// AfterCall runs when the API has answered, before anything is
	// recorded: blocking here, or killing the process, is a crash between
	// send and mark.
	AfterCall func(r storage.OutboxRow, err error)
	// Write runs before each attempt to record an outcome (what: sent,
	// sent-batch, retry, failed, release; prev: why the attempt before
	// failed); an error fails that attempt.
	Write func(what string, attempt int, prev error) error
}

// SetHooks installs h on w.
func SetHooks(w *Worker, h Hooks) {
	w.hooks = &hooks{beforeCall: h.BeforeCall, afterCall: h.AfterCall, write: h.Write}
}

// SessionPID is the Postgres backend of w's session, 0 when it has none.
func SessionPID(w *Worker) int {
	w.sessMu.Lock()
	defer w.sessMu.Unlock()
	if w.sess == nil {
		return 0
	}
	return w.sess.PID()
}
