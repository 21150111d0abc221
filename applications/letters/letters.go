// Package letters renders the letters (文书) of the 依申请公开 register as
// printable A4 pages laid out like official documents (GB/T 9704): the
// 接收回执, the 补正告知书 (条例 Art. 30), the 延期答复告知书 (Art. 33), the
// 征求意见书 to a third party (Art. 32) or another agency (Art. 34), and the
// 答复书 of every outcome of the annual report's table 三.
//
// One Letter value describes any of them: the fields every letter has
// (who sends it, to whom, the register number, the date) and one part per
// kind (Supplement, Extension, Consult, Reply) that only its kind reads.
// The package computes no date: due dates and deadlines come from the
// caller's working-day calendar (workflow.Calendar), so that what a letter
// promises is exactly what the register tracks.
//
// Texts come from the office and from applicants and are printed as
// given (html/template escapes them); the legal wording is the package's.
package letters

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/workflow"
)

// Kind is which letter it is.
type Kind string

// The kinds of letter.
const (
	KindReceipt       Kind = "receipt"        // 政府信息公开申请接收回执
	KindSupplement    Kind = "supplement"     // 补正告知书 (Art. 30)
	KindExtension     Kind = "extension"      // 延期答复告知书 (Art. 33 para 2)
	KindConsultParty  Kind = "consult_party"  // 征求第三方意见书 (Art. 32)
	KindConsultAgency Kind = "consult_agency" // 征求意见书 to a co-producing agency (Art. 34)
	KindReply         Kind = "reply"          // 答复书, of Reply.Outcome
)

// Kinds lists every kind, in the order a case meets them.
func Kinds() []Kind {
	return []Kind{KindReceipt, KindSupplement, KindExtension, KindConsultParty, KindConsultAgency, KindReply}
}

// Letter is everything one letter prints. Which fields a kind needs is
// said on each; Render refuses a letter that lacks one (ErrMissing) rather
// than print a blank where the law wants a date or a name.
type Letter struct {
	Kind Kind

	// Bureau is the sending 行政机关 as it signs, e.g.
	// 通辽市生态环境局经济技术开发区分局. Required.
	Bureau string
	// Register is the application's register number, e.g. 依申请〔2026〕5号.
	// Required: every letter names the application it is about.
	Register string
	// Number is the letter's own 文号 (e.g. 开环公开答〔2026〕5号), printed
	// under the title; empty when the office does not number this kind.
	Number string
	// Date is the letter's date (成文日期). Required.
	Date time.Time
	// Contact is the office's contact, printed under the date (附注).
	// Contact.Phone is required on a receipt.
	Contact Contact

	// Applicant is the applicant's name (a person's or an organisation's):
	// the addressee of every letter but a 征求意见书. Required.
	Applicant string
	// Received is the day of receipt (条例 Art. 31). Required.
	Received time.Time
	// Channel is how the application came (decides the Art. 31 wording).
	// Required on a receipt.
	Channel workflow.Channel
	// Request is the information asked for, as the applicant described it
	// (line breaks kept). Required on a receipt, a 征求意见书 and a reply.
	Request string
	// Form is how the applicant asked to get it. Required on a receipt.
	Form workflow.ProvideForm
	// Due is the reply due date: on a receipt the date promised, on a
	// 延期答复告知书 the original one. Required on those two.
	Due time.Time

	Supplement Supplement // KindSupplement
	Extension  Extension  // KindExtension
	Consult    Consult    // KindConsultParty, KindConsultAgency
	Reply      Reply      // KindReply

	// Remedy names the bodies of the 救济 clause every 答复书 carries.
	// Required on a reply.
	Remedy Remedy
}

// Contact is how the applicant reaches the office.
type Contact struct {
	Person  string // 联系人; optional
	Phone   string // 联系电话
	Address string // 通讯地址; optional
}

// Supplement is the 补正告知书's part (Art. 30).
type Supplement struct {
	// Items are every point to add or clarify, told all at once
	// (一次性告知). At least one.
	Items []string
	// Deadline is the 补正期限: the last day the completed application is
	// accepted. Required, after Letter.Date.
	Deadline time.Time
}

// Extension is the 延期答复告知书's part (Art. 33 para 2). The original due
// date is Letter.Due.
type Extension struct {
	Days   int       // the extension in working days, 1 to 20
	NewDue time.Time // the new due date; after Letter.Due
	Reason string    // why; required
}

// Consult is the 征求意见书's part: to a third party (Art. 32) or to an
// agency that made the information together with the bureau (Art. 34).
type Consult struct {
	// To is the addressee: the third party's or the agency's name.
	To string
	// Asked is what the bureau asks about: the information concerned and
	// why its disclosure may touch the addressee. Required.
	Asked string
	// Deadline is the last day of the 15 working days from the day the
	// addressee receives the letter. Required, after Letter.Date.
	Deadline time.Time
}

// Reply is the 答复书's part.
type Reply struct {
	Outcome workflow.Outcome
	// Reason is the table 三 sub-row for 不予公开, 无法提供, 不予处理 and
	// 其他处理; empty for 予以公开 and 部分公开 (the withheld parts carry
	// theirs).
	Reason workflow.Reason

	// Provided lists the information provided with the reply (Art. 36 ②,
	// Art. 37), one document or item a line.
	Provided []string
	// Published lists where information already published can be found
	// (Art. 36 ①): platform, column, title, address.
	Published []string
	// Withheld are the parts a 部分公开 reply does not release (Art. 37).
	Withheld []Withheld

	// Explanation is the case's own facts behind the outcome (说明理由):
	// what was searched, why it is withheld, what was asked. Required for
	// every outcome but 予以公开.
	Explanation string
	// Basis is the specific provision, beyond the 条例, that the reply
	// rests on: required for 其他法律行政法规禁止公开 (which law) and for
	// 其他处理—其他; printed after the 条例's articles otherwise.
	Basis string

	// OtherAgency is, for 本机关不掌握, the agency responsible for the
	// information (Art. 36 ⑤), with OtherContact; empty when the
	// information does not exist (Art. 36 ④).
	OtherAgency  string
	OtherContact string
	// Redirect is where the applicant should turn: the 信访/投诉/举报
	// channel (Art. 39 para 1) or how to get the publication (Art. 39
	// para 2). Required for those two reasons.
	Redirect string
	// Earlier is the letter the reply refers back to: the earlier reply
	// (重复申请), the 补正告知书 (逾期不补正) or the 收费通知 (逾期未缴费).
	Earlier Ref
}

// Withheld is one part a 部分公开 reply does not release.
type Withheld struct {
	Content     string          // what is withheld
	Reason      workflow.Reason // one of workflow.Reasons(OutcomeWithhold)
	Explanation string          // why, for this case; required
	Basis       string          // the specific law, required for 其他法律行政法规禁止公开
}

// Ref is an earlier letter of the case.
type Ref struct {
	Number string    // its 文号; optional
	Date   time.Time // its date; required where a reason refers to it
	Due    time.Time // the deadline it set (补正期限, 缴费期限)
}

// Remedy names the bodies of the 救济 clause. They differ by place: the
// 行政复议机关 of a county-level department is its 本级人民政府 (行政复议法
// Art. 24 para 1 item (一)); a 派出机构's may be another (Art. 24 para 4);
// the court depends on local jurisdiction rules. So they are configuration.
type Remedy struct {
	ReviewBody string // e.g. 通辽市人民政府
	Court      string // e.g. 通辽市科尔沁区人民法院
}

// ErrMissing: a field the letter's kind needs is empty. The error names it.
var ErrMissing = errors.New("required field missing")

// ErrInvalid: a field has a value the letter cannot carry.
var ErrInvalid = errors.New("invalid field")

func missing(field string) error { return fmt.Errorf("%w: %s", ErrMissing, field) }

func invalid(field, why string) error { return fmt.Errorf("%w: %s: %s", ErrInvalid, field, why) }

func blank(s string) bool { return strings.TrimSpace(s) == "" }

// check says what l lacks for its kind, before anything is printed.
func (l Letter) check() error {
	switch {
	case blank(l.Bureau):
		return missing("Bureau")
	case blank(l.Register):
		return missing("Register")
	case l.Date.IsZero():
		return missing("Date")
	case blank(l.Applicant):
		return missing("Applicant")
	case l.Received.IsZero():
		return missing("Received")
	}
	switch l.Kind {
	case KindReceipt:
		switch {
		case l.Channel.ReceiptRule() == "":
			return invalid("Channel", fmt.Sprintf("%q is not a channel of Art. 31", l.Channel))
		case blank(l.Request):
			return missing("Request")
		case blank(string(l.Form)):
			return missing("Form")
		case l.Due.IsZero():
			return missing("Due")
		case blank(l.Contact.Phone):
			return missing("Contact.Phone")
		}
	case KindSupplement:
		s := l.Supplement
		if len(s.Items) == 0 {
			return missing("Supplement.Items")
		}
		for i, it := range s.Items {
			if blank(it) {
				return missing(fmt.Sprintf("Supplement.Items[%d]", i))
			}
		}
		if s.Deadline.IsZero() {
			return missing("Supplement.Deadline")
		}
		if !dayAfter(s.Deadline, l.Date) {
			return invalid("Supplement.Deadline", "not after the letter's date")
		}
	case KindExtension:
		e := l.Extension
		switch {
		case l.Due.IsZero():
			return missing("Due")
		case e.Days < 1 || e.Days > 20:
			// Art. 33 para 2: 延长的期限最长不得超过20个工作日.
			return invalid("Extension.Days", fmt.Sprintf("%d is not 1 to 20 working days", e.Days))
		case e.NewDue.IsZero():
			return missing("Extension.NewDue")
		case !dayAfter(e.NewDue, l.Due):
			return invalid("Extension.NewDue", "not after the original due date")
		case blank(e.Reason):
			return missing("Extension.Reason")
		}
	case KindConsultParty, KindConsultAgency:
		c := l.Consult
		switch {
		case blank(c.To):
			return missing("Consult.To")
		case blank(c.Asked):
			return missing("Consult.Asked")
		case blank(l.Request):
			return missing("Request")
		case c.Deadline.IsZero():
			return missing("Consult.Deadline")
		case !dayAfter(c.Deadline, l.Date):
			return invalid("Consult.Deadline", "not after the letter's date")
		}
	case KindReply:
		if blank(l.Request) {
			return missing("Request")
		}
		if blank(l.Remedy.ReviewBody) {
			return missing("Remedy.ReviewBody")
		}
		if blank(l.Remedy.Court) {
			return missing("Remedy.Court")
		}
		return l.Reply.check()
	default:
		return invalid("Kind", fmt.Sprintf("%q", l.Kind))
	}
	return nil
}

func (r Reply) check() error {
	if err := checkReason(r.Outcome, r.Reason); err != nil {
		return err
	}
	if r.Outcome != workflow.OutcomeDisclose && blank(r.Explanation) {
		return missing("Reply.Explanation")
	}
	switch r.Outcome {
	case workflow.OutcomeDisclose:
		if len(r.Provided) == 0 && len(r.Published) == 0 {
			return missing("Reply.Provided or Reply.Published")
		}
	case workflow.OutcomePartial:
		if len(r.Provided) == 0 && len(r.Published) == 0 {
			return missing("Reply.Provided or Reply.Published")
		}
		if len(r.Withheld) == 0 {
			return missing("Reply.Withheld")
		}
		for i, w := range r.Withheld {
			f := fmt.Sprintf("Reply.Withheld[%d]", i)
			switch {
			case blank(w.Content):
				return missing(f + ".Content")
			case w.Reason.Outcome() != workflow.OutcomeWithhold:
				return invalid(f+".Reason", fmt.Sprintf("%q is not a reason of 不予公开", w.Reason))
			case blank(w.Explanation):
				return missing(f + ".Explanation")
			case w.Reason == workflow.ReasonLawForbids && blank(w.Basis):
				return missing(f + ".Basis")
			}
		}
	}
	switch r.Reason {
	case workflow.ReasonLawForbids, workflow.ReasonOther:
		if blank(r.Basis) {
			return missing("Reply.Basis")
		}
	case workflow.ReasonPetition, workflow.ReasonPublication:
		if blank(r.Redirect) {
			return missing("Reply.Redirect")
		}
	case workflow.ReasonRepeat:
		if r.Earlier.Date.IsZero() {
			return missing("Reply.Earlier.Date")
		}
	case workflow.ReasonNoSupplement, workflow.ReasonNoFee:
		if r.Earlier.Date.IsZero() {
			return missing("Reply.Earlier.Date")
		}
		if r.Earlier.Due.IsZero() {
			return missing("Reply.Earlier.Due")
		}
	}
	return nil
}

// checkReason: 予以公开 and 部分公开 take no reason, every other outcome
// one of its own.
func checkReason(o workflow.Outcome, r workflow.Reason) error {
	switch o {
	case workflow.OutcomeDisclose, workflow.OutcomePartial:
		if r != "" {
			return invalid("Reply.Reason", fmt.Sprintf("%s takes no reason, got %q", o.Label(), r))
		}
		return nil
	case workflow.OutcomeWithhold, workflow.OutcomeUnavailable, workflow.OutcomeNotHandled, workflow.OutcomeOther:
		if r == "" {
			return missing("Reply.Reason")
		}
		if r.Outcome() != o {
			return invalid("Reply.Reason", fmt.Sprintf("%q is not a reason of %s", r, o.Label()))
		}
		return nil
	}
	return invalid("Reply.Outcome", fmt.Sprintf("%q", o))
}

// dayAfter reports whether a's date is after b's, in Asia/Shanghai.
func dayAfter(a, b time.Time) bool {
	ay, am, ad := a.In(location()).Date()
	by, bm, bd := b.In(location()).Date()
	return time.Date(ay, am, ad, 0, 0, 0, 0, time.UTC).After(time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC))
}
