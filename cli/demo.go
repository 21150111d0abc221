package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/lib/pq"
	"github.com/zwgk-bot/zwgk/app"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/router"
	"github.com/zwgk-bot/zwgk/sandbox"
	"github.com/zwgk-bot/zwgk/storage"
)

// Demo settings: a made-up corp whose secrets are fresh on every run.
const (
	demoCorpID      = "wwzwgkdemo"
	demoAgentID     = 1000002
	demoDatabase    = "zwgk_demo"
	demoRedisPrefix = "zwgk-demo:"
	demoAppName     = "政务公开助手"
	// The demo's 公众号 and the one follower whose phone the page shows.
	demoMPAppID    = "wxzwgkdemo"
	demoMPName     = "区生态环境分局"
	demoFollower   = "o_demo_follower"
	demoMPTemplate = "demo-notice-template"
	demoMPAnswer   = "demo-answer-template"
)

// envDemoDatabase names the demo's database instead of zwgk_demo, so that
// two demos (say, two runs of the browser test) on one Postgres and Redis
// do not share data: the Redis prefix follows the name.
const envDemoDatabase = "DEMO_DATABASE"

// validDemoDatabase accepts names that need no quoting in SQL or Redis
// patterns: a lowercase letter, then up to 62 lowercase letters, digits
// or underscores.
func validDemoDatabase(name string) bool {
	if name == "" || len(name) > 63 || name[0] < 'a' || name[0] > 'z' {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

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
	ln, err := app.Listen(addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	base := "http://" + ln.Addr().String()

	dbName, prefix := demoDatabase, demoRedisPrefix
	if v := getenv(envDemoDatabase); v != "" && v != demoDatabase {
		if !validDemoDatabase(v) {
			return fmt.Errorf("%s: %q must be 1-63 lowercase letters, digits or _, starting with a letter", envDemoDatabase, v)
		}
		dbName, prefix = v, strings.ReplaceAll(v, "_", "-")+":"
	}
	dbURL, err := demoDatabaseURL(ctx, getenv(config.EnvDatabaseURL), dbName)
	if err != nil {
		return err
	}
	rosterFile := getenv(config.EnvRosterFile)
	vars := map[string]string{
		config.EnvDatabaseURL: dbURL,
		config.EnvRedisURL:    getenv(config.EnvRedisURL),
		config.EnvRedisPrefix: prefix,
		config.EnvHTTPAddr:    ln.Addr().String(),
		config.EnvCorpID:      demoCorpID,
		config.EnvAgentID:     fmt.Sprint(demoAgentID),
		config.EnvSecret:      randomKey()[:32],
		config.EnvToken:       "zwgkdemo",
		config.EnvAESKey:      randomKey(),
		config.EnvAPIBase:     base + "/sandbox",
		config.EnvOAuthBase:   base + "/sandbox",
		config.EnvRosterFile:  "(example roster)",
		// The demo's 公众号, served by the sandbox below.
		config.EnvMPAppID:          demoMPAppID,
		config.EnvMPAppSecret:      randomKey()[:32],
		config.EnvMPToken:          "zwgkdemomp",
		config.EnvMPAPIBase:        base + "/sandbox-mp",
		config.EnvMPTemplateID:     demoMPTemplate,
		config.EnvMPAnswerTemplate: demoMPAnswer,
		config.EnvBureauName:       demoMPName,
		// The letters' settings, invented for the demo (never defaults:
		// a real letter must name the real bodies).
		config.EnvReviewBody: "示范市示范区人民政府", config.EnvReviewCourt: "示范市示范区人民法院",
		config.EnvContactPerson: "王琳", config.EnvContactPhone: "0000-1234567", config.EnvContactAddress: "示范市示范区环保路1号",
		// Reminders run on the real clock as in production; SCHEDULES=off
		// (the demo's tests) stops them.
		config.EnvSchedules: getenv(config.EnvSchedules),
		// The machine API (12345 orders, the website's applications) is
		// served in the demo when a token is given, as in production.
		config.EnvAPIToken: getenv(config.EnvAPIToken),
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

	s, err := app.Open(ctx, cfg, roster, e.log)
	if err != nil {
		return err
	}
	defer s.Close()

	var users []string
	for _, p := range roster.People {
		users = append(users, p.UserID)
	}
	sb := sandbox.New()
	corp, err := sb.AddCorp(sandbox.CorpConfig{
		CorpID: cfg.CorpID, Secret: cfg.Secret, AgentID: cfg.AgentID,
		Token: cfg.Token, EncodingAESKey: cfg.AESKey,
		CallbackURL: base + "/wecom/callback", Users: users,
		// The 办公桌 pages are on the demo's own address.
		TrustedDomain: ln.Addr().String(),
	})
	if err != nil {
		return err
	}

	mp, err := sb.AddMP(sandbox.MPConfig{
		AppID: cfg.MP.AppID, Secret: cfg.MP.AppSecret, Token: cfg.MP.Token,
		CallbackURL: base + "/mp/callback",
		Templates:   []string{demoMPTemplate, demoMPAnswer},
	})
	if err != nil {
		return err
	}
	follower := mp.Follower(demoFollower)
	follow := func(ctx context.Context) error {
		if st, err := follower.Follow(ctx); err != nil || st != http.StatusOK {
			return fmt.Errorf("demo follower: follow the 公众号: status %d: %v", st, err)
		}
		return nil
	}

	mux := http.NewServeMux()
	if err := s.Routes(mux); err != nil {
		return err
	}
	mux.Handle("/sandbox/cgi-bin/", http.StripPrefix("/sandbox", sb.Handler()))
	// WeCom's 网页授权 page: the person chosen in the web chat is who the
	// 办公桌 sees.
	mux.Handle("/sandbox/connect/", http.StripPrefix("/sandbox", sb.OAuthHandler()))
	// The 公众号's API calls show in the page's protocol log beside WeCom's.
	mux.Handle("/sandbox-mp/cgi-bin/", http.StripPrefix("/sandbox-mp", corp.LogAPI("公众号", mp.Handler())))
	// The demo listens on localhost only: its metrics may share the mux.
	mux.Handle("GET /metrics", s.MetricsHandler())
	mux.Handle("/sandbox/api/", http.StripPrefix("/sandbox/api", corp.UserAPI()))
	menu := router.AppMenu(cfg.PublicURL)
	chat := corp.WebChat(sandbox.WebChatConfig{
		AppName: demoAppName,
		Users:   webUsers(roster),
		Menu:    &menu,
		Follower: &sandbox.FollowerPhone{
			Account:  demoMPName,
			Follower: "公众号粉丝（演示）",
			Notices:  func() []sandbox.FollowerNotice { return mp.Notices(demoFollower) },
			Send: func(ctx context.Context, text string) error {
				if st, err := follower.SendText(ctx, text); err != nil || st != http.StatusOK {
					return fmt.Errorf("status %d: %v", st, err)
				}
				return nil
			},
		},
		// After a reset the follower follows again: the bot's record of
		// followers was emptied with everything else.
		Reset: func(ctx context.Context) error {
			if err := resetDemoData(ctx, s, e.log); err != nil {
				return err
			}
			mp.Reset()
			return follow(ctx)
		},
		Done: ctx.Done(),
	})
	if err := chat.Register(mux); err != nil {
		return err
	}

	fmt.Fprint(e.stdout, demoIntro(base, roster))
	// Browsers send Sec-Fetch-Site: another site's page must not drive the
	// demo (or reset it) through the visitor's browser. curl and the
	// sandbox's own callbacks send no such header and pass.
	return app.ServeUntil(ctx, e.log, ln, http.NewCrossOriginProtection().Handler(mux), func(ctx context.Context) {
		// The listener is open, so the follower's callback waits for the
		// server rather than failing.
		go func() {
			if err := follow(ctx); err != nil {
				e.log.WarnContext(ctx, "demo follower", "err", err)
			}
		}()
		s.Background(ctx)
	})
}

// roleLabel is a roster role as the page shows it.
func roleLabel(r config.Role) string {
	switch r {
	case config.RoleOffice:
		return "办公室审核"
	case config.RolePublisher:
		return "办公室发布"
	case config.RoleLeader:
		return "主要负责人"
	case config.RoleSupervisor:
		return "纪检监督"
	}
	return string(r)
}

// webUsers is the roster as the page lists it: section heads are marked,
// though the roster keeps that on the section, not the person.
func webUsers(roster *config.Roster) []sandbox.WebUser {
	heads := map[string]bool{}
	for _, sec := range roster.Sections {
		heads[strings.ToLower(sec.Head)] = true
	}
	users := make([]sandbox.WebUser, 0, len(roster.People))
	for _, p := range roster.People {
		u := sandbox.WebUser{ID: p.UserID, Name: p.Name, Section: p.Section, Roles: []string{}}
		if heads[strings.ToLower(p.UserID)] {
			u.Roles = append(u.Roles, "股室负责人")
		}
		for _, r := range p.Roles {
			u.Roles = append(u.Roles, roleLabel(r))
		}
		users = append(users, u)
	}
	return users
}

// resetDemoData empties the demo's tables (but not goose's record of the
// migrations) and deletes its Redis keys: 重置演示数据 on the page. Serial
// numbers start again at 1.
func resetDemoData(ctx context.Context, s *app.Service, log *slog.Logger) error {
	var tables []string
	err := s.DB().SelectContext(ctx, &tables, `
		SELECT quote_ident(tablename) FROM pg_tables
		WHERE schemaname = current_schema() AND tablename <> 'goose_db_version' ORDER BY tablename`)
	if err != nil {
		return fmt.Errorf("demo reset: list tables: %w", err)
	}
	if len(tables) > 0 {
		if _, err := s.DB().ExecContext(ctx, "TRUNCATE "+strings.Join(tables, ", ")+" RESTART IDENTITY CASCADE"); err != nil {
			return fmt.Errorf("demo reset: truncate: %w", err)
		}
	}
	iter := s.Redis().Client.Scan(ctx, 0, s.Redis().Prefix+"*", 500).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("demo reset: scan redis: %w", err)
	}
	for chunk := range slices.Chunk(keys, 500) {
		if err := s.Redis().Client.Del(ctx, chunk...).Err(); err != nil {
			return fmt.Errorf("demo reset: delete redis keys: %w", err)
		}
	}
	log.InfoContext(ctx, "demo data reset", "tables", len(tables), "redis_keys", len(keys))
	return nil
}

func demoIntro(base string, roster *config.Roster) string {
	var b strings.Builder
	fmt.Fprintf(&b, "zwgk demo is running at %s (bot + local WeCom sandbox; press Ctrl-C to stop)\n\n", base)
	fmt.Fprintf(&b, "Open %s/ in a browser: pick a person, chat with the app, click the cards.\n\n", base)
	b.WriteString("Or act as a user of the example roster with the sandbox's user API:\n")
	fmt.Fprintf(&b, "  curl -s -X POST --data '帮助' %s/sandbox/api/users/USERID/text\n", base)
	fmt.Fprintf(&b, "  curl -s -X POST %s/sandbox/api/users/USERID/menu/help\n", base)
	fmt.Fprintf(&b, "  curl -s %s/sandbox/api/users/USERID/messages\n\n", base)
	fmt.Fprintf(&b, "The page's phone is a follower of the demo 公众号 (openid %s): send 订阅 from it,\n", demoFollower)
	b.WriteString("publish a form with “双微”公众号, and the notice arrives there; a 12345 order\n")
	b.WriteString("registered with that openid (API or CSV) sends it the answer when it is closed.\n\n")
	fmt.Fprintf(&b, "The 办公桌 pages: pick a person on the page, then 更多 → 办公桌 (or open %s/desk\n", base)
	b.WriteString("in the same browser); the sandbox's 网页授权 logs the chosen person in.\n\n")
	fmt.Fprintf(&b, "Prometheus metrics: %s/metrics\n\n", base)
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
func demoDatabaseURL(ctx context.Context, raw, demoDatabase string) (string, error) {
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
