package annualreport

import (
	"strings"
	"testing"

	"github.com/zwgk-bot/zwgk/workflow"
)

func TestWidth(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]int{"": 0, "12": 2, "自然人": 6, "（七）总计": 10, "3.危及“三安全一稳定”": 20} {
		if got := Width(s); got != want {
			t.Errorf("Width(%q) = %d, want %d", s, got, want)
		}
	}
}

// TestGridsMergeOnlyHeadings: every merged range starts at a heading and
// covers no figure, so a figure never hides under a merge.
func TestGridsMergeOnlyHeadings(t *testing.T) {
	t.Parallel()
	t3 := workflow.NewTable3()
	t3.New = workflow.Table3Row{1, 2, 3, 4, 5, 6, 21}
	for _, g := range []Grid{Table3Grid(t3), Table4Grid(workflow.Table4{workflow.Review: {1, 0, 0, 0, 1}})} {
		covered := map[[2]int]bool{}
		for _, m := range g.Merges {
			if top := g.Cells[m.Top][m.Left]; top.IsNum || top.Text == "" {
				t.Errorf("%s: merge %+v starts at %+v", g.Title, m, top)
			}
			for r := m.Top; r <= m.Bottom; r++ {
				for c := m.Left; c <= m.Right; c++ {
					if covered[[2]int{r, c}] {
						t.Errorf("%s: cell %d,%d in two merges", g.Title, r, c)
					}
					covered[[2]int{r, c}] = true
					if (r != m.Top || c != m.Left) && r < len(g.Cells) && c < len(g.Cells[r]) && g.Cells[r][c].String() != "" {
						t.Errorf("%s: merge %+v hides %q", g.Title, m, g.Cells[r][c].String())
					}
				}
			}
		}
	}
	var b strings.Builder
	if err := WriteText(&b, t3, workflow.Table4{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "一、本年新收政府信息公开申请数量") {
		t.Fatalf("text:\n%s", b.String())
	}
}
