package workflow_test

import (
	"errors"
	"testing"

	"github.com/zwgk-bot/zwgk/workflow"
)

func TestApplicationNext(t *testing.T) {
	in := func(s workflow.ApplicationState) workflow.Application {
		return workflow.Application{State: s, Section: "综合一股", Handler: "hdl"}
	}
	with := func(a workflow.Application, f func(*workflow.Application)) workflow.Application { f(&a); return a }
	office := workflow.ApplicationActor{UserID: "off", Office: true}
	officeHead := workflow.ApplicationActor{UserID: "chief", Office: true, OfficeHead: true}
	head := workflow.ApplicationActor{UserID: "boss", Heads: []string{"综合一股"}}
	otherHead := workflow.ApplicationActor{UserID: "boss2", Heads: []string{"综合二股"}}
	handler := workflow.ApplicationActor{UserID: "hdl"}
	stranger := workflow.ApplicationActor{UserID: "x"}

	cases := []struct {
		name   string
		app    workflow.Application
		action workflow.ApplicationAction
		actor  workflow.ApplicationActor
		want   workflow.ApplicationState
		err    error
	}{
		{"office dispatches", with(in(workflow.ApplicationRegistered), func(a *workflow.Application) { a.Section, a.Handler = "", "" }), workflow.AppDispatch, office, workflow.ApplicationDispatched, nil},
		{"only the office dispatches", in(workflow.ApplicationRegistered), workflow.AppDispatch, head, "", workflow.ErrNotAppActor},
		{"head accepts", in(workflow.ApplicationDispatched), workflow.AppAccept, head, workflow.ApplicationAccepted, nil},
		{"another head may not", in(workflow.ApplicationDispatched), workflow.AppAccept, otherHead, "", workflow.ErrNotAppActor},
		{"accepting twice", in(workflow.ApplicationAccepted), workflow.AppAccept, head, "", workflow.ErrApplicationMoved},
		{"head returns to the office", in(workflow.ApplicationDispatched), workflow.AppReturn, head, workflow.ApplicationRegistered, nil},
		{"handler asks for 补正", in(workflow.ApplicationAccepted), workflow.AppAskSupplement, handler, workflow.ApplicationSupplement, nil},
		{"office asks for 补正 before dispatch", in(workflow.ApplicationRegistered), workflow.AppAskSupplement, office, workflow.ApplicationSupplement, nil},
		{"补正 once only (Art. 30: 一次性告知)", with(in(workflow.ApplicationAccepted), func(a *workflow.Application) { a.Supplemented = true }), workflow.AppAskSupplement, handler, "", workflow.ErrApplicationMoved},
		{"a stranger may not", in(workflow.ApplicationAccepted), workflow.AppAskSupplement, stranger, "", workflow.ErrNotAppActor},
		{"no 补正 once an extension is asked", with(in(workflow.ApplicationAccepted), func(a *workflow.Application) { a.ExtPending = true }), workflow.AppAskSupplement, handler, "", workflow.ErrApplicationMoved},
		{"no 补正 once extended", with(in(workflow.ApplicationAccepted), func(a *workflow.Application) { a.Extended = true }), workflow.AppAskSupplement, handler, "", workflow.ErrApplicationMoved},
		{"补正 received: back to the handler", in(workflow.ApplicationSupplement), workflow.AppSupplemented, office, workflow.ApplicationAccepted, nil},
		{"补正 received before dispatch: back to the office", with(in(workflow.ApplicationSupplement), func(a *workflow.Application) { a.Section, a.Handler = "", "" }), workflow.AppSupplemented, office, workflow.ApplicationRegistered, nil},
		{"补正 received before 签收: back to the section", with(in(workflow.ApplicationSupplement), func(a *workflow.Application) { a.Handler = "" }), workflow.AppSupplemented, office, workflow.ApplicationDispatched, nil},
		{"逾期不补正 closes", in(workflow.ApplicationSupplement), workflow.AppSupplementLapsed, office, workflow.ApplicationClosed, nil},
		{"consultation keeps the state", in(workflow.ApplicationAccepted), workflow.AppConsult, handler, workflow.ApplicationAccepted, nil},
		{"no answer without a consultation", in(workflow.ApplicationAccepted), workflow.AppConsulted, handler, "", workflow.ErrApplicationMoved},
		{"a consultation's answer", with(in(workflow.ApplicationAccepted), func(a *workflow.Application) { a.OpenConsultations = 1 }), workflow.AppConsulted, handler, workflow.ApplicationAccepted, nil},
		{"no reply while consulting", with(in(workflow.ApplicationAccepted), func(a *workflow.Application) { a.OpenConsultations = 1 }), workflow.AppSubmitReply, handler, "", workflow.ErrApplicationMoved},
		{"reply to review", in(workflow.ApplicationAccepted), workflow.AppSubmitReply, handler, workflow.ApplicationReview, nil},
		{"handler asks for an extension", in(workflow.ApplicationAccepted), workflow.AppAskExtend, handler, workflow.ApplicationAccepted, nil},
		{"one extension only (Art. 33)", with(in(workflow.ApplicationAccepted), func(a *workflow.Application) { a.Extended = true }), workflow.AppAskExtend, handler, "", workflow.ErrApplicationMoved},
		{"one request at a time", with(in(workflow.ApplicationReview), func(a *workflow.Application) { a.ExtPending = true }), workflow.AppAskExtend, handler, "", workflow.ErrApplicationMoved},
		{"the office head grants", with(in(workflow.ApplicationReview), func(a *workflow.Application) { a.ExtPending = true }), workflow.AppGrantExtend, officeHead, workflow.ApplicationReview, nil},
		{"another office member may not", with(in(workflow.ApplicationAccepted), func(a *workflow.Application) { a.ExtPending = true }), workflow.AppGrantExtend, office, "", workflow.ErrNotAppActor},
		{"nothing to grant", in(workflow.ApplicationAccepted), workflow.AppDenyExtend, officeHead, "", workflow.ErrApplicationMoved},
		{"office records 送达", in(workflow.ApplicationApproved), workflow.AppDeliver, office, workflow.ApplicationClosed, nil},
		{"no 送达 before approval", in(workflow.ApplicationReview), workflow.AppDeliver, office, "", workflow.ErrApplicationMoved},
	}
	for _, c := range cases {
		got, err := workflow.ApplicationNext(c.app, c.action, c.actor)
		if !errors.Is(err, c.err) || got != c.want {
			t.Errorf("%s: got %q, %v; want %q, %v", c.name, got, err, c.want, c.err)
		}
	}
	if _, err := workflow.ApplicationNext(in(workflow.ApplicationAccepted), "nonsense", handler); err == nil {
		t.Error("an unknown action was allowed")
	}
}
