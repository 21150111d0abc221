package letters

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/workflow"
)

// day is a civil date as the calendar gives due dates: the end of the day
// in Asia/Shanghai.
func day(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 23, 59, 59, 0, location())
}

const (
	register = "依申请〔2026〕5号"
	bureau   = "通辽市生态环境局经济技术开发区分局"
	request  = "2026年第三季度开发区重点排污单位监督性监测报告（含监测点位、监测时间和超标情况）。"
)

// base is a letter with every common field, of kind k.
func base(k Kind) Letter {
	return Letter{
		Kind:      k,
		Bureau:    bureau,
		Register:  register,
		Number:    "开环公开〔2026〕12号",
		Date:      day(2026, 12, 7),
		Contact:   Contact{Person: "王琳", Phone: "0475-8123456", Address: "通辽市经济技术开发区辽河大街1号"},
		Applicant: "李明",
		Received:  day(2026, 12, 1),
		Channel:   workflow.ChannelPost,
		Request:   request,
		Form:      workflow.ProvideElectronic,
		Due:       day(2026, 12, 29),
		Remedy:    Remedy{ReviewBody: "通辽市人民政府", Court: "通辽市科尔沁区人民法院"},
	}
}

// sample is a complete letter of kind k (a 予以公开 reply for KindReply).
func sample(k Kind) Letter {
	l := base(k)
	switch k {
	case KindSupplement:
		l.Supplement = Supplement{Items: []string{"请明确所需监测报告的具体企业名称。", "请说明所需信息的时间范围。"}, Deadline: day(2026, 12, 21)}
	case KindExtension:
		l.Extension = Extension{Days: 15, NewDue: day(2027, 1, 20), Reason: "所申请信息涉及多家企业的监测数据，需要逐一核对"}
	case KindConsultParty:
		l.Consult = Consult{To: "通辽市某化工有限公司", Asked: "上述监测报告中涉及贵公司生产工艺的内容是否属于商业秘密，是否同意公开。", Deadline: day(2026, 12, 28)}
	case KindConsultAgency:
		l.Consult = Consult{To: "通辽市经济技术开发区管理委员会", Asked: "上述报告由本机关与贵单位联合制作，是否同意公开。", Deadline: day(2026, 12, 28)}
	case KindReply:
		l.Reply = Reply{Outcome: workflow.OutcomeDisclose, Provided: []string{"《2026年第三季度开发区重点排污单位监督性监测报告》"}}
	}
	return l
}

// reply is a complete 答复书 of outcome o and reason r.
func reply(o workflow.Outcome, r workflow.Reason) Letter {
	l := sample(KindReply)
	l.Reply = Reply{Outcome: o, Reason: r, Explanation: "经审查，本机关依照《条例》的规定对您申请的信息逐项进行了检索和审查"}
	switch o {
	case workflow.OutcomeDisclose:
		l.Reply.Explanation = ""
		l.Reply.Provided = []string{"《2026年第三季度开发区重点排污单位监督性监测报告》"}
		l.Reply.Published = []string{"通辽市人民政府网站“政府信息公开—环境保护”栏目，网址：https://www.tongliao.gov.cn/zwgk/hjbh/2026/notice-1017.html"}
	case workflow.OutcomePartial:
		l.Reply.Provided = []string{"监测报告正文（已删去企业生产工艺部分）"}
		l.Reply.Withheld = []Withheld{{Content: "报告附件三“企业生产工艺说明”", Reason: workflow.ReasonThirdParty, Explanation: "经征求第三方意见，该企业不同意公开且理由合理"}}
	}
	switch r {
	case workflow.ReasonLawForbids:
		l.Reply.Basis = "《中华人民共和国统计法》第三十九条"
	case workflow.ReasonOther:
		l.Reply.Basis = "《中华人民共和国政府信息公开条例》第三十条"
	case workflow.ReasonNotHeld:
		l.Reply.OtherAgency = "通辽市生态环境局"
		l.Reply.OtherContact = "0475-8211111"
	case workflow.ReasonPetition:
		l.Reply.Redirect = "拨打12369环保举报热线或者登录生态环境部12369环保举报联网管理平台"
	case workflow.ReasonPublication:
		l.Reply.Redirect = "该年鉴可在通辽市图书馆查阅"
	case workflow.ReasonRepeat, workflow.ReasonStillUnclear:
		l.Reply.Earlier = Ref{Number: "开环公开答〔2026〕3号", Date: day(2026, 11, 20)}
	case workflow.ReasonNoSupplement, workflow.ReasonNoFee:
		l.Reply.Earlier = Ref{Number: "开环公开补〔2026〕2号", Date: day(2026, 11, 20), Due: day(2026, 12, 4)}
	}
	return l
}

func render(t *testing.T, l Letter) string {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, l); err != nil {
		t.Fatalf("Render: %v", err)
	}
	return b.String()
}

// text is the page's text as a reader sees it: tags dropped (a <br> too),
// entities decoded, no whitespace, the <style> and <title> left out.
func text(page string) string {
	page = regexp.MustCompile(`(?s)<head>.*</head>`).ReplaceAllString(page, "")
	page = regexp.MustCompile(`<[^>]*>`).ReplaceAllString(page, "")
	return strings.Join(strings.Fields(html.UnescapeString(page)), "")
}

// undatedYear finds a date printed without its year: 12月5日 not preceded
// by 2026年.
var undatedYear = regexp.MustCompile(`(^|[^年\d])\d{1,2}月\d{1,2}日`)

// The two remedy clauses, by a phrase only each has.
const (
	priorReview = "应当先自收到本答复书之日起60日内向通辽市人民政府申请行政复议；对行政复议决定不服的，可以自收到行政复议决定书之日起15日内，依法向通辽市科尔沁区人民法院提起行政诉讼。"
	ordinary    = "可以自收到本答复书之日起60日内向通辽市人民政府申请行政复议，也可以自收到本答复书之日起6个月内向通辽市科尔沁区人民法院提起行政诉讼。"
)

// common checks what every letter prints.
func common(t *testing.T, page, title string) string {
	t.Helper()
	txt := text(page)
	for _, want := range []string{title, register, bureau, "2026年12月7日", "（印章）", "开环公开〔2026〕12号"} {
		if !strings.Contains(txt, want) {
			t.Errorf("lacks %q", want)
		}
	}
	if m := undatedYear.FindString(txt); m != "" {
		t.Errorf("a date without its year: %q", m)
	}
	if !strings.Contains(page, "<title>"+title) {
		t.Errorf("the page's <title> is not %s", title)
	}
	for _, bad := range []string{"<link", "<script", "src=", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("the page is not self-contained: it has %q", bad)
		}
	}
	if !strings.Contains(page, "size: A4 portrait") {
		t.Errorf("no A4 page size")
	}
	return txt
}

func TestLetterKinds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		kind  Kind
		title string
		want  []string
	}{
		{KindReceipt, "政府信息公开申请接收回执", []string{"李明：", "本机关于2026年12月1日收到您（单位）通过邮寄方式提交的政府信息公开申请，登记号为依申请〔2026〕5号。", "以本机关签收之日为收到申请之日", "第三十一条", request, "电子", "一、申请公开的政府信息：" + request, "二、获取信息的方式：电子。", "三、答复期限：本机关将于2026年12月29日前作出答复", "联系电话：0475-8123456", "特此回执。"}},
		{KindSupplement, "政府信息公开申请补正告知书", []string{"李明：", "第三十条", "一次性告知", "1．请明确所需监测报告的具体企业名称。", "2．请说明所需信息的时间范围。", "2026年12月21日前", "答复期限自本机关收到补正的申请之日起重新计算", "视为放弃申请", "不再处理"}},
		{KindExtension, "政府信息公开申请延期答复告知书", []string{"李明：", "第三十三条第二款", "原应于2026年12月29日前", "延长15个工作日", "2027年1月20日前作出答复", "需要逐一核对。", "政府信息公开工作机构负责人同意"}},
		{KindConsultParty, "政府信息公开征求第三方意见书", []string{"通辽市某化工有限公司：", "李明", request, "第三十二条", "自收到本意见书之日起15个工作日内书面提出", "由本机关依照《条例》的规定决定是否公开", "是否属于商业秘密"}},
		{KindConsultAgency, "政府信息公开征求意见书", []string{"通辽市经济技术开发区管理委员会：", "第三十四条", "自收到本意见书之日起15个工作日内提出意见", "逾期未提出意见的，视为同意公开"}},
	}
	for _, c := range cases {
		t.Run(string(c.kind), func(t *testing.T) {
			t.Parallel()
			txt := common(t, render(t, sample(c.kind)), c.title)
			for _, w := range c.want {
				if !strings.Contains(txt, w) {
					t.Errorf("lacks %q", w)
				}
			}
			// The remedy clause is for replies only: the process letters
			// decide nothing the applicant could contest.
			if strings.Contains(txt, "行政复议") || strings.Contains(txt, "行政诉讼") {
				t.Errorf("a %s carries a remedy clause", c.kind)
			}
			if c.kind == KindConsultParty || c.kind == KindConsultAgency {
				if strings.Contains(txt, "李明：") {
					t.Errorf("a 征求意见书 is addressed to the applicant")
				}
			}
		})
	}
}

// The articles each reply must cite, by reason (and for the outcomes
// without one).
var replyWants = map[workflow.Reason][]string{
	workflow.ReasonStateSecret:   {"依法确定为国家秘密", "第十四条、第三十六条第（三）项", "决定不予公开"},
	workflow.ReasonLawForbids:    {"法律、行政法规禁止公开", "《中华人民共和国统计法》第三十九条和《中华人民共和国政府信息公开条例》（以下简称《条例》）第十四条、第三十六条第（三）项"},
	workflow.ReasonSecurity:      {"国家安全、公共安全、经济安全、社会稳定", "第十四条、第三十六条第（三）项"},
	workflow.ReasonThirdParty:    {"第三方合法权益", "第十五条、第三十六条第（三）项"},
	workflow.ReasonInternal:      {"内部事务信息", "第十六条第一款、第三十六条第（三）项"},
	workflow.ReasonProcess:       {"过程性信息", "第十六条第二款、第三十六条第（三）项"},
	workflow.ReasonCaseFile:      {"行政执法案卷信息", "第十六条第二款、第三十六条第（三）项"},
	workflow.ReasonQuery:         {"行政查询事项", "第三十六条第（七）项"},
	workflow.ReasonNotHeld:       {"不属于本机关负责公开", "第三十六条第（五）项", "通辽市生态环境局", "0475-8211111"},
	workflow.ReasonNeedsCreating: {"加工、分析", "第三十八条", "不予提供"},
	workflow.ReasonStillUnclear:  {"补正后的申请内容仍不明确", "2026年11月20日", "第二十九条第二款第（二）项、第三十条"},
	workflow.ReasonPetition:      {"信访、投诉、举报", "第三十九条第一款", "不作为政府信息公开申请处理", "12369"},
	workflow.ReasonRepeat:        {"2026年11月20日", "开环公开答〔2026〕3号", "第三十六条第（六）项", "不予重复处理"},
	workflow.ReasonPublication:   {"公开出版物", "第三十九条第二款", "通辽市图书馆"},
	workflow.ReasonExcessive:     {"数量、频次明显超过合理范围", "第三十五条", "不予处理"},
	workflow.ReasonConfirm:       {"确认", "重新出具", "第二条", "不予处理"},
	workflow.ReasonNoSupplement:  {"2026年11月20日", "2026年12月4日前作出补正", "逾期未补正", "第三十条", "视为您放弃申请"},
	workflow.ReasonNoFee:         {"收费通知", "2026年12月4日前缴纳信息处理费", "第四十二条", "《政府信息公开信息处理费管理办法》", "视为您放弃申请"},
	workflow.ReasonOther:         {"本机关依据《中华人民共和国政府信息公开条例》第三十条作出上述处理。"},
	"":                           nil,
}

func TestReplies(t *testing.T) {
	t.Parallel()
	for _, o := range workflow.Outcomes() {
		reasons := workflow.Reasons(o)
		if len(reasons) == 0 {
			reasons = []workflow.Reason{""}
		}
		for _, r := range reasons {
			t.Run(string(o)+"/"+string(r), func(t *testing.T) {
				t.Parallel()
				txt := common(t, render(t, reply(o, r)), "政府信息公开申请答复书")
				wants, ok := replyWants[r]
				if !ok {
					t.Fatalf("no expectations for reason %q: add them", r)
				}
				switch o {
				case workflow.OutcomeDisclose:
					wants = []string{"第三十六条第（一）项", "第三十六条第（二）项", "以电子形式随本答复书向您提供", "notice-1017.html", "《2026年第三季度开发区重点排污单位监督性监测报告》"}
				case workflow.OutcomePartial:
					wants = []string{"第三十七条", "区分处理", "一、予以公开的内容", "二、不予公开的内容及理由", "已删去企业生产工艺部分", "1．报告附件三“企业生产工艺说明”。经征求第三方意见，该企业不同意公开且理由合理。涉及商业秘密、个人隐私等，公开会对第三方合法权益造成损害，根据《条例》第十五条、第三十六条第（三）项的规定，该部分内容不予公开。"}
				}
				for _, w := range append(wants, "李明：", "2026年12月1日收到", request, "特此答复。") {
					if !strings.Contains(txt, w) {
						t.Errorf("lacks %q", w)
					}
				}
				// The 条例 is named in full once, as 《条例》 after.
				if n := strings.Count(txt, "《中华人民共和国政府信息公开条例》（以下简称《条例》）"); n != 1 && r != workflow.ReasonOther {
					t.Errorf("the 条例 is introduced %d times", n)
				}
				prior := o == workflow.OutcomeWithhold || o == workflow.OutcomePartial
				if PriorReview(o) != prior {
					t.Errorf("PriorReview(%s) = %v", o, PriorReview(o))
				}
				switch {
				case prior && (!strings.Contains(txt, priorReview) || !strings.Contains(txt, "第二十三条第一款第（四）项")):
					t.Errorf("%s lacks the 复议前置 clause:\n%s", o.Label(), txt)
				case prior && strings.Contains(txt, ordinary):
					t.Errorf("%s offers a direct suit", o.Label())
				case !prior && !strings.Contains(txt, ordinary):
					t.Errorf("%s lacks the ordinary remedy clause:\n%s", o.Label(), txt)
				case !prior && strings.Contains(txt, "应当先"):
					t.Errorf("%s requires 复议前置", o.Label())
				}
				// The remedy comes after the answer and before the closing.
				if i, j := strings.Index(txt, "如对本答复不服"), strings.Index(txt, "特此答复。"); i < 0 || j < i {
					t.Errorf("remedy at %d, closing at %d", i, j)
				}
			})
		}
	}
}

func TestRemedyBodiesAreInputs(t *testing.T) {
	t.Parallel()
	l := reply(workflow.OutcomeWithhold, workflow.ReasonProcess)
	l.Remedy = Remedy{ReviewBody: "某某市人民政府", Court: "某某区人民法院"}
	txt := text(render(t, l))
	if !strings.Contains(txt, "向某某市人民政府申请行政复议") || !strings.Contains(txt, "向某某区人民法院提起行政诉讼") {
		t.Errorf("the remedy does not name the configured bodies:\n%s", txt)
	}
	if strings.Contains(txt, "通辽市人民政府申请") || strings.Contains(txt, "科尔沁区人民法院") {
		t.Errorf("a default body is printed")
	}
}

func TestHostileInputIsEscaped(t *testing.T) {
	t.Parallel()
	evil := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) {
			t.Parallel()
			l := sample(k)
			if k == KindReply {
				l = reply(workflow.OutcomePartial, "")
				l.Reply.Withheld[0].Content = evil
				l.Reply.Provided = []string{evil}
				l.Reply.Explanation = evil
			}
			l.Applicant, l.Request, l.Bureau, l.Number, l.Contact.Phone = evil, evil, evil, evil, evil
			l.Remedy.Court = evil
			l.Supplement.Items = append(l.Supplement.Items, evil)
			l.Extension.Reason = evil
			l.Consult.To, l.Consult.Asked = evil, evil
			page := render(t, l)
			for _, bad := range []string{"<script", "<img"} {
				if strings.Contains(page, bad) {
					t.Errorf("%q is not escaped", bad)
				}
			}
			if !strings.Contains(page, "&lt;script&gt;") {
				t.Errorf("the hostile text is not printed escaped")
			}
		})
	}
}

func TestRenderRefusesIncompleteLetters(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		change func(l *Letter)
		want   error
		field  string
	}{
		{"no register", func(l *Letter) { l.Register = " " }, ErrMissing, "Register"},
		{"no date", func(l *Letter) { l.Date = time.Time{} }, ErrMissing, "Date"},
		{"no bureau", func(l *Letter) { l.Bureau = "" }, ErrMissing, "Bureau"},
		{"receipt without phone", func(l *Letter) { l.Kind = KindReceipt; l.Contact.Phone = "" }, ErrMissing, "Contact.Phone"},
		{"receipt bad channel", func(l *Letter) { l.Kind = KindReceipt; l.Channel = "飞鸽" }, ErrInvalid, "Channel"},
		{"supplement no items", func(l *Letter) { *l = sample(KindSupplement); l.Supplement.Items = nil }, ErrMissing, "Supplement.Items"},
		{"supplement deadline past", func(l *Letter) { *l = sample(KindSupplement); l.Supplement.Deadline = l.Date }, ErrInvalid, "Supplement.Deadline"},
		{"extension 21 days", func(l *Letter) { *l = sample(KindExtension); l.Extension.Days = 21 }, ErrInvalid, "Extension.Days"},
		{"extension earlier", func(l *Letter) { *l = sample(KindExtension); l.Extension.NewDue = l.Due }, ErrInvalid, "Extension.NewDue"},
		{"consult no deadline", func(l *Letter) { *l = sample(KindConsultParty); l.Consult.Deadline = time.Time{} }, ErrMissing, "Consult.Deadline"},
		{"reply no court", func(l *Letter) { l.Remedy.Court = "" }, ErrMissing, "Remedy.Court"},
		{"reply wrong reason", func(l *Letter) {
			*l = reply(workflow.OutcomeWithhold, workflow.ReasonProcess)
			l.Reply.Reason = workflow.ReasonRepeat
		}, ErrInvalid, "Reply.Reason"},
		{"withhold no explanation", func(l *Letter) {
			*l = reply(workflow.OutcomeWithhold, workflow.ReasonProcess)
			l.Reply.Explanation = ""
		}, ErrMissing, "Reply.Explanation"},
		{"law forbids without the law", func(l *Letter) {
			*l = reply(workflow.OutcomeWithhold, workflow.ReasonLawForbids)
			l.Reply.Basis = ""
		}, ErrMissing, "Reply.Basis"},
		{"partial withholding nothing", func(l *Letter) {
			*l = reply(workflow.OutcomePartial, "")
			l.Reply.Withheld = nil
		}, ErrMissing, "Reply.Withheld"},
		{"disclose nothing", func(l *Letter) {
			*l = reply(workflow.OutcomeDisclose, "")
			l.Reply.Provided, l.Reply.Published = nil, nil
		}, ErrMissing, "Reply.Provided"},
		{"unknown kind", func(l *Letter) { l.Kind = "memo" }, ErrInvalid, "Kind"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			l := sample(KindReply)
			c.change(&l)
			var b bytes.Buffer
			err := Render(&b, l)
			if !errors.Is(err, c.want) || !strings.Contains(fmt.Sprint(err), c.field) {
				t.Errorf("err = %v, want %v naming %s", err, c.want, c.field)
			}
			if b.Len() != 0 {
				t.Errorf("wrote %d bytes of a refused letter", b.Len())
			}
		})
	}
}

func TestNumberIsOptional(t *testing.T) {
	t.Parallel()
	l := sample(KindReceipt)
	l.Number = ""
	page := render(t, l)
	if strings.Contains(page, `class="number"`) {
		t.Errorf("an empty 文号 line is printed")
	}
}
