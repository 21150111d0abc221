package letters

import (
	"fmt"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/workflow"
)

// The wording of each letter. Articles are those of the 条例 (国务院令第711号,
// text in LawRefBook/Laws, 行政法规/政府信息公开条例(2019-04-03).md); each
// letter names it in full once and as 《条例》 after.

const regulation = "《中华人民共和国政府信息公开条例》（以下简称《条例》）"

// page is a letter made ready for the template: plain strings, dates
// formatted, in the order they print.
type page struct {
	Title     string
	Number    string
	Addressee string
	Blocks    []block
	Closing   string // 特此告知。 and the like
	Bureau    string
	Date      string
	Notes     []string // 附注: the office's contact
}

// block is a paragraph, or a numbered list when Items is set.
type block struct {
	Text   string   // a paragraph (line breaks kept); the list's lead-in when Items is set
	Items  []string // list items, numbered by Labels
	Labels []string // 一、 or 1． per item
	Quote  bool     // the applicant's or the office's own words, set apart
}

func para(format string, a ...any) block { return block{Text: fmt.Sprintf(format, a...)} }

func quote(s string) block { return block{Text: tidy(s), Quote: true} }

// list numbers items 1． 2． …, as official letters list their points.
func list(items []string) block {
	b := block{}
	for i, it := range items {
		b.Items = append(b.Items, tidy(it))
		b.Labels = append(b.Labels, fmt.Sprintf("%d．", i+1))
	}
	return b
}

// tidy trims what the office typed: surrounding space and line breaks.
func tidy(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.TrimSpace(s)
}

// sentence ends s with a full stop unless it ends with punctuation.
func sentence(s string) string {
	s = tidy(s)
	if s == "" {
		return s
	}
	r := []rune(s)
	if strings.ContainsRune("。！？；…”」）)", r[len(r)-1]) {
		return s
	}
	return s + "。"
}

// clause drops the closing full stop of s, to embed it in a sentence.
func clause(s string) string { return strings.TrimRight(tidy(s), "。；;.") }

// newPage lays out l; l has passed check.
func newPage(l Letter) page {
	p := page{
		Number:    tidy(l.Number),
		Addressee: tidy(l.Applicant) + "：",
		Closing:   "特此告知。",
		Bureau:    tidy(l.Bureau),
		Date:      date(l.Date),
	}
	var c []string
	if s := tidy(l.Contact.Person); s != "" {
		c = append(c, "联系人："+s)
	}
	if s := tidy(l.Contact.Phone); s != "" {
		c = append(c, "联系电话："+s)
	}
	if s := tidy(l.Contact.Address); s != "" {
		c = append(c, "通讯地址："+s)
	}
	if len(c) > 0 {
		p.Notes = []string{"（" + strings.Join(c, "；") + "）"}
	}
	received := fmt.Sprintf("本机关于%s收到您（单位）提交的政府信息公开申请（登记号：%s）", date(l.Received), tidy(l.Register))

	switch l.Kind {
	case KindReceipt:
		p.Title = "政府信息公开申请接收回执"
		p.Closing = "特此回执。"
		// The office's phone (required) is in the 附注 under the date.
		p.Blocks = []block{
			// Art. 31 decides the day of receipt, from which the reply is
			// due; the applicant sees which rule applied.
			para("本机关于%s收到您（单位）通过%s方式提交的政府信息公开申请，登记号为%s。根据%s第三十一条的规定，以%s为收到申请之日。现将有关事项告知如下：",
				date(l.Received), l.Channel, tidy(l.Register), regulation, l.Channel.ReceiptRule()),
			{Items: []string{
				"申请公开的政府信息：" + tidy(l.Request),
				fmt.Sprintf("获取信息的方式：%s。", l.Form),
				// The due date moves on a 补正 (Art. 30), an extension
				// (Art. 33 para 2) or a consultation (Art. 33 para 3):
				// the applicant will be told in writing then.
				fmt.Sprintf("答复期限：本机关将于%s前作出答复（《条例》第三十三条第二款）；需要补正、延长答复期限或者征求第三方、其他机关意见的，将另行书面告知。", date(l.Due)),
			}, Labels: []string{"一、", "二、", "三、"}},
		}

	case KindSupplement:
		s := l.Supplement
		p.Title = "政府信息公开申请补正告知书"
		p.Blocks = []block{
			para("%s。经审查，您的申请内容不明确，本机关无法据此确定您所需的政府信息。根据%s第三十条的规定，现一次性告知您对下列事项作出补正：", received, regulation),
			list(s.Items),
			para("请于%s前（含当日）向本机关提交补正后的申请。答复期限自本机关收到补正的申请之日起重新计算。", date(s.Deadline)),
			para("您无正当理由逾期不补正的，视为放弃申请，本机关将不再处理该政府信息公开申请。"),
		}

	case KindExtension:
		e := l.Extension
		p.Title = "政府信息公开申请延期答复告知书"
		p.Blocks = []block{
			para("%s。根据%s第三十三条第二款的规定，本机关原应于%s前作出答复。", received, regulation, date(l.Due)),
			para("因以下原因，本机关不能在上述期限内作出答复："),
			quote(sentence(e.Reason)),
			para("经本机关政府信息公开工作机构负责人同意，答复期限延长%d个工作日，本机关将于%s前作出答复。", e.Days, date(e.NewDue)),
		}

	case KindConsultParty, KindConsultAgency:
		c := l.Consult
		p.Addressee = tidy(c.To) + "："
		p.Blocks = []block{
			para("本机关于%s收到%s提交的政府信息公开申请（登记号：%s），申请公开以下政府信息：", date(l.Received), tidy(l.Applicant), tidy(l.Register)),
			quote(l.Request),
		}
		if l.Kind == KindConsultParty {
			p.Title = "政府信息公开征求第三方意见书"
			p.Blocks = append(p.Blocks,
				para("经审查，该政府信息公开可能损害你方合法权益。根据%s第三十二条的规定，现就下列事项书面征求你方意见：", regulation),
				quote(l.Consult.Asked),
				// The 15 WD run from the party's receipt (Art. 32), which the
				// bureau does not know when it writes: no date is named that
				// could be earlier than the law's (c.Deadline is the earliest).
				para("请你方自收到本意见书之日起15个工作日内书面提出是否同意公开的意见；不同意公开的，请说明理由。"),
				// Art. 32: silence leaves the decision to the agency.
				para("你方逾期未提出意见的，由本机关依照《条例》的规定决定是否公开。你方不同意公开且有合理理由的，本机关不予公开；本机关认为不公开可能对公共利益造成重大影响的，可以决定予以公开，并将决定公开的政府信息内容和理由书面告知你方。"),
			)
		} else {
			p.Title = "政府信息公开征求意见书"
			p.Blocks = append(p.Blocks,
				para("该政府信息由本机关与贵单位共同制作。根据%s第三十四条的规定，现就下列事项征求贵单位意见：", regulation),
				quote(l.Consult.Asked),
				// Art. 34: silence is consent.
				para("请贵单位自收到本意见书之日起15个工作日内提出意见。逾期未提出意见的，视为同意公开。"),
			)
		}
		p.Closing = "特此函告。"

	case KindReply:
		p.Title = "政府信息公开申请答复书"
		p.Closing = "特此答复。"
		p.Blocks = []block{
			para("%s，申请公开以下政府信息：", received),
			quote(l.Request),
		}
		p.Blocks = append(p.Blocks, replyBlocks(l)...)
		p.Blocks = append(p.Blocks, para("%s", remedyClause(l.Reply.Outcome, trimRemedy(l.Remedy))))
	}
	return p
}

func trimRemedy(r Remedy) Remedy { return Remedy{ReviewBody: tidy(r.ReviewBody), Court: tidy(r.Court)} }

// replyBlocks is the answer itself, by outcome and reason.
func replyBlocks(l Letter) []block {
	r := l.Reply
	var out []block
	explain := func() {
		if !blank(r.Explanation) {
			out = append(out, para("%s", sentence(r.Explanation)))
		}
	}
	// first names the 条例 in full in the reply's first citation.
	first := regulation
	switch r.Outcome {
	case workflow.OutcomeDisclose:
		explain()
		out = append(out, released(l, first)...)

	case workflow.OutcomePartial:
		explain()
		out = append(out, para("您申请公开的政府信息中含有不应当公开的内容，但是能够作区分处理。根据%s第三十七条的规定，本机关向您提供可以公开的政府信息内容，并对不予公开的内容说明理由如下。", first))
		out = append(out, para("一、予以公开的内容"))
		out = append(out, released(l, "《条例》")...)
		out = append(out, para("二、不予公开的内容及理由"))
		var items []string
		for _, w := range r.Withheld {
			items = append(items, fmt.Sprintf("%s。%s%s，根据%s的规定，该部分内容不予公开。",
				clause(w.Content), sentence(w.Explanation), withholdPhrase(w.Reason), withholdBasis(w.Reason, w.Basis, "《条例》")))
		}
		out = append(out, list(items))

	case workflow.OutcomeWithhold:
		explain()
		if r.Reason == workflow.ReasonQuery {
			// Table 三 counts 行政查询事项 as 不予公开; the 条例's rule is
			// Art. 36 item (七): the special law governs access.
			out = append(out, para("您申请获取的信息属于行政查询事项，有关法律、行政法规对信息的获取有特别规定。根据%s第三十六条第（七）项的规定，本机关不作为政府信息公开申请提供，请您依照%s的规定办理。", first, or(clause(r.Basis), "有关法律、行政法规")))
			break
		}
		out = append(out, para("您申请公开的政府信息%s。根据%s的规定，本机关决定不予公开。", withholdPhrase(r.Reason), withholdBasis(r.Reason, r.Basis, first)))

	case workflow.OutcomeUnavailable:
		explain()
		switch r.Reason {
		case workflow.ReasonNotHeld:
			if !blank(r.OtherAgency) {
				s := fmt.Sprintf("您申请公开的政府信息不属于本机关负责公开。根据%s第三十六条第（五）项的规定，该政府信息由%s负责公开", first, tidy(r.OtherAgency))
				if !blank(r.OtherContact) {
					s += "，联系方式：" + clause(r.OtherContact)
				}
				out = append(out, para("%s，您可以向其提出申请。", s))
			} else {
				out = append(out, para("经检索，本机关没有您申请公开的政府信息。根据%s第三十六条第（四）项的规定，告知您该政府信息不存在。", first))
			}
		case workflow.ReasonNeedsCreating:
			out = append(out, para("本机关没有您申请的现成信息，提供该信息需要本机关对现有政府信息进行加工、分析。根据%s第三十八条的规定，本机关不予提供。", first))
		case workflow.ReasonStillUnclear:
			s := "您补正后的申请内容仍不明确"
			if !r.Earlier.Date.IsZero() {
				s = fmt.Sprintf("本机关已于%s向您发出补正告知书%s，%s", date(r.Earlier.Date), ref(r.Earlier.Number), s)
			}
			out = append(out, para("%s，本机关无法确定您所需的政府信息。根据%s第二十九条第二款第（二）项、第三十条的规定，本机关无法向您提供。", s, first))
		}

	case workflow.OutcomeNotHandled:
		explain()
		switch r.Reason {
		case workflow.ReasonPetition:
			out = append(out, para("您以政府信息公开申请的形式进行信访、投诉、举报等活动。根据%s第三十九条第一款的规定，本机关不作为政府信息公开申请处理。您可以通过以下渠道提出：%s", first, sentence(r.Redirect)))
		case workflow.ReasonRepeat:
			out = append(out, para("本机关已于%s就您提出的政府信息公开申请作出答复%s，您再次申请公开相同的政府信息。根据%s第三十六条第（六）项的规定，本机关不予重复处理。", date(r.Earlier.Date), ref(r.Earlier.Number), first))
		case workflow.ReasonPublication:
			out = append(out, para("您申请获取的是政府公报、报刊、书籍等公开出版物。根据%s第三十九条第二款的规定，告知您获取的途径：%s", first, sentence(r.Redirect)))
		case workflow.ReasonExcessive:
			out = append(out, para("您申请公开政府信息的数量、频次明显超过合理范围，本机关要求您说明理由后，认为申请理由不合理。根据%s第三十五条的规定，本机关不予处理。", first))
		case workflow.ReasonConfirm:
			out = append(out, para("您的申请系要求本机关对有关信息予以确认，或者重新出具您已获取的信息，不属于%s第二条所称政府信息的公开申请。本机关不予处理。", first))
		}

	case workflow.OutcomeOther:
		explain()
		switch r.Reason {
		case workflow.ReasonNoSupplement:
			out = append(out, para("本机关已于%s向您发出补正告知书%s，告知您于%s前作出补正。您无正当理由逾期未补正。根据%s第三十条的规定，视为您放弃申请，本机关不再处理该政府信息公开申请。", date(r.Earlier.Date), ref(r.Earlier.Number), date(r.Earlier.Due), first))
		case workflow.ReasonNoFee:
			out = append(out, para("本机关已于%s向您发出收费通知%s，告知您于%s前缴纳信息处理费。您逾期未按收费通知的要求缴纳费用。根据%s第四十二条和《政府信息公开信息处理费管理办法》的规定，视为您放弃申请，本机关不再处理该政府信息公开申请。", date(r.Earlier.Date), ref(r.Earlier.Number), date(r.Earlier.Due), first))
		case workflow.ReasonOther:
			out = append(out, para("本机关依据%s作出上述处理。", clause(r.Basis)))
		}
	}
	return out
}

// released lists what a 予以公开 or 部分公开 reply releases: already
// published (Art. 36 item (一)) and provided now (item (二)).
func released(l Letter, cite string) []block {
	r := l.Reply
	var out []block
	if len(r.Published) > 0 {
		out = append(out, para("下列政府信息已经主动公开。根据%s第三十六条第（一）项的规定，告知您获取该政府信息的方式、途径：", cite), list(r.Published))
		cite = "《条例》"
	}
	if len(r.Provided) > 0 {
		how := "随本答复书"
		if l.Form != "" {
			how = fmt.Sprintf("以%s形式随本答复书", l.Form)
		}
		out = append(out, para("下列政府信息属于可以公开的政府信息。根据%s第三十六条第（二）项的规定，本机关%s向您提供：", cite, how), list(r.Provided))
	}
	return out
}

// withholdPhrase says why information falls under a reason of 不予公开,
// in the words of the article it rests on.
func withholdPhrase(r workflow.Reason) string {
	switch r {
	case workflow.ReasonStateSecret:
		return "属于依法确定为国家秘密的政府信息" // Art. 14
	case workflow.ReasonLawForbids:
		return "属于法律、行政法规禁止公开的政府信息" // Art. 14
	case workflow.ReasonSecurity:
		return "公开后可能危及国家安全、公共安全、经济安全、社会稳定" // Art. 14
	case workflow.ReasonThirdParty:
		return "涉及商业秘密、个人隐私等，公开会对第三方合法权益造成损害" // Art. 15
	case workflow.ReasonInternal:
		return "属于行政机关的内部事务信息" // Art. 16 para 1
	case workflow.ReasonProcess:
		return "属于行政机关在履行行政管理职能过程中形成的过程性信息" // Art. 16 para 2
	case workflow.ReasonCaseFile:
		return "属于行政执法案卷信息" // Art. 16 para 2
	case workflow.ReasonQuery:
		return "属于行政查询事项，有关法律、行政法规对信息的获取有特别规定" // Art. 36 item (七)
	}
	return r.Label()
}

// withholdBasis is the legal basis of a reason of 不予公开: the specific
// law first, if any, then the 条例's articles (cite names the 条例).
func withholdBasis(r workflow.Reason, law, cite string) string {
	var arts string
	switch r {
	case workflow.ReasonStateSecret, workflow.ReasonLawForbids, workflow.ReasonSecurity:
		arts = "第十四条"
	case workflow.ReasonThirdParty:
		arts = "第十五条"
	case workflow.ReasonInternal:
		arts = "第十六条第一款"
	case workflow.ReasonProcess, workflow.ReasonCaseFile:
		arts = "第十六条第二款"
	case workflow.ReasonQuery:
		arts = "第三十六条第（七）项"
	}
	if r != workflow.ReasonQuery {
		arts += "、第三十六条第（三）项"
	}
	s := cite + arts
	if law := clause(law); law != "" {
		s = law + "和" + s
	}
	return s
}

// ref is an earlier letter's number in brackets, or nothing.
func ref(number string) string {
	if blank(number) {
		return ""
	}
	return "（" + tidy(number) + "）"
}

func or(s, dflt string) string {
	if s == "" {
		return dflt
	}
	return s
}

// date formats t as 2026年12月5日 in Asia/Shanghai: every date a letter
// prints carries its year.
func date(t time.Time) string { return t.In(location()).Format("2006年1月2日") }
