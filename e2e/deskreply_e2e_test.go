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
	received := midnight().AddDate(0, 0, -1)
	c.registerApplication(office2, received)
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
