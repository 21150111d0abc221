package storage

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// DeskFilter is the 办公桌's search of one register. The zero State means
// the open ones; From and To are days (inclusive) of the record's date:
// a form's formed_on, an order's received_at (in Loc), an application's
// received_on. Rows come by deadline, the soonest first, Limit of them
// after Offset. The open rows are read through the partial indexes on
// their deadline, so a city-scale year of closed records is not scanned.
type DeskFilter struct {
	State    string
	Section  string
	From, To time.Time
	Loc      *time.Location
	// Text is searched in the title (form), content and caller (order),
	// applicant and content (application); Year and Seq, when set, find
	// one number; Ticket one 工单号.
	Text      string
	Year, Seq int
	Ticket    string
	// People are userids whose forms the text also finds (a submitter
	// searched by name).
	People []string
	Offset int
	Limit  int
}

type deskQuery struct {
	where []string
	args  []any
}

func (q *deskQuery) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

func (q *deskQuery) add(cond string) { q.where = append(q.where, cond) }

// registerQuery starts a register's query with what every register
// filters alike: the state (open, the condition given, when none is
// chosen) and the section.
func registerQuery(f DeskFilter, open string) *deskQuery {
	q := &deskQuery{}
	if f.State == "" {
		q.add(open)
	} else {
		q.add("state = " + q.arg(f.State))
	}
	if f.Section != "" {
		q.add("section = " + q.arg(f.Section))
	}
	return q
}

func (q *deskQuery) sql(table, cols, order string, f DeskFilter) string {
	s := `SELECT ` + cols + ` FROM ` + table
	if len(q.where) > 0 {
		s += ` WHERE ` + strings.Join(q.where, " AND ")
	}
	s += ` ORDER BY ` + order + ` LIMIT ` + q.arg(f.Limit) + ` OFFSET ` + q.arg(f.Offset)
	return s
}

// likePattern is text for ILIKE, its wildcards escaped.
func likePattern(text string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(text) + "%"
}

func dayRange(q *deskQuery, col string, f DeskFilter) {
	if !f.From.IsZero() {
		q.add(col + " >= " + q.arg(DayParam(f.From)))
	}
	if !f.To.IsZero() {
		q.add(col + " <= " + q.arg(DayParam(f.To)))
	}
}

// DeskForms lists forms for the 办公桌.
func DeskForms(ctx context.Context, db sqlx.QueryerContext, f DeskFilter) ([]Form, error) {
	q := registerQuery(f, "state IN ('review', 'publishing')")
	dayRange(q, "formed_on", f)
	if f.Year > 0 {
		q.add("year = " + q.arg(f.Year) + " AND seq = " + q.arg(f.Seq))
	} else if f.Text != "" {
		p := q.arg(likePattern(f.Text))
		cond := "title ILIKE " + p + " OR summary ILIKE " + p
		if len(f.People) > 0 {
			cond += " OR submitter = ANY(" + q.arg(pq.StringArray(f.People)) + ")"
		}
		q.add("(" + cond + ")")
	}
	var out []Form
	if err := sqlx.SelectContext(ctx, db, &out, q.sql("forms", formCols, "deadline NULLS LAST, id", f), q.args...); err != nil {
		return nil, fmt.Errorf("desk forms: %w", err)
	}
	return out, nil
}

// DeskOrders lists 12345 orders for the 办公桌.
func DeskOrders(ctx context.Context, db sqlx.QueryerContext, f DeskFilter) ([]Order, error) {
	q := registerQuery(f, "state <> 'closed'")
	loc := f.Loc
	if loc == nil {
		loc = time.UTC
	}
	if !f.From.IsZero() {
		q.add("received_at >= " + q.arg(time.Date(f.From.Year(), f.From.Month(), f.From.Day(), 0, 0, 0, 0, loc)))
	}
	if !f.To.IsZero() {
		q.add("received_at < " + q.arg(time.Date(f.To.Year(), f.To.Month(), f.To.Day()+1, 0, 0, 0, 0, loc)))
	}
	switch {
	case f.Ticket != "":
		q.add("ticket_no = " + q.arg(f.Ticket))
	case f.Text != "":
		p := q.arg(likePattern(f.Text))
		q.add("(content ILIKE " + p + " OR caller_name ILIKE " + p + " OR location ILIKE " + p + ")")
	}
	var out []Order
	if err := sqlx.SelectContext(ctx, db, &out, q.sql("orders", orderCols, "due_at, id", f), q.args...); err != nil {
		return nil, fmt.Errorf("desk orders: %w", err)
	}
	return out, nil
}

// DeskApplications lists 政府信息公开申请 for the 办公桌.
func DeskApplications(ctx context.Context, db sqlx.QueryerContext, f DeskFilter) ([]Application, error) {
	q := registerQuery(f, "state <> 'closed'")
	dayRange(q, "received_on", f)
	if f.Year > 0 {
		q.add("year = " + q.arg(f.Year) + " AND seq = " + q.arg(f.Seq))
	} else if f.Text != "" {
		p := q.arg(likePattern(f.Text))
		q.add("(applicant_name ILIKE " + p + " OR content ILIKE " + p + ")")
	}
	var out []Application
	if err := sqlx.SelectContext(ctx, db, &out, q.sql("applications", applicationCols, "due_on, id", f), q.args...); err != nil {
		return nil, fmt.Errorf("desk applications: %w", err)
	}
	return out, nil
}
