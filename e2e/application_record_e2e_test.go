package e2e

import (
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/zwgk-bot/zwgk/storage"
)

// longReply is a reply text of about 1500 characters: more than the
// table's box holds, so that it continues on the 续页.
func longReply() string {
	const s = "本机关经审查认为，您申请公开的信息涉及第三方企业的生产工艺、原辅材料用量及供应商信息，属于商业秘密，第三方书面表示不同意公开，公开后可能损害其合法权益，本机关决定不予公开。"
	var b strings.Builder
	for i := 0; b.Len() < 1500*3; i++ {
		b.WriteString(s)
		if i%4 == 3 {
			b.WriteString("\n")
		}
	}
	return strings.TrimSpace(b.String())
}

// An application through a 驳回 and its resubmission to a 不予公开 reply
// approved by the three stages, with the office's 保密审查: the reviewers'
// cards carry the link to the 办理审批表, 「申请 编号」 gives it to the office
// only, and the page prints in headless Chromium to A4: one page with
// each stage's block, the reply's long text continued on the 续页 without
// loss, and the 驳回 in the 办理过程.
func TestApplicationRecordPrinted(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withLetters)
	c := newCursor(h)
	received := midnight().AddDate(0, 0, -1)
	c.registerApplication(office2, received)
	no := storage.ApplicationNumber(received.Year(), 1)
	c.text(office1, "新的政府信息公开申请")
	c.click(head, c.card(head), "accept")
	c.click(head, c.card(head), "h_"+staff)
	c.text(head, "已签收，由李娜办理")
	c.text(office2, "签收")
	handle := c.card(staff)

	// Round 1: 不予公开, 驳回ed by the section head.
	c.click(staff, handle, "reply")
	c.text(staff, "第三十六条")
	c.click(staff, c.card(staff), "r_2") // 不予公开
	c.text(staff, "具体情形的序号")
	c.say(staff, "4") // 保护第三方合法权益
	c.text(staff, "答复内容")
	c.say(staff, "您申请的信息涉及第三方商业秘密，第三方不同意公开。")
	c.text(staff, "法律依据")
	c.say(staff, "《中华人民共和国政府信息公开条例》第十五条")
	c.confirm(staff)
	c.text(staff, "已报股室负责人审核")
	rev := c.card(head)
	if len(rev.Card.JumpList) != 1 || rev.Card.JumpList[0].Title != "办理审批表（可打印）" || !strings.Contains(rev.Card.JumpList[0].URL, "/record?") {
		t.Fatalf("the review card has no link to the 办理审批表: %+v", rev.Card.JumpList)
	}
	c.click(head, rev, "reject")
	c.text(head, "驳回的理由")
	c.text(head, "驳回的理由")
	c.say(head, "请写明征求意见的时间。")
	c.confirm(head)
	c.text(head, "已驳回")
	handle = c.card(staff)

	// Round 2: the long text, through the three stages.
	reply := longReply()
	c.click(staff, handle, "reply")
	c.text(staff, "第三十六条")
	c.click(staff, c.card(staff), "r_2")
	c.text(staff, "具体情形", "当前：")
	c.say(staff, "保留")
	c.text(staff, "答复内容", "当前：")
	c.say(staff, reply)
	c.text(staff, "法律依据", "当前：")
	c.say(staff, "保留")
	c.confirm(staff)
	c.text(staff, "已报股室负责人审核")
	c.click(head, c.card(head), "approve")
	c.text(head, "已同意", "报办公室审核")
	c.text(staff, "张伟（股室负责人审核）同意")
	off1, off2 := c.card(office1), c.card(office2)
	if len(off1.Card.JumpList) != 1 || len(off2.Card.JumpList) != 1 {
		t.Fatalf("the office's review cards have no link: %+v", off2.Card.JumpList)
	}
	c.officeApprove(office2, off2, "approve")
	c.text(office2, "已同意", "报主要负责人审核")
	c.text(staff, "林晓燕（办公室审核）同意")
	lead := c.card(leader)
	if len(lead.Card.JumpList) != 1 {
		t.Fatalf("the leader's review card has no link: %+v", lead.Card.JumpList)
	}
	c.click(leader, lead, "approve")
	c.text(leader, "已同意", "审定，待综合办公室送达")
	c.text(staff, "审定，待综合办公室送达")
	c.card(office1)
	c.card(office2)

	// 「申请 编号」: the office gets the link, the section head does not.
	lookup := func(user, last string) string {
		c.say(user, "申请 "+no)
		shown := ""
		for !strings.Contains(shown, last) {
			shown += c.text(user)
		}
		return shown
	}
	link := letterLink(t, lookup(office1, "办理审批表（可打印）："), "办理审批表")
	if shown := lookup(head, "答复书："); strings.Contains(shown, "办理审批表") {
		t.Fatalf("the section head got the 办理审批表 in 「申请 编号」: %s", shown)
	}
	c.none(head)

	pr := newLetterBrowser(t)
	// Each block names who decided and how, the office's with its 保密审查.
	tab, cancel := chromedp.NewContext(pr.ctx)
	defer cancel()
	if err := chromedp.Do(tab, chromedp.Navigate(link)); err != nil {
		t.Fatalf("open the 办理审批表: %v", err)
	}
	blocks, err := chromedp.Run(tab, chromedp.Evaluate[map[string]string](`({
		section: document.querySelector('#sign-section').innerText,
		office: document.querySelector('#sign-office').innerText,
		leader: document.querySelector('#sign-leader').innerText})`))
	if err != nil {
		t.Fatalf("read the 办理审批表's blocks: %v", err)
	}
	dated := regexp.MustCompile(`\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}`)
	for id, want := range map[string][]string{
		"section": {"股室负责人审核意见", "张伟", "同意"},
		"office":  {"办公室审核意见", "林晓燕", "同意", "保密审查：已审查国家秘密、商业秘密、个人隐私，不予公开，依据：《中华人民共和国政府信息公开条例》第十五条"},
		"leader":  {"主要负责人审核意见", "周振华", "同意"},
	} {
		for _, w := range want {
			if !strings.Contains(blocks[id], w) {
				t.Errorf("the %s block lacks %q: %q", id, w, blocks[id])
			}
		}
		if !dated.MatchString(blocks[id]) || strings.Contains(blocks[id], "驳回") {
			t.Errorf("the %s block: %q", id, blocks[id])
		}
	}

	pages := pr.printPDF(t, link)
	if len(pages) < 3 {
		t.Fatalf("printed %d pages, want the table, its 续页 and the 办理过程", len(pages))
	}
	var all strings.Builder
	for i, p := range pages {
		if math.Abs(p.Width-595.28) > 1 || math.Abs(p.Height-841.89) > 1 {
			t.Errorf("page %d is %.1f × %.1f pt, not A4", i+1, p.Width, p.Height)
		}
		all.WriteString(p.Flat())
	}
	first := pages[0].Flat()
	for _, w := range []string{"政府信息公开申请办理审批表", "某市生态环境局某区分局", "编号：" + no, "张三（自然人）", "11010519491231002X", "13800138000",
		"股室负责人审核意见：", "张伟同意", "办公室审核意见：", "林晓燕同意", "保密审查：已审查国家秘密、商业秘密、个人隐私，不予公开",
		"主要负责人审核意见：", "周振华同意", "不予公开（保护第三方合法权益）", "（未完，接续页）", "答复已审定，尚未送达"} {
		if !strings.Contains(first, w) {
			t.Errorf("the first page lacks %q:\n%s", w, first)
		}
	}
	if strings.Contains(first, "办理过程") || strings.Contains(first, "（续页）") {
		t.Errorf("the first page runs on into the next sheets:\n%s", first)
	}
	if !strings.Contains(pages[1].Flat(), "政府信息公开申请办理审批表（续页）") {
		t.Errorf("the second page is not the 续页:\n%s", pages[1].Flat())
	}

	// The reply text: its head on the first page, the rest on the 续页,
	// nothing lost or repeated.
	text := []rune(strings.Join(strings.Fields(reply), ""))
	at := strings.Index(first, string(text[:20]))
	if at < 0 {
		t.Fatalf("the first page lacks the reply's beginning:\n%s", first)
	}
	head := 0
	for shown := []rune(first[at:]); head < len(text) && head < len(shown) && shown[head] == text[head]; head++ {
	}
	if head < 100 || head >= len(text) {
		t.Fatalf("the first page shows %d of the reply's %d characters", head, len(text))
	}
	var rest strings.Builder
	for _, p := range pages[1:] {
		rest.WriteString(p.Flat())
	}
	if cont := rest.String(); !strings.Contains(cont, "拟答复内容（续）"+string(text[head:])) {
		t.Errorf("the 续页 does not continue the reply from character %d (%q…)", head, string(text[head:head+20]))
	}

	// The 办理过程 on a page of its own, with the earlier round's 驳回.
	last := pages[len(pages)-1].Flat()
	for _, w := range []string{"办理过程", "此前报审的驳回", "第1次报审股室负责人审核张伟驳回，理由：请写明征求意见的时间。",
		"张伟股室负责人审核：驳回，理由：请写明征求意见的时间。", "林晓燕完成保密审查（办公室审核）", "周振华主要负责人审核：同意。"} {
		if !strings.Contains(last, w) {
			t.Errorf("the 办理过程 lacks %q:\n%s", w, last)
		}
	}
	f := all.String()
	if m := regexp.MustCompile(`(^|[^年\d])\d{1,2}月\d{1,2}日`).FindString(f); m != "" {
		t.Errorf("a date without its year: %q", m)
	}
	if strings.Contains(f, "sig=") || strings.Contains(f, "/record") {
		t.Errorf("the printout carries its address")
	}

}
