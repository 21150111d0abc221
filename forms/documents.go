package forms

import (
	"slices"

	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// DeskPath is a 审批单's page on the 办公桌 (/desk/form/{id}), where its
// documents are: the approval cards link there.
const DeskPath = "/desk/form"

// MayAttach reports whether p may upload documents to f (the text being
// published, its annexes): the submitter while the form is hers to change
// (under review or 驳回ed back to her), and the office (审核 and 发布)
// until it is published or withdrawn, since they prepare what goes out.
// Approvers read the documents; they do not replace them. A final form
// keeps what it was published or withdrawn with.
func (b *Flow) MayAttach(p config.Person, f *storage.Form) bool {
	switch workflow.State(f.State) {
	case workflow.StateReview, workflow.StateRejected:
		if p.UserID == f.Submitter {
			return true
		}
	case workflow.StatePublishing:
	default:
		return false
	}
	return slices.ContainsFunc([]config.Role{config.RoleOffice, config.RolePublisher}, p.Has)
}
