package forms

import (
	"bytes"
	"context"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/zwgk-bot/zwgk/textfit"

	"github.com/zwgk-bot/zwgk/printtest"
	"github.com/zwgk-bot/zwgk/workflow"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// cut returns the first n characters of s repeated as often as needed.
func cut(s string, n int) string {
	r := []rune(strings.Repeat(s, n/utf8.RuneCountInString(s)+1))
	return string(r[:n])
}

// A summary as staff write them: Chinese with figures, units, brackets.
const summaryText = "开发区2026年第三季度环境空气质量监测结果显示，优良天数比例为92.4%，细颗粒物（PM2.5）平均浓度为31微克/立方米，同比下降6.1%；“双微”公众号同步发布解读。"

// mixedSummary is 1000 characters of what a summary may hold, mixed at
// random (seeded, so a failure can be replayed): Chinese, figures, units,
// English words, addresses, brackets and punctuation, spaces, line breaks.
func mixedSummary(seed int64) string {
	rng := rand.New(rand.NewSource(seed))
	words := []string{"Environmental", "Impact", "Assessment", "PM2.5", "2026", "92.4%", "Ⅱ类", "μg/m³", "COD",
		"https://www.example.gov.cn/zwgk/2026/hjzl/notice-0917.html", "——", "“双微”", "（二）", "。", "，", "、", "；", "：", "「", "」"}
	cjk := []rune("开发区第三季度空气质量优良天数比例为百分之九十二细颗粒物平均浓度同比下降环境影响报告书审批结果公示监测站点")
	var b []rune
	for len(b) < 1000 {
		switch k := rng.Intn(10); {
		case k < 5:
			for j := rng.Intn(8) + 1; j > 0; j-- {
				b = append(b, cjk[rng.Intn(len(cjk))])
			}
		case k < 8:
			b = append(b, []rune(words[rng.Intn(len(words))])...)
		case k < 9:
			b = append(b, ' ')
		case rng.Intn(4) == 0:
			b = append(b, '\n')
		}
	}
	return string(b[:1000])
}

func flat(lines []string) string { return strings.Join(strings.Fields(strings.Join(lines, "")), "") }

func TestFitBoxKeepsEveryCharacter(t *testing.T) {
	paras := strings.TrimSuffix(strings.Repeat(cut(summaryText, 120)+"\n", 8), "\n") + "\n\n" + cut(summaryText, 25)
	for name, s := range map[string]string{
		"short":      "第一行。\n第二行。",
		"1000字":      cut(summaryText, 1000),
		"985字分段":     cut(paras, 985),
		"1000 W":     strings.Repeat("W", 1000),
		"many lines": strings.Repeat("一\n", 300),
		"CRLF":       strings.ReplaceAll(paras, "\n", "\r\n"),
		"cut at 。":   cut("开发区空气质量优良天数比例为百分之九十二，细颗粒物平均浓度同比下降。", 1000),
	} {
		t.Run(name, func(t *testing.T) {
			b := fitBox(formGeo, "关于开发区2026年第三季度环境空气质量的公告", s)
			norm := strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "")
			got := strings.Join(b.Head, "") + strings.Join(b.Rest, "")
			if got != norm {
				t.Errorf("box + 续页 lost or added text:\n got %q\nwant %q", got, norm)
			}
			if name == "short" && b.Rest != nil {
				t.Errorf("a short summary continues on a 续页: %q", b.Rest)
			}
			if name != "short" && b.Rest == nil {
				t.Errorf("%d 字 all in the box", utf8.RuneCountInString(s))
			}
			if len(b.Rest) > 0 {
				if r, _ := utf8.DecodeRuneInString(b.Rest[0]); strings.ContainsRune(textfit.ClosingPunct, r) {
					t.Errorf("the 续页 opens with %q", r)
				}
			}
		})
	}
}

func TestRenderFormStamp(t *testing.T) {
	live := renderFormPage(t, formFinished())
	if strings.Contains(live, `class="stamp`) || strings.Contains(live, "已撤回") || strings.Contains(live, "取代") {
		t.Errorf("a live form is stamped")
	}

	v := formFinished()
	v.State, v.Withdrawn, v.VoidBy, v.VoidAt = "已撤回", true, "王琳", formUTC(2026, 11, 29, 1, 0)
	page := renderFormPage(t, v)
	stamp := formBetween(t, page, `<div class="stamp" role="note">`, "</div>")
	for _, want := range []string{`<span class="stamp-word">已撤回</span>`, "王琳于2026年11月29日撤回"} {
		if !strings.Contains(stamp, want) {
			t.Errorf("stamp lacks %q: %s", want, stamp)
		}
	}
	// The stamp is inside the form's sheet, which is what prints.
	form := formBetween(t, page, `id="form">`, "</section>")
	if !strings.Contains(form, `class="stamp"`) {
		t.Errorf("the stamp is not on the form sheet")
	}
	for _, want := range []string{"<title>政务信息公开发布审批单 公开审〔2026〕17号（已撤回）</title>", `class="status void">状态：已撤回`, "仅供查阅存档"} {
		if !strings.Contains(page, want) {
			t.Errorf("withdrawn page lacks %q", want)
		}
	}
	// The state alone is enough.
	v = formFinished()
	v.State = "已撤回"
	if !strings.Contains(renderFormPage(t, v), `<span class="stamp-word">已撤回</span>`) {
		t.Errorf("State 已撤回 without Withdrawn is not stamped")
	}

	v = formFinished()
	v.State, v.Version, v.SupersededBy, v.VoidBy, v.VoidAt = "已驳回", 1, 2, "王琳", formUTC(2026, 12, 1, 1, 0)
	v.Versions = []VersionLink{
		{Version: 1, Href: "?exp=1&sig=ab&v=1", Note: "已被第2版取代", Shown: true},
		{Version: 2, Href: "?exp=1&sig=ab", Note: "当前版本，审核中"},
	}
	page = renderFormPage(t, v)
	stamp = formBetween(t, page, `<div class="stamp long" role="note">`, "</div>")
	for _, want := range []string{`<span class="stamp-word">已被第2版取代</span>`, "王琳于2026年12月1日修改后重新提交为第2版"} {
		if !strings.Contains(stamp, want) {
			t.Errorf("stamp lacks %q: %s", want, stamp)
		}
	}
	nav := formBetween(t, page, `<nav class="note screen versions">`, "</nav>")
	for _, want := range []string{"<b>第1版（已被第2版取代，即本页）</b>", `<a href="?exp=1&amp;sig=ab">第2版（当前版本，审核中）</a>`} {
		if !strings.Contains(nav, want) {
			t.Errorf("version links lack %q: %s", want, nav)
		}
	}
}

func TestRenderFormContinuation(t *testing.T) {
	v := formFinished()
	v.Summary = cut(summaryText, 1000)
	v.Signatures[1] = Signature{Name: "王坤鹏", Decision: "驳回", Reason: cut("数据来源未注明，请补充监测站点和监测时间。", 200), At: formUTC(2026, 11, 29, 3, 0)}
	page := renderFormPage(t, v)
	box := formBetween(t, page, `class="box-inner">`, "</td>")
	if !strings.Contains(box, "（未完，接续页）") {
		t.Errorf("the box does not say the summary goes on: %s", box)
	}
	cont := formBetween(t, page, `id="continuation">`, "</section>")
	for _, want := range []string{"政务信息公开发布审批单（续页）", "公开审〔2026〕17号", "简要内容<br>（续）", "办公室审核<br>意见（续）", "驳回理由：" + cut("数据来源未注明，请补充监测站点和监测时间。", 200)} {
		if !strings.Contains(cont, want) {
			t.Errorf("续页 lacks %q", want)
		}
	}
	if office := formSignBlock(t, page, "sign-office"); !strings.Contains(office, "（全文见续页）") {
		t.Errorf("the office block does not point to the 续页: %s", office)
	}
	// The 办理记录 is a sheet of its own after the 续页.
	if i, j := strings.Index(page, `id="continuation"`), strings.Index(page, `id="record"`); i < 0 || j < i {
		t.Errorf("续页 at %d, 办理记录 at %d", i, j)
	}
	if strings.Contains(formBetween(t, page, `id="form">`, "</section>"), "办理记录") {
		t.Errorf("the 办理记录 is on the form's sheet")
	}
	// No page margin: Chromium's header and footer (with the address) have
	// no room.
	if !strings.Contains(page, "@page { size: A4 portrait; margin: 0; }") {
		t.Errorf("the page has a margin for the browser's header and footer")
	}
}

// formPrinter prints form pages in headless Chromium, served over HTTP at
// signed addresses like the bot's, so a printed address would be seen.
type formPrinter struct {
	ctx    context.Context
	srv    *httptest.Server
	secret []byte
	mu     sync.Mutex
	views  map[int64]FormView
}

func newFormPrinter(t *testing.T) *formPrinter {
	t.Helper()
	p := &formPrinter{secret: []byte("print-test-secret-0123456789"), views: map[int64]FormView{}}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(strings.TrimPrefix(r.URL.Path, "/forms/"), 10, 64)
		q := r.URL.Query()
		p.mu.Lock()
		v, ok := p.views[id]
		p.mu.Unlock()
		if !ok || VerifyFormLink(p.secret, id, q.Get("exp"), q.Get("sig"), time.Now()) != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		RenderForm(w, v)
	}))
	t.Cleanup(p.srv.Close)

	p.ctx = printtest.Browser(t, "the print tests")
	return p
}

// printed is one form as Chromium printed it.
type printed struct {
	url   string
	sig   string
	pdf   []byte
	pages []printtest.Page
	tab   context.Context
}

// print serves v at a signed address, opens it in a new tab and prints it
// to PDF as a browser whose 页眉和页脚 option is on would: with the
// browser's own header and footer (title, address, page numbers) wherever
// the page leaves room for them. before runs in the page first.
func (p *formPrinter) print(t *testing.T, id int64, v FormView, before string) printed {
	t.Helper()
	p.mu.Lock()
	p.views[id] = v
	p.mu.Unlock()
	link := SignFormLink(p.secret, id, time.Now().Add(time.Hour))
	tab, cancel := chromedp.NewContext(p.ctx)
	t.Cleanup(cancel)
	do := func(what string, a chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(tab, a); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	do("open the form", chromedp.Navigate(p.srv.URL+link))
	// Navigate waits for the load event; the fonts may come a little later.
	if _, err := chromedp.Run(tab, chromedp.Poll[bool](`document.fonts.status === "loaded"`, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(time.Minute))); err != nil {
		t.Fatalf("waiting for the fonts: %v", err)
	}
	if before != "" {
		do("prepare the page", chromedp.Evaluate[chromedp.Void](before))
	}
	pdf, err := chromedp.Run(tab, chromedp.PrintToPDF(func(pp *page.PrintToPDFParams) {
		on := true
		pp.DisplayHeaderFooter = &on
		pp.PreferCSSPageSize = &on
	}))
	if err != nil {
		t.Fatalf("print to PDF: %v", err)
	}
	pages, err := printtest.ReadPDF(pdf)
	if err != nil {
		t.Fatalf("reading the PDF: %v", err)
	}
	_, sig, _ := strings.Cut(link, "sig=")
	return printed{url: p.srv.URL + link, sig: sig, pdf: pdf, pages: pages, tab: tab}
}

// media switches the tab between print ("print") and screen ("") styles.
func media(t *testing.T, tab context.Context, m string) {
	t.Helper()
	err := chromedp.Do(tab, chromedp.Action[chromedp.Void](func(ctx context.Context, target *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, target, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m})
		return chromedp.Void{}, err
	}))
	if err != nil {
		t.Fatalf("emulate media %q: %v", m, err)
	}
}

// overflows lists, in print styles, the fixed boxes of the form whose text
// does not fit them, and says whether the form's sheet is taller than A4.
func overflows(t *testing.T, tab context.Context) string {
	t.Helper()
	media(t, tab, "print")
	defer media(t, tab, "")
	got, err := chromedp.Run(tab, chromedp.Evaluate[string](`(() => {
		const bad = [...document.querySelectorAll('#form .box-inner, #form .sign-inner')]
			.filter((e) => e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1)
			.map((e) => e.className + ' ' + e.scrollHeight + '>' + e.clientHeight);
		const mm = document.getElementById('form').getBoundingClientRect().height * 25.4 / 96;
		if (mm > 297) bad.push('form sheet ' + mm.toFixed(1) + 'mm');
		return bad.join('; ');
	})()`))
	if err != nil {
		t.Fatalf("measuring the form: %v", err)
	}
	return got
}

// shot leaves a picture of the page in print styles, and the PDF, where the
// browser test leaves its screenshots.
func (pr printed) shot(t *testing.T, name string) {
	t.Helper()
	dir := os.Getenv("ZWGK_SCREENSHOTS")
	if dir == "" {
		root, err := filepath.Abs("..") // the module root: this package is handlers/
		if err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(root, ".local", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	media(t, pr.tab, "print")
	defer media(t, pr.tab, "")
	if err := chromedp.Do(pr.tab, chromedp.EmulateViewport(794, 1123)); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(pr.tab, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	for file, b := range map[string][]byte{name + ".png": png, name + ".pdf": pr.pdf} {
		if err := os.WriteFile(filepath.Join(dir, file), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// The roles a printed page can have.
const (
	sheetForm   = "审批单"
	sheetCont   = "续页"
	sheetRecord = "办理记录"
)

// role says what a printed page is, from its headings, and fails when a
// page mixes the form with anything else.
func role(t *testing.T, n int, p printtest.Page) string {
	t.Helper()
	has := func(text string) bool {
		for _, r := range p.Runs {
			if r.Text == text {
				return true
			}
		}
		return false
	}
	var roles []string
	if has("政务信息公开发布审批单") {
		roles = append(roles, sheetForm)
	}
	if has("政务信息公开发布审批单（续页）") {
		roles = append(roles, sheetCont)
	}
	if has("办理记录") {
		roles = append(roles, sheetRecord)
	}
	if len(roles) > 1 {
		t.Errorf("page %d is %v at once:\n%s", n, roles, p.Text())
	}
	if len(roles) == 0 {
		return "" // a 续页 or 办理记录 longer than one page goes on
	}
	return roles[0]
}

// layout is the role of each page: "" for a page that continues the one
// before it.
func layout(t *testing.T, pages []printtest.Page) []string {
	t.Helper()
	var out []string
	for i, p := range pages {
		out = append(out, role(t, i+1, p))
	}
	return out
}

// formWhole checks that page holds the whole form, its first and last rows
// and every signature block, and that no other page holds any of it.
func formWhole(t *testing.T, pages []printtest.Page) {
	t.Helper()
	parts := []string{"填表日期：", "承办股室", "标题及", "公开形式", "公开栏目", "公开平台", "信息形成日期", "公开时限",
		"股室负责人审核（签字）：", "办公室审核（签字）：", "主要负责人审核（签字）：", "状态："}
	for _, part := range parts {
		for i, p := range pages {
			on := strings.Contains(p.Text(), part)
			if i == 0 && !on {
				t.Errorf("the form's page lacks %q", part)
			}
			if i > 0 && on {
				t.Errorf("page %d has the form's %q: the form is not one page", i+1, part)
			}
		}
	}
}

// noAddress checks that nothing of the page's address was printed.
func noAddress(t *testing.T, pr printed) {
	t.Helper()
	host := strings.TrimPrefix(pr.url, "http://")
	host = host[:strings.Index(host, "/")]
	for i, p := range pr.pages {
		text := p.Text()
		for _, bad := range []string{host, "/forms/", "sig=", "exp=", pr.sig[:16]} {
			if strings.Contains(text, bad) {
				t.Errorf("page %d prints %q (the signed address):\n%s", i+1, bad, text)
			}
		}
	}
	// Not even as a link: the PDF holds no part of the signature.
	if bytes.Contains(pr.pdf, []byte(pr.sig[:16])) || bytes.Contains(pr.pdf, []byte("/forms/")) {
		t.Errorf("the PDF holds the signed address (a link annotation?)")
	}
}

func stamped(p printtest.Page, word string) bool {
	for _, r := range p.Runs {
		if r.Text == word && r.Size >= 36 {
			return true
		}
	}
	return false
}

func TestPrintedForm(t *testing.T) {
	pr := newFormPrinter(t)
	var id int64
	next := func() int64 { id++; return id }

	// A 1000-字 summary (and, the worst cases, a title of 100 字, a
	// 200-字 驳回理由, Latin capitals, a summary of short lines): the form is
	// its first page and that page only; the 续页 follows, headed as such,
	// with the rest of the summary; then the 办理记录.
	longReason := cut("数据来源未注明，请补充监测站点和监测时间。", 200)
	cases := []struct {
		name   string
		change func(v *FormView)
		layout []string
	}{
		{"1000字", func(v *FormView) { v.Summary = cut(summaryText, 1000) }, []string{sheetForm, sheetCont, sheetRecord}},
		{"985字分段", func(v *FormView) {
			v.Summary = cut(strings.Repeat(cut(summaryText, 140)+"\n", 8), 985)
		}, []string{sheetForm, sheetCont, sheetRecord}},
		{"100字标题和驳回理由", func(v *FormView) {
			v.Title = cut("关于开发区2026年第三季度环境空气质量状况及重点污染源监督性监测结果的公告", 100)
			v.Summary = cut(summaryText, 1000)
			v.State = "已驳回"
			v.Signatures[1] = Signature{Name: "王坤鹏", Decision: "驳回", Reason: longReason, At: formUTC(2026, 11, 29, 3, 0), Review: "发现问题，未予通过。"}
			v.Signatures[2] = Signature{}
		}, []string{sheetForm, sheetCont, sheetRecord}},
		{"网址和主要负责人驳回理由", func(v *FormView) {
			// An unbreakable run must not waste the end of a line.
			v.Summary = cut("详见https://www.example.gov.cn/zwgk/2026/hjzl/notice-0917.html，Environmental Impact Assessment（EIA）报告书92.4%。", 1000)
			v.State = "已驳回"
			v.Signatures[2] = Signature{Name: "乔世辉", Decision: "驳回", Reason: cut("请补充https://www.example.gov.cn/zwgk/2026/hjzl/notice-0917.html所列监测数据。", 90), At: formUTC(2026, 11, 30, 16, 30)}
		}, []string{sheetForm, sheetCont, sheetRecord}},
		// Two mixes that overflowed the box while the budget let a line
		// break inside a run like PM2.5 or a web address, which a browser
		// moves to the next line whole.
		{"混排5", func(v *FormView) { v.Summary = mixedSummary(5) }, []string{sheetForm, sheetCont, sheetRecord}},
		{"混排12", func(v *FormView) {
			v.Summary = mixedSummary(12)
			v.Signatures[0] = Signature{Name: "布东方", Decision: "驳回", Reason: string([]rune(mixedSummary(13))[:200]), At: formUTC(2026, 11, 28, 2, 0)}
		}, []string{sheetForm, sheetCont, sheetRecord}},
		{"1000 W", func(v *FormView) { v.Summary = strings.Repeat("W", 1000) }, []string{sheetForm, sheetCont, sheetRecord}},
		{"中英混排", func(v *FormView) {
			v.Summary = cut("依据《Environmental Impact Assessment Law》及Technical Guidelines for Environmental Impact Assessment，项目环评报告书（Environmental Impact Statement）审批结果公示如下。", 1000)
		}, []string{sheetForm, sheetCont, sheetRecord}},
		{"300行", func(v *FormView) { v.Summary = strings.Repeat("一\n", 300) }, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := formFinished()
			c.change(&v)
			p := pr.print(t, next(), v, "")
			noAddress(t, p)
			got := layout(t, p.pages)
			if c.layout != nil && strings.Join(got, ",") != strings.Join(c.layout, ",") {
				t.Fatalf("pages %q, want %q", got, c.layout)
			}
			// Whatever the length: page 1 is the form, page 2 starts the
			// 续页, the last pages are the 办理记录, nothing else.
			if len(got) < 3 || got[0] != sheetForm || got[1] != sheetCont || !strings.Contains(strings.Join(got, ","), sheetRecord) {
				t.Fatalf("pages %q: want the form, the 续页, then the 办理记录", got)
			}
			formWhole(t, p.pages)
			if bad := overflows(t, p.tab); bad != "" {
				t.Errorf("text does not fit the form: %s", bad)
			}
			// Every character is printed: the box's part on page 1, the
			// rest on the 续页 (which may run on).
			box := fitBox(formGeo, v.Title, v.Summary)
			if !strings.Contains(p.pages[0].Flat(), flat(box.Head)) || !strings.Contains(p.pages[0].Flat(), "（未完，接续页）") {
				t.Errorf("page 1 lacks the box's part of the summary")
			}
			var cont strings.Builder
			for i, r := range got[1:] {
				if r == sheetRecord {
					break
				}
				cont.WriteString(p.pages[i+1].Flat())
			}
			if !strings.Contains(cont.String(), flat(box.Rest)) {
				t.Errorf("the 续页 lacks the rest of the summary")
			}
			if v.Signatures[1].Reason == longReason && !strings.Contains(cont.String(), flat([]string{"驳回理由：" + longReason})) {
				t.Errorf("the 续页 lacks the full 驳回理由")
			}
			if c.name == "1000字" {
				p.shot(t, "form-print-1000")
			}
		})
	}

	t.Run("short published", func(t *testing.T) {
		v := formFinished()
		p := pr.print(t, next(), v, "")
		noAddress(t, p)
		if got := layout(t, p.pages); strings.Join(got, ",") != sheetForm+","+sheetRecord {
			t.Fatalf("pages %q, want the form and then the 办理记录", got)
		}
		formWhole(t, p.pages)
		for _, want := range []string{"乔世辉", "2026年12月1日", "状态：已公开　第2版"} {
			if !strings.Contains(p.pages[0].Text(), want) {
				t.Errorf("the form's page lacks %q", want)
			}
		}
		// The office's 保密审查, whole, in its block on the form's page.
		if !strings.Contains(p.pages[0].Flat(), flat([]string{"保密审查：" + formReview})) {
			t.Errorf("the form's page lacks the 保密审查 %q:\n%s", formReview, p.pages[0].Text())
		}
		for _, h := range v.History {
			if strings.Contains(p.pages[0].Text(), h.What) {
				t.Errorf("the form's page has the 办理记录's %q", h.What)
			}
			if !strings.Contains(p.pages[1].Text(), h.What) {
				t.Errorf("the 办理记录 lacks %q", h.What)
			}
		}

		// The check above can see an address: the same page with the page
		// margin it used to have gets Chromium's footer, address and all.
		old := pr.print(t, next(), v, `document.head.insertAdjacentHTML('beforeend', '<style>@page { margin: 16mm 15mm 14mm; }</style>')`)
		host := strings.TrimPrefix(old.url, "http://")
		host = host[:strings.Index(host, "/")]
		var all strings.Builder
		for _, pg := range old.pages {
			all.WriteString(pg.Text())
		}
		if !strings.Contains(all.String(), host) {
			t.Errorf("with a page margin the footer's address was not found either: the check cannot see it\n%s", all.String())
		}
	})

	// A 依申请公开 form linked to its application: the reply deadline with
	// the application's number is longer than a date, and the form stays
	// one page even with the longest title, summary and reasons.
	t.Run("依申请公开关联申请", func(t *testing.T) {
		v := formFinished()
		v.Mode, v.Application, v.Deadline = "依申请公开", "依申请〔2026〕123号", formUTC(2026, 12, 29, 15, 59)
		v.Title = cut("关于开发区2026年第三季度环境空气质量状况及重点污染源监督性监测结果的公告", 100)
		v.Summary = cut(summaryText, 1000)
		v.State = "已驳回"
		v.Signatures[1] = Signature{Name: "王坤鹏", Decision: "驳回", Reason: longReason, At: formUTC(2026, 11, 29, 3, 0), Review: "发现问题，未予通过。"}
		p := pr.print(t, next(), v, "")
		if got := layout(t, p.pages); len(got) < 3 || got[0] != sheetForm || got[1] != sheetCont {
			t.Fatalf("pages %q: want the form, the 续页, then the 办理记录", got)
		}
		formWhole(t, p.pages)
		if bad := overflows(t, p.tab); bad != "" {
			t.Errorf("text does not fit the form: %s", bad)
		}
		if flat := p.pages[0].Flat(); !strings.Contains(flat, "答复期限2026年12月29日") || !strings.Contains(flat, "依申请公开（申请编号：依申请〔2026〕123号）") || strings.Contains(flat, "不适用") {
			t.Errorf("the form's page lacks the reply deadline:\n%s", p.pages[0].Text())
		}
		p.shot(t, "form-print-application")
	})

	// A 主动公开 form of table 二: its 信息类别 is printed after the 公开栏目,
	// in that cell, and the form stays one page with the longest title,
	// summary, reasons, a 公开栏目 as long as a button holds (WeCom
	// suggests 10 characters) and the longest category.
	t.Run("信息类别", func(t *testing.T) {
		v := formFinished()
		v.Column = cut("环境监测与执法信息公开专栏", 10)
		v.Category = workflow.FormCategory{Category: workflow.CategoryFee, FeeYuan: 123456789012}.Label()
		v.Title = cut("关于开发区2026年第三季度环境空气质量状况及重点污染源监督性监测结果的公告", 100)
		v.Summary = cut(summaryText, 1000)
		v.Signatures[1] = Signature{Name: "王坤鹏", Decision: "驳回", Reason: longReason, At: formUTC(2026, 11, 29, 3, 0), Review: "发现问题，未予通过。"}
		p := pr.print(t, next(), v, "")
		if got := layout(t, p.pages); len(got) < 3 || got[0] != sheetForm || got[1] != sheetCont {
			t.Fatalf("pages %q: want the form, the 续页, then the 办理记录", got)
		}
		formWhole(t, p.pages)
		if bad := overflows(t, p.tab); bad != "" {
			t.Errorf("text does not fit the form: %s", bad)
		}
		if flat := p.pages[0].Flat(); !strings.Contains(flat, "（信息类别：行政事业性收费（12345678.9012万元））") {
			t.Errorf("the form's page lacks the category:\n%s", p.pages[0].Text())
		}
		p.shot(t, "form-print-category")
	})

	t.Run("withdrawn", func(t *testing.T) {
		v := formFinished()
		v.State, v.Withdrawn, v.VoidBy, v.VoidAt = "已撤回", true, "王琳", formUTC(2026, 11, 29, 1, 0)
		v.Signatures[2] = Signature{}
		p := pr.print(t, next(), v, "")
		noAddress(t, p)
		if got := layout(t, p.pages); strings.Join(got, ",") != sheetForm+","+sheetRecord {
			t.Fatalf("pages %q, want the form and then the 办理记录", got)
		}
		if !stamped(p.pages[0], "已撤回") || !strings.Contains(p.pages[0].Text(), "王琳于2026年11月29日撤回") {
			t.Errorf("the printed form has no large 已撤回 stamp:\n%s", p.pages[0].Text())
		}
		if !strings.Contains(p.pages[0].Text(), "状态：已撤回") {
			t.Errorf("the status line does not say 已撤回")
		}
		formWhole(t, p.pages)
		// On screen too: the stamp is shown, large, over the form.
		size, err := chromedp.Run(p.tab, chromedp.Evaluate[float64](`(() => {
			const s = document.querySelector('#form .stamp');
			if (!s || getComputedStyle(s).display === 'none' || getComputedStyle(s).visibility !== 'visible') return 0;
			return parseFloat(getComputedStyle(s).fontSize);
		})()`))
		if err != nil || size < 48 {
			t.Errorf("on screen the stamp is %vpx (%v), want a large one", size, err)
		}
		p.shot(t, "form-print-withdrawn")
	})

	t.Run("superseded", func(t *testing.T) {
		v := formFinished()
		v.State, v.Version, v.SupersededBy, v.VoidBy, v.VoidAt = "已驳回", 1, 2, "王琳", formUTC(2026, 12, 1, 1, 0)
		v.Summary = cut(summaryText, 1000)
		v.Signatures[1] = Signature{Name: "王坤鹏", Decision: "驳回", Reason: "数据来源未注明", At: formUTC(2026, 11, 29, 3, 0)}
		v.Signatures[2] = Signature{}
		// Links to the versions carry the signed query: on screen only.
		link := SignFormLink(pr.secret, id+1, time.Now().Add(time.Hour))
		_, query, _ := strings.Cut(link, "?")
		v.Versions = []VersionLink{{Version: 1, Href: "?" + query + "&v=1", Note: "已被第2版取代", Shown: true}, {Version: 2, Href: "?" + query, Note: "当前版本，审核中"}}
		p := pr.print(t, next(), v, "")
		noAddress(t, p)
		if got := layout(t, p.pages); strings.Join(got, ",") != strings.Join([]string{sheetForm, sheetCont, sheetRecord}, ",") {
			t.Fatalf("pages %q", got)
		}
		for i := range 2 { // the form and its 续页
			if !stamped(p.pages[i], "已被第2版取代") {
				t.Errorf("page %d has no large 已被第2版取代 stamp:\n%s", i+1, p.pages[i].Text())
			}
		}
		formWhole(t, p.pages)
	})
}
