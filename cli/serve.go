package cli

import (
	"context"

	"github.com/zwgk-bot/zwgk/app"
)

func cmdServe(ctx context.Context, e *env, _ []string) error {
	cfg, roster, err := app.LoadConfig(e.getenv)
	if err != nil {
		return err
	}
	e.log.Info("starting", "version", version, "config", cfg.String())
	return app.Serve(ctx, cfg, roster, e.log)
}
