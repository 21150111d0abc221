package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
	"unicode/utf8"
)

// MaxText is the longest text, in bytes of UTF-8, that the sandbox's
// client sends: a member's text to the app, or a follower's to the 公众号.
//
// WeCom documents no limit for a member's text message to an app: the
// message format (接收消息与事件 → 消息格式, e.g.
// https://developer.work.weixin.qq.com/document/path/96467) says only
// "Content 文本消息内容", and nothing says what the client does with an
// over-long one. So the sandbox takes the stricter behaviour: a longer text
// is refused whole and nothing reaches the bot. It is never cut, which
// could split a character and hand the bot invalid UTF-8 (which it refuses
// with a 400 nobody sees), nor shortened in silence. 8 KiB is about 2700
// Chinese characters, well above the bot's longest field (简要内容, 1000
// characters) and a pasted holiday notice.
const MaxText = 8 << 10

// Answers of the user API to a text the client would not send, in the
// words the page shows.
var (
	msgTextTooLong = fmt.Sprintf("消息过长，未发送。一条消息最多约 %d 个汉字（%d 字节），请删减或分几条发送。", MaxText/3, MaxText)
	msgTextNotUTF8 = "消息不是有效的 UTF-8 文本，未发送。"
	msgTextEmpty   = "消息为空，未发送。"

	msgImageTooLarge = fmt.Sprintf("图片超过 %d MB，未发送。", MaxImage>>20)
	msgImageEmpty    = "图片为空，未发送。"
)

// readText reads the text a client is asked to send and says why it would
// not be sent: too long (413), not UTF-8, or empty (400). Reading stops
// one byte past MaxText, which is enough to know.
func readText(w http.ResponseWriter, r *http.Request) (string, bool) {
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxText+1))
	switch {
	case err != nil:
		http.Error(w, "reading the body: "+err.Error(), http.StatusBadRequest)
	case len(b) > MaxText:
		http.Error(w, msgTextTooLong, http.StatusRequestEntityTooLarge)
	case !utf8.Valid(b):
		http.Error(w, msgTextNotUTF8, http.StatusBadRequest)
	case len(b) == 0:
		http.Error(w, msgTextEmpty, http.StatusBadRequest)
	default:
		return string(b), true
	}
	return "", false
}

// UserAPI lets a person (or a script) act as the corp's users over plain
// HTTP: the demo's way in until the web chat exists, and handy with curl.
//
//	GET  /users                               the corp's users
//	GET  /users/{user}/messages               what the user received
//	POST /users/{user}/text                   body: the text to send, at most
//	                                          MaxText bytes of UTF-8 (413 when
//	                                          longer: it is never cut)
//	POST /users/{user}/image                  body: a picture's bytes (at most
//	                                          MaxImage), sent as WeCom's client
//	                                          does: temporary media and the
//	                                          image callback
//	POST /users/{user}/enter                  open the app
//	POST /users/{user}/menu/{key}             click a menu item
//	POST /users/{user}/cards/{task}/{button}  click a card button
//	POST /users/{user}/cards/{task}           submit a vote card; body:
//	                                          {"question_key": ["option id", ...]}
func (c *Corp) UserAPI() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, c.cfg.Users)
	})
	mux.HandleFunc("GET /users/{user}/messages", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, c.Messages(r.PathValue("user")))
	})
	mux.HandleFunc("POST /users/{user}/text", func(w http.ResponseWriter, r *http.Request) {
		text, ok := readText(w, r)
		if !ok {
			return
		}
		c.act(w, r, func(u *User) (int, error) { return u.SendText(r.Context(), text) })
	})
	mux.HandleFunc("POST /users/{user}/image", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(io.LimitReader(r.Body, MaxImage+1))
		switch {
		case err != nil:
			http.Error(w, "reading the body: "+err.Error(), http.StatusBadRequest)
			return
		case len(b) > MaxImage:
			http.Error(w, msgImageTooLarge, http.StatusRequestEntityTooLarge)
			return
		case len(b) == 0:
			http.Error(w, msgImageEmpty, http.StatusBadRequest)
			return
		}
		c.act(w, r, func(u *User) (int, error) {
			status, _, err := u.SendImage(r.Context(), b)
			return status, err
		})
	})
	mux.HandleFunc("POST /users/{user}/enter", func(w http.ResponseWriter, r *http.Request) {
		c.act(w, r, func(u *User) (int, error) { return u.EnterAgent(r.Context()) })
	})
	mux.HandleFunc("POST /users/{user}/menu/{key}", func(w http.ResponseWriter, r *http.Request) {
		c.act(w, r, func(u *User) (int, error) { return u.ClickMenu(r.Context(), r.PathValue("key")) })
	})
	mux.HandleFunc("POST /users/{user}/cards/{task}/{button}", func(w http.ResponseWriter, r *http.Request) {
		c.act(w, r, func(u *User) (int, error) {
			return u.ClickButton(r.Context(), r.PathValue("task"), r.PathValue("button"))
		})
	})
	mux.HandleFunc("POST /users/{user}/cards/{task}", func(w http.ResponseWriter, r *http.Request) {
		var selected map[string][]string
		if err := json.NewDecoder(io.LimitReader(r.Body, 8<<10)).Decode(&selected); err != nil {
			http.Error(w, `body must be {"question_key": ["option id", ...]}`, http.StatusBadRequest)
			return
		}
		c.act(w, r, func(u *User) (int, error) { return u.Submit(r.Context(), r.PathValue("task"), selected) })
	})
	return mux
}

// act runs one user action and answers with the bot's status and, after a
// short wait for the outbox, what the user has received.
func (c *Corp) act(w http.ResponseWriter, r *http.Request, f func(*User) (int, error)) {
	u := c.User(r.PathValue("user"))
	if len(c.users) > 0 && !c.users[u.ID] {
		http.Error(w, "unknown user "+u.ID, http.StatusNotFound)
		return
	}
	before := len(c.Messages(u.ID))
	status, err := f(u)
	if errors.Is(err, ErrNoSuchButton) {
		http.Error(w, err.Error(), http.StatusConflict)
		return
	}
	if err != nil {
		http.Error(w, "posting the callback failed: "+err.Error(), http.StatusBadGateway)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	msgs, _ := c.WaitMessages(ctx, u.ID, before+1)
	// A reply often comes in several messages: collect until quiet.
	for len(msgs) > before {
		qctx, qcancel := context.WithTimeout(ctx, 300*time.Millisecond)
		more, err := c.WaitMessages(qctx, u.ID, len(msgs)+1)
		qcancel()
		if err != nil {
			break
		}
		msgs = more
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(map[string]any{"bot_status": status, "new": msgs[min(before, len(msgs)):]})
}
