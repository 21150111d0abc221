package sandbox

import (
	"cmp"
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
)

// webAssets is the chat page: plain HTML, CSS and JavaScript, embedded so
// the demo needs no network and no build step.
//
//go:embed web
var webAssets embed.FS

// WebUser is one person the page offers to act as.
type WebUser struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Section string   `json:"section"`
	Roles   []string `json:"roles"` // as shown, e.g. 股室负责人, 办公室审核
}

// FollowerNotice is one message on the 公众号 follower's phone.
type FollowerNotice struct {
	At    time.Time `json:"at"`
	Title string    `json:"title"`
	Text  string    `json:"text,omitempty"` // the body, one field a line
	URL   string    `json:"url,omitempty"`  // 详情 link
}

// FollowerPhone is the 公众号 side of the page: one follower's phone.
type FollowerPhone struct {
	Account  string // the 公众号's name, shown on top of the phone
	Follower string // who holds it, e.g. 公众号粉丝（演示）
	// Notices returns what the follower has received, oldest first. The
	// page asks again every second and on every change of the corp.
	Notices func() []FollowerNotice
	// Send, when set, lets the follower write to the 公众号 (订阅, 退订).
	Send func(ctx context.Context, text string) error
}

// WebChatConfig is what the page shows beside the corp's own state.
type WebChatConfig struct {
	AppName string    // the app as its conversation is titled
	Users   []WebUser // the roster, in the order to list it
	// Menu is the app menu; nil shows the one the app created, if any.
	Menu *bot.Menu
	// Follower is the 公众号 panel; nil shows it as not configured.
	Follower *FollowerPhone
	// Reset, when set, clears the bot's own data before the sandbox is
	// cleared (重置演示数据).
	Reset func(ctx context.Context) error
	// Done ends the page's event streams when the server stops, so that a
	// graceful shutdown does not wait for open browser tabs.
	Done <-chan struct{}
	// TimeZone is the IANA zone of the times the page shows; empty is
	// DefaultTimeZone. The bot writes its texts in the bureau's time, so
	// the page shows that time too, whatever the browser's zone: a demo
	// watched from abroad, or on a UTC machine, must not say 01:05 beside
	// a message that says 09:05.
	TimeZone string
}

// DefaultTimeZone is the bureau's time, as the bot's texts use it.
const DefaultTimeZone = "Asia/Shanghai"

// WebChat is the browser page on a corp: a WeCom-like conversation per
// user, the 公众号 follower's phone and the protocol log. Every action on
// the page goes through the user API, so it is a real signed, encrypted
// callback to the bot.
type WebChat struct {
	c        *Corp
	cfg      WebChatConfig
	instance string       // tells the page that the server restarted
	gen      atomic.Int64 // counts resets, for the page to forget unread marks
}

// WebChat returns the page for the corp.
func (c *Corp) WebChat(cfg WebChatConfig) *WebChat {
	if cfg.AppName == "" {
		cfg.AppName = "应用"
	}
	if cfg.TimeZone == "" {
		cfg.TimeZone = DefaultTimeZone
	}
	var b [6]byte
	rand.Read(b[:])
	return &WebChat{c: c, cfg: cfg, instance: hex.EncodeToString(b[:])}
}

// WebPath is where the page's parts live; the page itself is at "/" and
// it expects the corp's UserAPI under /sandbox/api/.
const WebPath = "/sandbox/web/"

// Register mounts the page on mux: GET / and everything under WebPath.
func (wc *WebChat) Register(mux *http.ServeMux) error {
	static, err := fs.Sub(webAssets, "web")
	if err != nil {
		return fmt.Errorf("web chat assets: %w", err)
	}
	index, err := fs.ReadFile(static, "index.html")
	if err != nil {
		return fmt.Errorf("web chat assets: %w", err)
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(index)
	})
	files := http.StripPrefix(WebPath+"static/", http.FileServerFS(static))
	mux.Handle("GET "+WebPath+"static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Assets change with the binary; a restart must not show stale code.
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	}))
	mux.HandleFunc("GET "+WebPath+"config", wc.serveConfig)
	mux.HandleFunc("GET "+WebPath+"state", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, wc.state()) })
	mux.HandleFunc("GET "+WebPath+"events", wc.serveEvents)
	mux.HandleFunc("GET "+WebPath+"users/{user}/conversation", wc.serveConversation)
	mux.HandleFunc("POST "+WebPath+"users/{user}/read", wc.serveRead)
	mux.HandleFunc("GET "+WebPath+"traffic", wc.serveTraffic)
	mux.HandleFunc("GET "+WebPath+"media/{id}", wc.serveMedia)
	mux.HandleFunc("GET "+WebPath+"follower", wc.serveFollower)
	mux.HandleFunc("POST "+WebPath+"follower/text", wc.serveFollowerText)
	mux.HandleFunc("POST "+WebPath+"reset", wc.serveReset)
	return nil
}

type webConfig struct {
	AppName  string    `json:"app_name"`
	CorpID   string    `json:"corp_id"`
	AgentID  int64     `json:"agent_id"`
	Users    []WebUser `json:"users"`
	Menu     *bot.Menu `json:"menu"`
	TimeZone string    `json:"time_zone"`
	MaxText  int       `json:"max_text"` // bytes of UTF-8 in one text
	Follower *struct {
		Account  string `json:"account"`
		Follower string `json:"follower"`
		CanSend  bool   `json:"can_send"`
	} `json:"follower"`
}

func (wc *WebChat) serveConfig(w http.ResponseWriter, r *http.Request) {
	out := webConfig{
		AppName: wc.cfg.AppName, CorpID: wc.c.cfg.CorpID, AgentID: wc.c.cfg.AgentID,
		Users: wc.cfg.Users, Menu: cmp.Or(wc.cfg.Menu, wc.c.Menu()),
		TimeZone: wc.cfg.TimeZone, MaxText: MaxText,
	}
	if out.Users == nil {
		for _, id := range wc.c.cfg.Users {
			out.Users = append(out.Users, WebUser{ID: id, Name: id})
		}
	}
	if f := wc.cfg.Follower; f != nil {
		out.Follower = &struct {
			Account  string `json:"account"`
			Follower string `json:"follower"`
			CanSend  bool   `json:"can_send"`
		}{f.Account, f.Follower, f.Send != nil}
	}
	writeJSON(w, out)
}

// webState is what the page compares to know what to fetch again.
type webState struct {
	Instance   string               `json:"instance"`
	Generation int64                `json:"generation"`
	Users      map[string]userCount `json:"users"`
	TrafficSeq int64                `json:"traffic_seq"`
	Follower   int                  `json:"follower"` // notices received
	FollowerAt time.Time            `json:"follower_at"`
}

type userCount struct {
	Messages int `json:"messages"` // received from the app
	Updates  int `json:"updates"`  // card updates, summed
	Sent     int `json:"sent"`     // the user's own actions
	Unread   int `json:"unread"`   // messages not yet seen in any tab
}

func (wc *WebChat) state() webState {
	st := webState{Instance: wc.instance, Generation: wc.gen.Load(), Users: map[string]userCount{}}
	c := wc.c
	c.mu.Lock()
	for u, msgs := range c.inbox {
		uc := userCount{Messages: len(msgs)}
		for _, m := range msgs {
			uc.Updates += m.Updates
		}
		st.Users[u] = uc
	}
	c.mu.Unlock()
	c.traffic.mu.Lock()
	st.TrafficSeq = c.traffic.seq
	for u, s := range c.traffic.sent {
		uc := st.Users[u]
		uc.Sent = len(s)
		st.Users[u] = uc
	}
	for u, uc := range st.Users {
		uc.Unread = max(0, uc.Messages-c.traffic.read[u])
		st.Users[u] = uc
	}
	c.traffic.mu.Unlock()
	if f := wc.cfg.Follower; f != nil && f.Notices != nil {
		ns := f.Notices()
		st.Follower = len(ns)
		if len(ns) > 0 {
			st.FollowerAt = ns[len(ns)-1].At
		}
	}
	return st
}

// changed returns channels closed at the next change of the corp or of
// its traffic log.
func (wc *WebChat) changed() (corp, traffic <-chan struct{}) {
	c := wc.c
	c.mu.Lock()
	corp = c.changed
	c.mu.Unlock()
	c.traffic.mu.Lock()
	traffic = c.traffic.changedLocked()
	c.traffic.mu.Unlock()
	return corp, traffic
}

// serveEvents streams the state as server-sent events whenever it
// changes. The 公众号 side has no change signal of ours, so it is
// looked at every second.
func (wc *WebChat) serveEvents(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	// The server's write timeout is for ordinary answers; a stream stays
	// open as long as the tab does.
	if err := rc.SetWriteDeadline(time.Time{}); err != nil {
		http.Error(w, "streaming is not supported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var last []byte
	idle := 0
	for {
		corpCh, trafficCh := wc.changed()
		b, err := json.Marshal(wc.state())
		if err != nil {
			return
		}
		switch {
		case string(b) != string(last):
			_, err = fmt.Fprintf(w, "event: state\ndata: %s\n\n", b)
			last, idle = b, 0
		case idle >= 15:
			// A comment now and then finds closed tabs.
			_, err = io.WriteString(w, ": ping\n\n")
			idle = 0
		}
		if err == nil {
			err = rc.Flush()
		}
		if err != nil {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-wc.cfg.Done:
			return
		case <-corpCh:
		case <-trafficCh:
		case <-tick.C:
			idle++
		}
	}
}

// ConversationItem is one line of a user's conversation with the app:
// a message from the app, or the user's own action.
type ConversationItem struct {
	Dir  string    `json:"dir"` // in: from the app; out: the user's
	At   time.Time `json:"at"`
	Msg  *Received `json:"msg,omitempty"`
	Sent *Sent     `json:"sent,omitempty"`
}

// order is the sandbox sequence number the item was made under: message
// ids are "sbx" and that number.
func (it ConversationItem) order() int64 {
	if it.Sent != nil {
		return it.Sent.Seq
	}
	n, _ := strconv.ParseInt(strings.TrimPrefix(it.Msg.MsgID, "sbx"), 10, 64)
	return n
}

// Conversation merges what user received and did, in the order it happened.
func (c *Corp) Conversation(user string) []ConversationItem {
	var out []ConversationItem
	for _, m := range c.Messages(user) {
		out = append(out, ConversationItem{Dir: "in", At: m.At, Msg: &m})
	}
	for _, s := range c.SentBy(user) {
		out = append(out, ConversationItem{Dir: "out", At: s.At, Sent: &s})
	}
	slices.SortStableFunc(out, func(a, b ConversationItem) int { return cmp.Compare(a.order(), b.order()) })
	if out == nil {
		out = []ConversationItem{}
	}
	return out
}

func (wc *WebChat) serveConversation(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, wc.c.Conversation(r.PathValue("user")))
}

// serveRead takes a tab's word that the user has seen their first n
// messages (body: {"messages": n}): the tab showed them in the open
// conversation. The read mark is the user's, so every tab's badges agree.
func (wc *WebChat) serveRead(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Messages int `json:"messages"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<10)).Decode(&body); err != nil || body.Messages < 0 {
		http.Error(w, `body must be {"messages": n}`, http.StatusBadRequest)
		return
	}
	wc.c.MarkRead(r.PathValue("user"), body.Messages)
	writeJSON(w, map[string]any{"ok": true, "unread": wc.c.Unread(r.PathValue("user"))})
}

func (wc *WebChat) serveTraffic(w http.ResponseWriter, r *http.Request) {
	var after int64
	fmt.Sscan(r.URL.Query().Get("after"), &after)
	writeJSON(w, wc.c.Traffic(after))
}

type followerView struct {
	Configured bool             `json:"configured"`
	Account    string           `json:"account,omitempty"`
	Follower   string           `json:"follower,omitempty"`
	Notices    []FollowerNotice `json:"notices"`
}

func (wc *WebChat) serveFollower(w http.ResponseWriter, r *http.Request) {
	out := followerView{Notices: []FollowerNotice{}}
	if f := wc.cfg.Follower; f != nil {
		out.Configured, out.Account, out.Follower = true, f.Account, f.Follower
		if f.Notices != nil {
			out.Notices = append(out.Notices, f.Notices()...)
		}
	}
	writeJSON(w, out)
}

func (wc *WebChat) serveFollowerText(w http.ResponseWriter, r *http.Request) {
	f := wc.cfg.Follower
	if f == nil || f.Send == nil {
		http.Error(w, "公众号未配置", http.StatusNotFound)
		return
	}
	text, ok := readText(w, r)
	if !ok {
		return
	}
	if err := f.Send(r.Context(), text); err != nil {
		http.Error(w, "sending to the 公众号 failed: "+err.Error(), http.StatusBadGateway)
		return
	}
	writeJSON(w, map[string]any{"ok": true})
}

// serveReset clears the bot's data (through the configured Reset) and
// then the sandbox, so nothing the bot still sends refers to old forms.
func (wc *WebChat) serveReset(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	if wc.cfg.Reset != nil {
		if err := wc.cfg.Reset(ctx); err != nil {
			http.Error(w, "reset failed: "+err.Error(), http.StatusInternalServerError)
			return
		}
	}
	// The generation first: the page hears of the reset through the
	// corp's change, and must then see the new generation.
	wc.gen.Add(1)
	wc.c.Reset()
	writeJSON(w, map[string]any{"ok": true, "generation": wc.gen.Load()})
}

// serveMedia shows a picture a user sent, in their own conversation: the
// client's copy, which does not expire like the media_id.
func (wc *WebChat) serveMedia(w http.ResponseWriter, r *http.Request) {
	wc.c.mu.Lock()
	m, ok := wc.c.media[r.PathValue("id")]
	wc.c.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", m.contentType)
	w.Write(m.content)
}
