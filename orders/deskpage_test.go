package orders

import (
	"database/sql"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// TestPageActionsFollowTheCards: the order's page offers each holder the
// steps their card offers at that moment, and no one else anything.
func TestPageActionsFollowTheCards(t *testing.T) {
	roster, err := config.ParseRoster(config.ExampleRoster)
	if err != nil {
		t.Fatal(err)
	}
	loc := workflow.DefaultCalendar().Location()
	b := &Flow{Bot: &chat.Bot{Roster: roster, Location: loc}}
	person := func(id string) config.Person {
		p, ok := roster.Person(id)
		if !ok {
			t.Fatalf("%s is not on the example roster", id)
		}
		return p
	}
	due := time.Date(2026, 12, 18, 23, 59, 59, 0, loc)
	order := func(state string, mod ...func(*storage.Order)) *storage.Order {
		c := &storage.Order{TicketNo: "GD1", State: state, Section: "综合一股", Registrar: "linxiaoyan", DueAt: due}
		for _, m := range mod {
			m(c)
		}
		return c
	}
	handled := func(c *storage.Order) { c.Handler = "lina" }
	pending := func(c *storage.Order) {
		c.ExtUntil, c.ExtReason = sql.NullTime{Time: due.AddDate(0, 0, 10), Valid: true}, "需第三方检测"
	}
	values := func(bs []chat.PageButton) []string {
		var out []string
		for _, b := range bs {
			out = append(out, b.Value)
		}
		return out
	}

	a := b.PageActionsFor(person("zhangwei"), order("dispatched"))
	if a == nil || !a.Accept || !a.Return || slices.Contains(values(a.Transfer), "综合一股") || !slices.Contains(values(a.Transfer), "综合二股") {
		t.Errorf("the head at 待签收: %+v", a)
	}
	if a := b.PageActionsFor(person("yangfan"), order("dispatched")); a != nil {
		t.Errorf("another section's head at 待签收: %+v", a)
	}
	a = b.PageActionsFor(person("lina"), order("assigned", handled))
	if a == nil || !a.Finish || !a.Extend || a.Due != "2026年12月18日前" || a.Decide {
		t.Errorf("the handler: %+v", a)
	}
	a = b.PageActionsFor(person("lina"), order("assigned", handled, pending))
	if a == nil || !a.Finish || a.Extend {
		t.Errorf("the handler with a request pending: %+v", a)
	}
	a = b.PageActionsFor(person("chenlixin"), order("assigned", handled, pending))
	if a == nil || !a.Decide || !strings.Contains(a.Request, "李娜申请将时限由2026年12月18日前延至2026年12月28日前，理由：需第三方检测") || a.Finish {
		t.Errorf("the office with a request pending: %+v", a)
	}
	if a := b.PageActionsFor(person("chenlixin"), order("assigned", handled)); a != nil {
		t.Errorf("the office with no request: %+v", a)
	}
	a = b.PageActionsFor(person("linxiaoyan"), order("returned"))
	if a == nil || len(a.Redispatch) != len(roster.Sections) {
		t.Errorf("the registrar of a returned order: %+v", a)
	}
	a = b.PageActionsFor(person("linxiaoyan"), order("closed", handled))
	if a == nil || !slices.Equal(a.Visits, workflow.Visits) {
		t.Errorf("the registrar after the reply: %+v", a)
	}
	if a := b.PageActionsFor(person("linxiaoyan"), order("closed", handled, func(c *storage.Order) { c.Visit = "满意" })); a != nil {
		t.Errorf("the registrar after the 回访: %+v", a)
	}
	// A decision is for the request the page showed: a new request after
	// a refused one changes the mark.
	one, other := order("assigned", handled, pending), order("assigned", handled, pending)
	other.ExtUntil.Time = other.ExtUntil.Time.AddDate(0, 0, 1)
	if pageMark(one) == pageMark(other) {
		t.Error("two extension requests give the page the same mark")
	}
}
