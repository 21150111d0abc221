package applications

import (
	"encoding/json"
	"fmt"
	"github.com/zwgk-bot/zwgk/documents"
	"strings"

	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// Sentence is one entry of an application's 办理过程 in the bureau's
// words: who (a name; empty for what the system did) and what, which
// reads on from who as one sentence. ok is false for an action it has no
// words for (a test in router/ fails for an audited action without).
func (b *Flow) Sentence(e storage.AuditEntry) (who, what string, ok bool) {
	var d struct {
		Source     string   `json:"source"`
		Channel    string   `json:"channel"`
		Received   string   `json:"received"`
		Due        string   `json:"due"`
		Section    string   `json:"section"`
		Ticket     string   `json:"ticket"`
		Reason     string   `json:"reason"`
		From       string   `json:"from"`
		Handler    string   `json:"handler"`
		Items      string   `json:"items"`
		On         string   `json:"on"`
		Party      string   `json:"party"`
		Sent       string   `json:"sent"`
		Answer     string   `json:"answer"`
		Days       int      `json:"days"`
		Outcome    string   `json:"outcome"`
		Round      int      `json:"round"`
		Stage      string   `json:"stage"`
		How        string   `json:"how"`
		Tracking   string   `json:"tracking"`
		Late       bool     `json:"late"`
		SupDue     string   `json:"supplement_due"`
		Checks     []string `json:"checks"`
		Conclusion string   `json:"conclusion"`
		Basis      string   `json:"basis"`
		Kind       string   `json:"kind"`
		Filed      string   `json:"filed"`
		Result     string   `json:"result"`
		Decided    string   `json:"decided"`
		Note       string   `json:"note"`
	}
	json.Unmarshal(e.Detail, &d) // a detail it cannot read says less, nothing wrong
	who = b.actorName(e.Actor)
	switch e.Action {
	case documents.UploadAction:
		return who, documents.Sentence(e.Detail), true
	case "register":
		how := "登记申请"
		switch d.Source {
		case "api":
			how, who = "经网上申请平台登记申请", ""
		case "csv":
			how = "经文件导入登记申请"
		case "order":
			how = "将12345工单转为政府信息公开申请"
			if d.Ticket != "" {
				how = "将12345工单 " + d.Ticket + " 转为政府信息公开申请"
			}
		}
		if d.Channel != "" {
			how += "（" + d.Channel + "）"
		}
		if d.Section != "" {
			how += "，分办至" + d.Section
		}
		if d.Due != "" {
			how += "，答复期限" + dateWords(d.Due)
		}
		return who, how + "。", true
	case string(workflow.AppDispatch):
		return who, "将申请分办至" + chat.OrDash(d.Section) + "。", true
	case string(workflow.AppAccept):
		if d.Handler != "" && d.Handler == e.Actor {
			return who, "签收申请，本人办理。", true
		}
		return who, "签收申请，指定" + chat.OrDash(b.NameOrEmpty(d.Handler)) + "办理。", true
	case string(workflow.AppReturn):
		return who, "将申请退回综合办公室，理由：" + chat.OrDash(trimStop(d.Reason)) + "。", true
	case string(workflow.AppAskSupplement):
		what := "告知申请人补正，补正期限" + dateWords(d.Due)
		if d.Late {
			what += "（已超过收到申请之日起7个工作日）"
		}
		return who, what + "。", true
	case string(workflow.AppSupplemented):
		return who, "登记" + dateWords(d.On) + "收到申请人的补正，答复期限重新起算。", true
	case string(workflow.AppSupplementLapsed):
		return who, "申请人逾期未补正（补正期限" + dateWords(d.SupDue) + "），视为放弃，申请办结。", true
	case string(workflow.AppConsult):
		return who, dateWords(d.Sent) + "向" + chat.OrDash(d.Party) + "征求意见，期间不计入答复期限。", true
	case string(workflow.AppConsulted):
		return who, "登记" + chat.OrDash(d.Party) + dateWords(d.On) + "的意见：" + chat.OrDash(trimStop(d.Answer)) + "。", true
	case string(workflow.AppAskExtend):
		return who, fmt.Sprintf("申请延期%d个工作日，理由：%s。", d.Days, chat.OrDash(trimStop(d.Reason))), true
	case string(workflow.AppGrantExtend):
		return who, fmt.Sprintf("同意延期%d个工作日。", d.Days), true
	case string(workflow.AppDenyExtend):
		if r := trimStop(d.Reason); r != "" {
			return who, "不同意延期，答复期限不变，理由：" + r + "。", true
		}
		return who, "不同意延期，答复期限不变。", true
	case string(workflow.AppSubmitReply):
		return who, "拟写答复（" + workflow.Outcome(d.Outcome).Label() + "）并报审核。", true
	case string(workflow.VerdictApprove), string(workflow.VerdictEscalate):
		return who, workflow.Stage(d.Stage).Label() + "：" + workflow.Verdict(e.Action).Label() + "。", true
	case string(workflow.VerdictReject):
		return who, workflow.Stage(d.Stage).Label() + "：驳回，理由：" + chat.OrDash(trimStop(d.Reason)) + "。", true
	case string(workflow.VerdictSelf):
		return who, workflow.Stage(d.Stage).Label() + "：本人提交。", true
	case chat.ActionSecrecyReview:
		r := workflow.SecrecyReview{Conclusion: workflow.SecrecyConclusion(d.Conclusion), Basis: d.Basis}
		for _, c := range d.Checks {
			r.Mark(workflow.SecrecyCheck(c))
		}
		return who, "完成保密审查（办公室审核）：" + r.Summary(), true
	case "remedy": // storage.InsertRemedy: for table 四 of the annual report
		what := "登记申请人就本申请提起的" + remedyWords(d.Kind)
		switch {
		case d.Filed != "" && d.Note != "":
			what += "（" + dateWords(d.Filed) + "提起，" + chat.Clip(d.Note, 60) + "）"
		case d.Filed != "":
			what += "（" + dateWords(d.Filed) + "提起）"
		}
		return who, what + "，" + remedyResult(d.Result, d.Decided) + "。", true
	case "remedy_decided":
		return who, "登记" + remedyWords(d.Kind) + "的结果：" + remedyResult(d.Result, d.Decided) + "。", true
	case string(workflow.AppDeliver):
		what := dateWords(d.On) + chat.OrDash(d.How) + "送达答复"
		if d.Tracking != "" {
			what += "（邮件单号 " + d.Tracking + "）"
		}
		return who, what + "，申请办结。", true
	}
	if b.Log != nil {
		b.Log.Warn("audit action without a sentence", "entity", e.Entity, "action", e.Action, "id", e.ID)
	}
	return who, "办理了其他事项。", false
}

// remedyWords names a 复议 or 诉讼 by its kind.
func remedyWords(kind string) string {
	switch kind {
	case workflow.Review:
		return "行政复议"
	case workflow.SuitDirect, workflow.SuitAfterReview:
		return "行政诉讼（" + workflow.ReviewKindLabel(kind) + "）"
	}
	return "行政复议或行政诉讼"
}

// remedyResult is a 复议's or 诉讼's result, with its day when decided.
func remedyResult(result, decided string) string {
	if result == "" || result == workflow.ResultPending {
		return "尚未审结"
	}
	what := workflow.ReviewResultLabel(result)
	if what == result {
		what = "已审结"
	}
	if decided != "" {
		what += "（" + dateWords(decided) + "）"
	}
	return what
}

// trimStop drops the full stop a typed reason ends with: the sentence it
// goes into has its own.
func trimStop(s string) string { return strings.TrimRight(strings.TrimSpace(s), "。．.！!；;，,") }

// dateWords is a stored YYYY-MM-DD as 2026年12月1日.
func dateWords(s string) string {
	y, rest, ok1 := strings.Cut(s, "-")
	m, d, ok2 := strings.Cut(rest, "-")
	if !ok1 || !ok2 {
		return chat.OrDash(s)
	}
	return y + "年" + strings.TrimLeft(m, "0") + "月" + strings.TrimLeft(d, "0") + "日"
}

// actorName is the person who acted, or empty for the system.
func (b *Flow) actorName(actor string) string {
	if actor == "" || actor == "system" || actor == "scheduler" || strings.HasPrefix(actor, "cli:") {
		return ""
	}
	return b.Name(actor)
}
