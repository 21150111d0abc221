package orders

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// maxAPIBody bounds a request body of the machine API.
const maxAPIBody = 64 << 10

// APIRoutes registers the machine API (12345 orders) on mux, guarded by
// the bearer token. With an empty token the API is not served at all.
func (b *Flow) APIRoutes(mux *http.ServeMux, token string) {
	if token == "" {
		return
	}
	guard := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="zwgk"`)
				writeAPIError(w, http.StatusUnauthorized, "a valid bearer token is required")
				return
			}
			h(w, r)
		}
	}
	mux.HandleFunc("POST /api/v1/orders", guard(b.apiCreateOrder))
	mux.HandleFunc("GET /api/v1/orders/{ticket_no}", guard(b.apiGetOrder))
	// The paths before the work order had one name; deprecated, kept for
	// the clients written against them.
	mux.HandleFunc("POST /api/v1/complaints", guard(deprecated(b.apiCreateOrder)))
	mux.HandleFunc("GET /api/v1/complaints/{ticket_no}", guard(deprecated(b.apiGetOrder)))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func writeAPIError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
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
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAPIBody))
	if err != nil {
		writeAPIError(w, http.StatusRequestEntityTooLarge, "the body must be at most 64 KiB")
		return
	}
	var in Input
	fe, err := decodeComplaint(body, &in)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "the body must be one JSON object with the documented fields", "detail": err.Error()})
		return
	}
	if len(fe) > 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid fields", "errors": fe})
		return
	}
	now := b.Now()
	c, err := b.Validate(in, now)
	if fe, ok := asFieldErrors(err); ok {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid fields", "errors": fe})
		return
	}
	if err != nil {
		b.Log.ErrorContext(ctx, "api validate order", "err", err)
		writeAPIError(w, http.StatusInternalServerError, "internal error")
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
		writeAPIError(w, http.StatusServiceUnavailable, "the order could not be stored; try again")
		return
	}
	if queued > 0 && b.Queued != nil {
		b.Queued()
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, viewOf(c))
}

func (b *Flow) apiGetOrder(w http.ResponseWriter, r *http.Request) {
	ticket := r.PathValue("ticket_no")
	// A ticket_no no order can have (a NUL or invalid UTF-8 would make
	// Postgres refuse the query) is simply not there.
	if _, err := workflow.CheckTicketNo(ticket); err != nil {
		writeAPIError(w, http.StatusNotFound, "no such ticket_no")
		return
	}
	c, err := storage.OrderByTicket(r.Context(), b.DB, ticket)
	if errors.Is(err, storage.ErrNotFound) {
		writeAPIError(w, http.StatusNotFound, "no such ticket_no")
		return
	}
	if err != nil {
		b.Log.ErrorContext(r.Context(), "api get order", "err", err)
		writeAPIError(w, http.StatusServiceUnavailable, "try again")
		return
	}
	writeJSON(w, http.StatusOK, viewOf(c))
}

// deprecatedSince is when /api/v1/complaints gave way to /api/v1/orders
// (2026-12-01, Asia/Shanghai), as RFC 9745's Deprecation header states it.
const deprecatedSince = 1796054400

// deprecated answers as h does, and tells the client the path is
// deprecated and where its successor is.
func deprecated(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Deprecation", "@"+strconv.Itoa(deprecatedSince))
		w.Header().Set("Link", `</api/v1/orders>; rel="successor-version"`)
		h(w, r)
	}
}
