package outbox_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
)

// privatePostgres is a Postgres server of one test's own, which the test
// may stop and start: a restart under the worker, which the shared test
// server must not suffer.
type privatePostgres struct {
	bin, dir, data string
	port           int
	runAs          string // the OS user running it ("" = ourselves: Postgres refuses root)
	url            string
	log            string

	mu sync.Mutex // one pg_ctl at a time
}

// postgresBin finds initdb and pg_ctl: on PATH, else the newest Debian
// installation.
func postgresBin() string {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			d := filepath.Dir(real)
			if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
				return d
			}
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
			return d
		}
	}
	return ""
}

// startPrivatePostgres initialises and starts a server in a temporary
// directory, removed when t ends. Without Postgres's programs (scripts/test
// installs them when it starts a server of its own) the test is skipped,
// except under CI=true, where it fails.
func startPrivatePostgres(t *testing.T) *privatePostgres {
	t.Helper()
	missing := func(why string) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("a private Postgres is needed: %s", why)
		}
		t.Skipf("no private Postgres: %s", why)
	}
	p := &privatePostgres{bin: postgresBin()}
	if p.bin == "" {
		missing("initdb and pg_ctl not found (Debian package postgresql)")
	}
	var uid, gid = -1, -1
	if os.Geteuid() == 0 {
		for _, name := range []string{"postgres", "zwgk-postgres"} {
			if u, err := user.Lookup(name); err == nil {
				p.runAs = name
				uid, _ = strconv.Atoi(u.Uid)
				gid, _ = strconv.Atoi(u.Gid)
				break
			}
		}
		if p.runAs == "" {
			missing("running as root, and no user postgres to run it as")
		}
	}
	dir, err := os.MkdirTemp("", "zwgk-pg-")
	if err != nil {
		t.Fatal(err)
	}
	p.dir, p.data, p.log = dir, filepath.Join(dir, "data"), filepath.Join(dir, "log")
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if uid >= 0 {
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := p.command("initdb", "-D", p.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	// A free port: taken and let go again, so another test may take it
	// before the server does; the start then fails and is tried again.
	for try := 0; ; try++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p.port = l.Addr().(*net.TCPAddr).Port
		l.Close()
		if err := p.startErr(); err == nil {
			break
		} else if try == 3 {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		p.command("pg_ctl", "stop", "-D", p.data, "-m", "immediate", "-w").Run()
	})
	p.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := storage.Open(ctx, p.url)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	return p
}

func (p *privatePostgres) command(prog string, args ...string) *exec.Cmd {
	path := filepath.Join(p.bin, prog)
	if p.runAs != "" {
		args = append([]string{"-u", p.runAs, "--", path}, args...)
		path = "runuser"
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = p.dir
	return cmd
}

func (p *privatePostgres) startErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=30", p.port, p.dir)
	out, err := p.command("pg_ctl", "start", "-D", p.data, "-l", p.log, "-w", "-t", "60", "-o", opts).CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(p.log)
		return fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	return nil
}

// start starts the stopped server again, on the same port.
func (p *privatePostgres) start(t *testing.T) {
	t.Helper()
	if err := p.startErr(); err != nil {
		t.Error(err)
	}
}

// stop shuts the server down as an operator's restart does (fast: every
// session is ended, 57P01) and waits until it is down.
func (p *privatePostgres) stop(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	out, err := p.command("pg_ctl", "stop", "-D", p.data, "-m", "fast", "-w", "-t", "60").CombinedOutput()
	if err != nil {
		t.Errorf("pg_ctl stop: %v\n%s", err, strings.TrimSpace(string(out)))
	}
}
