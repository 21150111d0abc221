package forms

import (
	"encoding/json"
	"fmt"
	"github.com/zwgk-bot/zwgk/documents"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// Sentence is one entry of a form's 办理过程 in the bureau's words, for 查询
// and the printed form's 办理记录 alike: who (a name; empty for what the
// system did) and what, which reads on from who as one sentence
// (「张伟」「同意（股室负责人审核）。」). ok is false for an action it has no
// words for; what is then a neutral sentence, never the action's code.
// Every action the code audits on a form has its sentence (a test in
// router/ reads the storage.Audit calls and fails for one without).
func (b *Flow) Sentence(e storage.AuditEntry) (who, what string, ok bool) {
	var d struct {
		Stage      string `json:"stage"`
		Version    int    `json:"version"`
		Reason     string `json:"reason"`
		Platform   string `json:"platform"`
		Reference  string `json:"reference"`
		From       string `json:"from"`
		Deadline   string `json:"deadline"`
		Mode       string `json:"mode"`
		Recipients int    `json:"recipients"`
		// A 保密审查 (chat.RecordSecrecyReview).
		Checks     []string `json:"checks"`
		Conclusion string   `json:"conclusion"`
		Basis      string   `json:"basis"`
		// The 政府信息公开申请 a 依申请公开 form answers (submit, resubmit).
		Application string `json:"application"`
	}
	json.Unmarshal(e.Detail, &d) // a detail it cannot read says less, nothing wrong
	who = b.actorName(e.Actor)
	// A decision names its stage, and the version when the form was
	// revised: 同意 on the second version is not the first one's.
	at := workflow.Stage(d.Stage).Label()
	if d.Version > 1 {
		at += fmt.Sprintf("，第%d版", d.Version)
	}
	switch e.Action {
	case documents.UploadAction:
		return who, documents.Sentence(e.Detail), true
	case "submit":
		return who, "提交审批单" + linkedTo(d.Application) + "。", true
	case "resubmit":
		return who, fmt.Sprintf("修改后重新提交审批单（第%d版）%s。", max(d.Version, 2), linkedTo(d.Application)), true
	case string(workflow.VerdictSelf):
		// The stage's approver is the submitter: nobody approves their own
		// item, so the block says 本人提交 and the form goes on.
		return who, "为承办人本人，" + workflow.Stage(d.Stage).Label() + "一栏记为“本人提交”。", true
	case string(workflow.VerdictApprove):
		return who, "同意（" + at + "）。", true
	case string(workflow.VerdictEscalate):
		return who, "同意，并报主要负责人审核（" + at + "）。", true
	case string(workflow.VerdictReject):
		return who, "驳回（" + at + "），理由：" + chat.OrDash(strings.TrimSpace(d.Reason)) + "。", true
	case chat.ActionSecrecyReview:
		return who, b.secrecySentence(at, d.Checks, d.Conclusion, d.Basis), true
	case "withdraw":
		switch workflow.State(d.From) {
		case workflow.StateReview:
			return who, "撤回审核中的审批单，不再审核。", true
		case workflow.StateRejected:
			return who, "撤回被驳回的审批单，不再重新提交。", true
		}
		return who, "撤回审批单。", true
	case "publish":
		return who, "确认已在" + chat.OrDash(d.Platform) + "发布。", true
	case "publish_reference":
		return who, "登记" + chat.OrDash(d.Platform) + "的发布信息：" + chat.Clip(d.Reference, 100), true
	case "published":
		return "", "已在全部平台发布，审批单已公开。", true
	case "deadline":
		return "", "工作日历补充后，主动公开时限确定为" + b.dateText(d.Deadline) + "前。", true
	case "reply_deadline":
		if d.Deadline == "" {
			return "", "所关联申请待申请人补正，答复期限待定。", true
		}
		return "", "所关联申请的答复期限变更为" + b.dateText(d.Deadline) + "。", true
	case "mp_notice_queued":
		switch {
		case d.Mode == "mass":
			return "", "已通过公众号向订阅的关注者群发公开信息。", true
		case d.Recipients > 0:
			return "", fmt.Sprintf("已通过公众号向%d位订阅的关注者推送公开信息。", d.Recipients), true
		}
		return "", "公众号暂无订阅公开信息的关注者，未推送。", true
	case "mp_notice_skipped":
		return "", "本系统未接入公众号，公开信息未推送给关注者。", true
	case "mp_notice_refused":
		return "", "公开信息未推送给公众号关注者：" + chat.OrDash(strings.TrimSpace(d.Reason)) + "。", true
	}
	if b.Log != nil {
		b.Log.Warn("audit action without a sentence", "entity", e.Entity, "action", e.Action, "id", e.ID)
	}
	return who, "办理了其他事项。", false
}

// linkedTo names the application a submission answers: 「，关联申请
// 依申请〔2026〕5号」; empty for none.
func linkedTo(number string) string {
	if number == "" {
		return ""
	}
	return "，关联申请 " + number
}

// sentence is Sentence as one line of text: 「李娜提交审批单。」.
func (b *Flow) sentence(e storage.AuditEntry) string {
	who, what, _ := b.Sentence(e)
	return who + what
}

// actorName is the person who acted, or empty for the system: the
// scheduler, the 公众号's delivery and the command line act for nobody a
// user would know.
func (b *Flow) actorName(actor string) string {
	if actor == "" || actor == "system" || actor == "scheduler" || strings.HasPrefix(actor, "cli:") || strings.HasPrefix(actor, "mp:") {
		return ""
	}
	return b.Name(actor)
}

// dateText shows an audited date (YYYY-MM-DD) with its year, as the bot
// says dates: 2027年1月20日.
func (b *Flow) dateText(s string) string {
	d, err := time.ParseInLocation(time.DateOnly, s, b.Location)
	if err != nil {
		return chat.OrDash(s)
	}
	return workflow.FormatDate(d, b.Location)
}

// secrecySentence states a 保密审查 as the timeline tells it; the reason of
// a problem found is the 驳回's, told next.
func (b *Flow) secrecySentence(at string, checks []string, conclusion, basis string) string {
	c := workflow.SecrecyConclusion(conclusion)
	switch {
	case c == workflow.SecrecyProblem:
		return "保密审查发现问题，未予通过（" + at + "）。"
	case !c.Valid():
		return "完成保密审查（" + at + "）。"
	}
	var r workflow.SecrecyReview
	for _, k := range checks {
		r.Mark(workflow.SecrecyCheck(k))
	}
	r.Conclusion, r.Basis = c, basis
	return "完成保密审查（" + at + "）：" + r.Summary()
}
