package sandbox

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// MaxTraffic is how many protocol exchanges a corp keeps for the page's
// log; older ones are dropped first.
const MaxTraffic = 500

// maxSent bounds what the page remembers of one user's own actions.
const maxSent = 1000

// maxLogged bounds the body of a request or answer kept in the log.
const maxLogged = 64 << 10

// Traffic directions.
const (
	DirCallback = "callback" // the sandbox (as WeCom) posted to the bot
	DirAPI      = "api"      // the bot called the sandbox's server API
)

// TrafficEntry is one exchange on the wire, decrypted: a callback the
// sandbox posted or an API call the bot made.
type TrafficEntry struct {
	Seq      int64     `json:"seq"`
	At       time.Time `json:"at"`
	Dir      string    `json:"dir"`
	Method   string    `json:"method"`
	Path     string    `json:"path"` // with the query, secrets and tokens shortened
	User     string    `json:"user,omitempty"`
	Summary  string    `json:"summary"`
	Request  string    `json:"request,omitempty"` // decrypted XML or the JSON body
	Status   int       `json:"status,omitempty"`  // HTTP status of the answer
	Response string    `json:"response,omitempty"`
	Errcode  *int      `json:"errcode,omitempty"`
	Attempt  int       `json:"attempt,omitempty"` // callbacks: WeCom's retry number
	Error    string    `json:"error,omitempty"`
}

// Sent is something a user did in the client: a text they typed, or a
// click, shown on their side of the conversation. Seq counts with the
// sandbox's message ids, so that the two sides interleave exactly even
// when the sandbox's clock stands still.
type Sent struct {
	Seq  int64     `json:"seq"`
	At   time.Time `json:"at"`
	Kind string    `json:"kind"` // text, image, click, menu, enter
	Text string    `json:"text"`
	Key  string    `json:"key,omitempty"` // the menu or button key, an image's media_id
}

// trafficLog is the corp's record for the page. Its zero value is ready;
// it has its own lock so that recording never waits for the corp's.
type trafficLog struct {
	mu      sync.Mutex
	seq     int64
	entries []TrafficEntry // oldest first, at most MaxTraffic
	sent    map[string][]Sent
	// read is how many of each user's messages the user has seen: the
	// client's read mark, which WeCom keeps for the account, not for one
	// device, so every tab of the page shows the same unread badges.
	read    map[string]int
	changed chan struct{}
}

// changedLocked returns the channel closed at the next change.
func (l *trafficLog) changedLocked() chan struct{} {
	if l.changed == nil {
		l.changed = make(chan struct{})
	}
	return l.changed
}

func (l *trafficLog) notifyLocked() {
	if l.changed != nil {
		close(l.changed)
		l.changed = nil
	}
}

func (l *trafficLog) add(e TrafficEntry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	e.Seq = l.seq
	l.entries = append(l.entries, e)
	if n := len(l.entries) - MaxTraffic; n > 0 {
		l.entries = slices.Delete(l.entries, 0, n)
	}
	l.notifyLocked()
}

func (l *trafficLog) addSent(user string, s Sent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sent == nil {
		l.sent = map[string][]Sent{}
	}
	l.sent[user] = append(l.sent[user], s)
	if n := len(l.sent[user]) - maxSent; n > 0 {
		l.sent[user] = slices.Delete(l.sent[user], 0, n)
	}
	l.notifyLocked()
}

func (l *trafficLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = nil
	l.sent = nil
	l.read = nil
	l.notifyLocked()
}

// MarkRead records that user has seen their first n messages. A mark
// never moves back (a tab that loaded the conversation earlier may report
// late) and never past what the user has received.
func (c *Corp) MarkRead(user string, n int) {
	have := len(c.Messages(user))
	l := &c.traffic
	l.mu.Lock()
	defer l.mu.Unlock()
	n = min(n, have)
	if n <= l.read[user] {
		return
	}
	if l.read == nil {
		l.read = map[string]int{}
	}
	l.read[user] = n
	l.notifyLocked()
}

// Unread is how many of user's messages the user has not seen.
func (c *Corp) Unread(user string) int {
	have := len(c.Messages(user))
	l := &c.traffic
	l.mu.Lock()
	defer l.mu.Unlock()
	return max(0, have-l.read[user])
}

// Traffic returns the recorded exchanges with a sequence number above
// after, newest first.
func (c *Corp) Traffic(after int64) []TrafficEntry {
	l := &c.traffic
	l.mu.Lock()
	defer l.mu.Unlock()
	out := []TrafficEntry{}
	for i := len(l.entries) - 1; i >= 0 && l.entries[i].Seq > after; i-- {
		out = append(out, l.entries[i])
	}
	return out
}

// SentBy returns what user did in the client, oldest first.
func (c *Corp) SentBy(user string) []Sent {
	l := &c.traffic
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.sent[user])
}

// recordAction remembers a user's action for their side of the
// conversation. Card clicks are described with the button's text, looked
// up in what the user holds, as the client shows it.
func (c *Corp) recordAction(m callbackXML) {
	s := Sent{At: c.sb.Now(), Seq: c.sb.seqLocked()}
	ev := ""
	if m.Event != nil {
		ev = m.Event.Value
	}
	key := ""
	if m.EventKey != nil {
		key = m.EventKey.Value
	}
	switch {
	case m.MsgType.Value == "text" && m.Content != nil:
		s.Kind, s.Text = "text", m.Content.Value
	case m.MsgType.Value == "image" && m.MediaID != nil:
		s.Kind, s.Text, s.Key = "image", "[图片]", m.MediaID.Value
	case ev == "enter_agent":
		s.Kind, s.Text = "enter", "进入应用"
	case ev == "click":
		s.Kind, s.Text, s.Key = "menu", "点击菜单「"+c.menuName(key)+"」", key
	case ev == "template_card_event" && m.TaskID != nil:
		s.Kind, s.Text, s.Key = "click", "点击「"+c.buttonText(m.FromUserName.Value, m.TaskID.Value, key, m.SelectedItems)+"」", key
	default:
		return
	}
	c.traffic.addSent(m.FromUserName.Value, s)
}

// menuName finds a menu key's label in the menu the app created, if any.
func (c *Corp) menuName(key string) string {
	if m := c.Menu(); m != nil {
		for _, b := range m.Buttons {
			if b.Key == key {
				return b.Name
			}
			for _, sb := range b.SubButton {
				if sb.Key == key {
					return sb.Name
				}
			}
		}
	}
	return key
}

// buttonText names a clicked button, with the chosen options of a vote.
func (c *Corp) buttonText(user, taskID, key string, sel *selectedItems) string {
	msgs := c.Messages(user)
	for i := len(msgs) - 1; i >= 0; i-- {
		card := msgs[i].Card
		if card == nil || card.TaskID != taskID {
			continue
		}
		for _, b := range card.ButtonList {
			if b.Key == key {
				return b.Text
			}
		}
		if card.SubmitButton != nil && card.SubmitButton.Key == key {
			text := card.SubmitButton.Text
			if sel != nil && card.Checkbox != nil {
				var chosen []string
				for _, it := range sel.Items {
					for _, id := range it.OptionIDs {
						for _, o := range card.Checkbox.OptionList {
							if o.ID == id.Value {
								chosen = append(chosen, o.Text)
							}
						}
					}
				}
				if len(chosen) > 0 {
					text += "：" + strings.Join(chosen, "、")
				}
			}
			return text
		}
	}
	return key
}

// recordCallback logs one attempt at posting a callback.
func (c *Corp) recordCallback(plain []byte, query url.Values, attempt, status int, err error) {
	var m callbackXML
	xml.Unmarshal(plain, &m) // malformed test content is logged as it is
	summary := m.MsgType.Value
	if m.Content != nil {
		summary += " " + clipRunes(m.Content.Value, 40)
	}
	if m.Event != nil {
		summary += " " + m.Event.Value
	}
	if m.EventKey != nil && m.EventKey.Value != "" {
		summary += " " + m.EventKey.Value
	}
	e := TrafficEntry{
		At: c.sb.Now(), Dir: DirCallback, Method: http.MethodPost,
		Path:    callbackPath(c.cfg.CallbackURL, query),
		User:    m.FromUserName.Value,
		Summary: strings.TrimSpace(summary),
		Request: indentXML(string(plain)), Status: status, Attempt: attempt,
	}
	if err != nil {
		e.Error = err.Error()
	}
	c.traffic.add(e)
}

func callbackPath(callbackURL string, q url.Values) string {
	p := callbackURL
	if u, err := url.Parse(callbackURL); err == nil {
		p = u.Path
	}
	return p + "?" + q.Encode()
}

// recordAPI logs one call of the server API and the sandbox's answer.
func (c *Corp) recordAPI(api string, r *http.Request, body []byte, tw *trafficWriter) {
	// Bodies may be up to 2 MiB; the log keeps what a person would read.
	body = body[:min(len(body), maxLogged)]
	e := TrafficEntry{
		At: c.sb.Now(), Dir: DirAPI, Method: r.Method,
		Path:     r.URL.Path + "?" + maskQuery(r.URL.Query()),
		Summary:  api,
		Request:  indentJSON(body),
		Status:   tw.status,
		Response: indentJSON(tw.buf.Bytes()),
	}
	if e.Status == 0 {
		e.Status = http.StatusOK
	}
	if h := tw.Header(); h.Get("Content-Disposition") != "" {
		e.Response = fmt.Sprintf("Content-Type: %s\nContent-disposition: %s\n（文件内容 %d 字节）", h.Get("Content-Type"), h.Get("Content-Disposition"), tw.file)
	}
	var ans struct {
		Errcode *int   `json:"errcode"`
		Token   string `json:"access_token"`
	}
	if json.Unmarshal(tw.buf.Bytes(), &ans) == nil {
		e.Errcode = ans.Errcode
		if ans.Token != "" {
			// The token is a credential: show enough to tell tokens apart.
			e.Response = strings.Replace(e.Response, ans.Token, shorten(ans.Token), 1)
		}
	}
	var req struct {
		ToUser  string   `json:"touser"`
		UserIDs []string `json:"userids"`
		MsgType string   `json:"msgtype"`
	}
	if json.Unmarshal(body, &req) == nil {
		to := req.ToUser
		if to == "" {
			to = strings.Join(req.UserIDs, "|")
		}
		if req.MsgType != "" {
			e.Summary += " " + req.MsgType
		}
		if to != "" {
			e.Summary += " → " + to
		}
	}
	c.traffic.add(e)
}

// maskQuery hides the secret and shortens the access token of a query.
func maskQuery(q url.Values) string {
	out := url.Values{}
	for k, vs := range q {
		for _, v := range vs {
			switch k {
			case "corpsecret":
				v = "***"
			case "access_token":
				v = shorten(v)
			}
			out.Add(k, v)
		}
	}
	s, err := url.QueryUnescape(out.Encode())
	if err != nil {
		return out.Encode()
	}
	return s
}

func shorten(s string) string {
	if len(s) <= 8 {
		return s
	}
	return s[:6] + "…"
}

func clipRunes(s string, n int) string {
	r := []rune(strings.ReplaceAll(s, "\n", " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}

// trafficWriter keeps a copy of what a handler answered.
type trafficWriter struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
	file   int // bytes of a file served (media/get), which the log does not keep
}

func (w *trafficWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

func (w *trafficWriter) Write(p []byte) (int, error) {
	if w.Header().Get("Content-Disposition") != "" {
		w.file += len(p)
		return w.ResponseWriter.Write(p)
	}
	if n := maxLogged - w.buf.Len(); n > 0 {
		w.buf.Write(p[:min(len(p), n)])
	}
	return w.ResponseWriter.Write(p)
}

func indentJSON(b []byte) string {
	var out bytes.Buffer
	if json.Indent(&out, bytes.TrimSpace(b), "", "  ") != nil {
		return string(b)
	}
	return out.String()
}

var xmlToken = regexp.MustCompile(`(?s)<!\[CDATA\[.*?\]\]>|<[^>]*>|[^<]+`)

// indentXML puts each element of a callback on its own line. It keeps the
// CDATA sections as they are on the wire, which encoding/xml would not.
func indentXML(s string) string {
	toks := xmlToken.FindAllString(s, -1)
	var b strings.Builder
	depth := 0
	isOpen := func(t string) bool {
		return strings.HasPrefix(t, "<") && !strings.HasPrefix(t, "</") && !strings.HasPrefix(t, "<![CDATA[") &&
			!strings.HasPrefix(t, "<?") && !strings.HasSuffix(t, "/>")
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case isOpen(t) && i+2 < len(toks) && !strings.HasPrefix(toks[i+1], "<") || isOpen(t) && i+2 < len(toks) && strings.HasPrefix(toks[i+1], "<![CDATA["):
			// <Tag>text</Tag> stays on one line.
			if strings.HasPrefix(toks[i+2], "</") {
				b.WriteString(strings.Repeat("  ", depth) + t + toks[i+1] + toks[i+2] + "\n")
				i += 2
				continue
			}
			b.WriteString(strings.Repeat("  ", depth) + t + "\n")
			depth++
		case isOpen(t):
			b.WriteString(strings.Repeat("  ", depth) + t + "\n")
			depth++
		case strings.HasPrefix(t, "</"):
			depth = max(0, depth-1)
			b.WriteString(strings.Repeat("  ", depth) + t + "\n")
		default:
			if strings.TrimSpace(t) != "" {
				b.WriteString(strings.Repeat("  ", depth) + t + "\n")
			}
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// LogAPI wraps another server API the bot calls in the demo (the
// 公众号's) so that its calls show in this corp's protocol log too, their
// summaries starting with label.
func (c *Corp) LogAPI(label string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 2<<20))
		if err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		tw := &trafficWriter{ResponseWriter: w}
		h.ServeHTTP(tw, r)
		api := label + " " + strings.TrimPrefix(r.URL.Path, "/cgi-bin/")
		// stable_token carries the AppSecret in its body: never in the log.
		c.recordAPI(api, r, bodySecret.ReplaceAll(body, []byte(`"secret":"***"`)), tw)
	})
}

var bodySecret = regexp.MustCompile(`"secret"\s*:\s*"[^"]*"`)
