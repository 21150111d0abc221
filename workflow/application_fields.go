package workflow

import (
	"errors"
	"strings"
)

// Channel is how a 政府信息公开申请 reached the bureau. It decides the day
// of receipt (条例 Art. 31), from which every clock of the application runs.
type Channel string

// The channels of Art. 31.
const (
	ChannelInPerson Channel = "当面" // the day it was handed in
	ChannelPost     Channel = "邮寄" // registered post: the day the bureau signed for it
	ChannelLetter   Channel = "平信" // ordinary letter: the day the office confirmed it with the applicant
	ChannelOnline   Channel = "网络" // online: the day both sides confirmed it
	ChannelFax      Channel = "传真" // fax: the day both sides confirmed it
)

// Channels lists them in the order the register offers them.
func Channels() []Channel {
	return []Channel{ChannelInPerson, ChannelPost, ChannelLetter, ChannelOnline, ChannelFax}
}

// ReceiptRule is the Art. 31 wording of what the day of receipt is for the
// channel: the question the office answers when registering.
func (c Channel) ReceiptRule() string {
	switch c {
	case ChannelInPerson:
		return "当面提交之日"
	case ChannelPost:
		return "本机关签收之日"
	case ChannelLetter:
		return "与申请人确认之日"
	case ChannelOnline, ChannelFax:
		return "双方确认之日"
	}
	return ""
}

// ErrChannel: not one of the channels.
var ErrChannel = errors.New("申请渠道应为 当面、邮寄、平信、网络 或 传真。")

// ParseChannel reads a channel, accepting the usual longer words.
func ParseChannel(s string) (Channel, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "当面", "当面提交", "现场":
		return ChannelInPerson, nil
	case "邮寄", "挂号信", "快递", "EMS":
		return ChannelPost, nil
	case "平信":
		return ChannelLetter, nil
	case "网络", "网上", "互联网", "在线", "网站":
		return ChannelOnline, nil
	case "传真":
		return ChannelFax, nil
	}
	return "", ErrChannel
}

// ApplicantType is one of the six applicant columns of the annual
// report's table 三 (国办公开办函〔2021〕30号).
type ApplicantType string

// The applicant types, as the table's columns name them.
const (
	ApplicantPerson     ApplicantType = "自然人"
	ApplicantBusiness   ApplicantType = "商业企业"
	ApplicantResearch   ApplicantType = "科研机构"
	ApplicantCharity    ApplicantType = "社会公益组织"
	ApplicantLegal      ApplicantType = "法律服务机构"
	ApplicantOtherOrgan ApplicantType = "其他"
)

// ApplicantTypes lists them in the table's column order.
func ApplicantTypes() []ApplicantType {
	return []ApplicantType{ApplicantPerson, ApplicantBusiness, ApplicantResearch, ApplicantCharity, ApplicantLegal, ApplicantOtherOrgan}
}

// Organisation reports whether the type is a 法人或其他组织 column: such an
// applicant has a 统一社会信用代码 rather than an ID number.
func (t ApplicantType) Organisation() bool { return t != ApplicantPerson }

// ErrApplicantType: not one of the six columns.
var ErrApplicantType = errors.New("申请人类型应为 自然人、商业企业、科研机构、社会公益组织、法律服务机构 或 其他。")

// ParseApplicantType reads an applicant type.
func ParseApplicantType(s string) (ApplicantType, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "个人", "公民":
		return ApplicantPerson, nil
	case "企业", "公司":
		return ApplicantBusiness, nil
	case "律师事务所", "律所":
		return ApplicantLegal, nil
	case "其他组织":
		return ApplicantOtherOrgan, nil
	}
	for _, t := range ApplicantTypes() {
		if s == string(t) {
			return t, nil
		}
	}
	return "", ErrApplicantType
}

// ProvideForm is how the applicant asked to receive the information
// (条例 Art. 29: 获取信息的方式、途径).
type ProvideForm string

// The forms an applicant may ask for.
const (
	ProvidePaper      ProvideForm = "纸质"
	ProvideElectronic ProvideForm = "电子"
	ProvidePost       ProvideForm = "邮寄"
	ProvidePickup     ProvideForm = "当面领取"
)

// ProvideForms lists them in the register's order.
func ProvideForms() []ProvideForm {
	return []ProvideForm{ProvidePaper, ProvideElectronic, ProvidePost, ProvidePickup}
}

// ErrProvideForm: not one of the forms.
var ErrProvideForm = errors.New("获取信息的方式应为 纸质、电子、邮寄 或 当面领取。")

// ParseProvideForm reads a ProvideForm.
func ParseProvideForm(s string) (ProvideForm, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "纸质", "纸质文本", "书面":
		return ProvidePaper, nil
	case "电子", "电子文本", "电子邮件", "邮箱":
		return ProvideElectronic, nil
	case "邮寄", "快递":
		return ProvidePost, nil
	case "当面领取", "自行领取", "领取", "当面":
		return ProvidePickup, nil
	}
	return "", ErrProvideForm
}

// Outcome is the kind of a reply (条例 Art. 36), as the row groups of the
// annual report's table 三 count it.
type Outcome string

// The outcomes, in the table's row order.
const (
	OutcomeDisclose    Outcome = "disclose"    // （一）予以公开
	OutcomePartial     Outcome = "partial"     // （二）部分公开
	OutcomeWithhold    Outcome = "withhold"    // （三）不予公开
	OutcomeUnavailable Outcome = "unavailable" // （四）无法提供
	OutcomeNotHandled  Outcome = "not_handled" // （五）不予处理
	OutcomeOther       Outcome = "other"       // （六）其他处理
)

// Outcomes lists them in the table's order.
func Outcomes() []Outcome {
	return []Outcome{OutcomeDisclose, OutcomePartial, OutcomeWithhold, OutcomeUnavailable, OutcomeNotHandled, OutcomeOther}
}

// Label is the outcome as table 三 names it.
func (o Outcome) Label() string {
	switch o {
	case OutcomeDisclose:
		return "予以公开"
	case OutcomePartial:
		return "部分公开"
	case OutcomeWithhold:
		return "不予公开"
	case OutcomeUnavailable:
		return "无法提供"
	case OutcomeNotHandled:
		return "不予处理"
	case OutcomeOther:
		return "其他处理"
	}
	return string(o)
}

// NeedsLeader reports whether a reply of this outcome always goes to the
// 主要负责人 after the office's 保密审查 (issue 17: 不予公开 and 部分公开;
// the office may escalate any other).
func (o Outcome) NeedsLeader() bool { return o == OutcomeWithhold || o == OutcomePartial }

// Reason is a numbered sub-row of table 三 under 不予公开, 无法提供, 不予处理
// and 其他处理: the reason a reply gives. Its value is stable (it is
// stored); Label is the table's wording.
type Reason string

// The reasons, in the table's order under each outcome.
const (
	ReasonStateSecret   Reason = "withhold.state_secret"   // 1.属于国家秘密
	ReasonLawForbids    Reason = "withhold.law_forbids"    // 2.其他法律行政法规禁止公开
	ReasonSecurity      Reason = "withhold.security"       // 3.危及"三安全一稳定"
	ReasonThirdParty    Reason = "withhold.third_party"    // 4.保护第三方合法权益
	ReasonInternal      Reason = "withhold.internal"       // 5.属于三类内部事务信息
	ReasonProcess       Reason = "withhold.process"        // 6.属于四类过程性信息
	ReasonCaseFile      Reason = "withhold.case_file"      // 7.属于行政执法案卷
	ReasonQuery         Reason = "withhold.query"          // 8.属于行政查询事项
	ReasonNotHeld       Reason = "unavailable.not_held"    // 1.本机关不掌握相关政府信息
	ReasonNeedsCreating Reason = "unavailable.needs_new"   // 2.没有现成信息需要另行制作
	ReasonStillUnclear  Reason = "unavailable.unclear"     // 3.补正后申请内容仍不明确
	ReasonPetition      Reason = "not_handled.petition"    // 1.信访举报投诉类申请
	ReasonRepeat        Reason = "not_handled.repeat"      // 2.重复申请
	ReasonPublication   Reason = "not_handled.publication" // 3.要求提供公开出版物
	ReasonExcessive     Reason = "not_handled.excessive"   // 4.无正当理由大量反复申请
	ReasonConfirm       Reason = "not_handled.confirm"     // 5.要求行政机关确认或重新出具已获取信息
	ReasonNoSupplement  Reason = "other.no_supplement"     // 1.逾期不补正
	ReasonNoFee         Reason = "other.no_fee"            // 2.逾期未缴纳费用
	ReasonOther         Reason = "other.other"             // 3.其他
)

type reasonRow struct {
	reason  Reason
	outcome Outcome
	label   string
}

// reasonRows are table 三's sub-rows, with the template's wording.
var reasonRows = []reasonRow{
	{ReasonStateSecret, OutcomeWithhold, "属于国家秘密"},
	{ReasonLawForbids, OutcomeWithhold, "其他法律行政法规禁止公开"},
	{ReasonSecurity, OutcomeWithhold, "危及“三安全一稳定”"},
	{ReasonThirdParty, OutcomeWithhold, "保护第三方合法权益"},
	{ReasonInternal, OutcomeWithhold, "属于三类内部事务信息"},
	{ReasonProcess, OutcomeWithhold, "属于四类过程性信息"},
	{ReasonCaseFile, OutcomeWithhold, "属于行政执法案卷"},
	{ReasonQuery, OutcomeWithhold, "属于行政查询事项"},
	{ReasonNotHeld, OutcomeUnavailable, "本机关不掌握相关政府信息"},
	{ReasonNeedsCreating, OutcomeUnavailable, "没有现成信息需要另行制作"},
	{ReasonStillUnclear, OutcomeUnavailable, "补正后申请内容仍不明确"},
	{ReasonPetition, OutcomeNotHandled, "信访举报投诉类申请"},
	{ReasonRepeat, OutcomeNotHandled, "重复申请"},
	{ReasonPublication, OutcomeNotHandled, "要求提供公开出版物"},
	{ReasonExcessive, OutcomeNotHandled, "无正当理由大量反复申请"},
	{ReasonConfirm, OutcomeNotHandled, "要求行政机关确认或重新出具已获取信息"},
	{ReasonNoSupplement, OutcomeOther, "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"},
	{ReasonNoFee, OutcomeOther, "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"},
	{ReasonOther, OutcomeOther, "其他"},
}

// Reasons lists the reasons of an outcome in the table's order; none for
// 予以公开 and 部分公开 (a 部分公开 reply gives the withholding reasons of
// the part it withholds, but counts only as 部分公开).
func Reasons(o Outcome) []Reason {
	var out []Reason
	for _, r := range reasonRows {
		if r.outcome == o {
			out = append(out, r.reason)
		}
	}
	return out
}

// Outcome is the row group the reason belongs to; empty when unknown.
func (r Reason) Outcome() Outcome {
	for _, row := range reasonRows {
		if row.reason == r {
			return row.outcome
		}
	}
	return ""
}

// Label is the reason as table 三 words it, without its number.
func (r Reason) Label() string {
	for _, row := range reasonRows {
		if row.reason == r {
			return row.label
		}
	}
	return string(r)
}

// Delivery is how a reply reached the applicant (送达).
type Delivery string

// The ways of 送达.
const (
	DeliveryInPerson   Delivery = "当面" // handed over, signed for
	DeliveryPost       Delivery = "邮寄" // with a tracking number
	DeliveryElectronic Delivery = "电子" // e-mail or the online platform
)

// Deliveries lists them.
func Deliveries() []Delivery {
	return []Delivery{DeliveryInPerson, DeliveryPost, DeliveryElectronic}
}

// InformationFee is the 信息处理费, in yuan, that the nth application of
// one applicant in one calendar month may be charged (国办函〔2020〕109号,
// 《政府信息公开信息处理费管理办法》): the first 10 are free; the 11th to
// the 30th cost 100 each; from the 31st the fee rises by 100 for every
// further 10 (31st–40th 200, 41st–50th 300, …). Whether to charge is the
// office's decision; this only says what the rule allows.
func InformationFee(n int) int {
	switch {
	case n <= 10:
		return 0
	case n <= 30:
		return 100
	}
	return 100 + 100*((n-30+9)/10)
}
