package workflow

import (
	"errors"
	"testing"
)

func TestParseInfoCategory(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]InfoCategory{
		"": CategoryOther, "其他": CategoryOther, "无": CategoryOther,
		"规章": CategoryRegulation, "规范性文件": CategoryNormative, "行政规范性文件": CategoryNormative,
		"许可": CategoryLicensing, " 行政处罚 ": CategoryPenalty, "强制": CategoryEnforcement, "收费": CategoryFee, "行政事业性收费": CategoryFee,
	} {
		if got, ok := ParseInfoCategory(in); !ok || got != want {
			t.Errorf("ParseInfoCategory(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"政策文件", "行政复议", "1"} {
		if got, ok := ParseInfoCategory(in); ok {
			t.Errorf("ParseInfoCategory(%q) = %q, want refused", in, got)
		}
	}
	// Every category parses back from its own label, in table 二's order.
	for i, c := range InfoCategories() {
		if got, ok := ParseInfoCategory(string(c)); !ok || got != c {
			t.Errorf("label %q parses as %q", c, got)
		}
		if (c.Article() == "") != (c == CategoryOther) || i == len(InfoCategories())-1 && c != CategoryOther {
			t.Errorf("%q: article %q, position %d", c, c.Article(), i)
		}
	}
}

func TestFormCategoryLabelAndCheck(t *testing.T) {
	t.Parallel()
	cases := []struct {
		fc    FormCategory
		label string
		err   error
	}{
		{FormCategory{}, "其他", nil},
		{FormCategory{Category: CategoryOther, Decisions: 3}, "其他", nil},
		{FormCategory{Category: CategoryRegulation}, "规章（制发）", nil},
		{FormCategory{Category: CategoryNormative, Repealed: true}, "行政规范性文件（废止）", nil},
		{FormCategory{Category: CategoryPenalty, Decisions: 3}, "行政处罚（处理决定3件）", nil},
		{FormCategory{Category: CategoryLicensing}, "行政许可（处理决定1件）", ErrDecisions},
		{FormCategory{Category: CategoryEnforcement, Decisions: MaxDecisions + 1}, "行政强制（处理决定10000件）", ErrDecisions},
		{FormCategory{Category: CategoryFee, FeeYuan: 125000}, "行政事业性收费（12.5万元）", nil},
		{FormCategory{Category: CategoryFee}, "行政事业性收费（0万元）", ErrFee},
	}
	for _, c := range cases {
		if got := c.fc.Label(); got != c.label {
			t.Errorf("%+v: Label %q, want %q", c.fc, got, c.label)
		}
		if err := c.fc.Check(); !errors.Is(err, c.err) {
			t.Errorf("%+v: Check %v, want %v", c.fc, err, c.err)
		}
	}
	if err := (FormCategory{Category: "政策文件"}).Check(); err == nil {
		t.Error("a category not of table 二 passes Check")
	}
	if n := (FormCategory{Category: CategoryRegulation, Decisions: 4, FeeYuan: 9, Repealed: true}).Normalized(); n != (FormCategory{Category: CategoryRegulation, Repealed: true}) {
		t.Errorf("Normalized kept other figures: %+v", n)
	}
}

func TestParseDecisions(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{"1": 1, "3件": 3, "３": 3, " 12 ": 12, "9999": 9999, "5个": 5, "7。": 7} {
		if got, err := ParseDecisions(in); err != nil || got != want {
			t.Errorf("ParseDecisions(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"0", "-1", "10000", "三", "1.5", ""} {
		if got, err := ParseDecisions(in); err == nil {
			t.Errorf("ParseDecisions(%q) = %d, want refused", in, got)
		}
	}
}

func TestParseFeeWan(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{
		"12.5": 125000, "12.5万元": 125000, "12.5万": 125000, "0.0001": 1, "3000元": 3000, "1,234元": 1234,
		"１２．５": 125000, "8": 80000, "8.": 80000, "0.35万元。": 3500,
	} {
		if got, err := ParseFeeWan(in); err != nil || got != want {
			t.Errorf("ParseFeeWan(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"0", "0.00001", "12.5元", "-3", "abc", "", ".5", "1e3", "10000001万元"} {
		if got, err := ParseFeeWan(in); err == nil {
			t.Errorf("ParseFeeWan(%q) = %d, want refused", in, got)
		}
	}
}

func TestFormatWan(t *testing.T) {
	t.Parallel()
	for yuan, want := range map[int64]string{0: "0", 1: "0.0001", 3000: "0.3", 125000: "12.5", 10000: "1", 1234567: "123.4567", -3000: "-0.3"} {
		if got := FormatWan(yuan); got != want {
			t.Errorf("FormatWan(%d) = %q, want %q", yuan, got, want)
		}
		if yuan > 0 {
			if back, err := ParseFeeWan(want); err != nil || back != yuan {
				t.Errorf("ParseFeeWan(FormatWan(%d)) = %d, %v", yuan, back, err)
			}
		}
	}
}
