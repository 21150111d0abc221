package loadtest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/app"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

// TestLoadtestSmoke runs a few seconds of the load harness, so that it
// cannot rot: whole flows must complete, each exactly once.
func TestLoadtestSmoke(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	log := slog.New(slog.DiscardHandler)
	e := Env{
		Getenv: func(k string) string {
			switch k {
			case "DATABASE_URL":
				return storagetest.DatabaseURL()
			case "REDIS_URL":
				return storagetest.RedisURL()
			}
			return ""
		},
		Stderr: io.Discard, Log: log,
		// zwgk serve without its command line (package cli imports this
		// one): the same configuration, wiring and shutdown.
		Serve: func(ctx context.Context, getenv func(string) string) error {
			cfg, roster, err := app.LoadConfig(getenv)
			if err != nil {
				return err
			}
			return app.Serve(ctx, cfg, roster, log)
		},
	}
	r, err := Run(context.Background(), e, Options{Mode: "flows", Users: 3, Duration: 3 * time.Second, InProcess: true})
	if r != nil {
		r.Print(&out)
	}
	if err != nil {
		t.Fatalf("loadtest: %v\n%s", err, out.String())
	}
	if r.flowsForm == 0 || r.flowsOrd == 0 {
		t.Fatalf("no whole flow completed in 3 s:\n%s", out.String())
	}
	if len(r.failures) > 0 || len(r.checks) < 5 {
		t.Fatalf("checks: %v failed, %d passed\n%s", r.failures, len(r.checks), out.String())
	}
	if !strings.Contains(out.String(), "callback latency: p50") {
		t.Fatalf("report lacks latencies:\n%s", out.String())
	}
}
