package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/metrics"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

func text(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
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

func TestBacklogReadFromPostgres(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	for _, to := range []string{"a", "b"} {
		if _, err := storage.Enqueue(ctx, db, storage.KindMessage, to, map[string]string{"x": to}, ""); err != nil {
			t.Fatal(err)
		}
	}
	m := metrics.New(func(ctx context.Context) (map[string]int, error) { return storage.OutboxCounts(ctx, db) })
	has(t, text(t, m), `zwgk_outbox_up 1`, `zwgk_outbox_rows{status="pending"} 2`, `zwgk_outbox_rows{status="failed"} 0`)
}

func TestBacklogUnreadableIsReportedNotHung(t *testing.T) {
	t.Parallel()
	m := metrics.New(func(ctx context.Context) (map[string]int, error) {
		<-ctx.Done() // Postgres does not answer
		return nil, errors.New("timeout")
	})
	start := time.Now()
	body := text(t, m)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("scrape took %s", d)
	}
	has(t, body, `zwgk_outbox_up 0`)
	if strings.Contains(body, "zwgk_outbox_rows{") {
		t.Error("rows reported without a reading")
	}
}

func TestDeliveriesJobsAndCallbacks(t *testing.T) {
	t.Parallel()
	m := metrics.New(nil)
	m.Delivery("message", "sent", 2*time.Second)
	m.Delivery("message", "retry", 0)
	m.Job("order_due", "ran", 300*time.Millisecond, 4)
	m.Job("order_due", "quiet", 0, 0)
	h := m.Callbacks("wecom", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("bad") != "" {
			http.Error(w, "bad", http.StatusForbidden)
		}
	}))
	for _, q := range []string{"", "?bad=1", ""} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/wecom/callback"+q, nil))
	}
	has(t, text(t, m),
		`zwgk_outbox_deliveries_total{kind="message",result="sent"} 1`,
		`zwgk_outbox_deliveries_total{kind="message",result="retry"} 1`,
		`zwgk_outbox_delivery_lag_seconds_count{kind="message"} 1`,
		`zwgk_job_runs_total{job="order_due",outcome="ran"} 1`,
		`zwgk_job_runs_total{job="order_due",outcome="quiet"} 1`,
		`zwgk_job_messages_queued_total{job="order_due"} 4`,
		`zwgk_callbacks_total{outcome="ok",source="wecom"} 2`,
		`zwgk_callbacks_total{outcome="refused",source="wecom"} 1`,
	)
}
