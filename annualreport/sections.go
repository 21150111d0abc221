package annualreport

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// The report's six sections (国办公开办函〔2021〕30号), in order. 二, 三
// and 四 are tables 二, 三 and 四; 一, 五 and 六 are text the office may
// write, zwgk drafting them until it does.
const (
	Section1Title = "一、总体情况"
	Section5Title = "五、存在的主要问题及改进情况"
	Section6Title = "六、其他需要报告的事项"
)

// Section is one of the report's six sections.
type Section struct {
	Number string // 一 … 六
	Title  string // 一、总体情况
	// Editable marks 一, 五 and 六: Text is the office's (Draft false, By
	// and At say who stored it and when) or zwgk's draft (Draft true).
	// The table sections have no text.
	Editable bool
	Text     string
	Draft    bool
	By       string
	At       time.Time
}

// SectionTitle is the heading of a section by its number; "" for none.
func SectionTitle(number string) string {
	switch number {
	case "一":
		return Section1Title
	case "二":
		return Table2Title
	case "三":
		return Table3Title
	case "四":
		return Table4Title
	case "五":
		return Section5Title
	case "六":
		return Section6Title
	}
	return ""
}

// Preamble is the paragraph published reports open with: what the report
// follows and the period of its figures.
func Preamble(year int) string {
	return fmt.Sprintf("本报告依据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《中华人民共和国政府信息公开工作年度报告格式》"+
		"（国办公开办函〔2021〕30号）要求编制。本报告所列数据的统计期限为%d年1月1日至12月31日。", year)
}

// sections fills r.Sections: the office's texts where it wrote them, the
// drafts elsewhere.
func (r *Report) sections(texts map[string]storage.AnnualText) {
	r.Sections = nil
	for _, n := range []string{"一", "二", "三", "四", "五", "六"} {
		s := Section{Number: n, Title: SectionTitle(n)}
		if draft := r.Draft(n); draft != "" {
			s.Editable = true
			if t, ok := texts[n]; ok {
				s.Text, s.By, s.At = t.Body, t.EnteredBy, t.EnteredAt
			} else {
				s.Text, s.Draft = draft, true
			}
		}
		r.Sections = append(r.Sections, s)
	}
}

// Drafts are the editable sections still zwgk's draft, by number.
func (r *Report) Drafts() []string {
	var out []string
	for _, s := range r.Sections {
		if s.Draft {
			out = append(out, s.Number)
		}
	}
	return out
}

// Draft is zwgk's draft of section 一, 五 or 六 of r (paragraphs separated
// by a blank line), with the figures it knows filled in, in the measured
// wording of published reports; "" for a table section. The office reads
// it over and replaces it with its own text (zwgk annual text).
func (r *Report) Draft(number string) string {
	switch number {
	case "一":
		return r.draftOverview()
	case "五":
		return r.draftProblems()
	case "六":
		return r.draftOther()
	}
	return ""
}

func (r *Report) draftOverview() string {
	f, y := r.Facts, r.Year
	var ps []string
	ps = append(ps, fmt.Sprintf("%d年，我局深入贯彻落实《条例》，坚持以公开为常态、不公开为例外，依法依规做好政府信息公开工作。", y))

	active := fmt.Sprintf("（一）主动公开。全年经政府信息公开审批程序主动公开政府信息%d条。", f.FormsPublished)
	if t := r.T2; t.Penalty.Total()+t.Licensing.Total()+t.Enforcement.Total() > 0 {
		active += fmt.Sprintf("公开行政许可决定%d件、行政处罚决定%d件、行政强制决定%d件。", t.Licensing.Total(), t.Penalty.Total(), t.Enforcement.Total())
	}
	if f.Orders.Received > 0 {
		active += fmt.Sprintf("围绕群众关切，全年承办12345政务服务便民热线工单%d件，年内办结%d件，其中按期办结%d件。",
			f.Orders.Received, f.Orders.Answered, f.Orders.OnTime)
	}
	ps = append(ps, active)

	ps = append(ps, fmt.Sprintf("（二）依申请公开。全年新收政府信息公开申请%d件，上年结转%d件；办结%d件，结转下年度继续办理%d件。",
		f.ApplicationsReceived, f.ApplicationsCarriedIn, f.ApplicationsClosed, f.ApplicationsCarriedOut))

	ps = append(ps, "（三）政府信息管理。严格执行政府信息公开审批制度，拟公开信息经承办股室负责人、办公室审核并进行保密审查，"+
		"重大事项报主要负责人审定，做到先审查、后公开。")

	if len(f.ByPlatform) > 0 {
		var names, counts []string
		for _, p := range f.ByPlatform {
			names = append(names, p.Platform)
			counts = append(counts, fmt.Sprintf("%s发布%d条", p.Platform, p.Forms))
		}
		ps = append(ps, fmt.Sprintf("（四）平台建设。依托%s等平台发布政府信息，全年通过%s。", strings.Join(names, "、"), strings.Join(counts, "、")))
	} else {
		ps = append(ps, "（四）平台建设。依托政府网站等平台发布政府信息。")
	}

	sup := "（五）监督保障。由综合办公室负责政府信息公开日常工作"
	if n := len(f.Meetings); n > 0 {
		sup += fmt.Sprintf("，全年召开政务公开专题工作会议%d次，研究部署政府信息公开工作", n)
	}
	ps = append(ps, sup+"。")
	return strings.Join(ps, "\n\n")
}

func (r *Report) draftProblems() string {
	return strings.Join([]string{
		fmt.Sprintf("（一）存在的主要问题。%d年，我局政府信息公开工作取得一定成效，但仍存在一些不足：一是主动公开的内容还不够丰富，"+
			"政策解读的形式有待拓展；二是工作人员的业务能力有待进一步提升。", r.Year),
		fmt.Sprintf("（二）改进措施。%d年，我局将从以下方面加以改进：一是拓展主动公开的深度和广度，及时准确发布环境质量、"+
			"建设项目环境影响评价审批、行政处罚等信息；二是加强政府信息公开业务培训，提升依法公开的能力；"+
			"三是严格执行政府信息公开审批和保密审查制度，确保公开的信息准确、规范。", r.Year+1),
	}, "\n\n")
}

// draftOther states the 信息处理费: zwgk never charges one. When table 三
// has applications not handled because a fee was not paid, the office
// sent fee notices, so the draft does not claim there were none.
func (r *Report) draftOther() string {
	fee := "（一）信息处理费收取情况。依据《政府信息公开信息处理费管理办法》，本年度我局发出收费通知的件数和总金额以及实际收取的总金额均为0，未收取信息处理费。"
	if n := r.T3.Reasons[workflow.ReasonNoFee][workflow.Table3Total]; n > 0 {
		fee = fmt.Sprintf("（一）信息处理费收取情况。依据《政府信息公开信息处理费管理办法》，本年度我局未收取信息处理费；"+
			"另有%d件申请因申请人逾期未缴纳费用，不再处理。", n)
	}
	return fee + "\n\n（二）其他事项。本年度无其他需要报告的事项。"
}

// TextProblem says in the office's words what keeps body (normalized by
// storage.NormalizeAnnualText) from being a section's text; "" when
// nothing does. Chat and web handlers answer with it.
func TextProblem(body string) string {
	switch n := utf8.RuneCountInString(body); {
	case !utf8.ValidString(body):
		return "文本不是UTF-8编码，请另存为UTF-8后再提交。"
	case n == 0:
		return "文本为空，请填写内容；如需恢复系统草稿，请使用恢复草稿。"
	case n > storage.MaxAnnualText:
		return fmt.Sprintf("文本共%d字，超过%d字的上限，请精简后再提交。", n, storage.MaxAnnualText)
	}
	// A control character is no part of what anyone wrote (a NUL Postgres
	// cannot even store); line ends and tabs are.
	for _, r := range body {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return "文本含有不可见的控制字符，请删除后再提交。"
		}
	}
	// Emoji and private-use characters: refused as in every other typed
	// text (they do not print in the published report's fonts).
	if _, err := workflow.CheckChars("文本", body); err != nil {
		return err.Error()
	}
	return ""
}
