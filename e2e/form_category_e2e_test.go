package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// formCategory reads what the forms row of serial holds of its 信息类别.
func (h *harness) formCategory(serial string) (cat string, repealed bool, decisions int, fee int64) {
	h.t.Helper()
	row := struct {
		Category  string `db:"category"`
		Repealed  bool   `db:"repealed"`
		Decisions int    `db:"decisions"`
		FeeYuan   int64  `db:"fee_yuan"`
	}{}
	err := h.db.GetContext(context.Background(), &row, `
		SELECT category, repealed, decisions, fee_yuan FROM forms WHERE format('公开审〔%s〕%s号', year, seq) = $1`, serial)
	if err != nil {
		h.t.Fatalf("form %s: %v", serial, err)
	}
	return row.Category, row.Repealed, row.Decisions, row.FeeYuan
}

// A 主动公开 form of 行政处罚 publishing 3 decisions: asked after 公开栏目,
// the count typed on the card of 1件, shown on the summary, the approval
// cards and in 查询, and once published counted in table 二 of the year.
func TestFormCategoryPenaltyCountsInTableTwo(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	ctx := context.Background()

	c.say(staff, "提交")
	c.text(staff, "开始填写")
	c.text(staff, "第1步")
	c.say(staff, "关于对某化工企业违法排污行为的行政处罚决定")
	c.text(staff, "第2步")
	c.say(staff, "对三家企业超标排放大气污染物的行政处罚决定书。")
	c.text(staff, "第3步")
	c.say(staff, "今天")
	c.text(staff, "信息形成日期：")
	c.click(staff, c.card(staff), "mode_active")
	cat := c.card(staff)
	if got := cat.Card.MainTitle.Title; got != "第5步：请选择信息类别（用于年度报告统计）" {
		t.Fatalf("category card %q", got)
	}
	var keys []string
	for _, b := range cat.Card.ButtonList {
		keys = append(keys, b.Text)
	}
	if strings.Join(keys, ",") != "其他,规章或规范性文件,行政许可,行政处罚,行政强制,行政事业性收费" {
		t.Fatalf("category buttons %v: want 其他 first and the rows of table 二", keys)
	}
	c.click(staff, cat, "cat_3")
	dec := c.card(staff)
	if got := dec.Card.MainTitle.Title; !strings.Contains(got, "行政处罚决定共几件") || len(dec.Card.ButtonList) != 1 || dec.Card.ButtonList[0].Text != "1件" {
		t.Fatalf("decisions card %q %v", got, dec.Card.ButtonList)
	}
	c.say(staff, "0")
	c.text(staff, "处理决定数量应为1至9999之间的整数")
	c.none(staff) // the card is still the one to answer
	c.say(staff, "3件")
	waitUpdated(t, h, staff, dec.Card.TaskID, "已回复：3件")
	pl := c.card(staff)
	if !strings.Contains(pl.Card.MainTitle.Title, "公开平台") {
		t.Fatalf("after the decisions %q, want the platforms", pl.Card.MainTitle.Title)
	}
	if st, err := h.corp.User(staff).Submit(ctx, pl.Card.TaskID, map[string][]string{"platforms": {"p0", "p2"}}); err != nil || st != 200 {
		t.Fatalf("platforms: %d, %v", st, err)
	}
	c.click(staff, c.card(staff), "major_no")
	sum := c.card(staff)
	if got := cardField(t, sum, "信息类别"); got != "行政处罚（处理决定3件）" {
		t.Fatalf("summary 信息类别 %q", got)
	}
	c.click(staff, sum, "confirm_submit")
	got := c.text(staff, "已提交，编号 公开审〔")
	_, rest, _ := strings.Cut(got, "编号 ")
	serial, _, _ := strings.Cut(rest, "。")
	if cat, _, n, _ := h.formCategory(serial); cat != "行政处罚" || n != 3 {
		t.Fatalf("stored %s with %d decisions", cat, n)
	}

	sec := c.card(head)
	if got := cardField(t, sec, "公开形式"); got != "主动公开 · 环境保护 · 行政处罚（处理决定3件）" {
		t.Fatalf("section card 公开形式 %q", got)
	}
	c.click(head, sec, "approve")
	c.text(head, "已同意")
	c.text(staff, "张伟同意")
	off1 := c.card(office1)
	c.card(office2) // the other reviewer's copy
	c.officeApprove(office1, off1, "approve")
	c.text(office1, "已同意")
	c.text(staff, "同意")
	pub := c.card(publisher)
	if got := cardField(t, pub, "公开形式"); !strings.HasSuffix(got, "行政处罚（处理决定3件）") {
		t.Fatalf("publish card 公开形式 %q", got)
	}
	c.click(publisher, pub, "pub_0")
	c.text(publisher, "已确认")
	c.click(publisher, c.card(publisher), "pub_2")
	c.text(publisher, "已在全部平台发布")
	c.text(staff, "已公开")

	c.say(staff, "查询 "+serial)
	c.text(staff, "信息类别：行政处罚（处理决定3件）")

	// Table 二 of the year it was published in, in the bureau's zone (the
	// real clock: read from the record, not assumed).
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	var at time.Time
	if err := h.db.GetContext(ctx, &at, `SELECT max(published_at) FROM form_publications`); err != nil {
		t.Fatal(err)
	}
	figures, err := storage.ActiveDisclosureFigures(ctx, h.db, at.In(loc).Year(), loc)
	if err != nil {
		t.Fatal(err)
	}
	if figures.Penalty.Total() != 3 || figures.Forms[workflow.CategoryPenalty] != 1 {
		t.Fatalf("table 二 of %d: penalty %+v, forms %v", at.In(loc).Year(), figures.Penalty, figures.Forms)
	}
}

// A 规章 published for its 废止: the documents' button, then one card for
// which document and 制发 or 废止; a revision keeps it with 保留 and says
// what changed when the category is changed.
func TestFormCategoryRegulationRepealed(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	d := ordinary
	d.title, d.category, d.figure = "关于废止某规章的决定", "cat_1", "doc_3"
	serial := c.submit(staff, d)
	if cat, repealed, _, _ := h.formCategory(serial); cat != "规章" || !repealed {
		t.Fatalf("stored %s, repealed %v; want 规章 废止", cat, repealed)
	}
	sec := c.card(head)
	if got := cardField(t, sec, "公开形式"); !strings.HasSuffix(got, "规章（废止）") {
		t.Fatalf("section card 公开形式 %q", got)
	}

	// 驳回; the revision keeps the category, then changes it to a
	// 规范性文件's 制发 typed.
	rej := c.reject(head, sec, "请核对文件名称。")
	c.click(staff, rej, "resubmit")
	c.text(staff, "开始修改")
	for _, step := range []string{"第1步", "第2步", "第3步"} {
		c.text(staff, step, "当前：")
		c.say(staff, "保留")
	}
	c.card(staff) // 公开形式
	c.say(staff, "保留")
	cat := c.card(staff)
	if !strings.Contains(cat.Card.MainTitle.Desc, "当前：规章或规范性文件") {
		t.Fatalf("category card of the revision %q", cat.Card.MainTitle.Desc)
	}
	c.say(staff, "保留")
	doc := c.card(staff)
	if !strings.Contains(doc.Card.MainTitle.Desc, "当前：规章 废止") || len(doc.Card.ButtonList) != 4 {
		t.Fatalf("document card of the revision %q %v", doc.Card.MainTitle.Desc, doc.Card.ButtonList)
	}
	c.say(staff, "规范性文件印发")
	c.card(staff) // 公开平台
	c.say(staff, "保留")
	c.card(staff) // 重大事项
	c.say(staff, "保留")
	sum := c.card(staff)
	if got := cardField(t, sum, "信息类别"); got != "行政规范性文件（制发）" {
		t.Fatalf("summary 信息类别 %q", got)
	}
	c.click(staff, sum, "confirm_submit")
	c.text(staff, "已重新提交", "本版修改：信息类别。")
	if cat, repealed, _, _ := h.formCategory(serial); cat != "行政规范性文件" || repealed {
		t.Fatalf("revised to %s, repealed %v", cat, repealed)
	}
}

// The usual form is 其他: one tap on the first button, straight on to the
// platforms. Changed from the summary to 行政事业性收费, the amount is asked
// before the summary comes back; a 依申请公开 form is never asked.
func TestFormCategoryOtherIsOneTap(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	ctx := context.Background()
	c.say(staff, "提交")
	c.text(staff, "开始填写")
	c.text(staff, "第1步")
	c.say(staff, ordinary.title)
	c.text(staff, "第2步")
	c.say(staff, ordinary.summary)
	c.text(staff, "第3步")
	c.say(staff, "今天")
	c.text(staff, "信息形成日期：")
	c.click(staff, c.card(staff), "mode_active")
	cat := c.card(staff)
	if b := cat.Card.ButtonList[0]; b.Text != "其他" || b.Style != 1 {
		t.Fatalf("the first button %+v, want 其他 in the main style", b)
	}
	c.click(staff, cat, "cat_0")
	pl := c.card(staff)
	if !strings.Contains(pl.Card.MainTitle.Title, "第6步：请选择公开平台") {
		t.Fatalf("after 其他 %q, want the platforms at once", pl.Card.MainTitle.Title)
	}
	if st, err := h.corp.User(staff).Submit(ctx, pl.Card.TaskID, map[string][]string{"platforms": {"p0"}}); err != nil || st != 200 {
		t.Fatalf("platforms: %d, %v", st, err)
	}
	c.click(staff, c.card(staff), "major_no")
	sum := c.card(staff)
	if got := cardField(t, sum, "信息类别"); got != "其他" {
		t.Fatalf("summary 信息类别 %q", got)
	}

	c.click(staff, sum, "confirm_edit")
	c.text(staff, "4 公开形式，5 信息类别，6 公开平台")
	c.say(staff, "信息类别")
	c.click(staff, c.card(staff), "cat_5")
	c.text(staff, "请修改：请填写收费金额。")
	c.text(staff, "请输入本审批单公开的收费金额")
	c.say(staff, "12.5元")
	c.text(staff, "收费金额应以万元为单位填写")
	c.text(staff, "请输入本审批单公开的收费金额") // asked again
	c.say(staff, "12.5")
	c.text(staff, "收费金额：12.5万元。")
	sum = c.card(staff)
	if got := cardField(t, sum, "信息类别"); got != "行政事业性收费（12.5万元）" {
		t.Fatalf("summary 信息类别 after 修改 %q", got)
	}
	c.click(staff, sum, "confirm_submit")
	_, rest, _ := strings.Cut(c.text(staff, "已提交，编号 "), "编号 ")
	serial, _, _ := strings.Cut(rest, "。")
	if cat, _, _, fee := h.formCategory(serial); cat != "行政事业性收费" || fee != 125000 {
		t.Fatalf("stored %s, %d元", cat, fee)
	}

	// 依申请公开: the 关联申请 question, then the platforms; no category.
	d := ordinary
	d.mode = "mode_request"
	c.say(staff, "提交")
	c.text(staff, "开始填写")
	c.text(staff, "第1步")
	c.say(staff, d.title)
	c.text(staff, "第2步")
	c.say(staff, d.summary)
	c.text(staff, "第3步")
	c.say(staff, "今天")
	c.text(staff, "信息形成日期：")
	c.click(staff, c.card(staff), "mode_request")
	c.text(staff, "请输入对应的政府信息公开申请编号")
	c.say(staff, "跳过")
	c.text(staff, "未关联申请")
	if pl := c.card(staff); !strings.Contains(pl.Card.MainTitle.Title, "公开平台") {
		t.Fatalf("a 依申请公开 form is asked %q", pl.Card.MainTitle.Title)
	}
}

// The office enters a figure of table 二 zwgk cannot know: refused to
// others and without a reason, echoed with its year and the cell's sum,
// replaced by a later entry, audited with who and why.
func TestOfficeEntersTableTwoFigure(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	ctx := context.Background()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	// The year before this one: the report the office compiles in January.
	year := time.Now().In(loc).Year() - 1
	y := strconv.Itoa(year)

	c.say(staff, "年度报告 录入 "+y+" 行政处罚 35 理由：原系统办理")
	c.text(staff, "由综合办公室审核人员录入")
	c.say(office1, "年度报告 录入 "+y+" 行政处罚 35")
	c.text(office1, "请在最后写明录入理由")
	c.say(office1, "年度报告 录入 "+y+" 政策文件 3 理由：试试")
	c.text(office1, "没有识别出录入的项目「政策文件 3」")
	c.say(office1, "年度报告 录入 "+strconv.Itoa(year+2)+" 行政处罚 3 理由：试试")
	c.text(office1, "年度「"+strconv.Itoa(year+2)+"」有误")
	c.say(office1, "年度报告 录入 "+y+" 行政处罚 35 理由："+y+"年1至11月在原系统办理")
	c.text(office1, "已录入"+y+"年度报告表二：行政处罚 本年处理决定数量 35件（理由："+y+"年1至11月在原系统办理）。",
		"行政处罚 本年处理决定数量合计35件：审批单记录0件，录入35件。")
	c.say(office2, "年度报告 录入 "+y+" 行政处罚 40件 理由：更正，漏计5件")
	c.text(office2, "行政处罚 本年处理决定数量 40件", "替代", "由陈立新录入的35件", "合计40件")
	c.say(office1, "年度报告 录入 "+y+" 收费 1.25 理由：原系统收费")
	c.text(office1, "行政事业性收费 本年收费金额（万元） 1.25万元")
	c.say(office1, "年度报告 录入 "+y+" 规范性文件 废止 2 理由：原系统废止")
	c.text(office1, "行政规范性文件 现行有效件数 = 上年末0 + 本年制发0 − 本年废止2 = -2件", "请注意", "请录入行政规范性文件 上年末现行有效件数")
	c.say(office1, "年度报告 录入 "+y+" 规范性文件 上年末现行有效 12 理由："+strconv.Itoa(year-1)+"年度报告")
	c.text(office1, "行政规范性文件 现行有效件数 = 上年末12 + 本年制发0 − 本年废止2 = 10件")

	figures, err := storage.ActiveDisclosureFigures(ctx, h.db, year, loc)
	if err != nil {
		t.Fatal(err)
	}
	if figures.Penalty.Total() != 40 || figures.Fee.Total() != 12500 || figures.Normative.InForce() != 10 {
		t.Fatalf("table 二 of %d: penalty %d, fee %d元, 规范性文件现行有效 %d", year, figures.Penalty.Total(), figures.Fee.Total(), figures.Normative.InForce())
	}
	trail, err := storage.AuditTrail(ctx, h.db, storage.EntityAnnualActive, y)
	if err != nil {
		t.Fatal(err)
	}
	if len(trail) != 5 || trail[1].Actor != office2 || !strings.Contains(string(trail[1].Detail), "更正，漏计5件") {
		t.Fatalf("audit of %d: %+v", year, trail)
	}
}
