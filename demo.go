package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/lib/pq"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/sandbox"
	"github.com/zwgk-bot/zwgk/storage"
)

// Demo settings: a made-up corp whose secrets are fresh on every run.
const (
	demoCorpID      = "wwzwgkdemo"
	demoAgentID     = 1000002
	demoDatabase    = "zwgk_demo"
	demoRedisPrefix = "zwgk-demo:"
)

func cmdDemo(ctx context.Context, e *env, _ []string) error {
	getenv := func(k string) string {
		if v := e.getenv(k); v != "" {
			return v
		}
		switch k {
		case config.EnvDatabaseURL:
			return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
		case config.EnvRedisURL:
			return "redis://127.0.0.1:6379/0"
		}
		return ""
	}
	addr := getenv(config.EnvHTTPAddr)
	if addr == "" {
		addr = config.DefaultHTTPAddr
	}
	ln, err := listen(addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	base := "http://" + ln.Addr().String()

	dbURL, err := demoDatabaseURL(ctx, getenv(config.EnvDatabaseURL))
	if err != nil {
		return err
	}
	rosterFile := getenv(config.EnvRosterFile)
	vars := map[string]string{
		config.EnvDatabaseURL: dbURL,
		config.EnvRedisURL:    getenv(config.EnvRedisURL),
		config.EnvRedisPrefix: demoRedisPrefix,
		config.EnvHTTPAddr:    ln.Addr().String(),
		config.EnvCorpID:      demoCorpID,
		config.EnvAgentID:     fmt.Sprint(demoAgentID),
		config.EnvSecret:      randomKey()[:32],
		config.EnvToken:       "zwgkdemo",
		config.EnvAESKey:      randomKey(),
		config.EnvAPIBase:     base + "/sandbox",
		config.EnvRosterFile:  "(example roster)",
	}
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		return err
	}
	roster, err := config.ParseRoster(config.ExampleRoster)
	if rosterFile != "" {
		roster, err = config.LoadRoster(rosterFile)
	}
	if err != nil {
		return err
	}

	s, err := openService(ctx, cfg, roster, e.log)
	if err != nil {
		return err
	}
	defer s.close()

	var users []string
	for _, p := range roster.People {
		users = append(users, p.UserID)
	}
	sb := sandbox.New()
	corp, err := sb.AddCorp(sandbox.CorpConfig{
		CorpID: cfg.CorpID, Secret: cfg.Secret, AgentID: cfg.AgentID,
		Token: cfg.Token, EncodingAESKey: cfg.AESKey,
		CallbackURL: base + "/wecom/callback", Users: users,
	})
	if err != nil {
		return err
	}

	mux := http.NewServeMux()
	if err := s.routes(mux); err != nil {
		return err
	}
	mux.Handle("/sandbox/cgi-bin/", http.StripPrefix("/sandbox", sb.Handler()))
	mux.Handle("/sandbox/api/", http.StripPrefix("/sandbox/api", corp.UserAPI()))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, demoIntro(base, roster))
	})

	fmt.Fprint(e.stdout, demoIntro(base, roster))
	return serveUntil(ctx, e.log, ln, mux, s.worker.Run)
}

func demoIntro(base string, roster *config.Roster) string {
	var b strings.Builder
	fmt.Fprintf(&b, "zwgk demo is running at %s (bot + local WeCom sandbox; press Ctrl-C to stop)\n\n", base)
	b.WriteString("Act as a user of the example roster with the sandbox's user API:\n")
	fmt.Fprintf(&b, "  curl -s -X POST --data '帮助' %s/sandbox/api/users/USERID/text\n", base)
	fmt.Fprintf(&b, "  curl -s -X POST %s/sandbox/api/users/USERID/menu/help\n", base)
	fmt.Fprintf(&b, "  curl -s %s/sandbox/api/users/USERID/messages\n\n", base)
	b.WriteString("Users:\n")
	for _, p := range roster.People {
		roles := make([]string, 0, len(p.Roles))
		for _, r := range p.Roles {
			roles = append(roles, string(r))
		}
		fmt.Fprintf(&b, "  %-12s %s  %s  %s\n", p.UserID, p.Name, p.Section, strings.Join(roles, ","))
	}
	return b.String()
}

// demoDatabaseURL makes sure the demo's own database exists beside the one
// in url, so the demo never writes into a real deployment's tables.
func demoDatabaseURL(ctx context.Context, raw string) (string, error) {
	db, err := storage.Open(ctx, raw)
	if err != nil {
		return "", fmt.Errorf("demo needs Postgres (DATABASE_URL): %w", err)
	}
	defer db.Close()
	var exists bool
	if err := db.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, demoDatabase); err != nil {
		return "", fmt.Errorf("demo database: %w", err)
	}
	if !exists {
		_, err := db.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(demoDatabase))
		var pe *pq.Error
		// Another demo may have created it in the meantime: 42P04, or 23505
		// when both inserted into pg_database at once.
		if err != nil && !(errors.As(err, &pe) && (pe.Code == "42P04" || pe.Code == "23505")) {
			return "", fmt.Errorf("create demo database %s: %w", demoDatabase, err)
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("DATABASE_URL: %w", err)
	}
	u.Path = "/" + demoDatabase
	return u.String(), nil
}

// randomKey returns a fresh 43-character EncodingAESKey.
func randomKey() string {
	b := make([]byte, 32)
	rand.Read(b)
	return strings.TrimSuffix(base64.StdEncoding.EncodeToString(b), "=")
}
