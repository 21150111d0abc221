package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/notices"
	"github.com/zwgk-bot/zwgk/outbox"
	"github.com/zwgk-bot/zwgk/storage"
)

const outboxDetail = `Without arguments: the number of rows in each state, the pending rows
(oldest first: the order they go out in), the failed rows and the last
rows sent. retry ID puts a failed row back in the queue (its attempts
start again) and records who did it in the audit log; the running bot
sends it within a second. Needs DATABASE_URL only.
Flags: --limit N (rows per list, default 20), --by NAME (retry: who asks;
default the login name).`

// wireDelivery paces the outbox worker (per API through Redis, per
// recipient in the claim) and, when MP_APP_ID is set, gives it the
// 公众号 client and builds the notices service.
func (s *service) wireDelivery(hc *http.Client) {
	perMinute, perHour := s.cfg.RecipientRates()
	s.worker.Limiter = outbox.NewLimiter(s.redis, s.cfg.APIRates())
	s.worker.Pace = storage.Pace{Kinds: []string{storage.KindMessage}, PerMinute: perMinute, PerHour: perHour}
	if !s.cfg.MP.Enabled() {
		return
	}
	mp := bot.NewMPClient(s.cfg.MP.AppID, s.cfg.MP.AppSecret, hc, s.redis, s.log)
	mp.Observe = s.metrics.APICalls("mp")
	s.worker.MP = mp
	s.notices = &notices.Service{
		DB: s.db, Redis: s.redis, Config: s.cfg.MP, PublicURL: s.cfg.PublicURL,
		LinkSecret: []byte(s.cfg.LinkSecret), Location: businessLocation(), Log: s.log, Now: s.now,
		Queued: s.worker.Poke,
	}
}

// deliveryRoutes mounts the 公众号's callback URL and the notices' public
// pages when the 公众号 is configured.
func (s *service) deliveryRoutes(mux *http.ServeMux) error {
	if s.notices == nil {
		return nil
	}
	var cr *bot.Crypto
	if s.cfg.MP.AESKey != "" {
		var err error
		if cr, err = bot.NewCrypto(s.cfg.MP.Token, s.cfg.MP.AESKey, s.cfg.MP.AppID); err != nil {
			return fmt.Errorf("MP_AES_KEY: %w", err)
		}
	}
	mux.Handle("/mp/callback", &bot.MPCallback{Token: s.cfg.MP.Token, Crypto: cr, Receiver: s.notices, Now: s.now, Log: s.log,
		Replay: s.redis, Observe: s.metrics.Callback("mp")})
	s.notices.Routes(mux)
	return nil
}

func cmdOutbox(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("outbox", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	limit := fs.Int("limit", 20, "rows per list")
	by := fs.String("by", e.getenv("USER"), "retry: who asks (recorded in the audit log)")
	var rest []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return errUsage
		}
		args = fs.Args()
		if len(args) > 0 {
			rest, args = append(rest, args[0]), args[1:]
		}
	}
	url := e.getenv("DATABASE_URL")
	if url == "" {
		return errors.New("DATABASE_URL: required")
	}
	db, err := storage.Open(ctx, url)
	if err != nil {
		return err
	}
	defer db.Close()
	switch {
	case len(rest) == 0:
		return showOutbox(ctx, db, e.stdout, max(*limit, 1))
	case len(rest) == 2 && rest[0] == "retry":
		id, err := strconv.ParseInt(rest[1], 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("outbox retry: %q is not a row id (see zwgk outbox)", rest[1])
		}
		return retryOutbox(ctx, db, e.stdout, id, *by)
	}
	return errors.New("usage: zwgk outbox [--limit N] | zwgk outbox retry ID [--by NAME]")
}

func showOutbox(ctx context.Context, db *storage.DB, w io.Writer, limit int) error {
	counts, err := storage.OutboxCounts(ctx, db)
	if err != nil {
		return err
	}
	pending, err := storage.PendingOutbox(ctx, db, limit)
	if err != nil {
		return err
	}
	failed, err := db.ListOutbox(ctx, storage.OutboxFailed, limit)
	if err != nil {
		return err
	}
	sent, err := db.ListOutbox(ctx, storage.OutboxSent, min(limit, 10))
	if err != nil {
		return err
	}
	loc := businessLocation()
	at := func(t time.Time) string { return t.In(loc).Format("01-02 15:04:05") }
	fmt.Fprintf(w, "outbox: %d pending, %d failed, %d sent\n", counts[storage.OutboxPending], counts[storage.OutboxFailed], counts[storage.OutboxSent])

	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "\npending (oldest first)\nID\tKIND\tTO\tATTEMPTS\tNEXT\tCONTENT\tLAST ERROR\n")
	for _, r := range pending {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\n", r.ID, r.Kind, r.Recipient, r.Attempts, at(r.NextAttemptAt), outbox.Describe(r), clipLine(r.LastError, 60))
	}
	fmt.Fprintf(tw, "\nfailed (newest first; zwgk outbox retry ID)\nID\tKIND\tTO\tATTEMPTS\tFAILED\tCONTENT\tERROR\n")
	for _, r := range failed {
		when := ""
		if r.FailedAt.Valid {
			when = at(r.FailedAt.Time)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\n", r.ID, r.Kind, r.Recipient, r.Attempts, when, outbox.Describe(r), clipLine(r.LastError, 60))
	}
	fmt.Fprintf(tw, "\nrecently sent\nID\tKIND\tTO\tATTEMPTS\tSENT\tCONTENT\t\n")
	for _, r := range sent {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t\n", r.ID, r.Kind, r.Recipient, r.Attempts, at(r.SentAt.Time), outbox.Describe(r))
	}
	return tw.Flush()
}

func retryOutbox(ctx context.Context, db *storage.DB, w io.Writer, id int64, by string) error {
	if by == "" {
		by = "operator"
	}
	var was *storage.OutboxRow
	err := db.WithTx(ctx, func(tx *storage.Tx) error {
		var err error
		if was, err = storage.RequeueFailed(ctx, tx, id, time.Now()); err != nil {
			return err
		}
		return storage.Audit(ctx, tx, "cli:"+by, "outbox_retry", "outbox", strconv.FormatInt(id, 10),
			map[string]any{"kind": was.Kind, "recipient": was.Recipient, "error": was.LastError, "attempts": was.Attempts})
	})
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return fmt.Errorf("outbox retry: there is no row %d", id)
	case errors.Is(err, storage.ErrNotFailed):
		return fmt.Errorf("outbox retry: row %d is %s, only failed rows can be retried", id, was.Status)
	case err != nil:
		return err
	}
	fmt.Fprintf(w, "row %d (%s to %s) is queued again\n", id, was.Kind, was.Recipient)
	return nil
}

func clipLine(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
