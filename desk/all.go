package desk

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/webauth"
	"github.com/zwgk-bot/zwgk/workflow"
)

// PageSize is how many rows a page of 全部在办 shows. Pages are by offset:
// the open records a page is cut from are read through the partial
// indexes on their deadline, so a deep page stays cheap.
const PageSize = 50

// maxPage bounds the page number (50 000 rows): deeper is a mistake.
const maxPage = 1000

// maxQuery bounds the search text, in characters.
const maxQuery = 50

// kinds are the registers 全部在办 shows, in the tabs' order.
var kinds = []struct{ Key, Label string }{
	{"form", "审批单"}, {"order", "12345工单"}, {"application", "依申请公开"},
}

type option struct {
	Value, Label string
	Selected     bool
}

type allBody struct {
	Kind     string
	Tabs     []option
	Query    string
	From, To string // as typed, for the inputs
	Sections []option
	States   []option
	Echo     string // the filter in words, dates with their year
	Rows     []row
	Page     int
	Prev     string
	Next     string
}

// filter is 全部在办's query, read and checked.
type filter struct {
	kind, query, from, to, section, state string
	fromDay, toDay                        time.Time
	page                                  int
}

// filterKeys are the query's keys each field parseFilter names is read
// from, with those that mean nothing without it: the page is linked to
// without them. A page number is dropped with any of them (the rows are
// other rows), a kind with its states.
var filterKeys = map[string][]string{
	"类别": {"kind", "state", "page"}, "搜索": {"q", "page"}, "起始日期": {"from", "page"}, "截止日期": {"to", "page"},
	"日期范围": {"from", "to", "page"}, "股室": {"section", "page"}, "状态": {"state", "page"}, "页码": {"page"},
}

// parseFilter reads the query; a bad field is named in the error.
func (d *Desk) parseFilter(q url.Values) (filter, string, string) {
	f := filter{kind: q.Get("kind"), query: strings.TrimSpace(q.Get("q")), from: strings.TrimSpace(q.Get("from")),
		to: strings.TrimSpace(q.Get("to")), section: q.Get("section"), state: q.Get("state"), page: 1}
	if f.kind == "" {
		f.kind = "form"
	}
	known := false
	for _, k := range kinds {
		known = known || k.Key == f.kind
	}
	if !known {
		return f, "类别", "应为审批单、12345工单或依申请公开之一。"
	}
	if utf8.RuneCountInString(f.query) > maxQuery {
		return f, "搜索", "不能超过" + strconv.Itoa(maxQuery) + "个字。"
	}
	var err error
	if f.from != "" {
		if f.fromDay, err = parseDay(f.from, d.Location); err != nil {
			return f, "起始日期", "应为日期，如 2026-11-01。"
		}
	}
	if f.to != "" {
		if f.toDay, err = parseDay(f.to, d.Location); err != nil {
			return f, "截止日期", "应为日期，如 2026-12-01。"
		}
	}
	if !f.fromDay.IsZero() && !f.toDay.IsZero() && f.fromDay.After(f.toDay) {
		return f, "日期范围", "起始日期" + workflow.FormatDate(f.fromDay, d.Location) + "晚于截止日期" + workflow.FormatDate(f.toDay, d.Location) + "，请调换。"
	}
	if f.section != "" {
		if _, ok := d.Auth.Roster.Section(f.section); !ok {
			return f, "股室", "不在本局的股室名单中。"
		}
	}
	if f.state != "" && !validState(f.kind, f.state) {
		return f, "状态", "不是该类事项的状态。"
	}
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > maxPage {
			return f, "页码", "应为1至" + strconv.Itoa(maxPage) + "之间的整数。"
		}
		f.page = n
	}
	return f, "", ""
}

// parseDay reads a YYYY-MM-DD day (what a date input sends).
func parseDay(s string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return time.Time{}, err
	}
	if t.Year() < 2000 || t.Year() > 2099 {
		return time.Time{}, strconv.ErrRange
	}
	return t, nil
}

// states are each register's states as the filter offers them; the empty
// value is the open ones.
func states(kind string) []option {
	var out []option
	switch kind {
	case "form":
		for _, s := range []workflow.State{workflow.StateReview, workflow.StatePublishing, workflow.StatePublished, workflow.StateRejected, workflow.StateWithdrawn} {
			out = append(out, option{Value: string(s), Label: s.Label()})
		}
	case "order":
		for _, s := range []workflow.OrderState{workflow.OrderDispatched, workflow.OrderReturned, workflow.OrderAccepted, workflow.OrderAssigned, workflow.OrderAnswered, workflow.OrderClosed} {
			out = append(out, option{Value: string(s), Label: s.Label()})
		}
	case "application":
		for _, s := range []workflow.ApplicationState{workflow.ApplicationRegistered, workflow.ApplicationSupplement, workflow.ApplicationDispatched,
			workflow.ApplicationAccepted, workflow.ApplicationReview, workflow.ApplicationApproved, workflow.ApplicationClosed} {
			out = append(out, option{Value: string(s), Label: s.Label()})
		}
	}
	return out
}

func validState(kind, state string) bool {
	for _, o := range states(kind) {
		if o.Value == state {
			return true
		}
	}
	return false
}

// serveAll is 全部在办: every open record of one register (or those the
// filter asks for), for the office, the leaders and the supervisor — who
// may see every record of the three registers in the chat too.
func (d *Desk) serveAll(w http.ResponseWriter, r *http.Request, v *webauth.Visitor) {
	if !d.Orders.Overseer(v.Person) {
		webauth.Refuse(w, http.StatusForbidden, "无权查看", "全部在办事项仅供综合办公室、主要负责人和纪检监督查看。您的待办事项请见办公桌首页。")
		return
	}
	f, field, fix := d.parseFilter(r.URL.Query())
	if field != "" {
		badField(w, field, fix, without(AllPath, r.URL.Query(), filterKeys[field]...), "返回全部在办（不带此条件）")
		return
	}
	sf := storage.DeskFilter{State: f.state, Section: f.section, From: f.fromDay, To: f.toDay, Loc: d.Location,
		Offset: (f.page - 1) * PageSize, Limit: PageSize + 1}
	body := allBody{Kind: f.kind, Query: f.query, From: f.from, To: f.to, Page: f.page}
	var echo []string
	if f.query != "" {
		echo = append(echo, "搜索「"+f.query+"」")
	}
	ctx := r.Context()
	var rows []row
	switch f.kind {
	case "form":
		if y, n, ok := workflow.ParseSerial(f.query); ok {
			sf.Year, sf.Seq = y, n
		} else {
			sf.Text = f.query
		}
		fs, err := storage.DeskForms(ctx, d.DB, d.withPeople(sf))
		if err != nil {
			d.fail(w, r, "desk forms", err)
			return
		}
		for i := range fs {
			rows = append(rows, d.formRow(&fs[i]))
		}
	case "order":
		if isTicket(f.query) {
			sf.Ticket = f.query
		} else {
			sf.Text = f.query
		}
		os, err := storage.DeskOrders(ctx, d.DB, sf)
		if err != nil {
			d.fail(w, r, "desk orders", err)
			return
		}
		for i := range os {
			rows = append(rows, d.orderRow(&os[i], v.Person))
		}
	case "application":
		if y, n, ok := workflow.ParseApplicationNumber(f.query); ok {
			sf.Year, sf.Seq = y, n
		} else {
			sf.Text = f.query
		}
		as, err := storage.DeskApplications(ctx, d.DB, sf)
		if err != nil {
			d.fail(w, r, "desk applications", err)
			return
		}
		for i := range as {
			rows = append(rows, d.applicationRow(&as[i], v.Person))
		}
	}
	if len(rows) > PageSize {
		rows = rows[:PageSize]
		body.Next = d.pageLink(f, f.page+1)
	}
	if f.page > 1 {
		body.Prev = d.pageLink(f, f.page-1)
	}
	body.Rows = rows

	for _, k := range kinds {
		body.Tabs = append(body.Tabs, option{Value: AllPath + "?kind=" + k.Key, Label: k.Label, Selected: k.Key == f.kind})
	}
	body.Sections = append(body.Sections, option{Value: "", Label: "全部股室", Selected: f.section == ""})
	for _, s := range d.Auth.Roster.Sections {
		body.Sections = append(body.Sections, option{Value: s.Name, Label: s.Name, Selected: s.Name == f.section})
	}
	if f.section != "" {
		echo = append(echo, "股室："+f.section)
	}
	body.States = append(body.States, option{Value: "", Label: "在办（未办结）", Selected: f.state == ""})
	for _, o := range states(f.kind) {
		o.Selected = o.Value == f.state
		body.States = append(body.States, o)
		if o.Selected {
			echo = append(echo, "状态："+o.Label)
		}
	}
	switch {
	case !f.fromDay.IsZero() && !f.toDay.IsZero():
		echo = append(echo, "日期："+workflow.FormatDate(f.fromDay, d.Location)+"至"+workflow.FormatDate(f.toDay, d.Location))
	case !f.fromDay.IsZero():
		echo = append(echo, "日期："+workflow.FormatDate(f.fromDay, d.Location)+"起")
	case !f.toDay.IsZero():
		echo = append(echo, "日期：截至"+workflow.FormatDate(f.toDay, d.Location))
	}
	body.Echo = strings.Join(echo, "；")
	title := "全部在办"
	for _, k := range kinds {
		if k.Key == f.kind {
			title += " · " + k.Label
		}
	}
	d.Auth.Render(w, d.pages, http.StatusOK, "all", v, title, body)
}

// withPeople adds to a form search the people whose name the text is part
// of: searching 李娜 finds her forms.
func (d *Desk) withPeople(f storage.DeskFilter) storage.DeskFilter {
	if f.Text == "" {
		return f
	}
	for _, p := range d.Auth.Roster.People {
		if strings.Contains(p.Name, f.Text) {
			f.People = append(f.People, p.UserID)
		}
	}
	return f
}

// isTicket reports whether s looks like a 12345 工单号: digits only.
func isTicket(s string) bool {
	if len(s) < 6 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func (d *Desk) pageLink(f filter, page int) string {
	q := url.Values{"kind": {f.kind}}
	for k, v := range map[string]string{"q": f.query, "from": f.from, "to": f.to, "section": f.section, "state": f.state} {
		if v != "" {
			q.Set(k, v)
		}
	}
	q.Set("page", strconv.Itoa(page))
	return AllPath + "?" + q.Encode()
}
