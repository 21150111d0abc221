package config

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/workflow"
)

// tencentAESKey is the EncodingAESKey published in WeCom's callback
// documentation. Its last character carries non-zero padding bits, so it
// does not decode with base64.StdEncoding.Strict().
const tencentAESKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"

const (
	testDBPassword    = "dbPassw0rdValue"
	testRedisPassword = "redisPassw0rdValue"
	testSecret        = "AppSecretValue0123456789abcdefghijklmnopqrs"
	testToken         = "CallbackTok3nValue"
	testLinkSecret    = "LinkSecretValue0123456789"
	testAPIToken      = "ApiTokenValue0123456789"
)

// validEnv returns the required variables only.
func validEnv() map[string]string {
	return map[string]string{
		"DATABASE_URL":   "postgres://zwgk:" + testDBPassword + "@localhost:5432/zwgk?sslmode=disable",
		"REDIS_URL":      "redis://:" + testRedisPassword + "@localhost:6379/0",
		"WECOM_CORP_ID":  "ww0123456789abcdef",
		"WECOM_AGENT_ID": "1000002",
		"WECOM_SECRET":   testSecret,
		"WECOM_TOKEN":    testToken,
		"WECOM_AES_KEY":  tencentAESKey,
		"ROSTER_FILE":    "/etc/zwgk/roster.yaml",
	}
}

func getenv(env map[string]string) func(string) string {
	return func(name string) string { return env[name] }
}

func problemsOf(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		t.Fatal("Load: got nil error, want one")
	}
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("errors.Is(err, ErrInvalid) = false for %v", err)
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %T is not a *ValidationError", err)
	}
	if got := strings.Join(ve.Problems, "\n"); got != err.Error() {
		t.Errorf("Error() = %q, want the problems one per line %q", err.Error(), got)
	}
	return ve.Problems
}

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	c, err := Load(getenv(validEnv()))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	sum := sha256.Sum256([]byte("zwgk-link:" + testSecret + ":" + tencentAESKey))
	want := Config{
		DatabaseURL: validEnv()["DATABASE_URL"],
		RedisURL:    validEnv()["REDIS_URL"],
		RedisPrefix: "zwgk:",
		HTTPAddr:    "127.0.0.1:8080",
		PublicURL:   "http://127.0.0.1:8080",
		CorpID:      "ww0123456789abcdef",
		AgentID:     1000002,
		Secret:      testSecret,
		Token:       testToken,
		AESKey:      tencentAESKey,
		APIBase:     "https://qyapi.weixin.qq.com",
		OAuthBase:   "https://open.weixin.qq.com",
		RosterFile:  "/etc/zwgk/roster.yaml",
		LinkSecret:  hex.EncodeToString(sum[:]),
		SessionTTL:  30 * time.Minute,
		// Overdue urgent 12345 orders are reported at any hour.
		UrgentAnytime: true,
	}
	if c != want {
		t.Errorf("Load =\n%+v\nwant\n%+v", c, want)
	}
}

func TestLoadAllSet(t *testing.T) {
	t.Parallel()
	env := validEnv()
	env["DATABASE_URL"] = "postgresql:///zwgk?host=/run/postgresql"
	env["REDIS_URL"] = "rediss://cache.internal:6380/3"
	env["REDIS_PREFIX"] = "zwgk-test:"
	env["HTTP_ADDR"] = "0.0.0.0:9000"
	env["PUBLIC_BASE_URL"] = "https://zwgk.example.gov.cn/bot//"
	env["WECOM_API_BASE"] = "http://127.0.0.1:18080/"
	env["WECOM_OAUTH_BASE"] = "http://127.0.0.1:18080/sandbox/"
	env["LINK_SECRET"] = testLinkSecret
	env["SESSION_TTL"] = "2h"
	env["API_TOKEN"] = testAPIToken
	env["WECOM_TOKEN"] = "  " + testToken + "\n" // white space is ignored
	env["URGENT_OVERDUE_ANYTIME"] = "Off"
	env["METRICS_ADDR"] = "127.0.0.1:9100"
	c, err := Load(getenv(env))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Config{
		DatabaseURL: "postgresql:///zwgk?host=/run/postgresql",
		RedisURL:    "rediss://cache.internal:6380/3",
		RedisPrefix: "zwgk-test:",
		HTTPAddr:    "0.0.0.0:9000",
		MetricsAddr: "127.0.0.1:9100",
		PublicURL:   "https://zwgk.example.gov.cn/bot",
		CorpID:      "ww0123456789abcdef",
		AgentID:     1000002,
		Secret:      testSecret,
		Token:       testToken,
		AESKey:      tencentAESKey,
		APIBase:     "http://127.0.0.1:18080",
		OAuthBase:   "http://127.0.0.1:18080/sandbox",
		RosterFile:  "/etc/zwgk/roster.yaml",
		LinkSecret:  testLinkSecret,
		SessionTTL:  2 * time.Hour,
		APIToken:    testAPIToken,
	}
	if c != want {
		t.Errorf("Load =\n%+v\nwant\n%+v", c, want)
	}
}

func TestLoadDefaultPublicURL(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080",
		"zwgk.lan:80":    "http://zwgk.lan:80",
		"[::1]:8080":     "http://[::1]:8080",
		":8080":          "http://localhost:8080",
		"0.0.0.0:8080":   "http://localhost:8080",
		"[::]:8080":      "http://localhost:8080",
	} {
		env := validEnv()
		env["HTTP_ADDR"] = addr
		c, err := Load(getenv(env))
		if err != nil {
			t.Errorf("HTTP_ADDR=%q: %v", addr, err)
			continue
		}
		if c.PublicURL != want {
			t.Errorf("HTTP_ADDR=%q: PublicURL = %q, want %q", addr, c.PublicURL, want)
		}
	}
}

func TestLoadProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, value string
		want        []string
	}{
		{"DATABASE_URL", "", []string{"DATABASE_URL: required"}},
		{"DATABASE_URL", "   ", []string{"DATABASE_URL: required"}},
		{"DATABASE_URL", "mysql://zwgk:" + testDBPassword + "@db/zwgk", []string{"DATABASE_URL: scheme must be postgres or postgresql"}},
		{"DATABASE_URL", "localhost:5432", []string{"DATABASE_URL: not a valid URL; want postgres://user:password@host:5432/dbname"}},
		{"DATABASE_URL", "postgres://zwgk:" + testDBPassword + "@db:port/zwgk", []string{"DATABASE_URL: not a valid URL; want postgres://user:password@host:5432/dbname"}},
		{"DATABASE_URL", "postgres:zwgk", []string{"DATABASE_URL: not a valid URL; want postgres://user:password@host:5432/dbname"}},
		{"REDIS_URL", "", []string{"REDIS_URL: required"}},
		{"REDIS_URL", "http://localhost:6379/0", []string{"REDIS_URL: scheme must be redis or rediss"}},
		{"REDIS_URL", "redis:///0", []string{"REDIS_URL: missing host; want redis://host:port/db"}},
		{"REDIS_URL", "redis://:" + testRedisPassword + "@localhost:0/0", []string{"REDIS_URL: port must be between 1 and 65535"}},
		{"REDIS_URL", "redis://localhost:6379/zero", []string{"REDIS_URL: database must be a non-negative integer, as in redis://host:port/0"}},
		{"REDIS_URL", "localhost:6379", []string{"REDIS_URL: not a valid URL; want redis://host:port/db"}},
		{"REDIS_URL", "tcp://:" + testRedisPassword + "@:6379/x", []string{"REDIS_URL: scheme must be redis or rediss", "REDIS_URL: missing host; want redis://host:port/db", "REDIS_URL: database must be a non-negative integer, as in redis://host:port/0"}},
		{"REDIS_PREFIX", "zwgk prod:", []string{"REDIS_PREFIX: must not contain white space or control characters"}},
		{"HTTP_ADDR", "8080", []string{`HTTP_ADDR: must be host:port, got "8080"`}},
		{"HTTP_ADDR", "localhost:http", []string{`HTTP_ADDR: port must be a number between 1 and 65535, got "http"`}},
		{"HTTP_ADDR", "localhost:70000", []string{`HTTP_ADDR: port must be a number between 1 and 65535, got "70000"`}},
		{"METRICS_ADDR", "9090", []string{`METRICS_ADDR: must be host:port, got "9090"`}},
		{"METRICS_ADDR", "127.0.0.1:8080", []string{`METRICS_ADDR: must differ from HTTP_ADDR (127.0.0.1:8080): metrics are not served on the public address`}},
		{"METRICS_ADDR", ":8080", []string{`METRICS_ADDR: must differ from HTTP_ADDR (127.0.0.1:8080): metrics are not served on the public address`}},
		{"METRICS_ADDR", "0.0.0.0:08080", []string{`METRICS_ADDR: must differ from HTTP_ADDR (127.0.0.1:8080): metrics are not served on the public address`}},
		{"METRICS_ADDR", "localhost:metrics", []string{`METRICS_ADDR: port must be a number between 1 and 65535, got "metrics"`}},
		{"METRICS_ADDR", "127.0.0.1:0", []string{`METRICS_ADDR: port must be a number between 1 and 65535, got "0"`}},
		{"METRICS_ADDR", "http://127.0.0.1:9090", []string{`METRICS_ADDR: must be host:port, got "http://127.0.0.1:9090"`}},
		{"PUBLIC_BASE_URL", "zwgk.example.gov.cn", []string{"PUBLIC_BASE_URL: must be an absolute http or https URL"}},
		{"PUBLIC_BASE_URL", "ftp://zwgk.example.gov.cn", []string{"PUBLIC_BASE_URL: scheme must be http or https"}},
		{"PUBLIC_BASE_URL", "https:///path", []string{"PUBLIC_BASE_URL: missing host"}},
		{"PUBLIC_BASE_URL", "https://zwgk.example.gov.cn/?a=b", []string{"PUBLIC_BASE_URL: must not contain a query or fragment"}},
		{"PUBLIC_BASE_URL", "https://zwgk.example.gov.cn/#top", []string{"PUBLIC_BASE_URL: must not contain a query or fragment"}},
		{"PUBLIC_BASE_URL", "https://admin:pw@zwgk.example.gov.cn", []string{"PUBLIC_BASE_URL: must not contain user info"}},
		{"WECOM_CORP_ID", "", []string{"WECOM_CORP_ID: required"}},
		{"WECOM_CORP_ID", "ww-0123", []string{`WECOM_CORP_ID: must contain only letters and digits, got "ww-0123"`}},
		{"WECOM_AGENT_ID", "", []string{"WECOM_AGENT_ID: required"}},
		{"WECOM_AGENT_ID", "abc", []string{`WECOM_AGENT_ID: must be a positive integer, got "abc"`}},
		{"WECOM_AGENT_ID", "0", []string{`WECOM_AGENT_ID: must be a positive integer, got "0"`}},
		{"WECOM_AGENT_ID", "-1000002", []string{`WECOM_AGENT_ID: must be a positive integer, got "-1000002"`}},
		{"WECOM_AGENT_ID", "1000002.5", []string{`WECOM_AGENT_ID: must be a positive integer, got "1000002.5"`}},
		{"WECOM_SECRET", "", []string{"WECOM_SECRET: required"}},
		{"WECOM_SECRET", "App Secret", []string{"WECOM_SECRET: must not contain white space or control characters"}},
		{"WECOM_TOKEN", "", []string{"WECOM_TOKEN: required"}},
		{"WECOM_TOKEN", strings.Repeat("T", 33), []string{"WECOM_TOKEN: must be at most 32 characters, got 33"}},
		{"WECOM_TOKEN", "Tok_en", []string{"WECOM_TOKEN: must contain only letters and digits"}},
		{"WECOM_TOKEN", strings.Repeat("令", 33), []string{"WECOM_TOKEN: must be at most 32 characters, got 33", "WECOM_TOKEN: must contain only letters and digits"}},
		{"WECOM_AES_KEY", "", []string{"WECOM_AES_KEY: required"}},
		{"WECOM_AES_KEY", tencentAESKey[:42], []string{"WECOM_AES_KEY: must be 43 characters, got 42"}},
		{"WECOM_AES_KEY", tencentAESKey + "=", []string{"WECOM_AES_KEY: must be 43 characters, got 44"}},
		{"WECOM_AES_KEY", "!" + tencentAESKey[1:], []string{"WECOM_AES_KEY: must be base64 characters (A-Z a-z 0-9 + /) encoding 32 bytes"}},
		// The URL-safe alphabet is not what WeCom uses.
		{"WECOM_AES_KEY", "-_" + tencentAESKey[2:], []string{"WECOM_AES_KEY: must be base64 characters (A-Z a-z 0-9 + /) encoding 32 bytes"}},
		{"WECOM_AES_KEY", "密" + tencentAESKey[1:], []string{"WECOM_AES_KEY: must be base64 characters (A-Z a-z 0-9 + /) encoding 32 bytes"}},
		{"WECOM_API_BASE", "qyapi.weixin.qq.com", []string{"WECOM_API_BASE: must be an absolute http or https URL"}},
		{"WECOM_OAUTH_BASE", "open.weixin.qq.com", []string{"WECOM_OAUTH_BASE: must be an absolute http or https URL"}},
		{"WECOM_OAUTH_BASE", "https://open.weixin.qq.com/#wechat_redirect", []string{"WECOM_OAUTH_BASE: must not contain a query or fragment"}},
		{"ROSTER_FILE", "", []string{"ROSTER_FILE: required"}},
		{"LINK_SECRET", "short", []string{"LINK_SECRET: must be at least 16 characters when set, got 5"}},
		{"LINK_SECRET", "a link secret with spaces", []string{"LINK_SECRET: must not contain white space or control characters"}},
		{"SESSION_TTL", "30", []string{`SESSION_TTL: must be a duration such as 30m or 2h, got "30"`}},
		{"SESSION_TTL", "59s", []string{`SESSION_TTL: must be between 1m and 24h, got "59s"`}},
		{"SESSION_TTL", "24h1s", []string{`SESSION_TTL: must be between 1m and 24h, got "24h1s"`}},
		{"API_TOKEN", "token", []string{"API_TOKEN: must be at least 16 characters when set, got 5"}},
		{"MEETING_DUE", "02-30", []string{`MEETING_DUE: must be a month and day such as 06-30, got "02-30"`}},
		{"MEETING_DUE", "June 30", []string{`MEETING_DUE: must be a month and day such as 06-30, got "June 30"`}},
		{"URGENT_OVERDUE_ANYTIME", "yes", []string{`URGENT_OVERDUE_ANYTIME: must be on or off, got "yes"`}},
		{"URGENT_OVERDUE_ANYTIME", "0", []string{`URGENT_OVERDUE_ANYTIME: must be on or off, got "0"`}},
	}
	secret := map[string]bool{}
	for _, v := range Variables() {
		secret[v.Name] = v.Secret
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			t.Parallel()
			env := validEnv()
			env[tt.name] = tt.value
			c, err := Load(getenv(env))
			got := problemsOf(t, err)
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if c != (Config{}) {
				t.Errorf("Load returned a non-zero Config with an error: %+v", c)
			}
			msg := err.Error()
			for _, s := range []string{testDBPassword, testRedisPassword, testSecret, testToken} {
				if strings.Contains(msg, s) {
					t.Errorf("error message reveals a secret: %q", msg)
				}
			}
			if secret[tt.name] && len(strings.TrimSpace(tt.value)) > 1 && strings.Contains(msg, strings.TrimSpace(tt.value)) {
				t.Errorf("error message reveals the value of %s: %q", tt.name, msg)
			}
		})
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	t.Parallel()

	t.Run("empty environment", func(t *testing.T) {
		t.Parallel()
		got := problemsOf(t, func() error { _, err := Load(getenv(nil)); return err }())
		var want []string
		for _, v := range Variables() {
			if v.Required {
				want = append(want, v.Name+": required")
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})

	t.Run("mixed", func(t *testing.T) {
		t.Parallel()
		env := validEnv()
		env["WECOM_AES_KEY"] = tencentAESKey[:42]
		delete(env, "DATABASE_URL")
		env["SESSION_TTL"] = "forever"
		env["WECOM_AGENT_ID"] = "x"
		_, err := Load(getenv(env))
		got := problemsOf(t, err)
		want := []string{
			"DATABASE_URL: required",
			`WECOM_AGENT_ID: must be a positive integer, got "x"`,
			"WECOM_AES_KEY: must be 43 characters, got 42",
			`SESSION_TTL: must be a duration such as 30m or 2h, got "forever"`,
		}
		if !slices.Equal(got, want) {
			t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if n := strings.Count(err.Error(), "\n") + 1; n != len(want) {
			t.Errorf("error has %d lines, want %d", n, len(want))
		}
	})
}

func TestAESKey(t *testing.T) {
	t.Parallel()
	// The premise: Tencent's own key fails strict decoding.
	if _, err := base64.StdEncoding.Strict().DecodeString(tencentAESKey + "="); err == nil {
		t.Fatal("strict decoding of Tencent's key unexpectedly succeeded")
	}
	c, err := Load(getenv(validEnv()))
	if err != nil {
		t.Fatalf("Load with Tencent's EncodingAESKey: %v", err)
	}
	key := c.AESKeyBytes()
	want, _ := base64.StdEncoding.DecodeString(tencentAESKey + "=")
	if len(key) != 32 || string(key) != string(want) {
		t.Errorf("AESKeyBytes = %x, want %x", key, want)
	}
	if b := (Config{AESKey: "short"}).AESKeyBytes(); b != nil {
		t.Errorf("AESKeyBytes of an invalid key = %x, want nil", b)
	}
	if b := (Config{}).AESKeyBytes(); b != nil {
		t.Errorf("AESKeyBytes of an empty key = %x, want nil", b)
	}
}

func TestStringMasksSecrets(t *testing.T) {
	t.Parallel()
	env := validEnv()
	env["LINK_SECRET"] = testLinkSecret
	env["API_TOKEN"] = testAPIToken
	env["DATABASE_URL"] = "postgres://zwgk:" + testDBPassword + "@db:5432/zwgk?sslmode=disable&password=" + testDBPassword
	c, err := Load(getenv(env))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	s := c.String()
	for _, secret := range []string{testDBPassword, testRedisPassword, testSecret, testToken, tencentAESKey, testLinkSecret, testAPIToken} {
		if strings.Contains(s, secret) {
			t.Errorf("String() reveals %q: %s", secret, s)
		}
	}
	for _, want := range []string{
		`DATABASE_URL="postgres://zwgk:****@db:5432/zwgk?sslmode=disable&password=****"`,
		`REDIS_URL="redis://:****@localhost:6379/0"`,
		`WECOM_CORP_ID="ww0123456789abcdef"`,
		`WECOM_AGENT_ID="1000002"`,
		`WECOM_SECRET="****"`,
		`WECOM_TOKEN="****"`,
		`WECOM_AES_KEY="****"`,
		`LINK_SECRET="****"`,
		`API_TOKEN="****"`,
		`SESSION_TTL="30m0s"`,
		`ROSTER_FILE="/etc/zwgk/roster.yaml"`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("String() lacks %s: %s", want, s)
		}
	}
	for _, v := range Variables() {
		if !strings.Contains(s, v.Name+"=") {
			t.Errorf("String() lacks %s: %s", v.Name, s)
		}
	}

	empty := Config{}.String()
	if strings.Contains(empty, mask) {
		t.Errorf("String() of the zero Config masks empty secrets: %s", empty)
	}
	if !strings.Contains(empty, `API_TOKEN=""`) {
		t.Errorf("String() of the zero Config lacks API_TOKEN=\"\": %s", empty)
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                                      "",
		"postgres://db/zwgk":                    "postgres://db/zwgk",
		"postgres://zwgk@db/zwgk":               "postgres://zwgk@db/zwgk",
		"postgres://zwgk:p%40ss@db/zwgk":        "postgres://zwgk:****@db/zwgk",
		"postgres:///zwgk?host=/run&password=p": "postgres:///zwgk?host=/run&password=****",
		"redis://:pw@h:6379/0":                  "redis://:****@h:6379/0",
		"postgres://u:p@db:bad/zwgk":            "****",
	} {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestVariables(t *testing.T) {
	t.Parallel()
	vars := Variables()
	// The base variables come first, in this order; later features add
	// theirs after them.
	baseNames := []string{
		"DATABASE_URL", "REDIS_URL", "REDIS_PREFIX", "HTTP_ADDR", "PUBLIC_BASE_URL",
		"WECOM_CORP_ID", "WECOM_AGENT_ID", "WECOM_SECRET", "WECOM_TOKEN", "WECOM_AES_KEY",
		"WECOM_API_BASE", "ROSTER_FILE", "LINK_SECRET", "SESSION_TTL",
	}
	var names, secrets, required []string
	for _, v := range vars {
		names = append(names, v.Name)
		if v.Secret {
			secrets = append(secrets, v.Name)
		}
		if v.Required {
			required = append(required, v.Name)
			if v.Default != "" {
				t.Errorf("%s is required but has default %q", v.Name, v.Default)
			}
		}
		if v.Meaning == "" {
			t.Errorf("%s has no meaning", v.Name)
		}
	}
	if len(names) < len(baseNames) || !slices.Equal(names[:len(baseNames)], baseNames) {
		t.Errorf("names = %v, want them to start with %v", names, baseNames)
	}
	if len(slices.Compact(slices.Sorted(slices.Values(names)))) != len(names) {
		t.Errorf("names repeat: %v", names)
	}
	for _, want := range []string{"WECOM_SECRET", "WECOM_TOKEN", "WECOM_AES_KEY", "LINK_SECRET", "API_TOKEN"} {
		if !slices.Contains(secrets, want) {
			t.Errorf("%s is not marked secret", want)
		}
	}
	if want := []string{"DATABASE_URL", "REDIS_URL", "WECOM_CORP_ID", "WECOM_AGENT_ID", "WECOM_SECRET", "WECOM_TOKEN", "WECOM_AES_KEY", "ROSTER_FILE"}; !slices.Equal(required, want) {
		t.Errorf("required = %v, want %v", required, want)
	}

	// Load reads exactly these variables.
	var read []string
	_, _ = Load(func(name string) string {
		if !slices.Contains(read, name) {
			read = append(read, name)
		}
		return validEnv()[name]
	})
	// and the old names it still honours.
	known := append(slices.Clone(names), EnvLimitsOld)
	if !slices.Equal(slices.Sorted(slices.Values(read)), slices.Sorted(slices.Values(known))) {
		t.Errorf("Load read %v, want exactly %v", read, known)
	}

	// The defaults are what Load uses.
	c, err := Load(getenv(validEnv()))
	if err != nil {
		t.Fatal(err)
	}
	defaults := map[string]string{}
	for _, v := range vars {
		defaults[v.Name] = v.Default
	}
	if defaults["REDIS_PREFIX"] != c.RedisPrefix || defaults["HTTP_ADDR"] != c.HTTPAddr ||
		defaults["WECOM_API_BASE"] != c.APIBase || defaults["SESSION_TTL"] != "30m" || c.SessionTTL != 30*time.Minute {
		t.Errorf("Variables defaults %v disagree with Load: %+v", defaults, c)
	}

	// The result is a copy.
	vars[0].Name = "CHANGED"
	if Variables()[0].Name != "DATABASE_URL" {
		t.Error("Variables returns a shared slice")
	}
}

// TestEnvExample checks that ../.env.example, when present, mentions every
// variable.
func TestEnvExample(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../.env.example")
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("../.env.example does not exist yet")
	}
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	known := map[string]bool{}
	for _, v := range Variables() {
		known[v.Name] = true
		if !regexp.MustCompile(`\b` + regexp.QuoteMeta(v.Name) + `\b`).MatchString(text) {
			t.Errorf(".env.example does not mention %s", v.Name)
		}
	}
	// Assignments of unknown variables may belong to other tools (such as
	// docker compose), so they are only logged.
	for _, m := range regexp.MustCompile(`(?m)^[#\s]*([A-Z][A-Z0-9_]*)=`).FindAllStringSubmatch(text, -1) {
		if !known[m[1]] {
			t.Logf(".env.example sets %s, which config does not read", m[1])
		}
	}
}

// The 12345 limits' variable was renamed; a deployment that still sets
// the old name keeps its limits, and one that sets both differently is
// told which to remove.
func TestOrderLimitsOldName(t *testing.T) {
	t.Parallel()
	env := validEnv()
	env["COMPLAINT_LIMITS"] = "咨询=3wd"
	c, err := Load(getenv(env))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Limits().ByCategory[workflow.CategoryConsult]; got != (workflow.Limit{N: 3, Unit: "wd"}) {
		t.Fatalf("咨询 limit from COMPLAINT_LIMITS = %v, want 3 working days", got)
	}
	env["ORDER_LIMITS"] = "咨询=3wd"
	if _, err := Load(getenv(env)); err != nil {
		t.Fatalf("both names set alike: %v", err)
	}
	env["ORDER_LIMITS"] = "咨询=4wd"
	_, err = Load(getenv(env))
	if got := problemsOf(t, err); len(got) != 1 || !strings.HasPrefix(got[0], "COMPLAINT_LIMITS: is the old name of ORDER_LIMITS") {
		t.Fatalf("problems = %q, want one naming COMPLAINT_LIMITS as the old name", got)
	}
	env["COMPLAINT_LIMITS"] = "咨询=0wd"
	delete(env, "ORDER_LIMITS")
	_, err = Load(getenv(env))
	if got := problemsOf(t, err); len(got) != 1 || !strings.HasPrefix(got[0], "COMPLAINT_LIMITS: ") {
		t.Fatalf("problems = %q, want the bad old variable named", got)
	}
}
