package loadtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
)

// botProc runs `zwgk serve` for a run: as a child process when there is a
// zwgk binary (so that its memory can be measured alone, and so that it
// can be killed and started again, --kill-every), or in this process.
// Every start uses the same environment: the same database, Redis prefix,
// address and sandbox.
type botProc struct {
	e         Env
	envv      map[string]string
	inProcess bool
	readyURL  string
	ctx       context.Context // ends every process (SIGINT, as zwgk serve expects)

	mu   sync.Mutex
	pid  int
	done chan error
	// up is closed once a process is ready; a kill replaces it first, so
	// that waitUp waits for the next one.
	up     chan struct{}
	peakKB int64 // the highest VmHWM of the processes so far
}

func newBotProc(ctx context.Context, e Env, envv map[string]string, inProcess bool) *botProc {
	return &botProc{
		e: e, envv: envv, readyURL: "http://" + envv["HTTP_ADDR"] + "/readyz", ctx: ctx,
		inProcess: inProcess || e.Binary == "", up: make(chan struct{}),
	}
}

// child reports whether the bot runs as a child process (killable).
func (b *botProc) child() bool { return !b.inProcess }

// start starts the bot and waits until it is ready.
func (b *botProc) start(ctx context.Context) error {
	done := make(chan error, 1)
	pid := 0
	if b.inProcess {
		go func() {
			done <- b.e.Serve(b.ctx, func(k string) string { return b.envv[k] })
		}()
	} else {
		cmd := exec.CommandContext(b.ctx, b.e.Binary, "-log-level", "error", "serve")
		cmd.Env = append(os.Environ(), b.e.BinaryEnv...)
		for k, v := range b.envv {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		cmd.Stderr = b.e.Stderr
		cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
		dieWithParent(cmd)
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("start bot: %w", err)
		}
		go func() { done <- cmd.Wait() }()
		pid = cmd.Process.Pid
	}
	b.mu.Lock()
	b.pid, b.done = pid, done
	up := b.up
	b.mu.Unlock()
	if err := waitReady(ctx, b.readyURL, done); err != nil {
		return err
	}
	close(up)
	return nil
}

// kill ends the child with SIGKILL, as a crash or the OOM killer would,
// and waits until it is gone. The peak RSS of the process is kept first.
func (b *botProc) kill() error {
	b.mu.Lock()
	pid, done := b.pid, b.done
	b.mu.Unlock()
	if !b.child() || pid == 0 {
		return errors.New("loadtest: only a child process can be killed")
	}
	b.notePeak()
	b.mu.Lock()
	b.up = make(chan struct{})
	b.mu.Unlock()
	p, err := os.FindProcess(pid)
	if err != nil {
		return fmt.Errorf("kill bot: %w", err)
	}
	if err := p.Kill(); err != nil {
		return fmt.Errorf("kill bot: %w", err)
	}
	<-done
	// Put the exit back for stop, which waits for it too.
	done <- errors.New("killed")
	return nil
}

// waitUp blocks until a bot is ready (the current one, or the one being
// started after a kill), or ctx ends.
func (b *botProc) waitUp(ctx context.Context) error {
	for {
		b.mu.Lock()
		up := b.up
		b.mu.Unlock()
		select {
		case <-up:
			b.mu.Lock()
			current := b.up == up
			b.mu.Unlock()
			if current {
				return nil
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// notePeak reads the current child's VmHWM into the run's peak.
func (b *botProc) notePeak() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pid == 0 {
		return
	}
	if kb, err := procStatusKB(b.pid, "VmHWM"); err == nil && kb > b.peakKB {
		b.peakKB = kb
	}
}

// rss reads the current child's VmRSS.
func (b *botProc) rss() int64 {
	b.mu.Lock()
	pid := b.pid
	b.mu.Unlock()
	if pid == 0 {
		return 0
	}
	kb, _ := procStatusKB(pid, "VmRSS")
	return kb
}

// wait waits for the current process to end (after the run's context was
// cancelled).
func (b *botProc) wait() {
	b.mu.Lock()
	done := b.done
	b.mu.Unlock()
	if done != nil {
		<-done
	}
}
