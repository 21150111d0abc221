package forms

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/chat"

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

// DeskLink is f's page on the 办公桌, with its documents.
func (b *Flow) DeskLink(f *storage.Form) string {
	return b.PublicURL + DeskPath + "/" + strconv.FormatInt(f.ID, 10)
}

// cardJumps are a form's card's links: the printable form (link), and its
// page on the 办公桌, where the approver reads the documents, with how many
// there are. (WeCom suggests a jump's title of at most 13 characters.)
func (b *Flow) cardJumps(ctx context.Context, t *chat.Turn, f *storage.Form, link string) ([]bot.CardJump, error) {
	n, err := storage.CountDocuments(ctx, t.Tx, storage.DocForm, f.ID)
	if err != nil {
		return nil, err
	}
	desk := "在办公桌查看（暂无附件）"
	if n > 0 {
		desk = fmt.Sprintf("查看附件（共%d份）", n)
	}
	return []bot.CardJump{{Type: 1, Title: "查看详情（可打印审批单）", URL: link}, {Type: 1, Title: desk, URL: b.DeskLink(f)}}, nil
}
