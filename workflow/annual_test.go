package workflow

import (
	"slices"
	"strings"
	"testing"
)

// row makes a table 三 row whose 总计 is the sum of the columns given.
func row(cols ...int) Table3Row {
	var r Table3Row
	copy(r[:], cols)
	r[Table3Total] = r.SumColumns()
	return r
}

// balanced is a small table 三 and 四 that passes every check: 自然人 has
// 3 new and 1 carried in, 2 disclosed, 1 withheld as a state secret and 1
// carried out; 商业企业 has 1 new, closed as 逾期不补正.
func balanced() (*Table3, Table4) {
	t := NewTable3()
	t.New = row(3, 1)
	t.CarriedIn = row(1)
	t.Outcomes[OutcomeDisclose] = row(2)
	t.Outcomes[OutcomeWithhold] = row(1)
	t.Reasons[ReasonStateSecret] = row(1)
	t.Outcomes[OutcomeOther] = row(0, 1)
	t.Reasons[ReasonNoSupplement] = row(0, 1)
	t.Results = row(3, 1)
	t.CarriedOut = row(1)
	t4 := Table4{Review: {1, 0, 0, 1, 2}, SuitDirect: {0, 0, 0, 1, 1}}
	return t, t4
}

func TestCheckTables(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		change func(*Table3, Table4)
		want   []string // the problems, exactly
	}{
		{"balanced", func(*Table3, Table4) {}, nil},
		{"carried in contradicts", func(t *Table3, _ Table4) { t.CarriedIn = row(2) }, []string{
			"表三 自然人：一 + 二 = 5，三（七） + 四 = 4",
			"表三 总计：一 + 二 = 6，三（七） + 四 = 5",
		}},
		{"row total not its columns", func(t *Table3, _ Table4) { t.New[Table3Total] = 5 }, []string{
			"表三 一、本年新收：总计 = 5，各列之和 = 4",
			"表三 总计：一 + 二 = 6，三（七） + 四 = 5",
		}},
		{"group not its sub-rows", func(t *Table3, _ Table4) {
			t.Reasons[ReasonStateSecret] = Table3Row{}
			t.Reasons[ReasonCaseFile] = row(0, 0, 0, 0, 0, 0)
		}, []string{
			"表三 自然人：三（三）不予公开 = 1，其下各项之和 = 0",
			"表三 总计：三（三）不予公开 = 1，其下各项之和 = 0",
		}},
		{"total not its groups", func(t *Table3, _ Table4) {
			t.Outcomes[OutcomeDisclose] = row(1)
		}, []string{
			"表三 自然人：三（七）总计 = 3，三（一）至（六）之和 = 2",
			"表三 总计：三（七）总计 = 4，三（一）至（六）之和 = 3",
		}},
		{"negative cell", func(t *Table3, _ Table4) {
			t.CarriedIn = row(1, 0, 0, 0, 0, -1)
			t.New = row(3, 1, 0, 0, 0, 1)
		}, []string{"表三 二、上年结转 法人或其他组织·其他 = -1，不能为负数"}},
		{"other column named with its group", func(t *Table3, _ Table4) { t.CarriedOut = row(1, 0, 0, 0, 0, 1) }, []string{
			"表三 法人或其他组织·其他：一 + 二 = 0，三（七） + 四 = 1",
			"表三 总计：一 + 二 = 5，三（七） + 四 = 6",
		}},
		{"sub-row of 六", func(t *Table3, _ Table4) {
			t.Reasons[ReasonNoSupplement] = row(0, 0)
			t.Reasons[ReasonNoFee] = row(0, 2)
		}, []string{
			"表三 商业企业：三（六）其他处理 = 1，其下各项之和 = 2",
			"表三 总计：三（六）其他处理 = 1，其下各项之和 = 2",
		}},
		{"table 四 total", func(_ *Table3, t4 Table4) { t4[SuitAfterReview] = ReviewGroup{0, 1, 0, 0, 0} }, []string{
			"表四 行政诉讼·复议后起诉：总计 = 0，结果维持 + 结果纠正 + 其他结果 + 尚未审结 = 1",
		}},
		{"table 四 negative", func(_ *Table3, t4 Table4) { t4[Review] = ReviewGroup{2, 0, 0, -1, 1} }, []string{
			"表四 行政复议 尚未审结 = -1，不能为负数",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			t3, t4 := balanced()
			c.change(t3, t4)
			got := CheckTables(t3, t4)
			if !slices.Equal(got.Problems, c.want) {
				t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got.Problems, "\n"), strings.Join(c.want, "\n"))
			}
			if got.OK() != (len(c.want) == 0) {
				t.Fatalf("OK() = %v with %d problems", got.OK(), len(got.Problems))
			}
		})
	}
}

// TestTable3LinesFollowTheTemplate pins the rows' order and wording to
// 国办公开办函〔2021〕30号.
func TestTable3LinesFollowTheTemplate(t *testing.T) {
	t.Parallel()
	want := []string{
		"一、本年新收政府信息公开申请数量",
		"二、上年结转政府信息公开申请数量",
		"（一）予以公开",
		"（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
		"1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益",
		"5.属于三类内部事务信息", "6.属于四类过程性信息", "7.属于行政执法案卷", "8.属于行政查询事项",
		"1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确",
		"1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请", "5.要求行政机关确认或重新出具已获取信息",
		"1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
		"2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
		"3.其他",
		"（七）总计",
		"四、结转下年度继续办理",
	}
	var got []string
	for _, l := range NewTable3().Lines() {
		got = append(got, l.Label())
		if (l.Key == "new" || l.Key == "carried_in" || l.Key == "carried_out") != (l.Group == "") {
			t.Errorf("row %s: group %q", l.Key, l.Group)
		}
		if l.Group != "" && l.Section != "三、本年度办理结果" {
			t.Errorf("row %s under %q", l.Key, l.Section)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var cols []string
	for i := range Table3Cols {
		cols = append(cols, Table3Column(i))
	}
	if w := []string{"自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "法人或其他组织·其他", "总计"}; !slices.Equal(cols, w) {
		t.Fatalf("columns %v, want %v", cols, w)
	}
}

func TestParseReview(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"复议": Review, "行政复议": Review, "直接起诉": SuitDirect, "复议后起诉": SuitAfterReview} {
		if got, err := ParseReviewKind(in); err != nil || got != want {
			t.Errorf("ParseReviewKind(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]string{"维持": ResultUpheld, "结果纠正": ResultCorrected, "其他结果": ResultOther, "": ResultPending} {
		if got, err := ParseReviewResult(in); err != nil || got != want {
			t.Errorf("ParseReviewResult(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseReviewKind("信访"); err == nil {
		t.Error("ParseReviewKind(信访) accepted")
	}
	if _, err := ParseReviewResult("撤销"); err == nil {
		t.Error("ParseReviewResult(撤销) accepted")
	}
}
