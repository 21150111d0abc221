package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/zwgk-bot/zwgk/metrics"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

// newMetrics returns metrics on a registry of their own.
func newMetrics(t *testing.T, read metrics.BacklogReader) (*metrics.Metrics, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg, read)
	if err != nil {
		t.Fatal(err)
	}
	return m, reg
}

// text scrapes reg as Prometheus would.
func text(t *testing.T, reg *prometheus.Registry) string {
	t.Helper()
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape: %d", rec.Code)
	}
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func has(t *testing.T, body string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(body, "\n"+l+"\n") {
			t.Errorf("metrics lack %q", l)
		}
	}
}

// value is the value of one series of body, or -1.
func value(t *testing.T, body, series string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return -1
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestBacklogReadFromPostgres(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	read := func(ctx context.Context) (metrics.Backlog, error) {
		b, err := storage.ReadOutboxBacklog(ctx, db)
		return metrics.Backlog{Pending: b.Pending, Failed: b.Failed, OldestPending: b.Oldest.Time}, err
	}
	_, reg := newMetrics(t, read)

	// An empty outbox: the gauges are there, at zero.
	body := text(t, reg)
	has(t, body, `zwgk_outbox_up 1`, `zwgk_outbox_rows{status="pending"} 0`, `zwgk_outbox_rows{status="failed"} 0`,
		`zwgk_outbox_oldest_pending_age_seconds 0`)

	var ids []int64
	for _, to := range []string{"a", "b", "c", "d"} {
		id, err := storage.Enqueue(ctx, db, storage.KindMessage, to, map[string]string{"x": to}, "")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := db.MarkSent(ctx, ids[0], time.Now(), map[string]any{}); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkFailedCode(ctx, ids[1], time.Now(), 60111, "unknown user"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond) // the oldest pending row has an age
	body = text(t, reg)
	has(t, body, `zwgk_outbox_up 1`, `zwgk_outbox_rows{status="pending"} 2`, `zwgk_outbox_rows{status="failed"} 1`)
	if strings.Contains(body, `status="sent"`) {
		t.Error("sent rows are counted at scrape time; they are never deleted")
	}
	if age := value(t, body, "zwgk_outbox_oldest_pending_age_seconds"); age <= 0 || age > 60 {
		t.Errorf("oldest pending age = %v", age)
	}
}

func TestBacklogUnreadableIsReportedNotHung(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	// A reader that ignores its context: a connection that hangs.
	m, reg := newMetrics(t, func(ctx context.Context) (metrics.Backlog, error) {
		calls.Add(1)
		<-release
		return metrics.Backlog{}, errors.New("too late")
	})
	m.Callback("wecom")
	for range 2 {
		start := time.Now()
		body := text(t, reg)
		if d := time.Since(start); d > metrics.BacklogTimeout+2*time.Second {
			t.Errorf("scrape took %s", d)
		}
		has(t, body, `zwgk_outbox_up 0`)
		if strings.Contains(body, "zwgk_outbox_rows{") {
			t.Error("rows reported without a reading")
		}
		// The rest of the metrics are served all the same.
		has(t, body, `zwgk_callbacks_total{outcome="handled",source="wecom"} 0`)
	}
	// The second scrape did not pile another reading on the hung one.
	if n := calls.Load(); n != 1 {
		t.Errorf("reader called %d times, want 1", n)
	}
}

func TestBacklogErrorIsReported(t *testing.T) {
	t.Parallel()
	_, reg := newMetrics(t, func(ctx context.Context) (metrics.Backlog, error) {
		return metrics.Backlog{}, errors.New("connection refused")
	})
	has(t, text(t, reg), `zwgk_outbox_up 0`)
}

func TestObservers(t *testing.T) {
	t.Parallel()
	m, reg := newMetrics(t, nil)
	m.Delivery("message", "sent", 2*time.Second)
	m.Delivery("message", "retry", 0)
	m.Delivery("mp_template", "failed", 0)
	m.Job("order_due", "ran", 300*time.Millisecond, 4)
	m.Job("order_due", "quiet", 0, 0)
	m.Job("order_due", "done before", time.Millisecond, 0)
	m.Job("deadline", "failed", 2*time.Second, 0)
	wecom := m.Callback("wecom")
	wecom("handled", 3*time.Millisecond)
	wecom("handled", time.Millisecond)
	wecom("refused", time.Millisecond)
	mp := m.Callback("mp")
	mp("duplicate", time.Millisecond)
	api := m.APICalls("wecom")
	api("message/send", "ok")
	api("message/send", "ratelimit")
	api("gettoken", "ok")
	m.APICalls("mp")("message/template/send", "token")

	body := text(t, reg)
	has(t, body,
		`zwgk_outbox_deliveries_total{kind="message",result="sent"} 1`,
		`zwgk_outbox_deliveries_total{kind="message",result="retry"} 1`,
		`zwgk_outbox_deliveries_total{kind="mp_template",result="failed"} 1`,
		`zwgk_outbox_delivery_lag_seconds_count{kind="message"} 1`,
		`zwgk_outbox_delivery_lag_seconds_sum{kind="message"} 2`,
		`zwgk_job_runs_total{job="order_due",outcome="ran"} 1`,
		`zwgk_job_runs_total{job="order_due",outcome="quiet"} 1`,
		`zwgk_job_runs_total{job="order_due",outcome="done_before"} 1`,
		`zwgk_job_runs_total{job="deadline",outcome="failed"} 1`,
		`zwgk_job_duration_seconds_count{job="order_due"} 1`,
		`zwgk_job_duration_seconds_count{job="deadline"} 1`,
		`zwgk_job_messages_queued_total{job="order_due"} 4`,
		`zwgk_callbacks_total{outcome="handled",source="wecom"} 2`,
		`zwgk_callbacks_total{outcome="refused",source="wecom"} 1`,
		// Every outcome of an endpoint is there from the start, at zero.
		`zwgk_callbacks_total{outcome="duplicate",source="wecom"} 0`,
		`zwgk_callbacks_total{outcome="failed",source="wecom"} 0`,
		`zwgk_callbacks_total{outcome="duplicate",source="mp"} 1`,
		`zwgk_callbacks_total{outcome="handled",source="mp"} 0`,
		`zwgk_callback_duration_seconds_count{source="wecom"} 3`,
		`zwgk_callback_duration_seconds_count{source="mp"} 1`,
		`zwgk_api_calls_total{api="message/send",class="ok",platform="wecom"} 1`,
		`zwgk_api_calls_total{api="message/send",class="ratelimit",platform="wecom"} 1`,
		`zwgk_api_calls_total{api="gettoken",class="ok",platform="wecom"} 1`,
		`zwgk_api_calls_total{api="message/template/send",class="token",platform="mp"} 1`,
	)
	if strings.Contains(body, "zwgk_outbox_up") {
		t.Error("backlog collected without a reader")
	}
}

func TestNewOnARegistryThatHasThem(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	if _, err := metrics.New(reg, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := metrics.New(reg, nil); err == nil {
		t.Error("registered twice on one registry")
	}
}
