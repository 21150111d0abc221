package desk

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/orders"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/webauth"
	"github.com/zwgk-bot/zwgk/workflow"
)

// OrderPath is a 12345 order's own page: /desk/order/{id}; its actions
// are posted to OrderPath/{id}/act.
const OrderPath = "/desk/order"

func orderPath(id int64) string { return OrderPath + "/" + strconv.FormatInt(id, 10) }

// orderActions are the visitor's actions on an order, with what a refused
// post had entered (kept, so that nothing typed is lost).
type orderActions struct {
	*orders.PageActions
	Path, CSRF                string
	Answer, Finding, Measures string
	// Posted is the refused action, whose form shows Reason, Until,
	// Section and Visit as they were entered.
	Posted, Reason, Until, Section, Visit string
}

// serveOrder is an order's page, for whoever may see it (the 工单
// lookup's rule).
func (d *Desk) serveOrder(w http.ResponseWriter, r *http.Request, v *webauth.Visitor) {
	id, ok := pageID(w, r, "工单")
	if !ok {
		return
	}
	rec, c, ok := d.orderRecord(w, r, v, id)
	if !ok {
		return
	}
	if done := webauth.Done(r, v); done != "" {
		rec.Notice = d.Orders.DoneNote(c, done)
	}
	d.Auth.Render(w, d.pages, http.StatusOK, "record", v, "12345工单 "+rec.Number, rec)
}

// orderRecord builds the page of order id for v; false when it has
// answered (not found, not v's to see, or a failure).
func (d *Desk) orderRecord(w http.ResponseWriter, r *http.Request, v *webauth.Visitor, id int64) (*record, *storage.Order, bool) {
	ctx := r.Context()
	c, err := storage.OrderByID(ctx, d.DB, id)
	if errors.Is(err, storage.ErrNotFound) {
		webauth.Refuse(w, http.StatusNotFound, "未找到", "没有找到该工单，请返回办公桌核对。")
		return nil, nil, false
	}
	if err != nil {
		d.fail(w, r, "open order", err)
		return nil, nil, false
	}
	if !d.Orders.MaySee(v.Person, c) {
		webauth.Refuse(w, http.StatusForbidden, "无权查看", "您无权查看该工单。如有需要，请联系综合办公室。")
		return nil, nil, false
	}
	rec, err := d.buildOrderRecord(ctx, v, c)
	if err != nil {
		d.fail(w, r, "open order", err)
		return nil, nil, false
	}
	return rec, c, true
}

func (d *Desk) buildOrderRecord(ctx context.Context, v *webauth.Visitor, c *storage.Order) (*record, error) {
	trail, err := storage.AuditTrail(ctx, d.DB, storage.EntityOrder, c.TicketNo)
	if err != nil {
		return nil, err
	}
	row := d.orderRow(c, v.Person)
	rec := &record{
		Kind: "12345工单", Number: c.TicketNo, Fields: d.Orders.PageFields(c, v.Person.UserID), State: d.Orders.Where(c),
		Deadline: d.Orders.DueText(c), Left: row.Left, Overdue: row.Overdue,
		PrintText: "本页可直接打印（浏览器菜单中的「打印」）。",
	}
	if !workflow.OrderState(c.State).Open() {
		rec.Left = ""
	}
	for _, e := range trail {
		who, what, _ := d.Orders.Sentence(e)
		rec.Timeline = append(rec.Timeline, event{At: workflow.FormatDateTime(e.At, d.Location), Text: who + what})
	}
	if a := d.Orders.PageActionsFor(v.Person, c); a != nil {
		rec.Order = &orderActions{PageActions: a, Path: orderPath(c.ID) + "/act", CSRF: v.CSRF}
	}
	return rec, nil
}

// serveOrderAct takes an action posted from an order's page: in a turn of
// the visitor's, through the flow's function the card's click runs,
// against the order as the page showed it.
func (d *Desk) serveOrderAct(w http.ResponseWriter, r *http.Request, v *webauth.Visitor) {
	id, ok := pageID(w, r, "工单")
	if !ok {
		return
	}
	f := r.PostForm
	act := orders.PageAction{OrderID: id, Mark: f.Get("mark"), Action: f.Get("action"), Handler: f.Get("handler"),
		Answer: f.Get("answer"), Finding: f.Get("finding"), Measures: f.Get("measures"),
		Section: f.Get("section"), Reason: f.Get("reason"), Until: f.Get("until"), Visit: f.Get("visit")}
	if act.Mark == "" || act.Action == "" {
		webauth.Refuse(w, http.StatusBadRequest, "操作未执行", "页面内容不完整，操作未执行。请返回办公桌重新打开该工单。")
		return
	}
	var res chat.PageResult
	err := d.Orders.Act(r.Context(), v.Person, func(ctx context.Context, t *chat.Turn) error {
		var err error
		res, err = d.Orders.ActOnPage(ctx, t, act)
		return err
	})
	if err != nil {
		d.fail(w, r, "act on order", err)
		return
	}
	answerAction(w, r, res, webauth.DoneQuery(v, orderPath(id), act.Action), func(status int) {
		rec, _, ok := d.orderRecord(w, r, v, id)
		if !ok {
			return
		}
		rec.Notice, rec.NoticeBad = res.Text, res.Outcome != chat.PageRepeat
		if (res.Outcome == chat.PageBadInput || res.Outcome == chat.PageStale) && rec.Order != nil {
			// Whatever of it the page still offers shows what was typed.
			o := rec.Order
			o.Answer, o.Finding, o.Measures = act.Answer, act.Finding, act.Measures
			o.Posted, o.Reason, o.Until, o.Section, o.Visit = act.Action, act.Reason, act.Until, act.Section, act.Visit
		}
		d.Auth.Render(w, d.pages, status, "record", v, "12345工单 "+rec.Number, rec)
	})
}
