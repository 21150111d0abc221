package e2e

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/zwgk-bot/zwgk/storage"
)

var markField = regexp.MustCompile(`name="(csrf|mark)" value="([^"]*)"`)

// actionForm is a record page's hidden fields (the session's token, the
// mark it was rendered with), action and the fields given.
func actionForm(t *testing.T, page, action string, fields ...string) url.Values {
	t.Helper()
	v := url.Values{"action": {action}}
	for _, m := range markField.FindAllStringSubmatch(page, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	if v.Get("csrf") == "" || v.Get("mark") == "" {
		t.Fatalf("the page has no action form:\n%s", page)
	}
	for i := 0; i+1 < len(fields); i += 2 {
		v.Set(fields[i], fields[i+1])
	}
	return v
}

// An order's holders act on its page: 签收 closes the section head's card
// in the chat (a click on it afterwards is refused), 指定 and 办结 go on
// through the cards' own functions, and a page made stale by a click in
// the chat refuses its post, saying who did what and when. The caller's
// phone is masked for whoever the chat masks it for.
func TestDeskOrderPageAndCardsAgree(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	ticket := "GD202612010077"
	c.register(registrar, ticket, false, "r_1") // 综合一股
	disp := c.card(head)
	path := "/desk/order/" + strconv.FormatInt(h.order(ticket).ID, 10)

	// 黄磊 (综合二股) may see it, the phone masked, and do nothing.
	hl := h.deskAs("huanglei")
	st, page := hl.get(path)
	if st != http.StatusOK || !strings.Contains(page, "138****8000") || strings.Contains(page, "13800138000") || strings.Contains(page, `id="actions"`) {
		t.Fatalf("another section's view of the order = %d:\n%s", st, page)
	}
	csrf := markField.FindStringSubmatch(page)
	forged := url.Values{"csrf": {html.UnescapeString(csrf[2])}, "mark": {"dispatched#0|综合一股|"}, "action": {"accept"}}
	if st, _ := hl.post(path+"/act", forged); st != http.StatusForbidden {
		t.Errorf("签收 by another section's member = %d, want 403", st)
	}

	// 张伟 finds it waiting on his desk, and opens it.
	zw := h.deskAs(head)
	if _, home := zw.get("/desk"); !strings.Contains(home, ticket) || !strings.Contains(home, "待签收") || !strings.Contains(home, `href="`+path+`"`) {
		t.Fatalf("the head's desk lacks the order waiting for 签收:\n%s", home)
	}
	st, page = zw.get("/desk/open/order/" + strings.TrimPrefix(path, "/desk/order/"))
	if st != http.StatusOK || !strings.Contains(page, "13800138000") || !strings.Contains(page, `id="action-accept"`) || !strings.Contains(page, "登记工单") {
		t.Fatalf("the head's page = %d:\n%s", st, page)
	}
	noCSRF := actionForm(t, page, "accept")
	noCSRF.Del("csrf")
	if st, _ := zw.post(path+"/act", noCSRF); st != http.StatusForbidden {
		t.Errorf("签收 without the CSRF token = %d, want 403", st)
	}
	if o := h.order(ticket); o.State != "dispatched" {
		t.Fatalf("after the refused posts the order is %s", o.State)
	}
	accept := actionForm(t, page, "accept")
	if st, body := zw.post(path+"/act", accept); st != http.StatusSeeOther {
		t.Fatalf("签收 on the page = %d:\n%s", st, body)
	}
	waitUpdated(t, h, head, disp.Card.TaskID, "张伟已签收")
	assign := c.card(head)
	c.clickAnyway(head, disp, "accept")
	c.text(head, "已失效")
	if o := h.order(ticket); o.State != "accepted" {
		t.Fatalf("after 签收 the order is %s", o.State)
	}
	// The same post again does nothing and says so.
	if st, body := zw.post(path+"/act", accept); st != http.StatusOK || !strings.Contains(body, "您已办理过此环节，本页的操作未再执行") {
		t.Errorf("签收 again = %d:\n%s", st, body)
	}

	// 指定 李娜 on the page: the assign card closes, hers comes.
	_, page = zw.get(path)
	if st, body := zw.post(path+"/act", actionForm(t, page, "assign", "handler", staff)); st != http.StatusSeeOther {
		t.Fatalf("指定 on the page = %d:\n%s", st, body)
	}
	waitUpdated(t, h, head, assign.Card.TaskID, "已指定李娜")
	handle := c.card(staff)

	// 李娜's 办结: without an answer refused, naming it; then done.
	ln := h.deskAs(staff)
	_, page = ln.get(path)
	st, body := ln.post(path+"/act", actionForm(t, page, "finish", "finding", "属实", "measures", "无"))
	if st != http.StatusBadRequest || !strings.Contains(body, "答复内容应为1至2000字") || !strings.Contains(body, `value="属实" checked`) {
		t.Fatalf("办结 without an answer = %d:\n%s", st, body)
	}
	finish := actionForm(t, page, "finish", "answer", "经现场核查，夜间施工已停止。", "finding", "属实", "measures", "责令整改。")
	if st, body := ln.post(path+"/act", finish); st != http.StatusSeeOther {
		t.Fatalf("办结 on the page = %d:\n%s", st, body)
	}
	waitUpdated(t, h, staff, handle.Card.TaskID, "已办结")
	if o := h.order(ticket); o.State != "answered" || o.Finding != "属实" || o.Answer == "" {
		t.Fatalf("after 办结: %s %q %q", o.State, o.Finding, o.Answer)
	}

	// 林晓燕 (the registrar) has the page with 已回复12345 open; 陈立新
	// clicks it on his card first: her post is refused, saying so.
	lx := h.deskAs(registrar)
	_, page = lx.get(path)
	reply := actionForm(t, page, "reply")
	officeReply := c.card(office1) // the office holds a copy of the 已回复12345 card
	c.click(office1, officeReply, "replied")
	c.text(office1, "已办结并回复12345")
	st, body = lx.post(path+"/act", reply)
	if st != http.StatusConflict || !strings.Contains(body, "由陈立新已将办理结果回复12345") || !strings.Contains(body, "您在本页的操作未执行") {
		t.Fatalf("the stale page's 已回复12345 = %d:\n%s", st, body)
	}
	trail, err := storage.AuditTrail(context.Background(), h.db, storage.EntityOrder, ticket)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range trail {
		got = append(got, e.Actor+":"+e.Action)
	}
	if want := "linxiaoyan:register zhangwei:accept zhangwei:assign lina:finish chenlixin:replied_12345"; strings.Join(got, " ") != want {
		t.Errorf("the order's audit: %s, want %s", strings.Join(got, " "), want)
	}
}

// An application's section head 签收s it on its page, naming the
// handler: the 签收 card closes and a click on it is refused; a member of
// the section it was not given to is refused the page.
func TestDeskApplicationPageAccept(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	received := midnight().AddDate(0, 0, -1)
	c.registerApplication(office2, received)
	acc := c.card(head)
	a, err := storage.ApplicationBySerial(context.Background(), h.db, received.Year(), 1)
	if err != nil {
		t.Fatal(err)
	}
	path := "/desk/application/" + strconv.FormatInt(a.ID, 10)

	if st, _ := h.deskAs(staff2).get(path); st != http.StatusForbidden {
		t.Errorf("a member it was not given to = %d, want 403", st)
	}

	zw := h.deskAs(head)
	st, page := zw.get(path)
	for _, want := range []string{a.Number(), "张三", "2025年度某工业园区环境影响评价文件及批复。", "期限", "个工作日", `id="action-accept"`, "办理审批表仅供综合办公室和主要负责人查看", "附件：申请材料和答复材料", "/documents\""} {
		if !strings.Contains(page, want) {
			t.Errorf("the head's page (%d) lacks %q", st, want)
		}
	}
	noCSRF := actionForm(t, page, "accept", "handler", staff)
	noCSRF.Del("csrf")
	if st, _ := zw.post(path+"/act", noCSRF); st != http.StatusForbidden {
		t.Errorf("签收 without the CSRF token = %d, want 403", st)
	}
	if st, body := zw.post(path+"/act", actionForm(t, page, "accept", "handler", "huanglei")); st != http.StatusBadRequest || !strings.Contains(body, "请选择本股室的承办人") {
		t.Errorf("签收 naming another section's member = %d:\n%s", st, body)
	}
	if st, body := zw.post(path+"/act", actionForm(t, page, "accept", "handler", staff)); st != http.StatusSeeOther {
		t.Fatalf("签收 on the page = %d:\n%s", st, body)
	}
	waitUpdated(t, h, head, acc.Card.TaskID, "已签收")
	c.text(head, "已签收，由李娜办理")
	c.clickAnyway(head, acc, "accept")
	c.text(head, "已失效")
	c.card(staff) // the handler's card
	got, err := storage.ApplicationByID(context.Background(), h.db, a.ID)
	if err != nil || got.State != "accepted" || got.Handler != staff {
		t.Fatalf("after 签收: %+v %v", got, err)
	}
	if st, body := zw.post(path+"/act", actionForm(t, page, "accept", "handler", staff)); st != http.StatusOK || !strings.Contains(body, "您已办理过此环节，本页的操作未再执行") {
		t.Errorf("签收 again = %d:\n%s", st, body)
	}

	// The office reads it with the 办理审批表's signed link.
	_, page = h.deskAs(office1).get(path)
	if !strings.Contains(page, `id="print-link"`) || !strings.Contains(page, "/record?") || !strings.Contains(page, "sig=") || !strings.Contains(page, "张伟签收") {
		t.Errorf("the office's page:\n%s", page)
	}
}

// In Chromium: the section head opens the order from his 办公桌 and
// 签收s it on its page, which then asks for the handler; another
// section's member sees the caller's phone masked; the office 分办s the
// application on its page; a 承办人 it was not given to is refused it.
func TestBrowserDeskOrderAndApplicationPages(t *testing.T) {
	t.Parallel()
	d := startDemo(t)
	s := seedDesk(t, d.dbURL)
	orderPath := "/desk/order/" + strconv.FormatInt(s.order.ID, 10)
	appPath := "/desk/application/" + strconv.FormatInt(s.application.ID, 10)
	p := newPage(t, d.base)

	p.desk("zhangwei", "张伟")
	p.do(chromedp.Navigate(eval[string](p, `document.querySelector('#waiting tr.row[data-number="`+s.order.TicketNo+`"] a.open').href`)))
	p.waitAcrossNavigation("the order's page", `location.pathname === `+jsString(orderPath)+` && !!document.querySelector('#action-accept')`)
	txt := eval[string](p, `document.body.innerText`)
	for _, want := range []string{s.order.TicketNo, s.order.Content, "13800138000", "待签收（张伟）", "剩余", "首问责任人"} {
		if !strings.Contains(txt, want) {
			t.Errorf("the order's page lacks %q:\n%s", want, txt)
		}
	}
	p.shot("desk-order-01-head")
	p.submitPage("#action-accept")
	if n := eval[string](p, `document.querySelector('#notice').innerText`); !strings.Contains(n, "已签收工单 "+s.order.TicketNo) {
		t.Errorf("the notice after 签收: %q", n)
	}
	if !eval[bool](p, `!!document.querySelector('#action-assign') && !document.querySelector('#action-accept')`) {
		t.Error("after 签收 the page does not ask for the handler")
	}
	if tl := eval[string](p, `document.querySelector('#timeline').innerText`); !strings.Contains(tl, "张伟签收工单。") {
		t.Errorf("the timeline lacks the 签收:\n%s", tl)
	}
	p.shot("desk-order-02-accepted")
	p.logoutDesk()

	p.deskAgain("huanglei", "黄磊")
	txt = p.visit(orderPath)
	if !strings.Contains(txt, "138****8000") || strings.Contains(txt, "13800138000") || eval[bool](p, `!!document.querySelector('#actions')`) {
		t.Errorf("another section's view of the order:\n%s", txt)
	}
	if st := p.status("GET", appPath, ""); st != http.StatusForbidden {
		t.Errorf("a 承办人 opening another's application = %d, want 403", st)
	}
	p.visit("/desk")
	p.logoutDesk()

	p.deskAgain("chenlixin", "陈立新")
	txt = p.visit(appPath)
	for _, want := range []string{s.application.Number(), "赵桌面", "期限", "剩余", "接收回执", "打开办理审批表（可打印）"} {
		if !strings.Contains(txt, want) {
			t.Errorf("the application's page lacks %q:\n%s", want, txt)
		}
	}
	if st := p.status("POST", appPath+"/act", "mark=x&action=dispatch&section=1"); st != http.StatusForbidden {
		t.Errorf("分办 without the CSRF token = %d, want 403", st)
	}
	p.visit(appPath)
	eval[bool](p, `(document.querySelector('#section').value = '1', true)`) // 综合一股
	p.submitPage("#action-dispatch")
	if n := eval[string](p, `document.querySelector('#notice').innerText`); !strings.Contains(n, "已分办 "+s.application.Number()) || !strings.Contains(n, "张伟") {
		t.Errorf("the notice after 分办: %q", n)
	}
	p.shot("desk-application-01-dispatched")
}
