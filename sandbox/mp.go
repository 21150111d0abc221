package sandbox

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
)

// MPConfig describes a 公众号 (WeChat Official Account) as registered on
// the WeChat platform, with its server configuration (服务器配置).
type MPConfig struct {
	AppID          string
	Secret         string
	Token          string
	EncodingAESKey string // needed for SafeMode
	OriginalID     string // gh_…, the ToUserName of callbacks; default gh_ + AppID
	CallbackURL    string
	SafeMode       bool     // post callbacks encrypted (安全模式)
	Templates      []string // template ids the account has; empty accepts any
	// Subscription makes the account a 订阅号: one 群发 a day and no
	// template messages. Otherwise it is a 认证服务号, whose followers
	// receive at most 4 群发 a calendar month.
	Subscription bool
}

// MP is one 公众号 in the sandbox: its API (Handler), its followers (the
// callback client, Follower) and what each follower received.
type MP struct {
	sb     *Sandbox
	cfg    MPConfig
	crypto *bot.Crypto // nil without an EncodingAESKey

	mu           sync.Mutex
	tokens       map[string]time.Time // access token → expiry
	stable       string               // the token stable_token hands out
	following    map[string]bool
	lastActive   map[string]time.Time // last message or click, for 客服消息
	tags         map[int64]string
	tagMembers   map[int64]map[string]bool
	nextTag      int64
	inbox        map[string][]*MPReceived
	templateSent map[string]mpSent // openid + client_msg_id
	massSent     map[string]int64  // clientmsgid → msg_id
	massReceived map[string]int    // openid + month → 群发 received that month
	massDays     map[string]int    // day → successful 群发 (订阅号)
	massToAll    map[string]int    // month → successful is_to_all 群发 (服务号)
	massJobs     []MassJob
	tokenFetches int
	apiCalls     map[string]int
	faults       []fault
	seq          int64
	changed      chan struct{}
}

type mpSent struct {
	at    time.Time
	msgID int64
}

// MPReceived is what a follower's WeChat shows from the account.
type MPReceived struct {
	MsgID      int64
	At         time.Time
	Kind       string // template, text (客服消息) or mass (群发)
	TemplateID string
	Data       map[string]string // template keyword → value
	URL        string
	Text       string
}

// WeChat's token rules: two hours, and a replaced token stays valid for
// five minutes so that calls in flight do not fail.
const (
	mpTokenLifetime = 7200 * time.Second
	mpTokenOverlap  = 5 * time.Minute
	// mpClientMsgWindow is how long template/send remembers a client_msg_id.
	mpClientMsgWindow = 10 * time.Minute
	// mpCustomWindow: 客服消息 reach a follower only within 48 hours of
	// their last message or click.
	mpCustomWindow = 48 * time.Hour
)

// AddMP registers a 公众号. Each account serves its own API (Handler).
func (s *Sandbox) AddMP(cfg MPConfig) (*MP, error) {
	if cfg.AppID == "" || cfg.Secret == "" || cfg.Token == "" {
		return nil, fmt.Errorf("sandbox mp: AppID, Secret and Token are required")
	}
	if cfg.OriginalID == "" {
		cfg.OriginalID = "gh_" + cfg.AppID
	}
	m := &MP{
		sb: s, cfg: cfg,
		tokens: map[string]time.Time{}, following: map[string]bool{}, lastActive: map[string]time.Time{},
		tags: map[int64]string{}, tagMembers: map[int64]map[string]bool{}, nextTag: 100,
		inbox: map[string][]*MPReceived{}, templateSent: map[string]mpSent{}, massSent: map[string]int64{},
		massReceived: map[string]int{}, massDays: map[string]int{}, massToAll: map[string]int{},
		apiCalls: map[string]int{}, changed: make(chan struct{}),
	}
	if cfg.EncodingAESKey != "" {
		cr, err := bot.NewCrypto(cfg.Token, cfg.EncodingAESKey, cfg.AppID)
		if err != nil {
			return nil, fmt.Errorf("sandbox mp %s: %w", cfg.AppID, err)
		}
		m.crypto = cr
	} else if cfg.SafeMode {
		return nil, fmt.Errorf("sandbox mp %s: safe mode needs an EncodingAESKey", cfg.AppID)
	}
	return m, nil
}

// Config returns the account's registration.
func (m *MP) Config() MPConfig { return m.cfg }

// FailNext makes the next n calls of api ("stable_token",
// "message/template/send", "message/mass/sendall", ...) fail: with HTTP
// status if status != 0, else with errcode.
func (m *MP) FailNext(api string, n, status, errcode int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.faults = append(m.faults, fault{api: api, status: status, code: errcode, left: n})
}

// DelayNext makes the next n calls of api answer only after d; the call
// still takes effect, as when WeChat is slow and the caller gives up.
func (m *MP) DelayNext(api string, n int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.faults = append(m.faults, fault{api: api, left: n, delay: d})
}

// takeFaultLocked must be called with m.mu held.
func (m *MP) takeFaultLocked(api string) *fault {
	for i := range m.faults {
		f := &m.faults[i]
		if f.api == api && f.left > 0 {
			f.left--
			out := *f
			return &out
		}
	}
	return nil
}

// RevokeTokens invalidates every access token, as resetting the AppSecret
// does; the next call gets 40001.
func (m *MP) RevokeTokens() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tokens = map[string]time.Time{}
	m.stable = ""
}

// TokenFetches counts token and stable_token calls.
func (m *MP) TokenFetches() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tokenFetches
}

// APICalls counts calls of one API that presented a valid token.
func (m *MP) APICalls(api string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.apiCalls[api]
}

// CreateTag adds a tag (标签) as the admin console does and returns its id.
func (m *MP) CreateTag(name string) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.createTagLocked(name)
}

func (m *MP) createTagLocked(name string) int64 {
	id := m.nextTag
	m.nextTag++
	m.tags[id] = name
	m.tagMembers[id] = map[string]bool{}
	return id
}

// TagMembers returns the openids with the tag, sorted.
func (m *MP) TagMembers(tag int64) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for o := range m.tagMembers[tag] {
		out = append(out, o)
	}
	slices.Sort(out)
	return out
}

// Following reports whether openid follows the account.
func (m *MP) Following(openid string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.following[openid]
}

// Received returns copies of what openid received, oldest first.
func (m *MP) Received(openid string) []MPReceived {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]MPReceived, 0, len(m.inbox[openid]))
	for _, r := range m.inbox[openid] {
		cp := *r
		if r.Data != nil {
			cp.Data = map[string]string{}
			for k, v := range r.Data {
				cp.Data[k] = v
			}
		}
		out = append(out, cp)
	}
	return out
}

// Recipients returns every openid that has received something, sorted.
func (m *MP) Recipients() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for o, rs := range m.inbox {
		if len(rs) > 0 {
			out = append(out, o)
		}
	}
	slices.Sort(out)
	return out
}

// WaitReceived waits until openid has received at least n messages and
// returns them, or fails when ctx ends.
func (m *MP) WaitReceived(ctx context.Context, openid string, n int) ([]MPReceived, error) {
	for {
		m.mu.Lock()
		have, ch := len(m.inbox[openid]), m.changed
		m.mu.Unlock()
		if have >= n {
			return m.Received(openid), nil
		}
		select {
		case <-ctx.Done():
			return m.Received(openid), ctx.Err()
		case <-ch:
		}
	}
}

// deliverLocked must be called with m.mu held.
func (m *MP) deliverLocked(openid string, r *MPReceived) {
	m.inbox[openid] = append(m.inbox[openid], r)
	m.notifyLocked()
}

func (m *MP) notifyLocked() {
	close(m.changed)
	m.changed = make(chan struct{})
}

func (m *MP) nextIDLocked() int64 {
	m.seq++
	return 1000000 + m.seq
}

// Reset forgets what followers received (the demo's reseed); followers,
// tags and tokens stay.
func (m *MP) Reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.inbox = map[string][]*MPReceived{}
	m.templateSent = map[string]mpSent{}
	m.massSent = map[string]int64{}
	m.massReceived = map[string]int{}
	m.massDays = map[string]int{}
	m.massToAll = map[string]int{}
	m.massJobs = nil
	m.notifyLocked()
}

// MassJob is what a 群发 did, as WeChat's MASSSENDJOBFINISH event reports
// it: TotalCount followers chosen by the filter, FilterCount left after
// WeChat's filters (among them 「用户接收已超4条的过滤」), SentCount reached.
type MassJob struct {
	MsgID       int64
	At          time.Time
	TotalCount  int
	FilterCount int
	SentCount   int
}

// MassJobs returns the 群发 accepted so far, oldest first.
func (m *MP) MassJobs() []MassJob {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.massJobs)
}

// Notices returns what openid received as the demo page's phone shows it.
func (m *MP) Notices(openid string) []FollowerNotice {
	var out []FollowerNotice
	for _, r := range m.Received(openid) {
		n := FollowerNotice{At: r.At, URL: r.URL}
		switch r.Kind {
		case "template":
			n.Title = "模板消息"
			keys := make([]string, 0, len(r.Data))
			for k := range r.Data {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				n.Text += r.Data[k] + "\n"
			}
		case "mass":
			n.Title, n.Text = "群发消息", r.Text
		default:
			n.Title, n.Text = "消息", r.Text
		}
		out = append(out, n)
	}
	return out
}
