// Package metrics provides the Prometheus metrics of a zwgk process: the
// callbacks it answered, the WeCom and 公众号 API calls it made, the
// outbound calls the outbox delivered, the reminder jobs it ran, and the
// outbox's backlog read from Postgres at scrape time.
//
// The parts report through plain function fields (bot.Callback.Observe,
// bot.Client.Observe, outbox.Worker.Observe, scheduler.Options.Observe;
// nil = no metrics), so only this package and the wiring know Prometheus.
// Every label takes values from a closed set (a source, an outcome, an
// outbox kind, a job name, an API path): never a user, a ticket or a form.
package metrics

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Namespace prefixes every metric of this package.
const Namespace = "zwgk"

// Callback outcomes (bot.Outcome*), created at zero for each source so
// that rates and alerts see them before the first one happens.
var callbackOutcomes = []string{"handled", "duplicate", "failed", "refused"}

// Metrics are one process's metrics. Build them with New.
type Metrics struct {
	callbacks       *prometheus.CounterVec
	callbackSeconds *prometheus.HistogramVec
	apiCalls        *prometheus.CounterVec
	delivered       *prometheus.CounterVec
	deliveryLag     *prometheus.HistogramVec
	jobRuns         *prometheus.CounterVec
	jobSeconds      *prometheus.HistogramVec
	jobQueued       *prometheus.CounterVec
	secretRejected  prometheus.Gauge
}

// Backlog is what the outbox has not delivered, at one scrape.
type Backlog struct {
	Pending, Failed int
	OldestPending   time.Time // created_at of the oldest pending row; zero when none
}

// BacklogReader reads the backlog from Postgres. Its context ends after
// BacklogTimeout.
type BacklogReader func(ctx context.Context) (Backlog, error)

// BacklogTimeout bounds the backlog's reading at each scrape: a slow
// Postgres makes the scrape report zwgk_outbox_up 0, not hang.
const BacklogTimeout = time.Second

// New creates the metrics and registers them on reg, with a collector of
// the outbox backlog when read is not nil. The Go runtime's and the
// process's collectors are the caller's to register.
func New(reg prometheus.Registerer, read BacklogReader) (*Metrics, error) {
	m := &Metrics{
		callbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "callbacks_total",
			Help: "Callbacks answered, by source (wecom, mp) and outcome: handled, duplicate (a repeat, nothing done), " +
				"failed (not recorded, 5xx; or recorded as failed with an apology), refused (bad signature, timestamp, body or agent; 4xx).",
		}, []string{"source", "outcome"}),
		callbackSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "callback_duration_seconds",
			Help:    "Time to answer a callback, by source (WeCom gives up after 5 s).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"source"}),
		apiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "api_calls_total",
			Help: "Requests to the WeCom and 公众号 server APIs, token fetches included, by platform (wecom, mp), api " +
				"(message/send, gettoken, ...) and class of answer: ok, token (token refused), ratelimit, other (another errcode), " +
				"http (no errcode: network error, HTTP status, unreadable answer).",
		}, []string{"platform", "api", "class"}),
		delivered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "outbox_deliveries_total",
			Help: "Delivery attempts of outbox rows, by kind and result: sent, retry (tried again later), failed (given up).",
		}, []string{"kind", "result"}),
		deliveryLag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "outbox_delivery_lag_seconds",
			Help:    "From the commit that queued an outbound call to its delivery (sent), by kind.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 1800},
		}, []string{"kind"}),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "job_runs_total",
			Help: "Reminder job calls, by job and outcome: ran, failed, quiet (outside working time), busy (another replica), " +
				"done_before, stale.",
		}, []string{"job", "outcome"}),
		jobSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "job_duration_seconds",
			Help:    "Duration of the reminder job runs that ran or failed, by job.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"job"}),
		jobQueued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "job_messages_queued_total",
			Help: "Messages the reminder jobs queued, by job.",
		}, []string{"job"}),
		secretRejected: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "wecom_secret_rejected",
			Help: "1 while WeCom refuses the app secret (gettoken 40001) and sends to WeCom are paused, else 0.",
		}),
	}
	cs := []prometheus.Collector{m.callbacks, m.callbackSeconds, m.apiCalls, m.delivered, m.deliveryLag, m.jobRuns, m.jobSeconds, m.jobQueued, m.secretRejected}
	if read != nil {
		cs = append(cs, &backlogCollector{read: read})
	}
	var errs []error
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return m, nil
}

// Callback returns the observer of one callback endpoint
// (bot.Callback.Observe, bot.MPCallback.Observe); source is wecom or mp.
func (m *Metrics) Callback(source string) func(outcome string, took time.Duration) {
	for _, o := range callbackOutcomes {
		m.callbacks.WithLabelValues(source, o)
	}
	seconds := m.callbackSeconds.WithLabelValues(source)
	return func(outcome string, took time.Duration) {
		m.callbacks.WithLabelValues(source, outcome).Inc()
		seconds.Observe(took.Seconds())
	}
}

// APICalls returns the observer of one platform's API client
// (bot.Client.Observe, bot.MPClient.Observe); platform is wecom or mp.
func (m *Metrics) APICalls(platform string) func(api, class string) {
	return func(api, class string) {
		m.apiCalls.WithLabelValues(platform, api, class).Inc()
	}
}

// SecretRejected records whether WeCom refuses the app secret
// (bot.Client.ObserveSecret).
func (m *Metrics) SecretRejected(rejected bool) {
	v := 0.0
	if rejected {
		v = 1
	}
	m.secretRejected.Set(v)
}

// Delivery records one delivery attempt of the outbox
// (outbox.Worker.Observe).
func (m *Metrics) Delivery(kind, result string, lag time.Duration) {
	m.delivered.WithLabelValues(kind, result).Inc()
	if result == "sent" {
		m.deliveryLag.WithLabelValues(kind).Observe(lag.Seconds())
	}
}

// Job records one call of a reminder job (scheduler.Options.Observe).
func (m *Metrics) Job(job, outcome string, took time.Duration, queued int) {
	outcome = strings.ReplaceAll(outcome, " ", "_") // "done before" → done_before
	m.jobRuns.WithLabelValues(job, outcome).Inc()
	switch {
	case outcome == "ran":
		m.jobSeconds.WithLabelValues(job).Observe(took.Seconds())
		m.jobQueued.WithLabelValues(job).Add(float64(queued))
	case outcome == "failed" && took > 0:
		m.jobSeconds.WithLabelValues(job).Observe(took.Seconds())
	}
}

// backlogCollector reads the outbox's backlog at scrape time. The reading
// runs beside the scrape, which waits for it at most BacklogTimeout, even
// if the reader ignores its context (a connection that hangs); while one
// reading is still running, the next scrapes do not start another.
type backlogCollector struct {
	read     BacklogReader
	inFlight atomic.Bool
}

type backlogResult struct {
	b   Backlog
	err error
}

var (
	backlogRows = prometheus.NewDesc(Namespace+"_outbox_rows",
		"Outbox rows not delivered, by status (pending, failed), read from Postgres at scrape time.", []string{"status"}, nil)
	backlogOldest = prometheus.NewDesc(Namespace+"_outbox_oldest_pending_age_seconds",
		"Age of the oldest pending outbox row (0 when none is pending), read at scrape time.", nil, nil)
	backlogUp = prometheus.NewDesc(Namespace+"_outbox_up",
		"1 when the outbox backlog could be read from Postgres at this scrape (within 1 s), else 0.", nil, nil)
)

func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- backlogRows
	ch <- backlogOldest
	ch <- backlogUp
}

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	b, ok := c.readBacklog()
	if !ok {
		ch <- prometheus.MustNewConstMetric(backlogUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(backlogUp, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(backlogRows, prometheus.GaugeValue, float64(b.Pending), "pending")
	ch <- prometheus.MustNewConstMetric(backlogRows, prometheus.GaugeValue, float64(b.Failed), "failed")
	age := 0.0
	if !b.OldestPending.IsZero() {
		age = max(time.Since(b.OldestPending).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(backlogOldest, prometheus.GaugeValue, age)
}

// readBacklog reads the backlog within BacklogTimeout; ok is false when
// it could not.
func (c *backlogCollector) readBacklog() (b Backlog, ok bool) {
	if !c.inFlight.CompareAndSwap(false, true) {
		return Backlog{}, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), BacklogTimeout)
	done := make(chan backlogResult, 1)
	go func() {
		defer c.inFlight.Store(false)
		defer cancel()
		b, err := c.read(ctx)
		done <- backlogResult{b, err}
	}()
	timer := time.NewTimer(BacklogTimeout)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.b, r.err == nil
	case <-timer.C:
		return Backlog{}, false
	}
}
