package orders

import (
	"database/sql"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zwgk-bot/zwgk/api"

	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// Input is a 12345 order as the API, a CSV row or the chat gives
// it: text fields, checked by Validate.
type Input struct {
	TicketNo    string `json:"ticket_no"`
	Category    string `json:"category"`
	Content     string `json:"content"`
	Location    string `json:"location"`
	CallerName  string `json:"caller_name"`
	CallerPhone string `json:"caller_phone"`
	Urgency     string `json:"urgency"`     // normal / urgent (or 一般 / 紧急)
	ReceivedAt  string `json:"received_at"` // RFC 3339; empty = now
	DueAt       string `json:"due_at"`      // RFC 3339; empty = from the limits
	Section     string `json:"section"`
	OpenID      string `json:"openid"`
	Registrar   string `json:"registrar"` // userid; the API and CSV default to the first office member
}

// fieldLabels name the fields in messages to people.
var fieldLabels = map[string]string{
	"ticket_no": "工单号", "category": "诉求类别", "content": "诉求内容", "location": "事发地点",
	"caller_name": "来电人", "caller_phone": "联系电话", "urgency": "紧急程度", "received_at": "接收时间",
	"due_at": "办理时限", "section": "承办股室", "openid": "openid", "registrar": "登记人",
}

// Lengths of free-text fields, in characters.
const (
	maxContent  = 2000
	maxLocation = 200
	maxName     = 50
)

// Bounds on the times a caller gives. received_at may be a little ahead of
// our clock (the 12345 platform's clock may run fast) but not later; it
// may not be before 2000, years before any 12345 hotline took orders for
// this bureau: earlier is a typo or a zero value (0001-01-01). due_at must
// be after received_at and at most a year later: the longest limit is 15
// working days and extensions add weeks, so a year leaves room for any
// real order while catching 9999-12-31 and wrong-year typos.
const (
	maxClockSkew = 5 * time.Minute
	maxDueYears  = 1
)

var earliestReceived = time.Date(2000, 1, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))

type namedText struct{ name, value string }

// texts are the input's fields with their JSON names.
func (in Input) texts() []namedText {
	return []namedText{
		{"ticket_no", in.TicketNo}, {"category", in.Category}, {"content", in.Content}, {"location", in.Location},
		{"caller_name", in.CallerName}, {"caller_phone", in.CallerPhone}, {"urgency", in.Urgency},
		{"received_at", in.ReceivedAt}, {"due_at", in.DueAt}, {"section", in.Section}, {"openid", in.OpenID},
		{"registrar", in.Registrar},
	}
}

// Validate checks every field and returns the order to store, or
// all the problems at once.
func (b *Flow) Validate(in Input, now time.Time) (*storage.Order, error) {
	var errs api.FieldErrors
	// One problem per field: the first found says the most.
	bad := func(field, msg string) {
		for _, e := range errs {
			if e.Field == field {
				return
			}
		}
		errs = append(errs, api.FieldError{Field: field, Message: msg})
	}
	// Text Postgres cannot store (NUL, invalid UTF-8) must be refused here:
	// failing at the INSERT looks like an outage to the caller. Other
	// control characters are no part of anything a caller said either.
	for _, f := range in.texts() {
		if msg := api.TextProblem(f.value); msg != "" {
			bad(f.name, fieldLabels[f.name]+msg)
		}
	}
	c := &storage.Order{State: string(workflow.OrderDispatched), CreatedAt: now, UpdatedAt: now, OpenID: strings.TrimSpace(in.OpenID)}

	if v, err := workflow.CheckTicketNo(in.TicketNo); err != nil {
		bad("ticket_no", err.Error())
	} else {
		c.TicketNo = v
	}
	cat, err := workflow.ParseCategory(in.Category)
	if err != nil {
		bad("category", err.Error())
	}
	c.Category = string(cat)
	c.Content = strings.TrimSpace(in.Content)
	switch n := utf8.RuneCountInString(c.Content); {
	case n == 0:
		bad("content", "诉求内容不能为空。")
	case n > maxContent:
		bad("content", "诉求内容不能超过2000字。")
	}
	c.Location = strings.TrimSpace(in.Location)
	if utf8.RuneCountInString(c.Location) > maxLocation {
		bad("location", "事发地点不能超过200字。")
	}
	c.CallerName = strings.TrimSpace(in.CallerName)
	if utf8.RuneCountInString(c.CallerName) > maxName {
		bad("caller_name", "来电人不能超过50字。")
	}
	if v, err := workflow.CheckPhone(in.CallerPhone); err != nil {
		bad("caller_phone", err.Error())
	} else {
		c.CallerPhone = v
	}
	switch strings.TrimSpace(in.Urgency) {
	case "", "normal", "一般":
	case "urgent", "紧急":
		c.Urgent = true
	default:
		bad("urgency", "紧急程度应为 normal（一般）或 urgent（紧急）。")
	}
	c.ReceivedAt = now
	if in.ReceivedAt != "" {
		t, err := time.Parse(time.RFC3339, in.ReceivedAt)
		switch {
		case err != nil:
			bad("received_at", "接收时间应为 RFC 3339 格式，如 2026-11-28T09:30:00+08:00。")
		case t.After(now.Add(maxClockSkew)):
			bad("received_at", "接收时间不能晚于现在。")
		case t.Before(earliestReceived):
			bad("received_at", "接收时间不能早于2000年1月1日。")
		default:
			c.ReceivedAt = t
		}
	}
	if s, ok := b.Roster.Section(strings.TrimSpace(in.Section)); ok {
		c.Section = s.Name
	} else {
		bad("section", "承办股室应为人员名单中的股室："+strings.Join(b.sectionNames(), "、")+"。")
	}
	if in.Registrar != "" {
		if p, ok := b.Roster.Person(in.Registrar); ok {
			c.Registrar = p.UserID
		} else {
			bad("registrar", "登记人不在人员名单中。")
		}
	} else if office := b.Roster.WithRole(config.RoleOffice); len(office) > 0 {
		c.Registrar = office[0].UserID
	}
	if len(errs) > 0 && (c.ReceivedAt.IsZero() || cat == "") {
		return nil, errs
	}
	if in.DueAt != "" {
		t, err := time.Parse(time.RFC3339, in.DueAt)
		switch {
		case err != nil:
			bad("due_at", "办理时限应为 RFC 3339 格式，如 2026-12-18T17:30:00+08:00。")
		case !t.After(c.ReceivedAt):
			bad("due_at", "办理时限应晚于接收时间。")
		case t.After(c.ReceivedAt.AddDate(maxDueYears, 0, 0)):
			bad("due_at", "办理时限不能晚于接收时间一年以上。")
		default:
			c.DueAt = t
		}
	} else if cat != "" {
		due, err := b.Limits.For(cat, c.Urgent).Due(b.Calendar, c.ReceivedAt)
		if err != nil {
			bad("due_at", "无法按工作日计算办理时限（工作日历缺少相应年份），请直接填写 due_at。")
		}
		c.DueAt = due
	}
	if acc, err := b.Limits.Accept.Due(b.Calendar, c.ReceivedAt); err == nil {
		c.AcceptDueAt = sql.NullTime{Time: acc, Valid: true}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

func (b *Flow) sectionNames() []string {
	var out []string
	for _, s := range b.Roster.Sections {
		out = append(out, s.Name)
	}
	return out
}

// asFieldErrors extracts FieldErrors from err.
func asFieldErrors(err error) (api.FieldErrors, bool) { return api.AsFieldErrors(err) }
