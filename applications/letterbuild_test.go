package applications

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/applications/letters"
	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

var testLetters = config.LettersConfig{
	Bureau: "某市生态环境局某区分局", ReviewBody: "某市某区人民政府", Court: "某市某区人民法院",
	ContactPerson: "王琳", ContactPhone: "0475-8123456", ContactAddress: "某区环保路1号",
}

// letterFlow is a Flow with what the builder reads: no database.
func letterFlow(cfg config.LettersConfig) *Flow {
	cal := workflow.DefaultCalendar()
	return &Flow{Bot: &chat.Bot{Calendar: cal, Location: cal.Location(), Letters: cfg,
		LinkSecret: []byte("letter-test-secret"), PublicURL: "https://zwgk.example.gov.cn"}}
}

// on is a civil day as a date column reads back: midnight UTC.
func on(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func valid(s string) sql.NullTime { return sql.NullTime{Time: on(s), Valid: true} }

// bj is a moment in Beijing time.
func bj(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, workflow.DefaultCalendar().Location())
	if err != nil {
		panic(err)
	}
	return t
}

// day0 is a civil day at 00:00 Beijing time, as the workflow takes events.
func day0(s string) time.Time {
	d := on(s)
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, workflow.DefaultCalendar().Location())
}

// wholeCase is an application that met every letter: received Friday
// 2026-11-27, 补正 asked 11-30 and received 12-03, a third party consulted
// 12-04 (answered 12-08), an agency 12-09 (open), a second third party
// 12-10, 10 working days' extension approved 12-15 (the agency answers
// 12-16), a 不予公开 reply approved
// on 12-28 after a 驳回 in round 1, delivered 12-30.
func wholeCase() letterSource {
	a := &storage.Application{
		ID: 7, Year: 2026, Seq: 5, Channel: string(workflow.ChannelInPerson), ReceivedD: on("2026-11-27"),
		ApplicantName: "张三", ApplicantType: "自然人", Content: "2025年度某工业园区环境影响评价文件及批复。",
		ProvideForm: string(workflow.ProvideElectronic), State: string(workflow.ApplicationClosed),
		SupplementAskedD: valid("2026-11-30"), SupplementDueD: valid("2026-12-21"),
		SupplementItems:     "1. 请补充所需信息的文号。\n\n（2）请说明所需信息的形成时间。\r\n- 请确认获取方式",
		SupplementReceivedD: valid("2026-12-03"),
		ExtensionDays:       10, ExtensionReason: "需征求第三方意见后综合研判。",
		Outcome: string(workflow.OutcomeWithhold), Reason: string(workflow.ReasonThirdParty),
		ReplyText:  "您申请的信息涉及第三方商业秘密，经征求意见，第三方不同意公开。",
		ReplyBasis: "《中华人民共和国政府信息公开条例》第十五条", ReplyRound: 2,
		DeliveredD: valid("2026-12-30"), Delivery: "邮寄",
	}
	return letterSource{
		App: a,
		Consults: []storage.Consultation{
			{ID: 1, Kind: "third_party", Party: "某化工有限公司", SentD: on("2026-12-04"), AnsweredD: valid("2026-12-08")},
			// Answered after the extension: its letter does not know it.
			{ID: 2, Kind: "agency", Party: "某区自然资源局", SentD: on("2026-12-09"), AnsweredD: valid("2026-12-16")},
			{ID: 3, Kind: "third_party", Party: "某印染有限公司", SentD: on("2026-12-10")},
		},
		Trail: []storage.AuditEntry{
			{Action: "register", At: bj("2026-11-27 09:00")},
			{Action: "extend_request", At: bj("2026-12-11 16:00")},
			// 00:30 Beijing is the day before in UTC: the day is Beijing's.
			{Action: "extend_approved", At: bj("2026-12-15 00:30"), Detail: json.RawMessage(`{"days":10}`)},
		},
		Decisions: []storage.ApplicationDecision{
			{Round: 1, Stage: "section", Verdict: "reject", DecidedAt: bj("2026-12-20 10:00")},
			{Round: 2, Stage: "section", Verdict: "approve", DecidedAt: bj("2026-12-24 10:00")},
			{Round: 2, Stage: "office", Verdict: "approve", DecidedAt: bj("2026-12-25 10:00")},
			{Round: 2, Stage: "leader", Verdict: "approve", DecidedAt: bj("2026-12-28 11:00")},
		},
	}
}

func deadlinesOf(t *testing.T, ev workflow.ApplicationEvents) workflow.ApplicationDue {
	t.Helper()
	d, err := workflow.ApplicationDeadlines(workflow.DefaultCalendar(), ev)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func sameDay(a, b time.Time) bool {
	loc := workflow.DefaultCalendar().Location()
	return a.In(loc).Format(time.DateOnly) == b.In(loc).Format(time.DateOnly)
}

func build(t *testing.T, b *Flow, src letterSource, ref LetterRef) letters.Letter {
	t.Helper()
	l, err := b.buildLetter(src, ref)
	if err != nil {
		t.Fatalf("%v: %v", ref, err)
	}
	return l
}

// render renders l and returns the page's text as a reader sees it.
func renderText(t *testing.T, l letters.Letter) (page, text string) {
	t.Helper()
	var buf bytes.Buffer
	if err := letters.Render(&buf, l); err != nil {
		t.Fatalf("Render %s: %v", l.Kind, err)
	}
	page = buf.String()
	body := regexp.MustCompile(`(?s)<head>.*</head>`).ReplaceAllString(page, "")
	body = regexp.MustCompile(`<[^>]*>`).ReplaceAllString(body, "")
	return page, strings.Join(strings.Fields(html.UnescapeString(body)), "")
}

// Every kind, dated by its event, with the due dates the workflow gives
// for the events known that day.
func TestLettersOfEveryKind(t *testing.T) {
	t.Parallel()
	b := letterFlow(testLetters)
	src := wholeCase()
	received := day0("2026-11-27")
	check := func(what string, got, want time.Time) {
		t.Helper()
		if want.IsZero() || !sameDay(got, want) {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}

	refs := b.existingLetters(src)
	want := []LetterRef{{letters.KindReceipt, 0}, {letters.KindSupplement, 0}, {letters.KindConsultParty, 1},
		{letters.KindConsultAgency, 1}, {letters.KindConsultParty, 2}, {letters.KindExtension, 0}, {letters.KindReply, 0}}
	if len(refs) != len(want) {
		t.Fatalf("letters %v, want %v", refs, want)
	}
	for i := range want {
		if refs[i] != want[i] {
			t.Fatalf("letters %v, want %v", refs, want)
		}
	}

	l := build(t, b, src, LetterRef{Kind: letters.KindReceipt})
	check("receipt date", l.Date, received)
	check("receipt due", l.Due, deadlinesOf(t, workflow.ApplicationEvents{Received: received}).ReplyDue)
	if l.Bureau != testLetters.Bureau || l.Register != "依申请〔2026〕5号" || l.Applicant != "张三" || l.Contact.Phone != "0475-8123456" ||
		l.Channel != workflow.ChannelInPerson || l.Form != workflow.ProvideElectronic {
		t.Errorf("receipt %+v", l)
	}
	check("receipt due is 2026-12-25", l.Due, day0("2026-12-25"))

	l = build(t, b, src, LetterRef{Kind: letters.KindSupplement})
	check("supplement date", l.Date, day0("2026-11-30"))
	supDays, _ := workflow.DefaultCalendar().WorkingDaysBetween(day0("2026-11-30"), day0("2026-12-21"))
	check("supplement deadline", l.Supplement.Deadline, deadlinesOf(t, workflow.ApplicationEvents{Received: received,
		SupplementAsked: day0("2026-11-30"), SupplementDays: supDays}).SupplementDue)
	if got := strings.Join(l.Supplement.Items, "|"); got != "请补充所需信息的文号。|请说明所需信息的形成时间。|请确认获取方式" {
		t.Errorf("items %q", got)
	}

	l = build(t, b, src, LetterRef{Kind: letters.KindConsultParty, N: 1})
	check("consultation 1 date", l.Date, day0("2026-12-04"))
	due, _ := workflow.ConsultationDue(workflow.DefaultCalendar(), day0("2026-12-04"))
	check("consultation 1 deadline", l.Consult.Deadline, due)
	if l.Consult.To != "某化工有限公司" || l.Request != src.App.Content {
		t.Errorf("consultation 1 %+v", l.Consult)
	}
	l = build(t, b, src, LetterRef{Kind: letters.KindConsultAgency, N: 1})
	if l.Consult.To != "某区自然资源局" || !sameDay(l.Date, day0("2026-12-09")) {
		t.Errorf("agency consultation %+v on %v", l.Consult, l.Date)
	}
	l = build(t, b, src, LetterRef{Kind: letters.KindConsultParty, N: 2})
	if l.Consult.To != "某印染有限公司" || !sameDay(l.Date, day0("2026-12-10")) {
		t.Errorf("consultation 2 %+v on %v", l.Consult, l.Date)
	}

	l = build(t, b, src, LetterRef{Kind: letters.KindExtension})
	check("extension date", l.Date, day0("2026-12-15"))
	// What was known on 12-15: the 补正, the first consultation answered,
	// the other two open (each assumed to run its 15 WD).
	known := workflow.ApplicationEvents{Received: received, SupplementAsked: day0("2026-11-30"), SupplementDays: supDays,
		SupplementReceived: day0("2026-12-03"), Consultations: []workflow.Consultation{
			{Sent: day0("2026-12-04"), Answered: day0("2026-12-08")}, {Sent: day0("2026-12-09")}, {Sent: day0("2026-12-10")}}}
	check("extension's original due", l.Due, deadlinesOf(t, known).ReplyDue)
	known.ExtensionDays = 10
	check("extension's new due", l.Extension.NewDue, deadlinesOf(t, known).ReplyDue)
	if l.Extension.Days != 10 || l.Extension.Reason != src.App.ExtensionReason {
		t.Errorf("extension %+v", l.Extension)
	}

	l = build(t, b, src, LetterRef{Kind: letters.KindReply})
	check("reply date (the last approval of the last round)", l.Date, day0("2026-12-28"))
	if l.Reply.Outcome != workflow.OutcomeWithhold || l.Reply.Reason != workflow.ReasonThirdParty ||
		l.Reply.Explanation != src.App.ReplyText || l.Reply.Basis != "" || l.Remedy.ReviewBody != "某市某区人民政府" {
		t.Errorf("reply %+v", l.Reply)
	}

	// Every letter renders, with the number and its dates carrying years.
	undated := regexp.MustCompile(`(^|[^年\d])\d{1,2}月\d{1,2}日`)
	for _, ref := range refs {
		_, text := renderText(t, build(t, b, src, ref))
		if !strings.Contains(text, "依申请〔2026〕5号") || !strings.Contains(text, "2026年11月27日") {
			t.Errorf("%v lacks the number or the day of receipt:\n%s", ref, text)
		}
		if m := undated.FindString(text); m != "" {
			t.Errorf("%v prints a date without its year: %q", ref, m)
		}
	}
}

// A letter the case has not met is ErrNoLetter.
func TestLettersNotYet(t *testing.T) {
	t.Parallel()
	b := letterFlow(testLetters)
	src := wholeCase()
	a := src.App
	a.SupplementAskedD, a.SupplementDueD, a.SupplementReceivedD, a.SupplementItems = sql.NullTime{}, sql.NullTime{}, sql.NullTime{}, ""
	a.ExtensionDays, a.State, a.Outcome = 0, string(workflow.ApplicationReview), "withhold"
	src.Consults = src.Consults[:1]
	for _, ref := range []LetterRef{
		{Kind: letters.KindSupplement}, {Kind: letters.KindExtension}, {Kind: letters.KindReply},
		{Kind: letters.KindConsultParty, N: 2}, {Kind: letters.KindConsultAgency, N: 1},
		{Kind: letters.KindReceipt, N: 1}, {Kind: letters.KindConsultParty, N: 0}, {Kind: "notice"},
	} {
		if _, err := b.buildLetter(src, ref); !errors.Is(err, ErrNoLetter) {
			t.Errorf("%v: %v, want ErrNoLetter", ref, err)
		}
	}
	if got := b.existingLetters(src); len(got) != 2 || got[1] != (LetterRef{letters.KindConsultParty, 1}) {
		t.Errorf("letters %v", got)
	}
	// Approved, not yet delivered: the reply exists, dated its approval.
	a.State = string(workflow.ApplicationApproved)
	a.DeliveredD = sql.NullTime{}
	if l := build(t, b, src, LetterRef{Kind: letters.KindReply}); !sameDay(l.Date, day0("2026-12-28")) {
		t.Errorf("approved reply dated %v", l.Date)
	}
}

// What the office and the applicant typed is printed as text, never as
// markup.
func TestLettersEscapeHostileText(t *testing.T) {
	t.Parallel()
	b := letterFlow(testLetters)
	src := wholeCase()
	a := src.App
	evil := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	a.ApplicantName = "张三" + evil
	a.Content = "监测报告" + evil
	a.SupplementItems = "请补充" + evil
	a.ExtensionReason = "需核对" + evil
	a.ReplyText = "理由" + evil
	src.Consults[0].Party = "某公司" + evil
	for _, ref := range b.existingLetters(src) {
		page, text := renderText(t, build(t, b, src, ref))
		if strings.Contains(page, "<script>") || strings.Contains(page, "<img") {
			t.Errorf("%v: the page carries the markup", ref)
		}
		if !strings.Contains(text, `<script>alert("x")</script>`) {
			t.Errorf("%v: the text is not printed as typed:\n%s", ref, text)
		}
	}
}

// The stored reply fills letters.Reply as replyOf documents, for every
// outcome, and each renders.
func TestReplyMapping(t *testing.T) {
	t.Parallel()
	b := letterFlow(testLetters)
	for _, c := range []struct {
		outcome  workflow.Outcome
		reason   workflow.Reason
		text     string
		basis    string
		check    func(r letters.Reply) bool
		gap      bool
		contains string
	}{
		{outcome: workflow.OutcomeDisclose, text: "《2025年环评批复》\n已在局网站公开：https://www.example.gov.cn/hp/2025.html",
			check: func(r letters.Reply) bool {
				return len(r.Provided) == 1 && len(r.Published) == 1 && strings.HasPrefix(r.Published[0], "已在局网站") && r.Explanation == ""
			}, contains: "第三十六条第（一）项"},
		{outcome: workflow.OutcomePartial, reason: workflow.ReasonThirdParty, text: "公开环评批复正文。\n附件三企业工艺参数涉及商业秘密，不予公开。",
			basis: "《条例》第十五条",
			check: func(r letters.Reply) bool {
				return r.Reason == "" && len(r.Provided) == 1 && len(r.Withheld) == 1 && r.Withheld[0].Reason == workflow.ReasonThirdParty &&
					strings.HasPrefix(r.Withheld[0].Content, "附件三")
			}, contains: "该部分内容不予公开"},
		{outcome: workflow.OutcomeWithhold, reason: workflow.ReasonLawForbids, text: "属于统计调查对象的资料。", basis: "《中华人民共和国统计法》第三十九条",
			check: func(r letters.Reply) bool { return r.Basis == "《中华人民共和国统计法》第三十九条" }, contains: "统计法"},
		{outcome: workflow.OutcomeWithhold, reason: workflow.ReasonLawForbids, text: "属于禁止公开的信息。", basis: "《中华人民共和国政府信息公开条例》第十四条", gap: true},
		{outcome: workflow.OutcomeUnavailable, reason: workflow.ReasonNotHeld, text: "该信息由某市生态环境局负责公开，联系电话0475-8211111。",
			check: func(r letters.Reply) bool { return r.OtherAgency != "" }, contains: "第三十六条第（五）项"},
		{outcome: workflow.OutcomeUnavailable, reason: workflow.ReasonNotHeld, text: "经检索，本机关未制作该信息。",
			check: func(r letters.Reply) bool { return r.OtherAgency == "" }, contains: "第三十六条第（四）项"},
		{outcome: workflow.OutcomeUnavailable, reason: workflow.ReasonStillUnclear, text: "补正后仍不明确。",
			check: func(r letters.Reply) bool { return sameDay(r.Earlier.Date, day0("2026-11-30")) }, contains: "2026年11月30日向您发出补正告知书"},
		{outcome: workflow.OutcomeNotHandled, reason: workflow.ReasonPetition, text: "请拨打12369环保举报热线。",
			check: func(r letters.Reply) bool { return r.Redirect == "请拨打12369环保举报热线。" }, contains: "12369"},
		{outcome: workflow.OutcomeNotHandled, reason: workflow.ReasonRepeat, text: "重复申请。", gap: true},
		{outcome: workflow.OutcomeOther, reason: workflow.ReasonNoSupplement,
			check: func(r letters.Reply) bool {
				return sameDay(r.Earlier.Date, day0("2026-11-30")) && !r.Earlier.Due.IsZero() && r.Explanation != ""
			}, contains: "视为您放弃申请"},
		{outcome: workflow.OutcomeOther, reason: workflow.ReasonNoFee, text: "未缴费。", gap: true},
		{outcome: workflow.OutcomeOther, reason: workflow.ReasonOther, text: "申请人撤回申请。", gap: true},
		{outcome: workflow.OutcomeOther, reason: workflow.ReasonOther, text: "申请人撤回申请。", basis: "申请人书面撤回申请",
			check: func(r letters.Reply) bool { return r.Basis == "申请人书面撤回申请" }, contains: "本机关依据申请人书面撤回申请作出上述处理"},
	} {
		src := wholeCase()
		a := src.App
		a.Outcome, a.Reason, a.ReplyText, a.ReplyBasis = string(c.outcome), string(c.reason), c.text, c.basis
		name := c.outcome.Label() + " " + c.reason.Label()
		l, err := b.buildLetter(src, LetterRef{Kind: letters.KindReply})
		var gap *letterGap
		if c.gap {
			if !errors.As(err, &gap) || gap.Config {
				t.Errorf("%s: %v, want a gap in the register", name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !c.check(l.Reply) {
			t.Errorf("%s: reply %+v", name, l.Reply)
		}
		if _, text := renderText(t, l); !strings.Contains(text, c.contains) {
			t.Errorf("%s: the letter lacks %q:\n%s", name, c.contains, text)
		}
	}
}

// A setting a letter needs and that is not set is named; nothing is
// printed with a blank.
func TestLettersMissingConfiguration(t *testing.T) {
	t.Parallel()
	cfg := testLetters
	cfg.ReviewBody, cfg.ContactPhone = "", ""
	b := letterFlow(cfg)
	src := wholeCase()
	for _, c := range []struct {
		ref  LetterRef
		want string
	}{{LetterRef{Kind: letters.KindReply}, "REVIEW_BODY"}, {LetterRef{Kind: letters.KindReceipt}, "OFFICE_CONTACT_PHONE"}} {
		_, err := b.buildLetter(src, c.ref)
		var gap *letterGap
		if !errors.As(err, &gap) || !gap.Config || !strings.Contains(gap.Why, c.want) {
			t.Errorf("%v: %v, want a gap naming %s", c.ref, err, c.want)
		}
	}
	// The letters that need neither are made.
	build(t, b, src, LetterRef{Kind: letters.KindSupplement})
	build(t, b, src, LetterRef{Kind: letters.KindExtension})
}

func TestSupplementItems(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"请补充文号":                   "请补充文号",
		"1、请补充文号\n2、请说明时间":        "请补充文号|请说明时间",
		"（一）请补充文号\n\n  二、请说明时间  ": "请补充文号|请说明时间",
		"1.请补充2025年1.5号文":         "请补充2025年1.5号文",
		"\n \n":                   "",
	} {
		if got := strings.Join(supplementItems(in), "|"); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
