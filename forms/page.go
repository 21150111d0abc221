package forms

import (
	"bytes"
	"embed"
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
	Deadline   time.Time     // 主动公开 deadline (zero when 依申请公开)
	State      string        // Chinese state label, e.g. 审核中 / 已驳回 / 已公开 / 已撤回
	Version    int           // revision of the item, from 1
	Signatures [3]Signature  // 0: 股室负责人审核, 1: 办公室审核, 2: 主要负责人审核
	History    []HistoryLine // the full timeline, printed small under the form
}

// Signature is one signature block of the form.
type Signature struct {
	Name     string    // who decided; empty = not (yet) signed
	Decision string    // e.g. 同意, 同意并报主要负责人, 驳回, 本人提交, 不适用
	Reason   string    // for 驳回
	At       time.Time // date shown as 2026年11月28日
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
// plain string, formatted in Asia/Shanghai.
type formPage struct {
	Serial    string
	FiledOn   string
	Section   string
	Submitter string
	Title     string
	Summary   []string // lines
	Modes     []formBox
	Column    string
	Platforms []formBox
	FormedOn  string
	Deadline  string
	State     string
	Version   int
	Signs     [3]formSign
	History   []formHistory
}

type formBox struct {
	Label   string
	Checked bool
}

type formSign struct {
	Label    string
	Name     string
	Decision string
	Reason   string
	Date     string
	Rejected bool
	Blank    bool // date not filled in
}

type formHistory struct {
	At, Who, What string
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
		Summary:   summaryLines(v.Summary),
		Column:    v.Column,
		FormedOn:  formDate(v.FormedOn),
		State:     v.State,
		Version:   v.Version,
	}
	mode := strings.TrimSpace(v.Mode)
	for _, m := range formModes {
		p.Modes = append(p.Modes, formBox{Label: m, Checked: m == mode})
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
			Name:     s.Name,
			Decision: s.Decision,
			Reason:   s.Reason,
			Rejected: strings.HasPrefix(s.Decision, "驳回"),
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

// formDate formats t as 2026年11月28日 in Asia/Shanghai, or the blank
// "年　月　日" for the zero time.
func formDate(t time.Time) string {
	if t.IsZero() {
		return formBlankDate
	}
	return t.In(formLocation()).Format("2006年1月2日")
}

// summaryLines splits s into lines for <br> separation, whatever the
// line ending; trailing blank lines are dropped.
func summaryLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.TrimRight(s, "\n \t")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
