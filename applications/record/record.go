// Package record prints the 政府信息公开申请办理审批表: the office's record
// of how one application was registered, handled, reviewed and answered
// (条例 Art. 45: 登记、审核、办理、答复、归档), for the case file. It lays
// out what the applications flow gives it in words; it reads no storage.
package record

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/workflow"
)

// Record is everything the printed table shows. The texts are final
// (dates with their years); the layout decides only where each goes.
type Record struct {
	Bureau string // BUREAU_NAME; not printed when empty
	Number string // 依申请〔2026〕5号
	State  string // the state's label, e.g. 已办结
	Round  int    // the review round the signature blocks are of; 0 before any
	// Location is the bureau's zone, in which times are shown; nil is
	// Beijing time (China has had no daylight saving since 1991).
	Location *time.Location

	Applicant   string // name and type: 张三（自然人）
	IDNo, Phone string // in full: the page is for the office's file
	Address     string
	Received    string // the day with its channel and the Art. 31 rule
	ProvideForm string // 获取方式
	Handling    string // 承办: the section and the handler
	Registrar   string // 登记人
	Content     string // 所需信息

	Clock         string // 答复期限, with what moved it
	Supplement    string // the 补正: when, the items, when received
	Consultations string // each 征求意见 on a line of its own
	Extension     string // 延期

	Outcome    string // 答复类型 as table 三 names it, with the sub-reason
	ReplyText  string
	ReplyBasis string
	Delivery   string // 送达: how, when, the tracking number

	Signatures [3]Signature // 0: 股室负责人审核, 1: 办公室审核, 2: 主要负责人审核
	Rejections []Rejection  // the 驳回 of earlier rounds
	History    []HistoryLine
}

// Signature is one review stage of the last round.
type Signature struct {
	Name     string    // who decided; empty when nobody did
	Decision string    // 同意, 同意并报主要负责人, 驳回, 本人提交, 不适用
	Reason   string    // a 驳回's reason
	Review   string    // the office's 保密审查, in one sentence
	At       time.Time // when; zero when nobody decided
}

// Rejection is a 驳回 of an earlier round.
type Rejection struct {
	Round  int
	Stage  string // 股室负责人审核, …
	Name   string
	At     time.Time
	Reason string
}

// HistoryLine is one step of the 办理过程.
type HistoryLine struct {
	At        time.Time
	Who, What string
}

// signStages name the three blocks; their captions add 意见.
var signStages = [3]string{"股室负责人审核", "办公室审核", "主要负责人审核"}

//go:embed templates/record.html
var recordFS embed.FS

// recordTmpl is parsed once; templates are safe for concurrent Execute.
var recordTmpl = template.Must(template.ParseFS(recordFS, "templates/record.html"))

// Render writes r as one self-contained HTML page laid out for A4.
// Nothing is written if rendering fails.
func Render(w io.Writer, r Record) error {
	var buf bytes.Buffer
	if err := recordTmpl.ExecuteTemplate(&buf, "record.html", newPage(r)); err != nil {
		return fmt.Errorf("record %s: render: %w", r.Number, err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("record %s: write: %w", r.Number, err)
	}
	return nil
}

// page is Record made ready for the template: every box split between
// the first page and the 续页.
type page struct {
	Bureau, Number, State string
	Round                 int

	Applicant, IDNo, Phone, Address, Received, ProvideForm, Handling, Registrar box
	Content, Clock, Supplement, Consultations, Extension                        box
	Outcome, ReplyText, ReplyBasis, Delivery                                    box

	Signs      [3]sign
	Cont       []contRow
	Rejections []rejection
	History    []history
	Geo        geometry
}

// box is what one cell of the first page shows.
type box struct {
	Lines []string
	More  bool // the rest is on the 续页
}

type sign struct {
	Label      string // 股室负责人审核意见
	Name       string
	Decision   string
	Rejected   bool
	Lines      []string // the reason and the 保密审查, as the block shows them
	More       bool     // the block shows a part; the 续页 has all of it
	At         string
	Blank      bool // nobody decided: the date is left to fill in by hand
	NotApplied bool
}

// contRow is a row of the 续页: what a box of the first page could not
// hold.
type contRow struct {
	Label string
	Head  string // for a signature block: who, what and when
	Lines []string
}

type rejection struct {
	Round                   int
	Stage, Name, At, Reason string
}

type history struct{ At, Who, What string }

// blankDate is what an unsigned date shows, to be filled in by hand.
const blankDate = "年　月　日"

func newPage(r Record) page {
	p := page{Bureau: r.Bureau, Number: r.Number, State: r.State, Round: r.Round, Geo: geo}
	loc := r.Location
	if loc == nil {
		loc = time.FixedZone("CST", 8*60*60)
	}
	dateTime := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return workflow.FormatDateTime(t, loc)
	}
	cell := func(label, text string, full bool, lines int) box {
		text = strings.TrimSpace(text)
		if text == "" {
			text = "—"
		}
		head, rest := fit(text, geo.valueWidth(full), lines)
		if rest != nil {
			p.Cont = append(p.Cont, contRow{Label: label + "（续）", Lines: rest})
		}
		return box{Lines: head, More: rest != nil}
	}
	pair := rowLines("申请人/证件号码")
	p.Applicant = cell("申请人", r.Applicant, false, pair)
	p.IDNo = cell("证件号码", r.IDNo, false, pair)
	pair = rowLines("联系电话/通讯地址")
	p.Phone = cell("联系电话", r.Phone, false, pair)
	p.Address = cell("通讯地址", r.Address, false, pair)
	pair = rowLines("收到日期/获取方式")
	p.Received = cell("收到日期", r.Received, false, pair)
	p.ProvideForm = cell("获取方式", r.ProvideForm, false, pair)
	pair = rowLines("承办/登记人")
	p.Handling = cell("承办", r.Handling, false, pair)
	p.Registrar = cell("登记人", r.Registrar, false, pair)
	for _, c := range []struct {
		label string
		text  string
		to    *box
	}{
		{"所需信息", r.Content, &p.Content},
		{"答复期限", r.Clock, &p.Clock},
		{"补正", r.Supplement, &p.Supplement},
		{"征求意见", r.Consultations, &p.Consultations},
		{"延期", r.Extension, &p.Extension},
		{"拟答复类型", r.Outcome, &p.Outcome},
		{"拟答复内容", r.ReplyText, &p.ReplyText},
		{"法律依据", r.ReplyBasis, &p.ReplyBasis},
	} {
		*c.to = cell(c.label, c.text, true, rowLines(c.label))
	}

	for i, s := range r.Signatures {
		sg := sign{
			Label:      signStages[i] + "意见：",
			Name:       s.Name,
			Decision:   s.Decision,
			Rejected:   s.Decision == workflow.VerdictReject.Label(),
			NotApplied: strings.HasPrefix(s.Decision, "不适用"),
		}
		var text []string
		if s.Review != "" {
			text = append(text, "保密审查："+s.Review)
		}
		if s.Reason != "" {
			caption := "说明："
			if sg.Rejected {
				caption = "驳回理由："
			}
			text = append(text, caption+s.Reason)
		}
		if len(text) > 0 {
			whole := strings.Join(text, "\n")
			head, fits := fitSign(whole, i == 2)
			sg.Lines, sg.More = head, !fits
			if !fits {
				p.Cont = append(p.Cont, contRow{Label: signStages[i] + "意见（续）",
					Head: strings.TrimSpace(s.Name + "　" + s.Decision + "　" + dateTime(s.At)), Lines: strings.Split(whole, "\n")})
			}
		}
		if s.At.IsZero() {
			sg.At, sg.Blank = blankDate, true
			if sg.NotApplied {
				sg.At, sg.Blank = "", false
			}
		} else {
			sg.At = dateTime(s.At)
		}
		p.Signs[i] = sg
	}
	// The 送达 closes the table, under the signatures, as the case went.
	p.Delivery = cell("送达", r.Delivery, true, rowLines("送达"))

	for _, j := range r.Rejections {
		p.Rejections = append(p.Rejections, rejection{Round: j.Round, Stage: j.Stage, Name: j.Name, At: dateTime(j.At), Reason: j.Reason})
	}
	for _, h := range r.History {
		p.History = append(p.History, history{At: dateTime(h.At), Who: h.Who, What: h.What})
	}
	return p
}
