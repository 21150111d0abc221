// Package metrics provides the Prometheus metrics of a zwgk process: the
// callbacks it answered, the outbound calls it delivered, the reminder
// jobs it ran, and the outbox's backlog read from Postgres at scrape time.
// The parts report through plain functions (outbox.Worker.Observe,
// scheduler.Options.Observe), so only the wiring knows Prometheus.
package metrics

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are one process's metrics on a registry of their own.
type Metrics struct {
	reg *prometheus.Registry

	callbacks       *prometheus.CounterVec
	callbackSeconds *prometheus.HistogramVec
	delivered       *prometheus.CounterVec
	deliveryLag     *prometheus.HistogramVec
	jobRuns         *prometheus.CounterVec
	jobSeconds      *prometheus.HistogramVec
	jobQueued       *prometheus.CounterVec
}

// Backlog reads the outbox's rows by status (pending, failed, sent).
type Backlog func(ctx context.Context) (map[string]int, error)

// New registers the metrics, the Go runtime's and the process's. backlog
// may be nil.
func New(backlog Backlog) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		callbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "zwgk_callbacks_total",
			Help: "Callbacks answered, by source (wecom, mp) and outcome (ok: 2xx, refused: 4xx, error: 5xx).",
		}, []string{"source", "outcome"}),
		callbackSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "zwgk_callback_duration_seconds",
			Help:    "Time to answer a callback (WeCom waits 5 s).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"source"}),
		delivered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "zwgk_outbox_deliveries_total",
			Help: "Outbound calls attempted by the outbox, by kind and result (sent, retry, failed).",
		}, []string{"kind", "result"}),
		deliveryLag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "zwgk_outbox_delivery_lag_seconds",
			Help:    "From the commit that queued an outbound call to its delivery.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 1800},
		}, []string{"kind"}),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "zwgk_job_runs_total",
			Help: "Reminder job runs, by job and outcome (ran, quiet, busy, done before, stale, ...).",
		}, []string{"job", "outcome"}),
		jobSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "zwgk_job_duration_seconds",
			Help:    "Duration of the reminder job runs that ran.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"job"}),
		jobQueued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "zwgk_job_messages_queued_total",
			Help: "Messages the reminder jobs queued, by job.",
		}, []string{"job"}),
	}
	m.reg.MustRegister(m.callbacks, m.callbackSeconds, m.delivered, m.deliveryLag, m.jobRuns, m.jobSeconds, m.jobQueued,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if backlog != nil {
		m.reg.MustRegister(&backlogCollector{read: backlog})
	}
	return m
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Callbacks wraps a callback endpoint: it counts each answer by its status
// and times it.
func (m *Metrics) Callbacks(source string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		outcome := "ok"
		switch {
		case sw.status >= 500:
			outcome = "error"
		case sw.status >= 400:
			outcome = "refused"
		}
		m.callbacks.WithLabelValues(source, outcome).Inc()
		m.callbackSeconds.WithLabelValues(source).Observe(time.Since(start).Seconds())
	})
}

// Delivery records one attempt of the outbox (outbox.Worker.Observe).
func (m *Metrics) Delivery(kind, result string, lag time.Duration) {
	m.delivered.WithLabelValues(kind, result).Inc()
	if result == "sent" {
		m.deliveryLag.WithLabelValues(kind).Observe(lag.Seconds())
	}
}

// Job records one call of a reminder job (scheduler.Options.Observe).
func (m *Metrics) Job(job, outcome string, took time.Duration, queued int) {
	m.jobRuns.WithLabelValues(job, outcome).Inc()
	if outcome == "ran" {
		m.jobSeconds.WithLabelValues(job).Observe(took.Seconds())
		m.jobQueued.WithLabelValues(job).Add(float64(queued))
	}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

// backlogCollector reads the outbox's counts at scrape time. A slow or
// failing Postgres makes the scrape report zwgk_outbox_up 0 after a second
// rather than hang.
type backlogCollector struct {
	read Backlog
}

var (
	backlogDesc = prometheus.NewDesc("zwgk_outbox_rows", "Outbox rows by status, read from Postgres at scrape time.", []string{"status"}, nil)
	backlogUp   = prometheus.NewDesc("zwgk_outbox_up", "1 when the outbox counts could be read at this scrape.", nil, nil)
)

func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- backlogDesc
	ch <- backlogUp
}

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	counts, err := c.read(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(backlogUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(backlogUp, prometheus.GaugeValue, 1)
	for status, n := range counts {
		ch <- prometheus.MustNewConstMetric(backlogDesc, prometheus.GaugeValue, float64(n), status)
	}
}
