package workflow

import (
	"errors"
	"slices"
)

// Stage is where a form waits: one of the three reviews of the paper form,
// then publication by the office.
type Stage string

// The stages in order.
const (
	StageSection Stage = "section" // 股室负责人审核
	StageOffice  Stage = "office"  // 办公室审核
	StageLeader  Stage = "leader"  // 主要负责人审核 (major items, or escalated)
	StagePublish Stage = "publish" // 办公室发布
)

// Label is the stage's name on cards and the printed form.
func (s Stage) Label() string {
	switch s {
	case StageSection:
		return "股室负责人审核"
	case StageOffice:
		return "办公室审核"
	case StageLeader:
		return "主要负责人审核"
	case StagePublish:
		return "办公室发布"
	}
	return string(s)
}

// State is a form's overall state.
type State string

// Form states.
const (
	StateReview     State = "review"     // waiting at a review stage
	StateRejected   State = "rejected"   // 驳回: the submitter may revise or withdraw
	StateWithdrawn  State = "withdrawn"  // 撤回 by the submitter: final
	StatePublishing State = "publishing" // approved, waiting for the publishers
	StatePublished  State = "published"  // every platform confirmed: final
)

// Label is the state's name for users.
func (s State) Label() string {
	switch s {
	case StateReview:
		return "审核中"
	case StateRejected:
		return "已驳回"
	case StateWithdrawn:
		return "已撤回"
	case StatePublishing:
		return "待发布"
	case StatePublished:
		return "已公开"
	}
	return string(s)
}

// Verdict is a recorded decision at a stage.
type Verdict string

// Verdicts. VerdictSelf records a stage skipped because its approver would
// have been the submitter (本人提交): nobody approves their own submission.
const (
	VerdictApprove  Verdict = "approve"
	VerdictEscalate Verdict = "escalate" // 同意并报主要负责人 (office only)
	VerdictReject   Verdict = "reject"
	VerdictSelf     Verdict = "self"
)

// Label is the verdict as the signature block shows it.
func (v Verdict) Label() string {
	switch v {
	case VerdictApprove:
		return "同意"
	case VerdictEscalate:
		return "同意并报主要负责人"
	case VerdictReject:
		return "驳回"
	case VerdictSelf:
		return "本人提交"
	}
	return string(v)
}

// Org is what routing needs of the roster for one form.
type Org struct {
	SectionHead string   // the submitter's 股室负责人
	Office      []string // office reviewers
	Leaders     []string // 主要负责人
	Publishers  []string
}

// AutoDecision is a decision recorded without a click: 本人提交.
type AutoDecision struct {
	Stage    Stage
	Approver string
}

// Step is where a form goes next: the stage, who acts there, and any
// stages recorded on the way because their approver was the submitter.
type Step struct {
	Stage     Stage
	Assignees []string
	Auto      []AutoDecision
}

// Routing errors.
var (
	ErrNoApprover     = errors.New("no approver for the stage")
	ErrNotAssignee    = errors.New("not the assigned approver")
	ErrVerdictNotHere = errors.New("verdict not allowed at this stage")
)

// Start routes a new or resubmitted form from its submitter.
func Start(submitter string, major bool, org Org) (Step, error) {
	if org.SectionHead == "" {
		return Step{}, ErrNoApprover
	}
	if org.SectionHead == submitter {
		return office(submitter, major, org, []AutoDecision{{StageSection, submitter}})
	}
	return Step{Stage: StageSection, Assignees: []string{org.SectionHead}}, nil
}

// Next routes a form after a non-reject verdict at stage. The caller has
// checked that the verdict came from an assignee of that stage.
func Next(stage Stage, v Verdict, submitter string, major bool, org Org) (Step, error) {
	if v == VerdictReject || v == VerdictSelf {
		return Step{}, ErrVerdictNotHere
	}
	if v == VerdictEscalate && stage != StageOffice {
		return Step{}, ErrVerdictNotHere
	}
	switch stage {
	case StageSection:
		return office(submitter, major, org, nil)
	case StageOffice:
		if major || v == VerdictEscalate {
			return leader(submitter, org, nil)
		}
		return publish(org, nil)
	case StageLeader:
		return publish(org, nil)
	}
	return Step{}, ErrVerdictNotHere
}

// office is the office stage; an office reviewer's own submission goes to
// another reviewer, or to the leader when there is none.
func office(submitter string, major bool, org Org, auto []AutoDecision) (Step, error) {
	as := without(org.Office, submitter)
	if len(as) == 0 {
		if !slices.Contains(org.Office, submitter) {
			return Step{}, ErrNoApprover
		}
		return leader(submitter, org, append(auto, AutoDecision{StageOffice, submitter}))
	}
	return Step{Stage: StageOffice, Assignees: as, Auto: auto}, nil
}

// leader is the leader stage. A leader's own item is not reviewed by
// themself: another leader takes it, or it is recorded as 本人提交.
func leader(submitter string, org Org, auto []AutoDecision) (Step, error) {
	as := without(org.Leaders, submitter)
	if len(as) == 0 {
		if !slices.Contains(org.Leaders, submitter) {
			return Step{}, ErrNoApprover
		}
		return publish(org, append(auto, AutoDecision{StageLeader, submitter}))
	}
	return Step{Stage: StageLeader, Assignees: as, Auto: auto}, nil
}

func publish(org Org, auto []AutoDecision) (Step, error) {
	if len(org.Publishers) == 0 {
		return Step{}, ErrNoApprover
	}
	return Step{Stage: StagePublish, Assignees: slices.Clone(org.Publishers), Auto: auto}, nil
}

func without(ids []string, drop string) []string {
	var out []string
	for _, id := range ids {
		if id != drop {
			out = append(out, id)
		}
	}
	return out
}

// Verdicts returns the buttons an approver has at stage, in card order.
func Verdicts(stage Stage, major bool) []Verdict {
	switch stage {
	case StageSection, StageLeader:
		return []Verdict{VerdictApprove, VerdictReject}
	case StageOffice:
		if major {
			return []Verdict{VerdictApprove, VerdictReject}
		}
		return []Verdict{VerdictApprove, VerdictEscalate, VerdictReject}
	}
	return nil
}
