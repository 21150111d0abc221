package orders

import (
	"errors"
	"net/http"
	"time"

	"github.com/zwgk-bot/zwgk/api"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// APIRoutes registers the machine API (12345 orders) on mux, guarded by
// the bearer token. With an empty token the API is not served at all.
func (b *Flow) APIRoutes(mux *http.ServeMux, token string) {
	if token == "" {
		return
	}
	mux.HandleFunc("POST /api/v1/orders", api.Guard(token, b.apiCreateOrder))
	mux.HandleFunc("GET /api/v1/orders/{ticket_no}", api.Guard(token, b.apiGetOrder))
	// The paths before the work order had one name; deprecated, kept for
	// the clients written against them.
	mux.HandleFunc("POST /api/v1/complaints", api.Guard(token, api.Deprecated(deprecatedSince, "/api/v1/orders", b.apiCreateOrder)))
	mux.HandleFunc("GET /api/v1/complaints/{ticket_no}", api.Guard(token, api.Deprecated(deprecatedSince, "/api/v1/orders", b.apiGetOrder)))
}

// View is an order as the API shows it.
type View struct {
	TicketNo    string     `json:"ticket_no"`
	Category    string     `json:"category"`
	Content     string     `json:"content"`
	Location    string     `json:"location"`
	CallerName  string     `json:"caller_name"`
	CallerPhone string     `json:"caller_phone"`
	Urgency     string     `json:"urgency"`
	ReceivedAt  time.Time  `json:"received_at"`
	DueAt       time.Time  `json:"due_at"`
	Section     string     `json:"section"`
	Registrar   string     `json:"registrar"`
	Handler     string     `json:"handler,omitempty"`
	State       string     `json:"state"`
	StateLabel  string     `json:"state_label"`
	Answer      string     `json:"answer,omitempty"`
	Finding     string     `json:"finding,omitempty"`
	Measures    string     `json:"measures,omitempty"`
	AnsweredAt  *time.Time `json:"answered_at,omitempty"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
	Visit       string     `json:"visit,omitempty"`
	ReopenCount int        `json:"reopen_count"`
}

func viewOf(c *storage.Order) View {
	j := View{
		TicketNo: c.TicketNo, Category: c.Category, Content: c.Content, Location: c.Location,
		CallerName: c.CallerName, CallerPhone: c.CallerPhone, Urgency: "normal",
		ReceivedAt: c.ReceivedAt, DueAt: c.DueAt, Section: c.Section, Registrar: c.Registrar, Handler: c.Handler,
		State: c.State, StateLabel: workflow.OrderState(c.State).Label(), Answer: c.Answer, Finding: c.Finding,
		Measures: c.Measures, Visit: c.Visit, ReopenCount: c.ReopenCount,
	}
	if c.Urgent {
		j.Urgency = "urgent"
	}
	if c.AnsweredAt.Valid {
		j.AnsweredAt = &c.AnsweredAt.Time
	}
	if c.ClosedAt.Valid {
		j.ClosedAt = &c.ClosedAt.Time
	}
	return j
}

func (b *Flow) apiCreateOrder(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var in Input
	if !api.ReadInput(w, r, &in, fieldLabels) {
		return
	}
	now := b.Now()
	c, err := b.Validate(in, now)
	if fe, ok := api.AsFieldErrors(err); ok {
		api.WriteFieldErrors(w, fe)
		return
	}
	if err != nil {
		b.Log.ErrorContext(ctx, "api validate order", "err", err)
		api.WriteError(w, http.StatusInternalServerError, "internal error")
		return
	}
	c.Source = "api"
	var created bool
	var queued int
	err = b.DB.WithTx(ctx, func(tx *storage.Tx) error {
		var err error
		created, queued, err = b.Register(ctx, tx, c, now)
		return err
	})
	if err != nil {
		b.Log.ErrorContext(ctx, "api register order", "ticket", in.TicketNo, "err", err)
		api.WriteError(w, http.StatusServiceUnavailable, "the order could not be stored; try again")
		return
	}
	if queued > 0 && b.Queued != nil {
		b.Queued()
	}
	api.WriteStored(w, created, viewOf(c))
}

func (b *Flow) apiGetOrder(w http.ResponseWriter, r *http.Request) {
	ticket := r.PathValue("ticket_no")
	// A ticket_no no order can have (a NUL or invalid UTF-8 would make
	// Postgres refuse the query) is simply not there.
	if _, err := workflow.CheckTicketNo(ticket); err != nil {
		api.WriteError(w, http.StatusNotFound, "no such ticket_no")
		return
	}
	c, err := storage.OrderByTicket(r.Context(), b.DB, ticket)
	if errors.Is(err, storage.ErrNotFound) {
		api.WriteError(w, http.StatusNotFound, "no such ticket_no")
		return
	}
	if err != nil {
		b.Log.ErrorContext(r.Context(), "api get order", "err", err)
		api.WriteError(w, http.StatusServiceUnavailable, "try again")
		return
	}
	api.WriteJSON(w, http.StatusOK, viewOf(c))
}

// deprecatedSince is when /api/v1/complaints gave way to /api/v1/orders
// (2026-12-01, Asia/Shanghai), as RFC 9745's Deprecation header states it.
const deprecatedSince = 1796054400
