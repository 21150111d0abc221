package e2e

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// formTrail is the form's audit, action and actor, in order.
func (h *harness) formTrail(serial string) []string {
	h.t.Helper()
	var out []string
	err := h.db.SelectContext(context.Background(), &out, `
		SELECT a.action || ':' || a.actor FROM audit_log a JOIN forms f ON a.entity = 'form' AND a.entity_id = f.id::text
		WHERE format('公开审〔%s〕%s号', f.year, f.seq) = $1 ORDER BY a.id`, serial)
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

// actForm is the page's fields for a step posted to /act: the hidden
// fields as decisionForm reads them, and the action.
func actForm(t *testing.T, page, action string, more url.Values) url.Values {
	t.Helper()
	v := decisionForm(t, page, "")
	v.Del("verdict")
	v.Set("action", action)
	for k, vs := range more {
		v[k] = vs
	}
	return v
}

// The publisher confirms a platform on the page: the same record and
// audit as the card's click, the card closed and a fresh one with the
// platform left; a link too long is refused and kept; the last platform
// confirmed in the chat makes the page's post, open since, a repeat that
// says who did it and when.
func TestDeskFormPublishAgreesWithCards(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	serial := c.submit(staff, ordinary)
	c.click(head, c.card(head), "approve")
	c.text(head, "已同意")
	c.text(staff, "张伟同意")
	off1, off2 := c.card(office1), c.card(office2)
	c.officeApprove(office2, off2, "approve")
	c.text(office2, "已同意")
	c.text(staff, "林晓燕同意")
	waitUpdated(t, h, office1, off1.Card.TaskID, "林晓燕")
	pub := c.card(publisher)
	path := "/desk/form/" + strconv.FormatInt(h.formID(serial), 10)

	hj := h.deskAs(publisher)
	st, page := hj.get(path)
	if st != http.StatusOK || !strings.Contains(page, `id="publish-0"`) || !strings.Contains(page, `id="publish-2"`) || strings.Contains(page, `id="approve-form"`) {
		t.Fatalf("the publisher's page = %d, want 政府网站 and “双微”公众号 to confirm:\n%s", st, page)
	}
	// Others see no confirmation.
	if _, other := h.deskAs(staff).get(path); strings.Contains(other, `id="publish-0"`) {
		t.Fatal("the submitter is offered the publisher's confirmation")
	}
	// The office, not the card's holder, posting it with its own session:
	// refused.
	cl := h.deskAs(office1)
	_, clPage := cl.get(path)
	forged := url.Values{"version": {"1"}, "stage": {"publish"}, "action": {"publish"}, "platform": {"0"}}
	if m := hiddenField.FindStringSubmatch(clPage); m == nil || m[1] != "csrf" {
		t.Fatalf("the office's page has no token:\n%s", clPage)
	} else {
		forged.Set("csrf", html.UnescapeString(m[2]))
	}
	if st, body := cl.post(path+"/act", forged); st != http.StatusForbidden || !strings.Contains(body, "不是该审批单的发布人") {
		t.Errorf("a confirmation posted by the office = %d:\n%s", st, body)
	}
	if got := strings.Join(h.formTrail(serial), ","); strings.Contains(got, "publish") {
		t.Fatalf("the trail after the office's post: %s", got)
	}

	const link = "https://kfq.example.gov.cn/hbj/2026/7.html"
	st, body := hj.post(path+"/act", actForm(t, page, "publish", url.Values{"platform": {"0"}, "reference": {"  " + link + " "}}))
	if st != http.StatusSeeOther {
		t.Fatalf("政府网站 confirmed on the page = %d:\n%s", st, body)
	}
	c.text(publisher, "已确认 "+serial+" 在政府网站发布。已登记发布信息："+link)
	waitUpdated(t, h, publisher, pub.Card.TaskID, "何静确认政府网站已发布")
	pub2 := c.card(publisher)
	if len(pub2.Card.ButtonList) != 1 || pub2.Card.ButtonList[0].Key != "pub_2" {
		t.Fatalf("the fresh publish card's buttons %v, want only “双微”公众号", pub2.Card.ButtonList)
	}
	_, page = hj.get(path)
	if strings.Contains(page, `id="publish-0"`) || !strings.Contains(page, `id="publish-2"`) || !strings.Contains(page, "何静登记政府网站的发布信息："+link) {
		t.Fatalf("the page after 政府网站:\n%s", page)
	}

	// Too long: refused, naming the limit, what was typed kept.
	long := strings.Repeat("a", 501)
	st, body = hj.post(path+"/act", actForm(t, page, "publish", url.Values{"platform": {"2"}, "reference": {long}}))
	if st != http.StatusBadRequest || !strings.Contains(body, "不超过500字（现为501字）") || !strings.Contains(body, `value="`+long+`"`) {
		t.Fatalf("a link of 501 characters = %d:\n%s", st, body)
	}

	// The last platform on the card; the page, open since, is answered.
	c.click(publisher, pub2, "pub_2")
	c.text(publisher, "已在全部平台发布")
	c.text(staff, "已公开（政府网站、“双微”公众号）")
	// The chat's reply takes the link or 期号 by the page's rule.
	c.say(publisher, "第12期 👍")
	c.text(publisher, "链接或期号中含有表情符号（👍）", "请删除后重新输入")
	c.say(publisher, "第12期")
	c.text(publisher, "已登记“双微”公众号的发布信息：第12期")
	st, body = hj.post(path+"/act", actForm(t, page, "publish", url.Values{"platform": {"2"}, "reference": {"第12期"}}))
	if st != http.StatusOK || !strings.Contains(body, serial+" 已于") || !strings.Contains(body, "由何静确认在“双微”公众号发布。当前：已公开。您已办理过此环节，本页的操作未再执行") {
		t.Fatalf("the page's confirmation after the card's = %d:\n%s", st, body)
	}
	want := "submit:lina,approve:zhangwei,secrecy_review:linxiaoyan,approve:linxiaoyan,publish:hejing,publish_reference:hejing,publish:hejing,published:hejing"
	if got := strings.Join(h.formTrail(serial), ","); !strings.HasPrefix(got, want) {
		t.Fatalf("the trail %s, want it to begin %s", got, want)
	}
	if st, _, _ := h.formState(serial); st != "published" {
		t.Fatalf("state %s, want published", st)
	}
	var n int
	if err := h.db.GetContext(context.Background(), &n, `SELECT count(*) FROM form_publications p JOIN forms f ON f.id = p.form_id
		WHERE format('公开审〔%s〕%s号', f.year, f.seq) = $1 AND p.reference = $2`, serial, link); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d publications with the page's link, want 1", n)
	}
}

// The submitter's 撤回 on the page: it asks for the tick first, then
// withdraws as the chat's confirmation does (the approver's card closed,
// the approver told); a second post is a repeat, the approver's open page
// stale. A rejected form's page says revising is done in the chat.
func TestDeskFormWithdrawOnPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	serial := c.submit(staff, ordinary)
	sec := c.card(head)
	path := "/desk/form/" + strconv.FormatInt(h.formID(serial), 10)

	zw := h.deskAs(head)
	_, headPage := zw.get(path)
	ln := h.deskAs(staff)
	st, page := ln.get(path)
	if st != http.StatusOK || !strings.Contains(page, `id="withdraw-form"`) || strings.Contains(page, `id="approve-form"`) || strings.Contains(page, `id="resubmit-note"`) {
		t.Fatalf("the submitter's page = %d:\n%s", st, page)
	}
	if strings.Contains(headPage, `id="withdraw-form"`) {
		t.Fatal("the approver is offered the submitter's 撤回")
	}
	st, body := ln.post(path+"/act", actForm(t, page, "withdraw", nil))
	if st != http.StatusBadRequest || !strings.Contains(body, "请勾选「确认撤回」") {
		t.Fatalf("撤回 without the tick = %d:\n%s", st, body)
	}
	if st, _, _ := h.formState(serial); st != "review" {
		t.Fatalf("state %s after the unticked 撤回", st)
	}
	if st, _ := zw.post(path+"/act", actForm(t, headPage, "withdraw", url.Values{"confirm": {"yes"}})); st != http.StatusForbidden {
		t.Errorf("撤回 by the approver = %d, want 403", st)
	}
	confirmed := actForm(t, page, "withdraw", url.Values{"confirm": {"yes"}})
	if st, body := ln.post(path+"/act", confirmed); st != http.StatusSeeOther {
		t.Fatalf("撤回 on the page = %d:\n%s", st, body)
	}
	c.text(staff, "已撤回 "+serial+"，审批已终止。")
	c.text(head, serial, "已由承办人撤回，无需再审核")
	waitUpdated(t, h, head, sec.Card.TaskID, "承办人已撤回")
	if st, body := ln.post(path+"/act", confirmed); st != http.StatusOK || !strings.Contains(body, "由李娜撤回审核中的审批单") || !strings.Contains(body, "您已办理过此环节，本页的操作未再执行") {
		t.Fatalf("撤回 again = %d:\n%s", st, body)
	}
	if st, body := zw.post(path+"/decide", decisionForm(t, headPage, "approve")); st != http.StatusConflict || !strings.Contains(body, "由李娜撤回") {
		t.Fatalf("the approver's 同意 after the 撤回 = %d:\n%s", st, body)
	}
	if got := strings.Join(h.formTrail(serial), ","); got != "submit:lina,withdraw:lina" {
		t.Fatalf("the trail %s", got)
	}

	// Rejected: revising is the chat's; 撤回 closes the rejection card.
	serial = c.submit(staff, ordinary)
	path = "/desk/form/" + strconv.FormatInt(h.formID(serial), 10)
	rej := c.reject(head, c.card(head), "简要内容不完整。")
	_, page = ln.get(path)
	if !strings.Contains(page, `id="resubmit-note"`) || !strings.Contains(page, "「修改后重新提交」") || !strings.Contains(page, `id="withdraw-form"`) {
		t.Fatalf("the rejected form's page:\n%s", page)
	}
	if st, body := ln.post(path+"/act", actForm(t, page, "withdraw", url.Values{"confirm": {"yes"}})); st != http.StatusSeeOther {
		t.Fatalf("撤回 of the rejected form = %d:\n%s", st, body)
	}
	c.text(staff, "已撤回 "+serial)
	waitUpdated(t, h, staff, rej.Card.TaskID, "已撤回")
	if st, _, _ := h.formState(serial); st != "withdrawn" {
		t.Fatalf("state %s, want withdrawn", st)
	}
}
