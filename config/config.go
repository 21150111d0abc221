package config

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/zwgk-bot/zwgk/workflow"
)

// Config is the process configuration, read from environment variables by
// Load. See Variables for the variable behind each field.
type Config struct {
	DatabaseURL string        // DATABASE_URL
	RedisURL    string        // REDIS_URL
	RedisPrefix string        // REDIS_PREFIX
	HTTPAddr    string        // HTTP_ADDR
	MetricsAddr string        // METRICS_ADDR; "" = no metrics listener
	PublicURL   string        // PUBLIC_BASE_URL, without trailing slash
	CorpID      string        // WECOM_CORP_ID
	AgentID     int64         // WECOM_AGENT_ID
	Secret      string        // WECOM_SECRET (secret)
	Token       string        // WECOM_TOKEN (secret)
	AESKey      string        // WECOM_AES_KEY (secret)
	APIBase     string        // WECOM_API_BASE, without trailing slash
	OAuthBase   string        // WECOM_OAUTH_BASE, without trailing slash
	RosterFile  string        // ROSTER_FILE
	LinkSecret  string        // LINK_SECRET (secret), derived when not set
	SessionTTL  time.Duration // SESSION_TTL
	APIToken    string        // API_TOKEN (secret); the machine API is off when empty
	LimitsSpec  string        // ORDER_LIMITS (or the old COMPLAINT_LIMITS), validated; see Limits

	// Reminders.
	CalendarFile string // CALENDAR_FILE; empty = the embedded calendar only
	Schedules    string // SCHEDULES; checked by the scheduler
	MeetingDue   string // MEETING_DUE, MM-DD; empty = DefaultMeetingDue
	// UrgentAnytime (URGENT_OVERDUE_ANYTIME, default on): an urgent 12345
	// order that goes overdue is reported at once, outside working time
	// too: the one exception to the reminders' quiet rules.
	UrgentAnytime bool

	// Delivery: the 公众号 and the outbox's pacing (delivery.go).
	MP       MPConfig       // MP_*
	Delivery DeliveryConfig // OUTBOX_RATES, OUTBOX_RECIPIENT_RATE

	// Letters: what the register's letters print (letters.go).
	Letters LettersConfig // BUREAU_NAME, REVIEW_*, OFFICE_CONTACT_*
}

// Variable describes one environment variable read by Load.
type Variable struct {
	Name string
	// Default is the literal value used when the variable is empty; it is
	// empty when there is no default or the default is derived from other
	// variables (Meaning explains the derivation).
	Default  string
	Meaning  string
	Required bool
	Secret   bool
}

// Names of the environment variables read by Load.
const (
	EnvDatabaseURL = "DATABASE_URL"
	EnvRedisURL    = "REDIS_URL"
	EnvRedisPrefix = "REDIS_PREFIX"
	EnvHTTPAddr    = "HTTP_ADDR"
	EnvMetricsAddr = "METRICS_ADDR"
	EnvPublicURL   = "PUBLIC_BASE_URL"
	EnvCorpID      = "WECOM_CORP_ID"
	EnvAgentID     = "WECOM_AGENT_ID"
	EnvSecret      = "WECOM_SECRET"
	EnvToken       = "WECOM_TOKEN"
	EnvAESKey      = "WECOM_AES_KEY"
	EnvAPIBase     = "WECOM_API_BASE"
	EnvOAuthBase   = "WECOM_OAUTH_BASE"
	EnvRosterFile  = "ROSTER_FILE"
	EnvLinkSecret  = "LINK_SECRET"
	EnvSessionTTL  = "SESSION_TTL"
	EnvAPIToken    = "API_TOKEN"
	EnvLimits      = "ORDER_LIMITS"
	// EnvLimitsOld is ORDER_LIMITS's name before the work order had one
	// name; still read when ORDER_LIMITS is not set.
	EnvLimitsOld  = "COMPLAINT_LIMITS"
	EnvCalendar   = "CALENDAR_FILE"
	EnvSchedules  = "SCHEDULES"
	EnvMeetingDue = "MEETING_DUE"
	EnvUrgentAny  = "URGENT_OVERDUE_ANYTIME"
)

// Defaults of the optional variables.
const (
	DefaultRedisPrefix = "zwgk:"
	DefaultHTTPAddr    = "127.0.0.1:8080"
	DefaultAPIBase     = "https://qyapi.weixin.qq.com"
	DefaultOAuthBase   = "https://open.weixin.qq.com"
	DefaultSessionTTL  = 30 * time.Minute
	DefaultMeetingDue  = "06-30"
	DefaultUrgentAny   = "on"

	// MinSessionTTL and MaxSessionTTL bound SESSION_TTL.
	MinSessionTTL = time.Minute
	MaxSessionTTL = 24 * time.Hour

	// MinSecretLen is the minimum length of LINK_SECRET and API_TOKEN when
	// they are set.
	MinSecretLen = 16
)

const mask = "****"

var variables = []Variable{
	{Name: EnvDatabaseURL, Required: true,
		Meaning: "PostgreSQL connection URL, postgres://user:password@host:5432/dbname?sslmode=disable"},
	{Name: EnvRedisURL, Required: true,
		Meaning: "Redis URL, redis://host:port/db (rediss:// for TLS)"},
	{Name: EnvRedisPrefix, Default: DefaultRedisPrefix,
		Meaning: "prefix of every Redis key of this deployment"},
	{Name: EnvHTTPAddr, Default: DefaultHTTPAddr,
		Meaning: "host:port the HTTP server (WeCom callback, links, API) listens on"},
	{Name: EnvPublicURL,
		Meaning: "public absolute http(s) base URL of this server, used for links in cards; default http:// + HTTP_ADDR"},
	{Name: EnvCorpID, Required: true,
		Meaning: "WeCom corp ID (企业ID)"},
	{Name: EnvAgentID, Required: true,
		Meaning: "AgentId of the WeCom self-built app, a positive integer"},
	{Name: EnvSecret, Required: true, Secret: true,
		Meaning: "Secret of the WeCom self-built app"},
	{Name: EnvToken, Required: true, Secret: true,
		Meaning: "Token of the app's callback (接收消息) settings, 1 to 32 letters or digits"},
	{Name: EnvAESKey, Required: true, Secret: true,
		Meaning: "EncodingAESKey of the app's callback settings, 43 characters"},
	{Name: EnvAPIBase, Default: DefaultAPIBase,
		Meaning: "base URL of the WeCom server API"},
	{Name: EnvRosterFile, Required: true,
		Meaning: "path of the roster YAML file (sections, people and their roles)"},
	{Name: EnvLinkSecret, Secret: true,
		Meaning: "HMAC key signing links in cards, at least 16 characters; derived from WECOM_SECRET and WECOM_AES_KEY when empty"},
	{Name: EnvSessionTTL, Default: "30m",
		Meaning: "how long the bot keeps the state of an idle conversation, a Go duration between 1m and 24h"},
	{Name: EnvLimits,
		Meaning: "12345 time limits over the defaults, e.g. 咨询=2wd;求助=5wd;投诉=15wd;举报=15wd;建议=15wd;紧急=24h;签收=1wd (wd working days, d days, h hours, wh working hours); COMPLAINT_LIMITS, its old name, is read when it is not set"},
	{Name: EnvAPIToken, Secret: true,
		Meaning: "bearer token of the machine API, at least 16 characters; the API is off when empty"},
	{Name: EnvCalendar,
		Meaning: "path of a YAML file adding to the embedded working-day calendar: a year's holiday notice, local days off or working days, working hours"},
	{Name: EnvMetricsAddr,
		Meaning: "host:port of a separate listener serving Prometheus metrics at /metrics, e.g. 127.0.0.1:9090 (keep it private; not HTTP_ADDR's port); empty = none"},
	{Name: EnvSchedules,
		Meaning: "reminder schedules over the defaults (see zwgk jobs): name=cron spec|cron spec;name=off (Asia/Shanghai); off = no automatic reminders"},
	{Name: EnvMeetingDue, Default: DefaultMeetingDue,
		Meaning: "MM-DD by which the year's 政务公开专题工作会议 should be recorded; the office is reminded weekly after it"},
	{Name: EnvUrgentAny, Default: DefaultUrgentAny,
		Meaning: "on: an urgent 12345 order that goes overdue is reported at once, at night and on days off too (the one exception to the reminders' quiet rules); off: it waits for working time"},
	{Name: EnvOAuthBase, Default: DefaultOAuthBase,
		Meaning: "base URL of WeCom's 网页授权 (OAuth2 /connect/oauth2/authorize) that the 办公桌 pages send the browser to; the sandbox in tests and the demo"},
}

// Variables lists every environment variable read by Load, in a stable
// order. The returned slice is a copy.
func Variables() []Variable {
	return slices.Concat(variables, deliveryVariables, letterVariables)
}

// Load reads the configuration through getenv (os.Getenv when nil) and
// validates it. Leading and trailing white space of every value is ignored;
// an empty value means the variable is not set.
//
// On failure it returns the zero Config and a *ValidationError wrapping
// ErrInvalid, with one line per problem, each naming the variable. Secret
// values never appear in the error.
func Load(getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	l := loader{getenv: getenv}
	var c Config

	c.DatabaseURL = l.databaseURL()
	c.RedisURL = l.redisURL()
	c.RedisPrefix = l.redisPrefix()
	c.HTTPAddr = l.httpAddr()
	c.MetricsAddr = l.metricsAddr(c.HTTPAddr)
	c.PublicURL = l.publicURL(c.HTTPAddr)
	c.CorpID = l.corpID()
	c.AgentID = l.agentID()
	c.Secret = l.secret()
	c.Token = l.token()
	c.AESKey = l.aesKey()
	c.APIBase = l.httpURL(EnvAPIBase, l.get(EnvAPIBase, DefaultAPIBase))
	c.OAuthBase = l.httpURL(EnvOAuthBase, l.get(EnvOAuthBase, DefaultOAuthBase))
	c.RosterFile = l.required(EnvRosterFile)
	c.LinkSecret = l.optionalSecret(EnvLinkSecret)
	c.SessionTTL = l.sessionTTL()
	c.APIToken = l.optionalSecret(EnvAPIToken)
	c.LimitsSpec = l.limits()
	c.CalendarFile = l.get(EnvCalendar, "")
	c.Schedules = l.get(EnvSchedules, "")
	c.MeetingDue = l.meetingDue()
	c.UrgentAnytime = l.onOff(EnvUrgentAny, DefaultUrgentAny)
	c.MP = l.mp()
	c.Delivery = l.delivery()
	c.Letters = l.letters()

	if len(l.problems) > 0 {
		return Config{}, &ValidationError{Problems: l.problems, kind: ErrInvalid}
	}
	if c.LinkSecret == "" {
		c.LinkSecret = deriveLinkSecret(c.Secret, c.AESKey)
	}
	return c, nil
}

func deriveLinkSecret(secret, aesKey string) string {
	sum := sha256.Sum256([]byte("zwgk-link:" + secret + ":" + aesKey))
	return hex.EncodeToString(sum[:])
}

// decodeAESKey decodes an EncodingAESKey. It uses the non-strict decoder on
// purpose: keys generated by WeCom often have non-zero trailing bits.
func decodeAESKey(key string) ([]byte, bool) {
	if len(key) != 43 {
		return nil, false
	}
	b, err := base64.StdEncoding.DecodeString(key + "=")
	if err != nil || len(b) != 32 {
		return nil, false
	}
	return b, true
}

// AESKeyBytes returns the 32-byte AES key decoded from AESKey, or nil when
// AESKey is not a valid EncodingAESKey (which Load rules out).
func (c Config) AESKeyBytes() []byte {
	b, ok := decodeAESKey(c.AESKey)
	if !ok {
		return nil
	}
	return b
}

// String returns every field on one line, named by its environment
// variable. Secrets are shown as "****" ("" when empty) and passwords in
// DATABASE_URL and REDIS_URL are masked, so the result is safe to log.
func (c Config) String() string {
	secret := func(s string) string {
		if s == "" {
			return ""
		}
		return mask
	}
	agentID := ""
	if c.AgentID != 0 {
		agentID = strconv.FormatInt(c.AgentID, 10)
	}
	pairs := []struct{ name, value string }{
		{EnvDatabaseURL, redactURL(c.DatabaseURL)},
		{EnvRedisURL, redactURL(c.RedisURL)},
		{EnvRedisPrefix, c.RedisPrefix},
		{EnvHTTPAddr, c.HTTPAddr},
		{EnvMetricsAddr, c.MetricsAddr},
		{EnvPublicURL, c.PublicURL},
		{EnvCorpID, c.CorpID},
		{EnvAgentID, agentID},
		{EnvSecret, secret(c.Secret)},
		{EnvToken, secret(c.Token)},
		{EnvAESKey, secret(c.AESKey)},
		{EnvAPIBase, c.APIBase},
		{EnvOAuthBase, c.OAuthBase},
		{EnvRosterFile, c.RosterFile},
		{EnvLinkSecret, secret(c.LinkSecret)},
		{EnvSessionTTL, c.SessionTTL.String()},
		{EnvAPIToken, secret(c.APIToken)},
		{EnvLimits, l2s(c.Limits())},
		{EnvCalendar, c.CalendarFile},
		{EnvSchedules, c.Schedules},
		{EnvMeetingDue, c.MeetingDue},
		{EnvUrgentAny, OnOff(c.UrgentAnytime)},
	}
	pairs = append(pairs, c.deliveryPairs()...)
	pairs = append(pairs, c.letterPairs()...)
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p.name)
		b.WriteByte('=')
		b.WriteString(strconv.Quote(p.value))
	}
	return b.String()
}

// redactURL masks the password of the user info and any query parameter
// whose name contains "password". A value that does not parse is masked
// entirely.
func redactURL(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil {
		return mask
	}
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		for i, p := range parts {
			k, _, found := strings.Cut(p, "=")
			name, err := url.QueryUnescape(k)
			if err != nil {
				name = k
			}
			if found && strings.Contains(strings.ToLower(name), "password") {
				parts[i] = k + "=" + mask
			}
		}
		u.RawQuery = strings.Join(parts, "&")
	}
	if u.User == nil {
		return u.String()
	}
	_, hasPassword := u.User.Password()
	user := u.User
	u.User = nil
	rest := strings.TrimPrefix(u.String(), u.Scheme+"://")
	userinfo := url.User(user.Username()).String()
	if hasPassword {
		userinfo += ":" + mask
	}
	return u.Scheme + "://" + userinfo + "@" + rest
}

// loader reads variables and collects problems.
type loader struct {
	getenv   func(string) string
	problems []string
}

func (l *loader) problem(name, format string, args ...any) {
	l.problems = append(l.problems, name+": "+fmt.Sprintf(format, args...))
}

// get returns the trimmed value of name, or def when it is empty.
func (l *loader) get(name, def string) string {
	if v := strings.TrimSpace(l.getenv(name)); v != "" {
		return v
	}
	return def
}

func (l *loader) required(name string) string {
	v := l.get(name, "")
	if v == "" {
		l.problem(name, "required")
	}
	return v
}

func hasSpace(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	})
}

func (l *loader) databaseURL() string {
	v := l.required(EnvDatabaseURL)
	if v == "" {
		return ""
	}
	// The URL may hold a password: never quote it or url.Parse's error.
	u, err := url.Parse(v)
	if err != nil || u.Opaque != "" {
		l.problem(EnvDatabaseURL, "not a valid URL; want postgres://user:password@host:5432/dbname")
		return ""
	}
	if s := strings.ToLower(u.Scheme); s != "postgres" && s != "postgresql" {
		l.problem(EnvDatabaseURL, "scheme must be postgres or postgresql")
		return ""
	}
	return v
}

func (l *loader) redisURL() string {
	v := l.required(EnvRedisURL)
	if v == "" {
		return ""
	}
	// The URL may hold a password: never quote it or url.Parse's error.
	u, err := url.Parse(v)
	if err != nil || u.Opaque != "" {
		l.problem(EnvRedisURL, "not a valid URL; want redis://host:port/db")
		return ""
	}
	ok := true
	if s := strings.ToLower(u.Scheme); s != "redis" && s != "rediss" {
		l.problem(EnvRedisURL, "scheme must be redis or rediss")
		ok = false
	}
	if u.Hostname() == "" {
		l.problem(EnvRedisURL, "missing host; want redis://host:port/db")
		ok = false
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			l.problem(EnvRedisURL, "port must be between 1 and 65535")
			ok = false
		}
	}
	if db := strings.TrimPrefix(u.Path, "/"); db != "" {
		if n, err := strconv.Atoi(db); err != nil || n < 0 {
			l.problem(EnvRedisURL, "database must be a non-negative integer, as in redis://host:port/0")
			ok = false
		}
	}
	if !ok {
		return ""
	}
	return v
}

func (l *loader) redisPrefix() string {
	v := l.get(EnvRedisPrefix, DefaultRedisPrefix)
	if hasSpace(v) {
		l.problem(EnvRedisPrefix, "must not contain white space or control characters")
		return ""
	}
	return v
}

func (l *loader) httpAddr() string {
	return l.hostPort(EnvHTTPAddr, l.get(EnvHTTPAddr, DefaultHTTPAddr))
}

func (l *loader) metricsAddr(httpAddr string) string {
	v := l.get(EnvMetricsAddr, "")
	if v == "" {
		return ""
	}
	v = l.hostPort(EnvMetricsAddr, v)
	if v != "" && httpAddr != "" && sameListener(v, httpAddr) {
		l.problem(EnvMetricsAddr, "must differ from %s (%s): metrics are not served on the public address", EnvHTTPAddr, httpAddr)
		return ""
	}
	return v
}

// sameListener reports whether two valid listen addresses would take the
// same port: the same port on the same host, or on all interfaces.
func sameListener(a, b string) bool {
	ha, pa, _ := net.SplitHostPort(a)
	hb, pb, _ := net.SplitHostPort(b)
	na, _ := strconv.Atoi(pa)
	nb, _ := strconv.Atoi(pb)
	if na != nb {
		return false
	}
	wildcard := func(h string) bool { return h == "" || h == "0.0.0.0" || h == "::" }
	return strings.EqualFold(ha, hb) || wildcard(ha) || wildcard(hb)
}

// hostPort checks a listen address of the variable name.
func (l *loader) hostPort(name, v string) string {
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		l.problem(name, "must be host:port, got %q", v)
		return ""
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		l.problem(name, "port must be a number between 1 and 65535, got %q", port)
		return ""
	}
	return v
}

// publicURL returns PUBLIC_BASE_URL, or http://HTTP_ADDR when it is empty.
// When HTTP_ADDR listens on all interfaces (":8080", "0.0.0.0:8080"), the
// derived URL uses localhost instead.
func (l *loader) publicURL(httpAddr string) string {
	v := l.get(EnvPublicURL, "")
	if v != "" {
		return l.httpURL(EnvPublicURL, v)
	}
	if httpAddr == "" {
		return "" // HTTP_ADDR is invalid and already reported
	}
	host, port, _ := net.SplitHostPort(httpAddr)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// httpURL validates an absolute http(s) base URL and trims trailing
// slashes.
func (l *loader) httpURL(name, v string) string {
	u, err := url.Parse(v)
	if err != nil || !u.IsAbs() || u.Opaque != "" {
		l.problem(name, "must be an absolute http or https URL")
		return ""
	}
	ok := true
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
		l.problem(name, "scheme must be http or https")
		ok = false
	}
	if u.Host == "" {
		l.problem(name, "missing host")
		ok = false
	}
	if u.User != nil {
		l.problem(name, "must not contain user info")
		ok = false
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery || strings.Contains(v, "#") {
		l.problem(name, "must not contain a query or fragment")
		ok = false
	}
	if !ok {
		return ""
	}
	return strings.TrimRight(v, "/")
}

func (l *loader) corpID() string {
	v := l.required(EnvCorpID)
	if v != "" && !isAlnum(v) {
		l.problem(EnvCorpID, "must contain only letters and digits, got %q", v)
		return ""
	}
	return v
}

func (l *loader) agentID() int64 {
	v := l.required(EnvAgentID)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		l.problem(EnvAgentID, "must be a positive integer, got %q", v)
		return 0
	}
	return n
}

func (l *loader) secret() string {
	v := l.required(EnvSecret)
	if hasSpace(v) {
		l.problem(EnvSecret, "must not contain white space or control characters")
		return ""
	}
	return v
}

func (l *loader) token() string {
	v := l.required(EnvToken)
	if v == "" {
		return ""
	}
	ok := true
	if n := utf8.RuneCountInString(v); n > 32 {
		l.problem(EnvToken, "must be at most 32 characters, got %d", n)
		ok = false
	}
	if !isAlnum(v) {
		l.problem(EnvToken, "must contain only letters and digits")
		ok = false
	}
	if !ok {
		return ""
	}
	return v
}

func (l *loader) aesKey() string {
	v := l.required(EnvAESKey)
	if v == "" {
		return ""
	}
	if n := utf8.RuneCountInString(v); n != 43 {
		l.problem(EnvAESKey, "must be 43 characters, got %d", n)
		return ""
	}
	if _, ok := decodeAESKey(v); !ok {
		l.problem(EnvAESKey, "must be base64 characters (A-Z a-z 0-9 + /) encoding 32 bytes")
		return ""
	}
	return v
}

func (l *loader) optionalSecret(name string) string {
	v := l.get(name, "")
	if v == "" {
		return ""
	}
	ok := true
	if n := utf8.RuneCountInString(v); n < MinSecretLen {
		l.problem(name, "must be at least %d characters when set, got %d", MinSecretLen, n)
		ok = false
	}
	if hasSpace(v) {
		l.problem(name, "must not contain white space or control characters")
		ok = false
	}
	if !ok {
		return ""
	}
	return v
}

func (l *loader) sessionTTL() time.Duration {
	v := l.get(EnvSessionTTL, "")
	if v == "" {
		return DefaultSessionTTL
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		l.problem(EnvSessionTTL, "must be a duration such as 30m or 2h, got %q", v)
		return 0
	}
	if d < MinSessionTTL || d > MaxSessionTTL {
		l.problem(EnvSessionTTL, "must be between 1m and 24h, got %q", v)
		return 0
	}
	return d
}

// meetingDue reads MEETING_DUE: a month and day such as 06-30; empty
// means DefaultMeetingDue.
func (l *loader) meetingDue() string {
	v := l.get(EnvMeetingDue, "")
	if v == "" {
		return ""
	}
	if _, err := time.Parse("1-2", v); err != nil {
		l.problem(EnvMeetingDue, "must be a month and day such as 06-30, got %q", v)
		return ""
	}
	return v
}

// onOff reads a switch: on or off (case ignored); empty means def.
func (l *loader) onOff(name, def string) bool {
	v, err := ParseOnOff(l.get(name, def))
	if err != nil {
		l.problem(name, "%v", err)
	}
	return v
}

// ParseOnOff reads a switch: on or off, case ignored.
func ParseOnOff(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "on":
		return true, nil
	case "off":
		return false, nil
	}
	return false, fmt.Errorf("must be on or off, got %q", v)
}

// OnOff shows a switch.
func OnOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func (l *loader) limits() string {
	name := EnvLimits
	v, old := l.get(EnvLimits, ""), l.get(EnvLimitsOld, "")
	switch {
	case v == "" && old != "":
		name, v = EnvLimitsOld, old
	case v != "" && old != "" && v != old:
		l.problem(EnvLimitsOld, "is the old name of %s, which is set to something else; remove %s", EnvLimits, EnvLimitsOld)
	}
	if _, err := workflow.ParseLimits(v); err != nil {
		l.problem(name, "%v", err)
	}
	return v
}

// Limits are the 12345 time limits: the defaults with ORDER_LIMITS
// applied (Load has checked it).
func (c Config) Limits() workflow.Limits {
	ls, _ := workflow.ParseLimits(c.LimitsSpec)
	return ls
}

// l2s shows the limits in use.
func l2s(ls workflow.Limits) string {
	var parts []string
	for _, c := range workflow.Categories() {
		parts = append(parts, string(c)+"="+ls.ByCategory[c].String())
	}
	return strings.Join(append(parts, "紧急="+ls.Urgent.String(), "签收="+ls.Accept.String()), ";")
}

// isAlnum reports whether s is made of ASCII letters and digits only.
func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
