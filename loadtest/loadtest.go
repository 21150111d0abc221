// Package loadtest is the load harness of zwgk loadtest: it starts a bot on
// a fresh database and Redis prefix, drives it through the sandbox with
// signed, encrypted callbacks, measures it, and checks that every effect
// happened exactly once (docs/performance.md).
package loadtest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lib/pq"
	"github.com/zwgk-bot/zwgk/app"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/sandbox"
	"github.com/zwgk-bot/zwgk/scheduler"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// Options are the knobs of zwgk loadtest.
type Options struct {
	Mode       string // flows or rate
	Users      int
	Duration   time.Duration
	Rate       int
	InProcess  bool
	CPUProfile string
	Trace      bool
	Ceilings   bool
	SeedOrders int
	Keep       bool

	// The fault mode (faults.go), flows only: kill the bot with SIGKILL
	// every KillEvery (±25%) and start it again RestartAfter later;
	// delete the deployment's Redis keys every FlushRedisEvery (0:
	// never). CallbackRetry is the pause before WeCom (the sandbox) posts
	// a callback again (0: 5 s with faults, the sandbox's default
	// without).
	KillEvery       time.Duration
	RestartAfter    time.Duration
	FlushRedisEvery time.Duration
	CallbackRetry   time.Duration

	// MinFlows, flows only, keeps the run going past Duration until each
	// kind of flow has completed MinFlows times: the smoke tests ask that
	// whole flows work, and a loaded machine is slow, not wrong.
	MinFlows int
}

// faults reports whether the run injects faults.
func (o Options) faults() bool { return o.KillEvery > 0 || o.FlushRedisEvery > 0 }

// defaultCallbackRetry is the pause between WeCom's attempts at a
// callback in the fault mode: WeCom posts again when no answer came within
// 5 s (「五秒内收不到响应会断掉连接，并且重新发起请求，总共重试三次」); how
// soon after a refused connection it does is not documented, so the
// harness takes the same 5 s (--callback-retry changes it).
const defaultCallbackRetry = 5 * time.Second

// Env is what a run takes from the command that starts it.
type Env struct {
	Getenv func(string) string // DATABASE_URL and REDIS_URL
	Stderr io.Writer           // --trace, and the child bot's log
	Log    *slog.Logger
	// Serve runs zwgk serve in this process with the environment getenv
	// until ctx ends.
	Serve func(ctx context.Context, getenv func(string) string) error
	// Binary is the zwgk executable, started as zwgk serve in a child
	// process so that its memory can be measured alone (and, in the fault
	// mode, killed); "" runs Serve.
	Binary string
	// BinaryEnv is added to the child's environment (a test that runs
	// itself as the bot says so there).
	BinaryEnv []string
}

// Report is what a run measured.
type Report struct {
	mode                string
	users               int
	elapsed             time.Duration
	callbacks           int64
	errors              int64
	latencies           []time.Duration
	flowsForm, flowsOrd int64
	outboxLag           []time.Duration
	rssIdleKB, rssPeak  int64
	checks              []string
	failures            []string
	pgTPS, redisRPS     float64
	ceilings            bool // measured (or tried to)
	seed                []string

	// Callbacks as WeCom posted them: every attempt, those that met no
	// bot or a 5xx, and those given up after sandbox.Attempts (recorded
	// by the bot before it died, or sent again by their person).
	attempts, failedAttempts                      int64
	givenUp, recordedAnyway, resent, givenUpAtEnd int64
	delivery                                      *deliveryReport
	// The fault mode (faults.go); faults is nil without it.
	faults                                             *faultStats
	killEvery, restartAfter, flushEvery, callbackRetry time.Duration
}

// Print writes the report as zwgk loadtest prints it.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "mode %s, %d virtual users, %s\n", r.mode, r.users, r.elapsed.Round(time.Millisecond))
	rate := float64(r.callbacks) / r.elapsed.Seconds()
	fmt.Fprintf(w, "callbacks: %d (%.0f/s), errors: %d\n", r.callbacks, rate, r.errors)
	if r.faults != nil {
		f := r.faults
		var parts []string
		if r.killEvery > 0 {
			when := "at once"
			if r.restartAfter > 0 {
				when = r.restartAfter.String() + " later"
			}
			k := fmt.Sprintf("%d kills (SIGKILL every %s ±25%%)", f.kills, r.killEvery)
			if len(f.downtimes) > 0 {
				k += fmt.Sprintf(", each started again %s and ready after p50 %s, max %s (from the kill)", when, pct(f.downtimes, 50), pct(f.downtimes, 100))
			}
			parts = append(parts, k)
		}
		if r.flushEvery > 0 {
			parts = append(parts, fmt.Sprintf("%d Redis flushes (every %s, %d keys deleted)", f.flushes, r.flushEvery, f.flushedKeys))
		}
		fmt.Fprintln(w, "faults:", strings.Join(parts, "; "))
		fmt.Fprintf(w, "callback attempts: %d (%d met no bot or a 5xx; WeCom posts a callback %d times, %s apart); %d given up after %d attempts: %d recorded by the bot before it died, %d sent again by their person, %d not (the run was over)\n",
			r.attempts, r.failedAttempts, sandbox.Attempts, r.callbackRetry, r.givenUp, sandbox.Attempts, r.recordedAnyway, r.resent, r.givenUpAtEnd)
	}
	if len(r.latencies) > 0 {
		fmt.Fprintf(w, "callback latency: p50 %s  p95 %s  p99 %s  max %s\n", pct(r.latencies, 50), pct(r.latencies, 95), pct(r.latencies, 99), pct(r.latencies, 100))
	}
	if r.mode == "flows" {
		fmt.Fprintf(w, "flows completed: %d forms (submit → 股室 → 办公室 → 发布), %d orders (登记 → 签收 → 指定 → 办结 → 已回复12345)\n", r.flowsForm, r.flowsOrd)
	}
	if len(r.outboxLag) > 0 {
		fmt.Fprintf(w, "outbox delivery lag: p50 %s  p95 %s  p99 %s  max %s (%d messages)\n", pct(r.outboxLag, 50), pct(r.outboxLag, 95), pct(r.outboxLag, 99), pct(r.outboxLag, 100), len(r.outboxLag))
	}
	if d := r.delivery; d != nil {
		fmt.Fprintf(w, "messages: %d sent (outbox rows, per recipient), %d received; %d repeats absorbed by WeCom's duplicate check, %d cards found delivered by an earlier attempt (42014); duplicates %d, lost %d, repeats within the documented window %d\n",
			d.rows, d.received, d.absorbed, d.earlier, len(d.duplicates), len(d.lost), len(d.window))
		fmt.Fprintf(w, "of these: %d cards or texts with the full 4 h duplicate check, %d texts with a shorter one, %d without (repeating one sent less than 15 s before)\n", d.full, d.short, d.unchecked)
		for _, x := range d.window {
			fmt.Fprintln(w, "  repeat within the documented window:", x)
		}
		if len(d.window) > 0 && r.faults != nil {
			var at []string
			for _, k := range r.faults.killed {
				at = append(at, k.Format("15:04:05.000"))
			}
			fmt.Fprintln(w, "  kills at", strings.Join(at, ", "))
		}
	}
	if r.rssPeak > 0 {
		fmt.Fprintf(w, "bot RSS: idle %d MB, peak %d MB\n", r.rssIdleKB/1024, r.rssPeak/1024)
	}
	switch {
	case r.pgTPS > 0:
		fmt.Fprintf(w, "ceiling: pgbench single-insert %.0f tps (callbacks/s are %.0f%% of it)\n", r.pgTPS, 100*rate/r.pgTPS)
	case r.ceilings:
		fmt.Fprintln(w, "ceiling: pgbench unavailable (not on PATH, or it failed; Debian package postgresql-15)")
	}
	switch {
	case r.redisRPS > 0:
		fmt.Fprintf(w, "ceiling: redis-benchmark SET %.0f req/s\n", r.redisRPS)
	case r.ceilings:
		fmt.Fprintln(w, "ceiling: redis-benchmark unavailable (not on PATH, or it failed; Debian package redis-tools)")
	}
	for _, s := range r.seed {
		fmt.Fprintln(w, s)
	}
	for _, c := range r.checks {
		fmt.Fprintln(w, "check ok:", c)
	}
	for _, f := range r.failures {
		fmt.Fprintln(w, "CHECK FAILED:", f)
	}
}

func pct(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	i = min(max(i-1, 0), len(s)-1)
	return s[i].Round(10 * time.Microsecond)
}

// loadRoster makes a roster for n virtual staff in four sections.
func loadRoster(n int) (yaml string, staff []string, heads map[string]string) {
	var b strings.Builder
	heads = map[string]string{}
	b.WriteString("sections:\n")
	for s := 1; s <= 4; s++ {
		fmt.Fprintf(&b, "  - name: 负载%d股\n    head: head%d\n", s, s)
	}
	fmt.Fprintf(&b, "  - name: 综合办公室\n    head: office1\n")
	b.WriteString("people:\n")
	b.WriteString("  - {userid: leader1, name: 局长, section: \"\", roles: [leader]}\n")
	b.WriteString("  - {userid: office1, name: 办公室一, section: 综合办公室, roles: [office]}\n")
	b.WriteString("  - {userid: office2, name: 办公室二, section: 综合办公室, roles: [office]}\n")
	b.WriteString("  - {userid: pub1, name: 发布员, section: 综合办公室, roles: [publisher]}\n")
	for s := 1; s <= 4; s++ {
		fmt.Fprintf(&b, "  - {userid: head%d, name: 股长%d, section: 负载%d股, roles: []}\n", s, s, s)
	}
	for i := range n {
		id := fmt.Sprintf("staff%03d", i)
		sec := i%4 + 1
		fmt.Fprintf(&b, "  - {userid: %s, name: 员工%03d, section: 负载%d股, roles: []}\n", id, i, sec)
		staff = append(staff, id)
		heads[id] = fmt.Sprintf("head%d", sec)
	}
	return b.String(), staff, heads
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// randomKey returns a fresh 43-character EncodingAESKey.
func randomKey() string {
	b := make([]byte, 32)
	rand.Read(b)
	return strings.TrimSuffix(base64.StdEncoding.EncodeToString(b), "=")
}

// Run sets up a fresh database, Redis prefix, sandbox and bot, applies the
// load, and checks that every effect happened exactly once. A run that got
// as far as the bot returns its report, with the error if there is one.
func Run(ctx context.Context, e Env, o Options) (*Report, error) {
	if o.faults() && o.Mode != "flows" {
		return nil, errors.New("loadtest: --kill-every and --flush-redis-every go with --mode flows")
	}
	dbBase := e.Getenv("DATABASE_URL")
	if dbBase == "" {
		dbBase = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	redisURL := e.Getenv("REDIS_URL")
	if redisURL == "" {
		redisURL = "redis://127.0.0.1:6379/0"
	}
	id := randHex(4)
	dbURL, dropDB, err := scratchDatabase(ctx, dbBase, "zwgk_load_"+id)
	if err != nil {
		return nil, err
	}
	if !o.Keep {
		defer dropDB()
	}
	prefix := "zwgk-load-" + id + ":"
	defer clearPrefix(context.WithoutCancel(ctx), redisURL, prefix)

	rosterYAML, staff, heads := loadRoster(o.Users)
	dir, err := os.MkdirTemp("", "zwgk-load-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	rosterPath := filepath.Join(dir, "roster.yaml")
	if err := os.WriteFile(rosterPath, []byte(rosterYAML), 0o600); err != nil {
		return nil, err
	}

	sb := sandbox.New()
	counter := &callbackCounter{base: &http.Transport{MaxIdleConnsPerHost: 512}}
	sb.HTTP = &http.Client{Timeout: 5 * time.Second, Transport: counter}
	switch {
	case o.CallbackRetry > 0:
		sb.RetryDelay = o.CallbackRetry
	case o.faults():
		sb.RetryDelay = defaultCallbackRetry
	}
	sbSrv := httptest.NewServer(sb.Handler())
	defer sbSrv.Close()
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	envv := map[string]string{
		"DATABASE_URL": dbURL, "REDIS_URL": redisURL, "REDIS_PREFIX": prefix, "HTTP_ADDR": addr,
		"WECOM_CORP_ID": "wwload" + id, "WECOM_AGENT_ID": "1000002", "WECOM_SECRET": "load-secret-" + id,
		"WECOM_TOKEN": "loadtoken", "WECOM_AES_KEY": randomKey(), "WECOM_API_BASE": sbSrv.URL,
		"ROSTER_FILE": rosterPath,
		"SCHEDULES":   "off", // measure callbacks, not the reminders of the real clock
		// The harness concentrates a bureau's day on a few approvers and
		// measures what the bot can do, not WeCom's quotas: the outbox's
		// pacing (on by default in production) is lifted here.
		"OUTBOX_RECIPIENT_RATE": "1000000/m",
		"OUTBOX_RATES":          "message/send=1000000/m;update_template_card=1000000/m",
	}
	users := append([]string{"leader1", "office1", "office2", "pub1", "head1", "head2", "head3", "head4"}, staff...)
	corp, err := sb.AddCorp(sandbox.CorpConfig{
		CorpID: envv["WECOM_CORP_ID"], Secret: envv["WECOM_SECRET"], AgentID: 1000002,
		Token: envv["WECOM_TOKEN"], EncodingAESKey: envv["WECOM_AES_KEY"],
		CallbackURL: "http://" + addr + "/wecom/callback", Users: users,
	})
	if err != nil {
		return nil, err
	}

	botCtx, stopBot := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBot()
	bp := newBotProc(botCtx, e, envv, o.InProcess)
	if o.KillEvery > 0 && !bp.child() {
		return nil, errors.New("loadtest: --kill-every needs the bot as a child process: build the binary (go build .) and run ./zwgk loadtest, without --in-process")
	}
	if err := bp.start(ctx); err != nil {
		stopBot()
		bp.wait()
		return nil, err
	}
	defer func() { stopBot(); bp.wait() }()
	r := &Report{mode: o.Mode, users: o.Users}
	if bp.child() {
		time.Sleep(500 * time.Millisecond)
		r.rssIdleKB = bp.rss()
	}

	db, err := storage.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()

	if o.SeedOrders > 0 {
		if err := seedAndTime(ctx, db, o.SeedOrders, r); err != nil {
			return r, err
		}
	}

	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile)
		if err != nil {
			return nil, fmt.Errorf("loadtest: --cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, fmt.Errorf("loadtest: --cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	lg := &loadGen{corp: corp, r: r, db: db, handled: map[string]int{}}
	if o.Trace {
		lg.traceTo = e.Stderr
	}
	loadCtx, cancel := context.WithTimeout(ctx, o.Duration)
	if o.MinFlows > 0 {
		cancel()
		var stop context.CancelFunc
		loadCtx, stop = context.WithCancel(ctx)
		cancel = stop
		go func() {
			deadline := time.NewTimer(o.Duration)
			defer deadline.Stop()
			select {
			case <-deadline.C:
			case <-loadCtx.Done():
				return
			}
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			for lg.forms.Load() < int64(o.MinFlows) || lg.orders.Load() < int64(o.MinFlows) {
				select {
				case <-tick.C:
				case <-loadCtx.Done():
					return
				}
			}
			stop()
		}()
	}
	var (
		faultWG  sync.WaitGroup
		faultErr = make(chan error, 2)
	)
	if o.faults() {
		lg.bot = bp
		r.faults = &faultStats{}
		r.killEvery, r.restartAfter, r.flushEvery, r.callbackRetry = o.KillEvery, o.RestartAfter, o.FlushRedisEvery, sb.RetryDelay
		if o.KillEvery > 0 {
			faultWG.Go(func() { faultErr <- killEvery(loadCtx, bp, o.KillEvery, o.RestartAfter, r.faults) })
		}
		if o.FlushRedisEvery > 0 {
			faultWG.Go(func() { faultErr <- flushEvery(loadCtx, redisURL, prefix, o.FlushRedisEvery, r.faults) })
		}
	}
	start := time.Now()
	switch o.Mode {
	case "flows":
		lg.flows(loadCtx, staff, heads)
	case "rate":
		lg.fixedRate(loadCtx, staff, o.Rate)
	default:
		cancel()
		return nil, fmt.Errorf("loadtest: unknown --mode %q", o.Mode)
	}
	cancel()
	r.elapsed = time.Since(start)
	faultWG.Wait() // a restart under way is finished
	close(faultErr)
	for err := range faultErr {
		if err != nil {
			return r, err
		}
	}
	r.callbacks, r.errors = lg.callbacks.Load(), lg.errs.Load()
	r.latencies = lg.latencies
	r.flowsForm, r.flowsOrd = lg.forms.Load(), lg.orders.Load()
	r.givenUp, r.recordedAnyway, r.resent, r.givenUpAtEnd = lg.givenUp.Load(), lg.recordedAnyway.Load(), lg.resent.Load(), lg.givenUpAtEnd.Load()
	r.attempts, r.failedAttempts = counter.attempts.Load(), counter.failed.Load()
	if bp.child() {
		bp.notePeak()
		r.rssPeak = bp.peakKB
	}

	// Let the outbox drain, then check every effect once.
	drainCtx, cancelDrain := context.WithTimeout(ctx, 30*time.Second)
	defer cancelDrain()
	for drainCtx.Err() == nil {
		var pending int
		db.GetContext(ctx, &pending, `SELECT count(*) FROM outbox WHERE status = 'pending'`)
		if pending == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	verify(ctx, db, r, o.Mode)
	verifyDelivery(ctx, db, corp, r)
	verifyInbound(ctx, db, lg.handled, r)
	verifyWaits(corp, lg.waits, r)
	if o.SeedOrders > 0 {
		// After the checks: what the jobs queue must not count as the
		// load's own messages.
		if err := timeJobs(ctx, e, db, rosterYAML, r); err != nil {
			return r, err
		}
	}
	if o.Ceilings {
		r.ceilings = true
		r.pgTPS = pgbenchInsert(ctx, dbBase, dbURL)
		r.redisRPS = redisBenchmark(ctx, redisURL)
	}
	if len(r.failures) > 0 {
		return r, fmt.Errorf("loadtest: %d checks failed", len(r.failures))
	}
	return r, nil
}

// verify checks that each completed flow left exactly one of each effect
// and that nothing was lost or failed.
func verify(ctx context.Context, db *storage.DB, r *Report, mode string) {
	count := func(q string) int {
		var n int
		if err := db.GetContext(ctx, &n, q); err != nil {
			r.failures = append(r.failures, q+": "+err.Error())
		}
		return n
	}
	check := func(ok bool, what string) {
		if ok {
			r.checks = append(r.checks, what)
		} else {
			r.failures = append(r.failures, what)
		}
	}
	if n := count(`SELECT count(*) FROM inbox WHERE status = 'failed'`); true {
		check(n == 0, fmt.Sprintf("no callback failed in handling (%d failed)", n))
	}
	if n := count(`SELECT count(*) FROM outbox WHERE status <> 'sent'`); true {
		check(n == 0, fmt.Sprintf("every outbound message was delivered (%d not)", n))
	}
	var lags []float64
	db.SelectContext(ctx, &lags, `SELECT extract(epoch FROM sent_at - created_at) FROM outbox WHERE status = 'sent'`)
	for _, l := range lags {
		r.outboxLag = append(r.outboxLag, time.Duration(l*float64(time.Second)))
	}
	if mode != "flows" {
		return
	}
	// The seeded rows (--seed-orders) are not the load's: 种子 forms and
	// orders from source seed are left out of the counts.
	published := count(`SELECT count(*) FROM forms WHERE state = 'published' AND title <> '种子'`)
	check(int64(published) >= r.flowsForm, fmt.Sprintf("every completed form flow is 已公开 (%d published, %d flows)", published, r.flowsForm))
	dup := count(`SELECT count(*) FROM (SELECT form_id, version, stage FROM form_decisions GROUP BY 1, 2, 3 HAVING count(*) > 1) d`)
	check(dup == 0, fmt.Sprintf("no stage decided twice (%d)", dup))
	// Each form flow has its own title: two forms of one title are one
	// draft submitted twice (issue 14, 1).
	twice := count(`SELECT count(*) FROM (SELECT title FROM forms WHERE title <> '种子' GROUP BY title HAVING count(*) > 1) t`)
	check(twice == 0, fmt.Sprintf("no draft became two forms (%d titles twice)", twice))
	gaps := count(`SELECT count(*) FROM (SELECT year FROM forms WHERE title <> '种子' GROUP BY year HAVING max(seq) <> count(*)) g`)
	check(gaps == 0, fmt.Sprintf("form numbers have no gap (%d years with one)", gaps))
	pubs := count(`SELECT count(*) FROM form_publications`)
	check(pubs == published, fmt.Sprintf("one publication per published form (%d for %d)", pubs, published))
	closed := count(`SELECT count(*) FROM orders WHERE state = 'closed' AND source <> 'seed'`)
	check(int64(closed) >= r.flowsOrd, fmt.Sprintf("every completed order flow is closed (%d closed, %d flows)", closed, r.flowsOrd))
	regs := count(`SELECT count(*) FROM audit_log WHERE action = 'register'`)
	orders := count(`SELECT count(*) FROM orders WHERE source <> 'seed'`)
	check(regs == orders, fmt.Sprintf("each order registered once (%d registrations, %d orders)", regs, orders))
}

// loadGen drives the sandbox's users and measures each callback.
type loadGen struct {
	corp            *sandbox.Corp
	r               *Report
	db              *storage.DB
	callbacks, errs atomic.Int64
	forms, orders   atomic.Int64
	mu              sync.Mutex
	latencies       []time.Duration
	handled         map[string]int // callbacks the bot took, per user: answered 200 or recorded (faults.go)
	traceTo         io.Writer      // --trace; nil: quiet
	waits           []pendingWait  // cut short by the end of the run

	// The fault mode (faults.go): bot is nil without it.
	bot                                           *botProc
	givenUp, recordedAnyway, resent, givenUpAtEnd atomic.Int64
}

// timed posts one callback (with WeCom's retries) and measures it. It
// returns the bot's last status, and an error unless that was 200.
func (lg *loadGen) timed(user string, f func() (int, error)) (int, error) {
	t0 := time.Now()
	st, err := f()
	d := time.Since(t0)
	if errors.Is(err, sandbox.ErrNoSuchButton) {
		return st, err // nothing was posted
	}
	lg.callbacks.Add(1)
	lg.mu.Lock()
	lg.latencies = append(lg.latencies, d)
	if err == nil && st == http.StatusOK {
		lg.handled[user]++
	}
	lg.mu.Unlock()
	if err != nil || st != http.StatusOK {
		if err == nil {
			err = fmt.Errorf("status %d", st)
		}
		lg.trace("callback:", user, err)
		return st, err
	}
	return st, nil
}

// trace writes what the load does with --trace (to find why a flow failed).
func (lg *loadGen) trace(args ...any) {
	if lg.traceTo != nil {
		fmt.Fprintln(lg.traceTo, args...)
	}
}

func (lg *loadGen) say(ctx context.Context, user, text string) error {
	lg.trace("say:", user, text)
	// A callback under way is finished even when the run ends.
	return lg.deliverAsPerson(ctx, user,
		func() (int, error) { return lg.corp.User(user).SendText(context.WithoutCancel(ctx), text) },
		func(since time.Time) (bool, error) {
			return textRecorded(context.WithoutCancel(ctx), lg.db, user, since)
		})
}

func (lg *loadGen) click(ctx context.Context, user, task, key string) error {
	lg.trace("click:", user, task, key)
	return lg.deliverAsPerson(ctx, user,
		func() (int, error) { return lg.corp.User(user).ClickButton(context.WithoutCancel(ctx), task, key) },
		func(time.Time) (bool, error) {
			return clickRecorded(context.WithoutCancel(ctx), lg.db, user, task, key)
		})
}

// submit answers a vote card as a person does, like click.
func (lg *loadGen) submit(ctx context.Context, user, task, key string, selected map[string][]string) error {
	lg.trace("submit:", user, task, key)
	return lg.deliverAsPerson(ctx, user,
		func() (int, error) { return lg.corp.User(user).Submit(context.WithoutCancel(ctx), task, selected) },
		func(time.Time) (bool, error) {
			return clickRecorded(context.WithoutCancel(ctx), lg.db, user, task, key)
		})
}

// await waits for a message to user at or after index from that matches.
func (lg *loadGen) await(ctx context.Context, user string, from int, match func(sandbox.Received) bool) (sandbox.Received, int, error) {
	for {
		msgs, changed := lg.corp.Snapshot(user)
		for i := from; i < len(msgs); i++ {
			if match(msgs[i]) {
				return msgs[i], i + 1, nil
			}
		}
		select {
		case <-ctx.Done():
			// The run is over; what the user waited for must still come
			// (verifyWaits).
			lg.mu.Lock()
			lg.waits = append(lg.waits, pendingWait{user, from, match})
			lg.mu.Unlock()
			return sandbox.Received{}, 0, fmt.Errorf("%s: waiting: %w", user, ctx.Err())
		case <-changed:
		}
	}
}

// pendingWait is a wait the end of the run cut short: a message the user
// was waiting for as the answer to what they had just done.
type pendingWait struct {
	user  string
	from  int
	match func(sandbox.Received) bool
}

// verifyWaits checks, once the outbox has drained, that every message a
// user was still waiting for when the run ended has come: a conversation
// lost or rewound (the answer lands on the wrong step), a callback
// acknowledged and dropped, or a message lost would leave its flow
// waiting for ever, which no count shows.
func verifyWaits(corp *sandbox.Corp, waits []pendingWait, r *Report) {
	var stuck []string
	for _, w := range waits {
		msgs := corp.Messages(w.user)
		if slices.ContainsFunc(msgs[min(w.from, len(msgs)):], w.match) {
			continue
		}
		last := "nothing"
		if len(msgs) > 0 {
			last = describeReceived(msgs[len(msgs)-1])
		}
		stuck = append(stuck, fmt.Sprintf("%s waited from their message %d for an answer that never came (the last they received: %s)", w.user, w.from+1, last))
	}
	what := fmt.Sprintf("every answer a user was waiting for at the end came (%d waits)", len(waits))
	if len(stuck) == 0 {
		r.checks = append(r.checks, what)
		return
	}
	slices.Sort(stuck)
	r.failures = append(r.failures, what+"\n    "+strings.Join(stuck, "\n    "))
}

func textHas(sub string) func(sandbox.Received) bool {
	return func(m sandbox.Received) bool { return m.Card == nil && strings.Contains(m.Text, sub) }
}

func cardHas(sub string) func(sandbox.Received) bool {
	return func(m sandbox.Received) bool {
		return m.Card != nil && m.ReplacedButton == "" && m.Card.MainTitle != nil &&
			strings.Contains(m.Card.MainTitle.Title+" "+m.Card.MainTitle.Desc+" "+sourceOf(m), sub)
	}
}

func sourceOf(m sandbox.Received) string {
	if m.Card.Source == nil {
		return ""
	}
	return m.Card.Source.Desc
}

var serialRe = regexp.MustCompile(`公开审〔\d+〕\d+号`)

// flows runs every staff member through alternating form and order flows
// until ctx ends; approvers act as their cards arrive.
func (lg *loadGen) flows(ctx context.Context, staff []string, heads map[string]string) {
	var wg sync.WaitGroup
	for i, s := range staff {
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				var err error
				if (n+i)%2 == 0 {
					err = lg.formFlow(ctx, s, heads[s], n)
				} else {
					err = lg.orderFlow(ctx, s, heads[s], n)
				}
				if err != nil {
					lg.trace("flow:", s, err)
				}
				if err != nil && ctx.Err() == nil {
					lg.errs.Add(1)
					time.Sleep(100 * time.Millisecond)
					lg.reset(ctx, s)
				}
			}
		})
	}
	wg.Wait()
}

// reset ends whatever conversation a failed flow left, as a person would
// before starting again: 取消, and whatever the bot answers.
func (lg *loadGen) reset(ctx context.Context, s string) {
	from := len(lg.corp.Messages(s))
	if lg.say(ctx, s, "取消") == nil {
		lg.await(ctx, s, from, func(sandbox.Received) bool { return true })
	}
}

func (lg *loadGen) formFlow(ctx context.Context, s, head string, n int) error {
	mine := len(lg.corp.Messages(s))
	steps := []struct{ say, want string }{
		{"提交", "第1步"}, {fmt.Sprintf("负载测试信息 %s-%d", s, n), "第2步"}, {"负载测试的简要内容。", "第3步"},
		{"今天", "公开形式"}, {"主动公开", "信息类别"}, {"其他", "公开平台"}, {"1", "重大事项"}, {"否", "待提交"},
	}
	for _, st := range steps {
		if err := lg.say(ctx, s, st.say); err != nil {
			return err
		}
		var err error
		match := textHas(st.want)
		if st.want == "公开形式" || st.want == "信息类别" || st.want == "公开平台" || st.want == "重大事项" || st.want == "待提交" {
			match = cardHas(st.want)
		}
		if _, mine, err = lg.await(ctx, s, mine, match); err != nil {
			return fmt.Errorf("after %q: %w", st.say, err)
		}
	}
	if err := lg.say(ctx, s, "提交"); err != nil {
		return err
	}
	got, mine, err := lg.await(ctx, s, mine, textHas("已提交，编号"))
	if err != nil {
		return fmt.Errorf("waiting for the serial: %w", err)
	}
	serial := serialRe.FindString(got.Text)
	for _, step := range []struct{ who, stage, key string }{
		{head, "股室负责人审核", "approve"}, {"office1", "办公室审核", "approve"}, {"pub1", "待发布", "pub_0"},
	} {
		want := serial + " · " + step.stage
		if step.stage == "待发布" {
			want = serial + " · 审核已通过"
		}
		card, _, err := lg.await(ctx, step.who, 0, cardHas(want))
		if err != nil {
			return fmt.Errorf("%s waiting for %s %s: %w", step.who, serial, step.stage, err)
		}
		if err := lg.click(ctx, step.who, card.Card.TaskID, step.key); err != nil {
			return err
		}
		if step.stage == "办公室审核" {
			// The office's 同意 is made on the 保密审查 card it brings.
			review, _, err := lg.await(ctx, step.who, 0, cardHas(serial+" · 请逐项勾选"))
			if err != nil {
				return fmt.Errorf("%s waiting for the 保密审查 of %s: %w", step.who, serial, err)
			}
			checks := map[string][]string{"secrecy": {"state_secret", "commercial_secret", "privacy"}}
			if err := lg.submit(ctx, step.who, review.Card.TaskID, review.Card.SubmitButton.Key, checks); err != nil {
				return err
			}
		}
	}
	if _, _, err := lg.await(ctx, s, mine, textHas("」已公开")); err != nil {
		return fmt.Errorf("waiting for 已公开 of %s: %w", serial, err)
	}
	lg.forms.Add(1)
	return nil
}

func (lg *loadGen) orderFlow(ctx context.Context, s, head string, n int) error {
	mine := len(lg.corp.Messages(s))
	ticket := fmt.Sprintf("LT%s%03d%s", strings.TrimPrefix(s, "staff"), n, randHex(2))
	sec := "负载" + strings.TrimPrefix(head, "head") + "股"
	for _, st := range []struct{ say, want string }{
		{"登记", "第1/10步"}, {ticket, "诉求类别"}, {"投诉", "第3/10步"}, {"负载测试诉求内容。", "第4/10步"},
		{"跳过", "第5/10步"}, {"跳过", "第6/10步"}, {"跳过", "紧急程度"}, {"一般", "第8/10步"},
		{"现在", "第9/10步"}, {"默认", "承办股室"}, {sec, "请核对"}, {"提交", "已登记12345工单"},
	} {
		if err := lg.say(ctx, s, st.say); err != nil {
			return err
		}
		match := textHas(st.want)
		if st.want == "诉求类别" || st.want == "紧急程度" || st.want == "承办股室" || st.want == "请核对" {
			match = cardHas(st.want)
		}
		var err error
		if _, mine, err = lg.await(ctx, s, mine, match); err != nil {
			return err
		}
	}
	for _, step := range []struct{ who, stage, key string }{
		{head, "待签收", "accept"}, {head, "请指定承办人", "h_" + s},
	} {
		card, _, err := lg.await(ctx, step.who, 0, func(m sandbox.Received) bool {
			return cardHas(ticket)(m) && strings.Contains(sourceOf(m), step.stage)
		})
		if err != nil {
			return err
		}
		if err := lg.click(ctx, step.who, card.Card.TaskID, step.key); err != nil {
			return err
		}
	}
	handle, _, err := lg.await(ctx, s, mine, func(m sandbox.Received) bool { return cardHas(ticket)(m) && strings.Contains(sourceOf(m), "请办理") })
	if err != nil {
		return err
	}
	if err := lg.click(ctx, s, handle.Card.TaskID, "finish"); err != nil {
		return err
	}
	for _, st := range []struct{ say, want string }{
		{"", "答复内容"}, {"已核查并处理。", "核查结果"}, {"属实", "处理措施"}, {"无", "已办结"},
	} {
		if st.say != "" {
			if err := lg.say(ctx, s, st.say); err != nil {
				return err
			}
		}
		if _, mine, err = lg.await(ctx, s, mine, textHas(st.want)); err != nil {
			return err
		}
	}
	reply, _, err := lg.await(ctx, s, mine, func(m sandbox.Received) bool {
		return cardHas(ticket)(m) && strings.Contains(sourceOf(m), "待回复12345")
	})
	if err != nil {
		return err
	}
	if err := lg.click(ctx, s, reply.Card.TaskID, "replied"); err != nil {
		return err
	}
	if _, _, err := lg.await(ctx, s, mine, textHas("已办结并回复12345")); err != nil {
		return err
	}
	lg.orders.Add(1)
	return nil
}

// fixedRate posts text messages and card clicks together at rate per
// second, whatever the answers take (an open loop).
func (lg *loadGen) fixedRate(ctx context.Context, senders []string, rate int) {
	// Each send has its slot start+i/rate; a late loop catches up instead of
	// dropping sends as a ticker would.
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 512)
	for i := 0; ; i++ {
		if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
		}
		if ctx.Err() != nil {
			wg.Wait()
			return
		}
		u := senders[i%len(senders)]
		select {
		case sem <- struct{}{}:
		default:
			lg.errs.Add(1) // the bot fell more than 512 callbacks behind
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			pctx := context.WithoutCancel(ctx)
			if i%2 == 0 {
				lg.say(pctx, u, "帮助")
				return
			}
			_, err := lg.timed(u, func() (int, error) {
				return lg.corp.User(u).ClickAnyway(pctx, "f0v0s-load", "button_interaction", "approve"+strconv.Itoa(i), nil)
			})
			if err != nil {
				lg.errs.Add(1)
			}
		})
	}
}

func waitReady(ctx context.Context, url string, done chan error) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			return fmt.Errorf("bot exited: %v", err)
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("bot not ready within 30 s")
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// procStatusKB reads a kB field (VmRSS, VmHWM) of /proc/PID/status.
func procStatusKB(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("%s not in /proc/%d/status", field, pid)
}

// scratchDatabase creates a database beside base and returns its URL and
// how to drop it.
func scratchDatabase(ctx context.Context, base, name string) (string, func(), error) {
	admin, err := storage.Open(ctx, base)
	if err != nil {
		return "", nil, fmt.Errorf("loadtest needs Postgres (DATABASE_URL): %w", err)
	}
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name)); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create %s: %w", name, err)
	}
	u, err := url.Parse(base)
	if err != nil {
		admin.Close()
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() {
		admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(name)+" WITH (FORCE)")
		admin.Close()
	}
	return u.String(), drop, nil
}

// clearPrefix deletes every Redis key under prefix and returns how many.
func clearPrefix(ctx context.Context, redisURL, prefix string) (int, error) {
	r, err := storage.OpenRedis(ctx, redisURL, prefix)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	n := 0
	iter := r.Client.Scan(ctx, 0, prefix+"*", 500).Iterator()
	for iter.Next(ctx) {
		if err := r.Client.Del(ctx, iter.Val()).Err(); err != nil {
			return n, err
		}
		n++
	}
	return n, iter.Err()
}

var tpsRe = regexp.MustCompile(`tps = ([0-9.]+)`)

// pgbenchInsert measures the server's rate of one-row insert transactions,
// the ceiling for a callback (which commits one transaction).
func pgbenchInsert(ctx context.Context, base, dbURL string) float64 {
	if _, err := exec.LookPath("pgbench"); err != nil {
		return 0
	}
	db, err := storage.Open(ctx, dbURL)
	if err != nil {
		return 0
	}
	db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS pgbench_ceiling (id bigserial PRIMARY KEY, v text)`)
	db.Close()
	script := filepath.Join(os.TempDir(), "zwgk-pgbench-"+randHex(3)+".sql")
	os.WriteFile(script, []byte("INSERT INTO pgbench_ceiling (v) VALUES ('x');\n"), 0o600)
	defer os.Remove(script)
	out, err := exec.CommandContext(ctx, "pgbench", "-n", "-c", "16", "-j", "2", "-T", "10", "-f", script, dbURL).CombinedOutput()
	if err != nil {
		return 0
	}
	m := tpsRe.FindSubmatch(out)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

var rpsRe = regexp.MustCompile(`SET: ([0-9.]+) requests per second`)

func redisBenchmark(ctx context.Context, redisURL string) float64 {
	if _, err := exec.LookPath("redis-benchmark"); err != nil {
		return 0
	}
	u, err := url.Parse(redisURL)
	if err != nil {
		return 0
	}
	host, port, _ := net.SplitHostPort(u.Host)
	out, err := exec.CommandContext(ctx, "redis-benchmark", "-h", host, "-p", port, "-t", "set", "-n", "200000", "-c", "16", "-q").CombinedOutput()
	if err != nil {
		return 0
	}
	m := rpsRe.FindSubmatch(out)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

// seedAndTime fills the database with n orders and n/10 forms, then times
// the queries the office and the jobs run over them.
func seedAndTime(ctx context.Context, db *storage.DB, n int, r *Report) error {
	t0 := time.Now()
	// A city-wide year: orders arrive evenly over 400 days with a 15-day
	// limit. Those of the last 20 days are open in every state (about 5%,
	// 10 000 per 200 000); of the older ones one in 200 is stuck open and
	// overdue (about 5 000), the rest are closed.
	_, err := db.ExecContext(ctx, `
		INSERT INTO orders (ticket_no, category, content, section, registrar, handler, state, received_at, due_at,
			accept_due_at, answered_at, closed_at, created_at, updated_at, source)
		SELECT 'SEED' || g, (ARRAY['咨询','求助','投诉','举报','建议'])[1 + g % 5], '负载种子数据', '负载' || (1 + g % 4) || '股',
			'office1', 'staff000', st,
			now() - age * interval '1 day', now() - age * interval '1 day' + interval '15 days',
			now() - age * interval '1 day' + interval '1 day',
			CASE WHEN st IN ('answered', 'closed') THEN now() - age * interval '1 day' + interval '3 days' END,
			CASE WHEN st = 'closed' THEN now() - age * interval '1 day' + interval '4 days' END,
			now(), now(), 'seed'
		FROM (SELECT g, g % 400 AS age,
			CASE WHEN g % 400 < 20 THEN (ARRAY['dispatched','accepted','assigned','assigned','assigned','answered'])[1 + g % 6]
			     WHEN g % 200 = 1 THEN 'assigned' ELSE 'closed' END AS st
			FROM generate_series(1, $1) g) s`, n)
	if err != nil {
		return fmt.Errorf("seed orders: %w", err)
	}
	// Forms: a tenth as many, one in 50 waiting at the office (2 000 of
	// 100 000), their 主动公开 deadlines spread 20 days either side of today.
	_, err = db.ExecContext(ctx, `
		INSERT INTO forms (year, seq, state, stage, assignees, section, submitter, title, summary, formed_on, mode,
			column_name, platforms, major, deadline, created_at, updated_at)
		SELECT 1000 + g / 100000, g % 100000 + 1,
			CASE WHEN g % 50 <> 0 THEN 'published' ELSE 'review' END,
			CASE WHEN g % 50 <> 0 THEN '' ELSE 'office' END,
			CASE WHEN g % 50 <> 0 THEN '{}'::text[] ELSE ARRAY['office1','office2'] END,
			'负载1股', 'staff000', '种子', '种子', current_date - g % 400, '主动公开', '环境保护', ARRAY['政府网站'], false,
			now() + (g % 40 - 20) * interval '1 day', now() - (g % 30) * interval '1 day', now() - (g % 30) * interval '1 day'
		FROM generate_series(1, $1 / 10) g`, n)
	if err != nil {
		return fmt.Errorf("seed forms: %w", err)
	}
	db.ExecContext(ctx, `ANALYZE`)
	r.seed = append(r.seed, fmt.Sprintf("seeded %d orders and %d forms in %s", n, n/10, time.Since(t0).Round(time.Millisecond)))
	now := time.Now()
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, app.BusinessLocation())
	timeIt := func(name string, f func() error) {
		t := time.Now()
		err := f()
		line := fmt.Sprintf("%-42s %s", name, time.Since(t).Round(100*time.Microsecond))
		if err != nil {
			line += " ERROR " + err.Error()
		}
		r.seed = append(r.seed, line)
	}
	timeIt("statistics, this month (3 groupings)", func() error {
		for _, by := range []string{"", "section", "category"} {
			if _, err := storage.OrderStats(ctx, db, from, from.AddDate(0, 1, 0), now, by); err != nil {
				return err
			}
		}
		return nil
	})
	timeIt("statistics, whole year (3 groupings)", func() error {
		for _, by := range []string{"", "section", "category"} {
			if _, err := storage.OrderStats(ctx, db, now.AddDate(-1, 0, 0), now, now, by); err != nil {
				return err
			}
		}
		return nil
	})
	timeIt("overdue orders (超期工单, first 20)", func() error {
		_, err := storage.OverdueOrders(ctx, db, now, 20)
		return err
	})
	timeIt("forms waiting for one approver (待办)", func() error {
		_, err := storage.FormsWaitingFor(ctx, db, "office1")
		return err
	})
	timeDesk(ctx, db, now, timeIt)
	return nil
}

// timeDesk times the 办公桌's lists and 统计 over the seeded year: the
// office's default view and its deepest page, a section, a month of
// closed orders, a search no row matches (the whole year read), and the
// charts' counts for a month and a year.
func timeDesk(ctx context.Context, db *storage.DB, now time.Time, timeIt func(string, func() error)) {
	loc := app.BusinessLocation()
	page := func(f storage.DeskFilter) func() error {
		return func() error {
			f.Loc = loc
			if f.Limit == 0 {
				f.Limit = 50
			}
			_, err := storage.DeskOrders(ctx, db, f)
			return err
		}
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	monthAgo := today.AddDate(0, -1, 0)
	timeIt("办公桌: open orders, first page", page(storage.DeskFilter{}))
	timeIt("办公桌: open orders, page 200", page(storage.DeskFilter{Offset: 199 * 50}))
	timeIt("办公桌: one section's open orders", page(storage.DeskFilter{Section: "负载2股"}))
	timeIt("办公桌: a month's closed orders", page(storage.DeskFilter{State: "closed", From: monthAgo, To: today}))
	timeIt("办公桌: closed orders, a search matching none", page(storage.DeskFilter{State: "closed", Text: "无此内容"}))
	timeIt("办公桌: open forms, first page", func() error {
		_, err := storage.DeskForms(ctx, db, storage.DeskFilter{Loc: loc, Limit: 50})
		return err
	})
	timeIt("统计: orders of a month by day", func() error {
		_, err := storage.OrderCounts(ctx, db, monthAgo, today.AddDate(0, 0, 1), "day", loc)
		return err
	})
	timeIt("统计: orders of a year by month", func() error {
		_, err := storage.OrderCounts(ctx, db, today.AddDate(-1, 0, 0), today.AddDate(0, 0, 1), "month", loc)
		return err
	})
	timeIt("统计: a year's forms (platforms, stage times)", func() error {
		from, to := today.AddDate(-1, 0, 0), today.AddDate(0, 0, 1)
		if _, _, err := storage.PublishedForms(ctx, db, from, to, ""); err != nil {
			return err
		}
		_, err := storage.FormStageTimes(ctx, db, from, to)
		return err
	})
}

// timeJobs runs every reminder job once on the seeded database, each at
// its next scheduled moment in working time (so quiet rules let it run),
// and records how long its transaction took and what it queued.
func timeJobs(ctx context.Context, e Env, db *storage.DB, rosterYAML string, r *Report) error {
	roster, err := config.ParseRoster([]byte(rosterYAML))
	if err != nil {
		return err
	}
	sch, err := scheduler.New(scheduler.Options{DB: db, Roster: roster, Calendar: workflow.DefaultCalendar(), Log: e.Log})
	if err != nil {
		return err
	}
	for _, name := range sch.Names() {
		runs, err := sch.NextRuns(name, time.Now(), 1)
		if err != nil || len(runs) == 0 {
			r.seed = append(r.seed, fmt.Sprintf("job %-36s no run in the calendar: %v", name, err))
			continue
		}
		t := time.Now()
		res, err := sch.RunJob(ctx, name, runs[0], storage.TriggerManual)
		line := fmt.Sprintf("job %-36s %s (as of %s, %s, %d messages queued)", name, time.Since(t).Round(100*time.Microsecond),
			runs[0].In(app.BusinessLocation()).Format("01-02 15:04"), res.Outcome, res.Queued)
		if err != nil {
			line += " ERROR " + err.Error()
		}
		r.seed = append(r.seed, line)
	}
	return nil
}
