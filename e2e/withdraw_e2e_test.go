package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/sandbox"
)

// reject has approver reject card with reason and returns the submitter's
// rejection card.
func (c *cursor) reject(approver string, card sandbox.Received, reason string) sandbox.Received {
	c.h.t.Helper()
	c.click(approver, card, "reject")
	c.text(approver, "请回复驳回")
	c.say(approver, reason)
	c.text(approver, "已驳回")
	return c.card(staff)
}

// resubmit plays 修改后重新提交 on staff's rejection card: title "" keeps
// the title, platforms nil keeps the platforms; every other answer is kept.
func (c *cursor) resubmit(rej sandbox.Received, title string, platforms []string) string {
	c.h.t.Helper()
	c.click(staff, rej, "resubmit")
	c.text(staff, "开始修改")
	c.text(staff, "第1步", "当前：")
	if title == "" {
		title = "保留"
	}
	c.say(staff, title)
	for _, step := range []string{"第2步", "第3步"} {
		c.text(staff, step)
		c.say(staff, "保留")
	}
	c.card(staff) // 公开形式
	c.say(staff, "保留")
	pl := c.keepCategory(staff, c.card(staff))
	if platforms == nil {
		c.say(staff, "保留")
	} else if st, err := c.h.corp.User(staff).Submit(context.Background(), pl.Card.TaskID, map[string][]string{"platforms": platforms}); err != nil || st != 200 {
		c.h.t.Fatalf("platforms: %d, %v", st, err)
	}
	c.card(staff) // 重大事项
	c.say(staff, "保留")
	c.click(staff, c.card(staff), "confirm_submit")
	return c.text(staff, "已重新提交")
}

// TestFormWithdrawRejectedAfterConfirmation: the 撤回 button of a rejected
// form asks first; 不撤回 keeps the card usable; a confirmation sent before a
// resubmission does not withdraw the new version.
func TestFormWithdrawRejectedAfterConfirmation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	serial := c.submit(staff, ordinary)
	rej := c.reject(head, c.card(head), "简要内容不完整。")

	c.click(staff, rej, "withdraw")
	ask := c.card(staff)
	if !strings.Contains(ask.Card.MainTitle.Desc, serial+" · 确认撤回") {
		t.Fatalf("confirmation card desc %q", ask.Card.MainTitle.Desc)
	}
	c.click(staff, ask, "withdraw_no")
	c.text(staff, "未撤回 "+serial, "已驳回")
	if st, _, _ := h.formState(serial); st != "rejected" {
		t.Fatalf("state %s after 不撤回, want rejected", st)
	}

	// The rejection card still works: 撤回 again, and confirm. (A second
	// later: within one second the same click is, for WeCom, the same event.)
	time.Sleep(1100 * time.Millisecond)
	c.click(staff, rej, "withdraw")
	confirm := c.card(staff)
	c.click(staff, confirm, "withdraw_yes")
	c.text(staff, "已撤回 "+serial, "审批已终止")
	waitUpdated(t, h, staff, confirm.Card.TaskID, "已撤回")
	waitUpdated(t, h, staff, rej.Card.TaskID, "已撤回")
	if st, _, _ := h.formState(serial); st != "withdrawn" {
		t.Fatalf("state %s, want withdrawn", st)
	}
	var n int
	h.db.GetContext(context.Background(), &n, `SELECT count(*) FROM audit_log WHERE entity = 'form' AND action = 'withdraw'`)
	if n != 1 {
		t.Fatalf("%d withdrawals in the audit log, want 1", n)
	}
	c.clickAnyway(staff, rej, "resubmit")
	c.text(staff, "已撤回", "此卡片已失效")
	c.none(head)

	// A confirmation asked for version 1 does not withdraw version 2.
	serial2 := c.submit(staff, ordinary)
	rej2 := c.reject(head, c.card(head), "请补充附件。")
	c.click(staff, rej2, "withdraw")
	stale := c.card(staff)
	c.resubmit(rej2, "关于某化工企业环评审批结果的公示（补充）", nil)
	c.card(head)
	c.click(staff, stale, "withdraw_yes")
	c.text(staff, serial2+" 已重新提交为第2版，此确认已失效")
	if st, _, v := h.formState(serial2); st != "review" || v != 2 {
		t.Fatalf("%s after a stale confirmation: %s v%d, want review v2", serial2, st, v)
	}
}
