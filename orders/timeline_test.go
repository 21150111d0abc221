package orders

import (
	"encoding/json"
	"testing"

	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// TestSentencesSayWhoDidWhatToWhom: each entry of an order's 办理过程 reads
// as a sentence with what matters: to whom, the result, the reason.
func TestSentencesSayWhoDidWhatToWhom(t *testing.T) {
	roster, err := config.ParseRoster(config.ExampleRoster)
	if err != nil {
		t.Fatal(err)
	}
	b := &Flow{Bot: &chat.Bot{Roster: roster, Location: workflow.DefaultCalendar().Location()}}
	for _, c := range []struct {
		actor, action string
		detail        map[string]any
		want          string
	}{
		{"linxiaoyan", "register", map[string]any{"source": "chat", "section": "综合一股", "due": "2026-12-18T23:59:59+08:00"},
			"林晓燕登记工单，派发至综合一股，办理时限2026年12月18日前。"},
		{"linxiaoyan", "register", map[string]any{"source": "api", "section": "环境监察室", "due": "2026-11-29T09:30:00+08:00"},
			"经系统接口登记工单，首问责任人林晓燕，派发至环境监察室，办理时限2026年11月29日 09:30前。"},
		{"", "register", map[string]any{"source": "csv", "section": "综合二股"}, "经文件导入登记工单，派发至综合二股。"},
		{"chenlixin", "accept_due", map[string]any{"accept_due": "2027-01-04T17:30:00+08:00"}, "工作日历补充后，签收时限确定为2027年1月4日 17:30前。"},
		{"wumin", "accept", nil, "吴敏签收工单。"},
		{"zhangwei", "transfer", map[string]any{"from": "综合一股", "to": "环境监察室", "reason": "属执法事项"},
			"张伟将工单由综合一股转办至环境监察室，理由：属执法事项。"},
		{"zhangwei", "return", map[string]any{"reason": "工单信息不全"}, "张伟将工单退回登记人，理由：工单信息不全。"},
		{"yangfan", "return", map[string]any{"reason": "信息不全，无法核查。"}, "杨帆将工单退回登记人，理由：信息不全，无法核查。"},
		{"linxiaoyan", "dispatch", map[string]any{"section": "综合二股"}, "林晓燕将工单重新派发至综合二股。"},
		{"wumin", "assign", map[string]any{"handler": "lina"}, "吴敏指定李娜为承办人。"},
		{"wumin", "assign", map[string]any{"handler": "wumin"}, "吴敏指定本人为承办人。"},
		{"lina", "finish", map[string]any{"finding": "部分属实"}, "李娜办结工单，核查结果：部分属实。"},
		{"lina", "extend_request", map[string]any{"until": "2026-12-20T23:59:59+08:00", "reason": "需第三方检测"},
			"李娜申请将办理时限延至2026年12月20日，理由：需第三方检测。"},
		{"chenlixin", "extend_approved", map[string]any{"until": "2026-12-20T23:59:59+08:00", "reason": "需第三方检测"},
			"陈立新同意延期，办理时限延至2026年12月20日。"},
		{"chenlixin", "extend_refused", map[string]any{"until": "2026-12-20T23:59:59+08:00", "reason": "需第三方检测"},
			"陈立新不同意延期至2026年12月20日，办理时限不变。"},
		{"linxiaoyan", "replied_12345", nil, "林晓燕已将办理结果回复12345。"},
		{"linxiaoyan", "visit", map[string]any{"visit": "满意"}, "林晓燕回访来电人，结果：满意。"},
		{"linxiaoyan", "visit", map[string]any{"visit": "不满意"}, "林晓燕回访来电人，结果：不满意，工单退回承办人重新办理。"},
		{"linxiaoyan", "visit", map[string]any{"visit": "不满意", "reason": "噪音仍未解决"},
			"林晓燕回访来电人，结果：不满意，原因：噪音仍未解决，工单退回承办人重新办理。"},
		{"system", "mp_answer_queued", map[string]any{"openid": "oAbc"}, "已通过公众号向来电人推送答复通知。"},
		{"system", "mp_answer_skipped", map[string]any{"openid": "oAbc", "reason": "公众号未配置"}, "公众号未开通答复通知，答复未推送给来电人。"},
	} {
		raw, _ := json.Marshal(c.detail)
		who, what, ok := b.Sentence(storage.AuditEntry{Actor: c.actor, Action: c.action, Entity: storage.EntityOrder, Detail: raw})
		if !ok || who+what != c.want {
			t.Errorf("%s %s %v: %q + %q (%v), want %q", c.actor, c.action, c.detail, who, what, ok, c.want)
		}
	}
}
