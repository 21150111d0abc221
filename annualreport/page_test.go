package annualreport

import (
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/workflow"
)

// TestPageShowsProblemsOnScreen: while the checks find problems, the page
// lists them at the top in a block the print CSS hides; the office's text
// is escaped, one paragraph a line.
func TestPageShowsProblemsOnScreen(t *testing.T) {
	t.Parallel()
	r := &Report{Year: 2026, Tables: Tables{T2: workflow.TableTwo(nil, nil), T3: workflow.NewTable3(), T4: workflow.Table4{}}}
	r.T3.New[0], r.T3.New[workflow.Table3Total] = 1, 1
	r.Problems = Check(r.Tables)
	r.sections(nil)
	r.Sections[4].Text, r.Sections[4].Draft = "第一段<b>。\n\n第二段。", false
	var b strings.Builder
	if err := RenderHTML(&b, r, PageInfo{Bureau: "某区分局", Generated: time.Date(2027, 1, 5, 1, 0, 0, 0, time.UTC), Loc: time.UTC}); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, s := range []string{`<div class="screen checks" role="alert">`, "校验未通过（2项）", "<li>表三 自然人：一 &#43; 二 = 1，三（七） &#43; 四 = 0</li>",
		"@media print {\n  .screen { display: none !important; }", "<p>第一段&lt;b&gt;。</p>\n<p>第二段。</p>",
		"仍为系统生成的草稿，请审阅修改：一、总体情况；六、其他需要报告的事项。"} {
		if !strings.Contains(html, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	if len(r.Problems) != 2 {
		t.Errorf("problems %q", r.Problems)
	}
}

// TestRenderBody: the desk's embedding has the printable page's layout
// (its style, scoped, and its sections with their ids and draft marks) but
// no page around it, nor the banners and link line the desk shows itself.
func TestRenderBody(t *testing.T) {
	t.Parallel()
	r := &Report{Year: 2026, Tables: Tables{T2: workflow.TableTwo(nil, nil), T3: workflow.NewTable3(), T4: workflow.Table4{}}}
	r.T3.New[0], r.T3.New[workflow.Table3Total] = 1, 1
	r.Problems = Check(r.Tables)
	r.sections(nil)
	var b strings.Builder
	if err := RenderBody(&b, r, PageInfo{Bureau: "某区分局", Generated: time.Date(2027, 1, 5, 1, 0, 0, 0, time.UTC), Loc: time.UTC, Embedded: true}); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, s := range []string{"<style>\n.annual-report {", `<div class="annual-report">`, "<h1>某区分局2026年政府信息公开工作年度报告</h1>",
		`<section id="report-五">`, `<h2>五、存在的主要问题及改进情况<span class="screen mark">草稿</span></h2>`, `<table class="t3">`} {
		if !strings.Contains(html, s) {
			t.Errorf("body lacks %q", s)
		}
	}
	for _, s := range []string{"<html", "<body", `class="screen checks"`, "仍为系统生成的草稿", "打印请用浏览器"} {
		if strings.Contains(html, s) {
			t.Errorf("body has %q", s)
		}
	}
	var page strings.Builder
	if err := RenderHTML(&page, r, PageInfo{Embedded: true, Loc: time.UTC}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), `<main class="annual-report">`) || !strings.Contains(page.String(), "打印请用浏览器") {
		t.Error("the printable page is not the whole page whatever Embedded says")
	}
}

func TestTextProblem(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]string{
		"第一段。\n\n\t第二段。":           "",
		"":                         "文本为空",
		"第一段\x00。":                 "控制字符",
		"\xff":                     "UTF-8",
		strings.Repeat("字", 20001): "超过20000字",
		strings.Repeat("字", 20000): "",
		"换页\f":                     "控制字符",
		"有表情😀的文字":                  "表情",
	} {
		if got := TextProblem(body); (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("TextProblem(%.20q) = %q, want %q", body, got, want)
		}
	}
}
