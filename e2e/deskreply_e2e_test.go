package e2e

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/zwgk-bot/zwgk/storage"
)

// A step begun in the chat and meanwhile done on the application's page
// is recorded once: 征求意见 and 申请延期 leave the state as it was, so
// finishing the old conversation afterwards is refused, saying who did
// it and when, as is a 补正告知 (which moves the state) done so.
func TestDeskApplicationStepNotRecordedTwice(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	ctx := context.Background()
	a, path, handle := c.handledApplication()
	ln := h.deskAs(staff)

	// 补正告知 (it moves the state: refused all the same, saying by whom).
	c.click(staff, handle, "supplement")
	c.text(staff, "一次性告知")
	c.text(staff, "补正的全部事项")
	c.say(staff, "请补充文号。")
	c.text(staff, "补正期限")
	_, page := ln.get(path)
	if st, body := ln.post(path+"/act", actionForm(t, page, "supplement", "items", "请补充所需信息的形成时间。", "due", "默认")); st != http.StatusSeeOther {
		t.Fatalf("补正告知 on the page = %d:\n%s", st, body)
	}
	waitUpdated(t, h, staff, handle.Card.TaskID, "已补正告知")
	c.text(staff, "已登记补正告知")
	sup := c.card(staff)
	c.say(staff, "默认")
	c.text(staff, "补正期限：")
	c.confirm(staff)
	c.text(staff, "由李娜告知申请人补正", "本次填写未生效")

	_, page = ln.get(path)
	if st, body := ln.post(path+"/act", actionForm(t, page, "supplemented", "on", "今天")); st != http.StatusSeeOther {
		t.Fatalf("收到补正 on the page = %d:\n%s", st, body)
	}
	waitUpdated(t, h, staff, sup.Card.TaskID, "已收到补正")
	c.text(staff, "已登记收到补正")
	handle = c.card(staff)

	// 征求意见: the first question answered in the chat, then done on the
	// page, then the chat's conversation finished.
	c.click(staff, handle, "consult")
	c.text(staff, "15个工作日")
	c.click(staff, c.card(staff), "r_0")
	c.text(staff, "名称")
	_, page = ln.get(path)
	if st, body := ln.post(path+"/act", actionForm(t, page, "consult", "kind", "third_party", "party", "某环保科技有限公司", "sent", "今天")); st != http.StatusSeeOther {
		t.Fatalf("征求意见 on the page = %d:\n%s", st, body)
	}
	waitUpdated(t, h, staff, handle.Card.TaskID, "征求意见中")
	c.text(staff, "已登记向某环保科技有限公司征求意见")
	handle = c.card(staff)
	c.say(staff, "某化工有限公司")
	c.text(staff, "发出的日期")
	c.say(staff, "今天")
	c.text(staff, "征求意见书发出日期：")
	c.confirm(staff)
	c.text(staff, "由李娜"+todayText()+"向某环保科技有限公司征求意见", "本次填写未生效")
	cs, err := storage.Consultations(ctx, h.db, a.ID)
	if err != nil || len(cs) != 1 || cs[0].Party != "某环保科技有限公司" {
		t.Fatalf("consultations after both: %+v, %v", cs, err)
	}

	// 申请延期 the same way.
	c.click(staff, handle, "extend")
	c.text(staff, "第三十三条")
	c.text(staff, "延长的工作日数")
	c.say(staff, "10")
	c.text(staff, "延期的理由")
	_, page = ln.get(path)
	if st, body := ln.post(path+"/act", actionForm(t, page, "extend", "days", "5", "reason", "档案需调阅。")); st != http.StatusSeeOther {
		t.Fatalf("申请延期 on the page = %d:\n%s", st, body)
	}
	waitUpdated(t, h, staff, handle.Card.TaskID, "已申请延期")
	c.text(staff, "延期申请（5个工作日）已报陈立新审批")
	handle = c.card(staff)
	c.say(staff, "需征求第三方意见后综合研判。")
	c.confirm(staff)
	c.text(staff, "由李娜申请延期5个工作日", "本次填写未生效")

	trail, err := storage.AuditTrail(ctx, h.db, storage.EntityApplication, a.Number())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range trail {
		got = append(got, e.Actor+":"+e.Action)
	}
	if want := "linxiaoyan:register zhangwei:accept lina:supplement_asked lina:supplement_received lina:consult lina:extend_request"; strings.Join(got, " ") != want {
		t.Errorf("the audit: %s\nwant %s", strings.Join(got, " "), want)
	}
	if a, err = storage.ApplicationByID(ctx, h.db, a.ID); err != nil || a.ExtRequestDays != 5 || a.SupplementItems != "请补充所需信息的形成时间。" {
		t.Errorf("after both: %+v, %v", a, err)
	}
}

// The reply's steps on the page against the chat's: a 拟写答复 page left
// open while the handler drafts it in the chat says there is nothing to
// do; the section head's 驳回 on the page asks its reason first and sends
// the draft back (the page offers it again, kept); the office's 同意 and
// 送达 on a page made stale by the other office member in the chat are
// refused, saying who did what and when.
func TestDeskApplicationReplyPageAgainstChat(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	ctx := context.Background()
	received := midnight().AddDate(0, 0, -1)
	c.registerApplication(office2, received)
	c.text(office1, "新的政府信息公开申请")
	acc := c.card(head)
	a, err := storage.ApplicationBySerial(ctx, h.db, received.Year(), 1)
	if err != nil {
		t.Fatal(err)
	}
	path := "/desk/application/" + strconv.FormatInt(a.ID, 10)
	c.click(head, acc, "accept")
	c.click(head, c.card(head), "h_"+staff)
	c.text(head, "已签收，由李娜办理")
	handle := c.card(staff)

	// 李娜 has 拟写答复 open on the page and drafts it in the chat.
	ln := h.deskAs(staff)
	_, page := ln.get(path)
	if !strings.Contains(page, `id="action-reply"`) || !strings.Contains(page, "股室负责人审核 → 办公室审核") {
		t.Fatalf("the handler's page lacks 拟写答复:\n%s", page)
	}
	stale := actionForm(t, page, "reply", "outcome", "予以公开", "text", "该信息已在本局网站公开。")
	c.click(staff, handle, "reply")
	c.text(staff, "第三十六条")
	c.click(staff, c.card(staff), "r_0")
	c.text(staff, "答复内容")
	c.say(staff, "该信息已在本局网站“环境监测”栏目公开。")
	c.text(staff, "法律依据")
	c.say(staff, "跳过")
	c.confirm(staff)
	c.text(staff, "已报股室负责人审核")
	if st, body := ln.post(path+"/act", stale); st != http.StatusOK || !strings.Contains(body, "由李娜拟写答复（予以公开）并报审核") || !strings.Contains(body, "您已办理过此环节，本页的操作未再执行") {
		t.Fatalf("拟写答复 again from the page = %d:\n%s", st, body)
	}

	// 张伟 驳回s on the page: the reason first.
	rev := c.card(head)
	zw := h.deskAs(head)
	_, page = zw.get(path)
	if !strings.Contains(page, "答复审核（股室负责人审核）") || !strings.Contains(page, `id="action-approve"`) || strings.Contains(page, `id="secrecy"`) {
		t.Fatalf("the section head's page lacks the review:\n%s", page)
	}
	if st, body := zw.post(path+"/act", actionForm(t, page, "reject")); st != http.StatusBadRequest || !strings.Contains(body, "请填写驳回理由") {
		t.Fatalf("驳回 without a reason = %d:\n%s", st, body)
	}
	if st, body := zw.post(path+"/act", actionForm(t, page, "reject", "reason", "请写明栏目的网址。")); st != http.StatusSeeOther {
		t.Fatalf("驳回 on the page = %d:\n%s", st, body)
	}
	waitUpdated(t, h, head, rev.Card.TaskID, "已驳回")
	c.text(head, "已驳回")
	handle = c.card(staff)
	if !strings.Contains(handle.Card.QuoteArea.QuoteText, "请写明栏目的网址") {
		t.Errorf("the handler's card after 驳回: %+v", handle.Card.QuoteArea)
	}

	// The page offers the draft again; resubmitted there.
	_, page = ln.get(path)
	if !strings.Contains(page, `>该信息已在本局网站“环境监测”栏目公开。</textarea>`) || !strings.Contains(page, `<option value="予以公开" selected>`) {
		t.Fatalf("the page after 驳回 lacks the draft:\n%s", page)
	}
	if st, body := ln.post(path+"/act", actionForm(t, page, "reply", "outcome", "予以公开", "text", "该信息已在本局网站公开：http://www.example.gov.cn/hjjc/。")); st != http.StatusSeeOther {
		t.Fatalf("拟写答复 on the page = %d:\n%s", st, body)
	}
	waitUpdated(t, h, staff, handle.Card.TaskID, "答复已报审")
	c.text(staff, "已报股室负责人审核")
	rev = c.card(head)
	c.click(head, rev, "approve")
	c.text(head, "已同意", "报办公室审核")
	off1 := c.card(office1)

	// 林晓燕 has the office's review open; 陈立新 agrees in the chat.
	lx := h.deskAs(office2)
	_, page = lx.get(path)
	if !strings.Contains(page, `id="action-approve"`) || !strings.Contains(page, `id="action-escalate"`) || !strings.Contains(page, `id="check-privacy"`) {
		t.Fatalf("the office's page lacks the review with its 保密审查:\n%s", page)
	}
	review := actionForm(t, page, "approve")
	review["check"] = []string{"state_secret", "commercial_secret", "privacy"}
	c.officeApprove(office1, off1, "approve")
	c.text(office1, "已同意", "待综合办公室送达")
	if st, body := lx.post(path+"/act", review); st != http.StatusConflict || !strings.Contains(body, "由陈立新办公室审核：同意") || !strings.Contains(body, "您在本页的操作未执行") {
		t.Fatalf("the stale page's 同意 = %d:\n%s", st, body)
	}

	// 送达: a bad tracking number refused with what was typed kept; then
	// 陈立新 delivers in the chat and her page is stale.
	del := c.card(office1)
	_, page = lx.get(path)
	if st, body := lx.post(path+"/act", actionForm(t, page, "deliver", "how", "邮寄", "on", "今天", "tracking", "x")); st != http.StatusBadRequest ||
		!strings.Contains(body, "6至40位") || !strings.Contains(body, `id="deliver-on" value="今天"`) || !strings.Contains(body, `value="邮寄" id="deliver-how-1" checked`) {
		t.Fatalf("送达 with a bad tracking number = %d:\n%s", st, body)
	}
	c.click(office1, del, "d_2")
	c.text(office1, "登记送达")
	c.text(office1, "送达日期")
	c.say(office1, "今天")
	c.text(office1, "送达日期：")
	c.confirm(office1)
	c.text(office1, "电子送达申请人，办结")
	if st, body := lx.post(path+"/act", actionForm(t, page, "deliver", "how", "电子", "on", "今天")); st != http.StatusConflict || !strings.Contains(body, "由陈立新"+todayText()+"电子送达答复") {
		t.Fatalf("the stale page's 送达 = %d:\n%s", st, body)
	}
	trail, err := storage.AuditTrail(ctx, h.db, storage.EntityApplication, a.Number())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range trail {
		got = append(got, e.Actor+":"+e.Action)
	}
	if want := "linxiaoyan:register zhangwei:accept lina:reply_submitted zhangwei:reject lina:reply_submitted zhangwei:approve chenlixin:secrecy_review chenlixin:approve chenlixin:delivered"; strings.Join(got, " ") != want {
		t.Errorf("the audit: %s\nwant %s", strings.Join(got, " "), want)
	}
}
