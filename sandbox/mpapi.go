package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zwgk-bot/zwgk/bot"
)

// 公众号 errcodes the sandbox answers with.
const (
	mpErrInvalidCredential = 40001
	mpErrInvalidOpenID     = 40003
	mpErrInvalidAppID      = 40013
	mpErrInvalidTemplate   = 40037
	mpErrInvalidSecret     = 40125
	mpErrTokenExpired      = 42001
	mpErrRequireSubscribe  = 43004
	mpErrOutOfTime         = 45015
	mpErrNoMassQuota       = 45028
	mpErrDuplicateMass     = 45065
	mpErrInvalidTag        = 45159
	mpErrDataFormat        = 47001
	mpErrArgumentInvalid   = 47003
	mpErrAPIUnauthorized   = 48001
)

// The 群发 quotas, from 微信开放文档 群发接口和原创校验
// (developers.weixin.qq.com/doc/offiaccount/Message_Management/Batch_Sends_and_Originality_Checks.html;
// the same in doc/service/guide/product/message/Batch_Sends.html):
//
//   - 「对于认证订阅号，群发接口每天可成功调用1次」: a second send the same
//     day answers 45028 「has no masssend quota」 (the global return codes,
//     没有群发配额; seen answered to sendall in the 微信开放社区). The page
//     does not say whether a tag send counts like is_to_all; the sandbox
//     counts every send, the stricter reading.
//   - 服务号: 「用户每月只能接收4条……多于4条的群发将对该用户发送失败」.
//     The call itself succeeds: the follower is filtered out, which only
//     the MASSSENDJOBFINISH event's FilterCount shows (chanxuehong/wechat
//     mp/message/mass: 「用户接收已超4条的过滤」). So a fifth 群发 in a month
//     answers errcode 0 and reaches nobody who had the four.
//   - 服务号, is_to_all: 「一个月内……is_to_all为true群发的次数……最多只能是4次」;
//     the fifth answers 45028, as the community reports for is_to_all.
//
// 「自然月」 and 「每天」 are not given a time zone; WeChat's are Beijing
// time (UTC+8, no daylight saving since 1991), which chinaTime is.
const (
	mpMassPerFollowerMonth = 4
	mpMassToAllMonth       = 4
	mpMassSubscriptionDay  = 1
)

var chinaTime = time.FixedZone("CST", 8*60*60)

// Handler serves the 公众号 server API under /cgi-bin/: token,
// stable_token, template and 客服 messages, tags and mass sending.
func (m *MP) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cgi-bin/token", m.apiToken)
	mux.HandleFunc("POST /cgi-bin/stable_token", m.apiStableToken)
	mux.HandleFunc("POST /cgi-bin/message/template/send", m.withToken("message/template/send", (*MP).apiTemplateSend))
	mux.HandleFunc("POST /cgi-bin/message/custom/send", m.withToken("message/custom/send", (*MP).apiCustomSend))
	mux.HandleFunc("POST /cgi-bin/message/mass/sendall", m.withToken("message/mass/sendall", (*MP).apiMassSend))
	mux.HandleFunc("POST /cgi-bin/tags/create", m.withToken("tags/create", (*MP).apiTagCreate))
	mux.HandleFunc("POST /cgi-bin/tags/members/batchtagging", m.withToken("tags/members/batchtagging", (*MP).apiTag))
	mux.HandleFunc("POST /cgi-bin/tags/members/batchuntagging", m.withToken("tags/members/batchuntagging", (*MP).apiUntag))
	return mux
}

// tokenFault counts a token call and returns its injected fault, if any.
func (m *MP) tokenFault(api string) *fault {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tokenFetches++
	return m.takeFaultLocked(api)
}

// issueLocked hands out a fresh token; the ones before it stay valid for
// mpTokenOverlap. m.mu must be held.
func (m *MP) issueLocked() (string, time.Duration) {
	now := m.sb.Now()
	for tok, exp := range m.tokens {
		if exp.After(now.Add(mpTokenOverlap)) {
			m.tokens[tok] = now.Add(mpTokenOverlap)
		}
	}
	tok := randomHex(32)
	m.tokens[tok] = now.Add(mpTokenLifetime)
	return tok, mpTokenLifetime
}

func (m *MP) apiToken(w http.ResponseWriter, r *http.Request) {
	if fail := m.tokenFault("token"); fail != nil {
		fail.write(w)
		return
	}
	q := r.URL.Query()
	if q.Get("appid") != m.cfg.AppID {
		writeErr(w, mpErrInvalidAppID, "invalid appid")
		return
	}
	if q.Get("secret") != m.cfg.Secret {
		writeErr(w, mpErrInvalidSecret, "invalid appsecret")
		return
	}
	m.mu.Lock()
	tok, ttl := m.issueLocked()
	m.mu.Unlock()
	writeJSON(w, map[string]any{"access_token": tok, "expires_in": int(ttl.Seconds())})
}

// apiStableToken is WeChat's stable token: the same token until it
// expires, unless force_refresh asks for a new one.
func (m *MP) apiStableToken(w http.ResponseWriter, r *http.Request) {
	if fail := m.tokenFault("stable_token"); fail != nil {
		fail.write(w)
		return
	}
	var req struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err == nil && bot.HasUnicodeEscape(body) {
		writeErrInvalidCharset(w)
		return
	}
	if err != nil || json.Unmarshal(body, &req) != nil || req.GrantType != "client_credential" {
		writeErr(w, mpErrDataFormat, "data format error")
		return
	}
	if req.AppID != m.cfg.AppID {
		writeErr(w, mpErrInvalidAppID, "invalid appid")
		return
	}
	if req.Secret != m.cfg.Secret {
		writeErr(w, mpErrInvalidSecret, "invalid appsecret")
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.sb.Now()
	if exp, ok := m.tokens[m.stable]; ok && !req.ForceRefresh && exp.After(now) {
		writeJSON(w, map[string]any{"access_token": m.stable, "expires_in": int(exp.Sub(now).Seconds())})
		return
	}
	tok, ttl := m.issueLocked()
	m.stable = tok
	writeJSON(w, map[string]any{"access_token": tok, "expires_in": int(ttl.Seconds())})
}

// withToken checks the access_token, counts the call, applies injected
// faults and hands the body on with m.mu held.
func (m *MP) withToken(api string, h func(m *MP, w http.ResponseWriter, body []byte)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("access_token")
		m.mu.Lock()
		exp, ok := m.tokens[tok]
		now := m.sb.Now()
		var fail *fault
		if ok && !now.After(exp) {
			m.apiCalls[api]++
			fail = m.takeFaultLocked(api)
		}
		m.mu.Unlock()
		switch {
		case !ok:
			writeErr(w, mpErrInvalidCredential, "invalid credential, access_token is invalid or not latest")
			return
		case now.After(exp):
			writeErr(w, mpErrTokenExpired, "access_token expired")
			return
		case fail != nil && fail.delay == 0:
			fail.write(w)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 2<<20))
		if err != nil {
			writeErr(w, mpErrDataFormat, "cannot read body")
			return
		}
		if bot.HasUnicodeEscape(body) {
			writeErrInvalidCharset(w)
			return
		}
		serve := func(w http.ResponseWriter) {
			m.mu.Lock()
			defer m.mu.Unlock()
			h(m, w, body)
		}
		if fail != nil {
			answerLate(w, fail.delay, serve)
			return
		}
		serve(w)
	}
}

// checkTemplateValue applies the keyword types of template messages since
// May 2023: thing ≤ 20 characters, character_string ≤ 32 letters, digits
// and symbols, phrase ≤ 5, name ≤ 10; no value may be empty.
func checkTemplateValue(key, v string) bool {
	n := utf8.RuneCountInString(v)
	switch {
	case v == "":
		return false
	case strings.HasPrefix(key, "thing"):
		return n <= 20
	case strings.HasPrefix(key, "character_string"):
		if n > 32 {
			return false
		}
		for _, r := range v {
			if r > 0x7e || r < 0x20 {
				return false
			}
		}
		return true
	case strings.HasPrefix(key, "phrase"):
		return n <= 5
	case strings.HasPrefix(key, "name"):
		return n <= 10
	}
	return n <= 200
}

// apiTemplateSend: m.mu is held.
func (m *MP) apiTemplateSend(w http.ResponseWriter, body []byte) {
	var req struct {
		ToUser      string `json:"touser"`
		TemplateID  string `json:"template_id"`
		URL         string `json:"url"`
		ClientMsgID string `json:"client_msg_id"`
		Data        map[string]struct {
			Value string `json:"value"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeErr(w, mpErrDataFormat, "data format error: "+err.Error())
		return
	}
	if m.cfg.Subscription {
		// Template messages are a 服务号's (模板消息 needs a 认证服务号).
		writeErr(w, mpErrAPIUnauthorized, "api unauthorized")
		return
	}
	if req.TemplateID == "" || len(m.cfg.Templates) > 0 && !slices.Contains(m.cfg.Templates, req.TemplateID) {
		writeErr(w, mpErrInvalidTemplate, "invalid template_id")
		return
	}
	if _, known := m.following[req.ToUser]; !known {
		writeErr(w, mpErrInvalidOpenID, "invalid openid")
		return
	}
	if !m.following[req.ToUser] {
		writeErr(w, mpErrRequireSubscribe, "require subscribe")
		return
	}
	data := map[string]string{}
	for k, v := range req.Data {
		if !checkTemplateValue(k, v.Value) {
			writeErr(w, mpErrArgumentInvalid, "argument invalid! data."+k+".value invalid")
			return
		}
		data[k] = v.Value
	}
	now := m.sb.Now()
	dedup := req.ToUser + "\x00" + req.ClientMsgID
	if prev, ok := m.templateSent[dedup]; ok && req.ClientMsgID != "" && now.Sub(prev.at) < mpClientMsgWindow {
		m.apiCalls["message/template/send:duplicate"]++
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": prev.msgID})
		return
	}
	id := m.nextIDLocked()
	if req.ClientMsgID != "" {
		m.templateSent[dedup] = mpSent{at: now, msgID: id}
	}
	m.deliverLocked(req.ToUser, &MPReceived{MsgID: id, At: now, Kind: "template", TemplateID: req.TemplateID, Data: data, URL: req.URL})
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": id})
}

// apiCustomSend: 客服消息, text only. m.mu is held.
func (m *MP) apiCustomSend(w http.ResponseWriter, body []byte) {
	var req struct {
		ToUser  string `json:"touser"`
		MsgType string `json:"msgtype"`
		Text    *struct {
			Content string `json:"content"`
		} `json:"text"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.MsgType != "text" || req.Text == nil || req.Text.Content == "" {
		writeErr(w, mpErrDataFormat, "data format error")
		return
	}
	following, known := m.following[req.ToUser]
	switch {
	case !known:
		writeErr(w, mpErrInvalidOpenID, "invalid openid")
		return
	case !following:
		writeErr(w, mpErrRequireSubscribe, "require subscribe")
		return
	case m.sb.Now().Sub(m.lastActive[req.ToUser]) > mpCustomWindow:
		writeErr(w, mpErrOutOfTime, "response out of time limit or subscription is canceled")
		return
	}
	m.deliverLocked(req.ToUser, &MPReceived{MsgID: m.nextIDLocked(), At: m.sb.Now(), Kind: "text", Text: req.Text.Content})
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
}

// apiMassSend: a text to every follower with a tag (or to all). A second
// send with the same clientmsgid answers 45065 with the first's msg_id.
// m.mu is held.
func (m *MP) apiMassSend(w http.ResponseWriter, body []byte) {
	var req struct {
		Filter struct {
			IsToAll bool  `json:"is_to_all"`
			TagID   int64 `json:"tag_id"`
		} `json:"filter"`
		MsgType string `json:"msgtype"`
		Text    *struct {
			Content string `json:"content"`
		} `json:"text"`
		ClientMsgID string `json:"clientmsgid"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.MsgType != "text" || req.Text == nil || req.Text.Content == "" {
		writeErr(w, mpErrDataFormat, "data format error (the sandbox sends text only)")
		return
	}
	if id, ok := m.massSent[req.ClientMsgID]; ok && req.ClientMsgID != "" {
		writeJSON(w, map[string]any{"errcode": mpErrDuplicateMass, "errmsg": "clientmsgid exist", "msg_id": id})
		return
	}
	var to []string
	if req.Filter.IsToAll {
		for o, f := range m.following {
			if f {
				to = append(to, o)
			}
		}
	} else {
		members, ok := m.tagMembers[req.Filter.TagID]
		if !ok {
			writeErr(w, mpErrInvalidTag, "invalid tag id")
			return
		}
		for o := range members {
			if m.following[o] {
				to = append(to, o)
			}
		}
	}
	now := m.sb.Now()
	day, month := now.In(chinaTime).Format(time.DateOnly), now.In(chinaTime).Format("2006-01")
	switch {
	case m.cfg.Subscription && m.massDays[day] >= mpMassSubscriptionDay,
		!m.cfg.Subscription && req.Filter.IsToAll && m.massToAll[month] >= mpMassToAllMonth:
		writeErr(w, mpErrNoMassQuota, "has no masssend quota")
		return
	}
	slices.Sort(to)
	id := m.nextIDLocked()
	if req.ClientMsgID != "" {
		m.massSent[req.ClientMsgID] = id
	}
	m.massDays[day]++
	if req.Filter.IsToAll {
		m.massToAll[month]++
	}
	job := MassJob{MsgID: id, At: now, TotalCount: len(to)}
	for _, o := range to {
		if !m.cfg.Subscription && m.massReceived[o+"\x00"+month] >= mpMassPerFollowerMonth {
			continue // filtered, silently: the answer below is still a success
		}
		job.FilterCount++
		m.massReceived[o+"\x00"+month]++
		m.deliverLocked(o, &MPReceived{MsgID: id, At: now, Kind: "mass", Text: req.Text.Content})
	}
	job.SentCount = job.FilterCount
	m.massJobs = append(m.massJobs, job)
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "send job submission success", "msg_id": id, "msg_data_id": id})
}

// apiTagCreate: m.mu is held.
func (m *MP) apiTagCreate(w http.ResponseWriter, body []byte) {
	var req struct {
		Tag struct {
			Name string `json:"name"`
		} `json:"tag"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Tag.Name == "" {
		writeErr(w, mpErrDataFormat, "data format error")
		return
	}
	id := m.createTagLocked(req.Tag.Name)
	writeJSON(w, map[string]any{"tag": map[string]any{"id": id, "name": req.Tag.Name}})
}

func (m *MP) apiTag(w http.ResponseWriter, body []byte)   { m.tagging(w, body, true) }
func (m *MP) apiUntag(w http.ResponseWriter, body []byte) { m.tagging(w, body, false) }

// tagging adds followers to a tag or removes them. m.mu is held.
func (m *MP) tagging(w http.ResponseWriter, body []byte, add bool) {
	var req struct {
		OpenIDs []string `json:"openid_list"`
		TagID   int64    `json:"tagid"`
	}
	if err := json.Unmarshal(body, &req); err != nil || len(req.OpenIDs) == 0 || len(req.OpenIDs) > 50 {
		writeErr(w, mpErrDataFormat, "openid_list must have 1 to 50 openids")
		return
	}
	members, ok := m.tagMembers[req.TagID]
	if !ok {
		writeErr(w, mpErrInvalidTag, "invalid tag id")
		return
	}
	for _, o := range req.OpenIDs {
		if !m.following[o] {
			writeErr(w, mpErrInvalidOpenID, "invalid openid")
			return
		}
	}
	for _, o := range req.OpenIDs {
		if add {
			members[o] = true
		} else {
			delete(members, o)
		}
	}
	m.notifyLocked()
	writeErr(w, 0, "ok")
}
