package workflow

// ApplicationState is where a 政府信息公开申请 stands in the register.
type ApplicationState string

// The states, in the order of the usual path. A 征求意见 or an extension
// does not change the state: they change the clock (see the clock).
const (
	ApplicationRegistered ApplicationState = "registered" // 已登记: the office assigns a section
	ApplicationSupplement ApplicationState = "supplement" // 待补正: the 补正告知书 is out, the applicant owes the rest
	ApplicationDispatched ApplicationState = "dispatched" // 待签收 by the section head
	ApplicationAccepted   ApplicationState = "accepted"   // 办理中: the section drafts the reply
	ApplicationReview     ApplicationState = "review"     // 答复审核中: the reply goes through the three reviews
	ApplicationApproved   ApplicationState = "approved"   // 待送达: the reply is approved, not yet delivered
	ApplicationClosed     ApplicationState = "closed"     // 已办结: delivered (or closed as 逾期不补正)
)

// Label is the state for users.
func (s ApplicationState) Label() string {
	switch s {
	case ApplicationRegistered:
		return "已登记，待分办"
	case ApplicationSupplement:
		return "待申请人补正"
	case ApplicationDispatched:
		return "待签收"
	case ApplicationAccepted:
		return "办理中"
	case ApplicationReview:
		return "答复审核中"
	case ApplicationApproved:
		return "答复已审定，待送达"
	case ApplicationClosed:
		return "已办结"
	}
	return string(s)
}

// Open reports whether the application still runs against its clock.
func (s ApplicationState) Open() bool { return s != ApplicationClosed }
