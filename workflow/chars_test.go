package workflow_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/zwgk-bot/zwgk/workflow"
)

func TestCheckCharsKeepsWhatOfficialDocumentsWrite(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"关于某化工企业年产5万吨项目环评审批结果的公示",
		"标点：，。、；：？！“”‘’（）《》【】〔〕〈〉「」『』…—～·",
		"全角：ＡＢＣ１２３　ＰＭ２．５",
		"序号：①②③⑩ ⑴⑵ ⒈⒉ ㈠㈡ Ⅰ Ⅱ Ⅲ ⅳ",
		"单位：℃ ㎡ ㎥ ㎏ ㎞ ‰ ％ mg/m³ μg/m³ m²",
		"运算：× ÷ ± ≤ ≥ ≠ ≈ ∑ √ ∞ °",
		"符号：★ ☆ ● ○ ■ □ ▲ △ ◆ ◇ ※ → ← ↑ ↓ √ ✓ ✕ §",
		// Characters with Emoji that are text by default, alone.
		"文本样式：☑ ✔ © ® ™ ❤ ☎ ♀ ♂ ↔ ℹ Ⓜ 〽 ㊙ ㊗ ▶ ⚠ # * 0",
		"蒙古文：ᠮᠣᠩᠭᠣᠯ ᠪᠢᠴᠢᠭ", // traditional Mongolian
		"ТӨЛӨВИЙН", // Cyrillic Mongolian, as in the bureau's rules
		"换行\n第二行\t制表",
		"PM2.5日均浓度为35μg/m³，同比下降8.5%。https://example.gov.cn/a?b=1&c=2",
	} {
		got, err := workflow.CheckChars("标题", s)
		if err != nil || got != s {
			t.Errorf("CheckChars(%q) = %q, %v; want it unchanged", s, got, err)
		}
	}
}

func TestCheckCharsDropsTheInvisible(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"关于\u200b某项目\u200b的公示":         "关于某项目的公示", // zero-width spaces from a web page
		"\ufeff关于某项目的公示":               "关于某项目的公示", // a byte-order mark at the start
		"环境\u00ad影响":                   "环境影响",     // soft hyphen from Word
		"\u202e公示\u202c \u200e\u2066x": "公示 x",     // bidi controls
		"审\u2060批":                     "审批",       // word joiner
		"中\ufe0f文\ufe0e":               "中文",       // selectors on what is no emoji
		"1\ufe0f号 #\ufe0f":             "1号 #",     // a digit's stray selector (no keycap)
		"☑\ufe0e 已完成":                  "☑ 已完成",    // text presentation asked: ☑ stays
		"响\x07铃\x1b[0m\u0085":          "响铃[0m",
		"  \u200b  ":                   "",
	} {
		if got, err := workflow.CheckChars("标题", in); err != nil || got != want {
			t.Errorf("CheckChars(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestCheckCharsRefusesEmoji(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]string{
		"关于😀的公示":    {"😀"},
		"❤️环保":      {"❤️"},  // heart with the emoji selector
		"点赞👍🏻":      {"👍🏻"},  // with a skin tone
		"中国🇨🇳":      {"🇨🇳"},  // a flag: two regional indicators
		"第1️⃣项":     {"1️⃣"}, // a keycap
		"第1⃣项":      {"1⃣"},  // a keycap without its selector
		"家庭👨‍👩‍👧":   {"👨‍👩‍👧"},
		"医生👨‍⚕":     {"👨‍⚕"}, // a ZWJ sequence missing a selector
		"完成✅ 星⭐ 电⚡": {"✅", "⭐", "⚡"},
		"已勾选☑️":     {"☑️"},
		"温度🌡":       {"🌡"}, // a pictograph beyond the BMP, text by default
		"苏格兰🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F": {"🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F"},
		"😀😀😀": {"😀"},
		"🀄 🃏": {"🀄", "🃏"},
	} {
		_, err := workflow.CheckChars("标题", in)
		var ce *workflow.CharsError
		if !errors.As(err, &ce) || !slices.Equal(ce.Emoji, want) || ce.Private {
			t.Errorf("CheckChars(%q) = %v (%+v), want the emoji %q", in, err, ce, want)
		}
	}
}

func TestCheckCharsRefusesPrivateUse(t *testing.T) {
	t.Parallel()
	for in, before := range map[string]string{
		"一、项目概况\n\uf06c 建设地点": "一、项目概况", // a Wingdings bullet at the start of a line
		"建设地点：\ue000开发区":      "建设地点：",  // a character of the private-use area
		"\U000F0001":          "",
		"其中排放量为\U00100000吨":   "其中排放量为",
	} {
		_, err := workflow.CheckChars("简要内容", in)
		var ce *workflow.CharsError
		if !errors.As(err, &ce) || !ce.Private || ce.Before != before || ce.Emoji != nil {
			t.Errorf("CheckChars(%q) = %v (%+v), want private use after %q", in, err, ce, before)
		}
	}
}

// The refusals as the user reads them: the field, what to remove.
func TestCheckCharsMessages(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ field, in, want string }{
		{"标题", "关于😀的公示", "标题中含有表情符号（😀），请删除后重新输入。"},
		{"驳回理由", "请补充👍🏻材料❤️", "驳回理由中含有表情符号（👍🏻、❤️），请删除后重新输入。"},
		{"答复内容", "😀🙂😉🤝 感谢", "答复内容中含有表情符号（😀、🙂、😉等），请删除后重新输入。"},
		{"简要内容", "项目概况\uf06c建设地点", "简要内容中“项目概况”之后有无法显示的特殊字符（常见于从文档复制的项目符号），请删除后重新输入。"},
		{"简要内容", "\uf0d8建设地点", "简要内容开头有无法显示的特殊字符（常见于从文档复制的项目符号），请删除后重新输入。"},
		{"标题", "公示😀\ue000", "标题中含有表情符号（😀）和无法显示的特殊字符，请删除后重新输入。"},
	} {
		_, err := workflow.CheckChars(c.field, c.in)
		if err == nil || err.Error() != c.want {
			t.Errorf("CheckChars(%q, %q) = %v, want %q", c.field, c.in, err, c.want)
		}
	}
}

// CheckTitle and CheckSummary apply the rule before they count: an emoji
// is refused, a zero-width space is not counted.
func TestTitleAndSummaryRefuseEmoji(t *testing.T) {
	t.Parallel()
	if _, err := workflow.CheckTitle("关于某项目环评的公示🎉"); err == nil || err.Error() != "标题中含有表情符号（🎉），请删除后重新输入。" {
		t.Errorf("CheckTitle with an emoji = %v", err)
	}
	if _, err := workflow.CheckSummary("审批结果👍"); err == nil || !strings.HasPrefix(err.Error(), "简要内容中含有表情符号（👍）") {
		t.Errorf("CheckSummary with an emoji = %v", err)
	}
	if got, err := workflow.CheckTitle(strings.Repeat("环\u200b", 100)); err != nil || got != strings.Repeat("环", 100) {
		t.Errorf("CheckTitle of 100 字 with zero-width spaces = %q, %v", got, err)
	}
	if _, err := workflow.CheckTitle("\u200b\ufeff"); !errors.Is(err, workflow.ErrTitleEmpty) {
		t.Errorf("CheckTitle of invisible characters = %v, want ErrTitleEmpty", err)
	}
}
