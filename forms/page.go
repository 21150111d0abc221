package forms

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
)

// FormView is everything the printable form shows.
type FormView struct {
	Serial     string        // e.g. 公开审〔2026〕17号
	FiledOn    time.Time     // 填表日期 (date of submission), shown as 2026年11月28日
	Section    string        // 承办股室
	Submitter  string        // 承办人 (name)
	Title      string        // 标题
	Summary    string        // 简要内容; newlines are kept as line breaks
	Mode       string        // "主动公开" or "依申请公开"
	Column     string        // 公开栏目, e.g. 环境保护
	Platforms  []string      // chosen among 政府网站, 政务信息期刊, “双微”公众号, 三务公开
	FormedOn   time.Time     // 信息形成日期
	Deadline   time.Time     // 主动公开 deadline, or the linked application's reply deadline
	State      string        // Chinese state label, e.g. 审核中 / 已驳回 / 已公开 / 已撤回
	Version    int           // revision of the item, from 1
	Signatures [3]Signature  // 0: 股室负责人审核, 1: 办公室审核, 2: 主要负责人审核
	History    []HistoryLine // the full timeline, printed on a page of its own

	// Application is the number of the 政府信息公开申请 a 依申请公开 form
	// answers (依申请〔2026〕5号), empty when it names none: the deadline
	// is then that application's reply deadline. The number is printed by
	// the 依申请公开 box, the deadline cell holding only the date: both in
	// that cell take two lines, and the form would no longer be one page.
	Application string

	// Category is the 信息类别 of a 主动公开 form that counts in table 二 of
	// the annual report, as workflow.FormCategory.Label writes it
	// (行政处罚（处理决定3件）); empty for 其他 and 依申请公开, which the
	// paper form leaves as it was. It is printed after the 公开栏目, in its
	// cell: a row of its own would push the form past one A4 page.
	Category string

	// A version that no longer stands is stamped across the form, on screen
	// and on paper, so that a printout of it cannot pass for a live form.
	Withdrawn    bool      // 撤回 (also implied by State 已撤回): stamped 已撤回
	SupersededBy int       // a later version replaced this one: stamped 已被第N版取代
	VoidBy       string    // who withdrew it, or submitted the version that replaced it
	VoidAt       time.Time // when

	// Versions lists every version of the form, for links on screen only
	// (never printed).
	Versions []VersionLink
}

// VersionLink is one version of the form in the on-screen list.
type VersionLink struct {
	Version int
	Href    string // relative link to that version's page
	Note    string // e.g. 已被第2版取代, 当前版本
	Shown   bool   // the version this page shows
}

// Signature is one signature block of the form.
type Signature struct {
	Name     string    // who decided; empty = not (yet) signed
	Decision string    // e.g. 同意, 同意并报主要负责人, 驳回, 本人提交, 不适用
	Reason   string    // for 驳回
	At       time.Time // date shown as 2026年11月28日
	// Review is the 保密审查 made with the decision (the office block), in
	// one sentence, e.g. 已审查国家秘密、商业秘密、个人隐私，未发现不宜公开内容。
	Review string
}

// HistoryLine is one entry of the timeline under the form.
type HistoryLine struct {
	At        time.Time
	Who, What string
}

// The two publication modes and the four platforms of the paper form, in
// the order the form prints them.
var (
	formModes     = []string{"主动公开", "依申请公开"}
	formPlatforms = []string{"政府网站", "政务信息期刊", "“双微”公众号", "三务公开"}
)

// platformAliases maps other spellings of a platform to the form's own.
var platformAliases = map[string]string{
	`"双微"公众号`: "“双微”公众号",
	"双微公众号":   "“双微”公众号",
	"双微":      "“双微”公众号",
	"政府网站公开":  "政府网站",
}

// signatureLabels are the captions of the three signature blocks.
var signatureLabels = [3]string{"股室负责人审核（签字）：", "办公室审核（签字）：", "主要负责人审核（签字）："}

// signatureStages name the blocks where the 续页 continues one.
var signatureStages = [3]string{"股室负责人审核", "办公室审核", "主要负责人审核"}

// formBlankDate is what an unsigned date field shows, to be filled in by hand.
const formBlankDate = "年　月　日"

//go:embed templates/form.html
var formFS embed.FS

// formTmpl is parsed once; templates are safe for concurrent Execute.
var formTmpl = template.Must(template.ParseFS(formFS, "templates/form.html"))

// formLocation is the business time zone. China has had no daylight saving
// since 1991, so a fixed UTC+8 is an exact fallback if tzdata is missing.
var formLocation = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*60*60)
	}
	return loc
})

// formPage is FormView made ready for the template: every value is a
// plain string, formatted in Asia/Shanghai, and the summary and reasons
// are already split between the form and its 续页.
type formPage struct {
	Serial    string
	FiledOn   string
	Section   string
	Submitter string
	Title     string
	Summary   []string // lines in the form's box
	More      []string // lines continued on the 续页; nil when the box holds all
	Modes     []formBox
	Column    string
	Category  string
	Platforms []formBox
	FormedOn  string
	Deadline  string
	State     string
	Version   int
	Signs     [3]formSign
	History   []formHistory
	Stamp     *formStamp // nil for a version that stands
	Versions  []VersionLink
	Geo       formGeometry
}

// Continued says whether the form has a 续页.
func (p formPage) Continued() bool {
	if len(p.More) > 0 {
		return true
	}
	for _, s := range p.Signs {
		if s.ReasonMore {
			return true
		}
	}
	return false
}

type formBox struct {
	Label   string
	Checked bool
	Note    string // after the label, in brackets: the application's number
}

type formSign struct {
	Label      string
	Stage      string // 股室负责人审核, …
	Name       string
	Decision   string
	Reason     string // as the block shows it
	FullReason string // for the 续页
	ReasonMore bool   // the block shows a part; the 续页 has all of it
	Caption    string // 驳回理由： or 说明：
	Date       string
	Rejected   bool
	Blank      bool // date not filled in
}

type formHistory struct {
	At, Who, What string
}

// formStamp is the stamp across a version that no longer stands.
type formStamp struct {
	Word string // 已撤回, 已被第2版取代
	Note string // who and when, e.g. 李娜于2026年11月29日撤回
	Long bool   // a longer word, set smaller
}

// RenderForm writes the printable 政务信息公开发布审批单 for v as a complete
// HTML page. Nothing is written if rendering fails.
func RenderForm(w io.Writer, v FormView) error {
	var buf bytes.Buffer
	if err := formTmpl.ExecuteTemplate(&buf, "form.html", newFormPage(v)); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func newFormPage(v FormView) formPage {
	p := formPage{
		Serial:    v.Serial,
		FiledOn:   formDate(v.FiledOn),
		Section:   v.Section,
		Submitter: v.Submitter,
		Title:     v.Title,
		Column:    v.Column,
		Category:  strings.TrimSpace(v.Category),
		FormedOn:  formDate(v.FormedOn),
		State:     v.State,
		Version:   v.Version,
		Versions:  v.Versions,
		Geo:       formGeo,
	}
	box := fitBox(formGeo, v.Title, v.Summary)
	p.Summary, p.More = box.Head, box.Rest
	p.Stamp = stampOf(v)
	mode := strings.TrimSpace(v.Mode)
	for _, m := range formModes {
		b := formBox{Label: m, Checked: m == mode}
		if m == "依申请公开" && b.Checked && v.Application != "" {
			b.Note = "申请编号：" + v.Application
		}
		p.Modes = append(p.Modes, b)
	}

	chosen := map[string]bool{}
	var extra []string // platforms the paper form does not list
	for _, s := range v.Platforms {
		s = strings.TrimSpace(s)
		if a, ok := platformAliases[s]; ok {
			s = a
		}
		if s == "" || chosen[s] {
			continue
		}
		chosen[s] = true
		if !slices.Contains(formPlatforms, s) {
			extra = append(extra, s)
		}
	}
	for _, s := range formPlatforms {
		p.Platforms = append(p.Platforms, formBox{Label: s, Checked: chosen[s]})
	}
	for _, s := range extra {
		p.Platforms = append(p.Platforms, formBox{Label: s, Checked: true})
	}

	switch {
	case v.Application != "" && !v.Deadline.IsZero():
		p.Deadline = "答复期限 " + formDate(v.Deadline)
	case v.Application != "":
		p.Deadline = "答复期限待定（待申请人补正）"
	case !v.Deadline.IsZero():
		p.Deadline = formDate(v.Deadline) + "前"
	case mode == "依申请公开":
		p.Deadline = "不适用（依申请公开）"
	default:
		p.Deadline = "—"
	}

	for i, s := range v.Signatures {
		sc := formSign{
			Label:    signatureLabels[i],
			Stage:    signatureStages[i],
			Name:     s.Name,
			Decision: s.Decision,
			Rejected: strings.HasPrefix(s.Decision, "驳回"),
			Caption:  "说明：",
		}
		if sc.Rejected {
			sc.Caption = "驳回理由："
		}
		reason := s.Reason
		if s.Review != "" {
			// The review takes the block's lines for a reason: it is the
			// text of a 同意, and a 驳回's reason follows it, continued on
			// the 续页 when the two do not fit.
			if reason == "" {
				sc.Caption, reason = "保密审查：", s.Review
			} else {
				sc.Caption = "保密审查：" + s.Review + sc.Caption
			}
		}
		if reason != "" {
			head, fits := fitReason(formGeo, sc.Caption, reason, i == 2)
			sc.Reason, sc.FullReason, sc.ReasonMore = head, reason, !fits
		}
		if (s.Name != "" || s.Decision != "") && !s.At.IsZero() {
			sc.Date = formDate(s.At)
		} else {
			sc.Date, sc.Blank = formBlankDate, true
		}
		p.Signs[i] = sc
	}

	for _, h := range v.History {
		p.History = append(p.History, formHistory{
			At:   h.At.In(formLocation()).Format("2006年1月2日 15:04"),
			Who:  h.Who,
			What: h.What,
		})
	}
	return p
}

// stampOf is the stamp v gets, if any. A superseded version says so even
// if the form was later withdrawn: the stamp is about the version printed.
func stampOf(v FormView) *formStamp {
	var st formStamp
	switch {
	case v.SupersededBy > 0:
		st.Word, st.Long = fmt.Sprintf("已被第%d版取代", v.SupersededBy), true
		if !v.VoidAt.IsZero() {
			st.Note = fmt.Sprintf("%s于%s修改后重新提交为第%d版", v.VoidBy, formDate(v.VoidAt), v.SupersededBy)
		}
	case v.Withdrawn || strings.TrimSpace(v.State) == "已撤回":
		st.Word = "已撤回"
		if !v.VoidAt.IsZero() {
			st.Note = v.VoidBy + "于" + formDate(v.VoidAt) + "撤回"
		}
	default:
		return nil
	}
	return &st
}

// formDate formats t as 2026年11月28日 in Asia/Shanghai, or the blank
// "年　月　日" for the zero time.
func formDate(t time.Time) string {
	if t.IsZero() {
		return formBlankDate
	}
	return t.In(formLocation()).Format("2006年1月2日")
}
