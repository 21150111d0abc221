package printtest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Chromium finds Debian's chromium (or $CHROMIUM). Without it a test that
// needs it fails in CI (scripts/test installs it) and is skipped on a
// developer's machine; what names the test for the message.
func Chromium(t testing.TB, what string) string {
	t.Helper()
	for _, c := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium"} {
		if c != "" {
			if _, err := os.Stat(c); err == nil {
				return c
			}
		}
	}
	if c, err := exec.LookPath("chromium"); err == nil {
		return c
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("chromium is not installed: %s needs it in CI (scripts/test installs Debian's chromium; or set CHROMIUM)", what)
	}
	t.Skipf("chromium is not installed (apt-get install chromium, or run scripts/test); skipping %s", what)
	return ""
}

// Browser starts one headless Chromium for the test, with a profile of its
// own, and returns its context; everything is stopped and removed when the
// test ends. extra options come after the defaults and override them (a
// window size).
func Browser(t testing.TB, what string, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	exe := Chromium(t, what)
	profile, err := os.MkdirTemp("", "zwgk-print-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(profile),
		chromedp.NoSandbox, // root in CI
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.WindowSize(900, 1200),
	)
	opts = append(opts, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(actx)
	// Generous: the machine is shared, and -race slows the server.
	ctx, cancelTime := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(func() {
		cancelTime()
		cancelBrowser()
		cancelAlloc()
		// The browser may still be writing its profile for a moment.
		for range 20 {
			if os.RemoveAll(profile) == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}
