// Command zwgk runs a bureau's 政务公开 work inside WeCom: the bot, its
// migrations, a demo with a local WeCom sandbox, and operator commands
// (package cli).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/zwgk-bot/zwgk/cli"
	"github.com/zwgk-bot/zwgk/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.Run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ve *config.ValidationError
		switch {
		case errors.Is(err, cli.ErrUsage):
		case errors.As(err, &ve):
			fmt.Fprintln(os.Stderr, "zwgk: please fix the configuration:")
			for _, p := range ve.Problems {
				fmt.Fprintln(os.Stderr, "  "+p)
			}
		default:
			fmt.Fprintln(os.Stderr, "zwgk:", err)
		}
		os.Exit(cli.ExitCode(err))
	}
}
