package workflow_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/workflow"
)

func TestOrderNext(t *testing.T) {
	t.Parallel()
	ext := time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC)
	base := workflow.Order{Section: "监测股", Registrar: "reg", Handler: "hdl"}
	in := func(s workflow.OrderState) workflow.Order { o := base; o.State = s; return o }
	withExt := func(o workflow.Order) workflow.Order { o.ExtUntil = ext; return o }
	visited := func(o workflow.Order) workflow.Order { o.Visit = "满意"; return o }
	// reopened is the order after a 不满意: a new round, its visit cleared.
	reopened := func(o workflow.Order) workflow.Order { o.ReopenCount++; o.Visit = ""; return o }
	head := workflow.OrderActor{UserID: "boss", Heads: []string{"监测股"}}
	otherHead := workflow.OrderActor{UserID: "boss2", Heads: []string{"执法股"}}
	handler := workflow.OrderActor{UserID: "hdl"}
	registrar := workflow.OrderActor{UserID: "reg"}
	office := workflow.OrderActor{UserID: "off", Office: true}
	stranger := workflow.OrderActor{UserID: "x"}

	cases := []struct {
		name   string
		order  workflow.Order
		action workflow.OrderAction
		actor  workflow.OrderActor
		visit  string
		want   workflow.OrderState
		err    error
	}{
		{"head accepts a dispatched order", in(workflow.OrderDispatched), workflow.OrderAccept, head, "", workflow.OrderAccepted, nil},
		{"another section's head may not accept", in(workflow.OrderDispatched), workflow.OrderAccept, otherHead, "", "", workflow.ErrNotOrderActor},
		{"accepting twice finds the order moved", in(workflow.OrderAccepted), workflow.OrderAccept, head, "", "", workflow.ErrOrderMoved},
		{"head transfers: dispatched again", in(workflow.OrderDispatched), workflow.OrderTransfer, head, "", workflow.OrderDispatched, nil},
		{"head returns to the registrar", in(workflow.OrderDispatched), workflow.OrderReturn, head, "", workflow.OrderReturned, nil},
		{"no return once accepted", in(workflow.OrderAccepted), workflow.OrderReturn, head, "", "", workflow.ErrOrderMoved},
		{"registrar re-dispatches a returned order", in(workflow.OrderReturned), workflow.OrderRedispatch, registrar, "", workflow.OrderDispatched, nil},
		{"only the registrar re-dispatches", in(workflow.OrderReturned), workflow.OrderRedispatch, head, "", "", workflow.ErrNotOrderActor},
		{"head assigns an accepted order", in(workflow.OrderAccepted), workflow.OrderAssign, head, "", workflow.OrderAssigned, nil},
		{"handler finishes", in(workflow.OrderAssigned), workflow.OrderFinish, handler, "", workflow.OrderAnswered, nil},
		{"someone else may not finish", in(workflow.OrderAssigned), workflow.OrderFinish, stranger, "", "", workflow.ErrNotOrderActor},
		{"no finishing before assignment", in(workflow.OrderAccepted), workflow.OrderFinish, handler, "", "", workflow.ErrOrderMoved},
		{"handler asks for an extension: state stays", in(workflow.OrderAssigned), workflow.OrderAskExtend, handler, "", workflow.OrderAssigned, nil},
		{"one extension request at a time", withExt(in(workflow.OrderAssigned)), workflow.OrderAskExtend, handler, "", "", workflow.ErrOrderMoved},
		{"office grants a pending extension", withExt(in(workflow.OrderAssigned)), workflow.OrderGrantExtend, office, "", workflow.OrderAssigned, nil},
		{"office refuses a pending extension", withExt(in(workflow.OrderAssigned)), workflow.OrderDenyExtend, office, "", workflow.OrderAssigned, nil},
		{"no decision without a request", in(workflow.OrderAssigned), workflow.OrderGrantExtend, office, "", "", workflow.ErrOrderMoved},
		{"only the office decides extensions", withExt(in(workflow.OrderAssigned)), workflow.OrderGrantExtend, head, "", "", workflow.ErrNotOrderActor},
		{"registrar confirms the reply to 12345", in(workflow.OrderAnswered), workflow.OrderReply, registrar, "", workflow.OrderClosed, nil},
		{"the office may confirm the reply too", in(workflow.OrderAnswered), workflow.OrderReply, office, "", workflow.OrderClosed, nil},
		{"the handler may not confirm the reply", in(workflow.OrderAnswered), workflow.OrderReply, handler, "", "", workflow.ErrNotOrderActor},
		{"satisfied visit keeps it closed", in(workflow.OrderClosed), workflow.OrderVisit, registrar, "满意", workflow.OrderClosed, nil},
		{"unsatisfied visit reopens to the handler", in(workflow.OrderClosed), workflow.OrderVisit, registrar, workflow.VisitUnsatisfied, workflow.OrderAssigned, nil},
		{"one visit per closing", visited(in(workflow.OrderClosed)), workflow.OrderVisit, registrar, "满意", "", workflow.ErrOrderMoved},
		{"no visit before the reply", in(workflow.OrderAnswered), workflow.OrderVisit, registrar, "满意", "", workflow.ErrOrderMoved},
		{"only the registrar visits", in(workflow.OrderClosed), workflow.OrderVisit, office, "满意", "", workflow.ErrNotOrderActor},
		{"the office turns an assigned order into an application", in(workflow.OrderAssigned), workflow.OrderConvert, office, "", workflow.OrderAnswered, nil},
		{"and a returned one", in(workflow.OrderReturned), workflow.OrderConvert, office, "", workflow.OrderAnswered, nil},
		{"only the office converts", in(workflow.OrderDispatched), workflow.OrderConvert, head, "", "", workflow.ErrNotOrderActor},
		{"an answered order is not converted", in(workflow.OrderAnswered), workflow.OrderConvert, office, "", "", workflow.ErrOrderMoved},
		{"a reopened order is handled again", reopened(in(workflow.OrderAssigned)), workflow.OrderFinish, handler, "", workflow.OrderAnswered, nil},
		{"no visit while a reopened order is handled", reopened(in(workflow.OrderAssigned)), workflow.OrderVisit, registrar, "满意", "", workflow.ErrOrderMoved},
		{"the second round's reply closes it again", reopened(in(workflow.OrderAnswered)), workflow.OrderReply, registrar, "", workflow.OrderClosed, nil},
		{"the second round has a visit of its own", reopened(in(workflow.OrderClosed)), workflow.OrderVisit, registrar, "满意", workflow.OrderClosed, nil},
		{"a second 不满意 reopens again", reopened(in(workflow.OrderClosed)), workflow.OrderVisit, registrar, workflow.VisitUnsatisfied, workflow.OrderAssigned, nil},
		{"one visit in the second round too", visited(reopened(in(workflow.OrderClosed))), workflow.OrderVisit, registrar, "基本满意", "", workflow.ErrOrderMoved},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := workflow.OrderNext(c.order, c.action, c.actor, c.visit)
			if !errors.Is(err, c.err) || got != c.want {
				t.Fatalf("OrderNext(%s, %s) = %q, %v; want %q, %v", c.order.State, c.action, got, err, c.want, c.err)
			}
		})
	}
	if _, err := workflow.OrderNext(in(workflow.OrderDispatched), "fly", head, ""); err == nil {
		t.Fatal("an unknown action was allowed")
	}
}

func TestVisitReason(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"  噪声仍未消除。 ", "噪声仍未消除。", true},
		{"", "", false},
		{"   ", "", false},
		{strings.Repeat("吵", workflow.MaxVisitReason), strings.Repeat("吵", workflow.MaxVisitReason), true},
		{strings.Repeat("吵", workflow.MaxVisitReason+1), "", false},
		{"太吵了😡", "", false},     // emoji: the paper form cannot carry it
		{"噪声​仍在", "噪声仍在", true}, // an invisible character pasted along is dropped
	} {
		got, err := workflow.VisitReason(c.in)
		if got != c.want || (err == nil) != c.ok {
			t.Errorf("VisitReason(%q) = %q, %v; want %q, ok %v", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestOrderCardLive(t *testing.T) {
	t.Parallel()
	o := workflow.Order{State: workflow.OrderDispatched, Section: "监测股"}
	mark := o.CardMark(workflow.CardDispatch)
	if !o.CardLive(workflow.CardDispatch, mark, "监测股") {
		t.Fatal("a fresh dispatch card is not live")
	}
	moved := o
	moved.State = workflow.OrderAccepted
	if moved.CardLive(workflow.CardDispatch, mark, "监测股") {
		t.Fatal("a dispatch card is live after 签收")
	}
	transferred := o
	transferred.Section = "执法股"
	if transferred.CardLive(workflow.CardDispatch, mark, "监测股") {
		t.Fatal("the old section's card is live after 转办")
	}

	closed := workflow.Order{State: workflow.OrderClosed, Section: "监测股"}
	visitMark := closed.CardMark(workflow.CardVisit)
	elsewhere := closed
	elsewhere.Section = "执法股"
	if !elsewhere.CardLive(workflow.CardVisit, visitMark, "监测股") {
		t.Fatal("the registrar's 回访 card died with a change of section")
	}
	closed.Visit = "满意"
	if closed.CardLive(workflow.CardVisit, visitMark, "监测股") {
		t.Fatal("a 回访 card is live after the visit was recorded")
	}

	reopened := workflow.Order{State: workflow.OrderAssigned, Section: "监测股"}
	handleMark := reopened.CardMark(workflow.CardHandle)
	reopened.ReopenCount++
	if reopened.CardLive(workflow.CardHandle, handleMark, "监测股") {
		t.Fatal("a card from before a reopening is live")
	}

	// 不满意 reopens; the new round is closed again. The first round's 回访
	// card is dead though the state is the same, the second's is live
	// because the reopening cleared the visit.
	first := workflow.Order{State: workflow.OrderClosed, Section: "监测股"}
	firstMark := first.CardMark(workflow.CardVisit)
	second := first
	second.ReopenCount = 1
	if second.CardLive(workflow.CardVisit, firstMark, "监测股") {
		t.Fatal("the first round's 回访 card is live in the second round")
	}
	if !second.CardLive(workflow.CardVisit, second.CardMark(workflow.CardVisit), "监测股") {
		t.Fatal("the second round's 回访 card is not live")
	}
	second.Visit = "满意"
	if second.CardLive(workflow.CardVisit, second.CardMark(workflow.CardVisit), "监测股") {
		t.Fatal("the second round's 回访 card is live after its visit")
	}

	asked := workflow.Order{State: workflow.OrderAssigned, Section: "监测股", ExtUntil: time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC)}
	extMark := asked.CardMark(workflow.CardExtend)
	if !asked.CardLive(workflow.CardExtend, extMark, "监测股") {
		t.Fatal("a pending extension's card is not live")
	}
	again := asked
	again.ExtUntil = time.Date(2026, 12, 25, 0, 0, 0, 0, time.UTC)
	if again.CardLive(workflow.CardExtend, extMark, "监测股") {
		t.Fatal("the card of an earlier extension request decides a later one")
	}
	decided := asked
	decided.ExtUntil = time.Time{}
	if decided.CardLive(workflow.CardExtend, decided.CardMark(workflow.CardExtend), "监测股") {
		t.Fatal("an extension card is live with no request pending")
	}
}
