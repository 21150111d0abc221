package app

import (
	"net/http"

	"github.com/zwgk-bot/zwgk/desk"
	"github.com/zwgk-bot/zwgk/webauth"
)

// deskRoutes mounts the 办公桌 pages: WeCom's 网页授权 logs the member in,
// a session in Redis keeps them so, and the roster decides what they see
// on every request.
func (s *Service) deskRoutes(mux *http.ServeMux) error {
	auth := &webauth.Auth{
		Sessions: s.redis.WebSessions(webauth.IdleTimeout), Redis: s.redis, Roster: s.roster, WeCom: s.client,
		CorpID: s.cfg.CorpID, AgentID: s.cfg.AgentID, OAuthBase: s.cfg.OAuthBase, PublicURL: s.cfg.PublicURL,
		Log: s.log, Now: s.now,
	}
	d := &desk.Desk{
		Auth: auth, DB: s.db, Forms: s.bot.Forms, Orders: s.bot.Orders, Applications: s.bot.Applications, Office: s.bot.Office,
		Calendar: s.cal, Location: BusinessLocation(), Now: s.now, Log: s.log,
	}
	return d.Routes(mux)
}
