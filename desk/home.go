package desk

import (
	"net/http"
	"slices"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/webauth"
	"github.com/zwgk-bot/zwgk/workflow"
)

// mineLimit bounds 我经办的: a person's own open records are few; the
// office's whole register is 全部在办's, paged.
const mineLimit = 50

type homeBody struct {
	Waiting  []row
	Mine     []row
	Overseer bool
	AllPath  string
	Stats    string
	// Annual links the 年度报告 for those who may read it.
	Annual     bool
	AnnualPath string
	Today      string
}

// serveHome is the 办公桌: what waits for me (as 待办 lists it: the forms at
// my stage and the applications waiting for me; the orders at my 签收),
// then my own open records.
func (d *Desk) serveHome(w http.ResponseWriter, r *http.Request, v *webauth.Visitor) {
	ctx := r.Context()
	p := v.Person
	body := homeBody{Overseer: d.Orders.Overseer(p), AllPath: AllPath, Stats: StatsPath, Today: workflow.FormatDate(d.Now(), d.Location),
		Annual: d.Office.MayReadAnnual(p), AnnualPath: AnnualPath}

	fs, err := storage.FormsWaitingFor(ctx, d.DB, p.UserID)
	if err != nil {
		d.fail(w, r, "forms waiting", err)
		return
	}
	for i := range fs {
		row := d.formRow(&fs[i])
		row.What = "待" + workflow.Stage(fs[i].Stage).Label()
		body.Waiting = append(body.Waiting, row)
	}
	ws, err := d.Applications.WaitingFor(ctx, d.DB, p)
	if err != nil {
		d.fail(w, r, "applications waiting", err)
		return
	}
	for _, it := range ws {
		row := d.applicationRow(it.Application, p)
		row.What = it.What
		body.Waiting = append(body.Waiting, row)
	}

	// The 12345 orders at my 签收 or 指定承办人, as their cards ask for.
	for _, s := range d.Auth.Roster.Sections {
		if s.Head != p.UserID {
			continue
		}
		for _, st := range []workflow.OrderState{workflow.OrderDispatched, workflow.OrderAccepted} {
			os, err := storage.DeskOrders(ctx, d.DB, storage.DeskFilter{State: string(st), Section: s.Name, Limit: mineLimit})
			if err != nil {
				d.fail(w, r, "orders waiting", err)
				return
			}
			for i := range os {
				row := d.orderRow(&os[i], p)
				row.What = map[workflow.OrderState]string{workflow.OrderDispatched: "待签收", workflow.OrderAccepted: "待指定承办人"}[st]
				body.Waiting = append(body.Waiting, row)
			}
		}
	}

	mine, err := storage.FormsBySubmitter(ctx, d.DB, p.UserID, mineLimit)
	if err != nil {
		d.fail(w, r, "my forms", err)
		return
	}
	for i := range mine {
		if st := workflow.State(mine[i].State); st == workflow.StateReview || st == workflow.StatePublishing {
			body.Mine = append(body.Mine, d.formRow(&mine[i]))
		}
	}
	os, err := storage.OrdersFor(ctx, d.DB, p.UserID, mineLimit)
	if err != nil {
		d.fail(w, r, "my orders", err)
		return
	}
	for i := range os {
		if os[i].State != string(workflow.OrderClosed) && !slices.ContainsFunc(body.Waiting, func(w row) bool { return w.Number == os[i].TicketNo }) {
			body.Mine = append(body.Mine, d.orderRow(&os[i], p))
		}
	}
	var heads []string
	for _, s := range d.Auth.Roster.Sections {
		if s.Head == p.UserID {
			heads = append(heads, s.Name)
		}
	}
	as, err := storage.ListApplications(ctx, d.DB, storage.ApplicationFilter{Open: true, Person: p.UserID, Sections: heads, Limit: mineLimit})
	if err != nil {
		d.fail(w, r, "my applications", err)
		return
	}
	for i := range as {
		if slices.ContainsFunc(body.Waiting, func(w row) bool { return w.Number == as[i].Number() }) {
			continue // listed as waiting already
		}
		body.Mine = append(body.Mine, d.applicationRow(&as[i], p))
	}
	d.Auth.Render(w, d.pages, http.StatusOK, "home", v, "办公桌", body)
}
