package forms

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/workflow"
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
		{"mode and its application", func(d *draftForm) { d.Mode = "依申请公开"; d.Application = "依申请〔2026〕5号" }, []string{"公开形式", "关联申请"}},
		{"the category", func(d *draftForm) { d.Category, d.Decisions = "行政处罚", 3 }, []string{"信息类别"}},
		{"其他 stated is no change", func(d *draftForm) { d.Category = "其他" }, nil},
		{"a figure alone", func(d *draftForm) { d.Category, d.FeeYuan = "行政事业性收费", 1 }, []string{"信息类别"}},
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

// A snapshot (and a draft) saved before the 关联申请 question reads as a
// form that names no application, and differs from an unlinked one in
// nothing.
func TestSnapshotBeforeTheApplicationLink(t *testing.T) {
	t.Parallel()
	old := `{"id":"d1","title":"关于某项目的公示","summary":"审批结果。","formed_on":"2026-11-20","mode":"依申请公开","column":"环境保护","platforms":["政府网站"],"major":false}`
	var prev draftForm
	if err := json.Unmarshal([]byte(old), &prev); err != nil {
		t.Fatal(err)
	}
	if prev.Application != "" || prev.Mode != "依申请公开" {
		t.Fatalf("old snapshot read as %+v", prev)
	}
	cur := prev
	if got := changedFields(prev, cur); len(got) != 0 {
		t.Fatalf("changedFields = %v, want none", got)
	}
	cur.Application = "依申请〔2026〕5号"
	snap, err := json.Marshal(cur)
	if err != nil {
		t.Fatal(err)
	}
	var back draftForm
	if err := json.Unmarshal(snap, &back); err != nil || back.Application != cur.Application {
		t.Fatalf("the snapshot %s read back as %+v, %v", snap, back, err)
	}
	// The wizard's answers: the application is kept only for 依申请公开.
	vals := cur.vals()
	if vals[stepApplication] != cur.Application || draftOf(vals).Application != cur.Application {
		t.Fatalf("vals %v", vals)
	}
	vals[stepMode] = "主动公开"
	if got := draftOf(vals).Application; got != "" {
		t.Fatalf("a 主动公开 draft keeps the application %q", got)
	}
}

// A draft saved by the release before the question loads: its answers
// have no 关联申请, which the summary then asks for.
func TestConvoBeforeTheApplicationLink(t *testing.T) {
	t.Parallel()
	raw := `{"kind":"draft","step":"confirm","vals":{"title":"关于某项目的公示","summary":"审批结果。","formed":"2026-11-20","mode":"依申请公开","column":"环境保护","platforms":"政府网站","major":"否"},"draft_id":"abc"}`
	var c convo
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		t.Fatal(err)
	}
	if _, asked := c.Vals[stepApplication]; asked || c.Step != chat.StepConfirm || draftOf(c.Vals).Mode != "依申请公开" {
		t.Fatalf("old draft read as %+v", c)
	}
}

// A snapshot and a draft saved before the 信息类别 question: the snapshot
// reads as 其他 and differs from a 其他 version in nothing; the draft's
// answers have no category, which the summary then asks for; the answers
// of a form with a category make it again.
func TestBeforeTheCategory(t *testing.T) {
	t.Parallel()
	old := `{"id":"d1","title":"关于某项目的公示","summary":"审批结果。","formed_on":"2026-11-20","mode":"主动公开","column":"环境保护","platforms":["政府网站"],"major":false}`
	var prev draftForm
	if err := json.Unmarshal([]byte(old), &prev); err != nil {
		t.Fatal(err)
	}
	if got := prev.infoCategory(); got.Category != workflow.CategoryOther {
		t.Fatalf("old snapshot's category %+v", got)
	}
	cur := prev
	cur.Category = "其他"
	if got := changedFields(prev, cur); len(got) != 0 {
		t.Fatalf("changedFields = %v, want none", got)
	}
	if _, ok := prev.vals()[stepCategory]; ok {
		t.Fatal("an old snapshot's answers hold a category")
	}
	fix, ok := categoryFix(prev.vals())
	if !ok || fix.Field != stepCategory {
		t.Fatalf("an old 主动公开 draft is not asked its category: %+v", fix)
	}

	raw := `{"kind":"draft","step":"confirm","vals":{"title":"关于某项目的公示","summary":"审批结果。","formed":"2026-11-20","mode":"主动公开","application":"","column":"环境保护","platforms":"政府网站","major":"否"},"draft_id":"abc"}`
	var c convo
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		t.Fatal(err)
	}
	if fix, ok := categoryFix(c.Vals); !ok || fix.Field != stepCategory || draftOf(c.Vals).Category != "" {
		t.Fatalf("old draft: fix %+v, %v", fix, ok)
	}

	for _, fc := range []workflow.FormCategory{
		{Category: workflow.CategoryOther},
		{Category: workflow.CategoryRegulation, Repealed: true},
		{Category: workflow.CategoryNormative},
		{Category: workflow.CategoryEnforcement, Decisions: 12},
		{Category: workflow.CategoryFee, FeeYuan: 123},
	} {
		d := prev
		d.setInfoCategory(fc)
		vals := d.vals()
		if _, ok := categoryFix(vals); ok {
			t.Errorf("%+v: the answers %v are asked again", fc, vals)
		}
		if got := draftOf(vals).infoCategory(); got != fc.Normalized() {
			t.Errorf("%+v: the answers %v make %+v", fc, vals, got)
		}
		snap, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var back draftForm
		if err := json.Unmarshal(snap, &back); err != nil || back.infoCategory() != fc.Normalized() {
			t.Errorf("the snapshot %s read back as %+v, %v", snap, back, err)
		}
		// A 依申请公开 draft has no category, whatever its answers hold.
		vals[stepMode] = "依申请公开"
		if got := draftOf(vals); got.Category != "" {
			t.Errorf("a 依申请公开 draft has the category %q", got.Category)
		}
	}
}
