package cli

import (
	"context"
	"fmt"

	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
)

func cmdMigrate(ctx context.Context, e *env, _ []string) error {
	// Migrating needs the database alone, not the whole configuration.
	url := e.getenv(config.EnvDatabaseURL)
	if url == "" {
		return fmt.Errorf("%s: required", config.EnvDatabaseURL)
	}
	db, err := storage.Open(ctx, url)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "migrations applied: %d\n", n)
	return nil
}
