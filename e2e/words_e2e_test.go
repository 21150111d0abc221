package e2e

import (
	"strings"
	"testing"
)

// TestCommandsInTheirNaturalWords (issue 15 item 7): greetings are
// answered with what the bot does, the natural variants of each command
// work, and 「查询」 with a 工单号 or with 12345 is about 12345 orders, not a
// form number made of its digits.
func TestCommandsInTheirNaturalWords(t *testing.T) {
	t.Parallel()
	const token = "api-token-for-tests-0123456789"
	h := newHarness(t, func(env map[string]string) { env["API_TOKEN"] = token })
	c := newCursor(h)

	for _, hello := range []string{"你好", "您好！", "Hi"} {
		c.say(staff, hello)
		c.text(staff, "李娜，您好", "「提交」", "「待办」", "「登记」", "「帮助」")
	}
	c.say(staff, "查询12345")
	got := c.text(staff, "12345工单", "「工单 工单号」", "「我的工单」")
	if strings.Contains(got, "公开审") && strings.Contains(got, "没有找到") {
		t.Fatalf("查询12345 looked for a form: %q", got)
	}
	c.say(staff, "查询 2026112800999")
	c.text(staff, "没有找到工单号为 2026112800999 的12345工单")

	c.say(staff, "查看待办")
	c.text(staff, "没有待办")
	c.say(staff, "我的12345工单")
	c.text(staff, "没有登记或承办的12345工单")
	c.say(staff, "我提交的申请")
	c.text(staff, "还没有提交过公开申请")

	for _, start := range []string{"提交申请", "你好，我要提交", "新建审批单"} {
		c.say(staff, start)
		c.text(staff, "开始填写")
		c.text(staff, "第1步")
		c.say(staff, "取消")
		c.text(staff, "已取消")
	}

	if st, out := apiCall(t, "POST", h.base+"/api/v1/orders", token, map[string]any{
		"ticket_no": "2026112800123", "category": "咨询", "content": "咨询环评公示的查阅方式。", "caller_name": "钱先生",
		"caller_phone": "13700137000", "urgency": "normal", "received_at": "2026-11-27T10:00:00+08:00", "section": "综合一股",
		"registrar": staff,
	}); st != 201 {
		t.Fatalf("create: %d %v", st, out)
	}
	c.text(staff, "已由系统登记")
	c.card(head)
	for _, lookup := range []string{"查询 2026112800123", "查询工单2026112800123", "工单 2026112800123"} {
		c.say(staff, lookup)
		c.text(staff, "12345工单 2026112800123（咨询）", "办理过程：")
	}
	c.say(staff, "我的工单")
	c.text(staff, "2026112800123")
}
