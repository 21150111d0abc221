package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/sandbox"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// confirm answers a handling conversation's summary card with 提交.
func (c *cursor) confirm(user string) sandbox.Received {
	c.h.t.Helper()
	sum := c.card(user)
	c.click(user, sum, "ask_submit")
	return sum
}

// midnight is today as the bot sees it, at 00:00 Beijing time.
func midnight() time.Time {
	n := today()
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, n.Location())
}

func dayWords(d time.Time) string {
	return workflow.FormatDate(d, workflow.DefaultCalendar().Location())
}

// An application through every step of its life: 签收 with a handler,
// 补正 (the clock starts again), 征求意见 (the clock pauses), 延期 approved
// by the office head, a 不予公开 reply 驳回ed once and resubmitted, the
// three reviews with the office's 保密审查, and 送达.
func TestApplicationHandledToDelivery(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	ctx := context.Background()
	cal := workflow.DefaultCalendar()
	// Received yesterday: the 补正 today is within Art. 30's 7 working days
	// whatever day the test runs.
	received := midnight().AddDate(0, 0, -1)
	c.registerApplication(office2, received)
	no := storage.ApplicationNumber(received.Year(), 1)
	c.text(office1, "新的政府信息公开申请")
	acc := c.card(head)

	// 签收: the head names 李娜.
	c.click(head, acc, "accept")
	assign := c.card(head)
	c.click(head, assign, "h_"+staff)
	c.text(head, "已签收，由李娜办理")
	c.text(office2, "已由张伟（综合一股）签收，承办人李娜")
	handle := c.card(staff)
	if got := len(handle.Card.ButtonList); got != 4 {
		t.Fatalf("handle card has %d buttons: %+v", got, handle.Card.ButtonList)
	}
	// Someone else's click on the handler's card is refused.
	c.clickAnyway(staff2, handle, "reply")
	c.text(staff2, "不是"+no+"此环节的办理人")

	// 补正: everything at once, the default 补正期限.
	c.click(staff, handle, "supplement")
	c.text(staff, "一次性告知")
	c.text(staff, "第1步", "补正的全部事项")
	c.say(staff, "请补充所需信息的文号或形成时间。")
	c.text(staff, "第2步", "补正期限")
	c.say(staff, "默认")
	supDue, _ := cal.AddWorkingDays(midnight(), workflow.DefaultSupplementDays)
	c.text(staff, "补正期限："+dayWords(supDue))
	c.confirm(staff)
	c.text(staff, "已登记补正告知", dayWords(supDue))
	sup := c.card(staff)
	c.card(head) // the head and the registrar hold the 补正 card too
	c.card(office2)
	// Not yet lapsed: the 补正期限 is ahead.
	c.click(staff, sup, "lapsed")
	c.text(staff, "尚未届满")
	c.click(staff, sup, "received")
	c.text(staff, "重新计算")
	c.text(staff, "收到补正材料的日期")
	c.say(staff, "今天")
	c.text(staff, "收到补正日期：")
	c.confirm(staff)
	restart, _ := cal.AddWorkingDays(midnight(), workflow.ReplyDays)
	c.text(staff, "已登记收到补正", "答复期限重新计算为"+dayWords(restart))
	handle = c.card(staff)
	for _, bt := range handle.Card.ButtonList {
		if bt.Key == "supplement" {
			t.Fatal("a second 补正告知 is offered (Art. 30: all at once)")
		}
	}

	// 征求意见 of a third party: the clock pauses.
	c.click(staff, handle, "consult")
	c.text(staff, "15个工作日")
	kind := c.card(staff)
	c.click(staff, kind, "r_0")
	c.text(staff, "名称")
	c.say(staff, "某化工有限公司")
	c.text(staff, "发出的日期")
	c.say(staff, "今天")
	c.text(staff, "征求意见书发出日期：")
	c.confirm(staff)
	c.text(staff, "已登记向某化工有限公司征求意见", "暂停计算")
	handle = c.card(staff)
	if handle.Card.ButtonList[0].Key != "consulted" {
		t.Fatalf("while consulting the first button is %q, want 收到意见", handle.Card.ButtonList[0].Text)
	}
	c.say(office1, "申请 "+no)
	c.text(office1, "征求意见中", "征求意见：某化工有限公司", "尚未答复")
	// The answer the same day: nothing was paused.
	c.click(staff, handle, "consulted")
	c.text(staff, "答复")
	c.text(staff, "收到答复的日期")
	c.say(staff, "今天")
	c.text(staff, "答复日期：")
	c.text(staff, "对方的意见")
	c.say(staff, "不同意公开，涉及商业秘密。")
	c.confirm(staff)
	c.text(staff, "已登记某化工有限公司的意见", dayWords(restart))
	handle = c.card(staff)

	// 延期 of 10 working days, approved by the head of the office (陈立新).
	c.click(staff, handle, "extend")
	c.text(staff, "第三十三条")
	c.text(staff, "延长的工作日数")
	c.say(staff, "30")
	c.text(staff, "1至20个工作日")
	c.text(staff, "延长的工作日数")
	c.say(staff, "10")
	c.text(staff, "延期的理由")
	c.say(staff, "需征求第三方意见后综合研判。")
	c.confirm(staff)
	c.text(staff, "延期申请（10个工作日）已报陈立新审批")
	handle = c.card(staff)
	ext := c.card(office1)
	c.clickAnyway(office2, ext, "grant")
	c.text(office2, "不是"+no+"此环节的办理人")
	c.click(office1, ext, "grant")
	extended, _ := cal.AddWorkingDays(midnight(), workflow.ReplyDays+10)
	c.text(office1, "已同意延期")
	c.text(staff, "延至"+dayWords(extended))
	c.text(office2, "延至"+dayWords(extended))
	stale := handle
	handle = c.card(staff)
	c.clickAnyway(staff, stale, "reply")
	c.text(staff, "此卡片已失效")

	// The reply: 不予公开, 保护第三方合法权益.
	c.click(staff, handle, "reply")
	c.text(staff, "第三十六条")
	out := c.card(staff)
	c.click(staff, out, "r_2") // 不予公开
	c.text(staff, "具体情形的序号", "4. 保护第三方合法权益")
	c.say(staff, "9")
	c.text(staff, "1至8之间")
	c.text(staff, "具体情形的序号")
	c.say(staff, "4")
	c.text(staff, "答复内容")
	c.say(staff, "您申请的信息涉及第三方商业秘密，经征求意见，第三方不同意公开。")
	c.text(staff, "法律依据")
	c.say(staff, "跳过")
	c.text(staff, "须写明法律依据")
	c.text(staff, "法律依据")
	c.say(staff, "《中华人民共和国政府信息公开条例》第十五条")
	sum := c.confirm(staff)
	if !strings.Contains(fieldsOf(sum), "主要负责人") {
		t.Fatalf("a 不予公开 reply's summary does not name the leader's review: %s", fieldsOf(sum))
	}
	c.text(staff, "已报股室负责人审核")
	rev := c.card(head)
	c.click(head, rev, "reject")
	c.text(head, "驳回的理由", "转告承办人")
	c.text(head, "第1步", "驳回的理由")
	c.say(head, "请写明征求意见的时间。")
	c.confirm(head)
	c.text(head, "已驳回")
	handle = c.card(staff)
	if !strings.Contains(handle.Card.QuoteArea.QuoteText, "请写明征求意见的时间") {
		t.Fatalf("the handler's card does not quote the 驳回: %+v", handle.Card.QuoteArea)
	}
	// Resubmitted: the draft is kept, only the text changes.
	c.click(staff, handle, "reply")
	c.text(staff, "第三十六条")
	out = c.card(staff)
	c.click(staff, out, "r_2")
	c.text(staff, "具体情形", "当前：")
	c.say(staff, "保留")
	c.text(staff, "答复内容", "当前：")
	c.say(staff, "您申请的信息涉及第三方商业秘密，本机关于征求意见期间收到第三方不同意公开的意见。")
	c.text(staff, "法律依据", "当前：")
	c.say(staff, "保留")
	c.confirm(staff)
	c.text(staff, "已报股室负责人审核")

	rev = c.card(head)
	c.click(head, rev, "approve")
	c.text(head, "已同意", "报办公室审核")
	c.text(staff, "张伟（股室负责人审核）同意")
	off1, off2 := c.card(office1), c.card(office2)
	if len(off1.Card.ButtonList) != 2 {
		t.Fatalf("a 不予公开 reply's office card offers %d buttons, want 同意 and 驳回 (it goes to the leader anyway)", len(off1.Card.ButtonList))
	}
	// The 保密审查: two ticks are not enough; the fresh card keeps them.
	c.click(office2, off2, "approve")
	sc := c.card(office2)
	if sc.Card.CardType != "vote_interaction" || sc.Card.SubmitButton.Key != "secrecy_approve" {
		t.Fatalf("保密审查 card %+v", sc.Card)
	}
	c.tick(office2, sc, "state_secret", "privacy")
	c.text(office2, "还需确认「商业秘密」")
	sc2 := c.card(office2)
	c.tick(office2, sc2, allChecks["secrecy"]...)
	c.text(office2, "已同意", "报主要负责人审核")
	c.text(staff, "林晓燕（办公室审核）同意")
	c.clickAnyway(office1, off1, "approve")
	c.text(office1, "此卡片已失效")
	lead := c.card(leader)
	c.click(leader, lead, "approve")
	c.text(leader, "已同意", "审定，待综合办公室送达")
	c.text(staff, "审定，待综合办公室送达")
	del1, _ := c.card(office1), c.card(office2)

	// 送达 by post, with its tracking number.
	c.click(office1, del1, "d_1")
	c.text(office1, "登记送达")
	c.text(office1, "送达日期")
	c.say(office1, "今天")
	c.text(office1, "送达日期：")
	c.text(office1, "单号")
	c.say(office1, "x")
	c.text(office1, "6至40位")
	c.text(office1, "单号")
	c.say(office1, "1234567890123")
	c.confirm(office1)
	c.text(office1, "已于", "邮寄送达申请人，办结（按期答复")
	c.text(staff, "办结")

	a, err := storage.ApplicationBySerial(ctx, h.db, received.Year(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if a.State != "closed" || a.Outcome != "withhold" || a.Reason != "withhold.third_party" || a.ExtensionDays != 10 ||
		a.Delivery != "邮寄" || a.TrackingNo != "1234567890123" || a.ReplyRound != 2 || !a.SupplementReceivedD.Valid {
		t.Fatalf("stored %+v", a)
	}
	if a.DueD.Format(time.DateOnly) != extended.Format(time.DateOnly) {
		t.Fatalf("due %s, want %s", a.DueD.Format(time.DateOnly), extended.Format(time.DateOnly))
	}
	r, err := storage.SecrecyReviewAt(ctx, h.db, storage.EntityApplication, a.Number(), 2, "office")
	if err != nil || r.Reviewer != office2 || r.Conclusion != "withheld" || !r.StateSecret || !r.CommercialSecret || !r.Privacy || !strings.Contains(r.Basis, "第十五条") {
		t.Fatalf("保密审查 %+v, %v", r, err)
	}
	ds, err := storage.ApplicationDecisions(ctx, h.db, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.Stage+":"+d.Verdict)
	}
	if strings.Join(got, " ") != "section:reject section:approve office:approve leader:approve" {
		t.Fatalf("decisions %v", got)
	}
	c.say(office1, "申请 "+no)
	// A timeline this long comes in two messages (WeCom's 2048 bytes).
	shown := c.text(office1) + c.text(office1)
	for _, want := range []string{"已办结", "答复：不予公开（保护第三方合法权益）", "邮寄送达",
		"李娜告知申请人补正", "向某化工有限公司征求意见", "陈立新同意延期10个工作日", "张伟股室负责人审核：驳回，理由：请写明征求意见的时间",
		"林晓燕完成保密审查（办公室审核）：已审查国家秘密、商业秘密、个人隐私，不予公开，依据：《中华人民共和国政府信息公开条例》第十五条",
		"周振华主要负责人审核：同意", "邮件单号 1234567890123"} {
		if !strings.Contains(shown, want) {
			t.Errorf("the lookup lacks %q:\n%s", want, shown)
		}
	}
	c.say(office1, "申请统计 "+strconv.Itoa(received.Year()))
	c.text(office1, strconv.Itoa(received.Year())+"年收到的政府信息公开申请", "收到1件，已办结1件，办理中0件", "按期答复1件，按期答复率100.0%", "不予公开1件")
	c.say(staff, "申请统计")
	c.text(staff, "仅向综合办公室和局领导提供")
}

func fieldsOf(card sandbox.Received) string {
	var fs []string
	for _, f := range card.Card.HorizontalContentList {
		fs = append(fs, f.KeyName+"="+f.Value)
	}
	return strings.Join(fs, " ")
}

// An application from the website: 分办 by the office, a consultation
// sent before today that pauses the clock, and a 予以公开 reply approved
// by the section head and the office (no leader: nothing is withheld),
// delivered electronically in time.
func TestApplicationFromTheWebsiteAnsweredInTime(t *testing.T) {
	t.Parallel()
	const token = "api-token-for-tests-0123456789"
	h := newHarness(t, func(env map[string]string) { env["API_TOKEN"] = token })
	c := newCursor(h)
	cal := workflow.DefaultCalendar()
	loc := cal.Location()
	// Dates relative to today, so that the reply today is in time
	// whenever the test runs.
	received, sent := midnight().AddDate(0, 0, -3), midnight().AddDate(0, 0, -1)
	st, out := apiCall(t, "POST", h.base+"/api/v1/applications", token, map[string]any{
		"external_id": "WEB-7", "channel": "网络", "received_on": received.Format(time.DateOnly), "applicant_name": "某环保公益组织",
		"applicant_type": "社会公益组织", "applicant_address": "info@example.org", "content": "2026年第三季度重点排污单位监督性监测结果。", "provide_form": "电子",
	})
	if st != 201 {
		t.Fatalf("post: %d %v", st, out)
	}
	disp := c.card(office1)
	c.card(office2)
	c.click(office1, disp, "s_1") // 综合一股
	c.text(office1, "已分办至综合一股（张伟）签收")
	acc := c.card(head)
	c.click(head, acc, "accept")
	c.click(head, c.card(head), "h_"+head)
	c.text(head, "已签收，由张伟办理")
	c.text(office1, "已由张伟（综合一股）签收") // the registrar: the API's default, the first office member
	handle := c.card(head)

	// A consultation of the monitoring station sent yesterday, answered today.
	c.click(head, handle, "consult")
	c.text(head, "15个工作日")
	c.click(head, c.card(head), "r_1") // 其他行政机关
	c.text(head, "名称")
	c.say(head, "市生态环境监测站")
	c.text(head, "发出的日期")
	c.say(head, sent.Format(time.DateOnly))
	c.text(head, "征求意见书发出日期："+dayWords(sent))
	c.confirm(head)
	c.text(head, "已登记向市生态环境监测站征求意见")
	handle = c.card(head)
	c.click(head, handle, "consulted")
	c.text(head, "答复")
	c.text(head, "收到答复的日期")
	c.say(head, "今天")
	c.text(head, "答复日期：")
	c.text(head, "对方的意见")
	c.say(head, "同意公开。")
	c.confirm(head)
	want, err := workflow.ApplicationDeadlines(cal, workflow.ApplicationEvents{
		Received:      received,
		Consultations: []workflow.Consultation{{Sent: sent, Answered: midnight()}},
	})
	if err != nil {
		t.Fatal(err)
	}
	c.text(head, "已登记市生态环境监测站的意见", dayWords(want.ReplyDue))
	if want.PausedDays > 0 { // today is a working day: the answer day paused the clock
		c.say(office1, "申请 "+storage.ApplicationNumber(received.Year(), 1))
		c.text(office1, "征求意见不计入1个工作日")
	}
	handle = c.card(head)

	// 予以公开: no reason to choose, no basis needed.
	c.click(head, handle, "reply")
	c.text(head, "第三十六条")
	c.click(head, c.card(head), "r_0")
	c.text(head, "答复内容", "已主动公开的获取途径")
	c.say(head, "所申请信息已在本局门户网站「环境监测」栏目公开。")
	c.text(head, "法律依据", "跳过")
	c.say(head, "跳过")
	sum := c.confirm(head)
	if strings.Contains(fieldsOf(sum), "主要负责人") {
		t.Fatalf("a 予以公开 reply goes to the leader: %s", fieldsOf(sum))
	}
	// The head drafted it: the section stage is 本人提交.
	c.text(head, "已报办公室审核")
	off1 := c.card(office1)
	c.card(office2)
	if len(off1.Card.ButtonList) != 3 {
		t.Fatalf("a 予以公开 reply's office card: %d buttons, want 同意 / 同意并报主要负责人 / 驳回", len(off1.Card.ButtonList))
	}
	rev := c.officeApprove(office1, off1, "approve")
	_ = rev
	c.text(office1, "已同意", "审定，待综合办公室送达")
	del := c.card(office1)
	c.card(office2)
	c.click(office1, del, "d_2") // 电子
	c.text(office1, "登记送达")
	c.text(office1, "送达日期")
	c.say(office1, "今天")
	c.text(office1, "送达日期：")
	c.confirm(office1)
	c.text(office1, "电子送达申请人，办结（按期答复", dayWords(want.ReplyDue))

	a, err := storage.ApplicationByExternal(context.Background(), h.db, "WEB-7")
	if err != nil {
		t.Fatal(err)
	}
	if a.State != "closed" || a.Outcome != "disclose" || a.Delivery != "电子" || a.DueD.In(loc).Format(time.DateOnly) != want.ReplyDue.In(loc).Format(time.DateOnly) {
		t.Fatalf("stored %+v", a)
	}
	r, err := storage.SecrecyReviewAt(context.Background(), h.db, storage.EntityApplication, a.Number(), 1, "office")
	if err != nil || r.Conclusion != "clear" || r.Basis != "" {
		t.Fatalf("保密审查 %+v, %v", r, err)
	}
	ds, _ := storage.ApplicationDecisions(context.Background(), h.db, a.ID)
	var got []string
	for _, d := range ds {
		got = append(got, d.Stage+":"+d.Verdict+":"+d.Approver)
	}
	if strings.Join(got, " ") != "section:self:zhangwei office:approve:chenlixin" {
		t.Fatalf("decisions %v", got)
	}
}

// What staff tried that the register must refuse or say: 待办 names what
// waits for each; a number alone is looked up; silence is not recorded
// before the 15 working days are over; a reason needing a 补正 is refused
// without one; the office head's 不同意延期 gives its reason.
func TestApplicationRefusalsAndTodo(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	received := midnight().AddDate(0, 0, -1)
	c.registerApplication(office2, received)
	no := storage.ApplicationNumber(received.Year(), 1)
	c.text(office1, "新的政府信息公开申请")
	acc := c.card(head)

	c.say(head, "待办")
	c.text(head, "政府信息公开申请有1件待您办理", no, "待签收")
	c.say(office1, no)
	c.text(office1, "政府信息公开申请 "+no, "承办：综合一股（待签收）")

	c.click(head, acc, "accept")
	c.click(head, c.card(head), "h_"+staff)
	c.text(head, "已签收")
	c.text(office2, "签收")
	handle := c.card(staff)

	// A consultation sent today cannot be closed as 逾期未答复 today.
	c.click(staff, handle, "consult")
	c.text(staff, "15个工作日")
	c.click(staff, c.card(staff), "r_0")
	c.text(staff, "第三方（公民、法人或其他组织）的名称")
	c.say(staff, "某化工有限公司")
	c.text(staff, "发出的日期")
	c.say(staff, received.AddDate(0, 0, -3).Format(time.DateOnly)) // before the receipt
	c.text(staff, "早于答复期限起算之日")
	c.text(staff, "发出的日期")
	c.say(staff, "今天")
	c.text(staff, "征求意见书发出日期：")
	sum := c.confirm(staff)
	if !strings.Contains(fieldsOf(sum), "对方答复期限=") {
		t.Fatalf("consultation summary %s", fieldsOf(sum))
	}
	c.text(staff, "已登记向某化工有限公司征求意见")
	handle = c.card(staff)
	c.click(staff, handle, "consulted")
	c.text(staff, "答复")
	c.text(staff, "收到答复的日期")
	c.say(staff, "今天")
	c.text(staff, "答复日期：")
	c.text(staff, "对方的意见")
	c.say(staff, "逾期未答复")
	c.text(staff, "期满后才能按逾期未答复登记")
	c.text(staff, "对方的意见")
	c.say(staff, "同意公开。")
	c.confirm(staff)
	c.text(staff, "已登记某化工有限公司的意见")
	handle = c.card(staff)

	// 延期, refused by the office head with a reason.
	c.click(staff, handle, "extend")
	c.text(staff, "第三十三条")
	c.text(staff, "延长的工作日数")
	c.say(staff, "默认")
	c.text(staff, "延期的理由")
	c.say(staff, "材料较多。")
	c.confirm(staff)
	c.text(staff, "已报陈立新审批")
	handle = c.card(staff)
	ext := c.card(office1)
	c.say(office1, "待办")
	c.text(office1, "延期待审批")
	c.click(office1, ext, "deny")
	c.text(office1, "不同意延期的理由")
	c.text(office1, "第1步")
	c.say(office1, "期限内可以办结。")
	c.confirm(office1)
	c.text(office1, "已不同意延期")
	c.text(staff, "不同意延期", "理由：期限内可以办结")
	handle = c.card(staff)

	// 无法提供 · 补正后申请内容仍不明确 needs a 补正 that never happened.
	c.click(staff, handle, "reply")
	c.text(staff, "第三十六条")
	c.click(staff, c.card(staff), "r_3") // 无法提供
	c.text(staff, "具体情形的序号")
	c.say(staff, "３") // full-width
	c.text(staff, "答复内容")
	c.say(staff, "经检索，申请内容仍不明确。")
	c.text(staff, "法律依据")
	c.say(staff, "跳过")
	c.text(staff, "未经补正，不能选择")
	c.text(staff, "具体情形的序号")
	c.say(staff, "1")
	c.text(staff, "答复内容", "当前：")
	c.say(staff, "保留")
	c.text(staff, "法律依据")
	c.say(staff, "跳过") // it was skipped: nothing to keep
	if sum := c.card(staff); !strings.Contains(fieldsOf(sum), "具体情形=本机关不掌握相关政府信息") {
		t.Fatalf("summary %s", fieldsOf(sum))
	}
}
