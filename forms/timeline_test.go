package forms

import (
	"encoding/json"
	"testing"

	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

func exampleFlow(t *testing.T) *Flow {
	t.Helper()
	roster, err := config.ParseRoster(config.ExampleRoster)
	if err != nil {
		t.Fatal(err)
	}
	return &Flow{Bot: &chat.Bot{Roster: roster, Location: workflow.DefaultCalendar().Location()}}
}

// TestSentencesSayWhoDidWhat: each entry of a form's 办理过程 reads as a
// sentence with its details; what the system did has nobody in front.
func TestSentencesSayWhoDidWhat(t *testing.T) {
	b := exampleFlow(t)
	for _, c := range []struct {
		actor, action string
		detail        map[string]any
		want          string
	}{
		{"lina", "submit", map[string]any{"version": 1}, "李娜提交审批单。"},
		{"lina", "resubmit", map[string]any{"version": 2}, "李娜修改后重新提交审批单（第2版）。"},
		{"zhangwei", "self", map[string]any{"stage": "section", "version": 1}, "张伟为承办人本人，股室负责人审核一栏记为“本人提交”。"},
		{"zhangwei", "approve", map[string]any{"stage": "section", "version": 1}, "张伟同意（股室负责人审核）。"},
		{"zhangwei", "approve", map[string]any{"stage": "section", "version": 2}, "张伟同意（股室负责人审核，第2版）。"},
		{"chenlixin", "escalate", map[string]any{"stage": "office", "version": 1}, "陈立新同意，并报主要负责人审核（办公室审核）。"},
		{"zhouzhenhua", "reject", map[string]any{"stage": "leader", "version": 1, "reason": "数据需核实"}, "周振华驳回（主要负责人审核），理由：数据需核实。"},
		{"lina", "withdraw", map[string]any{"version": 1, "from": "review"}, "李娜撤回审核中的审批单，不再审核。"},
		{"lina", "withdraw", map[string]any{"version": 1, "from": "rejected"}, "李娜撤回被驳回的审批单，不再重新提交。"},
		{"hejing", "publish", map[string]any{"platform": "政府网站"}, "何静确认已在政府网站发布。"},
		{"hejing", "publish_reference", map[string]any{"platform": "政务信息期刊", "reference": "第12期"}, "何静登记政务信息期刊的发布信息：第12期"},
		{"hejing", "published", nil, "已在全部平台发布，审批单已公开。"},
		{"scheduler", "deadline", map[string]any{"deadline": "2027-01-20", "version": 1}, "工作日历补充后，主动公开时限确定为2027年1月20日前。"},
		{"chenlixin", "deadline", map[string]any{"deadline": "2027-01-20", "version": 1}, "工作日历补充后，主动公开时限确定为2027年1月20日前。"},
		{"system", "mp_notice_queued", map[string]any{"mode": "template", "recipients": 3}, "已通过公众号向3位订阅的关注者推送公开信息。"},
		{"system", "mp_notice_queued", map[string]any{"mode": "template", "recipients": 0}, "公众号暂无订阅公开信息的关注者，未推送。"},
		{"system", "mp_notice_queued", map[string]any{"mode": "mass", "tag": 101}, "已通过公众号向订阅的关注者群发公开信息。"},
		{"system", "mp_notice_skipped", map[string]any{"reason": "公众号未配置"}, "本系统未接入公众号，公开信息未推送给关注者。"},
		{"system", "mp_notice_refused", map[string]any{"mode": "mass", "reason": "2026年11月的4次群发已用完（服务号的关注者每月最多接收4次群发），2026年12月1日起恢复"},
			"公开信息未推送给公众号关注者：2026年11月的4次群发已用完（服务号的关注者每月最多接收4次群发），2026年12月1日起恢复。"},
	} {
		raw, _ := json.Marshal(c.detail)
		who, what, ok := b.Sentence(storage.AuditEntry{Actor: c.actor, Action: c.action, Entity: storage.EntityForm, Detail: raw})
		if !ok || who+what != c.want {
			t.Errorf("%s %s %v: %q + %q (%v), want %q", c.actor, c.action, c.detail, who, what, ok, c.want)
		}
	}
	// An action it has no words for says so in words, not in code.
	if _, what, ok := b.Sentence(storage.AuditEntry{Actor: "lina", Action: "frobnicate"}); ok || what != "办理了其他事项。" {
		t.Errorf("unknown action: %q, %v", what, ok)
	}
}
