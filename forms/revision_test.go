package forms

import (
	"slices"
	"testing"
)

func TestChangedFields(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	v1 := draftForm{ID: "d1", Title: "关于某项目的公示", Summary: "审批结果。", FormedOn: "2026-11-20", Mode: "主动公开",
		Column: "环境保护", Platforms: []string{"政府网站", "“双微”公众号"}, Major: &no}
	cases := []struct {
		name string
		edit func(d *draftForm)
		want []string
	}{
		{"nothing but the draft's id", func(d *draftForm) { d.ID = "d2" }, nil},
		{"platforms ticked in another order", func(d *draftForm) { d.Platforms = []string{"“双微”公众号", "政府网站"} }, nil},
		{"title and summary", func(d *draftForm) { d.Title += "（更正）"; d.Summary = "更正后的审批结果。" }, []string{"标题", "简要内容"}},
		{"date, platforms and major", func(d *draftForm) { d.FormedOn = "2026-11-21"; d.Platforms = []string{"政府网站"}; d.Major = &yes },
			[]string{"形成日期", "公开平台", "重大事项"}},
		{"mode and column", func(d *draftForm) { d.Mode = "依申请公开"; d.Column = "政策文件" }, []string{"公开形式", "公开栏目"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v2 := v1
			v2.Platforms = slices.Clone(v1.Platforms)
			c.edit(&v2)
			if got := changedFields(v1, v2); !slices.Equal(got, c.want) {
				t.Fatalf("changedFields = %v, want %v", got, c.want)
			}
		})
	}
}
