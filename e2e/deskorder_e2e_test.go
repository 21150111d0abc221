package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/sandbox"
	"github.com/zwgk-bot/zwgk/storage"
)

// orderAudit is the order's audit log as actor:action, in order.
func orderAudit(t *testing.T, h *harness, ticket string) string {
	t.Helper()
	trail, err := storage.AuditTrail(context.Background(), h.db, storage.EntityOrder, ticket)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range trail {
		got = append(got, e.Actor+":"+e.Action)
	}
	return strings.Join(got, " ")
}

// waitSent waits until the outbox has recorded each card's send with the
// response_code WeCom gave for it: a decision closes another holder's copy
// with that code, and a copy whose send is not recorded yet is closed only
// when its holder clicks it.
func waitSent(t *testing.T, h *harness, cards ...sandbox.Received) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for _, c := range cards {
		for {
			code, _, err := storage.SentResponseCode(context.Background(), h.db, c.Card.TaskID)
			if err != nil {
				t.Fatal(err)
			}
			if code != "" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the send of card %s was not recorded", c.Card.TaskID)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// dayAfter is the date n days after due, as typed (2026-12-24) and as the
// bureau's pages and messages show a day limit (2026年12月24日前).
func dayAfter(due time.Time, n int) (typed, shown string) {
	d := due.In(businessLocation()).AddDate(0, 0, n)
	return d.Format(time.DateOnly), fmt.Sprintf("%d年%d月%d日前", d.Year(), int(d.Month()), d.Day())
}

// The section heads 转办 and 退回 on the order's page, the registrar
// re-dispatches the returned order there: each closes the card the click
// would have closed, tells whom the click tells and sends the next
// holder's card. A 转办 done in the chat makes the open page refuse its
// post, saying who did what and when; a bad reason or section is refused
// with what was entered kept.
func TestDeskOrderPageTransferReturnRedispatch(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	ticket := "GD202612010081"
	c.register(registrar, ticket, false, "r_1") // 综合一股
	disp := c.card(head)
	path := "/desk/order/" + strconv.FormatInt(h.order(ticket).ID, 10)

	waitSent(t, h, disp)
	zw := h.deskAs(head)
	_, page := zw.get(path)
	for _, want := range []string{`id="action-accept"`, `id="action-transfer"`, `id="action-return"`, `<option value="综合二股">`} {
		if !strings.Contains(page, want) {
			t.Fatalf("the head's page lacks %s:\n%s", want, page)
		}
	}
	if strings.Contains(page, `<option value="综合一股">`) || strings.Contains(page, "工单卡片上办理") {
		t.Errorf("the head's page offers 转办 to his own section, or sends him to the card:\n%s", page)
	}
	st, body := zw.post(path+"/act", actionForm(t, page, "transfer", "section", "综合二股", "reason", "  "))
	if st != http.StatusBadRequest || !strings.Contains(body, "转办理由应为1至200字") || !strings.Contains(body, `<option value="综合二股" selected>`) {
		t.Fatalf("转办 without a reason = %d:\n%s", st, body)
	}
	st, body = zw.post(path+"/act", actionForm(t, page, "transfer", "section", "综合一股", "reason", "属于综合二股职责。"))
	if st != http.StatusBadRequest || !strings.Contains(body, "请选择转办的股室") || !strings.Contains(body, "属于综合二股职责。</textarea>") {
		t.Fatalf("转办 to his own section = %d:\n%s", st, body)
	}
	if st, body := zw.post(path+"/act", actionForm(t, page, "transfer", "section", "综合二股", "reason", "属于综合二股职责。")); st != http.StatusSeeOther {
		t.Fatalf("转办 on the page = %d:\n%s", st, body)
	}
	c.text(head, "已将工单 "+ticket+" 转办至综合二股")
	c.text(registrar, "综合一股由张伟转办至综合二股", "属于综合二股职责")
	waitUpdated(t, h, head, disp.Card.TaskID, "张伟已转办")
	disp2 := c.card(head2)
	if o := h.order(ticket); o.Section != "综合二股" || o.State != "dispatched" {
		t.Fatalf("after 转办: %s %s", o.Section, o.State)
	}
	c.clickAnyway(head, disp, "accept")
	c.text(head, "已失效")

	// 杨帆 has the page open, and 转办s it in the chat instead.
	yf := h.deskAs(head2)
	_, page = yf.get(path)
	stale := actionForm(t, page, "return", "reason", "信息不全。")
	c.click(head2, disp2, "transfer")
	tr := c.card(head2)
	c.click(head2, tr, "to_3") // 环境监察室
	c.text(head2, "转办至环境监察室的理由")
	c.say(head2, "属于监察室职责。")
	c.text(head2, "已将工单")
	c.text(registrar, "转办至环境监察室")
	waitUpdated(t, h, head2, tr.Card.TaskID, "已转办环境监察室")
	disp3 := c.card(head3)
	st, body = yf.post(path+"/act", stale)
	if st != http.StatusOK || !strings.Contains(body, "由杨帆将工单由综合二股转办至环境监察室") || !strings.Contains(body, "无需重复提交") {
		t.Fatalf("the page's 退回 after the chat's 转办 = %d:\n%s", st, body)
	}

	// 吴敏 退回s it on the page: a reason the paper cannot carry is
	// refused and kept.
	waitSent(t, h, disp3)
	wm := h.deskAs(head3)
	_, page = wm.get(path)
	st, body = wm.post(path+"/act", actionForm(t, page, "return", "reason", "信息不全🌡"))
	if st != http.StatusBadRequest || !strings.Contains(body, "退回理由") || !strings.Contains(body, "信息不全🌡</textarea>") {
		t.Fatalf("退回 with an emoji = %d:\n%s", st, body)
	}
	if st, body := wm.post(path+"/act", actionForm(t, page, "return", "reason", "信息不全，无法核查。")); st != http.StatusSeeOther {
		t.Fatalf("退回 on the page = %d:\n%s", st, body)
	}
	c.text(head3, "已将工单 "+ticket+" 退回登记人")
	c.text(registrar, "被吴敏（环境监察室）退回", "信息不全，无法核查。")
	waitUpdated(t, h, head3, disp3.Card.TaskID, "吴敏已退回")
	ret := c.card(registrar)
	if o := h.order(ticket); o.State != "returned" {
		t.Fatalf("after 退回: %s", o.State)
	}

	// 林晓燕 re-dispatches it on the page.
	waitSent(t, h, ret)
	lx := h.deskAs(registrar)
	_, page = lx.get(path)
	if !strings.Contains(page, `id="action-redispatch"`) {
		t.Fatalf("the registrar's page of the returned order:\n%s", page)
	}
	if st, body := lx.post(path+"/act", actionForm(t, page, "redispatch", "section", "不存在的股室")); st != http.StatusBadRequest || !strings.Contains(body, "请选择重新派发的股室") {
		t.Fatalf("重新派发 to no section = %d:\n%s", st, body)
	}
	if st, body := lx.post(path+"/act", actionForm(t, page, "redispatch", "section", "综合一股")); st != http.StatusSeeOther {
		t.Fatalf("重新派发 on the page = %d:\n%s", st, body)
	}
	c.text(registrar, "已将工单 "+ticket+" 派发至综合一股")
	waitUpdated(t, h, registrar, ret.Card.TaskID, "已派发综合一股")
	if d := c.card(head); !strings.Contains(d.Card.MainTitle.Title, ticket) || len(d.Card.ButtonList) != 3 {
		t.Fatalf("the re-dispatched order's card %+v", d.Card.MainTitle)
	}
	if o := h.order(ticket); o.State != "dispatched" || o.Section != "综合一股" {
		t.Fatalf("after 重新派发: %s %s", o.State, o.Section)
	}
	c.clickAnyway(registrar, ret, "to_2")
	c.text(registrar, "已失效")
	if got, want := orderAudit(t, h, ticket), "linxiaoyan:register zhangwei:transfer yangfan:transfer wumin:return linxiaoyan:dispatch"; got != want {
		t.Errorf("the order's audit: %s, want %s", got, want)
	}
}

// The handler asks for a 延期 on the order's page, the office decides on
// its page, the registrar records the 回访 there: the date typed is said
// back with its year, a past date or one not after the limit is refused
// with what was typed kept, the office's cards close, and a decision made
// on a card first makes the other office member's open page refuse hers,
// naming who decided and when.
func TestDeskOrderPageExtensionAndVisit(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	ticket := "GD202612010082"
	c.register(registrar, ticket, false, "r_1")
	c.click(head, c.card(head), "accept")
	c.text(registrar, "已签收")
	c.click(head, c.card(head), "h_"+staff)
	c.text(head, "已指定李娜办理")
	c.text(registrar, "已指定李娜办理")
	c.card(staff)
	path := "/desk/order/" + strconv.FormatInt(h.order(ticket).ID, 10)
	due0 := h.order(ticket).DueAt

	ln := h.deskAs(staff)
	_, page := ln.get(path)
	if !strings.Contains(page, `id="action-extend"`) || !strings.Contains(page, `id="action-finish"`) || strings.Contains(page, "工单卡片上办理") {
		t.Fatalf("the handler's page:\n%s", page)
	}
	st, body := ln.post(path+"/act", actionForm(t, page, "extend", "reason", "需要第三方检测报告。", "until", "2020-01-01"))
	if st != http.StatusBadRequest || !strings.Contains(body, "2020年1月1日已过") || !strings.Contains(body, `value="2020-01-01"`) || !strings.Contains(body, "需要第三方检测报告。</textarea>") {
		t.Fatalf("延期 to a past date = %d:\n%s", st, body)
	}
	st, body = ln.post(path+"/act", actionForm(t, page, "extend", "reason", "需要第三方检测报告。", "until", "明天"))
	if st != http.StatusBadRequest || !strings.Contains(body, "应晚于当前时限") || !strings.Contains(body, `value="明天"`) {
		t.Fatalf("延期 to a day before the limit = %d:\n%s", st, body)
	}
	typed, shown := dayAfter(due0, 10)
	if st, body := ln.post(path+"/act", actionForm(t, page, "extend", "reason", "", "until", typed)); st != http.StatusBadRequest || !strings.Contains(body, "延期理由应为1至200字") {
		t.Fatalf("延期 without a reason = %d:\n%s", st, body)
	}
	if st, body := ln.post(path+"/act", actionForm(t, page, "extend", "reason", "需要第三方检测报告。", "until", typed)); st != http.StatusSeeOther {
		t.Fatalf("延期 on the page = %d:\n%s", st, body)
	}
	c.text(staff, "已提交办公室审核：延至"+shown)
	c.text(registrar, "李娜申请延期至"+shown)
	c.text(office1, "申请将12345工单 "+ticket)
	ext1 := c.card(office1)
	ext2 := c.card(office2)
	if o := h.order(ticket); !o.DueAt.Equal(due0) || !o.ExtUntil.Valid {
		t.Fatalf("after the request: due %v, pending %v", o.DueAt, o.ExtUntil)
	}
	if _, page := ln.get(path); strings.Contains(page, `id="action-extend"`) || !strings.Contains(page, "申请延至"+strings.TrimSuffix(shown, "前")) {
		t.Errorf("the handler's page with the request pending:\n%s", page)
	}

	// 林晓燕 has the page open; 陈立新 approves on his card first.
	lx := h.deskAs(registrar)
	_, page = lx.get(path)
	if !strings.Contains(page, `id="action-extend-no"`) || !strings.Contains(page, "李娜申请将时限由") {
		t.Fatalf("the office's page of the request:\n%s", page)
	}
	deny := actionForm(t, page, "extend_no")
	waitSent(t, h, ext2)
	c.click(office1, ext1, "ext_yes")
	c.text(staff, "同意延期", "延至"+shown)
	c.text(registrar, "同意延期")
	c.text(office1, "已同意延期")
	waitUpdated(t, h, office2, ext2.Card.TaskID, "陈立新已同意延期")
	st, body = lx.post(path+"/act", deny)
	if st != http.StatusConflict || !strings.Contains(body, "由陈立新同意延期") || !strings.Contains(body, "您在本页的操作未执行") {
		t.Fatalf("the stale page's 不同意 = %d:\n%s", st, body)
	}
	due1 := h.order(ticket).DueAt
	if got := due1.In(businessLocation()).Format(time.DateOnly); got != typed {
		t.Fatalf("due after approval %s, want %s", got, typed)
	}

	// A second request; 陈立新 refuses it on the page.
	typed2, shown2 := dayAfter(due1, 10)
	_, page = ln.get(path)
	if st, body := ln.post(path+"/act", actionForm(t, page, "extend", "reason", "检测报告推迟。", "until", typed2)); st != http.StatusSeeOther {
		t.Fatalf("the second 延期 = %d:\n%s", st, body)
	}
	c.text(staff, "延至"+shown2)
	c.text(registrar, "申请延期至"+shown2)
	c.text(office1, "申请将12345工单")
	ext3 := c.card(office1)
	ext4 := c.card(office2)
	waitSent(t, h, ext3, ext4)
	cl := h.deskAs(office1)
	_, page = cl.get(path)
	if st, body := cl.post(path+"/act", actionForm(t, page, "extend_no")); st != http.StatusSeeOther {
		t.Fatalf("不同意 on the page = %d:\n%s", st, body)
	}
	c.text(staff, "不同意延期")
	c.text(registrar, "不同意延期")
	c.text(office1, "已不同意延期")
	waitUpdated(t, h, office1, ext3.Card.TaskID, "陈立新已不同意延期")
	waitUpdated(t, h, office2, ext4.Card.TaskID, "陈立新已不同意延期")
	if o := h.order(ticket); !o.DueAt.Equal(due1) || o.ExtUntil.Valid {
		t.Fatalf("after 不同意: due %v, pending %v", o.DueAt, o.ExtUntil)
	}

	// 办结 on the page, 已回复12345 on the card, the 回访 on the page.
	_, page = ln.get(path)
	if st, body := ln.post(path+"/act", actionForm(t, page, "finish", "answer", "经核查，已整改。", "finding", "属实", "measures", "责令整改。")); st != http.StatusSeeOther {
		t.Fatalf("办结 = %d:\n%s", st, body)
	}
	c.text(staff, "已办结")
	c.text(registrar, "已由李娜办结")
	reply := c.card(registrar)
	c.card(office1)
	c.click(registrar, reply, "replied")
	c.text(registrar, "已办结并回复12345")
	c.text(staff, "已回复12345")
	visit := c.card(registrar)
	waitSent(t, h, visit)
	_, page = lx.get(path)
	if !strings.Contains(page, `id="action-visit"`) {
		t.Fatalf("the registrar's page after the reply:\n%s", page)
	}
	st, body = lx.post(path+"/act", actionForm(t, page, "visit", "visit", "不满意"))
	if st != http.StatusBadRequest || !strings.Contains(body, "不满意的原因") || !strings.Contains(body, `value="不满意" checked`) {
		t.Fatalf("不满意 without a reason = %d:\n%s", st, body)
	}
	if st, body := lx.post(path+"/act", actionForm(t, page, "visit", "visit", "不满意", "reason", "异味仍未消除。")); st != http.StatusSeeOther {
		t.Fatalf("回访 on the page = %d:\n%s", st, body)
	}
	c.text(registrar, "已记录回访结果：不满意", "重新办理（第1次重办）")
	c.text(staff, "回访不满意", "异味仍未消除。")
	waitUpdated(t, h, registrar, visit.Card.TaskID, "回访：不满意")
	if again := c.card(staff); !strings.Contains(again.Card.MainTitle.Desc, "第1次重办") {
		t.Errorf("the reopened order's card %+v", again.Card.MainTitle)
	}
	if o := h.order(ticket); o.State != "assigned" || o.ReopenCount != 1 {
		t.Fatalf("after 不满意: %s reopen %d", o.State, o.ReopenCount)
	}
	want := "linxiaoyan:register zhangwei:accept zhangwei:assign lina:extend_request chenlixin:extend_approved lina:extend_request chenlixin:extend_refused lina:finish linxiaoyan:replied_12345 linxiaoyan:visit"
	if got := orderAudit(t, h, ticket); got != want {
		t.Errorf("the order's audit: %s, want %s", got, want)
	}
}
