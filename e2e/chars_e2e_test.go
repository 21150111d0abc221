package e2e

import (
	"context"
	"strings"
	"testing"
)

// Emoji typed on a phone do not reach the printed 审批单 (issue 15 item
// 14): the 标题, the 简要内容 and the 驳回理由 refuse them with the field
// named and the emoji shown, and the question is asked again; invisible
// characters pasted along are dropped; the symbols of official documents
// print as typed.
func TestEmojiAreRefusedWhereTheFormIsTyped(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	c.say(staff, "提交")
	c.text(staff, "开始填写")
	c.text(staff, "第1步")
	c.say(staff, "关于某项目环评审批结果的公示😀")
	c.text(staff, "标题中含有表情符号（😀），请删除后重新输入。")
	c.text(staff, "第1步")
	c.say(staff, "关于\u200b某项目①号地块环评审批结果的公示") // a zero-width space pasted from a web page
	c.text(staff, "第2步")
	for bad, says := range map[string]string{
		"审批结果❤️":           "简要内容中含有表情符号（❤️）",
		"点赞👍🏻，中国🇨🇳":        "简要内容中含有表情符号（👍🏻、🇨🇳）",
		"一、项目概况\n\uf06c占地": "简要内容中“一、项目概况”之后有无法显示的特殊字符",
	} {
		c.say(staff, bad)
		c.text(staff, says, "请删除后重新输入")
		c.text(staff, "第2步")
	}
	summary := "项目占地1.2万㎡，设计规模3×50吨/日，废气温度≤120℃±5℃。①废气；②废水。ＰＭ２．５日均浓度达标。"
	c.say(staff, summary)
	c.text(staff, "第3步")
	c.say(staff, "今天")
	c.text(staff, "信息形成日期：")
	c.click(staff, c.card(staff), "mode_active")
	c.category(staff, "", "")
	pl := c.card(staff)
	if st, err := h.corp.User(staff).Submit(context.Background(), pl.Card.TaskID, map[string][]string{"platforms": {"p0"}}); err != nil || st != 200 {
		t.Fatalf("platforms: %d, %v", st, err)
	}
	c.click(staff, c.card(staff), "major_no")
	sum := c.card(staff)
	if got, want := sum.Card.MainTitle.Title, "关于某项目①号地块环评审批结果的公示"; got != want {
		t.Fatalf("summary card title %q, want %q", got, want)
	}
	c.click(staff, sum, "confirm_submit")
	got := c.text(staff, "已提交，编号 ")
	_, rest, _ := strings.Cut(got, "编号 ")
	serial, _, _ := strings.Cut(rest, "。")

	// The head's 驳回理由: a keycap and a folded-hands emoji are refused, the
	// conversation waits for the reason.
	card := c.card(head)
	c.click(head, card, "reject")
	c.text(head, "请回复驳回")
	c.say(head, "请补充1️⃣号地块的监测材料🙏")
	c.text(head, "驳回理由中含有表情符号（1️⃣、🙏），请删除后重新输入。发送「取消」则不驳回。")
	c.say(head, "请补充①号地块的监测材料。")
	c.text(head, "已驳回")
	if rej := c.card(staff); rej.Card.SubTitleText != "驳回理由：请补充①号地块的监测材料。" {
		t.Fatalf("the rejection card says %q", rej.Card.SubTitleText)
	}
	var reason string
	if err := h.db.GetContext(context.Background(), &reason, `SELECT reason FROM form_decisions`); err != nil || reason != "请补充①号地块的监测材料。" {
		t.Fatalf("the recorded reason %q, %v", reason, err)
	}

	// The printed form has what was typed, symbols included, and nothing
	// else.
	st, page := h.page(formLinkOf(c, staff, serial))
	if st != 200 {
		t.Fatalf("form page: %d", st)
	}
	for _, want := range []string{"关于某项目①号地块环评审批结果的公示", "1.2万㎡", "3×50吨/日", "≤120℃±5℃", "①废气；②废水", "ＰＭ２．５", "请补充①号地块的监测材料。"} {
		if !strings.Contains(page, want) {
			t.Errorf("the printed form lacks %q", want)
		}
	}
	for _, bad := range []string{"\u200b", "😀", "❤", "🙏", "\uf06c"} {
		if strings.Contains(page, bad) {
			t.Errorf("the printed form has %q", bad)
		}
	}
}

// The 12345 reasons and answers are the bureau's words to the 12345
// centre and the caller: the same rule holds for the 退回 reason, the
// 答复内容, the 处理措施 and the 延期理由.
func TestEmojiAreRefusedInOrderReasonsAndAnswers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	ticket := "GD202611280009"
	c.register(registrar, ticket, false, "r_1") // 综合一股
	disp := c.card(head)
	c.click(head, disp, "return")
	c.text(head, "退回工单")
	c.say(head, "不属于本股室职责😅")
	c.text(head, "理由中含有表情符号（😅），请删除后重新输入。发送「取消」则放弃。")
	c.say(head, "不属于本股室职责。")
	c.text(head, "已将工单")
	c.text(registrar, "退回", "不属于本股室职责。")
	c.click(registrar, c.card(registrar), "to_1") // 综合一股 again
	c.text(registrar, "派发至综合一股")

	c.click(head, c.card(head), "accept")
	c.text(registrar, "已签收")
	c.click(head, c.card(head), "h_"+staff)
	c.text(head, "已指定李娜办理")
	c.text(registrar, "已指定李娜办理")
	handle := c.card(staff)

	c.click(staff, handle, "extend")
	c.text(staff, "延期理由")
	c.say(staff, "等待检测报告⏳")
	c.text(staff, "延期理由中含有表情符号（⏳），请删除后重新输入。")
	c.say(staff, "取消")
	c.text(staff, "已取消延期申请")

	c.click(staff, handle, "finish")
	c.text(staff, "请输入答复内容")
	c.say(staff, "经现场核查，已责令整改👌")
	c.text(staff, "答复内容中含有表情符号（👌），请删除后重新输入。")
	c.say(staff, "经现场核查，已责令整改。")
	c.text(staff, "核查结果")
	c.say(staff, "属实")
	c.text(staff, "处理措施")
	c.say(staff, "责令整改✔️")
	c.text(staff, "处理措施中含有表情符号（✔️），请删除后重新输入。")
	c.say(staff, "✔ 责令整改，罚款2万元。") // the check mark as text is a symbol
	c.text(staff, "已办结")
	if o := h.order(ticket); o.Answer != "经现场核查，已责令整改。" || o.Measures != "✔ 责令整改，罚款2万元。" {
		t.Fatalf("recorded answer %q, measures %q", o.Answer, o.Measures)
	}
}
