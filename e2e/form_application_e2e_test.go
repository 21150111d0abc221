package e2e

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/zwgk-bot/zwgk/printtest"
	"github.com/zwgk-bot/zwgk/sandbox"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// linkedForm is what the database holds of a form's link: its
// application and deadline.
func (h *harness) linkedForm(serial string) (sql.NullInt64, sql.NullTime) {
	h.t.Helper()
	year, seq, ok := workflow.ParseSerial(serial)
	if !ok {
		h.t.Fatalf("serial %q", serial)
	}
	f, err := storage.FormBySerial(context.Background(), h.db, year, seq)
	if err != nil {
		h.t.Fatal(err)
	}
	return f.ApplicationID, f.Deadline
}

// cardField is one field of a card, by its name.
func cardField(t *testing.T, m sandbox.Received, name string) string {
	t.Helper()
	for _, f := range m.Card.HorizontalContentList {
		if f.KeyName == name {
			return f.Value
		}
	}
	t.Fatalf("card %q has no field %s: %s", m.Card.MainTitle.Title, name, fieldsOf(m))
	return ""
}

// printedDeadline opens the printable form in headless Chromium with print
// styles, as its 打印 does, and returns the 公开时限 cell and the 公开形式
// row as printed, and the height of the form's sheet in mm (one A4 page
// is 297).
func printedDeadline(t *testing.T, link string) (deadline, modes string, sheetMM float64) {
	t.Helper()
	tab, cancelTab := chromedp.NewContext(printtest.Browser(t, "the linked form's print test")) // a fresh tab
	defer cancelTab()
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(link)); err != nil {
		t.Fatalf("open the form: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.fonts.status === "loaded"`, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(time.Minute))); err != nil {
		t.Fatalf("waiting for the fonts: %v", err)
	}
	err := chromedp.Do(ctx, chromedp.Action[chromedp.Void](func(ctx context.Context, target *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, target, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return chromedp.Void{}, err
	}))
	if err != nil {
		t.Fatalf("print media: %v", err)
	}
	eval := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}
	deadline = eval(`document.querySelectorAll('#form tr.meta td.value')[1].innerText`)
	modes = eval(`document.querySelector('#form td.modes').innerText`)
	sheetMM, err = chromedp.Run(ctx, chromedp.Evaluate[float64](`document.getElementById('form').getBoundingClientRect().height * 25.4 / 96`))
	if err != nil {
		t.Fatalf("the form's height: %v", err)
	}
	return strings.TrimSpace(deadline), strings.TrimSpace(modes), sheetMM
}

// A 依申请公开 审批单 names the application it answers: an unknown or
// unreadable number is refused and asked again; the link takes part in
// 修改 and 保留; the form's deadline is the application's reply deadline on
// the summary, the cards, 查询 and the printed form; the application's
// 延期 moves it; a resubmission after 驳回 keeps the link (issue 17).
func TestFormLinkedToApplication(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	ctx := context.Background()
	cal := workflow.DefaultCalendar()

	// Received yesterday, whatever day the test runs; 延期 of 10 working
	// days later on.
	received := midnight().AddDate(0, 0, -1)
	replyDue := func(extension int) time.Time {
		t.Helper()
		due, err := workflow.ApplicationDeadlines(cal, workflow.ApplicationEvents{Received: received, ExtensionDays: extension})
		if err != nil {
			t.Fatal(err)
		}
		return due.ReplyDue
	}
	due, extended := replyDue(0), replyDue(10)
	c.registerApplication(office2, received)
	no := storage.ApplicationNumber(received.Year(), 1)
	c.text(office1, "新的政府信息公开申请")
	acc := c.card(head)
	app, err := storage.ApplicationBySerial(ctx, h.db, received.Year(), 1)
	if err != nil {
		t.Fatal(err)
	}
	// The number as staff may type it: 依申请[2026]1号.
	typed := strings.NewReplacer("〔", "[", "〕", "]").Replace(no)

	// The wizard, 依申请公开: one more question after 公开形式.
	c.say(staff, "提交")
	c.text(staff, "开始填写")
	c.text(staff, "第1步")
	c.say(staff, "关于依申请公开某工业园区环评文件的审批")
	c.text(staff, "第2步")
	c.say(staff, "某工业园区2025年度环境影响评价文件及批复，依申请向申请人公开。")
	c.text(staff, "第3步")
	c.say(staff, "今天")
	c.text(staff, "信息形成日期：")
	c.click(staff, c.card(staff), "mode_request")
	c.text(staff, "第5步", "请输入对应的政府信息公开申请编号，如 依申请〔2026〕5号（没有可回复「跳过」）")
	c.say(staff, "依申请〔2026〕9号")
	c.text(staff, "没有找到 依申请〔2026〕9号")
	c.text(staff, "第5步", "申请编号")
	c.say(staff, "公开审〔2026〕1号")
	c.text(staff, "没有识别出申请编号")
	c.text(staff, "第5步", "申请编号")
	c.say(staff, typed)
	c.text(staff, "关联申请："+no+"（答复期限"+dayWords(due)+"）")
	pl := c.card(staff)
	if st, err := c.h.corp.User(staff).Submit(ctx, pl.Card.TaskID, map[string][]string{"platforms": {"p0"}}); err != nil || st != 200 {
		t.Fatalf("platforms: %d, %v", st, err)
	}
	c.click(staff, c.card(staff), "major_no")
	sum := c.card(staff)
	linked := "答复期限" + dayWords(due) + "（" + no + "）"
	if got := cardField(t, sum, "公开时限"); got != linked {
		t.Fatalf("summary 公开时限 %q, want %q", got, linked)
	}
	// 修改 lists the link among the fields; 保留 keeps it.
	c.click(staff, sum, "confirm_edit")
	c.text(staff, "4 公开形式，5 关联申请，6 公开平台")
	c.say(staff, "5")
	c.text(staff, "请输入对应的政府信息公开申请编号", "当前："+no)
	c.say(staff, "保留")
	sum = c.card(staff)
	if got := cardField(t, sum, "公开时限"); got != linked {
		t.Fatalf("summary after 保留: 公开时限 %q, want %q", got, linked)
	}
	c.click(staff, sum, "confirm_submit")
	got := c.text(staff, "已提交，编号 公开审〔")
	_, rest, _ := strings.Cut(got, "编号 ")
	serial, _, _ := strings.Cut(rest, "。")

	sec := c.card(head)
	if got := cardField(t, sec, "公开时限"); got != linked {
		t.Fatalf("section card 公开时限 %q, want %q", got, linked)
	}
	id, deadline := h.linkedForm(serial)
	if !id.Valid || id.Int64 != app.ID || !deadline.Valid || !deadline.Time.Equal(due) {
		t.Fatalf("stored link %v, deadline %v; want application %d, %v", id, deadline, app.ID, due)
	}

	// 查询, and the printed form: the reply deadline, the application by
	// the 依申请公开 box, the form one A4 page.
	c.say(staff, "查询 "+serial)
	got = c.text(staff, serial, "公开时限："+linked, "李娜提交审批单，关联申请 "+no+"。", "/forms/")
	_, link, _ := strings.Cut(got, "审批单：")
	link, _, _ = strings.Cut(strings.TrimSpace(link), "\n")
	printed, modes, mm := printedDeadline(t, strings.TrimSpace(link))
	if printed != "答复期限 "+dayWords(due) || !strings.Contains(modes, "依申请公开（申请编号："+no+"）") {
		t.Errorf("printed 公开时限 %q, 公开形式 %q", printed, modes)
	}
	if mm > 297 {
		t.Errorf("the printed form is %.1f mm high: more than one A4 page", mm)
	}

	// The application is extended by 10 working days: the form follows.
	c.click(head, acc, "accept")
	c.click(head, c.card(head), "h_"+staff)
	c.text(head, "已签收，由李娜办理")
	c.text(office2, "已由张伟（综合一股）签收，承办人李娜")
	handle := c.card(staff)
	c.click(staff, handle, "extend")
	c.text(staff, "第三十三条")
	c.text(staff, "延长的工作日数")
	c.say(staff, "10")
	c.text(staff, "延期的理由")
	c.say(staff, "需征求第三方意见后综合研判。")
	c.confirm(staff)
	c.text(staff, "延期申请（10个工作日）已报陈立新审批")
	c.card(staff)
	c.click(office1, c.card(office1), "grant")
	c.text(office1, "已同意延期")
	c.text(staff, "延至"+dayWords(extended))
	c.text(office2, "延至"+dayWords(extended))
	c.card(staff) // the handle card anew
	if _, deadline = h.linkedForm(serial); !deadline.Valid || !deadline.Time.Equal(extended) {
		t.Fatalf("after the 延期 the form's deadline is %v, want %v", deadline, extended)
	}
	moved := "答复期限" + dayWords(extended) + "（" + no + "）"
	c.say(staff, "查询 "+serial)
	c.text(staff, "公开时限："+moved, "所关联申请的答复期限变更为"+dayWords(extended)+"。")

	// 驳回, and the resubmission keeps the link.
	rej := c.reject(head, sec, "请补充申请人的申请内容摘要。")
	c.click(staff, rej, "resubmit")
	c.text(staff, "开始修改")
	for _, step := range []string{"第1步", "第2步", "第3步"} {
		c.text(staff, step, "当前：")
		c.say(staff, "保留")
	}
	c.card(staff) // 公开形式
	c.say(staff, "保留")
	c.text(staff, "第5步", "当前："+no)
	c.say(staff, "保留")
	c.card(staff) // 公开平台
	c.say(staff, "保留")
	c.card(staff) // 重大事项
	c.say(staff, "保留")
	sum = c.card(staff)
	if got := cardField(t, sum, "公开时限"); got != moved {
		t.Fatalf("the resubmission's summary 公开时限 %q, want %q", got, moved)
	}
	c.click(staff, sum, "confirm_submit")
	c.text(staff, "已重新提交", "第2版", "本版未修改内容")
	v2 := c.card(head)
	if got := cardField(t, v2, "公开时限"); got != moved {
		t.Fatalf("v2 card 公开时限 %q, want %q", got, moved)
	}
	if id, deadline = h.linkedForm(serial); id.Int64 != app.ID || !deadline.Time.Equal(extended) {
		t.Fatalf("v2 stored link %v, deadline %v", id, deadline)
	}
	if st, page := h.page(strings.TrimSpace(link)); st != 200 || !strings.Contains(page, ">答复期限 "+dayWords(extended)+"<") {
		t.Errorf("the page of v2 (%d) lacks the moved deadline", st)
	}
}

// 跳过 leaves a 依申请公开 form unlinked, 不适用 as before; a form whose
// 公开形式 is changed to 依申请公开 from the summary is asked for the
// application then, and comes back to the summary.
func TestFormRequestWithoutApplication(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	ctx := context.Background()

	c.say(staff, "提交")
	c.text(staff, "开始填写")
	c.text(staff, "第1步")
	c.say(staff, ordinary.title)
	c.text(staff, "第2步")
	c.say(staff, ordinary.summary)
	c.text(staff, "第3步")
	c.say(staff, "今天")
	c.text(staff, "信息形成日期：")
	c.click(staff, c.card(staff), "mode_active")
	c.category(staff, "", "")
	pl := c.card(staff) // 主动公开: no application asked
	if st, err := c.h.corp.User(staff).Submit(ctx, pl.Card.TaskID, map[string][]string{"platforms": {"p0"}}); err != nil || st != 200 {
		t.Fatalf("platforms: %d, %v", st, err)
	}
	c.click(staff, c.card(staff), "major_no")
	sum := c.card(staff)
	if got := cardField(t, sum, "公开时限"); !strings.HasSuffix(got, "前") {
		t.Fatalf("主动公开 summary 公开时限 %q", got)
	}
	c.click(staff, sum, "confirm_edit")
	list := c.text(staff, "4 公开形式，5 信息类别，6 公开平台")
	if strings.Contains(list, "关联申请") {
		t.Fatalf("a 主动公开 form lists 关联申请: %q", list)
	}
	c.say(staff, "4")
	c.click(staff, c.card(staff), "mode_request")
	c.text(staff, "请修改：公开形式为依申请公开，请填写对应的申请编号。")
	c.text(staff, "请输入对应的政府信息公开申请编号")
	c.say(staff, "跳过")
	c.text(staff, "未关联申请，公开时限为「不适用」。")
	sum = c.card(staff)
	if got := cardField(t, sum, "公开时限"); got != "依申请公开，不适用" {
		t.Fatalf("unlinked summary 公开时限 %q", got)
	}
	c.click(staff, sum, "confirm_submit")
	got := c.text(staff, "已提交，编号 公开审〔")
	_, rest, _ := strings.Cut(got, "编号 ")
	serial, _, _ := strings.Cut(rest, "。")
	if got := cardField(t, c.card(head), "公开时限"); got != "依申请公开，不适用" {
		t.Fatalf("section card 公开时限 %q", got)
	}
	if id, deadline := h.linkedForm(serial); id.Valid || deadline.Valid {
		t.Fatalf("an unlinked 依申请公开 form stored application %v, deadline %v", id, deadline)
	}
	st, page := h.page(formLinkOf(c, staff, serial))
	if st != 200 || !strings.Contains(page, "不适用（依申请公开）") || strings.Contains(page, "申请编号") {
		t.Errorf("the unlinked form's page (%d) does not say 不适用", st)
	}
}
