package workflow

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
)

// ApplicationAction is a step in an application's life. Its value is
// also the action's name in the audit log.
type ApplicationAction string

// The actions, in the order of the usual path.
const (
	AppDispatch         ApplicationAction = "dispatch"            // 分办 to a section, by the office
	AppAccept           ApplicationAction = "accept"              // 签收 and name the handler, by the section head
	AppReturn           ApplicationAction = "return"              // 退回 to the office, by the section head
	AppAskSupplement    ApplicationAction = "supplement_asked"    // 补正告知书 sent, by the handler or the office
	AppSupplemented     ApplicationAction = "supplement_received" // the completed application arrived, by the handler or the office
	AppSupplementLapsed ApplicationAction = "supplement_lapsed"   // 逾期不补正: closed, by the office
	AppConsult          ApplicationAction = "consult"             // 征求意见 sent (Arts. 32, 34), by the handler
	AppConsulted        ApplicationAction = "consult_answered"    // its answer, or the 15 WD passed, by the handler
	AppAskExtend        ApplicationAction = "extend_request"      // 申请延期, by the handler
	AppGrantExtend      ApplicationAction = "extend_approved"     // by the head of the office (Art. 33)
	AppDenyExtend       ApplicationAction = "extend_refused"      // by the head of the office
	AppSubmitReply      ApplicationAction = "reply_submitted"     // the drafted reply goes to review, by the handler
	AppDeliver          ApplicationAction = "delivered"           // 送达 recorded, by the office: closes it
)

// Application is what the rules read of an application.
type Application struct {
	State   ApplicationState
	Section string
	Handler string
	// Supplemented: a 补正 was asked already (Art. 30 asks for it all at
	// once: a second 补正告知书 is not allowed).
	Supplemented bool
	// ExtPending: an extension request waits for the office head.
	ExtPending bool
	// Extended: the one extension of Art. 33 was granted.
	Extended bool
	// OpenConsultations counts the 征求意见 not yet answered.
	OpenConsultations int
}

// ApplicationActor is who acts, as the rules need to know them.
type ApplicationActor struct {
	UserID     string
	Heads      []string // the sections they head
	Office     bool     // a 综合办公室 member
	OfficeHead bool     // the head of the 综合办公室: approves extensions (Art. 33)
}

// Errors of ApplicationNext.
var (
	ErrApplicationMoved = errors.New("application: not in a state that allows this action")
	ErrNotAppActor      = errors.New("application: not this actor's step")
)

type appRule struct {
	from []ApplicationState
	by   func(a Application, x ApplicationActor) bool
	to   ApplicationState
	when func(a Application) bool
}

func appByOffice(_ Application, x ApplicationActor) bool { return x.Office }
func appByHead(a Application, x ApplicationActor) bool {
	return a.Section != "" && slices.Contains(x.Heads, a.Section)
}
func appByHandler(a Application, x ApplicationActor) bool {
	return x.UserID != "" && x.UserID == a.Handler
}
func appByHandlerOrOffice(a Application, x ApplicationActor) bool {
	return appByHandler(a, x) || x.Office
}
func appByOfficeHead(_ Application, x ApplicationActor) bool { return x.OfficeHead }

// handling is where the section works on an application; waiting is
// every state before the reply is drafted.
var (
	handling = []ApplicationState{ApplicationAccepted}
	waiting  = []ApplicationState{ApplicationRegistered, ApplicationDispatched, ApplicationAccepted}
)

var appRules = map[ApplicationAction]appRule{
	AppDispatch: {from: []ApplicationState{ApplicationRegistered}, by: appByOffice, to: ApplicationDispatched},
	AppAccept:   {from: []ApplicationState{ApplicationDispatched}, by: appByHead, to: ApplicationAccepted},
	AppReturn:   {from: []ApplicationState{ApplicationDispatched}, by: appByHead, to: ApplicationRegistered},
	AppAskSupplement: {from: waiting, by: appByHandlerOrOffice, to: ApplicationSupplement, when: func(a Application) bool {
		// An extension asked or granted extends a clock that a 补正 would
		// stop and start again: the deadline could not be computed.
		return !a.Supplemented && !a.Extended && !a.ExtPending
	}},
	AppSupplemented:     {from: []ApplicationState{ApplicationSupplement}, by: appByHandlerOrOffice},
	AppSupplementLapsed: {from: []ApplicationState{ApplicationSupplement}, by: appByOffice, to: ApplicationClosed},
	AppConsult:          {from: handling, by: appByHandler},
	AppConsulted:        {from: append(slices.Clone(handling), ApplicationReview), by: appByHandler, when: func(a Application) bool { return a.OpenConsultations > 0 }},
	AppAskExtend:        {from: []ApplicationState{ApplicationAccepted, ApplicationReview}, by: appByHandler, when: func(a Application) bool { return !a.ExtPending && !a.Extended }},
	AppGrantExtend:      {from: []ApplicationState{ApplicationAccepted, ApplicationReview}, by: appByOfficeHead, when: func(a Application) bool { return a.ExtPending }},
	AppDenyExtend:       {from: []ApplicationState{ApplicationAccepted, ApplicationReview}, by: appByOfficeHead, when: func(a Application) bool { return a.ExtPending }},
	AppSubmitReply:      {from: handling, by: appByHandler, to: ApplicationReview, when: func(a Application) bool { return a.OpenConsultations == 0 }},
	AppDeliver:          {from: []ApplicationState{ApplicationApproved}, by: appByOffice, to: ApplicationClosed},
}

// ApplicationNext says whether actor may take action on a now, and the
// state that follows: ErrApplicationMoved when a is not where the action
// applies, ErrNotAppActor when the step is someone else's. After 补正 the
// application goes back to where it waited: with its handler if it had
// one, else to its section's 签收, else to the office's 分办.
func ApplicationNext(a Application, action ApplicationAction, actor ApplicationActor) (ApplicationState, error) {
	r, ok := appRules[action]
	if !ok {
		return "", errors.New("application: unknown action " + strconv.Quote(string(action)))
	}
	if !slices.Contains(r.from, a.State) || r.when != nil && !r.when(a) {
		return "", ErrApplicationMoved
	}
	if !r.by(a, actor) {
		return "", ErrNotAppActor
	}
	if action == AppSupplemented {
		switch {
		case a.Handler != "":
			return ApplicationAccepted, nil
		case a.Section != "":
			return ApplicationDispatched, nil
		}
		return ApplicationRegistered, nil
	}
	return cmp.Or(r.to, a.State), nil
}
