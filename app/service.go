// Package app wires the bot's parts into the running service: the stores,
// the WeCom and 公众号 clients, the handlers, the outbox worker, the
// scheduler, the metrics and the HTTP routes, and how they start and stop.
// The commands (cli/), the load harness and the end-to-end tests build it
// the same way.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // the business time zone must not depend on the host

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/metrics"
	"github.com/zwgk-bot/zwgk/notices"
	"github.com/zwgk-bot/zwgk/office"
	"github.com/zwgk-bot/zwgk/outbox"
	"github.com/zwgk-bot/zwgk/router"
	"github.com/zwgk-bot/zwgk/scheduler"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// Service is the running bot: its stores, WeCom client, handlers and
// outbox worker. serve, demo and the end-to-end tests build it the same way.
type Service struct {
	cfg    config.Config
	roster *config.Roster
	log    *slog.Logger
	db     *storage.DB
	redis  *storage.Redis
	client *bot.Client
	bot    *router.Router
	worker *outbox.Worker
	// imagesPoke wakes the worker fetching images sent in chat.
	imagesPoke chan struct{}
	sched      *scheduler.Scheduler
	now        func() time.Time
	metrics    *metrics.Metrics
	// registry holds the metrics, the Go runtime's and the process's:
	// serve serves it on METRICS_ADDR, demo beside its page.
	registry *prometheus.Registry
	// notices is the 公众号 side (delivery.go); nil when MP_APP_ID is empty.
	notices *notices.Service
	// cal is the working-day calendar the bot and the scheduler share;
	// RefreshCalendar replaces its data when the years in Postgres change
	// (calVersion). calExtra is CALENDAR_FILE's contents.
	cal        *workflow.Calendar
	calExtra   []byte
	calVersion string
}

// BusinessLocation is where the bureau's days begin and end.
func BusinessLocation() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		// time/tzdata is embedded, so this cannot happen.
		panic(err)
	}
	return loc
}

// Open connects to Postgres and Redis, applies migrations and wires the
// parts. The caller must call Close.
func Open(ctx context.Context, cfg config.Config, roster *config.Roster, log *slog.Logger) (*Service, error) {
	extra, err := ReadCalendarFile(cfg.CalendarFile)
	if err != nil {
		return nil, err
	}
	db, err := storage.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	n, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if n > 0 {
		log.InfoContext(ctx, "migrations applied", "count", n)
	}
	calVersion, err := storage.CalendarVersion(ctx, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	cal, err := office.LoadCalendar(ctx, db, extra)
	if err != nil {
		db.Close()
		return nil, err
	}
	warnCalendar(log, cal, time.Now())
	rdb, err := storage.OpenRedis(ctx, cfg.RedisURL, cfg.RedisPrefix)
	if err != nil {
		db.Close()
		return nil, err
	}
	hc, err := bot.NewHTTPClient(map[string]string{bot.WeComHost: cfg.APIBase, bot.MPHost: cfg.MP.BaseURL()})
	if err != nil {
		db.Close()
		rdb.Close()
		return nil, err
	}
	s := &Service{cfg: cfg, roster: roster, log: log, db: db, redis: rdb, now: time.Now,
		cal: cal, calExtra: extra, calVersion: calVersion}
	if err := s.newMetrics(); err != nil {
		s.Close()
		return nil, err
	}
	s.client = bot.NewClient(cfg.CorpID, cfg.AgentID, cfg.Secret, hc, rdb, log)
	s.client.Observe = s.metrics.APICalls("wecom")
	s.client.ObserveSecret = s.metrics.SecretRejected
	s.worker = outbox.NewWorker(db, s.client, log)
	s.worker.Observe = s.metrics.Delivery
	s.wireDelivery(hc)
	s.bot = router.New(&chat.Bot{
		DB: db, Redis: rdb, Sessions: rdb.Sessions(cfg.SessionTTL), Calendar: cal,
		PublicURL: cfg.PublicURL, LinkSecret: []byte(cfg.LinkSecret), Limits: cfg.Limits(),
		Roster: roster, Log: log, Now: s.now, Location: BusinessLocation(), Queued: s.worker.Poke,
		Notices: s.notices, Letters: cfg.Letters,
	}, extra)
	s.imagesPoke = make(chan struct{}, 1)
	s.bot.ImagesQueued = s.pokeImages
	if unset := cfg.Letters.Unset(); len(unset) > 0 {
		log.WarnContext(ctx, "the register's letters that need these variables are not printed until they are set", "unset", unset)
	}
	if s.sched, err = newScheduler(s, cal); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// newMetrics creates the service's registry with the Go runtime's and the
// process's collectors, and the bot's metrics on it.
func (s *Service) newMetrics() error {
	s.registry = prometheus.NewRegistry()
	if err := s.registry.Register(collectors.NewGoCollector()); err != nil {
		return err
	}
	if err := s.registry.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return err
	}
	m, err := metrics.New(s.registry, func(ctx context.Context) (metrics.Backlog, error) {
		b, err := storage.ReadOutboxBacklog(ctx, s.db)
		return metrics.Backlog{Pending: b.Pending, Failed: b.Failed, OldestPending: b.Oldest.Time}, err
	})
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	s.metrics = m
	return nil
}

// MetricsHandler serves the registry in Prometheus's text format.
func (s *Service) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
		Timeout:       10 * time.Second,
	})
}

// Close closes the pools.
func (s *Service) Close() {
	s.redis.Close()
	s.db.Close()
}

// DB is the service's Postgres pool.
func (s *Service) DB() *storage.DB { return s.db }

// Redis is the service's Redis client.
func (s *Service) Redis() *storage.Redis { return s.redis }

// Bot is what answers the callbacks: what each message, click and command
// does.
func (s *Service) Bot() *router.Router { return s.bot }

// Worker is the outbox worker that delivers what the bot queues.
func (s *Service) Worker() *outbox.Worker { return s.worker }

// Calendar is the working-day calendar the bot and the scheduler share.
func (s *Service) Calendar() *workflow.Calendar { return s.cal }

// Routes is every HTTP route of the bot.
func (s *Service) Routes(mux *http.ServeMux) error {
	cr, err := bot.NewCrypto(s.cfg.Token, s.cfg.AESKey, s.cfg.CorpID)
	if err != nil {
		return fmt.Errorf("WECOM_AES_KEY: %w", err)
	}
	mux.Handle("/wecom/callback", &bot.Callback{
		Crypto: cr, AgentID: strconv.FormatInt(s.cfg.AgentID, 10),
		Receiver: s.bot, Now: s.now, Log: s.log, Observe: s.metrics.Callback("wecom"),
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", s.ready)
	mux.HandleFunc("GET /forms/{id}", s.bot.Forms.ServeForm)
	mux.HandleFunc("GET /applications/{id}/letters/{kind}", s.bot.Applications.ServeLetter)
	mux.HandleFunc("GET /applications/{id}/letters/{kind}/{n}", s.bot.Applications.ServeLetter)
	mux.HandleFunc("GET /applications/{id}/record", s.bot.Applications.ServeRecord)
	mux.HandleFunc("GET /annual/{year}", s.bot.Office.ServeAnnual)
	s.bot.Orders.APIRoutes(mux, s.cfg.APIToken)
	s.bot.Applications.APIRoutes(mux, s.cfg.APIToken)
	if err := s.deskRoutes(mux); err != nil {
		return fmt.Errorf("desk pages: %w", err)
	}
	return s.deliveryRoutes(mux)
}

func (s *Service) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	var problems []string
	if err := s.db.PingContext(ctx); err != nil {
		problems = append(problems, "postgres: "+err.Error())
	}
	if err := s.redis.Ping(ctx); err != nil {
		problems = append(problems, "redis: "+err.Error())
	}
	if len(problems) > 0 {
		s.log.WarnContext(ctx, "not ready", "problems", problems)
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ready\n"))
}

// Listen opens addr (HTTP_ADDR) with a message that says what to do when
// it is taken.
func Listen(addr string) (net.Listener, error) { return listenVar(config.EnvHTTPAddr, addr) }

// listenVar opens addr, the value of the variable name.
func listenVar(name, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("%s %s is already in use: stop the other program or set %s to a free address", name, addr, name)
		}
		return nil, fmt.Errorf("%s %s: %w", name, addr, err)
	}
	return ln, nil
}

// ServeUntil serves h on ln until ctx ends, runs background work beside it,
// then shuts down in order: stop accepting and finish requests, stop the
// background work, and return for the caller to close the pools.
func ServeUntil(ctx context.Context, log *slog.Logger, ln net.Listener, h http.Handler, background ...func(context.Context)) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	bgCtx, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for _, f := range background {
		wg.Go(func() { f(bgCtx) })
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.InfoContext(ctx, "listening", "addr", ln.Addr().String())

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	stopBG()
	wg.Wait()
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return nil
}

// LoadConfig reads the environment and the roster.
func LoadConfig(getenv func(string) string) (config.Config, *config.Roster, error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return config.Config{}, nil, err
	}
	roster, err := config.LoadRoster(cfg.RosterFile)
	if err != nil {
		var ve *config.ValidationError
		if errors.As(err, &ve) {
			return config.Config{}, nil, err
		}
		return config.Config{}, nil, fmt.Errorf("%s: %w", config.EnvRosterFile, err)
	}
	return cfg, roster, nil
}

// Serve runs the bot as zwgk serve does: it opens the service, serves its
// routes on HTTP_ADDR (and the metrics on METRICS_ADDR, when set) until
// ctx ends, then shuts down in order and closes the pools.
func Serve(ctx context.Context, cfg config.Config, roster *config.Roster, log *slog.Logger) error {
	s, err := Open(ctx, cfg, roster, log)
	if err != nil {
		return err
	}
	defer s.Close()
	mux := http.NewServeMux()
	if err := s.Routes(mux); err != nil {
		return err
	}
	ln, err := Listen(cfg.HTTPAddr)
	if err != nil {
		return err
	}
	if cfg.MetricsAddr != "" {
		// Stopped after ServeUntil has drained everything, before the pools
		// close: scrapes see the shutdown to its end.
		stop, err := serveMetrics(log, cfg.MetricsAddr, s.MetricsHandler())
		if err != nil {
			ln.Close()
			return err
		}
		defer stop()
	}
	return ServeUntil(ctx, log, ln, mux, s.Background)
}

// serveMetrics serves /metrics on a listener of its own (METRICS_ADDR), so
// that the public callback address never exposes them. stop shuts it down.
func serveMetrics(log *slog.Logger, addr string, h http.Handler) (stop func(), err error) {
	ln, err := listenVar(config.EnvMetricsAddr, addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener stopped", "err", err)
		}
	}()
	log.Info("metrics listening", "addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}

// warnCalendar warns when the working-day calendar is about to run out:
// deadlines beyond it cannot be computed, and the next year's holiday
// notice must be added before then; the office digest says the same to
// the office.
func warnCalendar(log *slog.Logger, cal *workflow.Calendar, now time.Time) {
	until := cal.CoveredUntil()
	if left := until.Sub(now); left < 60*24*time.Hour {
		log.Warn(fmt.Sprintf("working-day calendar ends soon: when the State Council's holiday notice for %d is out, an office member sends 「日历 添加」 with its text in the chat (or run zwgk calendar add FILE)", until.Year()+1),
			"covered_until", until.Format(time.DateOnly), "days_left", int(left.Hours()/24))
	}
}
