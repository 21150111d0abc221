package desk

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/zwgk-bot/zwgk/annualreport"
	"github.com/zwgk-bot/zwgk/office"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/webauth"
	"github.com/zwgk-bot/zwgk/workflow"
)

// The 年度报告 on the desk: the office reads the year's report as the
// printable page lays it out, writes its text sections 一, 五 and 六, and
// records it published. Who may read and who may write is the office
// flow's rule (MayReadAnnual, MayEditAnnual), and so are the changes
// (SaveText, RecordPublished, which the chat's 「年度报告」 calls too).

// AnnualPath lists the years; AnnualPath/{year} is a year's report
// (office.AnnualDeskPath), …/text/{1|5|6} a section's editor and
// …/published records the report published.
const AnnualPath = "/desk/annual"

// textKeys are the text sections in addresses: digits, so that the
// address of 五 is /desk/annual/2026/text/5.
var textKeys = []struct{ Key, Number string }{{"1", "一"}, {"5", "五"}, {"6", "六"}}

func sectionOfKey(key string) string {
	for _, k := range textKeys {
		if k.Key == key {
			return k.Number
		}
	}
	return ""
}

func keyOfSection(number string) string {
	for _, k := range textKeys {
		if k.Number == number {
			return k.Key
		}
	}
	return ""
}

func textPath(year int, number string) string {
	return office.AnnualDeskPath(year) + "/text/" + keyOfSection(number)
}

// Refusals of the annual pages.
const (
	msgAnnualNotYours = "年度报告由综合办公室审核人员编制和登记，主要负责人可以查看。如有需要，请联系综合办公室。"
	msgAnnualReadOnly = "年度报告的文字部分和发布登记由综合办公室审核人员办理，您可以查看。如需修改，请联系综合办公室。"
	msgAnnualBadForm  = "提交的内容不完整，操作未执行。请返回年度报告页面刷新后重试。"
)

func (d *Desk) annualRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+AnnualPath, d.Auth.Page(d.serveAnnualYears))
	mux.HandleFunc("GET "+AnnualPath+"/{year}", d.Auth.Page(d.serveAnnual))
	mux.HandleFunc("GET "+AnnualPath+"/{year}/text/{section}", d.Auth.Page(d.serveAnnualText))
	mux.HandleFunc("POST "+AnnualPath+"/{year}/text/{section}", d.Auth.Form(d.postAnnualText))
	mux.HandleFunc("POST "+AnnualPath+"/{year}/published", d.Auth.Form(d.postAnnualPublished))
}

// annualYear reads the address's year: one zwgk may have a report of, up
// to this one. It answers a refusal itself and reports false.
func (d *Desk) annualYear(w http.ResponseWriter, r *http.Request, v *webauth.Visitor) (int, bool) {
	if !d.Office.MayReadAnnual(v.Person) {
		webauth.Refuse(w, http.StatusForbidden, "无权查看", msgAnnualNotYours)
		return 0, false
	}
	ys := r.PathValue("year")
	year, err := strconv.Atoi(ys)
	if err != nil || strconv.Itoa(year) != ys || year < annualreport.FirstYear || year > d.Now().In(d.Location).Year() {
		webauth.Refuse(w, http.StatusNotFound, "未找到", "没有这一年度的报告，请返回年度报告列表核对。")
		return 0, false
	}
	return year, true
}

type yearRow struct {
	Year  int
	Path  string
	State string
}

type yearsBody struct {
	Years []yearRow
}

// serveAnnualYears lists the years with records, the one being prepared
// first.
func (d *Desk) serveAnnualYears(w http.ResponseWriter, r *http.Request, v *webauth.Visitor) {
	if !d.Office.MayReadAnnual(v.Person) {
		webauth.Refuse(w, http.StatusForbidden, "无权查看", msgAnnualNotYours)
		return
	}
	ctx := r.Context()
	now := d.Now()
	ys, err := storage.AnnualReportYears(ctx, d.DB, d.Location)
	if err != nil {
		d.fail(w, r, "annual years", err)
		return
	}
	current := d.Office.ReportYear(now)
	years := []int{current}
	for _, y := range ys {
		if y != current && y <= now.In(d.Location).Year() {
			years = append(years, y)
		}
	}
	var body yearsBody
	for _, y := range years {
		st, err := d.publishedState(r, y)
		if err != nil {
			d.fail(w, r, "annual years", err)
			return
		}
		body.Years = append(body.Years, yearRow{Year: y, Path: office.AnnualDeskPath(y), State: st.Summary})
	}
	d.Auth.Render(w, d.pages, http.StatusOK, "annual-years", v, "年度报告", body)
}

// publishState is the report's record of publication, as the page shows
// it.
type publishState struct {
	Done     bool
	Summary  string // one line: 已于…由…登记为已发布 / 未登记发布 / 年度尚未结束
	Reason   string // the override's reason
	Overrode int    // the checks it overrode
	YearOpen bool
}

func (d *Desk) publishedState(r *http.Request, year int) (publishState, error) {
	rec, err := storage.GetAnnualReport(r.Context(), d.DB, year)
	switch {
	case err == nil:
		return publishState{Done: true, Reason: rec.OverrideReason, Overrode: len(rec.Problems),
			Summary: fmt.Sprintf("已于%s由%s登记为已发布", workflow.FormatDateTime(rec.DoneAt, d.Location), d.Office.Name(rec.DoneBy))}, nil
	case !errors.Is(err, storage.ErrNotFound):
		return publishState{}, err
	case year >= d.Now().In(d.Location).Year():
		return publishState{YearOpen: true, Summary: fmt.Sprintf("编制中（%d年度尚未结束）", year)}, nil
	}
	return publishState{Summary: "未登记发布"}, nil
}

type sectionState struct {
	Number, Title, Path string
	Draft               bool
	By, At              string
}

type annualBody struct {
	Year      int
	Editor    bool
	Notice    string // what the last POST did
	Error     string // why this POST was refused
	Problems  []string
	Sections  []sectionState
	Published publishState
	// CanRecord offers 已发布: the year has ended, it is not recorded
	// and the visitor may record it; a reason is asked for while checks
	// fail (Reason is the one typed, shown back on a refusal).
	CanRecord  bool
	Reason     string
	MaxReason  int
	Printable  string
	PublishURL string
	Report     template.HTML
}

// notices are what the page says after a POST, by ?done=…: fixed texts,
// so that the address carries nothing a visitor typed.
func noticeOf(done string, year int) string {
	what, key, _ := strings.Cut(done, "-")
	title := annualreport.SectionTitle(sectionOfKey(key))
	switch {
	case what == "published":
		return fmt.Sprintf("已登记：%d年度政府信息公开工作年度报告已发布，不再提醒。", year)
	case what == "before":
		return fmt.Sprintf("%d年度报告此前已登记为已发布，无需重复登记。", year)
	case title == "":
		return ""
	case what == "saved":
		return "「" + title + "」已保存，报告中以此文本替代草稿。"
	case what == "same":
		return "「" + title + "」与已保存的文本相同，未重复保存。"
	case what == "cleared":
		return "「" + title + "」已恢复为系统生成的草稿（此前的文本仍保留在记录中）。"
	case what == "draft":
		return "「" + title + "」本就是系统生成的草稿，未作改动。"
	}
	return ""
}

// serveAnnual is a year's report: the checks, the record of publication,
// the text sections' state, and the report itself as the printable page
// lays it out.
func (d *Desk) serveAnnual(w http.ResponseWriter, r *http.Request, v *webauth.Visitor) {
	year, ok := d.annualYear(w, r, v)
	if !ok {
		return
	}
	d.renderAnnual(w, r, v, year, http.StatusOK, noticeOf(webauth.Done(r, v), year), "", "")
}

func (d *Desk) renderAnnual(w http.ResponseWriter, r *http.Request, v *webauth.Visitor, year, status int, notice, refusal, reason string) {
	ctx := r.Context()
	now := d.Now()
	rep, err := annualreport.Build(ctx, d.DB, year, d.Location)
	if err != nil {
		d.fail(w, r, "annual report", err)
		return
	}
	st, err := d.publishedState(r, year)
	if err != nil {
		d.fail(w, r, "annual report", err)
		return
	}
	var buf bytes.Buffer
	if err := annualreport.RenderBody(&buf, rep, annualreport.PageInfo{Bureau: d.Office.Letters.Bureau, Generated: now, Loc: d.Location, Embedded: true}); err != nil {
		d.fail(w, r, "annual report", err)
		return
	}
	editor := d.Office.MayEditAnnual(v.Person)
	body := annualBody{Year: year, Editor: editor, Notice: notice, Error: refusal, Problems: rep.Problems, Published: st,
		CanRecord: editor && !st.Done && !st.YearOpen, Reason: reason, MaxReason: office.MaxOverrideReason,
		Printable: d.Office.AnnualLink(year, now), PublishURL: office.AnnualDeskPath(year) + "/published",
		Report: template.HTML(buf.String())} // our own template's output, escaped there
	for _, s := range rep.Sections {
		if !s.Editable {
			continue
		}
		ss := sectionState{Number: s.Number, Title: s.Title, Path: textPath(year, s.Number), Draft: s.Draft}
		if !s.Draft {
			ss.By, ss.At = d.Office.Name(s.By), workflow.FormatDateTime(s.At, d.Location)
		}
		body.Sections = append(body.Sections, ss)
	}
	d.Auth.Render(w, d.pages, status, "annual", v, fmt.Sprintf("%d年度报告", year), body)
}

type versionRow struct {
	What, By, At, Text string
}

type textBody struct {
	Year          int
	Number, Title string
	Back, Action  string
	Text          string // in the textarea
	Version       int64  // the latest version shown
	Draft         bool
	By, At        string // who wrote the current text, when
	Published     bool
	Error         string
	Current       string // on a stale POST: the section's text now
	Versions      []versionRow
	Max           int
	Chars         int
	Stale         bool // Current is shown beside the typed text
}

// serveAnnualText is a section's editor: its text in a textarea, the
// version it shows, 恢复系统草稿, and every version with who and when.
func (d *Desk) serveAnnualText(w http.ResponseWriter, r *http.Request, v *webauth.Visitor) {
	year, number, ok := d.textTarget(w, r, v)
	if !ok {
		return
	}
	d.renderText(w, r, v, year, number, http.StatusOK, func(*textBody) {})
}

// textTarget reads the year and section of a text address for one who
// may write them.
func (d *Desk) textTarget(w http.ResponseWriter, r *http.Request, v *webauth.Visitor) (int, string, bool) {
	year, ok := d.annualYear(w, r, v)
	if !ok {
		return 0, "", false
	}
	number := sectionOfKey(r.PathValue("section"))
	if number == "" {
		webauth.Refuse(w, http.StatusNotFound, "未找到", "年度报告中可修改的是第一、五、六部分，请返回年度报告页面。")
		return 0, "", false
	}
	if !d.Office.MayEditAnnual(v.Person) {
		webauth.Refuse(w, http.StatusForbidden, "无权修改", msgAnnualReadOnly)
		return 0, "", false
	}
	return year, number, true
}

// renderText shows the editor of a section as it is stored now; edit then
// adjusts it for a refused POST (the typed text, the message).
func (d *Desk) renderText(w http.ResponseWriter, r *http.Request, v *webauth.Visitor, year int, number string, status int, edit func(*textBody)) {
	ctx := r.Context()
	rep, err := annualreport.Build(ctx, d.DB, year, d.Location)
	if err != nil {
		d.fail(w, r, "annual text", err)
		return
	}
	vs, err := storage.AnnualTextVersions(ctx, d.DB, year, number)
	if err != nil {
		d.fail(w, r, "annual text", err)
		return
	}
	st, err := d.publishedState(r, year)
	if err != nil {
		d.fail(w, r, "annual text", err)
		return
	}
	i := slices.IndexFunc(rep.Sections, func(s annualreport.Section) bool { return s.Number == number })
	s := rep.Sections[i]
	b := textBody{Year: year, Number: number, Title: s.Title, Back: office.AnnualDeskPath(year) + "#" + url.PathEscape("report-"+number),
		Action: textPath(year, number), Text: s.Text, Draft: s.Draft, Published: st.Done,
		Max: storage.MaxAnnualText, Chars: utf8.RuneCountInString(s.Text)}
	if !s.Draft {
		b.By, b.At = d.Office.Name(s.By), workflow.FormatDateTime(s.At, d.Location)
	}
	if n := len(vs); n > 0 {
		b.Version = vs[n-1].ID
	}
	for i := len(vs) - 1; i >= 0; i-- {
		x := vs[i]
		row := versionRow{By: d.Office.Name(x.EnteredBy), At: workflow.FormatDateTime(x.EnteredAt, d.Location), Text: x.Body}
		if x.Cleared {
			row.What = "恢复为系统草稿"
		} else {
			row.What = fmt.Sprintf("保存文本（%d字）", utf8.RuneCountInString(x.Body))
		}
		b.Versions = append(b.Versions, row)
	}
	b.Current = s.Text
	edit(&b)
	d.Auth.Render(w, d.pages, status, "annual-text", v, fmt.Sprintf("%d年度报告 %s", year, s.Title), b)
}

// postAnnualText saves a section's text, or with action=restore puts it
// back to the draft. A POST from a page that showed an older version is
// refused, naming who changed it and when, with the typed text kept.
func (d *Desk) postAnnualText(w http.ResponseWriter, r *http.Request, v *webauth.Visitor) {
	year, number, ok := d.textTarget(w, r, v)
	if !ok {
		return
	}
	f := r.PostForm
	seen, err := strconv.ParseInt(f.Get("version"), 10, 64)
	restore := f.Get("action") == "restore"
	if err != nil || seen < 0 || (!restore && !f.Has("body")) {
		webauth.Refuse(w, http.StatusBadRequest, "操作未执行", msgAnnualBadForm)
		return
	}
	typed := f.Get("body")
	var res office.TextResult
	err = d.DB.WithTx(r.Context(), func(tx *storage.Tx) error {
		var err error
		res, err = d.Office.SaveText(r.Context(), tx, v.Person, year, number, typed, restore, seen, d.Now())
		return err
	})
	if err != nil {
		d.fail(w, r, "save annual text", err)
		return
	}
	key := keyOfSection(number)
	back := func(done string) {
		http.Redirect(w, r, webauth.DoneQuery(v, office.AnnualDeskPath(year), done+"-"+key)+"#"+url.PathEscape("report-"+number), http.StatusSeeOther)
	}
	switch res.Outcome {
	case office.TextSaved:
		if restore {
			back("cleared")
		} else {
			back("saved")
		}
	case office.TextUnchanged:
		if restore {
			back("draft")
		} else {
			back("same")
		}
	case office.TextNotAllowed:
		webauth.Refuse(w, http.StatusForbidden, "无权修改", msgAnnualReadOnly)
	case office.TextBad:
		d.renderText(w, r, v, year, number, http.StatusBadRequest, func(b *textBody) {
			b.Error = "未保存：" + res.Problem
			b.Text, b.Version, b.Chars = typed, seen, utf8.RuneCountInString(typed)
		})
	case office.TextStale:
		c := res.Current
		d.renderText(w, r, v, year, number, http.StatusConflict, func(b *textBody) {
			who, when := d.Office.Name(c.EnteredBy), workflow.FormatDateTime(c.EnteredAt, d.Location)
			did := "修改"
			if c.Cleared {
				did = "恢复为系统草稿"
			}
			if restore {
				b.Error = fmt.Sprintf("未恢复：您打开此页后，该部分已由%s于%s%s。请查看下方的当前文本后再决定。", who, when, did)
				return
			}
			b.Error = fmt.Sprintf("未保存：您打开此页后，该部分已由%s于%s%s。您输入的内容保留在下方的编辑框中，当前文本附在其后；请对照修改后再次保存。", who, when, did)
			b.Stale = true
			// The version now in b is the one just shown: saving again
			// replaces it knowingly.
			b.Text, b.Chars = typed, utf8.RuneCountInString(typed)
		})
	}
}

// postAnnualPublished records the year's report published: the chat's
// 「年度报告 2026 已发布」, through the same office.RecordPublished.
func (d *Desk) postAnnualPublished(w http.ResponseWriter, r *http.Request, v *webauth.Visitor) {
	year, ok := d.annualYear(w, r, v)
	if !ok {
		return
	}
	if !d.Office.MayEditAnnual(v.Person) {
		webauth.Refuse(w, http.StatusForbidden, "无权登记", msgAnnualReadOnly)
		return
	}
	f := r.PostForm
	confirm, reason := f.Get("confirm") == "1", f.Get("reason")
	var res office.PublishResult
	err := d.DB.WithTx(r.Context(), func(tx *storage.Tx) error {
		var err error
		res, err = d.Office.RecordPublished(r.Context(), tx, v.Person, year, d.Now(), confirm, reason)
		return err
	})
	if err != nil {
		d.fail(w, r, "record annual report", err)
		return
	}
	page := office.AnnualDeskPath(year)
	switch res.Outcome {
	case office.Published:
		http.Redirect(w, r, webauth.DoneQuery(v, page, "published"), http.StatusSeeOther)
	case office.PublishedBefore:
		http.Redirect(w, r, webauth.DoneQuery(v, page, "before"), http.StatusSeeOther)
	case office.PublishNotAllowed:
		webauth.Refuse(w, http.StatusForbidden, "无权登记", msgAnnualReadOnly)
	case office.PublishYearOpen:
		d.renderAnnual(w, r, v, year, http.StatusConflict, "", fmt.Sprintf("未登记：%d年度尚未结束，年度报告应在%d年1月31日前发布后再登记。", year, year+1), "")
	case office.PublishChecksFail:
		d.renderAnnual(w, r, v, year, http.StatusConflict, "", fmt.Sprintf("未登记：%d年度报告的数据校验未通过（见上方）。请核对后更正；如确认按已公开的报告登记，请在下方写明理由后提交。", year), reason)
	case office.PublishNoReason:
		d.renderAnnual(w, r, v, year, http.StatusBadRequest, "", "未登记：请写明按未通过校验的数据发布的理由，如「上年结转数以原系统台账为准」。", reason)
	case office.PublishBadReason:
		d.renderAnnual(w, r, v, year, http.StatusBadRequest, "", "未登记："+res.Problem, reason)
	}
}
