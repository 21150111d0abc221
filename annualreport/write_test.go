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
	t2 := workflow.TableTwo(nil, []workflow.ManualFigure{{Cell: workflow.CellPenalty, Value: 35}, {Cell: workflow.CellFee, Value: 12345}})
	for _, g := range []Grid{Table2Grid(t2), Table3Grid(t3), Table4Grid(workflow.Table4{workflow.Review: {1, 0, 0, 0, 1}})} {
		covered := map[[2]int]bool{}
		for _, m := range g.Merges {
			// Table 二 spans a single figure over the three figure columns
			// (its heading spans them too); nothing else merges a figure.
			spansFigure := g.Title == Table2Title && m.Left == 1 && m.Top == m.Bottom
			if top := g.Cells[m.Top][m.Left]; top.IsNum && !spansFigure || top.String() == "" {
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
	if err := WriteText(&b, Tables{T2: t2, T3: t3, T4: workflow.Table4{}}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"一、本年新收政府信息公开申请数量", "二、主动公开政府信息情况\n第二十条第（一）项\n",
		"  信息内容        本年制发件数  本年废止件数  现行有效件数\n  规章                       0             0             0\n",
		"  行政处罚                      35\n", "  信息内容        本年收费金额（单位：万元）\n  行政事业性收费                      1.2345\n"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("text lacks %q:\n%s", s, b.String())
		}
	}
}
