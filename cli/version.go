package cli

import (
	"context"
	"fmt"
	"runtime/debug"
)

// version is set at build time with
// -ldflags "-X github.com/zwgk-bot/zwgk/cli.version=...".
var version = "dev"

func cmdVersion(_ context.Context, e *env, _ []string) error {
	v := version
	if bi, ok := debug.ReadBuildInfo(); ok && v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	fmt.Fprintln(e.stdout, "zwgk", v)
	return nil
}
