package orders

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// Batch is what RegisterMany did.
type Batch struct {
	Created []bool         // per order, in the order given: false for a known 工单号
	Queued  int            // outbound messages queued, to wake the outbox
	Cards   map[string]int // 待签收 cards queued, by section head (userid)
}

// registerChunk is how many orders' cards, audit entries and messages
// RegisterMany builds at a time: it bounds what is held in memory (a
// card is about 1 KB of JSON); storage batches the statements.
const registerChunk = 5000

// RegisterMany is Register for many validated orders in the caller's
// transaction (the CSV import), in a few statements per 5 000 orders
// instead of five per order. Each new order is stored, audited and
// dispatched to its section head's 待签收 card exactly as Register does;
// a known 工单号 is left as it is and nothing is sent for it.
//
// Unlike Register, the registrars are not told of each order: each gets
// one message for the whole batch (how many, to which sections, the
// earliest due time). A year's file would otherwise queue one text per
// order to one person, days of messages at WeCom's per-person rate, and
// hold back everything else that person is sent.
func (b *Flow) RegisterMany(ctx context.Context, tx *storage.Tx, cs []*storage.Order, now time.Time) (Batch, error) {
	res := Batch{Cards: map[string]int{}}
	for _, c := range cs {
		if _, ok := b.Roster.HeadOf(c.Section); !ok {
			return res, fmt.Errorf("order %s: section %s has no head", c.TicketNo, c.Section)
		}
	}
	// A session may hold a plan of the order_cards → orders foreign-key
	// check made when orders was small, a sequential scan, and Postgres
	// keeps such a plan until the table's statistics change, which rows
	// of an open transaction never do: with one check per card, that made
	// the row-by-row import quadratic. Dropping the session's plans here
	// and writing every order before the first card means the check is
	// planned against the table as the import leaves it (an index scan).
	if _, err := tx.ExecContext(ctx, `DISCARD PLANS`); err != nil {
		return res, fmt.Errorf("register orders: %w", err)
	}
	created, err := storage.InsertOrders(ctx, tx, cs)
	if err != nil {
		return res, err
	}
	res.Created = created
	var made []*storage.Order
	for i, c := range cs {
		if created[i] {
			made = append(made, c)
		}
	}
	t := &chat.Turn{Tx: tx, Now: now}
	// Before the cards: a registrar who is also a section head would
	// otherwise have the message only after all their cards.
	if err := b.tellRegistrars(ctx, t, made); err != nil {
		return res, err
	}
	for lo := 0; lo < len(made); lo += registerChunk {
		part := made[lo:min(lo+registerChunk, len(made))]
		cards := make([]storage.OrderCard, 0, len(part))
		audits := make([]storage.AuditRecord, 0, len(part))
		sends := make([]storage.OutboxItem, 0, len(part))
		for _, c := range part {
			audits = append(audits, storage.AuditRecord{Actor: c.Registrar, Action: "register", Entity: storage.EntityOrder,
				EntityID: c.TicketNo, Detail: map[string]any{"source": c.Source, "section": c.Section, "due": c.DueAt}})
			head, _ := b.Roster.HeadOf(c.Section)
			card, row := b.orderCardFor(c, workflow.CardDispatch, "待签收", dispatchButtons(), head.UserID, nil)
			if err := card.Validate(); err != nil {
				return res, fmt.Errorf("card %s: %w", card.TaskID, err)
			}
			cards = append(cards, row)
			// As chat.Bot.Card queues it: the key is how the send's
			// response_code is found later.
			sends = append(sends, storage.OutboxItem{Kind: storage.KindMessage, Recipient: head.UserID,
				Payload: bot.CardMessage(card, head.UserID), IdemKey: "card:" + card.TaskID})
			res.Cards[head.UserID]++
		}
		if err := storage.AuditMany(ctx, tx, audits); err != nil {
			return res, err
		}
		if err := storage.InsertOrderCards(ctx, tx, cards); err != nil {
			return res, err
		}
		n, err := storage.EnqueueMany(ctx, tx, sends)
		if err != nil {
			return res, err
		}
		t.Queued(n)
	}
	res.Queued = t.Pending()
	return res, nil
}

// tellRegistrars tells each registrar, in one message, of the orders of
// made registered in their name by the system (not those they registered
// in the chat themselves).
func (b *Flow) tellRegistrars(ctx context.Context, t *chat.Turn, made []*storage.Order) error {
	type tally struct {
		orders   []*storage.Order
		sections map[string]int
	}
	var order []string
	by := map[string]*tally{}
	for _, c := range made {
		if c.Source == "chat" {
			continue
		}
		r := by[c.Registrar]
		if r == nil {
			r = &tally{sections: map[string]int{}}
			by[c.Registrar] = r
			order = append(order, c.Registrar)
		}
		r.orders = append(r.orders, c)
		r.sections[c.Section]++
	}
	for _, reg := range order {
		if err := b.Text(ctx, t, reg, b.batchText(by[reg].orders, by[reg].sections)); err != nil {
			return err
		}
	}
	return nil
}

// batchListed is how many 工单号 a registrar's message lists by number.
const batchListed = 10

// batchText is the registrar's message about an import: one order reads
// as Register's own message; more are counted by section, with the
// earliest due time, and listed by number when they are few.
func (b *Flow) batchText(cs []*storage.Order, sections map[string]int) string {
	if len(cs) == 1 {
		c := cs[0]
		head, _ := b.Roster.HeadOf(c.Section)
		return fmt.Sprintf("12345工单 %s 已由系统登记（您为首问责任人），已派发%s（%s）签收，办理时限 %s。", c.TicketNo, c.Section, head.Name, b.dueText(c.DueAt))
	}
	var parts []string
	for _, s := range b.Roster.Sections {
		if n := sections[s.Name]; n > 0 {
			head, _ := b.Roster.HeadOf(s.Name)
			parts = append(parts, fmt.Sprintf("%s（%s）%d件", s.Name, head.Name, n))
		}
	}
	earliest := slices.MinFunc(cs, func(x, y *storage.Order) int { return x.DueAt.Compare(y.DueAt) })
	var sb strings.Builder
	fmt.Fprintf(&sb, "12345工单批量导入：%d件工单已由系统登记（您为首问责任人），已派发%s签收，最早的办理时限 %s。",
		len(cs), strings.Join(parts, "、"), b.dueText(earliest.DueAt))
	if len(cs) <= batchListed {
		nos := make([]string, len(cs))
		for i, c := range cs {
			nos[i] = c.TicketNo
		}
		fmt.Fprintf(&sb, "\n工单号：%s。", strings.Join(nos, "、"))
	}
	sb.WriteString("\n发送「工单 工单号」查看一件，「我的工单」查看最近的。")
	return sb.String()
}
