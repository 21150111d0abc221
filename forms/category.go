package forms

import (
	"context"
	"strconv"
	"strings"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/workflow"
)

// The 信息类别 of a 主动公开 form counts it in table 二 of the annual report
// (workflow.InfoCategory). Most forms are 其他, so the wizard keeps that
// path to one tap: one card after 公开栏目, 其他 its first button, asked of
// 主动公开 forms only (a 依申请公开 reply is not in table 二). The six
// buttons WeCom allows a card hold 其他, the two documents as one, and the
// four others; a second question follows only when the category has a
// figure: which document and 制发 or 废止 (one card), how many 处理决定 the
// form publishes (one tap for the usual single one), or the amount of a
// 收费 (typed: it has no default).

// The 信息类别 question and its follow-ups: one of the three is asked
// after it, by the category answered (each fills itself, empty, for the
// other categories).
const (
	stepCategory  = "category"
	stepDocument  = "document"  // 「行政规范性文件 废止」
	stepDecisions = "decisions" // the number of 处理决定
	stepFee       = "fee"       // the amount in 万元, as FormatWan writes it
)

// groupDocuments is the first card's button for 规章 and 行政规范性文件;
// the second card says which, and 制发 or 废止.
const groupDocuments = "规章或规范性文件"

const (
	wordMade     = "制发"
	wordRepealed = "废止"
)

// categoryChoices are the first card's buttons, 其他 first.
var categoryChoices = []string{string(workflow.CategoryOther), groupDocuments, string(workflow.CategoryLicensing),
	string(workflow.CategoryPenalty), string(workflow.CategoryEnforcement), string(workflow.CategoryFee)}

// documentChoices are the second card's buttons for the documents: the
// bureau issues 规范性文件 (a district bureau makes no 规章), so they come
// first.
var documentChoices = []string{
	string(workflow.CategoryNormative) + " " + wordMade, string(workflow.CategoryNormative) + " " + wordRepealed,
	string(workflow.CategoryRegulation) + " " + wordMade, string(workflow.CategoryRegulation) + " " + wordRepealed,
}

// categoryFields are the 信息类别 question and its follow-ups. The spec
// is built for one call, and they read the answers so far from c.
func (b *Flow) categoryFields(c *convo) []chat.Field {
	group := func() string { return c.Vals[stepCategory] }
	return []chat.Field{
		{
			Key: stepCategory, Label: "信息类别",
			Ask:  func(*chat.Turn, *chat.Wizard) string { return "请选择信息类别（用于年度报告统计）" },
			Desc: "不属于规章、规范性文件、行政许可、行政处罚、行政强制、行政事业性收费的，请选「其他」。",
			Buttons: func() []bot.CardButton {
				btns := make([]bot.CardButton, len(categoryChoices))
				for i, s := range categoryChoices {
					btns[i] = bot.CardButton{Text: s, Key: "cat_" + strconv.Itoa(i), Style: 2}
				}
				btns[0].Style = 1
				return btns
			},
			// A 依申请公开 form is not in table 二: not asked, left empty (其他).
			Auto:  func() (string, bool) { return "", c.Vals[stepMode] != string(workflow.ModeActive) },
			Check: checkCategory,
			Then:  resetCategoryDetail,
		},
		{
			Key: stepDocument, Label: "制发或废止",
			Ask: func(*chat.Turn, *chat.Wizard) string {
				return "请选择文件类型，以及本次公开的是制发还是废止"
			},
			Buttons: func() []bot.CardButton {
				btns := make([]bot.CardButton, len(documentChoices))
				for i, s := range documentChoices {
					btns[i] = bot.CardButton{Text: s, Key: "doc_" + strconv.Itoa(i), Style: 2}
				}
				return btns
			},
			Auto: func() (string, bool) { return "", group() != groupDocuments },
			Check: func(_ *chat.Turn, _ *chat.Wizard, text string) (string, error) {
				doc, act := documentAnswer(strings.TrimSpace(text))
				if doc == "" || act == "" {
					return "", chat.Wrong("请点击卡片上的选项，或回复如「规范性文件 制发」「规章 废止」。")
				}
				return string(doc) + " " + act, nil
			},
		},
		{
			Key: stepDecisions, Label: "处理决定件数",
			Ask: func(_ *chat.Turn, w *chat.Wizard) string {
				return "本审批单公开的" + w.Vals[stepCategory] + "决定共几件？"
			},
			Desc:    "如有多件，请直接回复件数，如 3。",
			Buttons: func() []bot.CardButton { return []bot.CardButton{{Text: "1件", Key: "dec_1", Style: 1}} },
			Auto:    func() (string, bool) { return "", !workflow.InfoCategory(group()).CountsDecisions() },
			Check: func(_ *chat.Turn, _ *chat.Wizard, text string) (string, error) {
				n, err := workflow.ParseDecisions(text)
				if err != nil {
					return "", chat.Wrong(err.Error())
				}
				return strconv.Itoa(n), nil
			},
			Show: func(v string) string { return v + "件" },
		},
		{
			Key: stepFee, Label: "收费金额",
			Ask: func(*chat.Turn, *chat.Wizard) string {
				return "请输入本审批单公开的收费金额，单位：万元，如 12.5；也可填写 3000元。"
			},
			Auto: func() (string, bool) { return "", group() != string(workflow.CategoryFee) },
			Check: func(_ *chat.Turn, _ *chat.Wizard, text string) (string, error) {
				yuan, err := workflow.ParseFeeWan(text)
				if err != nil {
					return "", chat.Wrong(err.Error())
				}
				return workflow.FormatWan(yuan), nil
			},
			Show: func(v string) string { return v + "万元" },
			Echo: func(_ *chat.Turn, _, v string) string { return "收费金额：" + v + "万元。" },
		},
	}
}

// checkCategory takes a button's text or a category typed: 规章 and
// 规范性文件 typed are the documents' button (the next card says which).
func checkCategory(_ *chat.Turn, _ *chat.Wizard, text string) (string, error) {
	text = strings.TrimSpace(text)
	if text == groupDocuments {
		return text, nil
	}
	if i, err := strconv.Atoi(text); err == nil && i >= 1 && i <= len(categoryChoices) {
		return categoryChoices[i-1], nil
	}
	c, ok := workflow.ParseInfoCategory(text)
	switch {
	case !ok || text == "":
		return "", chat.Wrong("请点击卡片上的信息类别；不属于所列类别的，请选「其他」。")
	case c.IsDocument():
		return groupDocuments, nil
	}
	return string(c), nil
}

// resetCategoryDetail drops the figure of a category changed: the new one
// asks its own (changed from the summary, draftSummary asks it).
func resetCategoryDetail(_ context.Context, _ *chat.Turn, w *chat.Wizard, v string) (bool, error) {
	if w.Vals[stepCategory] != v {
		clearCategoryDetail(w.Vals)
	}
	return false, nil
}

func clearCategoryDetail(vals map[string]string) {
	delete(vals, stepDocument)
	delete(vals, stepDecisions)
	delete(vals, stepFee)
}

// documentAnswer reads 「规范性文件 废止」, 「规章制发」 or a button's number.
func documentAnswer(text string) (workflow.InfoCategory, string) {
	if i, err := strconv.Atoi(text); err == nil && i >= 1 && i <= len(documentChoices) {
		text = documentChoices[i-1]
	}
	var doc workflow.InfoCategory
	switch {
	case strings.Contains(text, "规范性文件"):
		doc = workflow.CategoryNormative
	case strings.Contains(text, "规章"):
		doc = workflow.CategoryRegulation
	}
	act := ""
	switch {
	case strings.Contains(text, wordRepealed):
		act = wordRepealed
	case strings.Contains(text, wordMade), strings.Contains(text, "印发"), strings.Contains(text, "发布"):
		act = wordMade
	}
	return doc, act
}

// categoryOf reads the wizard's answers as the form's category; ok is
// false when a figure it needs is missing.
func categoryOf(vals map[string]string) (workflow.FormCategory, bool) {
	group := vals[stepCategory]
	switch c := workflow.InfoCategory(group); {
	case group == groupDocuments:
		doc, act := documentAnswer(vals[stepDocument])
		return workflow.FormCategory{Category: doc, Repealed: act == wordRepealed}, doc != "" && act != ""
	case c.CountsDecisions():
		n, err := workflow.ParseDecisions(vals[stepDecisions])
		return workflow.FormCategory{Category: c, Decisions: n}, err == nil
	case c == workflow.CategoryFee:
		yuan, err := workflow.ParseFeeWan(vals[stepFee])
		return workflow.FormCategory{Category: c, FeeYuan: yuan}, err == nil
	case group == "":
		return workflow.FormCategory{Category: workflow.CategoryOther}, false
	}
	return workflow.FormCategory{Category: workflow.CategoryOther}, true
}

// categoryVals are fc as the wizard's answers (a rejected form's).
func categoryVals(fc workflow.FormCategory) map[string]string {
	fc = fc.Normalized()
	switch c := fc.Category; {
	case c.IsDocument():
		act := wordMade
		if fc.Repealed {
			act = wordRepealed
		}
		return map[string]string{stepCategory: groupDocuments, stepDocument: string(c) + " " + act}
	case c.CountsDecisions():
		return map[string]string{stepCategory: string(c), stepDecisions: strconv.Itoa(fc.Decisions)}
	case c == workflow.CategoryFee:
		return map[string]string{stepCategory: string(c), stepFee: workflow.FormatWan(fc.FeeYuan)}
	}
	return map[string]string{stepCategory: string(workflow.CategoryOther)}
}

// categoryFix is the question the summary must ask again for the
// category: a 主动公开 form's category not yet answered (公开形式 changed
// from the summary, or a draft older than the question), or a figure
// missing after the category was changed alone. Empty when none.
func categoryFix(vals map[string]string) (chat.Fix, bool) {
	if vals[stepMode] != string(workflow.ModeActive) {
		return chat.Fix{}, false
	}
	if vals[stepCategory] == "" {
		return chat.Fix{Field: stepCategory, Msg: "公开形式为主动公开，请选择信息类别。"}, true
	}
	if _, ok := categoryOf(vals); !ok {
		switch g := vals[stepCategory]; {
		case g == groupDocuments:
			return chat.Fix{Field: stepDocument, Msg: "请选择文件类型及制发或废止。"}, true
		case g == string(workflow.CategoryFee):
			return chat.Fix{Field: stepFee, Msg: "请填写收费金额。"}, true
		default:
			return chat.Fix{Field: stepDecisions, Msg: "请填写" + g + "决定件数。"}, true
		}
	}
	return chat.Fix{}, false
}

// categoryNote is a form's category on approval and publication cards,
// after its 公开形式: only when it counts in table 二.
func categoryNote(mode string, fc workflow.FormCategory) string {
	if label := pageCategory(mode, fc); label != "" {
		return " · " + label
	}
	return ""
}

// pageCategory is a form's category on the printed form: only when it
// counts in table 二 (FormView.Category).
func pageCategory(mode string, fc workflow.FormCategory) string {
	if mode != string(workflow.ModeActive) || fc.Normalized().Category == workflow.CategoryOther {
		return ""
	}
	return fc.Label()
}
