package app

import (
	"fmt"
	"net/http"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/notices"
	"github.com/zwgk-bot/zwgk/outbox"
	"github.com/zwgk-bot/zwgk/storage"
)

// wireDelivery paces the outbox worker (per API through Redis, per
// recipient in the claim) and, when MP_APP_ID is set, gives it the
// 公众号 client and builds the notices service.
func (s *Service) wireDelivery(hc *http.Client) {
	perMinute, perHour := s.cfg.RecipientRates()
	s.worker.Limiter = outbox.NewLimiter(s.redis, s.cfg.APIRates())
	s.worker.Pace = storage.Pace{Kinds: []string{storage.KindMessage}, PerMinute: perMinute, PerHour: perHour}
	if !s.cfg.MP.Enabled() {
		return
	}
	mp := bot.NewMPClient(s.cfg.MP.AppID, s.cfg.MP.AppSecret, hc, s.redis, s.log)
	mp.Observe = s.metrics.APICalls("mp")
	s.worker.MP = mp
	s.notices = &notices.Service{
		DB: s.db, Redis: s.redis, Config: s.cfg.MP, PublicURL: s.cfg.PublicURL,
		LinkSecret: []byte(s.cfg.LinkSecret), Location: BusinessLocation(), Log: s.log, Now: s.now,
		Queued: s.worker.Poke,
	}
}

// deliveryRoutes mounts the 公众号's callback URL and the notices' public
// pages when the 公众号 is configured.
func (s *Service) deliveryRoutes(mux *http.ServeMux) error {
	if s.notices == nil {
		return nil
	}
	var cr *bot.Crypto
	if s.cfg.MP.AESKey != "" {
		var err error
		if cr, err = bot.NewCrypto(s.cfg.MP.Token, s.cfg.MP.AESKey, s.cfg.MP.AppID); err != nil {
			return fmt.Errorf("MP_AES_KEY: %w", err)
		}
	}
	mux.Handle("/mp/callback", &bot.MPCallback{Token: s.cfg.MP.Token, Crypto: cr, Receiver: s.notices, Now: s.now, Log: s.log,
		Replay: s.redis, Observe: s.metrics.Callback("mp")})
	s.notices.Routes(mux)
	return nil
}
