package workflow

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// InfoCategory is the 信息类别 of a 主动公开 审批单: the row of table 二 of
// the annual report (国办公开办函〔2021〕30号, 主动公开政府信息情况) that its
// publication counts in. The rows follow 条例 Art. 20: item (一) 规章 and
// 行政规范性文件, (五) 行政许可, (六) 行政处罚 and 行政强制, (八)
// 行政事业性收费. Everything else a bureau publishes is 其他 and is not in
// the table. The values are the template's row labels, stored as they are.
type InfoCategory string

// The 信息类别, in the order of table 二, 其他 last.
const (
	CategoryRegulation  InfoCategory = "规章"
	CategoryNormative   InfoCategory = "行政规范性文件"
	CategoryLicensing   InfoCategory = "行政许可"
	CategoryPenalty     InfoCategory = "行政处罚"
	CategoryEnforcement InfoCategory = "行政强制"
	CategoryFee         InfoCategory = "行政事业性收费"
	CategoryOther       InfoCategory = "其他"
)

// InfoCategories lists the categories in table 二's order, 其他 last.
func InfoCategories() []InfoCategory {
	return []InfoCategory{CategoryRegulation, CategoryNormative, CategoryLicensing, CategoryPenalty, CategoryEnforcement, CategoryFee, CategoryOther}
}

// IsDocument reports whether forms of c publish a document that is made
// (制发) or repealed (废止): 规章 and 行政规范性文件.
func (c InfoCategory) IsDocument() bool { return c == CategoryRegulation || c == CategoryNormative }

// CountsDecisions reports whether forms of c count 处理决定: 行政许可,
// 行政处罚, 行政强制.
func (c InfoCategory) CountsDecisions() bool {
	return c == CategoryLicensing || c == CategoryPenalty || c == CategoryEnforcement
}

// Article is the item of 条例 Art. 20 that c's row stands under, as the
// template heads it; empty for 其他.
func (c InfoCategory) Article() string {
	switch c {
	case CategoryRegulation, CategoryNormative:
		return "第二十条第（一）项"
	case CategoryLicensing:
		return "第二十条第（五）项"
	case CategoryPenalty, CategoryEnforcement:
		return "第二十条第（六）项"
	case CategoryFee:
		return "第二十条第（八）项"
	}
	return ""
}

// ParseInfoCategory reads a category as staff type it: the template's
// label or its usual short form (规范性文件, 处罚, 收费); 无 and 不属于 are
// 其他. An empty string is 其他 as well: forms stored before the category
// existed, and every 依申请公开 form, have none.
func ParseInfoCategory(s string) (InfoCategory, bool) {
	s = strings.TrimSpace(s)
	switch s {
	case "", "其他", "其它", "无", "不属于", "都不是", "其他信息", "其他类":
		return CategoryOther, true
	case "规章":
		return CategoryRegulation, true
	case "行政规范性文件", "规范性文件":
		return CategoryNormative, true
	case "行政许可", "许可":
		return CategoryLicensing, true
	case "行政处罚", "处罚":
		return CategoryPenalty, true
	case "行政强制", "强制":
		return CategoryEnforcement, true
	case "行政事业性收费", "收费", "事业性收费":
		return CategoryFee, true
	}
	return "", false
}

// FormCategory is what a 审批单 contributes to table 二: its category and
// the figure that goes with it. Only the figure of its category is set.
type FormCategory struct {
	Category InfoCategory
	// Repealed: a 规章 or 行政规范性文件 form publishes its 废止, not its
	// 制发.
	Repealed bool
	// Decisions is the number of 处理决定 a 行政许可/处罚/强制 form
	// publishes (one form may publish a batch), at least 1.
	Decisions int
	// FeeYuan is the amount a 行政事业性收费 form publishes, in 元: the
	// table asks for 万元, and whole 元 keep the sums exact.
	FeeYuan int64
}

// Limits of a form's figures: a typing slip beyond them is refused rather
// than carried into the annual report.
const (
	MaxDecisions = 9999
	MaxFeeYuan   = 100_000_000_000 // 1000万万元
)

// Errors of a category's figures, in the words the user sees.
var (
	ErrDecisions = fmt.Errorf("处理决定数量应为1至%d之间的整数，如 3。", MaxDecisions)
	ErrFee       = errors.New("收费金额应以万元为单位填写，如 12.5（即12.5万元），最多精确到元（小数点后4位）；也可填写 3000元。")
)

// Normalized is fc with the figures of other categories cleared, a
// decision count of at least 1, and an empty category read as 其他.
func (fc FormCategory) Normalized() FormCategory {
	if fc.Category == "" {
		fc.Category = CategoryOther
	}
	out := FormCategory{Category: fc.Category}
	switch {
	case fc.Category.IsDocument():
		out.Repealed = fc.Repealed
	case fc.Category.CountsDecisions():
		out.Decisions = max(fc.Decisions, 1)
	case fc.Category == CategoryFee:
		out.FeeYuan = fc.FeeYuan
	}
	return out
}

// Check reports a category that is not one of table 二's or a figure out
// of range.
func (fc FormCategory) Check() error {
	if fc.Category != "" && !slices.Contains(InfoCategories(), fc.Category) {
		return fmt.Errorf("信息类别「%s」不是年度报告表二的类别。", fc.Category)
	}
	switch {
	case fc.Category.CountsDecisions() && (fc.Decisions < 1 || fc.Decisions > MaxDecisions):
		return ErrDecisions
	case fc.Category == CategoryFee && (fc.FeeYuan <= 0 || fc.FeeYuan > MaxFeeYuan):
		return ErrFee
	}
	return nil
}

// Label is fc in a few words, as cards, the printed form and 查询 show it:
// 行政处罚（处理决定3件）, 行政规范性文件（废止）, 行政事业性收费（12.5万元）, 其他.
func (fc FormCategory) Label() string {
	fc = fc.Normalized()
	switch {
	case fc.Category.IsDocument() && fc.Repealed:
		return string(fc.Category) + "（废止）"
	case fc.Category.IsDocument():
		return string(fc.Category) + "（制发）"
	case fc.Category.CountsDecisions():
		return fmt.Sprintf("%s（处理决定%d件）", fc.Category, fc.Decisions)
	case fc.Category == CategoryFee:
		return string(fc.Category) + "（" + FormatWan(fc.FeeYuan) + "万元）"
	}
	return string(fc.Category)
}

// ParseDecisions reads a number of 处理决定: 3, 3件, ３.
func ParseDecisions(s string) (int, error) {
	s = strings.TrimSuffix(strings.TrimSuffix(halfWidth(strings.TrimRight(strings.TrimSpace(s), "。")), "件"), "个")
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > MaxDecisions {
		return 0, ErrDecisions
	}
	return n, nil
}

// ParseFeeWan reads an amount in 万元 (12.5, 12.5万元, 12.5万) or, marked
// so, in 元 (3000元), to whole 元.
func ParseFeeWan(s string) (int64, error) {
	s = strings.ReplaceAll(halfWidth(strings.TrimRight(strings.TrimSpace(s), "。")), ",", "")
	unit := int64(10000) // 元 per unit typed
	switch {
	case strings.HasSuffix(s, "万元"):
		s = strings.TrimSuffix(s, "万元")
	case strings.HasSuffix(s, "万"):
		s = strings.TrimSuffix(s, "万")
	case strings.HasSuffix(s, "元"):
		s, unit = strings.TrimSuffix(s, "元"), 1
	}
	whole, frac, _ := strings.Cut(strings.TrimSpace(s), ".")
	places := 4 // 万元 to the 元
	if unit == 1 {
		places = 0
	}
	if whole == "" || !digits(whole) || !digits(frac) || len(frac) > places || len(whole) > 12 {
		return 0, ErrFee
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt(frac+strings.Repeat("0", places-len(frac)), 10, 64)
	}
	yuan := w*unit + f
	if yuan <= 0 || yuan > MaxFeeYuan {
		return 0, ErrFee
	}
	return yuan, nil
}

// FormatWan writes an amount of 元 in 万元, without trailing zeros:
// 125000 → 12.5, 3000 → 0.3, 1 → 0.0001.
func FormatWan(yuan int64) string {
	sign := ""
	if yuan < 0 {
		sign, yuan = "-", -yuan
	}
	s := fmt.Sprintf("%d.%04d", yuan/10000, yuan%10000)
	return sign + strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// halfWidth turns full-width digits, point and comma, which Chinese input
// methods type, into ASCII.
func halfWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + r - '０'
		case r == '．':
			return '.'
		case r == '，':
			return ','
		}
		return r
	}, s)
}
