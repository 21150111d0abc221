package scheduler

import (
	"context"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
)

// ClaimAll is Claim for many reminders of the tick's job in a few
// statements; fresh[i] reports whether keys[i] is new. Jobs that may meet
// thousands of orders collect their keys first and claim them together.
func (t *Tick) ClaimAll(ctx context.Context, keys []storage.ReminderKey) ([]bool, error) {
	return storage.ClaimReminders(ctx, t.Tx, t.Job, keys)
}

// dueHorizon bounds the due times order_due looks at: 1 working day ahead
// is never further than the longest run of days off (Spring Festival or
// National Day with their weekends) plus a day.
const dueHorizon = 15 * 24 * time.Hour
