package e2e

import (
	"context"
	"io"
	"time"

	"github.com/zwgk-bot/zwgk/app"
	"github.com/zwgk-bot/zwgk/cli"
)

// run is the zwgk command exactly as main runs it: the tests start and
// drive the bot through it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return cli.Run(ctx, args, getenv, stdout, stderr)
}

// businessLocation is where the bureau's days begin and end.
func businessLocation() *time.Location { return app.BusinessLocation() }
