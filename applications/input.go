package applications

import (
	"database/sql"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zwgk-bot/zwgk/api"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// Input is an application as the API, a CSV row or the chat gives it:
// text fields, checked by Validate.
type Input struct {
	ExternalID       string `json:"external_id"` // the website's id; a repeat returns the stored application
	Channel          string `json:"channel"`     // 当面 / 邮寄 / 平信 / 网络 / 传真
	ReceivedOn       string `json:"received_on"` // YYYY-MM-DD, the day of receipt by 条例 Art. 31
	ApplicantName    string `json:"applicant_name"`
	ApplicantType    string `json:"applicant_type"` // one of table 三's six columns
	ApplicantIDNo    string `json:"applicant_id_no"`
	ApplicantPhone   string `json:"applicant_phone"`
	ApplicantAddress string `json:"applicant_address"`
	Content          string `json:"content"`      // the information asked for
	ProvideForm      string `json:"provide_form"` // 纸质 / 电子 / 邮寄 / 当面领取
	Section          string `json:"section"`      // optional: the office assigns it otherwise
	Registrar        string `json:"registrar"`    // userid; the API and CSV default to the first office member

	// An application of the paper backlog already answered (CSV only;
	// the API refuses these fields): its outcome as table 三 names it, the
	// reason for the outcomes that have one, and the day it was closed.
	Outcome  string `json:"-"`
	Reason   string `json:"-"`
	ClosedOn string `json:"-"`
}

// fieldLabels name the fields in messages to people.
var fieldLabels = map[string]string{
	"external_id": "外部编号", "channel": "申请渠道", "received_on": "收到申请日期", "applicant_name": "申请人",
	"applicant_type": "申请人类型", "applicant_id_no": "证件号码", "applicant_phone": "联系电话",
	"applicant_address": "通讯地址", "content": "所需信息", "provide_form": "获取方式", "section": "承办股室",
	"registrar": "登记人", "outcome": "办理结果", "reason": "具体情形", "closed_on": "办结日期",
}

// Lengths of free-text fields, in characters.
const (
	maxContent  = 2000
	maxName     = 100 // an organisation's full name can be long
	maxAddress  = 200
	maxExternal = 64
)

// earliestReceipt bounds the day of receipt: the 条例 in its present form
// is in force from 2019-05-15; an earlier date is a typo.
const earliestReceipt = "2019-05-15"

// beforeEarliest reports whether day (midnight in the bureau's zone) is
// before the 条例's day of force.
func beforeEarliest(day time.Time) bool { return day.Format(time.DateOnly) < earliestReceipt }

func (in Input) texts() []struct{ name, value string } {
	return []struct{ name, value string }{
		{"external_id", in.ExternalID}, {"channel", in.Channel}, {"received_on", in.ReceivedOn},
		{"applicant_name", in.ApplicantName}, {"applicant_type", in.ApplicantType}, {"applicant_id_no", in.ApplicantIDNo},
		{"applicant_phone", in.ApplicantPhone}, {"applicant_address", in.ApplicantAddress}, {"content", in.Content},
		{"provide_form", in.ProvideForm}, {"section", in.Section}, {"registrar", in.Registrar},
		{"outcome", in.Outcome}, {"reason", in.Reason}, {"closed_on", in.ClosedOn},
	}
}

// Validate checks every field and returns the application to store
// (without its number and deadline), or all the problems at once.
func (b *Flow) Validate(in Input, now time.Time) (*storage.Application, error) {
	var errs api.FieldErrors
	for _, f := range in.texts() {
		if msg := api.TextProblem(f.value); msg != "" {
			errs.Add(f.name, fieldLabels[f.name]+msg)
		}
	}
	a := &storage.Application{State: string(workflow.ApplicationRegistered), CreatedAt: now, UpdatedAt: now}
	if ext := strings.TrimSpace(in.ExternalID); ext != "" {
		if utf8.RuneCountInString(ext) > maxExternal {
			errs.Add("external_id", "外部编号不能超过64个字符。")
		}
		a.ExternalID = sql.NullString{String: ext, Valid: true}
	}
	ch, err := workflow.ParseChannel(in.Channel)
	if err != nil {
		errs.Add("channel", err.Error())
	}
	a.Channel = string(ch)
	today := storage.Day(now.In(b.Location), b.Location)
	if d, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(in.ReceivedOn), b.Location); err != nil {
		if isoDay.MatchString(strings.TrimSpace(in.ReceivedOn)) {
			errs.Add("received_on", "收到申请日期「"+strings.TrimSpace(in.ReceivedOn)+"」不是有效的日期，请核对。")
		} else {
			errs.Add("received_on", "收到申请日期应为 YYYY-MM-DD 格式，如 2026-12-01。")
		}
	} else if d.After(today) {
		errs.Add("received_on", "收到申请日期不能晚于今天。")
	} else if beforeEarliest(d) {
		errs.Add("received_on", "收到申请日期不能早于2019年5月15日（现行条例施行之日）。")
	} else {
		a.ReceivedD = d
	}
	a.ApplicantName = strings.TrimSpace(in.ApplicantName)
	if v, err := workflow.CheckChars(fieldLabels["applicant_name"], a.ApplicantName); err != nil {
		errs.Add("applicant_name", err.Error())
	} else {
		a.ApplicantName = v
	}
	switch n := utf8.RuneCountInString(a.ApplicantName); {
	case n == 0:
		errs.Add("applicant_name", "申请人姓名或名称不能为空。")
	case n > maxName:
		errs.Add("applicant_name", "申请人姓名或名称不能超过100字。")
	}
	typ, err := workflow.ParseApplicantType(in.ApplicantType)
	if err != nil {
		errs.Add("applicant_type", err.Error())
	}
	a.ApplicantType = string(typ)
	if id := strings.TrimSpace(in.ApplicantIDNo); id != "" && typ != "" {
		check := workflow.CheckIDNumber
		if typ.Organisation() {
			check = workflow.CheckCreditCode
		}
		if v, err := check(id); err != nil {
			errs.Add("applicant_id_no", err.Error())
		} else {
			a.ApplicantIDNo = v
		}
	}
	if v, err := workflow.CheckPhone(in.ApplicantPhone); err != nil {
		errs.Add("applicant_phone", err.Error())
	} else {
		a.ApplicantPhone = v
	}
	a.ApplicantAddress = strings.TrimSpace(in.ApplicantAddress)
	if v, err := workflow.CheckChars(fieldLabels["applicant_address"], a.ApplicantAddress); err != nil {
		errs.Add("applicant_address", err.Error())
	} else {
		a.ApplicantAddress = v
	}
	if utf8.RuneCountInString(a.ApplicantAddress) > maxAddress {
		errs.Add("applicant_address", "通讯地址不能超过200字。")
	}
	a.Content = strings.TrimSpace(in.Content)
	switch n := utf8.RuneCountInString(a.Content); {
	case n == 0:
		errs.Add("content", "所需信息的名称或描述不能为空。")
	case n > maxContent:
		errs.Add("content", "所需信息的描述不能超过2000字。")
	}
	if v, err := workflow.CheckChars(fieldLabels["content"], a.Content); err != nil {
		errs.Add("content", err.Error())
	} else {
		a.Content = v
	}
	form, err := workflow.ParseProvideForm(in.ProvideForm)
	if err != nil {
		errs.Add("provide_form", err.Error())
	}
	a.ProvideForm = string(form)
	// The reply must reach the applicant the way asked (送达): a post needs
	// an address, an electronic reply an e-mail address or a phone to
	// agree on one.
	switch {
	case form == workflow.ProvidePost && a.ApplicantAddress == "" && !errs.Has("applicant_address"):
		errs.Add("applicant_address", "申请人要求邮寄，请填写通讯地址。")
	case form == workflow.ProvideElectronic && a.ApplicantAddress == "" && a.ApplicantPhone == "" && !errs.Has("applicant_address"):
		errs.Add("applicant_address", "申请人要求电子送达，请填写电子邮箱或联系电话。")
	}
	if sec := strings.TrimSpace(in.Section); sec != "" {
		if s, ok := b.Roster.Section(sec); ok {
			a.Section = s.Name
			a.State = string(workflow.ApplicationDispatched)
		} else {
			errs.Add("section", "承办股室应为人员名单中的股室："+strings.Join(b.sectionNames(), "、")+"。")
		}
	}
	if in.Registrar != "" {
		switch p, ok := b.Roster.Person(in.Registrar); {
		case !ok:
			errs.Add("registrar", "登记人不在人员名单中。")
		case !p.Has(config.RoleOffice):
			// As in the chat: the office registers applications.
			errs.Add("registrar", "登记人应为综合办公室人员。")
		default:
			a.Registrar = p.UserID
		}
	} else if office := b.Roster.WithRole(config.RoleOffice); len(office) > 0 {
		a.Registrar = office[0].UserID
	}
	if in.Outcome != "" || in.Reason != "" || in.ClosedOn != "" {
		b.validateClosed(in, a, today, &errs)
	}
	if !errs.Has("received_on") {
		due, err := b.replyDue(a)
		if err != nil {
			errs.Add("received_on", "无法按工作日计算答复期限（工作日历缺少相应年份），请联系办公室在「日历」中添加。")
		}
		a.DueD = due
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return a, nil
}

var isoDay = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func (b *Flow) sectionNames() []string {
	var out []string
	for _, s := range b.Roster.Sections {
		out = append(out, s.Name)
	}
	return out
}

// validateClosed reads the outcome of an application imported already
// answered: the outcome and its reason by table 三's words, and the day
// it was closed, between its receipt and today.
func (b *Flow) validateClosed(in Input, a *storage.Application, today time.Time, errs *api.FieldErrors) {
	var outcome workflow.Outcome
	for _, o := range workflow.Outcomes() {
		if strings.TrimSpace(in.Outcome) == o.Label() {
			outcome = o
		}
	}
	if outcome == "" {
		var labels []string
		for _, o := range workflow.Outcomes() {
			labels = append(labels, o.Label())
		}
		errs.Add("outcome", "办理结果应为 "+strings.Join(labels, "、")+" 之一。")
		return
	}
	a.Outcome = string(outcome)
	reasons := workflow.Reasons(outcome)
	if r := strings.TrimSpace(in.Reason); r != "" || len(reasons) > 0 {
		found := false
		var labels []string
		for _, re := range reasons {
			labels = append(labels, re.Label())
			if r == re.Label() {
				a.Reason, found = string(re), true
			}
		}
		switch {
		case len(reasons) == 0:
			errs.Add("reason", outcome.Label()+"没有具体情形，请留空。")
		case !found:
			errs.Add("reason", outcome.Label()+"的具体情形应为："+strings.Join(labels, "；")+"。")
		}
	}
	d, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(in.ClosedOn), b.Location)
	switch {
	case err != nil:
		errs.Add("closed_on", "已办结的申请需填写办结日期，格式如 2026-03-15。")
	case d.After(today):
		errs.Add("closed_on", "办结日期不能晚于今天。")
	case !a.ReceivedD.IsZero() && d.Before(a.ReceivedD):
		errs.Add("closed_on", "办结日期不能早于收到申请日期。")
	default:
		a.DeliveredD = sql.NullTime{Time: d, Valid: true}
		a.State = string(workflow.ApplicationClosed)
	}
}
