package app

import (
	"context"
	"time"
)

// imagePoll is how often the image worker looks for due images when not
// woken: retries come due without a callback.
const imagePoll = 5 * time.Second

// pokeImages wakes the image worker after a callback queued an image.
func (s *Service) pokeImages() {
	select {
	case s.imagesPoke <- struct{}{}:
	default:
	}
}

// runImages fetches the images sent in chat (router.FetchImage) until ctx
// ends; a fetch in flight finishes with its own timeout.
func (s *Service) runImages(ctx context.Context) {
	t := time.NewTicker(imagePoll)
	defer t.Stop()
	for {
		for ctx.Err() == nil {
			did, err := s.bot.FetchImage(context.WithoutCancel(ctx), s.client)
			if err != nil {
				s.log.ErrorContext(ctx, "chat image", "err", err)
				break
			}
			if !did {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.imagesPoke:
		}
	}
}
