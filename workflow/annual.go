package workflow

import (
	"fmt"
	"strconv"
)

// Tables 三 and 四 of the 政府信息公开工作年度报告, in the fixed format of
// 国办公开办函〔2021〕30号. The model only holds and checks numbers; where
// they come from is storage's (storage/annual.go), how they are laid out
// the report writer's.

// Table3Cols is the number of table 三's number columns: the six
// applicant types in ApplicantTypes' order, then 总计.
const Table3Cols = 7

// Table3Total is the index of the 总计 column of a Table3Row.
const Table3Total = 6

// Table3Row is one row of table 三: a count per applicant type, in
// ApplicantTypes' order, and at Table3Total the row's 总计. The 总计 is a
// figure of its own, not a sum: storage counts it without looking at the
// applicant type, so that an application of an unknown type shows up as
// a row whose 总计 is not the sum of its columns.
type Table3Row [Table3Cols]int

// SumColumns is the sum of the six applicant columns.
func (r Table3Row) SumColumns() int {
	n := 0
	for _, v := range r[:Table3Total] {
		n += v
	}
	return n
}

// Add adds o to r cell by cell.
func (r *Table3Row) Add(o Table3Row) {
	for i := range r {
		r[i] += o[i]
	}
}

// Table3Column names column i of table 三 as a check message names it.
// 其他 is named with its group: 「其他」 alone reads as the row 3.其他.
func Table3Column(i int) string {
	if i == Table3Total {
		return "总计"
	}
	t := ApplicantTypes()[i]
	if t == ApplicantOtherOrgan {
		return "法人或其他组织·其他"
	}
	return string(t)
}

// ApplicantColumn is the column of an applicant type; -1 for none of the
// six.
func ApplicantColumn(t ApplicantType) int {
	for i, x := range ApplicantTypes() {
		if x == t {
			return i
		}
	}
	return -1
}

// Table3 is table 三 (收到和处理政府信息公开申请情况).
type Table3 struct {
	New       Table3Row // 一、本年新收政府信息公开申请数量
	CarriedIn Table3Row // 二、上年结转政府信息公开申请数量
	// Outcomes are the rows （一）…（六） of 三、本年度办理结果; a group
	// with sub-rows holds its own figure, checked against them.
	Outcomes map[Outcome]Table3Row
	// Reasons are the numbered sub-rows of （三）…（六）.
	Reasons    map[Reason]Table3Row
	Results    Table3Row // （七）总计
	CarriedOut Table3Row // 四、结转下年度继续办理
}

// NewTable3 is an empty table 三.
func NewTable3() *Table3 {
	return &Table3{Outcomes: map[Outcome]Table3Row{}, Reasons: map[Reason]Table3Row{}}
}

// Table3Line is a row of table 三 as the template lays it out.
type Table3Line struct {
	// Key is the row's stable name: new, carried_in, an Outcome without
	// sub-rows, a Reason, total, carried_out.
	Key string
	// Section, Group and Item are the template's wording in its three
	// heading columns: 「三、本年度办理结果」, 「（三）不予公开」,
	// 「1.属于国家秘密」. A row of 一, 二 or 四 has only Section.
	Section, Group, Item string
	Cells                Table3Row
}

// Label is the row's heading as one line: its deepest part (the check
// messages and the text report name rows by it).
func (l Table3Line) Label() string {
	switch {
	case l.Item != "":
		return l.Item
	case l.Group != "":
		return l.Group
	}
	return l.Section
}

const (
	table3New        = "一、本年新收政府信息公开申请数量"
	table3CarriedIn  = "二、上年结转政府信息公开申请数量"
	table3Results    = "三、本年度办理结果"
	table3CarriedOut = "四、结转下年度继续办理"
)

// outcomeGroup is the template's heading of an outcome's row.
func outcomeGroup(o Outcome) string {
	switch o {
	case OutcomeDisclose:
		return "（一）予以公开"
	case OutcomePartial:
		return "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
	case OutcomeWithhold:
		return "（三）不予公开"
	case OutcomeUnavailable:
		return "（四）无法提供"
	case OutcomeNotHandled:
		return "（五）不予处理"
	case OutcomeOther:
		return "（六）其他处理"
	}
	return string(o)
}

// shortOutcome is how a check message names an outcome's row:
// 「三（三）不予公开」.
func shortOutcome(o Outcome) string {
	g := outcomeGroup(o)
	if o == OutcomePartial {
		g = "（二）部分公开"
	}
	return "三" + g
}

// Lines are the rows of the table in the template's order, with their
// numbers. A group with numbered sub-rows (（三）…（六）) has no row of its
// own in the template: its heading spans its sub-rows, and its own figure
// (Outcomes) is only checked against them.
func (t *Table3) Lines() []Table3Line {
	out := []Table3Line{
		{Key: "new", Section: table3New, Cells: t.New},
		{Key: "carried_in", Section: table3CarriedIn, Cells: t.CarriedIn},
	}
	for _, o := range Outcomes() {
		if len(Reasons(o)) == 0 {
			out = append(out, Table3Line{Key: string(o), Section: table3Results, Group: outcomeGroup(o), Cells: t.Outcomes[o]})
		}
		for i, r := range Reasons(o) {
			out = append(out, Table3Line{Key: string(r), Section: table3Results, Group: outcomeGroup(o),
				Item: strconv.Itoa(i+1) + "." + r.Label(), Cells: t.Reasons[r]})
		}
	}
	out = append(out,
		Table3Line{Key: "total", Section: table3Results, Group: "（七）总计", Cells: t.Results},
		Table3Line{Key: "carried_out", Section: table3CarriedOut, Cells: t.CarriedOut})
	return out
}

// Table 四's groups and results, in the template's column order.
const (
	Review          = "review"            // 行政复议
	SuitDirect      = "suit_direct"       // 行政诉讼 未经复议直接起诉
	SuitAfterReview = "suit_after_review" // 行政诉讼 复议后起诉

	ResultUpheld    = "upheld"    // 结果维持
	ResultCorrected = "corrected" // 结果纠正
	ResultOther     = "other"     // 其他结果
	ResultPending   = "pending"   // 尚未审结
)

// ReviewKinds are table 四's three groups, in its order.
func ReviewKinds() []string { return []string{Review, SuitDirect, SuitAfterReview} }

// ReviewResults are the results of a group, in its column order (总计
// follows them).
func ReviewResults() []string {
	return []string{ResultUpheld, ResultCorrected, ResultOther, ResultPending}
}

// ReviewKindLabel is a group as table 四 heads it.
func ReviewKindLabel(kind string) string {
	switch kind {
	case Review:
		return "行政复议"
	case SuitDirect:
		return "未经复议直接起诉"
	case SuitAfterReview:
		return "复议后起诉"
	}
	return kind
}

// reviewKindName names a group in a check message, with 行政诉讼 for the
// two suits.
func reviewKindName(kind string) string {
	if kind == Review {
		return "行政复议"
	}
	return "行政诉讼·" + ReviewKindLabel(kind)
}

// ReviewResultLabel is a result as table 四 heads it.
func ReviewResultLabel(result string) string {
	switch result {
	case ResultUpheld:
		return "结果维持"
	case ResultCorrected:
		return "结果纠正"
	case ResultOther:
		return "其他结果"
	case ResultPending:
		return "尚未审结"
	}
	return result
}

// ParseReviewKind reads a group from its words or its name.
func ParseReviewKind(s string) (string, error) {
	switch s {
	case Review, "复议", "行政复议":
		return Review, nil
	case SuitDirect, "直接起诉", "未经复议直接起诉", "诉讼":
		return SuitDirect, nil
	case SuitAfterReview, "复议后起诉":
		return SuitAfterReview, nil
	}
	return "", fmt.Errorf("类别应为 行政复议、未经复议直接起诉 或 复议后起诉，不是「%s」", s)
}

// ParseReviewResult reads a result from its words or its name.
func ParseReviewResult(s string) (string, error) {
	switch s {
	case ResultUpheld, "维持", "结果维持":
		return ResultUpheld, nil
	case ResultCorrected, "纠正", "结果纠正":
		return ResultCorrected, nil
	case ResultOther, "其他", "其他结果":
		return ResultOther, nil
	case ResultPending, "尚未审结", "未审结", "":
		return ResultPending, nil
	}
	return "", fmt.Errorf("结果应为 结果维持、结果纠正、其他结果 或 尚未审结，不是「%s」", s)
}

// ReviewGroup is one group of table 四: its four results, then its 总计
// (a figure of its own, as table 三's).
type ReviewGroup [5]int

// ReviewTotal is the index of a ReviewGroup's 总计.
const ReviewTotal = 4

// Table4 is table 四 (政府信息公开行政复议、行政诉讼情况): one row, 15
// numbers.
type Table4 map[string]ReviewGroup

// Cells are the 15 numbers in the template's order.
func (t Table4) Cells() []int {
	var out []int
	for _, k := range ReviewKinds() {
		g := t[k]
		out = append(out, g[:]...)
	}
	return out
}

// Check is what the template's figures must satisfy.
type Check struct {
	Problems []string // each names its cells, in Chinese
}

// OK reports whether every check held.
func (c Check) OK() bool { return len(c.Problems) == 0 }

// CheckTables checks tables 三 and 四 as the template implies: per column
// (总计 included) 一 + 二 = 三（七） + 四; every row's 总计 equals its
// columns; 三（七） equals （一）…（六） and each group with sub-rows equals
// them; table 四's 总计 of each group equals its results; no cell is
// negative.
func CheckTables(t3 *Table3, t4 Table4) Check {
	var c Check
	add := func(format string, args ...any) { c.Problems = append(c.Problems, fmt.Sprintf(format, args...)) }
	lines := t3.Lines()
	for _, o := range Outcomes() {
		if len(Reasons(o)) > 0 {
			lines = append(lines, Table3Line{Key: string(o), Section: table3Results, Group: outcomeGroup(o), Cells: t3.Outcomes[o]})
		}
	}
	for _, l := range lines {
		name := table3RowName(l)
		for i, v := range l.Cells {
			if v < 0 {
				add("表三 %s %s = %d，不能为负数", name, Table3Column(i), v)
			}
		}
		if s := l.Cells.SumColumns(); s != l.Cells[Table3Total] {
			add("表三 %s：总计 = %d，各列之和 = %d", name, l.Cells[Table3Total], s)
		}
	}
	for i := range Table3Cols {
		in := t3.New[i] + t3.CarriedIn[i]
		out := t3.Results[i] + t3.CarriedOut[i]
		if in != out {
			add("表三 %s：一 + 二 = %d，三（七） + 四 = %d", Table3Column(i), in, out)
		}
		groups := 0
		for _, o := range Outcomes() {
			groups += t3.Outcomes[o][i]
			rs := Reasons(o)
			if len(rs) == 0 {
				continue
			}
			sub := 0
			for _, r := range rs {
				sub += t3.Reasons[r][i]
			}
			if sub != t3.Outcomes[o][i] {
				add("表三 %s：%s = %d，其下各项之和 = %d", Table3Column(i), shortOutcome(o), t3.Outcomes[o][i], sub)
			}
		}
		if groups != t3.Results[i] {
			add("表三 %s：三（七）总计 = %d，三（一）至（六）之和 = %d", Table3Column(i), t3.Results[i], groups)
		}
	}
	for _, k := range ReviewKinds() {
		g := t4[k]
		sum := 0
		for j, r := range ReviewResults() {
			if g[j] < 0 {
				add("表四 %s %s = %d，不能为负数", reviewKindName(k), ReviewResultLabel(r), g[j])
			}
			sum += g[j]
		}
		if g[ReviewTotal] < 0 {
			add("表四 %s 总计 = %d，不能为负数", reviewKindName(k), g[ReviewTotal])
		}
		if sum != g[ReviewTotal] {
			add("表四 %s：总计 = %d，结果维持 + 结果纠正 + 其他结果 + 尚未审结 = %d", reviewKindName(k), g[ReviewTotal], sum)
		}
	}
	return c
}

// table3RowName names a row in a check message.
func table3RowName(l Table3Line) string {
	switch l.Key {
	case "new":
		return "一、本年新收"
	case "carried_in":
		return "二、上年结转"
	case "total":
		return "三（七）总计"
	case "carried_out":
		return "四、结转下年度继续办理"
	}
	if o := Outcome(l.Key); l.Item == "" {
		return shortOutcome(o)
	}
	r := Reason(l.Key)
	return shortOutcome(r.Outcome()) + " " + l.Item
}
