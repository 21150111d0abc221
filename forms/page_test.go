package forms

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"
)

// formUTC builds fixtures in UTC, some near midnight, so the tests see that
// the form shows Asia/Shanghai dates whatever zone the times come in.
func formUTC(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

// formFinished is a form that went through all three reviews.
// formReview is the office's 保密审查 of an 审批单 that passed.
const formReview = "已审查国家秘密、商业秘密、个人隐私，未发现不宜公开内容。"

func formFinished() FormView {
	return FormView{
		Serial:    "公开审〔2026〕17号",
		FiledOn:   formUTC(2026, 11, 27, 17, 30), // 2026-11-28 01:30 in Shanghai
		Section:   "综合一股",
		Submitter: "王琳",
		Title:     "关于开发区2026年第三季度环境空气质量的公告",
		Summary:   "第一行：空气质量优良天数比例92%。\n第二行：PM2.5平均浓度同比下降。",
		Mode:      "主动公开",
		Column:    "环境保护",
		Platforms: []string{"“双微”公众号", "政府网站"},
		FormedOn:  formUTC(2026, 11, 20, 2, 0),
		Deadline:  formUTC(2026, 12, 17, 16, 0), // 2026-12-18 in Shanghai
		State:     "已公开",
		Version:   2,
		Signatures: [3]Signature{
			{Name: "布东方", Decision: "同意", At: formUTC(2026, 11, 28, 2, 0)},
			{Name: "王坤鹏", Decision: "同意并报主要负责人", At: formUTC(2026, 11, 29, 3, 0), Review: formReview},
			{Name: "乔世辉", Decision: "同意", At: formUTC(2026, 11, 30, 16, 30)}, // 12月1日 in Shanghai
		},
		History: []HistoryLine{
			{At: formUTC(2026, 11, 27, 17, 30), Who: "王琳", What: "提交审批"},
			{At: formUTC(2026, 11, 28, 2, 0), Who: "布东方", What: "股室负责人审核：同意"},
			{At: formUTC(2026, 11, 29, 3, 0), Who: "王坤鹏", What: "办公室审核：同意并报主要负责人"},
			{At: formUTC(2026, 11, 30, 16, 30), Who: "乔世辉", What: "主要负责人审核：同意"},
		},
	}
}

func renderFormPage(t *testing.T, v FormView) string {
	t.Helper()
	var b bytes.Buffer
	if err := RenderForm(&b, v); err != nil {
		t.Fatalf("RenderForm: %v", err)
	}
	return b.String()
}

// formBetween returns the text between the first start marker and the next end
// marker after it.
func formBetween(t *testing.T, s, start, end string) string {
	t.Helper()
	i := strings.Index(s, start)
	if i < 0 {
		t.Fatalf("no %q in page", start)
	}
	s = s[i+len(start):]
	j := strings.Index(s, end)
	if j < 0 {
		t.Fatalf("no %q after %q", end, start)
	}
	return s[:j]
}

// formSignBlock returns the HTML of one signature cell by its id.
func formSignBlock(t *testing.T, page, id string) string {
	t.Helper()
	return formBetween(t, page, `id="`+id+`"`, "</td>")
}

func TestRenderFormFinished(t *testing.T) {
	page := renderFormPage(t, formFinished())

	for _, want := range []string{
		"<!DOCTYPE html>", "</html>",
		"政务信息公开发布审批单",
		"公开审〔2026〕17号",
		"填表日期：2026年11月28日",
		"综合一股", "王琳",
		"关于开发区2026年第三季度环境空气质量的公告",
		"环境保护",
		"信息形成日期", "2026年11月20日",
		"公开时限", "2026年12月18日前",
		"已公开", "第2版",
		"办理记录", "2026年11月28日 01:30", "提交审批",
		"@page", "A4 portrait", "@media print",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}

	// The serial is printed before the title, i.e. at the top.
	if strings.Index(page, `class="serial">公开审〔2026〕17号<`) < 0 ||
		strings.Index(page, `class="serial"`) > strings.Index(page, "<h1>") {
		t.Errorf("serial is not at the top of the sheet")
	}
	// 承办股室 and 承办人 sit in their cells.
	if !regexp.MustCompile(`>承办股室</th>\s*<td[^>]*>综合一股</td>\s*<th[^>]*>承办人</th>\s*<td[^>]*>王琳</td>`).MatchString(page) {
		t.Errorf("承办股室/承办人 row not as expected")
	}

	// Signature blocks: right signer, decision and date in each, in order.
	blocks := []struct{ id, label, name, decision, date string }{
		{"sign-section", "股室负责人审核（签字）：", "布东方", "同意", "2026年11月28日"},
		{"sign-office", "办公室审核（签字）：", "王坤鹏", "同意并报主要负责人", "2026年11月29日"},
		{"sign-leader", "主要负责人审核（签字）：", "乔世辉", "同意", "2026年12月1日"},
	}
	last := -1
	for _, b := range blocks {
		pos := strings.Index(page, `id="`+b.id+`"`)
		if pos <= last {
			t.Errorf("%s at %d, not after previous block at %d", b.id, pos, last)
		}
		last = pos
		html := formSignBlock(t, page, b.id)
		for _, want := range []string{b.label, ">" + b.name + "<", ">" + b.decision + "<", ">" + b.date + "<"} {
			if !strings.Contains(html, want) {
				t.Errorf("%s lacks %q:\n%s", b.id, want, html)
			}
		}
		if strings.Contains(html, formBlankDate) {
			t.Errorf("%s shows a blank date although signed", b.id)
		}
	}
	if !(strings.Index(page, "股室负责人审核") < strings.Index(page, "办公室审核") &&
		strings.Index(page, "办公室审核") < strings.Index(page, "主要负责人审核")) {
		t.Errorf("signature captions out of order")
	}

	// Summary newlines become <br>.
	if !strings.Contains(page, "第一行：空气质量优良天数比例92%。<br>第二行：PM2.5平均浓度同比下降。") {
		t.Errorf("summary newline not turned into <br>:\n%s", formBetween(t, page, `class="summary">`, "</div>"))
	}
}

func TestRenderFormBoxes(t *testing.T) {
	page := renderFormPage(t, formFinished())

	modes := formBetween(t, page, `class="modes">`, "</td>")
	if n := strings.Count(modes, "☑"); n != 1 {
		t.Errorf("modes: %d ticked, want 1: %s", n, modes)
	}
	if !regexp.MustCompile(`☑</span>主动公开`).MatchString(modes) ||
		!regexp.MustCompile(`☐</span>依申请公开`).MatchString(modes) {
		t.Errorf("wrong mode ticked: %s", modes)
	}

	plats := formBetween(t, page, `class="platforms">`, "</td>")
	if n := strings.Count(plats, "☑"); n != 2 {
		t.Errorf("platforms: %d ticked, want 2: %s", n, plats)
	}
	if n := strings.Count(plats, "☐"); n != 2 {
		t.Errorf("platforms: %d unticked, want 2: %s", n, plats)
	}
	// Fixed order of the paper form, whatever order they were chosen in.
	want := []string{"☑</span>政府网站", "☐</span>政务信息期刊", "☑</span>“双微”公众号", "☐</span>三务公开"}
	last := -1
	for _, w := range want {
		i := strings.Index(plats, w)
		if i < 0 {
			t.Errorf("platforms lack %q: %s", w, plats)
			continue
		}
		if i <= last {
			t.Errorf("platform %q out of order", w)
		}
		last = i
	}

	// 依申请公开 with no platforms: the other box is ticked, none of the platforms.
	v := formFinished()
	v.Mode, v.Deadline, v.Platforms = "依申请公开", time.Time{}, nil
	page = renderFormPage(t, v)
	modes = formBetween(t, page, `class="modes">`, "</td>")
	if !strings.Contains(modes, "☐</span>主动公开") || !strings.Contains(modes, "☑</span>依申请公开") {
		t.Errorf("依申请公开 not ticked: %s", modes)
	}
	if plats := formBetween(t, page, `class="platforms">`, "</td>"); strings.Contains(plats, "☑") {
		t.Errorf("platform ticked although none chosen: %s", plats)
	}
	if !strings.Contains(page, "不适用（依申请公开）") {
		t.Errorf("deadline for 依申请公开 not shown as 不适用")
	}

	// Linked to its application, the deadline is the reply deadline.
	v.Application, v.Deadline = "依申请〔2026〕5号", formUTC(2026, 12, 29, 15, 59) // 23:59 in Shanghai
	page = renderFormPage(t, v)
	if !strings.Contains(page, ">答复期限 2026年12月29日<") || strings.Contains(page, "不适用（依申请公开）") {
		t.Errorf("the linked form's deadline is not the application's reply deadline")
	}
	if modes := formBetween(t, page, `class="modes">`, "</td>"); !strings.Contains(modes, `☑</span>依申请公开<span class="note-in">（申请编号：依申请〔2026〕5号）</span>`) {
		t.Errorf("the application's number is not by the 依申请公开 box: %s", modes)
	}
	v.Deadline = time.Time{} // the applicant's 补正 is awaited
	if page = renderFormPage(t, v); !strings.Contains(page, ">答复期限待定（待申请人补正）<") {
		t.Errorf("the linked form without a reply deadline does not say it is pending")
	}
}

func TestRenderFormPlatformSpellings(t *testing.T) {
	v := formFinished()
	v.Platforms = []string{`"双微"公众号`, " 三务公开 ", "三务公开", "部门公示栏"}
	plats := formBetween(t, renderFormPage(t, v), `class="platforms">`, "</td>")
	for _, w := range []string{"☐</span>政府网站", "☐</span>政务信息期刊", "☑</span>“双微”公众号", "☑</span>三务公开", "☑</span>部门公示栏"} {
		if !strings.Contains(plats, w) {
			t.Errorf("platforms lack %q: %s", w, plats)
		}
	}
	if n := strings.Count(plats, "☑"); n != 3 {
		t.Errorf("%d ticked, want 3: %s", n, plats)
	}
}

func TestRenderFormUnsigned(t *testing.T) {
	v := formFinished()
	v.State = "审核中"
	v.Signatures[1] = Signature{}
	v.Signatures[2] = Signature{}
	page := renderFormPage(t, v)

	leader := formSignBlock(t, page, "sign-leader")
	if !strings.Contains(leader, ">"+formBlankDate+"<") {
		t.Errorf("unsigned leader block lacks blank date:\n%s", leader)
	}
	if strings.Contains(leader, "2026年") {
		t.Errorf("unsigned leader block shows a date:\n%s", leader)
	}
	if !strings.Contains(formSignBlock(t, page, "sign-office"), ">"+formBlankDate+"<") {
		t.Errorf("unsigned office block lacks blank date")
	}
	if !strings.Contains(formSignBlock(t, page, "sign-section"), ">2026年11月28日<") {
		t.Errorf("signed section block lost its date")
	}

	// Not applicable: the leader block says so.
	v.Signatures[2] = Signature{Decision: "不适用"}
	if leader := formSignBlock(t, renderFormPage(t, v), "sign-leader"); !strings.Contains(leader, ">不适用<") {
		t.Errorf("leader block lacks 不适用:\n%s", leader)
	}

	// A blank form still renders, with blank dates.
	page = renderFormPage(t, FormView{})
	if !strings.Contains(page, "填表日期："+formBlankDate) || strings.Contains(page, "☑") {
		t.Errorf("empty form not blank")
	}
}

func TestRenderFormRejected(t *testing.T) {
	v := formFinished()
	v.State = "已驳回"
	v.Signatures[1] = Signature{Name: "王坤鹏", Decision: "驳回", Reason: "数据来源未注明", At: formUTC(2026, 11, 29, 3, 0)}
	v.Signatures[2] = Signature{}
	office := formSignBlock(t, renderFormPage(t, v), "sign-office")
	for _, want := range []string{">王坤鹏<", ">驳回<", "驳回理由：数据来源未注明", ">2026年11月29日<"} {
		if !strings.Contains(office, want) {
			t.Errorf("office block lacks %q:\n%s", want, office)
		}
	}
}

func TestRenderFormEscapes(t *testing.T) {
	const evil = `<script>alert(1)</script>`
	v := formFinished()
	v.Serial = evil
	v.Section = evil
	v.Submitter = evil
	v.Title = evil
	v.Summary = evil + "\n" + `<img src=x onerror=alert(2)>`
	v.Mode = evil
	v.Column = evil
	v.Platforms = []string{evil}
	v.State = evil
	v.Signatures[0] = Signature{Name: evil, Decision: "驳回", Reason: evil, At: formUTC(2026, 11, 28, 2, 0)}
	v.Signatures[2] = Signature{Name: evil, Decision: evil}
	v.History = []HistoryLine{{Who: evil, What: `"><b onclick=x>`}}
	page := renderFormPage(t, v)

	for _, bad := range []string{"<script", "<img", "<b onclick"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains unescaped %q", bad)
		}
	}
	if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("escaped title not found")
	}
	// The summary's own line break is still a <br>.
	if !strings.Contains(page, "&lt;/script&gt;<br>&lt;img") {
		t.Errorf("summary line break lost while escaping")
	}
}

func TestRenderFormShanghaiDates(t *testing.T) {
	// 2026-11-27 23:59 in Shanghai, given in New York time.
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	v := FormView{FiledOn: time.Date(2026, 11, 27, 10, 59, 0, 0, ny)}
	if page := renderFormPage(t, v); !strings.Contains(page, "填表日期：2026年11月27日") {
		t.Errorf("filing date not in Asia/Shanghai")
	}
}

func TestRenderFormToFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "form.html")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := RenderForm(f, formFinished()); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if !strings.HasPrefix(s, "<!DOCTYPE html>") || !strings.Contains(s, "政务信息公开发布审批单") ||
		!strings.Contains(s, `<meta charset="utf-8">`) {
		t.Errorf("file is not a complete page")
	}
	// Self-contained: no external assets or scripts.
	for _, bad := range []string{"<script", "<link", "src=", "http://", "https://"} {
		if strings.Contains(s, bad) {
			t.Errorf("page references %q", bad)
		}
	}
}

type formFailWriter struct{}

func (formFailWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRenderFormWriteError(t *testing.T) {
	if err := RenderForm(formFailWriter{}, formFinished()); err == nil {
		t.Fatal("want the writer's error")
	}
}

// The office's 保密审查 is in the office block: alone after a 同意, before
// the reason after a 驳回.
func TestRenderFormSecrecyReviewInOfficeBlock(t *testing.T) {
	v := formFinished()
	office := formBetween(t, renderFormPage(t, v), `id="sign-office"`, `</td>`)
	if !strings.Contains(office, "保密审查："+formReview) || strings.Contains(office, "rejected") {
		t.Errorf("office block after 同意:\n%s", office)
	}
	v.Signatures[1] = Signature{Name: "王坤鹏", Decision: "驳回", Reason: "附件含个人身份证号码。", At: formUTC(2026, 11, 29, 3, 0), Review: "发现问题，未予通过。"}
	office = formBetween(t, renderFormPage(t, v), `id="sign-office"`, `</td>`)
	if !strings.Contains(office, "保密审查：发现问题，未予通过。驳回理由：附件含个人身份证号码。") {
		t.Errorf("office block after 驳回:\n%s", office)
	}
	if section := formBetween(t, renderFormPage(t, v), `id="sign-section"`, `</td>`); strings.Contains(section, "保密审查") {
		t.Errorf("the section block shows a 保密审查:\n%s", section)
	}
}
