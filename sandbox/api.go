package sandbox

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zwgk-bot/zwgk/bot"
)

// WeCom errcodes the sandbox answers with.
const (
	errInvalidCredential = 40001
	errInvalidCorpID     = 40013
	errInvalidToken      = 40014
	errTokenExpired      = 42001
	errInvalidAgent      = 40056
	errInvalidCharset    = 40033
	errBadJSON           = 47001
	errNoValidUser       = 81013
	// Cards, from WeCom's error-code page 90313 as crawled in
	// xen0n/go-workwx errcodes: 42014 「任务卡片消息的task_id不合法」, whose
	// errmsg reads "card taskid has existed or empty or exceed max len" —
	// a repeated task_id answers it too (42013 is 小程序未登陆, nothing to
	// do with cards); 60140 「无效的response_code」 (可能是response_code已经
	// 过期): unknown, used or expired; 42015 「更新的消息的应用与发送消息的
	// 应用不匹配」: the code belongs to another app's card.
	errInvalidTaskID    = 42014
	errInvalidCode      = 60140
	errCodeOfAnotherApp = 42015
)

const (
	tokenLifetime        = 7200 * time.Second
	responseCodeLifetime = 72 * time.Hour
)

// Handler serves WeCom's server API under /cgi-bin/.
func (s *Sandbox) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cgi-bin/gettoken", s.getToken)
	mux.HandleFunc("POST /cgi-bin/message/send", s.withToken("message/send", (*Corp).apiSend))
	mux.HandleFunc("POST /cgi-bin/message/update_template_card", s.withToken("message/update_template_card", (*Corp).apiUpdateCard))
	mux.HandleFunc("POST /cgi-bin/menu/create", s.withToken("menu/create", (*Corp).apiCreateMenu))
	mux.HandleFunc("GET /cgi-bin/media/get", s.withToken("media/get", (*Corp).apiGetMedia))
	mux.HandleFunc("GET /cgi-bin/auth/getuserinfo", s.withToken("auth/getuserinfo", (*Corp).apiGetUserInfo))
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(v)
}

// writeCardErr answers a card's first broken rule with its errcode (see
// bot.CardError for the codes and their source).
func writeCardErr(w http.ResponseWriter, err error) {
	var ce *bot.CardError
	if !errors.As(err, &ce) {
		writeErr(w, errBadJSON, "invalid template_card: "+err.Error())
		return
	}
	writeErr(w, ce.Code, "invalid template_card: "+ce.Msg)
}

func writeErr(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, map[string]any{"errcode": code, "errmsg": msg})
}

// writeErrInvalidCharset refuses a body with a \uXXXX escape as WeCom and
// the 公众号 do: errcode 40033 「不合法的请求字符，不能包含\uxxxx格式的字符」
// (WeCom's error-code page 90313, crawled in xen0n/go-workwx errcodes;
// binarywang/WxJava WxMpErrorMsgEnum for the 公众号), with the errmsg
// WeChat gives (seen in budjb/http-requests issue 4). The pages say any
// \uXXXX; WeCom's message/send has been seen to accept Chinese escapes and
// show them literally (httprunner/httprunner issue 83), which is no better,
// so the sandbox refuses every one, the stricter reading.
func writeErrInvalidCharset(w http.ResponseWriter) {
	writeErr(w, errInvalidCharset, "invalid charset. please check your request, if include \\uxxxx will create fail!")
}

func (s *Sandbox) getToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c, ok := s.Corp(q.Get("corpid"))
	if !ok {
		writeErr(w, errInvalidCorpID, "invalid corpid")
		return
	}
	tw := &trafficWriter{ResponseWriter: w}
	w = tw
	defer c.recordAPI("gettoken", r, nil, tw)
	c.mu.Lock()
	c.tokenFetches++
	fail := c.takeFault("gettoken")
	c.mu.Unlock()
	if fail != nil {
		fail.write(w)
		return
	}
	if q.Get("corpsecret") != c.cfg.Secret {
		writeErr(w, errInvalidCredential, "invalid credential")
		return
	}
	tok := randomHex(32)
	s.mu.Lock()
	s.tokens[tok] = &issuedToken{corp: c, expires: s.Now().Add(tokenLifetime)}
	s.mu.Unlock()
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "access_token": tok, "expires_in": int(tokenLifetime.Seconds())})
}

// withToken resolves the access_token to its corp and hands the request on.
func (s *Sandbox) withToken(api string, h func(c *Corp, w http.ResponseWriter, r *http.Request, body []byte)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("access_token")
		s.mu.Lock()
		it, ok := s.tokens[tok]
		now := s.Now()
		s.mu.Unlock()
		if !ok {
			writeErr(w, errInvalidToken, "invalid access_token")
			return
		}
		if now.After(it.expires) {
			writeErr(w, errTokenExpired, "access_token expired")
			return
		}
		c := it.corp
		tw := &trafficWriter{ResponseWriter: w}
		w = tw
		var body []byte
		defer func() { c.recordAPI(api, r, body, tw) }()
		c.mu.Lock()
		c.apiCalls[api]++
		fail := c.takeFault(api)
		c.mu.Unlock()
		if fail != nil && fail.delay == 0 {
			fail.write(w)
			return
		}
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, 2<<20))
		if err != nil {
			writeErr(w, errBadJSON, "cannot read body")
			return
		}
		if bot.HasUnicodeEscape(body) {
			writeErrInvalidCharset(w)
			return
		}
		if c.takeDrop(api, body) {
			answerDropped(tw.ResponseWriter, func(w http.ResponseWriter) { h(c, w, r, body) })
			return
		}
		if fail != nil {
			answerLate(w, fail.delay, func(w http.ResponseWriter) { h(c, w, r, body) })
			return
		}
		h(c, w, r, body)
	}
}

// sendRequest is message/send as WeCom parses it: agentid must be a number.
type sendRequest struct {
	ToUser       string            `json:"touser"`
	MsgType      string            `json:"msgtype"`
	AgentID      json.RawMessage   `json:"agentid"`
	Text         *bot.TextContent  `json:"text"`
	TemplateCard *bot.TemplateCard `json:"template_card"`

	EnableDuplicateCheck   int `json:"enable_duplicate_check"`
	DuplicateCheckInterval int `json:"duplicate_check_interval"`
}

func (c *Corp) apiSend(w http.ResponseWriter, r *http.Request, body []byte) {
	var req sendRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeErr(w, errBadJSON, "data format error: "+err.Error())
		return
	}
	if !c.isAgent(req.AgentID) {
		writeErr(w, errInvalidAgent, "invalid agentid")
		return
	}
	truncated := false
	switch req.MsgType {
	case "text":
		if req.Text == nil || req.Text.Content == "" {
			writeErr(w, errBadJSON, "text.content is required")
			return
		}
		// 「消息内容，最长不超过2048个字节，超过将截断」 (WeCom's message/send
		// document 90236, as quoted in binarywang/WxJava's
		// TextMessageBuilder): a longer text is cut, not refused. Where it
		// cuts inside a character the documents do not say; the sandbox
		// cuts at the last whole one and marks the message Truncated, so a
		// test sees what the member would have lost.
		if len(req.Text.Content) > bot.MaxTextBytes {
			cut := bot.MaxTextBytes
			for cut > 0 && !utf8.RuneStart(req.Text.Content[cut]) {
				cut--
			}
			req.Text.Content, truncated = req.Text.Content[:cut], true
		}
	case "template_card":
		if req.TemplateCard == nil {
			writeErr(w, errBadJSON, "template_card is required")
			return
		}
		if !bot.ValidTaskID(req.TemplateCard.TaskID) && req.TemplateCard.CardType != bot.CardTextNotice {
			writeErr(w, errInvalidTaskID, "card taskid has existed or empty or exceed max len , please check the task id is valid")
			return
		}
		if err := req.TemplateCard.Validate(); err != nil {
			writeCardErr(w, err)
			return
		}
	default:
		writeErr(w, errBadJSON, "msgtype not supported by the sandbox: "+req.MsgType)
		return
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	// A repeated task_id is refused before the duplicate check could
	// absorb the repeat: WeCom's documents do not say which comes first,
	// and this is the stricter order (the repeat learns nothing of the
	// first send, not even its response_code).
	if req.TemplateCard != nil && req.TemplateCard.TaskID != "" && c.taskIDs[req.TemplateCard.TaskID] {
		writeErr(w, errInvalidTaskID, "card taskid has existed or empty or exceed max len , please check the task id is valid")
		return
	}
	if c.answerDuplicateLocked(w, req, body) {
		return
	}
	var valid, invalid []string
	for _, u := range strings.Split(req.ToUser, "|") {
		if u == "" {
			continue
		}
		if len(c.users) > 0 && !c.users[u] {
			invalid = append(invalid, u)
			continue
		}
		valid = append(valid, u)
	}
	if len(valid) == 0 {
		writeErr(w, errNoValidUser, "all touser invalid")
		return
	}
	var code string
	if req.TemplateCard != nil && req.TemplateCard.TaskID != "" {
		c.taskIDs[req.TemplateCard.TaskID] = true
		if req.TemplateCard.CardType != bot.CardTextNotice {
			code = c.issueCode(req.TemplateCard.TaskID, valid)
		}
	}
	msgID := "sbx" + strconv.FormatInt(c.sb.seqLocked(), 10)
	for _, u := range valid {
		rec := &Received{MsgID: msgID, At: c.sb.Now(), MsgType: req.MsgType, ResponseCode: code, Truncated: truncated}
		if req.Text != nil {
			rec.Text = req.Text.Content
		}
		if req.TemplateCard != nil {
			card := *req.TemplateCard
			card.ButtonList = append([]bot.CardButton(nil), card.ButtonList...)
			rec.Card = &card
		}
		c.deliver(u, rec)
	}
	c.rememberSentLocked(req, body, msgID, code, strings.Join(invalid, "|"))
	writeJSON(w, map[string]any{
		"errcode": 0, "errmsg": "ok", "msgid": msgID, "response_code": code,
		"invaliduser": strings.Join(invalid, "|"),
	})
}

func (c *Corp) apiUpdateCard(w http.ResponseWriter, r *http.Request, body []byte) {
	var req struct {
		UserIDs      []string          `json:"userids"`
		AtAll        int               `json:"atall"`
		AgentID      json.RawMessage   `json:"agentid"`
		ResponseCode string            `json:"response_code"`
		Button       *bot.ReplaceName  `json:"button"`
		TemplateCard *bot.TemplateCard `json:"template_card"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeErr(w, errBadJSON, "data format error: "+err.Error())
		return
	}
	if !c.isAgent(req.AgentID) {
		writeErr(w, errInvalidAgent, "invalid agentid")
		return
	}
	if (req.Button == nil) == (req.TemplateCard == nil) {
		writeErr(w, errBadJSON, "exactly one of button and template_card is required")
		return
	}
	if req.TemplateCard != nil {
		if err := req.TemplateCard.Validate(); err != nil {
			writeCardErr(w, err)
			return
		}
	}
	if len(req.UserIDs) == 0 && req.AtAll != 1 {
		writeErr(w, errNoValidUser, "userids or atall is required")
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	rc, ok := c.codes[req.ResponseCode]
	switch {
	case !ok && c.sb.codeOfOtherCorp(c, req.ResponseCode):
		writeErr(w, errCodeOfAnotherApp, "the card was sent by another app")
		return
	case !ok:
		writeErr(w, errInvalidCode, "invalid response_code")
		return
	case rc.used:
		writeErr(w, errInvalidCode, "response_code has been used")
		return
	case c.sb.Now().After(rc.issued.Add(responseCodeLifetime)):
		writeErr(w, errInvalidCode, "response_code expired")
		return
	}
	rc.used = true
	targets := req.UserIDs
	if req.AtAll == 1 {
		targets = rc.users
	}
	for _, u := range targets {
		for _, rec := range c.inbox[u] {
			if rec.Card == nil || rec.Card.TaskID != rc.taskID {
				continue
			}
			if req.Button != nil {
				rec.ReplacedButton = req.Button.ReplaceName
			} else {
				card := *req.TemplateCard
				rec.Card = &card
				rec.ReplacedButton = ""
			}
			rec.Updates++
		}
	}
	c.notifyLocked()
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
}

func (c *Corp) apiCreateMenu(w http.ResponseWriter, r *http.Request, body []byte) {
	if id, err := strconv.ParseInt(r.URL.Query().Get("agentid"), 10, 64); err != nil || id != c.cfg.AgentID {
		writeErr(w, errInvalidAgent, "invalid agentid")
		return
	}
	var m bot.Menu
	if err := json.Unmarshal(body, &m); err != nil {
		writeErr(w, errBadJSON, "data format error: "+err.Error())
		return
	}
	if code, msg := bot.CheckMenu(m); code != 0 {
		writeErr(w, code, msg)
		return
	}
	c.mu.Lock()
	c.menu = &m
	c.notifyLocked()
	c.mu.Unlock()
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
}

func (s *Sandbox) seqLocked() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nextSeq()
}

// isAgent reports whether raw is this app's agentid as a JSON integer (a
// string is refused, as WeCom's documents type it as an integer).
func (c *Corp) isAgent(raw json.RawMessage) bool {
	id, err := strconv.ParseInt(string(raw), 10, 64)
	return err == nil && id == c.cfg.AgentID
}
