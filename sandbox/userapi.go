package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"
)

// UserAPI lets a person (or a script) act as the corp's users over plain
// HTTP: the demo's way in until the web chat exists, and handy with curl.
//
//	GET  /users                               the corp's users
//	GET  /users/{user}/messages               what the user received
//	POST /users/{user}/text                   body: the text to send
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
		b, err := io.ReadAll(io.LimitReader(r.Body, 8<<10))
		if err != nil || len(b) == 0 {
			http.Error(w, "body must be the text to send", http.StatusBadRequest)
			return
		}
		c.act(w, r, func(u *User) (int, error) { return u.SendText(r.Context(), string(b)) })
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
