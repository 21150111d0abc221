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
	tasks := make([]string, len(cards))
	for i, c := range cards {
		tasks[i] = c.Card.TaskID
	}
	waitSentIn(t, h.db, tasks...)
}

func waitSentIn(t *testing.T, db *storage.DB, tasks ...string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for _, task := range tasks {
		for {
			code, _, err := storage.SentResponseCode(context.Background(), db, task)
			if err != nil {
				t.Fatal(err)
			}
			if code != "" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the send of card %s was not recorded", task)
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
	if st != http.StatusBadRequest || !strings.Contains(body, "请填写转办理由") || !strings.Contains(body, `<option value="综合二股" selected>`) {
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
	if st != http.StatusOK || !strings.Contains(body, "由杨帆将工单由综合二股转办至环境监察室") || !strings.Contains(body, "您已办理过此环节，本页的操作未再执行") {
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

// cardOf waits for user's newest card about ticket with a button key in
// the demo's sandbox, and returns its task id once its send is recorded.
func cardOf(t *testing.T, base string, db *storage.DB, user, ticket, key string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		msgs := getJSON[[]sandbox.Received](t, base+"/sandbox/api/users/"+user+"/messages")
		for i := len(msgs) - 1; i >= 0; i-- {
			if c := msgs[i].Card; c != nil && msgs[i].ReplacedButton == "" && c.MainTitle != nil && strings.Contains(c.MainTitle.Title, ticket) {
				for _, b := range c.ButtonList {
					if b.Key == key {
						waitSentIn(t, db, c.TaskID)
						return c.TaskID
					}
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s holds no live card about %s with a button %s", user, ticket, key)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitReplaced waits until user's card task shows want in place of its
// buttons, in the demo's sandbox.
func waitReplaced(t *testing.T, base, user, task, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		for _, m := range getJSON[[]sandbox.Received](t, base+"/sandbox/api/users/"+user+"/messages") {
			if m.Card != nil && m.Card.TaskID == task && strings.Contains(m.ReplacedButton, want) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s's card %s was not updated to show %q", user, task, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// In Chromium, the order's steps beyond 签收 on its page: 张伟 转办s it
// (a missing reason refused, his choice kept), 杨帆 退回s it, 李娜 (its
// registrar) re-dispatches it, 张伟 签收s and names her, she asks for a
// 延期 (a past date refused, what she typed kept; the date said back with
// its year), 陈立新 approves it, she 办结s, replies on her card and
// records the 回访. Each step closes the card in the chat a click would
// have closed and brings the next holder theirs.
func TestBrowserDeskOrderSteps(t *testing.T) {
	t.Parallel()
	d := startDemo(t)
	s := seedDesk(t, d.dbURL)
	db, err := storage.Open(context.Background(), d.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ticket := s.order.TicketNo
	path := "/desk/order/" + strconv.FormatInt(s.order.ID, 10)
	p := newPage(t, d.base)
	noticeText := func(want ...string) {
		t.Helper()
		n := eval[string](p, `(document.querySelector('#notice') || {innerText: ''}).innerText`)
		for _, w := range want {
			if !strings.Contains(n, w) {
				t.Fatalf("the notice %q lacks %q", n, w)
			}
		}
	}

	// 张伟 转办s it to 综合二股: first without a reason.
	p.desk("zhangwei", "张伟")
	p.visit(path)
	if eval[bool](p, `document.body.innerText.includes('工单卡片上办理') || !document.querySelector('#action-return')`) {
		t.Fatal("the head's page still sends him to the card for 转办 and 退回")
	}
	eval[bool](p, `(document.querySelector('#transfer-section').value = '综合二股', true)`)
	p.submitPage("#action-transfer")
	noticeText("请填写转办理由")
	if v := eval[string](p, `document.querySelector('#transfer-section').value`); v != "综合二股" {
		t.Errorf("after the refused 转办 the section chosen is %q", v)
	}
	p.typeInto("transfer-reason", "属于综合二股职责。")
	p.submitPage("#action-transfer")
	noticeText("已转办工单 "+ticket, "待签收（杨帆）")
	yfCard := cardOf(t, d.base, db, "yangfan", ticket, "return")
	p.shot("desk-order-03-transferred")
	p.logoutDesk()

	// 杨帆 退回s it to 李娜, its registrar.
	p.deskAgain("yangfan", "杨帆")
	p.visit(path)
	p.typeInto("return-reason", "信息不全，无法核查。")
	p.submitPage("#action-return")
	noticeText("已退回工单 "+ticket, "已退回")
	waitReplaced(t, d.base, "yangfan", yfCard, "杨帆已退回")
	retCard := cardOf(t, d.base, db, "lina", ticket, "to_1")
	p.logoutDesk()

	// 李娜 re-dispatches it to 综合一股.
	p.deskAgain("lina", "李娜")
	p.visit(path)
	eval[bool](p, `(document.querySelector('#redispatch-section').value = '综合一股', true)`)
	p.submitPage("#action-redispatch")
	noticeText("已重新派发工单 "+ticket, "待签收（张伟）")
	waitReplaced(t, d.base, "lina", retCard, "已派发综合一股")
	cardOf(t, d.base, db, "zhangwei", ticket, "accept")
	p.logoutDesk()

	// 张伟 签收s and names 李娜.
	p.deskAgain("zhangwei", "张伟")
	p.visit(path)
	p.submitPage("#action-accept")
	eval[bool](p, `(document.querySelector('#handler').value = 'lina', true)`)
	p.submitPage("#action-assign")
	noticeText("已指定李娜办理工单 " + ticket)
	cardOf(t, d.base, db, "lina", ticket, "extend")
	p.logoutDesk()

	// 李娜 asks for a 延期: a past date first.
	p.deskAgain("lina", "李娜")
	p.visit(path)
	p.typeInto("extend-reason", "需要第三方检测报告。")
	p.typeInto("extend-until", "2020-01-01")
	p.submitPage("#action-extend")
	noticeText("2020年1月1日已过")
	if r, u := eval[string](p, `document.querySelector('#extend-reason').value`), eval[string](p, `document.querySelector('#extend-until').value`); r != "需要第三方检测报告。" || u != "2020-01-01" {
		t.Errorf("after the refused 延期 the page holds %q, %q", r, u)
	}
	typed, shown := dayAfter(s.order.DueAt, 10)
	p.typeInto("extend-until", typed)
	p.submitPage("#action-extend")
	noticeText("已提交工单 "+ticket+" 的延期申请：延至"+shown, "待办公室审核")
	p.shot("desk-order-04-extension")
	extCard := cardOf(t, d.base, db, "chenlixin", ticket, "ext_yes")
	waitSentIn(t, db, cardOf(t, d.base, db, "linxiaoyan", ticket, "ext_yes"))
	p.logoutDesk()

	// 陈立新 approves it on the page: both office members' cards close.
	p.deskAgain("chenlixin", "陈立新")
	p.visit(path)
	if r := eval[string](p, `document.querySelector('#ext-request').innerText`); !strings.Contains(r, "李娜申请将时限由") || !strings.Contains(r, "需要第三方检测报告") {
		t.Errorf("the office's page shows the request as %q", r)
	}
	p.submitPage("#action-extend-yes")
	noticeText("已同意延期：工单 " + ticket + " 的时限延至" + shown)
	waitReplaced(t, d.base, "chenlixin", extCard, "陈立新已同意延期")
	p.logoutDesk()

	// 李娜 办结s, replies to 12345 on her card, records the 回访 here.
	p.deskAgain("lina", "李娜")
	p.visit(path)
	p.typeInto("answer", "经核查，夜间施工已停止。")
	eval[bool](p, `(document.querySelector('#finding input[value="属实"]').checked = true, true)`)
	p.typeInto("measures", "责令整改。")
	p.submitPage("#action-finish")
	noticeText("已办结工单 " + ticket)
	userAPI(t, d.base, "lina", "/cards/"+cardOf(t, d.base, db, "lina", ticket, "replied")+"/replied", "")
	visitCard := cardOf(t, d.base, db, "lina", ticket, "v_0")
	p.visit(path)
	eval[bool](p, `(document.querySelector('#visit input[value="满意"]').checked = true, true)`)
	p.submitPage("#action-visit")
	noticeText("已登记工单 "+ticket+" 的回访", "已办结并回复")
	waitReplaced(t, d.base, "lina", visitCard, "回访：满意")
	if eval[bool](p, `!!document.querySelector('#actions')`) {
		t.Error("after the 回访 the page still offers actions")
	}
	p.shot("desk-order-05-visited")
}
