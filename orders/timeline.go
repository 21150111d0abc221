package orders

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// Sentence is one entry of an order's 办理过程 in the bureau's words, for
// 「工单 工单号」: who (a name; empty for what the system did) and what,
// which reads on from who as one sentence (「张伟」「指定李娜为承办人。」),
// with what matters: to whom, the result, the reason. ok is false for an
// action it has no words for; what is then a neutral sentence, never the
// action's code. Every action the code audits on an order has its
// sentence (a test in router/ reads the storage.Audit calls and fails for
// one without).
func (b *Flow) Sentence(e storage.AuditEntry) (who, what string, ok bool) {
	var d struct {
		Source    string    `json:"source"`
		Section   string    `json:"section"`
		Due       time.Time `json:"due"`
		AcceptDue time.Time `json:"accept_due"`
		From      string    `json:"from"`
		To        string    `json:"to"`
		Reason    string    `json:"reason"`
		Handler   string    `json:"handler"`
		Finding   string    `json:"finding"`
		Until     time.Time `json:"until"`
		Visit     string    `json:"visit"`
		Number    string    `json:"number"`
	}
	json.Unmarshal(e.Detail, &d) // a detail it cannot read says less, nothing wrong
	who = b.actorName(e.Actor)
	// A reason typed as a sentence keeps its own full stop out of this one,
	// as the 回访's does.
	reason := "，理由：" + chat.OrDash(strings.TrimRight(strings.TrimSpace(d.Reason), "。．.！!；;，,"))
	switch e.Action {
	case "register":
		how := "登记工单"
		if d.Source == "api" || d.Source == "csv" {
			// The 12345 system or an import registered it; the registrar
			// is the 首问责任人 it was given to, not who typed it in.
			how = map[string]string{"api": "经系统接口登记工单", "csv": "经文件导入登记工单"}[d.Source]
			if who != "" {
				how += "，首问责任人" + who
			}
			who = ""
		}
		if d.Section != "" {
			how += "，派发至" + d.Section
		}
		if !d.Due.IsZero() {
			how += "，办理时限" + b.dueText(d.Due)
		}
		return who, how + "。", true
	case "accept_due":
		if d.AcceptDue.IsZero() {
			return "", "工作日历补充后，签收时限已确定。", true
		}
		return "", "工作日历补充后，签收时限确定为" + b.dueText(d.AcceptDue) + "。", true
	case string(workflow.OrderAccept):
		return who, "签收工单。", true
	case string(workflow.OrderTransfer):
		from := ""
		if d.From != "" {
			from = "由" + d.From
		}
		return who, "将工单" + from + "转办至" + chat.OrDash(d.To) + reason + "。", true
	case string(workflow.OrderReturn):
		return who, "将工单退回登记人" + reason + "。", true
	case string(workflow.OrderRedispatch):
		return who, "将工单重新派发至" + chat.OrDash(d.Section) + "。", true
	case string(workflow.OrderAssign):
		if d.Handler != "" && d.Handler == e.Actor {
			return who, "指定本人为承办人。", true
		}
		return who, "指定" + chat.OrDash(b.NameOrEmpty(d.Handler)) + "为承办人。", true
	case string(workflow.OrderFinish):
		if d.Finding == "" {
			return who, "办结工单。", true
		}
		return who, "办结工单，核查结果：" + d.Finding + "。", true
	case string(workflow.OrderAskExtend):
		return who, "申请将办理时限延至" + b.dayText(d.Until) + reason + "。", true
	case string(workflow.OrderGrantExtend):
		return who, "同意延期，办理时限延至" + b.dayText(d.Until) + "。", true
	case string(workflow.OrderDenyExtend):
		return who, "不同意延期至" + b.dayText(d.Until) + "，办理时限不变。", true
	case string(workflow.OrderReply):
		return who, "已将办理结果回复12345。", true
	case string(workflow.OrderVisit):
		what := "回访来电人，结果：" + chat.OrDash(d.Visit)
		// The reason is typed as a sentence; its own full stop would
		// double the one this sentence goes on with.
		if r := strings.TrimRight(strings.TrimSpace(d.Reason), "。．.！!；;，,"); r != "" {
			what += "，原因：" + r
		}
		if d.Visit == workflow.VisitUnsatisfied {
			what += "，工单退回承办人重新办理"
		}
		return who, what + "。", true
	case string(workflow.OrderConvert):
		return who, "将工单转为政府信息公开申请（" + chat.OrDash(d.Number) + "）办理。", true
	case "mp_answer_queued":
		return "", "已通过公众号向来电人推送答复通知。", true
	case "mp_answer_skipped":
		return "", "公众号未开通答复通知，答复未推送给来电人。", true
	case "answer_notice_due": // written before the 公众号 had its own queue
		return "", "答复待通过公众号告知来电人。", true
	}
	if b.Log != nil {
		b.Log.Warn("audit action without a sentence", "entity", e.Entity, "action", e.Action, "id", e.ID)
	}
	return who, "办理了其他事项。", false
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

// dayText shows a date limit (延期 dates are the end of a day) with its
// year: 2026年12月20日; a dash when there is none.
func (b *Flow) dayText(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return workflow.FormatDate(t, b.Location)
}
