package orders

import (
	"context"
	"errors"
	"fmt"

	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// FillDeadlines computes, with cal (which has just gained a year), the 签收
// limits of orders that could not be computed before, and returns a line
// for whoever added the year.
func (b *Flow) FillDeadlines(ctx context.Context, t *chat.Turn, cal *workflow.Calendar) (string, []chat.Note, error) {
	waiting, err := storage.OrdersWithoutAcceptDue(ctx, t.Tx)
	if err != nil {
		return "", nil, err
	}
	orders := 0
	for i := range waiting {
		o := &waiting[i]
		due, err := b.Limits.Accept.Due(cal, o.ReceivedAt)
		if errors.Is(err, workflow.ErrNoCalendarData) {
			continue
		}
		if err != nil {
			return "", nil, fmt.Errorf("签收 limit of order %s: %w", o.TicketNo, err)
		}
		if err := storage.FillAcceptDue(ctx, t.Tx, o, due, t.Person.UserID); errors.Is(err, storage.ErrStale) {
			continue
		} else if err != nil {
			return "", nil, err
		}
		orders++
	}
	if orders == 0 {
		return "", nil, nil
	}
	return fmt.Sprintf("%d件12345工单的签收时限已算出。", orders), nil, nil
}
