package loadtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/app"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

// childEnv, set in the environment of this test binary, makes it run as
// the bot (zwgk serve) instead of the tests: the kill test's child process.
const childEnv = "ZWGK_LOADTEST_TEST_BOT"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "serve" {
		os.Exit(serveAsChild())
	}
	os.Exit(m.Run())
}

// serveAsChild is zwgk serve in a child process, as cli does it: the
// configuration from the environment, SIGINT or SIGTERM to stop.
func serveAsChild() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	cfg, roster, err := app.LoadConfig(os.Getenv)
	if err == nil {
		err = app.Serve(ctx, cfg, roster, log)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		return 1
	}
	return 0
}

// TestLoadtestKillSmoke runs a few seconds of the fault mode with one or
// two kills: the bot, a child process, is killed with SIGKILL under load
// and started again, and every check of exactly once must hold. The
// scenario is fast and loose in time: it asserts only what must hold
// whenever the kill fell (no duplicate, nothing lost), that a kill
// happened, and that some flow completed.
func TestLoadtestKillSmoke(t *testing.T) {
	t.Parallel()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
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
		Stderr: io.Discard, Log: slog.New(slog.DiscardHandler),
		Binary: self, BinaryEnv: []string{childEnv + "=serve"},
	}
	r, err := Run(context.Background(), e, Options{
		Mode: "flows", Users: 3, Duration: 4 * time.Second,
		KillEvery: 2 * time.Second, CallbackRetry: 500 * time.Millisecond,
		MinFlows: 1, // a loaded machine is slow, not wrong
	})
	if r != nil {
		r.Print(&out)
	}
	if err != nil {
		t.Fatalf("loadtest: %v\n%s", err, out.String())
	}
	if r.faults == nil || r.faults.kills == 0 {
		t.Fatalf("no kill:\n%s", out.String())
	}
	if r.flowsForm+r.flowsOrd == 0 {
		t.Fatalf("no whole flow completed:\n%s", out.String())
	}
	for _, want := range []string{"faults: ", "nobody received a message twice", "every message sent was received", "every callback the bot took"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("report lacks %q:\n%s", want, out.String())
		}
	}
	t.Log(out.String())
}

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
	// At least one whole flow of each kind, however long a loaded machine
	// takes; the test's own timeout bounds it.
	r, err := Run(context.Background(), e, Options{Mode: "flows", Users: 3, Duration: 3 * time.Second, InProcess: true, MinFlows: 1})
	if r != nil {
		r.Print(&out)
	}
	if err != nil {
		t.Fatalf("loadtest: %v\n%s", err, out.String())
	}
	if r.flowsForm == 0 || r.flowsOrd == 0 {
		t.Fatalf("no whole flow of each kind completed:\n%s", out.String())
	}
	if len(r.failures) > 0 || len(r.checks) < 5 {
		t.Fatalf("checks: %v failed, %d passed\n%s", r.failures, len(r.checks), out.String())
	}
	if !strings.Contains(out.String(), "callback latency: p50") {
		t.Fatalf("report lacks latencies:\n%s", out.String())
	}
}
