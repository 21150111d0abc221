package config

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MPConfig is the 公众号 (WeChat Official Account) part of the
// configuration. The part is off when AppID is empty; the other values are
// then not checked. Specs are kept as validated strings so that Config
// stays comparable; TemplateFields and AnswerFields parse them.
type MPConfig struct {
	AppID              string // MP_APP_ID
	AppSecret          string // MP_APP_SECRET (secret)
	Token              string // MP_TOKEN (secret)
	AESKey             string // MP_AES_KEY (secret); empty = plain mode only
	APIBase            string // MP_API_BASE, without trailing slash
	TemplateID         string // MP_TEMPLATE_ID
	TemplateFieldsSpec string // MP_TEMPLATE_FIELDS
	AnswerTemplateID   string // MP_ANSWER_TEMPLATE_ID; empty = no answer notices
	AnswerFieldsSpec   string // MP_ANSWER_TEMPLATE_FIELDS
	BroadcastTag       int64  // MP_BROADCAST_TAG; 0 = template messages
	AccountType        string // MP_ACCOUNT_TYPE: MPService or MPSubscription; empty = MPService
	// Bureau is the bureau's name as the 公众号's public pages show it
	// (BUREAU_NAME); empty = they name none. It is part of the 公众号's
	// configuration because only those pages use it, and the notices
	// service is configured with MPConfig alone.
	Bureau string
}

// Account types of a 公众号 (MP_ACCOUNT_TYPE). They differ in what may be
// sent: a 服务号's follower receives at most 4 群发 a calendar month, a
// 订阅号 may 群发 once a day and has no template messages (模板消息 needs
// a 认证服务号). Source: 微信开放文档 群发接口和原创校验
// (developers.weixin.qq.com/doc/offiaccount/Message_Management/Batch_Sends_and_Originality_Checks.html).
const (
	MPService      = "service"
	MPSubscription = "subscription"
)

// Subscription reports whether the account is a 订阅号.
func (m MPConfig) Subscription() bool { return m.AccountType == MPSubscription }

// Enabled reports whether the 公众号 part is configured.
func (m MPConfig) Enabled() bool { return m.AppID != "" }

// DeliveryConfig paces the outbox.
type DeliveryConfig struct {
	RatesSpec     string // OUTBOX_RATES, validated; see Config.APIRates
	RecipientSpec string // OUTBOX_RECIPIENT_RATE, validated; see Config.RecipientRates
}

// Names of the delivery variables.
const (
	EnvMPAppID          = "MP_APP_ID"
	EnvMPAppSecret      = "MP_APP_SECRET"
	EnvMPToken          = "MP_TOKEN"
	EnvMPAESKey         = "MP_AES_KEY"
	EnvMPAPIBase        = "MP_API_BASE"
	EnvMPTemplateID     = "MP_TEMPLATE_ID"
	EnvMPTemplateFields = "MP_TEMPLATE_FIELDS"
	EnvMPAnswerTemplate = "MP_ANSWER_TEMPLATE_ID"
	EnvMPAnswerFields   = "MP_ANSWER_TEMPLATE_FIELDS"
	EnvMPBroadcastTag   = "MP_BROADCAST_TAG"
	EnvMPAccountType    = "MP_ACCOUNT_TYPE"
	EnvBureauName       = "BUREAU_NAME"
	EnvOutboxRates      = "OUTBOX_RATES"
	EnvRecipientRate    = "OUTBOX_RECIPIENT_RATE"
)

// Defaults of the delivery variables.
const (
	DefaultMPAPIBase        = "https://api.weixin.qq.com"
	DefaultMPTemplateFields = "title=thing1;date=time2"
	DefaultMPAnswerFields   = "ticket=character_string1;closed=time2;summary=thing3"
	// WeCom's own ceiling for one app per member is 30 a minute and 1000 an
	// hour, above which messages vanish; stay below it.
	DefaultRecipientRate = "25/m;900/h"
)

// Rate is a number of calls per period.
type Rate struct {
	N   int
	Per time.Duration
}

func (r Rate) String() string {
	unit := map[time.Duration]string{time.Second: "s", time.Minute: "m", time.Hour: "h"}[r.Per]
	return strconv.Itoa(r.N) + "/" + unit
}

// RateAPIs are the outbox's APIs with their default rates. WeCom allows a
// corp 10,000 calls a minute and 150,000 an hour of each API: 2400 a
// minute (40 a second, evenly spaced) stays inside the hourly one. The
// 公众号's template and 客服 calls are metered by daily quotas, mass sends
// by WeChat's monthly allowance per follower.
var RateAPIs = []struct {
	Name    string
	Default Rate
}{
	{"message/send", Rate{2400, time.Minute}},
	{"update_template_card", Rate{2400, time.Minute}},
	{"template/send", Rate{600, time.Minute}},
	{"custom/send", Rate{600, time.Minute}},
	{"mass/sendall", Rate{10, time.Minute}},
	{"tags", Rate{300, time.Minute}},
}

// Template field names: what a notice can show in a template keyword.
var (
	FormNoticeFields   = []string{"title", "serial", "date", "column", "summary"}
	AnswerNoticeFields = []string{"ticket", "closed", "summary"}
)

// TemplateField maps one of our values to a template keyword (thing1,
// time2, ...). The keyword's type prefix decides how the value is cut.
type TemplateField struct {
	Name string
	Key  string
}

var deliveryVariables = []Variable{
	{Name: EnvMPAppID,
		Meaning: "AppID of the bureau's 公众号 (WeChat Official Account); empty = public notices through the 公众号 are off"},
	{Name: EnvMPAppSecret, Secret: true,
		Meaning: "AppSecret of the 公众号; required with MP_APP_ID"},
	{Name: EnvMPToken, Secret: true,
		Meaning: "Token of the 公众号's server configuration (服务器配置), 3 to 32 letters or digits; required with MP_APP_ID"},
	{Name: EnvMPAESKey, Secret: true,
		Meaning: "EncodingAESKey of the 公众号's server configuration, 43 characters; when set, only safe mode (安全模式) callbacks are accepted"},
	{Name: EnvMPAPIBase, Default: DefaultMPAPIBase,
		Meaning: "base URL of the 公众号 server API"},
	{Name: EnvMPTemplateID,
		Meaning: "template id (模板消息) of the disclosure notice; required with MP_APP_ID unless MP_BROADCAST_TAG is set"},
	{Name: EnvMPTemplateFields, Default: DefaultMPTemplateFields,
		Meaning: "template keywords of the disclosure notice: name=keyword;... with names title, serial, date, column, summary"},
	{Name: EnvMPAnswerTemplate,
		Meaning: "template id of the 12345 answer notice to a complainant who follows the 公众号; empty = no answer notices"},
	{Name: EnvMPAnswerFields, Default: DefaultMPAnswerFields,
		Meaning: "template keywords of the answer notice: name=keyword;... with names ticket, closed, summary"},
	{Name: EnvMPBroadcastTag,
		Meaning: "id of a 公众号 tag (标签); when set, a disclosure notice is one mass send (群发) to the subscribers' tag instead of a template message each"},
	{Name: EnvMPAccountType, Default: MPService,
		Meaning: "the 公众号's type: service (服务号: each follower receives at most 4 群发 a month) or subscription (订阅号: one 群发 a day, no template messages, so MP_BROADCAST_TAG is required)"},
	{Name: EnvBureauName,
		Meaning: "the bureau's name as the public pages behind the 公众号's notices show it, e.g. 某市某区生态环境分局 (at most 40 characters); empty = the pages name no bureau"},
	{Name: EnvOutboxRates,
		Meaning: "outbox call rates over the defaults: api=N/s|m|h;... for message/send, update_template_card (2400/m), template/send, custom/send (600/m), mass/sendall (10/m), tags (300/m)"},
	{Name: EnvRecipientRate, Default: DefaultRecipientRate,
		Meaning: "most WeCom messages one person is sent: N/m;N/h (WeCom drops messages above 30 a minute or 1000 an hour per member without an error)"},
}

// maxBureauName bounds BUREAU_NAME: the longest names of district
// bureaus (某某自治州某某市生态环境局某某分局) stay well below it.
const maxBureauName = 40

var templateKey = regexp.MustCompile(`^[a-z][a-z_]*[0-9]+$`)

// parseFields reads name=keyword;... with names from allowed.
func parseFields(spec string, allowed []string) ([]TemplateField, error) {
	var out []TemplateField
	for part := range strings.SplitSeq(spec, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, key, ok := strings.Cut(part, "=")
		name, key = strings.TrimSpace(name), strings.TrimSpace(key)
		switch {
		case !ok:
			return nil, fmt.Errorf("%q: want name=keyword such as title=thing1", part)
		case !slices.Contains(allowed, name):
			return nil, fmt.Errorf("unknown name %q (names: %s)", name, strings.Join(allowed, ", "))
		case !templateKey.MatchString(key):
			return nil, fmt.Errorf("%q is not a template keyword such as thing1 or time2", key)
		case slices.ContainsFunc(out, func(f TemplateField) bool { return f.Key == key }):
			return nil, fmt.Errorf("keyword %s is used twice", key)
		}
		out = append(out, TemplateField{Name: name, Key: key})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no fields")
	}
	return out, nil
}

// ParseRate reads N/s, N/m or N/h.
func ParseRate(v string) (Rate, error) {
	n, unit, ok := strings.Cut(strings.TrimSpace(v), "/")
	count, err := strconv.Atoi(strings.TrimSpace(n))
	per, known := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour}[strings.TrimSpace(unit)]
	if !ok || err != nil || count < 1 || !known {
		return Rate{}, fmt.Errorf("%q: want a rate such as 20/s, 600/m or 900/h", v)
	}
	return Rate{N: count, Per: per}, nil
}

// parseRates reads OUTBOX_RATES over the defaults.
func parseRates(spec string) (map[string]Rate, error) {
	out := map[string]Rate{}
	var names []string
	for _, a := range RateAPIs {
		out[a.Name] = a.Default
		names = append(names, a.Name)
	}
	for part := range strings.SplitSeq(spec, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, v, ok := strings.Cut(part, "=")
		name = strings.TrimSpace(name)
		if !ok {
			return nil, fmt.Errorf("%q: want api=rate such as message/send=20/s", part)
		}
		if !slices.Contains(names, name) {
			return nil, fmt.Errorf("unknown api %q (apis: %s)", name, strings.Join(names, ", "))
		}
		r, err := ParseRate(v)
		if err != nil {
			return nil, err
		}
		out[name] = r
	}
	return out, nil
}

// parseRecipient reads N/m;N/h (either may be left out).
func parseRecipient(spec string) (perMinute, perHour int, err error) {
	for part := range strings.SplitSeq(spec, ";") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		r, err := ParseRate(part)
		if err != nil {
			return 0, 0, err
		}
		switch r.Per {
		case time.Minute:
			perMinute = r.N
		case time.Hour:
			perHour = r.N
		default:
			return 0, 0, fmt.Errorf("%q: give a rate per minute (/m) or per hour (/h)", part)
		}
	}
	return perMinute, perHour, nil
}

// TemplateFields are the disclosure notice's keywords (validated by Load).
func (m MPConfig) TemplateFields() []TemplateField {
	f, _ := parseFields(cmpOr(m.TemplateFieldsSpec, DefaultMPTemplateFields), FormNoticeFields)
	return f
}

// AnswerFields are the answer notice's keywords (validated by Load).
func (m MPConfig) AnswerFields() []TemplateField {
	f, _ := parseFields(cmpOr(m.AnswerFieldsSpec, DefaultMPAnswerFields), AnswerNoticeFields)
	return f
}

// APIRates are the outbox's call rates per API (validated by Load).
func (c Config) APIRates() map[string]Rate {
	r, _ := parseRates(c.Delivery.RatesSpec)
	return r
}

// RecipientRates is the most one person is sent per minute and per hour
// (0: no limit).
func (c Config) RecipientRates() (perMinute, perHour int) {
	m, h, _ := parseRecipient(cmpOr(c.Delivery.RecipientSpec, DefaultRecipientRate))
	return m, h
}

// mp reads the 公众号 variables. Everything but MP_APP_ID is checked only
// when MP_APP_ID is set; unset optional values stay empty (the accessors
// apply the defaults), so an unconfigured 公众号 is the zero MPConfig.
func (l *loader) mp() MPConfig {
	var m MPConfig
	m.AppID = l.get(EnvMPAppID, "")
	secret := l.get(EnvMPAppSecret, "")
	token := l.get(EnvMPToken, "")
	aesKey := l.get(EnvMPAESKey, "")
	base := l.get(EnvMPAPIBase, "")
	m.TemplateID = l.get(EnvMPTemplateID, "")
	m.TemplateFieldsSpec = l.get(EnvMPTemplateFields, "")
	m.AnswerTemplateID = l.get(EnvMPAnswerTemplate, "")
	m.AnswerFieldsSpec = l.get(EnvMPAnswerFields, "")
	tag := l.get(EnvMPBroadcastTag, "")
	accountType := l.get(EnvMPAccountType, "")
	bureau := l.get(EnvBureauName, "")
	if m.AppID == "" {
		return MPConfig{}
	}
	switch n := utf8.RuneCountInString(bureau); {
	case !utf8.ValidString(bureau) || strings.ContainsFunc(bureau, unicode.IsControl):
		l.problem(EnvBureauName, "must be text without control characters")
	case n > maxBureauName:
		l.problem(EnvBureauName, "must be at most %d characters, got %d", maxBureauName, n)
	default:
		m.Bureau = bureau
	}
	if !isAlnum(m.AppID) {
		l.problem(EnvMPAppID, "must contain only letters and digits, got %q", m.AppID)
	}
	switch {
	case secret == "":
		l.problem(EnvMPAppSecret, "required when MP_APP_ID is set")
	case hasSpace(secret):
		l.problem(EnvMPAppSecret, "must not contain white space or control characters")
	default:
		m.AppSecret = secret
	}
	switch n := utf8.RuneCountInString(token); {
	case token == "":
		l.problem(EnvMPToken, "required when MP_APP_ID is set")
	case n < 3 || n > 32 || !isAlnum(token):
		l.problem(EnvMPToken, "must be 3 to 32 letters or digits")
	default:
		m.Token = token
	}
	if aesKey != "" {
		if _, ok := decodeAESKey(aesKey); !ok {
			l.problem(EnvMPAESKey, "must be 43 base64 characters (A-Z a-z 0-9 + /) encoding 32 bytes")
		} else {
			m.AESKey = aesKey
		}
	}
	if base != "" {
		m.APIBase = l.httpURL(EnvMPAPIBase, base)
	}
	if tag != "" {
		n, err := strconv.ParseInt(tag, 10, 64)
		if err != nil || n < 1 {
			l.problem(EnvMPBroadcastTag, "must be a tag id, a positive integer, got %q", tag)
		}
		m.BroadcastTag = n
	}
	switch accountType {
	case "", MPService:
		if m.TemplateID == "" && m.BroadcastTag == 0 {
			l.problem(EnvMPTemplateID, "required when MP_APP_ID is set and MP_BROADCAST_TAG is not")
		}
	case MPSubscription:
		m.AccountType = MPSubscription
		// A 订阅号 has no template messages: WeChat refuses them (48001),
		// so every disclosure notice must be a 群发 and no answer notice
		// can be sent. Say so now rather than fail each send.
		if m.BroadcastTag == 0 && tag == "" {
			l.problem(EnvMPBroadcastTag, "required when MP_ACCOUNT_TYPE=subscription: a 订阅号 cannot send template messages (they need a 认证服务号), so disclosure notices go as one 群发 a day to this tag")
		}
		if m.TemplateID != "" {
			l.problem(EnvMPTemplateID, "must be empty when MP_ACCOUNT_TYPE=subscription: a 订阅号 cannot send template messages")
		}
		if m.AnswerTemplateID != "" {
			l.problem(EnvMPAnswerTemplate, "must be empty when MP_ACCOUNT_TYPE=subscription: a 订阅号 cannot send template messages, so 12345 answers cannot be announced")
		}
	default:
		l.problem(EnvMPAccountType, "must be service (服务号) or subscription (订阅号), got %q", accountType)
	}
	if _, err := parseFields(cmpOr(m.TemplateFieldsSpec, DefaultMPTemplateFields), FormNoticeFields); err != nil {
		l.problem(EnvMPTemplateFields, "%v", err)
	}
	if _, err := parseFields(cmpOr(m.AnswerFieldsSpec, DefaultMPAnswerFields), AnswerNoticeFields); err != nil {
		l.problem(EnvMPAnswerFields, "%v", err)
	}
	return m
}

func cmpOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// BaseURL is MP_API_BASE or its default.
func (m MPConfig) BaseURL() string { return cmpOr(m.APIBase, DefaultMPAPIBase) }

// delivery reads the outbox's rates.
func (l *loader) delivery() DeliveryConfig {
	d := DeliveryConfig{
		RatesSpec:     l.get(EnvOutboxRates, ""),
		RecipientSpec: l.get(EnvRecipientRate, ""),
	}
	if _, err := parseRates(d.RatesSpec); err != nil {
		l.problem(EnvOutboxRates, "%v", err)
	}
	if _, _, err := parseRecipient(cmpOr(d.RecipientSpec, DefaultRecipientRate)); err != nil {
		l.problem(EnvRecipientRate, "%v", err)
	}
	return d
}

// deliveryPairs are the delivery variables as String shows them.
func (c Config) deliveryPairs() []struct{ name, value string } {
	secret := func(s string) string {
		if s == "" {
			return ""
		}
		return mask
	}
	tag := ""
	if c.MP.BroadcastTag != 0 {
		tag = strconv.FormatInt(c.MP.BroadcastTag, 10)
	}
	return []struct{ name, value string }{
		{EnvMPAppID, c.MP.AppID},
		{EnvMPAppSecret, secret(c.MP.AppSecret)},
		{EnvMPToken, secret(c.MP.Token)},
		{EnvMPAESKey, secret(c.MP.AESKey)},
		{EnvMPAPIBase, c.MP.BaseURL()},
		{EnvMPTemplateID, c.MP.TemplateID},
		{EnvMPTemplateFields, cmpOr(c.MP.TemplateFieldsSpec, DefaultMPTemplateFields)},
		{EnvMPAnswerTemplate, c.MP.AnswerTemplateID},
		{EnvMPAnswerFields, cmpOr(c.MP.AnswerFieldsSpec, DefaultMPAnswerFields)},
		{EnvMPBroadcastTag, tag},
		{EnvMPAccountType, cmpOr(c.MP.AccountType, MPService)},
		{EnvBureauName, c.MP.Bureau},
		{EnvOutboxRates, c.Delivery.RatesSpec},
		{EnvRecipientRate, cmpOr(c.Delivery.RecipientSpec, DefaultRecipientRate)},
	}
}
