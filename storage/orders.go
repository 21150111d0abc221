package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Order is a 12345 work order.
type Order struct {
	ID          int64        `db:"id"`
	TicketNo    string       `db:"ticket_no"`
	Category    string       `db:"category"`
	Content     string       `db:"content"`
	Location    string       `db:"location"`
	CallerName  string       `db:"caller_name"`
	CallerPhone string       `db:"caller_phone"`
	Urgent      bool         `db:"urgent"`
	ReceivedAt  time.Time    `db:"received_at"`
	DueAt       time.Time    `db:"due_at"`
	AcceptDueAt sql.NullTime `db:"accept_due_at"`
	Section     string       `db:"section"`
	Registrar   string       `db:"registrar"`
	Handler     string       `db:"handler"`
	State       string       `db:"state"`
	OpenID      string       `db:"openid"`
	Answer      string       `db:"answer"`
	Finding     string       `db:"finding"`
	Measures    string       `db:"measures"`
	AcceptedAt  sql.NullTime `db:"accepted_at"`
	AnsweredAt  sql.NullTime `db:"answered_at"`
	ClosedAt    sql.NullTime `db:"closed_at"`
	Visit       string       `db:"visit"`
	ReopenCount int          `db:"reopen_count"`
	ExtUntil    sql.NullTime `db:"ext_until"`
	ExtReason   string       `db:"ext_reason"`
	Source      string       `db:"source"`
	CreatedAt   time.Time    `db:"created_at"`
	UpdatedAt   time.Time    `db:"updated_at"`
}

const orderCols = `id, ticket_no, category, content, location, caller_name, caller_phone, urgent, received_at, due_at,
	accept_due_at, section, registrar, handler, state, openid, answer, finding, measures, accepted_at, answered_at,
	closed_at, visit, reopen_count, ext_until, ext_reason, source, created_at, updated_at`

// InsertOrder stores a new order. It returns false, and the order
// already stored, when the 工单号 is known: a repeat is never a copy.
func InsertOrder(ctx context.Context, tx *Tx, c *Order) (bool, error) {
	err := tx.GetContext(ctx, &c.ID, `
		INSERT INTO orders (ticket_no, category, content, location, caller_name, caller_phone, urgent,
			received_at, due_at, accept_due_at, section, registrar, state, openid, source, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)
		ON CONFLICT (ticket_no) DO NOTHING RETURNING id`,
		c.TicketNo, c.Category, c.Content, c.Location, c.CallerName, c.CallerPhone, c.Urgent,
		c.ReceivedAt, c.DueAt, c.AcceptDueAt, c.Section, c.Registrar, c.State, c.OpenID, c.Source, c.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		existing, err := OrderByTicket(ctx, tx, c.TicketNo)
		if err != nil {
			return false, err
		}
		*c = *existing
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("insert order %s: %w", c.TicketNo, err)
	}
	return true, nil
}

// OrderByTicket finds an order by 工单号.
func OrderByTicket(ctx context.Context, q sqlx.QueryerContext, ticket string) (*Order, error) {
	var c Order
	if err := sqlx.GetContext(ctx, q, &c, `SELECT `+orderCols+` FROM orders WHERE ticket_no = $1`, ticket); err != nil {
		return nil, fmt.Errorf("order %s: %w", ticket, mapErr(err))
	}
	return &c, nil
}

// OrderByID finds an order by its id.
func OrderByID(ctx context.Context, q sqlx.QueryerContext, id int64) (*Order, error) {
	var c Order
	if err := sqlx.GetContext(ctx, q, &c, `SELECT `+orderCols+` FROM orders WHERE id = $1`, id); err != nil {
		return nil, fmt.Errorf("order %d: %w", id, mapErr(err))
	}
	return &c, nil
}

// LockOrder loads an order and locks it until the transaction ends.
func LockOrder(ctx context.Context, tx *Tx, id int64) (*Order, error) {
	var c Order
	if err := tx.GetContext(ctx, &c, `SELECT `+orderCols+` FROM orders WHERE id = $1 FOR UPDATE`, id); err != nil {
		return nil, fmt.Errorf("lock order %d: %w", id, mapErr(err))
	}
	return &c, nil
}

// OrderChange is a guarded update of an order: it applies only while the
// order is in FromState. Nil fields are left alone.
type OrderChange struct {
	ID        int64
	FromState string
	At        time.Time

	State       string
	Section     *string
	Handler     *string
	DueAt       *time.Time
	AcceptDueAt *time.Time
	AcceptedAt  *time.Time
	Answer      *string
	Finding     *string
	Measures    *string
	AnsweredAt  *time.Time
	ClosedAt    *time.Time
	Visit       *string
	Reopen      bool       // count a reopening and start a new round (see ChangeOrder)
	ExtUntil    *time.Time // a pending 延期 request
	ExtReason   *string
	ClearExt    bool
}

// ChangeOrder applies ch in one statement guarded by the expected state;
// ErrStale when the order has moved on.
func ChangeOrder(ctx context.Context, tx *Tx, ch OrderChange) error {
	sets := []string{"updated_at = $3"}
	args := []any{ch.ID, ch.FromState, ch.At}
	set := func(col string, v any) {
		args = append(args, v)
		sets = append(sets, col+" = $"+strconv.Itoa(len(args)))
	}
	if ch.State != "" {
		set("state", ch.State)
	}
	if ch.Section != nil {
		set("section", *ch.Section)
	}
	if ch.Handler != nil {
		set("handler", *ch.Handler)
	}
	if ch.DueAt != nil {
		set("due_at", *ch.DueAt)
	}
	if ch.AcceptDueAt != nil {
		set("accept_due_at", *ch.AcceptDueAt)
	}
	if ch.AcceptedAt != nil {
		set("accepted_at", *ch.AcceptedAt)
	}
	if ch.Answer != nil {
		set("answer", *ch.Answer)
	}
	if ch.Finding != nil {
		set("finding", *ch.Finding)
	}
	if ch.Measures != nil {
		set("measures", *ch.Measures)
	}
	if ch.AnsweredAt != nil {
		set("answered_at", *ch.AnsweredAt)
	}
	if ch.ClosedAt != nil {
		set("closed_at", *ch.ClosedAt)
	}
	if ch.Visit != nil {
		set("visit", *ch.Visit)
	}
	if ch.Reopen {
		// A new round: the answer times and the round's 回访 result are
		// cleared (the audit log keeps every visit), so that the next
		// 已回复12345 is followed by a 回访 of its own.
		if ch.Visit != nil {
			return fmt.Errorf("change order %d: a reopening clears the visit, it cannot also set one", ch.ID)
		}
		sets = append(sets, "reopen_count = reopen_count + 1", "answered_at = NULL", "closed_at = NULL", "visit = ''")
	}
	if ch.ExtUntil != nil {
		set("ext_until", *ch.ExtUntil)
	}
	if ch.ExtReason != nil {
		set("ext_reason", *ch.ExtReason)
	}
	if ch.ClearExt {
		sets = append(sets, "ext_until = NULL")
	}
	res, err := tx.ExecContext(ctx, `UPDATE orders SET `+strings.Join(sets, ", ")+` WHERE id = $1 AND state = $2`, args...)
	if err != nil {
		return fmt.Errorf("change order %d: %w", ch.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrStale
	}
	return nil
}

// OrderCard is a card sent about an order.
type OrderCard struct {
	TaskID  string         `db:"task_id"`
	OrderID int64          `db:"order_id"`
	Kind    string         `db:"kind"`
	State   string         `db:"state"`
	Section string         `db:"section"`
	Holders pq.StringArray `db:"holders"`
}

// InsertOrderCard records a card's task_id.
func InsertOrderCard(ctx context.Context, tx *Tx, c OrderCard) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO order_cards (task_id, order_id, kind, state, section, holders) VALUES ($1, $2, $3, $4, $5, $6)`,
		c.TaskID, c.OrderID, c.Kind, c.State, c.Section, c.Holders)
	if err != nil {
		return fmt.Errorf("order card %s: %w", c.TaskID, mapErr(err))
	}
	return nil
}

// GetOrderCard finds a card; ErrNotFound when it is not an order's.
func GetOrderCard(ctx context.Context, q sqlx.QueryerContext, taskID string) (*OrderCard, error) {
	var c OrderCard
	err := sqlx.GetContext(ctx, q, &c, `SELECT task_id, order_id, kind, state, section, holders FROM order_cards WHERE task_id = $1`, taskID)
	if err != nil {
		return nil, fmt.Errorf("order card %s: %w", taskID, mapErr(err))
	}
	return &c, nil
}

// OrderCardsOf lists the cards of an order of one kind.
func OrderCardsOf(ctx context.Context, q sqlx.QueryerContext, id int64, kind string) ([]OrderCard, error) {
	var out []OrderCard
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT task_id, order_id, kind, state, section, holders FROM order_cards
		WHERE order_id = $1 AND kind = $2 ORDER BY created_at`, id, kind)
	if err != nil {
		return nil, fmt.Errorf("cards of order %d: %w", id, err)
	}
	return out, nil
}

// OrdersFor lists orders a person is involved in (registrar, handler),
// newest first.
func OrdersFor(ctx context.Context, q sqlx.QueryerContext, userID string, limit int) ([]Order, error) {
	var out []Order
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT `+orderCols+` FROM orders WHERE registrar = $1 OR handler = $1 ORDER BY id DESC LIMIT $2`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("orders of %s: %w", userID, err)
	}
	return out, nil
}

// OverdueOrders lists orders not yet answered whose due time passed.
func OverdueOrders(ctx context.Context, q sqlx.QueryerContext, now time.Time, limit int) ([]Order, error) {
	var out []Order
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT `+orderCols+` FROM orders
		WHERE state NOT IN ('answered', 'closed') AND due_at < $1 ORDER BY due_at LIMIT $2`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("overdue orders: %w", err)
	}
	return out, nil
}

// OpenComplaints lists the orders not yet closed (not yet 已回复12345),
// by due time: what the order reminders are about. urgentOnly keeps the
// 紧急 orders only, for the frequent checks. A district bureau has tens of
// open orders, never thousands.
func OpenComplaints(ctx context.Context, q sqlx.QueryerContext, urgentOnly bool) ([]Order, error) {
	var out []Order
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT `+orderCols+` FROM orders
		WHERE state <> 'closed' AND (urgent OR NOT $1) ORDER BY due_at, id`, urgentOnly)
	if err != nil {
		return nil, fmt.Errorf("open orders: %w", err)
	}
	return out, nil
}

// OpenComplaintsDueBefore returns the orders not closed whose due time is
// before before, optionally only those in state, by due time: what a
// reminder job needs of a million orders, through orders_unclosed_due.
func OpenComplaintsDueBefore(ctx context.Context, q sqlx.QueryerContext, before time.Time, state string) ([]Order, error) {
	var out []Order
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT `+orderCols+` FROM orders
		WHERE state <> 'closed' AND due_at < $1 AND ($2 = '' OR state = $2) ORDER BY due_at, id`, before, state)
	if err != nil {
		return nil, fmt.Errorf("open orders due before %s: %w", before.Format(time.RFC3339), err)
	}
	return out, nil
}

// OrderStat is one row of the statistics: a group (a section or a
// category, or "" for the total) and its counts.
type OrderStat struct {
	Group    string `db:"grp"`
	Received int    `db:"received"`
	Answered int    `db:"answered"`
	Closed   int    `db:"closed"`
	OnTime   int    `db:"on_time"`
	Overdue  int    `db:"overdue"`
	Open     int    `db:"open"`
	// The 回访 by each order's latest visit (see latestVisit): how many
	// were visited, with which result, and how many were reopened.
	Visited     int `db:"visited"`
	Satisfied   int `db:"satisfied"`
	FairlyOK    int `db:"fairly_ok"`
	Unsatisfied int `db:"unsatisfied"`
	Reopened    int `db:"reopened"`
}

// latestVisit is an order's latest 回访 result, NULL before its first. A
// reopening clears the round's result (ChangeOrder), and only a 不满意
// reopens an order, so a reopened order not yet visited again still
// counts as 不满意 until its next visit replaces that. (Orders reopened
// before the clearing kept their 不满意, which says the same.)
const latestVisit = `CASE WHEN visit <> '' THEN visit WHEN reopen_count > 0 THEN '不满意' END`

// OrderStats counts the orders received in [from, to) as of now,
// grouped by "section", "category" or "" (the total). An order is answered
// once 办结 (answered_at set), on time when answered by its due time,
// overdue when answered late or still unanswered after its due time; its
// 回访 is its latest one.
func OrderStats(ctx context.Context, q sqlx.QueryerContext, from, to, now time.Time, by string) ([]OrderStat, error) {
	group := "''"
	switch by {
	case "section":
		group = "section"
	case "category":
		group = "category"
	case "":
	default:
		return nil, fmt.Errorf("order stats: unknown grouping %q", by)
	}
	var out []OrderStat
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT `+group+` AS grp,
			count(*) AS received,
			count(*) FILTER (WHERE answered_at IS NOT NULL) AS answered,
			count(*) FILTER (WHERE state = 'closed') AS closed,
			count(*) FILTER (WHERE answered_at IS NOT NULL AND answered_at <= due_at) AS on_time,
			count(*) FILTER (WHERE (answered_at IS NOT NULL AND answered_at > due_at) OR (answered_at IS NULL AND due_at < $3)) AS overdue,
			count(*) FILTER (WHERE answered_at IS NULL) AS open,
			count(*) FILTER (WHERE `+latestVisit+` IS NOT NULL) AS visited,
			count(*) FILTER (WHERE `+latestVisit+` = '满意') AS satisfied,
			count(*) FILTER (WHERE `+latestVisit+` = '基本满意') AS fairly_ok,
			count(*) FILTER (WHERE `+latestVisit+` = '不满意') AS unsatisfied,
			count(*) FILTER (WHERE reopen_count > 0) AS reopened
		FROM orders WHERE received_at >= $1 AND received_at < $2
		GROUP BY 1 ORDER BY 1`, from, to, now)
	if err != nil {
		return nil, fmt.Errorf("order stats: %w", err)
	}
	return out, nil
}

// InsertOrders is InsertOrder for many orders, a few statements in all
// (one per 5 000), in the order given. It reports for each whether it
// was new and sets the new ones' ID; a known 工单号 is left as it is
// stored and its Order untouched. A 工单号 twice in orders is stored
// once, the first.
func InsertOrders(ctx context.Context, tx *Tx, orders []*Order) ([]bool, error) {
	created := make([]bool, len(orders))
	err := chunks(len(orders), func(lo, hi int) error {
		part := orders[lo:hi]
		n := len(part)
		var (
			ticket, category, content, location, callerName, callerPhone = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
			urgent                                                       = make([]bool, n)
			received, due, acceptDue, createdAt                          = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
			section, registrar, state, openID, source                    = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		)
		at := make(map[string]int, n)
		for i, c := range part {
			ticket[i], category[i], content[i], location[i] = c.TicketNo, c.Category, c.Content, c.Location
			callerName[i], callerPhone[i], urgent[i] = c.CallerName, c.CallerPhone, c.Urgent
			received[i], due[i], createdAt[i] = pgTime(c.ReceivedAt), pgTime(c.DueAt), pgTime(c.CreatedAt)
			if c.AcceptDueAt.Valid {
				acceptDue[i] = pgTime(c.AcceptDueAt.Time)
			}
			section[i], registrar[i], state[i], openID[i], source[i] = c.Section, c.Registrar, c.State, c.OpenID, c.Source
			if _, dup := at[c.TicketNo]; !dup {
				at[c.TicketNo] = lo + i
			}
		}
		var got []struct {
			ID       int64  `db:"id"`
			TicketNo string `db:"ticket_no"`
		}
		// ORDER BY n: the ids follow the file, as one INSERT per order gave.
		err := tx.SelectContext(ctx, &got, `
			INSERT INTO orders (ticket_no, category, content, location, caller_name, caller_phone, urgent,
				received_at, due_at, accept_due_at, section, registrar, state, openid, source, created_at, updated_at)
			SELECT t, cat, con, loc, cname, cphone, urg, rec::timestamptz, due::timestamptz,
				NULLIF(acc, '')::timestamptz, sec, reg, st, oid, src, cre::timestamptz, cre::timestamptz
			FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bool[],
				$8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[],
				$16::text[]) WITH ORDINALITY
				AS u(t, cat, con, loc, cname, cphone, urg, rec, due, acc, sec, reg, st, oid, src, cre, n)
			ORDER BY n
			ON CONFLICT (ticket_no) DO NOTHING RETURNING id, ticket_no`,
			textArray(ticket), textArray(category), textArray(content), textArray(location),
			textArray(callerName), textArray(callerPhone), pq.BoolArray(urgent),
			textArray(received), textArray(due), textArray(acceptDue), textArray(section),
			textArray(registrar), textArray(state), textArray(openID), textArray(source),
			textArray(createdAt))
		if err != nil {
			return fmt.Errorf("insert orders %s to %s: %w", part[0].TicketNo, part[n-1].TicketNo, err)
		}
		for _, g := range got {
			i := at[g.TicketNo]
			created[i] = true
			orders[i].ID = g.ID
		}
		return nil
	})
	return created, err
}

// InsertOrderCards is InsertOrderCard for many cards, a few statements
// in all. Holders must not contain "|".
func InsertOrderCards(ctx context.Context, tx *Tx, cards []OrderCard) error {
	return chunks(len(cards), func(lo, hi int) error {
		part := cards[lo:hi]
		n := len(part)
		task, kind, state, section, holders := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		order := make([]int64, n)
		for i, c := range part {
			task[i], order[i], kind[i], state[i], section[i] = c.TaskID, c.OrderID, c.Kind, c.State, c.Section
			holders[i] = strings.Join(c.Holders, "|")
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO order_cards (task_id, order_id, kind, state, section, holders)
			SELECT t, o, k, s, sec, CASE WHEN h = '' THEN '{}'::text[] ELSE string_to_array(h, '|') END
			FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(t, o, k, s, sec, h)`,
			textArray(task), pq.Int64Array(order), textArray(kind), textArray(state),
			textArray(section), textArray(holders))
		if err != nil {
			return fmt.Errorf("%d order cards from %s: %w", n, part[0].TaskID, mapErr(err))
		}
		return nil
	})
}
