package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/sandbox"
)

// toVisit plays an order of registrar's from 登记 to 已回复12345, handled
// by staff in 综合一股, and returns the registrar's 回访 card.
func (c *cursor) toVisit(ticket string) sandbox.Received {
	c.h.t.Helper()
	c.register(registrar, ticket, false, "r_1")
	c.click(head, c.card(head), "accept")
	c.text(registrar, "已签收")
	c.click(head, c.card(head), "h_"+staff)
	c.text(head, "已指定李娜办理")
	c.text(registrar, "已指定李娜办理")
	c.finish(c.card(staff))
	return c.reply()
}

// finish plays 办结 by staff on the handle card.
func (c *cursor) finish(handle sandbox.Received) {
	c.h.t.Helper()
	c.click(staff, handle, "finish")
	c.text(staff, "答复内容")
	c.say(staff, "经现场核查，已责令企业整改。")
	c.text(staff, "核查结果")
	c.say(staff, "属实")
	c.text(staff, "处理措施")
	c.say(staff, "责令整改。")
	c.text(staff, "已办结")
	c.text(registrar, "已由李娜办结")
}

// reply confirms 已回复12345 on the registrar's latest card and returns
// the 回访 card that follows.
func (c *cursor) reply() sandbox.Received {
	c.h.t.Helper()
	c.card(office1) // the office's copy of the 已回复12345 card
	c.click(registrar, c.card(registrar), "replied")
	c.text(registrar, "已办结并回复12345")
	c.text(staff, "已回复12345")
	return c.card(registrar)
}

// visits are the 回访 entries of an order's audit log, as "result|reason".
func (h *harness) visits(ticket string) []string {
	h.t.Helper()
	var details []string
	if err := h.db.SelectContext(context.Background(), &details, `
		SELECT detail FROM audit_log WHERE entity = 'order' AND entity_id = $1 AND action = 'visit' ORDER BY id`, ticket); err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, d := range details {
		var v struct{ Visit, Reason string }
		if err := json.Unmarshal([]byte(d), &v); err != nil {
			h.t.Fatal(err)
		}
		out = append(out, v.Visit+"|"+v.Reason)
	}
	return out
}

// TestOrderSecondVisitAfterReopening: 不满意 asks why and reopens only
// with the reason, which reaches the handler; the second round's 回访 is
// recorded, replaces the first in the statistics, and both are in the
// order's history.
func TestOrderSecondVisitAfterReopening(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	ticket := "GD202611280101"
	visit := c.toVisit(ticket)

	// 不满意 asks why; nothing changes until the reason is given.
	c.click(registrar, visit, "v_2")
	c.text(registrar, "不满意的原因", "200字以内", "李娜", "取消")
	if o := h.order(ticket); o.State != "closed" || o.ReopenCount != 0 || o.Visit != "" {
		t.Fatalf("after the 不满意 click alone: %s reopen %d visit %q", o.State, o.ReopenCount, o.Visit)
	}
	// A command is not run, and does not count as the reason.
	c.say(registrar, "我的工单")
	c.text(registrar, "您正在填写工单 "+ticket+" 回访不满意的原因")
	c.say(registrar, "取消")
	c.text(registrar, "已取消，本次回访未登记", "仍为已办结并回复")
	if o := h.order(ticket); o.State != "closed" || o.ReopenCount != 0 || o.Visit != "" || len(h.visits(ticket)) != 0 {
		t.Fatalf("after 取消: %s reopen %d visit %q, audit %v", o.State, o.ReopenCount, o.Visit, h.visits(ticket))
	}

	// The same card still works. (A second later: within one second the
	// same click is, for WeCom, the same event.)
	time.Sleep(1100 * time.Millisecond)
	c.click(registrar, visit, "v_2")
	c.text(registrar, "不满意的原因")
	c.say(registrar, strings.Repeat("吵", 201))
	c.text(registrar, "应为1至200字")
	// A reason that begins with a command word is still the reason.
	reason := "工单处理不彻底，夜间仍有异味。"
	c.say(registrar, reason)
	c.text(registrar, "已记录回访结果：不满意", reason, "已退回李娜重新办理（第1次重办）")
	c.text(staff, "回访不满意", "第1次重办", "来电人不满意的原因："+reason)
	again := c.card(staff)
	if q := again.Card.QuoteArea; q == nil || q.QuoteText != reason || !strings.Contains(again.Card.MainTitle.Desc, "第1次重办") {
		t.Fatalf("reopened handle card: quote %+v, desc %q", q, again.Card.MainTitle.Desc)
	}
	waitUpdated(t, h, registrar, visit.Card.TaskID, "回访：不满意")
	if o := h.order(ticket); o.State != "assigned" || o.ReopenCount != 1 || o.Visit != "" || o.AnsweredAt.Valid || o.ClosedAt.Valid {
		t.Fatalf("after the reason: %s reopen %d visit %q answered %v closed %v", o.State, o.ReopenCount, o.Visit, o.AnsweredAt.Valid, o.ClosedAt.Valid)
	}
	// The latest visit counts: 不满意 while the order is handled again.
	c.say(office1, "统计")
	c.text(office1, "回访1件：满意0件，基本满意0件，不满意1件", "重办1件")

	// The second round: 办结, 已回复12345, and a 回访 of its own.
	c.finish(again)
	second := c.reply()
	if second.Card.TaskID == visit.Card.TaskID || !strings.Contains(second.Card.MainTitle.Desc, "第1次重办") {
		t.Fatalf("second 回访 card %s %q", second.Card.TaskID, second.Card.MainTitle.Desc)
	}
	c.clickAnyway(registrar, visit, "v_0") // the first round's card stays dead
	c.text(registrar, "已失效")
	c.click(registrar, second, "v_0") // 满意
	c.text(registrar, "已记录回访结果：满意")
	c.none(staff)
	if o := h.order(ticket); o.State != "closed" || o.ReopenCount != 1 || o.Visit != "满意" {
		t.Fatalf("after the second 回访: %s reopen %d visit %q", o.State, o.ReopenCount, o.Visit)
	}
	if got := strings.Join(h.visits(ticket), ","); got != "不满意|"+reason+",满意|" {
		t.Fatalf("visits in the audit log: %s", got)
	}
	c.say(office1, "统计")
	c.text(office1, "回访1件：满意1件，基本满意0件，不满意0件；满意率100.0%；重办1件")

	// The history says both visits, with the reason.
	c.say(registrar, "工单 "+ticket)
	got := c.text(registrar, "林晓燕回访来电人，结果：不满意，原因：工单处理不彻底，夜间仍有异味，工单退回承办人重新办理。", "林晓燕回访来电人，结果：满意。", "重办次数：1")
	if strings.Index(got, "结果：不满意") > strings.Index(got, "结果：满意") {
		t.Fatalf("visits out of order in the history:\n%s", got)
	}
}

// TestOrderVisitReasonGivesWayToAnotherCard: a click on another card while
// a 不满意 waits for its reason drops it (the order unchanged, the user
// told), so that the next text is not taken for that reason; a 满意 on the
// same card replaces it.
func TestOrderVisitReasonGivesWayToAnotherCard(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	first, other := "GD202611280102", "GD202611280103"
	visit := c.toVisit(first)
	c.register(registrar, other, false, "r_1")
	c.click(head, c.card(head), "accept")
	c.text(registrar, "已签收")
	c.click(head, c.card(head), "h_"+staff)
	c.text(head, "已指定李娜办理")
	c.text(registrar, "已指定李娜办理")
	c.finish(c.card(staff))
	c.card(office1)
	replyOther := c.card(registrar)

	// A form being filled in is not cut short by the question.
	c.say(registrar, "登记")
	c.text(registrar, "登记12345转办工单")
	c.text(registrar, "第1/10步")
	c.click(registrar, visit, "v_2")
	c.text(registrar, "您有尚未完成的填写", "取消")
	c.say(registrar, "GD202611280104") // still the wizard's answer
	c.card(registrar)                  // 诉求类别
	c.say(registrar, "取消")
	c.text(registrar, "已取消登记")

	time.Sleep(1100 * time.Millisecond) // the same click again: a second later, a new event
	c.click(registrar, visit, "v_2")
	c.text(registrar, "不满意的原因")
	c.click(registrar, replyOther, "replied")
	c.text(registrar, "工单 "+first+" 回访不满意的原因未填写，本次回访未登记")
	c.text(registrar, other+" 已办结并回复12345")
	c.text(staff, "已回复12345")
	visitOther := c.card(registrar)
	c.say(registrar, "噪声仍未消除。") // no longer a reason: nothing is waiting for one
	c.text(registrar, "没有理解")
	if o := h.order(first); o.State != "closed" || o.ReopenCount != 0 || o.Visit != "" {
		t.Fatalf("the dropped 不满意 changed the order: %s reopen %d visit %q", o.State, o.ReopenCount, o.Visit)
	}

	// 不满意, then 基本满意 on the same card: the 基本满意 is recorded and
	// nothing waits for a reason any more.
	time.Sleep(1100 * time.Millisecond)
	c.click(registrar, visit, "v_2")
	c.text(registrar, "不满意的原因")
	c.click(registrar, visit, "v_1")
	c.text(registrar, "已记录回访结果：基本满意")
	c.say(registrar, "好的")
	c.text(registrar, "没有理解")
	if o := h.order(first); o.State != "closed" || o.Visit != "基本满意" || o.ReopenCount != 0 {
		t.Fatalf("after 基本满意: %s visit %q reopen %d", o.State, o.Visit, o.ReopenCount)
	}
	if got := strings.Join(h.visits(first), ","); got != "基本满意|" {
		t.Fatalf("visits in the audit log: %s", got)
	}
	// The other order's 回访 card is untouched by all this.
	c.click(registrar, visitOther, "v_0")
	c.text(registrar, "已记录回访结果：满意")
	c.say(office1, "统计")
	c.text(office1, "回访2件：满意1件，基本满意1件，不满意0件；满意率100.0%；重办0件")
}

// TestOrderReopenedBeforeRoundsCanBeVisitedAgain: an order reopened
// before a reopening cleared the visit still holds its 不满意; its next
// round's 回访 is recorded all the same.
func TestOrderReopenedBeforeRoundsCanBeVisitedAgain(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	ticket := "GD202611280105"
	c.click(registrar, c.toVisit(ticket), "v_2")
	c.text(registrar, "不满意的原因")
	c.say(registrar, "仍有异味。")
	c.text(registrar, "已记录回访结果：不满意")
	c.text(staff, "回访不满意")
	again := c.card(staff)
	// What such an order looks like: reopened, the 不满意 kept.
	if _, err := h.db.ExecContext(context.Background(), `UPDATE orders SET visit = '不满意' WHERE ticket_no = $1`, ticket); err != nil {
		t.Fatal(err)
	}
	c.finish(again)
	c.click(registrar, c.reply(), "v_1")
	c.text(registrar, "已记录回访结果：基本满意")
	if o := h.order(ticket); o.State != "closed" || o.Visit != "基本满意" || o.ReopenCount != 1 {
		t.Fatalf("after the second 回访: %s visit %q reopen %d", o.State, o.Visit, o.ReopenCount)
	}
}
