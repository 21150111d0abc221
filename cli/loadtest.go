package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/zwgk-bot/zwgk/loadtest"
)

func cmdLoadtest(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	o := loadtest.Options{}
	fs.StringVar(&o.Mode, "mode", "flows", "flows: virtual staff play whole flows; rate: a fixed rate of callbacks")
	fs.IntVar(&o.Users, "users", 20, "virtual staff (flows mode) or senders (rate mode)")
	fs.DurationVar(&o.Duration, "duration", 30*time.Second, "how long to apply load")
	fs.IntVar(&o.Rate, "rate", 300, "callbacks per second in rate mode")
	fs.BoolVar(&o.InProcess, "in-process", false, "run the bot in this process (no separate RSS figure)")
	fs.BoolVar(&o.Trace, "trace", false, "print every callback the load sends and every failure, to stderr")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the load phase to this file (with --in-process it includes the bot)")
	fs.BoolVar(&o.Ceilings, "ceilings", true, "measure pgbench and redis-benchmark on the same servers")
	fs.IntVar(&o.SeedOrders, "seed-orders", 0, "fill the database with this many orders and forms, then time the jobs and the report")
	fs.BoolVar(&o.Keep, "keep", false, "keep the load database afterwards")
	fs.DurationVar(&o.KillEvery, "kill-every", 0, "flows mode: kill the bot with SIGKILL this often and start it again at once (0: never)")
	fs.DurationVar(&o.RestartAfter, "restart-after", 0, "with --kill-every: how long the killed bot stays down before it is started again")
	fs.DurationVar(&o.FlushRedisEvery, "flush-redis-every", 0, "flows mode: delete the run's Redis keys this often (0: never)")
	fs.DurationVar(&o.CallbackRetry, "callback-retry", 0, "pause before WeCom (the sandbox) posts an unanswered callback again (0: 5s with faults, else 200ms)")
	bot := fs.String("bot", "", "run this zwgk binary as the bot instead of this one (to compare two builds)")
	if err := fs.Parse(args); err != nil {
		return ErrUsage
	}
	if o.Users < 1 || o.Duration <= 0 || o.Rate < 1 {
		return errors.New("loadtest: --users, --duration and --rate must be positive")
	}
	if o.KillEvery < 0 || o.RestartAfter < 0 || o.FlushRedisEvery < 0 || o.CallbackRetry < 0 {
		return errors.New("loadtest: --kill-every, --restart-after, --flush-redis-every and --callback-retry must not be negative")
	}
	binary := zwgkBinary()
	if *bot != "" {
		if o.InProcess {
			return errors.New("loadtest: --bot and --in-process exclude each other")
		}
		abs, err := filepath.Abs(*bot)
		if err != nil {
			return fmt.Errorf("loadtest: --bot: %w", err)
		}
		binary = abs
	}
	r, err := loadtest.Run(ctx, loadtest.Env{
		Getenv: e.getenv, Stderr: e.stderr, Log: e.log,
		Serve: func(ctx context.Context, getenv func(string) string) error {
			return Run(ctx, []string{"-log-level", "error", "serve"}, getenv, io.Discard, io.Discard)
		},
		Binary: binary,
	}, o)
	if r != nil {
		r.Print(e.stdout)
	}
	return err
}

// zwgkBinary is this program's executable when it is the zwgk binary (not
// go run's or a test's), so that the load harness can start the bot as a
// child process and measure its memory alone; "" otherwise.
func zwgkBinary() string {
	self, err := os.Executable()
	if err != nil || filepath.Base(self) != "zwgk" {
		return ""
	}
	return self
}
