package applications

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// RegisterMany is Register for the rows of an import (the paper register
// of the year), in the caller's transaction. They are numbered in the
// order of receipt, so that the register reads as the year went. Instead
// of a message per application, the office and each section head get
// one message for the whole file. Created says, per application in the
// order given, whether it was new (false: its external id was known).
func (b *Flow) RegisterMany(ctx context.Context, tx *storage.Tx, as []*storage.Application, now time.Time) (created []bool, queued int, err error) {
	order := make([]int, len(as))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int { return as[x].ReceivedD.Compare(as[y].ReceivedD) })
	created = make([]bool, len(as))
	t := &chat.Turn{Tx: tx, Now: now}
	var made []*storage.Application
	for _, i := range order {
		a := as[i]
		ok, err := storage.InsertApplication(ctx, tx, a)
		if err != nil {
			return nil, 0, err
		}
		created[i] = ok
		if !ok {
			continue
		}
		detail := map[string]any{"source": a.Source, "channel": a.Channel, "received": storage.DayParam(a.ReceivedD), "due": storage.DayParam(a.DueD)}
		if a.Section != "" {
			detail["section"] = a.Section
		}
		if a.Outcome != "" {
			detail["outcome"], detail["reason"], detail["closed"] = a.Outcome, a.Reason, storage.DayParam(a.DeliveredD.Time)
		}
		if err := storage.Audit(ctx, tx, a.Registrar, "register", storage.EntityApplication, a.Number(), detail); err != nil {
			return nil, 0, err
		}
		made = append(made, a)
	}
	if len(made) > 0 {
		if err := b.tellImport(ctx, t, made); err != nil {
			return nil, 0, err
		}
	}
	return created, t.Pending(), nil
}

// tellImport sends the office one message about an import, then the
// cards of the open applications' next steps.
func (b *Flow) tellImport(ctx context.Context, t *chat.Turn, made []*storage.Application) error {
	closed := 0
	for _, a := range made {
		if a.State == string(workflow.ApplicationClosed) {
			closed++
		}
	}
	first, last := made[0], made[len(made)-1]
	msg := fmt.Sprintf("政府信息公开申请批量导入：%d件已登记（%s至%s），其中已办结%d件，办理中%d件。发送「超期申请」查看超过答复期限的申请。",
		len(made), first.Number(), last.Number(), closed, len(made)-closed)
	for _, p := range b.Roster.WithRole(config.RoleOffice) {
		if err := b.Text(ctx, t, p.UserID, msg); err != nil {
			return err
		}
	}
	// Then each open one's card of its next step, as Register gives it.
	for _, a := range made {
		switch workflow.ApplicationState(a.State) {
		case workflow.ApplicationDispatched:
			if err := b.sendAccept(ctx, t, a, "综合办公室导入"); err != nil {
				return err
			}
		case workflow.ApplicationRegistered:
			if err := b.sendDispatch(ctx, t, a, "综合办公室导入，请分办至承办股室。"); err != nil {
				return err
			}
		}
	}
	return nil
}
