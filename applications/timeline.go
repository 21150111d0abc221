package applications

import (
	"encoding/json"
	"strings"

	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/storage"
)

// Sentence is one entry of an application's 办理过程 in the bureau's
// words: who (a name; empty for what the system did) and what, which
// reads on from who as one sentence. ok is false for an action it has no
// words for (a test in router/ fails for an audited action without).
func (b *Flow) Sentence(e storage.AuditEntry) (who, what string, ok bool) {
	var d struct {
		Source   string `json:"source"`
		Channel  string `json:"channel"`
		Received string `json:"received"`
		Due      string `json:"due"`
		Section  string `json:"section"`
		Ticket   string `json:"ticket"`
	}
	json.Unmarshal(e.Detail, &d) // a detail it cannot read says less, nothing wrong
	who = b.actorName(e.Actor)
	switch e.Action {
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
	}
	if b.Log != nil {
		b.Log.Warn("audit action without a sentence", "entity", e.Entity, "action", e.Action, "id", e.ID)
	}
	return who, "办理了其他事项。", false
}

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
