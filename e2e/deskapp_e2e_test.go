package e2e

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/zwgk-bot/zwgk/sandbox"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// demoCardClosed waits until user's card task in the demo's sandbox
// shows want in place of its buttons.
func demoCardClosed(t *testing.T, base, user, task, want string) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		for _, m := range getJSON[[]sandbox.Received](t, base+"/sandbox/api/users/"+user+"/messages") {
			if m.Card != nil && m.Card.TaskID == task && strings.Contains(m.ReplacedButton, want) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s's card %s was not closed with %q", user, task, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// demoNewCard waits until user holds a live card with a button key other
// than the card old (empty: any), and returns its task.
func demoNewCard(t *testing.T, base, user, key, old string) string {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		msgs := getJSON[[]sandbox.Received](t, base+"/sandbox/api/users/"+user+"/messages")
		for i := len(msgs) - 1; i >= 0; i-- {
			if c := msgs[i].Card; c != nil && msgs[i].ReplacedButton == "" && c.TaskID != old {
				for _, b := range c.ButtonList {
					if b.Key == key {
						return c.TaskID
					}
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s holds no new live card with a button %s", user, key)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// act presses button on a record's page and waits for the answer, the
// page again; it fails showing what came instead.
func (p *page) act(button string) string {
	p.t.Helper()
	eval[bool](p, `(() => { const b = document.querySelector(`+jsString(button)+`); document.body.dataset.before = '1'; b.form.requestSubmit(b); return true; })()`)
	p.waitAcrossNavigation("the answer to "+button, `document.readyState === 'complete' && document.body.dataset.before !== '1'`)
	txt := eval[string](p, `document.body.innerText`)
	if !eval[bool](p, `!!document.querySelector('#fields')`) {
		p.t.Fatalf("the answer to %s is no record's page:\n%s", button, txt)
	}
	return txt
}

// visitFor opens a desk address and waits for the element sel on it.
func (p *page) visitFor(path, sel string) string {
	p.t.Helper()
	p.do(chromedp.Navigate(p.base + path))
	p.waitAcrossNavigation(sel+" on "+path, `document.readyState === 'complete' && location.pathname === `+jsString(path)+` && !!document.querySelector(`+jsString(sel)+`)`)
	return eval[string](p, `document.body.innerText`)
}

// notice is the page's notice after an action.
func (p *page) notice() string {
	p.t.Helper()
	return eval[string](p, `(document.querySelector('#notice') || {innerText: ''}).innerText`)
}

// In Chromium, the application's handling steps on its page, each
// closing the card of whoever did it in the chat and giving the next
// holder theirs: 张伟's 退回 (the office gets the 分办 card again), 李娜's
// 补正告知 and 收到补正 (its day echoed with the year), her 申请延期 (a
// days count out of range refused with what she typed kept) and 陈立新's
// 同意延期, then 征求意见 and 收到意见.
func TestBrowserDeskApplicationHandling(t *testing.T) {
	t.Parallel()
	d := startDemo(t)
	s := seedDesk(t, d.dbURL)
	no := s.application.Number()
	path := "/desk/application/" + strconv.FormatInt(s.application.ID, 10)
	p := newPage(t, d.base)

	p.desk("chenlixin", "陈立新")
	p.visitFor(path, "#action-dispatch")
	eval[bool](p, `(document.querySelector('#section').value = '1', true)`) // 综合一股
	p.act("#action-dispatch")
	p.logoutDesk()

	// 张伟 退回s it: without a reason refused; then with one.
	acc := demoNewCard(t, d.base, "zhangwei", "return", "")
	p.deskAgain("zhangwei", "张伟")
	p.visitFor(path, "#action-return")
	if txt := p.act("#action-return"); !strings.Contains(p.notice(), "请填写退回理由") {
		t.Errorf("退回 without a reason:\n%s", txt)
	}
	p.typeInto("return-reason", "不属于本股室职责，请改分环境监察室。")
	// Back with the office, it is no longer his to see: the answer says
	// what he did, and no more.
	eval[bool](p, `(() => { const b = document.querySelector('#action-return'); document.body.dataset.before = '1'; b.form.requestSubmit(b); return true; })()`)
	p.waitAcrossNavigation("the answer to 退回", `document.readyState === 'complete' && document.body.dataset.before !== '1' && document.body.innerText.includes('已退回')`)
	if txt := eval[string](p, `document.body.innerText`); !strings.Contains(txt, "已退回 "+no) || !strings.Contains(txt, "待分办") || strings.Contains(txt, s.application.Content) {
		t.Errorf("the answer to 退回:\n%s", txt)
	}
	p.shot("desk-application-02-returned")
	demoCardClosed(t, d.base, "zhangwei", acc, "已退回")
	disp := demoNewCard(t, d.base, "chenlixin", "s_1", "")
	p.visit("/desk")
	p.logoutDesk()

	// The office 分办s it again; 张伟 签收s it for 李娜.
	p.deskAgain("chenlixin", "陈立新")
	p.visitFor(path, "#action-dispatch")
	if tl := eval[string](p, `document.querySelector('#timeline').innerText`); !strings.Contains(tl, "退回") {
		t.Errorf("the timeline lacks the 退回:\n%s", tl)
	}
	eval[bool](p, `(document.querySelector('#section').value = '1', true)`)
	p.act("#action-dispatch")
	demoCardClosed(t, d.base, "chenlixin", disp, "已分办")
	p.logoutDesk()
	p.deskAgain("zhangwei", "张伟")
	p.visitFor(path, "#action-accept")
	eval[bool](p, `(document.querySelector('#handler').value = 'lina', true)`)
	p.act("#action-accept")
	p.logoutDesk()

	// 李娜's 补正告知, then the 补正 received today.
	handle := demoNewCard(t, d.base, "lina", "supplement", "")
	p.deskAgain("lina", "李娜")
	p.visitFor(path, "#action-supplement")
	p.typeInto("supplement-items", "请补充所需信息的文号或形成时间。")
	p.act("#action-supplement")
	if n := p.notice(); !strings.Contains(n, "已登记补正告知 "+no) || !strings.Contains(n, "补正期限"+strconv.Itoa(today().Year())+"年") {
		t.Errorf("the notice after 补正告知: %q", n)
	}
	demoCardClosed(t, d.base, "lina", handle, "已补正告知")
	sup := demoNewCard(t, d.base, "lina", "received", "")
	demoNewCard(t, d.base, "zhangwei", "received", "")
	p.typeInto("supplemented-on", "今天")
	p.act("#action-supplemented")
	if n := p.notice(); !strings.Contains(n, "已登记收到补正 "+no) || !strings.Contains(n, todayText()+"收到补正") {
		t.Errorf("the notice after 收到补正: %q", n)
	}
	demoCardClosed(t, d.base, "lina", sup, "已收到补正")

	// 李娜 asks for 延期: 30 days refused, her reason kept; then 10.
	handle = demoNewCard(t, d.base, "lina", "extend", "")
	p.visitFor(path, "#action-extend")
	p.typeInto("extend-days", "30")
	p.typeInto("extend-reason", "涉及多个年度的档案，需调阅核对。")
	p.act("#action-extend")
	if n := p.notice(); !strings.Contains(n, "1至20个工作日") {
		t.Errorf("the notice after 30 days: %q", n)
	}
	if kept := eval[string](p, `document.querySelector('#extend-reason').value + '|' + document.querySelector('#extend-days').value`); kept != "涉及多个年度的档案，需调阅核对。|30" {
		t.Errorf("the refused 申请延期 kept %q", kept)
	}
	p.typeInto("extend-days", "10")
	p.act("#action-extend")
	if n := p.notice(); !strings.Contains(n, "已申请延期 "+no) || !strings.Contains(n, "延长10个工作日") || !strings.Contains(n, "陈立新") {
		t.Errorf("the notice after 申请延期: %q", n)
	}
	demoCardClosed(t, d.base, "lina", handle, "已申请延期")
	ext := demoNewCard(t, d.base, "chenlixin", "grant", "")
	p.logoutDesk()

	// 陈立新 同意s.
	p.deskAgain("chenlixin", "陈立新")
	txt := p.visitFor(path, "#action-grant_extend")
	if !strings.Contains(txt, "李娜申请延长10个工作日") || !strings.Contains(txt, "涉及多个年度的档案") {
		t.Errorf("the office head's page lacks the request:\n%s", txt)
	}
	p.act("#action-grant_extend")
	if n := p.notice(); !strings.Contains(n, "已同意延期 "+no) {
		t.Errorf("the notice after 同意延期: %q", n)
	}
	demoCardClosed(t, d.base, "chenlixin", ext, "已同意延期")
	p.logoutDesk()
	p.deskAgain("lina", "李娜")

	// 征求意见 of a third party, and its answer.
	handle = demoNewCard(t, d.base, "lina", "consult", "")
	p.visitFor(path, "#action-consult")
	p.typeInto("consult-party", "某环保科技有限公司")
	p.typeInto("consult-sent", "今天")
	p.act("#action-consult")
	if n := p.notice(); !strings.Contains(n, "已登记征求意见 "+no) {
		t.Errorf("the notice after 征求意见: %q", n)
	}
	demoCardClosed(t, d.base, "lina", handle, "征求意见中")
	handle = demoNewCard(t, d.base, "lina", "consulted", handle)
	if txt := eval[string](p, `document.querySelector('#consulted-which').innerText`); !strings.Contains(txt, "某环保科技有限公司") {
		t.Errorf("the consultation to answer: %q", txt)
	}
	p.typeInto("consulted-on", "今天")
	p.typeInto("consulted-answer", "同意公开。")
	p.act("#action-consulted")
	if n := p.notice(); !strings.Contains(n, "已登记收到意见 "+no) {
		t.Errorf("the notice after 收到意见: %q", n)
	}
	demoCardClosed(t, d.base, "lina", handle, "已收到意见")
	demoNewCard(t, d.base, "lina", "reply", handle)
	p.shot("desk-application-03-consulted")

	ctx := context.Background()
	db, err := storage.Open(ctx, d.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	trail, err := storage.AuditTrail(ctx, db, storage.EntityApplication, no)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range trail {
		got = append(got, e.Actor+":"+e.Action)
	}
	if want := "chenlixin:dispatch zhangwei:return chenlixin:dispatch zhangwei:accept lina:supplement_asked lina:supplement_received " +
		"lina:extend_request chenlixin:extend_approved lina:consult lina:consult_answered"; strings.Join(got, " ") != want {
		t.Errorf("the audit: %s\nwant %s", strings.Join(got, " "), want)
	}
	if st := p.status("GET", path, ""); st != http.StatusOK {
		t.Errorf("the page at the end = %d", st)
	}
}

// An application's steps on its page against the chat's: 退回 without a
// reason refused, with one done (the 签收 card closes, the office gets the
// 分办 card); 不同意延期 on the page; a page made stale by the same step
// done in the chat by another refuses its post, saying who did what and
// when; done by the visitor in the chat, it says there is nothing to do.
func TestDeskApplicationPageSteps(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	ctx := context.Background()
	received := midnight().AddDate(0, 0, -1)
	c.registerApplication(office2, received)
	acc := c.card(head)
	a, err := storage.ApplicationBySerial(ctx, h.db, received.Year(), 1)
	if err != nil {
		t.Fatal(err)
	}
	no := a.Number()
	path := "/desk/application/" + strconv.FormatInt(a.ID, 10)

	zw := h.deskAs(head)
	_, page := zw.get(path)
	if st, body := zw.post(path+"/act", actionForm(t, page, "return", "reason", " ")); st != http.StatusBadRequest || !strings.Contains(body, "请填写退回理由") {
		t.Fatalf("退回 without a reason = %d:\n%s", st, body)
	}
	if st, body := zw.post(path+"/act", actionForm(t, page, "return", "reason", "不属于本股室职责。")); st != http.StatusSeeOther {
		t.Fatalf("退回 on the page = %d:\n%s", st, body)
	}
	waitUpdated(t, h, head, acc.Card.TaskID, "已退回")
	c.text(head, "已退回综合办公室")
	c.text(office1, "新的政府信息公开申请")
	disp := c.card(office1)
	if q := disp.Card.QuoteArea; q == nil || !strings.Contains(q.QuoteText, "综合一股退回：不属于本股室职责。") {
		t.Errorf("the office's 分办 card after 退回: %+v", disp.Card.QuoteArea)
	}

	// The office 分办s it again, 张伟 签收s it for 李娜, in the chat.
	c.click(office1, disp, "s_1")
	c.text(office1, "已分办至综合一股")
	acc = c.card(head)
	c.click(head, acc, "accept")
	c.click(head, c.card(head), "h_"+staff)
	c.text(head, "已签收，由李娜办理")
	handle := c.card(staff)

	// 李娜's page offers 申请延期; she asks for it in the chat instead:
	// the page's post then does nothing and says so.
	ln := h.deskAs(staff)
	_, page = ln.get(path)
	if !strings.Contains(page, `id="action-extend"`) || !strings.Contains(page, `id="action-supplement"`) || !strings.Contains(page, `id="action-consult"`) {
		t.Fatalf("the handler's page lacks her steps:\n%s", page)
	}
	extend := actionForm(t, page, "extend", "days", "10", "reason", "档案需调阅。")
	c.click(staff, handle, "extend")
	c.text(staff, "第三十三条")
	c.text(staff, "延长的工作日数")
	c.say(staff, "10")
	c.text(staff, "延期的理由")
	c.say(staff, "需征求第三方意见后综合研判。")
	c.confirm(staff)
	c.text(staff, "延期申请（10个工作日）已报陈立新审批")
	handle = c.card(staff)
	ext := c.card(office1)
	if st, body := ln.post(path+"/act", extend); st != http.StatusOK || !strings.Contains(body, "您已办理过此环节，本页的操作未再执行") || !strings.Contains(body, "由李娜申请延期") {
		t.Errorf("申请延期 again from the page = %d:\n%s", st, body)
	}

	// 陈立新 does not agree, on the page: the reason is asked for first.
	cx := h.deskAs(office1)
	_, page = cx.get(path)
	if !strings.Contains(page, "李娜申请延长10个工作日，理由：需征求第三方意见后综合研判。") {
		t.Fatalf("the office head's page lacks the request:\n%s", page)
	}
	if st, body := cx.post(path+"/act", actionForm(t, page, "deny_extend")); st != http.StatusBadRequest || !strings.Contains(body, "请填写不同意延期的理由") {
		t.Fatalf("不同意延期 without a reason = %d:\n%s", st, body)
	}
	if st, body := cx.post(path+"/act", actionForm(t, page, "deny_extend", "reason", "尚在法定期限内，请抓紧办理。")); st != http.StatusSeeOther {
		t.Fatalf("不同意延期 on the page = %d:\n%s", st, body)
	}
	waitUpdated(t, h, office1, ext.Card.TaskID, "已不同意延期")
	c.text(office1, "已不同意延期")
	c.text(staff, "不同意延期", "尚在法定期限内，请抓紧办理。")
	handle = c.card(staff)

	// 补正告知 on the page: a 补正期限 already past refused, the items kept.
	_, page = ln.get(path)
	items, past := "请补充所需信息的文号或形成时间。", today().AddDate(0, 0, -3).Format(time.DateOnly)
	st, body := ln.post(path+"/act", actionForm(t, page, "supplement", "items", items, "due", past))
	if st != http.StatusBadRequest || !strings.Contains(body, "已过") || !strings.Contains(body, ">"+items+"</textarea>") || !strings.Contains(body, `value="`+past+`"`) {
		t.Fatalf("补正告知 with a past 补正期限 = %d:\n%s", st, body)
	}
	if st, body := ln.post(path+"/act", actionForm(t, page, "supplement", "items", items, "due", "默认")); st != http.StatusSeeOther {
		t.Fatalf("补正告知 on the page = %d:\n%s", st, body)
	}
	waitUpdated(t, h, staff, handle.Card.TaskID, "已补正告知")
	c.text(staff, "已登记补正告知")
	sup := c.card(staff)

	// 林晓燕 (the registrar) has 收到补正 open on the page; 李娜 records it
	// in the chat first: the page's post is refused, saying so.
	lx := h.deskAs(office2)
	_, page = lx.get(path)
	gotIt := actionForm(t, page, "supplemented", "on", "今天")
	c.click(staff, sup, "received")
	c.text(staff, "重新计算")
	c.text(staff, "收到补正材料的日期")
	c.say(staff, "今天")
	c.text(staff, "收到补正日期：")
	c.confirm(staff)
	c.text(staff, "已登记收到补正")
	if st, body := lx.post(path+"/act", gotIt); st != http.StatusConflict || !strings.Contains(body, "由李娜登记"+todayText()+"收到申请人的补正") || !strings.Contains(body, "您在本页的操作未执行") {
		t.Errorf("the stale page's 收到补正 = %d:\n%s", st, body)
	}

	trail, err := storage.AuditTrail(ctx, h.db, storage.EntityApplication, no)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range trail {
		got = append(got, e.Actor+":"+e.Action)
	}
	if want := "linxiaoyan:register zhangwei:return chenlixin:dispatch zhangwei:accept lina:extend_request chenlixin:extend_refused lina:supplement_asked lina:supplement_received"; strings.Join(got, " ") != want {
		t.Errorf("the audit: %s\nwant %s", strings.Join(got, " "), want)
	}
}

// 逾期未补正 on the page: refused while the 补正期限 runs (the page does
// not offer it then), offered to the office once it has passed, and done
// through the card's own function: the 补正 cards close and those
// involved are told it is closed.
func TestDeskApplicationPageSupplementLapsed(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	ctx := context.Background()
	a, path, handle := c.handledApplication()

	ln := h.deskAs(staff)
	_, page := ln.get(path)
	if st, body := ln.post(path+"/act", actionForm(t, page, "supplement", "items", "请补充文号。", "due", "默认")); st != http.StatusSeeOther {
		t.Fatalf("补正告知 on the page = %d:\n%s", st, body)
	}
	waitUpdated(t, h, staff, handle.Card.TaskID, "已补正告知")
	c.text(staff, "已登记补正告知")
	sup := c.card(staff)

	cx := h.deskAs(office1)
	_, page = cx.get(path)
	if strings.Contains(page, `id="action-lapsed"`) || !strings.Contains(page, `id="action-supplemented"`) {
		t.Fatalf("the office's page while the 补正期限 runs:\n%s", page)
	}
	if st, body := cx.post(path+"/act", actionForm(t, page, "lapsed")); st != http.StatusBadRequest || !strings.Contains(body, "尚未届满") {
		t.Fatalf("逾期未补正 before the 补正期限 = %d:\n%s", st, body)
	}

	// Weeks later: the same 补正 asked a month ago, its 补正期限 passed.
	if _, err := h.db.ExecContext(ctx, `UPDATE applications SET received_on = $2, supplement_asked_on = $3, supplement_due_on = $4 WHERE id = $1`,
		a.ID, midnight().AddDate(0, 0, -40), midnight().AddDate(0, 0, -35), midnight().AddDate(0, 0, -7)); err != nil {
		t.Fatal(err)
	}
	_, page = cx.get(path)
	if !strings.Contains(page, `id="action-lapsed"`) {
		t.Fatalf("the office's page once the 补正期限 passed lacks 逾期未补正:\n%s", page)
	}
	if st, body := cx.post(path+"/act", actionForm(t, page, "lapsed")); st != http.StatusSeeOther {
		t.Fatalf("逾期未补正 on the page = %d:\n%s", st, body)
	}
	waitUpdated(t, h, staff, sup.Card.TaskID, "逾期未补正，已办结")
	c.text(staff, "视为放弃申请，已办结")
	got, err := storage.ApplicationByID(ctx, h.db, a.ID)
	if err != nil || got.State != "closed" || got.Reason != string(workflow.ReasonNoSupplement) {
		t.Fatalf("after 逾期未补正: %+v %v", got, err)
	}
	if _, page = cx.get(path); strings.Contains(page, `id="actions"`) {
		t.Errorf("the closed application's page still offers actions:\n%s", page)
	}
}

// In Chromium, an application's reply on its page from the draft to the
// 送达: 李娜's 拟写答复 (a 不予公开 without its 具体情形 or its 法律依据
// refused, what she typed kept), 张伟's 同意, 林晓燕's 保密审查 (two ticks
// refused, kept; then all three), 周振华's 同意 and 陈立新's 邮寄送达 (the
// tracking number asked for, the day echoed with its year); each closes
// the cards in the chat and gives the next holder theirs.
func TestBrowserDeskApplicationReply(t *testing.T) {
	t.Parallel()
	d := startDemo(t)
	s := seedDesk(t, d.dbURL)
	no := s.application.Number()
	path := "/desk/application/" + strconv.FormatInt(s.application.ID, 10)
	ctx := context.Background()
	db, err := storage.Open(ctx, d.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p := newPage(t, d.base)

	p.desk("chenlixin", "陈立新")
	p.visitFor(path, "#action-dispatch")
	eval[bool](p, `(document.querySelector('#section').value = '1', true)`) // 综合一股
	p.act("#action-dispatch")
	p.logoutDesk()
	p.deskAgain("zhangwei", "张伟")
	p.visitFor(path, "#action-accept")
	eval[bool](p, `(document.querySelector('#handler').value = 'lina', true)`)
	p.act("#action-accept")
	p.logoutDesk()

	// 李娜's draft: 不予公开 without its 具体情形, then without its basis.
	handle := demoNewCard(t, d.base, "lina", "reply", "")
	waitSentIn(t, db, handle)
	p.deskAgain("lina", "李娜")
	if txt := p.visitFor(path, "#action-reply"); !strings.Contains(txt, "请注意：如选择「保护第三方合法权益」") || !strings.Contains(txt, "主要负责人审核") {
		t.Errorf("the handler's 拟写答复 lacks the warning or the review:\n%s", txt)
	}
	text := "您申请的信息涉及第三方商业秘密，不予公开。"
	eval[bool](p, `(document.querySelector('#reply-outcome').value = '不予公开', true)`)
	p.typeInto("reply-text", text)
	p.act("#action-reply")
	if n := p.notice(); !strings.Contains(n, "请选择不予公开的具体情形") {
		t.Errorf("the notice without a 具体情形: %q", n)
	}
	if kept := eval[string](p, `document.querySelector('#reply-outcome').value + '|' + document.querySelector('#reply-text').value`); kept != "不予公开|"+text {
		t.Errorf("the refused draft kept %q", kept)
	}
	eval[bool](p, `(document.querySelector('#reply-reason').value = '保护第三方合法权益', true)`)
	p.act("#action-reply")
	if n := p.notice(); !strings.Contains(n, "不予公开的答复须写明法律依据") {
		t.Errorf("the notice without a basis: %q", n)
	}
	if kept := eval[string](p, `document.querySelector('#reply-reason').value + '|' + document.querySelector('#reply-text').value`); kept != "保护第三方合法权益|"+text {
		t.Errorf("the refused draft kept %q", kept)
	}
	p.typeInto("reply-basis", "《中华人民共和国政府信息公开条例》第十五条")
	p.act("#action-reply")
	if n := p.notice(); !strings.Contains(n, "已拟写答复并报审 "+no) || !strings.Contains(n, "答复类型：不予公开") {
		t.Errorf("the notice after 拟写答复: %q", n)
	}
	demoCardClosed(t, d.base, "lina", handle, "答复已报审")
	rev := demoNewCard(t, d.base, "zhangwei", "approve", "")
	waitSentIn(t, db, rev)
	p.logoutDesk()

	// 张伟 同意s; the office's two members get their cards.
	p.deskAgain("zhangwei", "张伟")
	if txt := p.visitFor(path, "#action-approve"); !strings.Contains(txt, "答复审核（股室负责人审核）") || !strings.Contains(txt, "未登记征求第三方意见") {
		t.Errorf("the section head's review lacks its stage or the warning:\n%s", txt)
	}
	p.act("#action-approve")
	if n := p.notice(); !strings.Contains(n, "已同意 "+no) {
		t.Errorf("the notice after 同意: %q", n)
	}
	demoCardClosed(t, d.base, "zhangwei", rev, "已同意")
	offL := demoNewCard(t, d.base, "linxiaoyan", "approve", "")
	offC := demoNewCard(t, d.base, "chenlixin", "approve", "")
	waitSentIn(t, db, offL, offC)
	p.logoutDesk()

	// 林晓燕's 保密审查: two ticks refused and kept, then the three.
	p.deskAgain("linxiaoyan", "林晓燕")
	p.visitFor(path, "#check-privacy")
	eval[bool](p, `(document.querySelector('#check-state_secret').checked = true, document.querySelector('#check-privacy').checked = true, true)`)
	p.act("#action-approve")
	if n := p.notice(); !strings.Contains(n, "还需确认「商业秘密」") {
		t.Errorf("the notice after two ticks: %q", n)
	}
	if kept := eval[string](p, `[...document.querySelectorAll('#secrecy input:checked')].map(e => e.value).join(',')`); kept != "state_secret,privacy" {
		t.Errorf("the refused 保密审查 kept %q", kept)
	}
	eval[bool](p, `(document.querySelector('#check-commercial_secret').checked = true, true)`)
	p.act("#action-approve")
	if n := p.notice(); !strings.Contains(n, "已同意 "+no) || !strings.Contains(n, "答复审核中（周振华）") {
		t.Errorf("the notice after the office's 同意: %q", n)
	}
	demoCardClosed(t, d.base, "linxiaoyan", offL, "已同意")
	demoCardClosed(t, d.base, "chenlixin", offC, "林晓燕已同意")
	lead := demoNewCard(t, d.base, "zhouzhenhua", "approve", "")
	waitSentIn(t, db, lead)
	p.logoutDesk()

	// 周振华 同意s; the office delivers.
	p.deskAgain("zhouzhenhua", "周振华")
	p.visitFor(path, "#action-approve")
	p.act("#action-approve")
	demoCardClosed(t, d.base, "zhouzhenhua", lead, "已同意")
	delC := demoNewCard(t, d.base, "chenlixin", "d_1", "")
	delL := demoNewCard(t, d.base, "linxiaoyan", "d_1", "")
	waitSentIn(t, db, delC, delL)
	p.logoutDesk()

	// 陈立新's 邮寄送达: without the tracking number refused, kept.
	p.deskAgain("chenlixin", "陈立新")
	p.visitFor(path, "#action-deliver")
	eval[bool](p, `(document.querySelector('#deliver-how-1').checked = true, true)`) // 邮寄
	p.typeInto("deliver-on", "今天")
	p.act("#action-deliver")
	if n := p.notice(); !strings.Contains(n, "请填写邮件单号") {
		t.Errorf("the notice without a tracking number: %q", n)
	}
	if kept := eval[string](p, `document.querySelector('#deliver-on').value + '|' + document.querySelector('#deliver-how-1').checked`); kept != "今天|true" {
		t.Errorf("the refused 送达 kept %q", kept)
	}
	p.typeInto("deliver-tracking", "1234567890123")
	p.act("#action-deliver")
	if n := p.notice(); !strings.Contains(n, "已登记送达 "+no) || !strings.Contains(n, todayText()+"邮寄送达申请人") {
		t.Errorf("the notice after 送达: %q", n)
	}
	// Done on the page, no click's own copy: each says who did it.
	demoCardClosed(t, d.base, "chenlixin", delC, "陈立新已登记送达")
	demoCardClosed(t, d.base, "linxiaoyan", delL, "陈立新已登记送达")
	p.shot("desk-application-04-delivered")

	a, err := storage.ApplicationByID(ctx, db, s.application.ID)
	if err != nil || a.State != "closed" || a.Outcome != "withhold" || a.Delivery != "邮寄" || a.TrackingNo != "1234567890123" {
		t.Fatalf("after 送达: %+v, %v", a, err)
	}
	r, err := storage.SecrecyReviewAt(ctx, db, storage.EntityApplication, no, 1, "office")
	if err != nil || r.Reviewer != "linxiaoyan" || r.Conclusion != "withheld" || !r.StateSecret || !r.CommercialSecret || !r.Privacy {
		t.Fatalf("保密审查 %+v, %v", r, err)
	}
}

// handledApplication registers an application received yesterday, has the
// section head 签收 it naming 李娜, and returns it, its page's path and
// 李娜's 办理 card.
func (c *cursor) handledApplication() (*storage.Application, string, sandbox.Received) {
	c.h.t.Helper()
	received := midnight().AddDate(0, 0, -1)
	c.registerApplication(office2, received)
	acc := c.card(head)
	a, err := storage.ApplicationBySerial(context.Background(), c.h.db, received.Year(), 1)
	if err != nil {
		c.h.t.Fatal(err)
	}
	c.click(head, acc, "accept")
	c.click(head, c.card(head), "h_"+staff)
	c.text(head, "已签收，由李娜办理")
	return a, "/desk/application/" + strconv.FormatInt(a.ID, 10), c.card(staff)
}
