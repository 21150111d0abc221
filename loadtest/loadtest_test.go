package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

// TestLoadtestSmoke runs a few seconds of the load harness, so that it
// cannot rot: whole flows must complete, each exactly once.
func TestLoadtestSmoke(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	e := &env{
		getenv: func(k string) string {
			switch k {
			case "DATABASE_URL":
				return storagetest.DatabaseURL()
			case "REDIS_URL":
				return storagetest.RedisURL()
			}
			return ""
		},
		stdout: &out, stderr: io.Discard,
	}
	e.log, _ = newLogger(io.Discard, "text", "error")
	r, err := loadtest(context.Background(), e, loadOpts{mode: "flows", users: 3, duration: 3 * time.Second, inProcess: true})
	if r != nil {
		r.print(&out)
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
