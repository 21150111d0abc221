package e2e

import (
	"context"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/printtest"
	"github.com/zwgk-bot/zwgk/storage"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/zwgk-bot/zwgk/workflow"
)

// withLetters sets what the letters print beyond the register.
func withLetters(env map[string]string) {
	env["BUREAU_NAME"] = "某市生态环境局某区分局"
	env["REVIEW_BODY"] = "某市某区人民政府"
	env["REVIEW_COURT"] = "某市某区人民法院"
	env["OFFICE_CONTACT_PHONE"] = "0475-8123456"
}

// letterLink finds the link after label in a message: 补正告知书（可打印）：URL.
func letterLink(t *testing.T, msg, label string) string {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(label) + `(?:（可打印）)?：(https?://\S+)`).FindStringSubmatch(msg)
	if m == nil {
		t.Fatalf("no link to the %s in %q", label, msg)
	}
	return m[1]
}

// An application walked through the sandbox meets every kind of letter;
// each is printed from the link in the message that announced it, in
// headless Chromium, to A4 pages with its title, the number and dates
// with their years.
func TestApplicationLettersPrinted(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withLetters)
	c := newCursor(h)
	cal := workflow.DefaultCalendar()
	todayWords := dayWords(midnight())
	links := map[string]string{}

	// Received yesterday: the 补正 today is within Art. 30's 7 working days
	// whatever day the test runs.
	received := midnight().AddDate(0, 0, -1)
	receivedDue, err := workflow.ApplicationDeadlines(cal, workflow.ApplicationEvents{Received: received})
	if err != nil {
		t.Fatal(err)
	}
	no := storage.ApplicationNumber(received.Year(), 1)
	conf := c.registerApplication(office2, received)
	links["receipt"] = letterLink(t, conf, "接收回执")
	c.text(office1, "新的政府信息公开申请")
	c.click(head, c.card(head), "accept")
	c.click(head, c.card(head), "h_"+staff)
	c.text(head, "已签收")
	c.text(office2, "签收")
	handle := c.card(staff)

	// 补正告知: two items typed on two lines, numbered by the office.
	c.click(staff, handle, "supplement")
	c.text(staff, "一次性告知")
	c.text(staff, "补正的全部事项")
	c.say(staff, "1. 请补充所需信息的文号。\n2. 请说明所需信息的形成时间。")
	c.text(staff, "补正期限")
	c.say(staff, "默认")
	c.text(staff, "补正期限：")
	c.confirm(staff)
	links["supplement"] = letterLink(t, c.text(staff, "已登记补正告知"), "补正告知书")
	sup := c.card(staff)
	c.card(head)
	c.card(office2)
	c.click(staff, sup, "received")
	c.text(staff, "重新计算")
	c.text(staff, "收到补正材料的日期")
	c.say(staff, "今天")
	c.text(staff, "收到补正日期：")
	c.confirm(staff)
	c.text(staff, "已登记收到补正")
	handle = c.card(staff)

	// 征求意见 of a third party, then of an agency, each answered.
	for i, who := range []string{"某化工有限公司", "某区自然资源局"} {
		c.click(staff, handle, "consult")
		c.text(staff, "15个工作日")
		c.click(staff, c.card(staff), []string{"r_0", "r_1"}[i])
		c.text(staff, "名称")
		c.say(staff, who)
		c.text(staff, "发出的日期")
		c.say(staff, "今天")
		c.text(staff, "征求意见书发出日期：")
		c.confirm(staff)
		links[[]string{"consult_party", "consult_agency"}[i]] = letterLink(t, c.text(staff, "已登记向"+who+"征求意见"), "征求意见书")
		handle = c.card(staff)
		c.click(staff, handle, "consulted")
		c.text(staff, "答复")
		c.text(staff, "收到答复的日期")
		c.say(staff, "今天")
		c.text(staff, "答复日期：")
		c.text(staff, "对方的意见")
		c.say(staff, "同意公开。")
		c.confirm(staff)
		c.text(staff, "已登记"+who+"的意见")
		handle = c.card(staff)
	}

	// 延期, approved by the office head: the handler and the registrar get
	// the 延期答复告知书.
	c.click(staff, handle, "extend")
	c.text(staff, "第三十三条")
	c.text(staff, "延长的工作日数")
	c.say(staff, "10")
	c.text(staff, "延期的理由")
	c.say(staff, "所需信息涉及多个年度的档案，需逐一调取核对。")
	c.confirm(staff)
	c.text(staff, "已报陈立新审批")
	handle = c.card(staff)
	c.click(office1, c.card(office1), "grant")
	c.text(office1, "已同意延期")
	links["extension"] = letterLink(t, c.text(staff, "延期答复告知书"), "延期答复告知书")
	if l := letterLink(t, c.text(office2, "延期答复告知书"), "延期答复告知书"); l == "" {
		t.Fatal("the registrar has no link to the 延期答复告知书")
	}
	handle = c.card(staff)

	// A 予以公开 reply, through the section head and the office.
	c.click(staff, handle, "reply")
	c.text(staff, "第三十六条")
	c.click(staff, c.card(staff), "r_0") // 予以公开
	c.text(staff, "答复内容")
	c.say(staff, "《2025年度某工业园区环境影响评价文件》及其批复。")
	c.text(staff, "法律依据")
	c.say(staff, "跳过")
	c.confirm(staff)
	c.text(staff, "已报股室负责人审核")
	c.click(head, c.card(head), "approve")
	c.text(head, "已同意")
	c.text(staff, "同意")
	off1 := c.card(office1)
	c.card(office2)
	c.click(office1, off1, "approve")
	c.tick(office1, c.card(office1), allChecks["secrecy"]...)
	approved := c.text(office1, "已同意", "审定，待综合办公室送达")
	links["reply"] = letterLink(t, approved, "答复书")
	letterLink(t, c.text(staff, "审定，待综合办公室送达"), "答复书")
	del := c.card(office1)
	if len(del.Card.JumpList) != 1 || !strings.Contains(del.Card.JumpList[0].Title, "答复书") || del.Card.JumpList[0].URL == "" {
		t.Fatalf("the 送达 card has no link to the 答复书: %+v", del.Card.JumpList)
	}

	// 申请 编号 lists every letter's link.
	c.say(office1, "申请 "+no)
	shown := ""
	for !strings.Contains(shown, "答复书：") {
		shown += c.text(office1)
	}
	for _, label := range []string{"接收回执", "补正告知书", "征求意见书（某化工有限公司）", "征求意见书（某区自然资源局）", "延期答复告知书", "答复书"} {
		letterLink(t, shown, label)
	}

	extended, _ := cal.AddWorkingDays(midnight(), workflow.ReplyDays+10)
	want := map[string][]string{
		"receipt":        {"政府信息公开申请接收回执", dayWords(received), dayWords(receivedDue.ReplyDue)},
		"supplement":     {"政府信息公开申请补正告知书", "1．请补充所需信息的文号。2．请说明所需信息的形成时间。", todayWords},
		"consult_party":  {"政府信息公开征求第三方意见书", "某化工有限公司：", "自收到本意见书之日起15个工作日内"},
		"consult_agency": {"政府信息公开征求意见书", "某区自然资源局：", "自收到本意见书之日起15个工作日内"},
		"extension":      {"政府信息公开申请延期答复告知书", "延长10个工作日", dayWords(extended)},
		"reply":          {"政府信息公开申请答复书", "某市某区人民政府", "某市某区人民法院", todayWords},
	}
	pr := newLetterBrowser(t)
	undated := regexp.MustCompile(`(^|[^年\d])\d{1,2}月\d{1,2}日`)
	for kind, link := range links {
		pages := pr.printPDF(t, link)
		if len(pages) == 0 {
			t.Errorf("%s printed no page", kind)
			continue
		}
		var flat strings.Builder
		for i, p := range pages {
			// A4 is 210 × 297 mm: 595.28 × 841.89 pt.
			if math.Abs(p.Width-595.28) > 1 || math.Abs(p.Height-841.89) > 1 {
				t.Errorf("%s: page %d is %.1f × %.1f pt, not A4", kind, i+1, p.Width, p.Height)
			}
			flat.WriteString(p.Flat())
		}
		f := flat.String()
		for _, w := range append(want[kind], no, "某市生态环境局某区分局") {
			if !strings.Contains(f, strings.Join(strings.Fields(w), "")) {
				t.Errorf("the printed %s lacks %q:\n%s", kind, w, f)
			}
		}
		if m := undated.FindString(f); m != "" {
			t.Errorf("the printed %s has a date without its year: %q", kind, m)
		}
		if strings.Contains(f, "sig=") || strings.Contains(f, "/letters/") {
			t.Errorf("the printed %s carries its address", kind)
		}
	}
}

// letterBrowser is one headless Chromium printing pages to PDF.
type letterBrowser struct{ ctx context.Context }

func newLetterBrowser(t *testing.T) *letterBrowser {
	t.Helper()
	return &letterBrowser{ctx: printtest.Browser(t, "the letters' print test")}
}

// printPDF opens link in a new tab, prints it as the print dialog would
// (the page's own A4 size) and reads the PDF's pages back.
func (b *letterBrowser) printPDF(t *testing.T, link string) []printtest.Page {
	t.Helper()
	tab, cancel := chromedp.NewContext(b.ctx)
	defer cancel()
	if err := chromedp.Do(tab, chromedp.Navigate(link)); err != nil {
		t.Fatalf("open %s: %v", link, err)
	}
	if _, err := chromedp.Run(tab, chromedp.Poll[bool](`document.fonts.status === "loaded"`, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(time.Minute))); err != nil {
		t.Fatalf("waiting for the fonts: %v", err)
	}
	pdf, err := chromedp.Run(tab, chromedp.PrintToPDF(func(pp *cdppage.PrintToPDFParams) {
		on := true
		pp.PreferCSSPageSize = &on
	}))
	if err != nil {
		t.Fatalf("print %s to PDF: %v", link, err)
	}
	pages, err := printtest.ReadPDF(pdf)
	if err != nil {
		t.Fatalf("reading the PDF of %s: %v", link, err)
	}
	return pages
}
