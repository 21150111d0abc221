package record

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/zwgk-bot/zwgk/textfit"
)

// cut returns the first n characters of s repeated as often as needed.
func cut(s string, n int) string {
	r := []rune(strings.Repeat(s, n/utf8.RuneCountInString(s)+1))
	return string(r[:n])
}

func flat(lines []string) string { return strings.Join(strings.Fields(strings.Join(lines, "")), "") }

var beijing = time.FixedZone("CST", 8*60*60)

// sample is a record as a 不予公开 case leaves it, after a 驳回.
func sample() Record {
	at := func(d, hm string) time.Time {
		t, err := time.ParseInLocation("2006-01-02 15:04", d+" "+hm, beijing)
		if err != nil {
			panic(err)
		}
		return t
	}
	return Record{
		Bureau: "某市生态环境局某区分局", Number: "依申请〔2026〕5号", State: "已办结", Round: 2, Location: beijing,
		Applicant: "张三（自然人）", IDNo: "11010519491231002X", Phone: "13800138000", Address: "某区环保路1号",
		Received: "2026年11月27日（当面，以当面提交之日为准）", ProvideForm: "电子", Handling: "综合一股 李娜", Registrar: "林晓燕",
		Content:       "2025年度某工业园区环境影响评价文件及批复。",
		Clock:         "2027年1月15日（自2026年12月3日收到补正之日起重新计算20个工作日，延期10个工作日）",
		Supplement:    "2026年11月30日告知补正，补正期限2026年12月21日；2026年12月3日收到补正。\n补正事项：1. 请补充所需信息的文号。",
		Consultations: "某化工有限公司（第三方）：2026年12月4日发出，2026年12月8日答复，意见：不同意公开。",
		Extension:     "延长10个工作日，理由：需征求第三方意见后综合研判；陈立新于2026年12月15日同意。",
		Outcome:       "不予公开（保护第三方合法权益）",
		ReplyText:     "您申请的信息涉及第三方商业秘密，经征求意见，第三方不同意公开。",
		ReplyBasis:    "《中华人民共和国政府信息公开条例》第十五条",
		Delivery:      "2026年12月30日邮寄送达，邮件单号 1234567890123，按期答复",
		Signatures: [3]Signature{
			{Name: "张伟", Decision: "同意", At: at("2026-12-28", "09:30")},
			{Name: "林晓燕", Decision: "同意", Review: "已审查国家秘密、商业秘密、个人隐私，不予公开，依据：《中华人民共和国政府信息公开条例》第十五条。", At: at("2026-12-28", "10:05")},
			{Name: "周振华", Decision: "同意", At: at("2026-12-28", "15:40")},
		},
		Rejections: []Rejection{{Round: 1, Stage: "股室负责人审核", Name: "张伟", At: at("2026-12-24", "16:00"), Reason: "请写明征求意见的时间。"}},
		History: []HistoryLine{
			{At: at("2026-11-27", "09:00"), Who: "林晓燕", What: "登记申请（当面）。"},
			{At: at("2026-12-24", "16:00"), Who: "张伟", What: "股室负责人审核：驳回，理由：请写明征求意见的时间。"},
		},
	}
}

func render(t *testing.T, r Record) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// With every box full, the first page is still one A4 sheet.
func TestWorstCaseFitsOnePage(t *testing.T) {
	t.Parallel()
	if h := geo.worstHeight(); h > geo.PageH-2 {
		t.Fatalf("the first page with every box full is %.1f mm, A4 is %.0f mm", h, geo.PageH)
	}
}

// What a box cannot hold continues on the 续页, every character of it, in
// order, for any length and cut.
func TestFitKeepsEveryCharacter(t *testing.T) {
	t.Parallel()
	text := "您申请的信息涉及第三方商业秘密（PM2.5、COD），经征求意见，第三方不同意公开。https://www.example.gov.cn/zwgk/2026/notice-0917.html\n第二段。"
	for _, n := range []int{1, 2, 3, 6} {
		for _, size := range []int{1, 20, 41, 42, 43, 90, 300, 3000} {
			s := cut(text, size)
			head, rest := fit(s, geo.valueWidth(true), n)
			if got, want := flat(head)+flat(rest), strings.Join(strings.Fields(s), ""); got != want {
				t.Fatalf("n=%d size=%d: lost text\n got %q\nwant %q", n, size, got, want)
			}
			lines := len(textfit.Wrap(strings.Join(head, "\n"), ems(geo.valueWidth(true), geo.TextPt)))
			if rest == nil && lines > n || rest != nil && lines > n-1 {
				t.Fatalf("n=%d size=%d: the box holds %d lines", n, size, lines)
			}
			if rest != nil && strings.ContainsRune(textfit.ClosingPunct, []rune(rest[0])[0]) {
				t.Fatalf("n=%d size=%d: the 续页 opens with %q", n, size, rest[0])
			}
		}
	}
}

func TestRenderShortRecord(t *testing.T) {
	t.Parallel()
	r := sample()
	r.Content = "<script>alert(1)</script>环评批复"
	page := render(t, r)
	for _, want := range []string{
		"<h1>政府信息公开申请办理审批表</h1>", "某市生态环境局某区分局", "编号：依申请〔2026〕5号",
		"11010519491231002X", "13800138000", "股室负责人审核意见：", "办公室审核意见：", "主要负责人审核意见：",
		"保密审查：已审查国家秘密、商业秘密、个人隐私", "2026年12月28日 15:40", "第2次报审",
		"第1次报审　股室负责人审核　张伟　驳回，理由：请写明征求意见的时间。", "&lt;script&gt;",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, `id="continuation"`) || strings.Contains(page, "<script>alert") {
		t.Errorf("a short record has a 续页, or the content was not escaped")
	}
}

func TestRenderContinuation(t *testing.T) {
	t.Parallel()
	r := sample()
	long := cut("本机关经审查认为，您申请公开的信息涉及第三方的商业秘密，包括企业的生产工艺、原辅材料用量及供应商信息。", 1500)
	r.ReplyText = long
	r.Signatures[1].Review = "已审查国家秘密、商业秘密、个人隐私，不予公开，依据：" + cut("《中华人民共和国政府信息公开条例》第十五条、", 180)
	r.Signatures[2] = Signature{Decision: "不适用"}
	p := newPage(r)
	if !p.ReplyText.More || len(p.Cont) != 2 || p.Cont[0].Label != "拟答复内容（续）" || p.Cont[1].Label != "办公室审核意见（续）" {
		t.Fatalf("continuation %+v", p.Cont)
	}
	if got := flat(p.ReplyText.Lines) + flat(p.Cont[0].Lines); got != long {
		t.Fatalf("the reply text is not whole across the pages")
	}
	if !p.Signs[1].More || !strings.Contains(flat(p.Cont[1].Lines), "第十五条、《中华") || p.Cont[1].Head != "林晓燕　同意　2026年12月28日 10:05" {
		t.Fatalf("office block %+v / %+v", p.Signs[1], p.Cont[1])
	}
	if s := p.Signs[2]; !s.NotApplied || s.Blank || s.At != "" {
		t.Fatalf("a stage that did not apply: %+v", s)
	}
	page := render(t, r)
	for _, want := range []string{`id="continuation"`, "（未完，接续页）", "（全文见续页）", "政府信息公开申请办理审批表（续页）"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

// A stage nobody has decided yet leaves its date to be filled in.
func TestRenderUndecided(t *testing.T) {
	t.Parallel()
	r := sample()
	r.Signatures = [3]Signature{{Name: "张伟", Decision: "驳回", Reason: "请写明征求意见的时间。", At: time.Date(2026, 12, 24, 8, 0, 0, 0, time.UTC)}}
	p := newPage(r)
	if s := p.Signs[0]; !s.Rejected || s.At != "2026年12月24日 16:00" || flat(s.Lines) != "驳回理由：请写明征求意见的时间。" {
		t.Fatalf("the 驳回 block %+v", s)
	}
	if s := p.Signs[1]; !s.Blank || s.At != blankDate {
		t.Fatalf("an undecided block %+v", s)
	}
}
