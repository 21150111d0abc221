package cli

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"github.com/zwgk-bot/zwgk/annualreport"
	"github.com/zwgk-bot/zwgk/app"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
	"github.com/zwgk-bot/zwgk/workflow"
)

func day(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

// annualSeed is an application of the test's register.
type annualSeed struct {
	typ      workflow.ApplicantType
	received time.Time
	closed   *time.Time // nil: still open
	outcome  workflow.Outcome
	reason   workflow.Reason
}

// seedApplications stores the seeds and returns their ids.
func seedApplications(t *testing.T, db *storage.DB, seeds []annualSeed) []int64 {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	err := db.WithTx(ctx, func(tx *storage.Tx) error {
		for i, s := range seeds {
			a := &storage.Application{Channel: "当面", ReceivedD: s.received, ApplicantName: "申请人" + strconv.Itoa(i),
				ApplicantType: string(s.typ), Content: "某项目环评文件", ProvideForm: "纸质", State: "accepted", Section: "综合一股",
				Registrar: "linxiaoyan", DueD: s.received.AddDate(0, 1, 0), Source: "test", CreatedAt: s.received}
			if s.closed != nil {
				a.State, a.Outcome, a.Reason = "closed", string(s.outcome), string(s.reason)
				a.DeliveredD = sql.NullTime{Time: *s.closed, Valid: true}
			}
			if _, err := storage.InsertApplication(ctx, tx, a); err != nil {
				return err
			}
			ids = append(ids, a.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// table3Keys are table 三's rows with figures, top to bottom, as the
// template has them (written out here, not taken from the code under
// test): the .xlsx has them on rows 5 to 29.
var table3Keys = []string{"new", "carried_in", string(workflow.OutcomeDisclose), string(workflow.OutcomePartial),
	string(workflow.ReasonStateSecret), string(workflow.ReasonLawForbids), string(workflow.ReasonSecurity), string(workflow.ReasonThirdParty),
	string(workflow.ReasonInternal), string(workflow.ReasonProcess), string(workflow.ReasonCaseFile), string(workflow.ReasonQuery),
	string(workflow.ReasonNotHeld), string(workflow.ReasonNeedsCreating), string(workflow.ReasonStillUnclear),
	string(workflow.ReasonPetition), string(workflow.ReasonRepeat), string(workflow.ReasonPublication), string(workflow.ReasonExcessive), string(workflow.ReasonConfirm),
	string(workflow.ReasonNoSupplement), string(workflow.ReasonNoFee), string(workflow.ReasonOther),
	"total", "carried_out"}

// withReasons are the outcomes whose rows are their reasons.
var withReasons = map[workflow.Outcome]bool{workflow.OutcomeWithhold: true, workflow.OutcomeUnavailable: true, workflow.OutcomeNotHandled: true, workflow.OutcomeOther: true}

// countTable3 counts table 三 of year from the seeds by the rules of the
// report, independently of storage's query: a year of receipt, a year of
// closing, and whether it was open.
func countTable3(seeds []annualSeed, year int) map[string][7]int {
	want := map[string][7]int{}
	inc := func(key string, typ workflow.ApplicantType) {
		c := want[key]
		for i, x := range []workflow.ApplicantType{"自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"} {
			if x == typ {
				c[i]++
			}
		}
		c[6]++
		want[key] = c
	}
	for _, s := range seeds {
		ry := s.received.Year()
		cy := 10000 // never closed
		if s.closed != nil {
			cy = s.closed.Year()
		}
		if ry == year {
			inc("new", s.typ)
		}
		if ry < year && cy >= year {
			inc("carried_in", s.typ)
		}
		if cy == year {
			inc("total", s.typ)
			if withReasons[s.outcome] {
				inc(string(s.reason), s.typ)
			} else {
				inc(string(s.outcome), s.typ) // 部分公开 with a withholding reason: only here
			}
		}
		if ry <= year && cy > year {
			inc("carried_out", s.typ)
		}
	}
	return want
}

// annualYear is a year of the register: every outcome and every reason,
// several applicant types, carried in from 2025 and into 2027, and some
// that 2026 does not count.
func annualYear() []annualSeed {
	ptr := func(t time.Time) *time.Time { return &t }
	types := []workflow.ApplicantType{"自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"}
	var seeds []annualSeed
	n := 0
	add := func(o workflow.Outcome, r workflow.Reason) {
		received := day(2026, 1+n%11, 1+n%27)
		seeds = append(seeds, annualSeed{types[n%len(types)], received, ptr(received.AddDate(0, 0, 15)), o, r})
		n++
	}
	for _, o := range []workflow.Outcome{workflow.OutcomeDisclose, workflow.OutcomePartial} {
		add(o, "")
	}
	for _, r := range []workflow.Reason{workflow.ReasonStateSecret, workflow.ReasonLawForbids, workflow.ReasonSecurity, workflow.ReasonThirdParty,
		workflow.ReasonInternal, workflow.ReasonProcess, workflow.ReasonCaseFile, workflow.ReasonQuery, workflow.ReasonNotHeld,
		workflow.ReasonNeedsCreating, workflow.ReasonStillUnclear, workflow.ReasonPetition, workflow.ReasonRepeat, workflow.ReasonPublication,
		workflow.ReasonExcessive, workflow.ReasonConfirm, workflow.ReasonNoSupplement, workflow.ReasonNoFee, workflow.ReasonOther} {
		add(r.Outcome(), r)
	}
	seeds = append(seeds,
		// More of the usual: several 自然人 disclosed, a 部分公开 giving
		// the reason of what it withheld.
		annualSeed{"自然人", day(2026, 2, 3), ptr(day(2026, 2, 20)), workflow.OutcomeDisclose, ""},
		annualSeed{"自然人", day(2026, 5, 6), ptr(day(2026, 5, 29)), workflow.OutcomeDisclose, ""},
		annualSeed{"法律服务机构", day(2026, 6, 1), ptr(day(2026, 6, 30)), workflow.OutcomePartial, workflow.ReasonThirdParty},
		// Carried in from 2025: closed in 2026 (二 and 三 of 2026), still
		// open (二 and 四), and closed on 1 January 2026 (open on it).
		annualSeed{"自然人", day(2025, 12, 15), ptr(day(2026, 1, 10)), workflow.OutcomeDisclose, ""},
		annualSeed{"商业企业", day(2025, 12, 22), ptr(day(2026, 1, 20)), workflow.OutcomeNotHandled, workflow.ReasonRepeat},
		annualSeed{"商业企业", day(2025, 11, 3), nil, "", ""},
		annualSeed{"科研机构", day(2025, 12, 1), ptr(day(2026, 1, 1)), workflow.OutcomeUnavailable, workflow.ReasonNotHeld},
		// Closed in 2025 (2026 does not count it) and on 31 December 2025.
		annualSeed{"自然人", day(2025, 10, 8), ptr(day(2025, 11, 2)), workflow.OutcomeDisclose, ""},
		annualSeed{"其他", day(2025, 12, 1), ptr(day(2025, 12, 31)), workflow.OutcomeDisclose, ""},
		// Carried into 2027: open, and closed only in January 2027.
		annualSeed{"自然人", day(2026, 12, 20), nil, "", ""},
		annualSeed{"社会公益组织", day(2026, 12, 28), ptr(day(2027, 1, 5)), workflow.OutcomeDisclose, ""},
		annualSeed{"自然人", day(2026, 12, 31), nil, "", ""},
		// Received in 2027: not 2026's.
		annualSeed{"自然人", day(2027, 1, 4), nil, "", ""},
	)
	return seeds
}

// annualRemedySeed is a 复议 or 诉讼 of the test's register.
type annualRemedySeed struct {
	app     int // index into the seeds
	kind    string
	filed   time.Time
	result  string
	decided *time.Time
}

func TestAnnualReportMatchesIndependentCounts(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	seeds := annualYear()
	ids := seedApplications(t, db, seeds)
	ptr := func(t time.Time) *time.Time { return &t }
	remedies := []annualRemedySeed{
		{0, workflow.Review, day(2026, 3, 2), workflow.ResultUpheld, ptr(day(2026, 5, 6))},
		{1, workflow.Review, day(2026, 10, 9), workflow.ResultCorrected, ptr(day(2027, 1, 15))}, // decided after the year: 尚未审结
		{2, workflow.SuitDirect, day(2026, 6, 1), workflow.ResultCorrected, ptr(day(2026, 11, 30))},
		{3, workflow.SuitDirect, day(2026, 4, 1), workflow.ResultOther, ptr(day(2026, 9, 1))},
		{4, workflow.SuitAfterReview, day(2026, 8, 3), workflow.ResultPending, nil},
		{5, workflow.Review, day(2025, 11, 20), workflow.ResultUpheld, ptr(day(2026, 2, 1))}, // filed in 2025: not 2026's
	}
	at := time.Date(2027, 1, 6, 9, 0, 0, 0, time.UTC)
	err := db.WithTx(ctx, func(tx *storage.Tx) error {
		for _, r := range remedies {
			rem := &storage.Remedy{ApplicationID: ids[r.app], Kind: r.kind, FiledD: r.filed, Result: r.result, RecordedBy: "linxiaoyan"}
			if r.decided != nil {
				rem.DecidedD = sql.NullTime{Time: *r.decided, Valid: true}
			}
			if err := storage.InsertRemedy(ctx, tx, rem, "n"+strconv.Itoa(r.app), at); err != nil {
				return err
			}
		}
		// The office's 上年结转 of 商业企业: its own count, which agrees
		// with the register (2 carried in).
		if err := storage.SetAnnualFigure(ctx, tx, storage.AnnualFigure{Year: 2026, Table: storage.AnnualTable3, Row: "carried_in",
			Column: "商业企业", Value: 2, EnteredBy: "linxiaoyan", Reason: "据2025年纸质台账", EnteredAt: at}); err != nil {
			return err
		}
		// A 复议 about an application zwgk never saw: the office's figure
		// for the cell.
		return storage.SetAnnualFigure(ctx, tx, storage.AnnualFigure{Year: 2026, Table: storage.AnnualTable4, Row: workflow.SuitAfterReview,
			Column: workflow.ResultUpheld, Value: 1, EnteredBy: "linxiaoyan", Reason: "2025年台账申请的复议后起诉案件", EnteredAt: at})
	})
	if err != nil {
		t.Fatal(err)
	}

	// Table 二: forms of every category, published in 2026 and not (the
	// year before, the year after, still publishing, 依申请公开), and the
	// office's entries (a cell entered twice: the later counts).
	active := annualForms()
	seedActiveForms(t, db, active)
	entries := []storage.ActiveEntry{
		{Year: 2026, Cell: string(workflow.CellPenalty), Value: 30, EnteredBy: "linxiaoyan", EnteredAt: at, Reason: "1至11月在原系统办理"},
		{Year: 2026, Cell: string(workflow.CellPenalty), Value: 35, EnteredBy: "chenlixin", EnteredAt: at.Add(time.Hour), Reason: "更正：漏计5件"},
		{Year: 2026, Cell: string(workflow.CellRegulationInForceAt), Value: 4, EnteredBy: "linxiaoyan", EnteredAt: at, Reason: "2025年度报告"},
		{Year: 2026, Cell: string(workflow.CellNormativeInForceAt), Value: 40, EnteredBy: "linxiaoyan", EnteredAt: at, Reason: "2025年度报告"},
		{Year: 2026, Cell: string(workflow.CellLicensing), Value: 6, EnteredBy: "linxiaoyan", EnteredAt: at, Reason: "窗口办理"},
		{Year: 2026, Cell: string(workflow.CellFee), Value: 12345, EnteredBy: "linxiaoyan", EnteredAt: at, Reason: "窗口收费"},
		{Year: 2025, Cell: string(workflow.CellEnforcement), Value: 99, EnteredBy: "linxiaoyan", EnteredAt: at, Reason: "上一年度"},
	}
	err = db.WithTx(ctx, func(tx *storage.Tx) error {
		for _, e := range entries {
			if _, err := storage.AddActiveEntry(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// 12345 orders of the year and its edges: in the text's figures, and
	// in none of the tables.
	loc := app.BusinessLocation()
	bj := func(y, m, d, h int) time.Time { return time.Date(y, time.Month(m), d, h, 0, 0, 0, loc) }
	orders := []orderSeed{
		{bj(2026, 1, 1, 0), bj(2026, 1, 9, 17), bj(2026, 1, 5, 9)},    // on time
		{bj(2026, 6, 1, 9), bj(2026, 6, 10, 17), bj(2026, 6, 10, 17)}, // on time, to the minute
		{bj(2026, 7, 1, 9), bj(2026, 7, 10, 17), bj(2026, 7, 11, 9)},  // late
		{bj(2026, 12, 31, 23), bj(2027, 1, 9, 17), bj(2027, 1, 2, 9)}, // answered the next year
		{bj(2026, 12, 20, 9), bj(2027, 1, 9, 17), time.Time{}},        // open
		{bj(2025, 12, 31, 23), bj(2026, 1, 9, 17), bj(2026, 1, 4, 9)}, // 2025's
		{bj(2027, 1, 1, 0), bj(2027, 1, 9, 17), bj(2027, 1, 3, 9)},    // 2027's
	}
	seedOrders(t, db, orders)
	var wantOrders storage.OrderYear
	end := bj(2027, 1, 1, 0)
	for _, o := range orders {
		if o.received.Year() != 2026 {
			continue
		}
		wantOrders.Received++
		if !o.answered.IsZero() && o.answered.Before(end) {
			wantOrders.Answered++
			if !o.answered.After(o.due) {
				wantOrders.OnTime++
			}
		}
	}
	if wantOrders != (storage.OrderYear{Received: 5, Answered: 3, OnTime: 2}) {
		t.Fatalf("seeds of the orders: %+v", wantOrders)
	}

	want2 := countTable2(active, entries, 2026)
	if want2["penalty"] <= 35 || want2["normative_repealed"] == 0 || want2["fee_yuan"] <= 12345 {
		t.Fatalf("seeds of table 二: %v", want2)
	}

	want3 := countTable3(seeds, 2026)
	// Table 四, counted from the seeds: filed in 2026, by the result as of
	// 31 December; plus the office's figure.
	want4 := map[string][5]int{}
	for _, r := range remedies {
		if r.filed.Year() != 2026 {
			continue
		}
		res := r.result
		if r.decided == nil || r.decided.Year() > 2026 {
			res = workflow.ResultPending
		}
		g := want4[r.kind]
		g[map[string]int{workflow.ResultUpheld: 0, workflow.ResultCorrected: 1, workflow.ResultOther: 2, workflow.ResultPending: 3}[res]]++
		g[4]++
		want4[r.kind] = g
	}
	g := want4[workflow.SuitAfterReview]
	g[0], g[4] = 1, g[4]+1
	want4[workflow.SuitAfterReview] = g
	// Sanity of the seeds themselves: they cover what the test claims.
	if want3["carried_in"][6] != 4 || want3["carried_out"][6] != 4 || want3["carried_in"][1] != 2 {
		t.Fatalf("seeds: carried in %v, out %v", want3["carried_in"], want3["carried_out"])
	}

	dir := t.TempDir()
	xlsxPath, csvPath := filepath.Join(dir, "2026.xlsx"), filepath.Join(dir, "2026.csv")
	var out bytes.Buffer
	if err := writeAnnualReport(ctx, db, 2026, at, xlsxPath, csvPath, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	text := out.String()
	for _, s := range []string{"三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
		"    1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "校验通过", "表三 二、上年结转 商业企业 = 2，登记簿统计 2（linxiaoyan 于 2027-01-06 17:00 填报，理由：据2025年纸质台账）"} {
		if !strings.Contains(text, s) {
			t.Errorf("text lacks %q:\n%s", s, text)
		}
	}

	// The model.
	at3, err := annualreport.Build(ctx, db, 2026, app.BusinessLocation())
	if err != nil {
		t.Fatal(err)
	}
	if !at3.OK() {
		t.Fatalf("problems %q", at3.Problems)
	}
	if at3.Facts.Orders != wantOrders {
		t.Errorf("the year's 12345 orders %+v, want %+v", at3.Facts.Orders, wantOrders)
	}
	t2 := at3.T2
	got2 := map[string]int64{"regulation_made": t2.Regulation.Made.Total(), "regulation_repealed": t2.Regulation.Repealed.Total(),
		"regulation_in_force": t2.Regulation.InForce(), "normative_made": t2.Normative.Made.Total(), "normative_repealed": t2.Normative.Repealed.Total(),
		"normative_in_force": t2.Normative.InForce(), "licensing": t2.Licensing.Total(), "penalty": t2.Penalty.Total(),
		"enforcement": t2.Enforcement.Total(), "fee_yuan": t2.Fee.Total()}
	for k, g := range got2 {
		if g != want2[k] {
			t.Errorf("table 二 %s = %d, want %d", k, g, want2[k])
		}
	}
	got := map[string]workflow.Table3Row{"new": at3.T3.New, "carried_in": at3.T3.CarriedIn, "total": at3.T3.Results, "carried_out": at3.T3.CarriedOut}
	for o, r := range at3.T3.Outcomes {
		if !withReasons[o] {
			got[string(o)] = r
		}
	}
	for re, r := range at3.T3.Reasons {
		got[string(re)] = r
	}
	for _, k := range table3Keys {
		if [7]int(got[k]) != want3[k] {
			t.Errorf("table 三 %s = %v, want %v", k, got[k], want3[k])
		}
	}
	for o := range withReasons {
		var sum [7]int
		for _, r := range workflow.Reasons(o) {
			for i, v := range want3[string(r)] {
				sum[i] += v
			}
		}
		if [7]int(at3.T3.Outcomes[o]) != sum {
			t.Errorf("table 三 group %s = %v, want %v", o, at3.T3.Outcomes[o], sum)
		}
	}
	for _, k := range []string{workflow.Review, workflow.SuitDirect, workflow.SuitAfterReview} {
		if [5]int(at3.T4[k]) != want4[k] {
			t.Errorf("table 四 %s = %v, want %v", k, at3.T4[k], want4[k])
		}
	}

	// The .xlsx, read back: every heading where the template has it, the
	// merged ranges, every figure.
	f, err := excelize.OpenFile(xlsxPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); !slices.Equal(sheets, []string{"表二", "表三", "表四"}) {
		t.Fatalf("sheets %v", sheets)
	}
	cell := func(sheet, ref string) string {
		v, err := f.GetCellValue(sheet, ref)
		if err != nil {
			t.Fatalf("%s %s: %v", sheet, ref, err)
		}
		return v
	}
	heads3 := map[string]string{
		"A1": "三、收到和处理政府信息公开申请情况", "A2": "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
		"D2": "申请人情况", "D3": "自然人", "E3": "法人或其他组织", "J3": "总计",
		"E4": "商业企业", "F4": "科研机构", "G4": "社会公益组织", "H4": "法律服务机构", "I4": "其他",
		"A5": "一、本年新收政府信息公开申请数量", "A6": "二、上年结转政府信息公开申请数量", "A7": "三、本年度办理结果",
		"B7": "（一）予以公开", "B8": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "B9": "（三）不予公开",
		"C9": "1.属于国家秘密", "C10": "2.其他法律行政法规禁止公开", "C11": "3.危及“三安全一稳定”", "C12": "4.保护第三方合法权益",
		"C13": "5.属于三类内部事务信息", "C14": "6.属于四类过程性信息", "C15": "7.属于行政执法案卷", "C16": "8.属于行政查询事项",
		"B17": "（四）无法提供", "C17": "1.本机关不掌握相关政府信息", "C18": "2.没有现成信息需要另行制作", "C19": "3.补正后申请内容仍不明确",
		"B20": "（五）不予处理", "C20": "1.信访举报投诉类申请", "C21": "2.重复申请", "C22": "3.要求提供公开出版物",
		"C23": "4.无正当理由大量反复申请", "C24": "5.要求行政机关确认或重新出具已获取信息",
		"B25": "（六）其他处理", "C25": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
		"C26": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "C27": "3.其他",
		"B28": "（七）总计", "A29": "四、结转下年度继续办理",
	}
	// 表二: its figures where the template puts them (the fee in 万元).
	for ref, k := range map[string]string{"B4": "regulation_made", "C4": "regulation_repealed", "D4": "regulation_in_force",
		"B5": "normative_made", "C5": "normative_repealed", "D5": "normative_in_force",
		"B8": "licensing", "B11": "penalty", "B12": "enforcement"} {
		if v := cell("表二", ref); v != strconv.FormatInt(want2[k], 10) {
			t.Errorf("表二 %s (%s) = %q, want %d", ref, k, v, want2[k])
		}
	}
	if v, w := cell("表二", "B15"), strconv.FormatFloat(float64(want2["fee_yuan"])/10000, 'f', -1, 64); v != w {
		t.Errorf("表二 B15 (fee) = %q, want %q", v, w)
	}
	for ref, w := range heads3 {
		if v := cell("表三", ref); v != w {
			t.Errorf("表三 %s = %q, want %q", ref, v, w)
		}
	}
	for i, k := range table3Keys {
		for c := range 7 {
			ref, _ := excelize.CoordinatesToCellName(4+c, 5+i)
			if v := cell("表三", ref); v != strconv.Itoa(want3[k][c]) {
				t.Errorf("表三 %s (%s, column %d) = %q, want %d", ref, k, c, v, want3[k][c])
			}
		}
	}
	if v := cell("表三", "K5"); v != "" {
		t.Errorf("表三 K5 = %q: a column too many", v)
	}
	wantMerges := map[string][]string{
		"表三": {"A2:C4", "D2:J2", "D3:D4", "E3:I3", "J3:J4", "A5:C5", "A6:C6", "A7:A28", "B7:C7", "B8:C8",
			"B9:B16", "B17:B19", "B20:B24", "B25:B27", "B28:C28", "A29:C29"},
		"表四": {"A2:E2", "F2:O2", "A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:E4", "F3:J3", "K3:O3"},
	}
	for sheet, w := range wantMerges {
		ms, err := f.GetMergeCells(sheet)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range ms {
			got = append(got, m.GetStartAxis()+":"+m.GetEndAxis())
		}
		slices.Sort(got)
		slices.Sort(w)
		if !slices.Equal(got, w) {
			t.Errorf("%s merges %v, want %v", sheet, got, w)
		}
	}
	heads4 := map[string]string{"A1": "四、政府信息公开行政复议、行政诉讼情况", "A2": "行政复议", "F2": "行政诉讼",
		"F3": "未经复议直接起诉", "K3": "复议后起诉"}
	results := []string{"结果维持", "结果纠正", "其他结果", "尚未审结", "总计"}
	for j, r := range results {
		for _, col := range []int{1 + j, 6 + j, 11 + j} {
			row := 4
			if col <= 5 {
				row = 3
			}
			ref, _ := excelize.CoordinatesToCellName(col, row)
			heads4[ref] = r
		}
	}
	for ref, w := range heads4 {
		if v := cell("表四", ref); v != w {
			t.Errorf("表四 %s = %q, want %q", ref, v, w)
		}
	}
	for k, kind := range []string{workflow.Review, workflow.SuitDirect, workflow.SuitAfterReview} {
		for j := range 5 {
			ref, _ := excelize.CoordinatesToCellName(1+5*k+j, 5)
			if v := cell("表四", ref); v != strconv.Itoa(want4[kind][j]) {
				t.Errorf("表四 %s (%s %s) = %q, want %d", ref, kind, results[j], v, want4[kind][j])
			}
		}
	}

	// The CSV has the same cells as the .xlsx.
	raw, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	csvText := strings.TrimPrefix(string(raw), "\ufeff")
	if len(csvText) == len(raw) {
		t.Error("the CSV has no byte order mark: Excel would read it as GBK")
	}
	lines := strings.Split(csvText, "\n")
	if lines[0] != "二、主动公开政府信息情况" {
		t.Errorf("CSV starts %q", lines[:2])
	}
	// Table 三 follows table 二's 14 rows and a blank line.
	if !strings.HasPrefix(lines[10], "行政处罚,"+strconv.FormatInt(want2["penalty"], 10)+",") {
		t.Errorf("CSV's 行政处罚 line %q, want %d", lines[10], want2["penalty"])
	}
	lines = lines[16:]
	if lines[0] != "三、收到和处理政府信息公开申请情况" || !strings.HasPrefix(lines[4], "一、本年新收政府信息公开申请数量,,,") {
		t.Errorf("CSV's table 三 starts %q", lines[:5])
	}
	for i, k := range table3Keys {
		var nums []string
		for _, v := range want3[k] {
			nums = append(nums, strconv.Itoa(v))
		}
		if !strings.HasSuffix(lines[4+i], ","+strings.Join(nums, ",")) {
			t.Errorf("CSV line %d (%s) = %q, want the figures %v", 5+i, k, lines[4+i], nums)
		}
	}
	var nums4 []string
	for _, kind := range []string{workflow.Review, workflow.SuitDirect, workflow.SuitAfterReview} {
		for _, v := range want4[kind] {
			nums4 = append(nums4, strconv.Itoa(v))
		}
	}
	if !strings.Contains(csvText, "\n"+strings.Join(nums4, ",")+"\n") {
		t.Errorf("CSV lacks table 四's row %v:\n%s", nums4, csvText)
	}
}

// TestAnnualReportRefusesAnUnbalancedYear: a 上年结转 the office entered
// that the register contradicts is refused, with the cells named, by the
// command's exit status, and no file is written.
func TestAnnualReportRefusesAnUnbalancedYear(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := storagetest.NewDatabase(t)
	db, err := storage.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	ptr := func(t time.Time) *time.Time { return &t }
	seedApplications(t, db, []annualSeed{
		{"自然人", day(2025, 12, 20), ptr(day(2026, 1, 12)), workflow.OutcomeDisclose, ""},
		{"自然人", day(2026, 3, 2), ptr(day(2026, 3, 20)), workflow.OutcomeDisclose, ""},
		{"商业企业", day(2026, 4, 2), nil, "", ""},
	})
	at := time.Date(2027, 1, 8, 9, 0, 0, 0, time.UTC)
	err = db.WithTx(ctx, func(tx *storage.Tx) error {
		return storage.SetAnnualFigure(ctx, tx, storage.AnnualFigure{Year: 2026, Table: storage.AnnualTable3, Row: "carried_in",
			Column: "自然人", Value: 3, EnteredBy: "linxiaoyan", Reason: "据2025年纸质台账", EnteredAt: at})
	})
	if err != nil {
		t.Fatal(err)
	}
	xlsxPath := filepath.Join(t.TempDir(), "2026.xlsx")
	var out, errOut bytes.Buffer
	getenv := func(k string) string {
		if k == "DATABASE_URL" {
			return url
		}
		return ""
	}
	err = Run(ctx, []string{"report", "annual", "--year", "2026", "--xlsx", xlsxPath}, getenv, &out, &errOut)
	if !errors.Is(err, ErrChecksFailed) || ExitCode(err) != 1 {
		t.Fatalf("Run: %v (exit %d), want the checks to fail\n%s%s", err, ExitCode(err), out.String(), errOut.String())
	}
	for _, p := range []string{"校验未通过（2 处），未生成文件：", "表三 自然人：一 + 二 = 4，三（七） + 四 = 2", "表三 总计：一 + 二 = 5，三（七） + 四 = 3",
		"表三 二、上年结转 自然人 = 3，登记簿统计 1"} {
		if !strings.Contains(out.String(), p) {
			t.Errorf("output lacks %q:\n%s", p, out.String())
		}
	}
	if _, err := os.Stat(xlsxPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the .xlsx of an unbalanced year was written (%v)", err)
	}
	// The office corrects its figure: the year balances and the file is
	// written; the audit log keeps both entries, the second with the
	// figure it replaced.
	err = db.WithTx(ctx, func(tx *storage.Tx) error {
		return storage.SetAnnualFigure(ctx, tx, storage.AnnualFigure{Year: 2026, Table: storage.AnnualTable3, Row: "carried_in",
			Column: "自然人", Value: 1, EnteredBy: "chenlixin", Reason: "核对台账后更正", EnteredAt: at.Add(time.Hour)})
	})
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := Run(ctx, []string{"report", "annual", "--year", "2026", "--xlsx", xlsxPath}, getenv, &out, &errOut); err != nil {
		t.Fatalf("after the correction: %v\n%s", err, out.String())
	}
	if _, err := os.Stat(xlsxPath); err != nil {
		t.Errorf("the .xlsx was not written: %v", err)
	}
	trail, err := storage.AuditTrail(ctx, db, storage.EntityAnnualReport, "2026")
	if err != nil {
		t.Fatal(err)
	}
	if len(trail) != 2 || trail[0].Actor != "linxiaoyan" || trail[1].Actor != "chenlixin" ||
		!strings.Contains(string(trail[1].Detail), `"replaced": 3`) || !strings.Contains(string(trail[1].Detail), "核对台账后更正") {
		t.Fatalf("audit trail %+v", trail)
	}
}

// TestAnnualEntriesFromTheCommandLine records a 复议, its result and a
// figure of the office through the commands, and finds them in the
// report.
func TestAnnualEntriesFromTheCommandLine(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := storagetest.NewDatabase(t)
	db, err := storage.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	ptr := func(t time.Time) *time.Time { return &t }
	seedApplications(t, db, []annualSeed{{"自然人", day(2026, 3, 2), ptr(day(2026, 3, 20)), workflow.OutcomeWithhold, workflow.ReasonProcess}})
	getenv := func(k string) string {
		if k == "DATABASE_URL" {
			return url
		}
		return ""
	}
	run := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if err := Run(ctx, args, getenv, &out, &errOut); err != nil {
			t.Fatalf("zwgk %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
		}
		return out.String()
	}
	if out := run("annual", "remedy", "--application", "依申请〔2026〕1号", "--kind", "复议", "--filed", "2026-04-10", "--by", "linxiaoyan"); !strings.Contains(out, "依申请〔2026〕1号：行政复议已记录（编号 1，尚未审结）") {
		t.Fatalf("remedy: %s", out)
	}
	run("annual", "remedy", "--decide", "1", "--result", "纠正", "--decided", "2026-06-01", "--by", "linxiaoyan")
	run("annual", "figure", "--year", "2026", "--table", "四", "--row", "直接起诉", "--column", "维持", "--value", "2", "--by", "linxiaoyan", "--reason", "启用前的案件")
	out := run("report", "annual", "--year", "2026")
	for _, s := range []string{
		"行政复议                          0         1         0         0     1",
		"行政诉讼·未经复议直接起诉         2         0         0         0     2",
		"表四 未经复议直接起诉 结果维持 = 2（linxiaoyan 于",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("report lacks %q:\n%s", s, out)
		}
	}
	// A second decision, an unknown application and a decision before the
	// filing are refused.
	for _, args := range [][]string{
		{"annual", "remedy", "--decide", "1", "--result", "维持", "--decided", "2026-07-01", "--by", "linxiaoyan"},
		{"annual", "remedy", "--application", "依申请〔2026〕9号", "--kind", "复议", "--filed", "2026-04-10", "--by", "linxiaoyan"},
		{"annual", "remedy", "--application", "依申请〔2026〕1号", "--kind", "复议", "--filed", "2026-04-10", "--result", "维持", "--decided", "2026-04-01", "--by", "linxiaoyan"},
		{"annual", "figure", "--year", "2026", "--table", "三", "--column", "自然人", "--value", "1", "--by", "linxiaoyan"},
	} {
		var o, e bytes.Buffer
		if err := Run(ctx, args, getenv, &o, &e); err == nil {
			t.Errorf("zwgk %s accepted", strings.Join(args, " "))
		}
	}
}

// activeSeed is a 主动公开 审批单 of the test, published (every platform
// confirmed) at published, or not yet when zero.
type activeSeed struct {
	cat       workflow.InfoCategory
	repealed  bool
	decisions int
	feeYuan   int64
	platforms []string
	published time.Time
	mode      workflow.Mode // default 主动公开
}

// seedActiveForms stores the forms, numbered from 1 in 2026.
func seedActiveForms(t *testing.T, db *storage.DB, seeds []activeSeed) {
	t.Helper()
	ctx := context.Background()
	err := db.WithTx(ctx, func(tx *storage.Tx) error {
		for i, s := range seeds {
			mode, state := s.mode, workflow.StatePublished
			if mode == "" {
				mode = workflow.ModeActive
			}
			if s.published.IsZero() {
				state = workflow.StatePublishing
			}
			f := &storage.Form{Year: 2026, Seq: i + 1, Version: 1, State: string(state), Section: "综合一股", Submitter: "lina",
				Title: "审批单" + strconv.Itoa(i+1), Summary: "简要内容", FormedOn: day(2026, 1, 2), Mode: string(mode), Column: "环境保护",
				Platforms: s.platforms, Assignees: []string{}, CreatedAt: day(2026, 1, 2),
				Category: string(s.cat), Repealed: s.repealed, Decisions: s.decisions, FeeYuan: s.feeYuan}
			if _, err := storage.InsertForm(ctx, tx, f); err != nil {
				return err
			}
			if s.published.IsZero() {
				continue
			}
			for _, p := range s.platforms {
				if _, err := storage.InsertPublication(ctx, tx, storage.Publication{FormID: f.ID, Platform: p, PublishedBy: "hejing", PublishedAt: s.published}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestAnnualReportTableTwo: table 二 in the text (with the office's
// entries, who, when and why), the .xlsx (sheet 表二 first, the
// template's headings, the fee with its decimals) and the CSV.
func TestAnnualReportTableTwo(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	noon := func(m, d int) time.Time { return time.Date(2026, time.Month(m), d, 4, 0, 0, 0, time.UTC) }
	web := []string{"政府网站"}
	seedActiveForms(t, db, []activeSeed{
		{cat: workflow.CategoryPenalty, decisions: 3, platforms: web, published: noon(3, 2)},
		{cat: workflow.CategoryNormative, platforms: web, published: noon(4, 2)},
		{cat: workflow.CategoryNormative, repealed: true, platforms: web, published: noon(5, 2)},
		{cat: workflow.CategoryFee, feeYuan: 2500, platforms: web, published: noon(6, 2)},
		{cat: workflow.CategoryPenalty, decisions: 9, platforms: web}, // not yet published
	})
	at := time.Date(2027, 1, 6, 1, 0, 0, 0, time.UTC)
	err := db.WithTx(ctx, func(tx *storage.Tx) error {
		for _, e := range []storage.ActiveEntry{
			{Year: 2026, Cell: string(workflow.CellPenalty), Value: 30, EnteredBy: "linxiaoyan", EnteredAt: at, Reason: "1至11月在原系统办理"},
			{Year: 2026, Cell: string(workflow.CellPenalty), Value: 35, EnteredBy: "chenlixin", EnteredAt: at.Add(time.Hour), Reason: "更正：漏计5件"},
			{Year: 2026, Cell: string(workflow.CellNormativeInForceAt), Value: 40, EnteredBy: "linxiaoyan", EnteredAt: at, Reason: "2025年度报告"},
			{Year: 2026, Cell: string(workflow.CellFee), Value: 9845, EnteredBy: "linxiaoyan", EnteredAt: at, Reason: "窗口收费"},
		} {
			if _, err := storage.AddActiveEntry(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	xlsxPath, csvPath := filepath.Join(dir, "2026.xlsx"), filepath.Join(dir, "2026.csv")
	var out bytes.Buffer
	if err := writeAnnualReport(ctx, db, 2026, at, xlsxPath, csvPath, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, s := range []string{
		"二、主动公开政府信息情况\n第二十条第（一）项\n",
		"  行政规范性文件             1             1            40\n",
		"  行政处罚                      38\n",
		"  行政事业性收费                      1.2345\n",
		"  行政处罚 本年处理决定数量 = 30件（linxiaoyan 于 2027-01-06 09:00 录入，理由：1至11月在原系统办理；已被后一次录入替代）",
		"  行政处罚 本年处理决定数量 = 35件（chenlixin 于 2027-01-06 10:00 录入，理由：更正：漏计5件；审批单统计 3件）",
		"  行政规范性文件 上年末现行有效件数 = 40件（linxiaoyan 于 2027-01-06 09:00 录入，理由：2025年度报告）",
		"  行政事业性收费 本年收费金额（万元） = 0.9845万元（linxiaoyan 于 2027-01-06 09:00 录入，理由：窗口收费；审批单统计 0.25万元）",
	} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("text lacks %q:\n%s", s, out.String())
		}
	}
	f, err := excelize.OpenFile(xlsxPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]string{
		"A1": "二、主动公开政府信息情况",
		"A2": "第二十条第（一）项", "A3": "信息内容", "B3": "本年制发件数", "C3": "本年废止件数", "D3": "现行有效件数",
		"A4": "规章", "B4": "0", "C4": "0", "D4": "0",
		"A5": "行政规范性文件", "B5": "1", "C5": "1", "D5": "40",
		"A6": "第二十条第（五）项", "A7": "信息内容", "B7": "本年处理决定数量", "A8": "行政许可", "B8": "0",
		"A9": "第二十条第（六）项", "A10": "信息内容", "B10": "本年处理决定数量", "A11": "行政处罚", "B11": "38", "A12": "行政强制", "B12": "0",
		"A13": "第二十条第（八）项", "A14": "信息内容", "B14": "本年收费金额（单位：万元）", "A15": "行政事业性收费", "B15": "1.2345",
		"A16": "",
	}
	for ref, w := range want {
		if v, err := f.GetCellValue("表二", ref); err != nil || v != w {
			t.Errorf("表二 %s = %q (%v), want %q", ref, v, err, w)
		}
	}
	ms, err := f.GetMergeCells("表二")
	if err != nil {
		t.Fatal(err)
	}
	var merges []string
	for _, m := range ms {
		merges = append(merges, m.GetStartAxis()+":"+m.GetEndAxis())
	}
	slices.Sort(merges)
	wantMerges := []string{"A13:D13", "A2:D2", "A6:D6", "A9:D9", "B10:D10", "B11:D11", "B12:D12", "B14:D14", "B15:D15", "B7:D7", "B8:D8"}
	slices.Sort(wantMerges)
	if !slices.Equal(merges, wantMerges) {
		t.Errorf("表二 merges %v, want %v", merges, wantMerges)
	}
	raw, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "\n行政规范性文件,1,1,40\n") || !strings.Contains(string(raw), "\n行政事业性收费,1.2345,,\n") {
		t.Errorf("CSV:\n%s", raw)
	}
}

// orderSeed is a 12345 order of the test: received, due and answered
// (zero: not yet) in the bureau's zone.
type orderSeed struct{ received, due, answered time.Time }

// seedOrders stores the orders, answered ones in state answered.
func seedOrders(t *testing.T, db *storage.DB, seeds []orderSeed) {
	t.Helper()
	ctx := context.Background()
	err := db.WithTx(ctx, func(tx *storage.Tx) error {
		for i, s := range seeds {
			o := &storage.Order{TicketNo: "GD" + strconv.Itoa(1000+i), Category: "噪声", Content: "夜间施工噪声", Location: "某小区",
				ReceivedAt: s.received, DueAt: s.due, Section: "综合一股", Registrar: "hejing", State: "dispatched", Source: "test", CreatedAt: s.received}
			if _, err := storage.InsertOrder(ctx, tx, o); err != nil {
				return err
			}
			if !s.answered.IsZero() {
				if _, err := tx.ExecContext(ctx, `UPDATE orders SET state = 'answered', answered_at = $2 WHERE id = $1`, o.ID, s.answered); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// seedMeetings records meetings held on the days given.
func seedMeetings(t *testing.T, db *storage.DB, days ...time.Time) {
	t.Helper()
	ctx := context.Background()
	err := db.WithTx(ctx, func(tx *storage.Tx) error {
		for _, d := range days {
			if _, err := storage.InsertMeeting(ctx, tx, storage.Meeting{HeldOn: d, Topic: "研究部署政务公开工作", RecordedBy: "linxiaoyan", RecordedAt: d}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestAnnualReportFactsAndTableTwoChecks: the figures of the text come
// from the year's forms, orders and meetings (the year in the bureau's
// zone); a table 二 that cannot be right is in the one list of problems,
// and the command refuses the year, naming the cells.
func TestAnnualReportFactsAndTableTwoChecks(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	at := func(y, m, d, h int) time.Time { return time.Date(y, time.Month(m), d, h, 0, 0, 0, loc) }
	both := []string{"政府网站", "“双微”公众号"}
	seedActiveForms(t, db, []activeSeed{
		{cat: workflow.CategoryOther, platforms: both, published: at(2026, 3, 2, 10)},
		{cat: workflow.CategoryNormative, repealed: true, platforms: []string{"政府网站"}, published: at(2026, 4, 2, 10)},
		{cat: workflow.CategoryOther, platforms: []string{"“双微”公众号"}, published: at(2026, 1, 1, 0)},
		{cat: workflow.CategoryOther, platforms: both, published: at(2025, 12, 31, 23)}, // 2025's
		{cat: workflow.CategoryOther, platforms: both},                                  // still publishing
		{cat: workflow.CategoryOther, platforms: both, published: at(2026, 5, 5, 10), mode: workflow.ModeRequest},
	})
	seedOrders(t, db, []orderSeed{
		{at(2026, 2, 1, 9), at(2026, 2, 10, 17), at(2026, 2, 9, 9)},   // on time
		{at(2026, 3, 1, 9), at(2026, 3, 10, 17), at(2026, 3, 12, 9)},  // late
		{at(2026, 12, 28, 9), at(2027, 1, 8, 17), at(2027, 1, 4, 9)},  // answered next year
		{at(2026, 12, 30, 9), at(2027, 1, 9, 17), time.Time{}},        // open
		{at(2025, 12, 31, 23), at(2026, 1, 9, 17), at(2026, 1, 5, 9)}, // 2025's
		{at(2027, 1, 1, 0), at(2027, 1, 9, 17), time.Time{}},          // 2027's
	})
	seedMeetings(t, db, day(2026, 3, 28), day(2026, 9, 1), day(2025, 12, 30))

	r, err := annualreport.Build(ctx, db, 2026, loc)
	if err != nil {
		t.Fatal(err)
	}
	f := r.Facts
	wantPlatforms := []storage.PlatformCount{{Platform: "“双微”公众号", Forms: 2}, {Platform: "政府网站", Forms: 2}}
	if f.FormsPublished != 3 || !slices.Equal(f.ByPlatform, wantPlatforms) {
		t.Errorf("forms %d, platforms %v; want 3, %v", f.FormsPublished, f.ByPlatform, wantPlatforms)
	}
	if f.Orders != (storage.OrderYear{Received: 4, Answered: 2, OnTime: 1}) {
		t.Errorf("orders %+v", f.Orders)
	}
	if len(f.Meetings) != 2 {
		t.Errorf("meetings %+v", f.Meetings)
	}
	// One 行政规范性文件 repealed, none in force at the start entered: -1.
	wantProblem := "表二 行政规范性文件 现行有效件数为-1（上年末0 + 本年制发0 − 本年废止1），请录入行政规范性文件 上年末现行有效件数"
	if !slices.Equal(r.Problems, []string{wantProblem}) {
		t.Errorf("problems %q, want %q", r.Problems, wantProblem)
	}
	if ps, err := annualreport.Problems(ctx, db, 2026, loc); err != nil || !slices.Equal(ps, r.Problems) {
		t.Errorf("Problems = %q, %v", ps, err)
	}
	xlsxPath := filepath.Join(t.TempDir(), "2026.xlsx")
	var out bytes.Buffer
	if err := writeAnnualReport(ctx, db, 2026, at(2027, 1, 6, 9), xlsxPath, "", &out); !errors.Is(err, ErrChecksFailed) {
		t.Fatalf("writeAnnualReport: %v, want the checks to fail\n%s", err, out.String())
	}
	for _, s := range []string{"校验未通过（1 处），未生成文件：\n  " + wantProblem,
		"  主动公开审批单 3 件已公开（“双微”公众号 2 条、政府网站 2 条）",
		"  12345工单 收到 4 件，年内办结 2 件，其中按时办结 1 件",
		"  政务公开专题工作会议 2 次"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, out.String())
		}
	}
	if _, err := os.Stat(xlsxPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the .xlsx was written (%v)", err)
	}
}

// TestAnnualTextFromTheCommandLine: the office's text replaces the draft
// of a section in the report model and the report says which sections are
// still drafts; --clear brings the draft back; bad input is refused.
func TestAnnualTextFromTheCommandLine(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := storagetest.NewDatabase(t)
	db, err := storage.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	ptr := func(t time.Time) *time.Time { return &t }
	seedApplications(t, db, []annualSeed{
		{"自然人", day(2026, 3, 2), ptr(day(2026, 3, 20)), workflow.OutcomeDisclose, ""},
		{"自然人", day(2026, 4, 2), ptr(day(2026, 4, 20)), workflow.OutcomeOther, workflow.ReasonNoFee},
		{"商业企业", day(2026, 12, 2), nil, "", ""},
	})
	seedMeetings(t, db, day(2026, 3, 28))
	getenv := func(k string) string {
		if k == "DATABASE_URL" {
			return url
		}
		return ""
	}
	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := Run(ctx, args, getenv, &out, &errOut)
		return out.String() + errOut.String(), err
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	r, err := annualreport.Build(ctx, db, 2026, loc)
	if err != nil {
		t.Fatal(err)
	}
	if d := r.Drafts(); !slices.Equal(d, []string{"一", "五", "六"}) {
		t.Fatalf("drafts %v", d)
	}
	var titles []string
	for _, s := range r.Sections {
		titles = append(titles, s.Title)
	}
	if want := []string{"一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况",
		"五、存在的主要问题及改进情况", "六、其他需要报告的事项"}; !slices.Equal(titles, want) {
		t.Fatalf("sections %q", titles)
	}
	for _, s := range []string{"全年新收政府信息公开申请3件，上年结转0件；办结2件，结转下年度继续办理1件。", "全年召开政务公开专题工作会议1次"} {
		if !strings.Contains(r.Sections[0].Text, s) {
			t.Errorf("draft of 一 lacks %q:\n%s", s, r.Sections[0].Text)
		}
	}
	// An application given up for a fee not paid: the draft of 六 does not
	// claim no fee notice was sent, and says none was collected.
	if six := r.Sections[5].Text; !strings.Contains(six, "未收取信息处理费") || strings.Contains(six, "均为0") {
		t.Errorf("draft of 六:\n%s", six)
	}

	file := filepath.Join(t.TempDir(), "five.txt")
	if err := os.WriteFile(file, []byte("\ufeff（一）存在的主要问题。人员不足。\r\n\r\n（二）改进措施。加强培训。\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := run("annual", "text", "--year", "2026", "--section", "五", "--file", file, "--by", "linxiaoyan")
	if err != nil || !strings.Contains(out, "2026年度报告 五、存在的主要问题及改进情况 已保存") {
		t.Fatalf("annual text: %v\n%s", err, out)
	}
	if out, err := run("annual", "text", "--year", "2026", "--section", "五", "--file", file, "--by", "linxiaoyan"); err != nil || !strings.Contains(out, "未重复保存") {
		t.Fatalf("the same text again: %v\n%s", err, out)
	}
	r, err = annualreport.Build(ctx, db, 2026, loc)
	if err != nil {
		t.Fatal(err)
	}
	if five := r.Sections[4]; five.Draft || five.Text != "（一）存在的主要问题。人员不足。\n\n（二）改进措施。加强培训。" || five.By != "linxiaoyan" {
		t.Fatalf("section 五 %+v", five)
	}
	if d := r.Drafts(); !slices.Equal(d, []string{"一", "六"}) {
		t.Fatalf("drafts %v", d)
	}
	out, err = run("report", "annual", "--year", "2026")
	if err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	for _, s := range []string{"  一、总体情况：系统生成的草稿，请审阅修改", "  五、存在的主要问题及改进情况：综合办公室文本（linxiaoyan 于 ", "  六、其他需要报告的事项：系统生成的草稿"} {
		if !strings.Contains(out, s) {
			t.Errorf("report lacks %q:\n%s", s, out)
		}
	}
	if out, err := run("annual", "text", "--year", "2026", "--section", "五", "--clear", "--by", "chenlixin"); err != nil || !strings.Contains(out, "已恢复为系统生成的草稿") {
		t.Fatalf("clear: %v\n%s", err, out)
	}
	if r, err = annualreport.Build(ctx, db, 2026, loc); err != nil || !r.Sections[4].Draft {
		t.Fatalf("after the clear: %v %+v", err, r.Sections[4])
	}
	empty := filepath.Join(t.TempDir(), "empty.txt")
	os.WriteFile(empty, []byte(" \n"), 0o644)
	for _, args := range [][]string{
		{"annual", "text", "--year", "2026", "--section", "二", "--file", file, "--by", "linxiaoyan"},
		{"annual", "text", "--year", "2026", "--section", "一", "--file", empty, "--by", "linxiaoyan"},
		{"annual", "text", "--year", "2026", "--section", "一", "--file", file},
		{"annual", "text", "--year", "2026", "--section", "一", "--by", "linxiaoyan"},
		{"annual", "text", "--section", "一", "--file", file, "--by", "linxiaoyan"},
	} {
		if out, err := run(args...); err == nil {
			t.Errorf("zwgk %s accepted:\n%s", strings.Join(args, " "), out)
		}
	}
	vs, err := storage.AnnualTextVersions(ctx, db, 2026, "一")
	if err != nil || len(vs) != 0 {
		t.Fatalf("refused texts stored: %+v %v", vs, err)
	}
}

// annualForms are 主动公开 forms of every category of table 二, several of
// each, published in 2026 (in the bureau's zone, near the year's edges
// too) or not: published on 31 December 2025 or 1 January 2027, still
// publishing, and 依申请公开 ones.
func annualForms() []activeSeed {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	at := func(y, m, d, h, min int) time.Time { return time.Date(y, time.Month(m), d, h, min, 0, 0, loc) }
	web := []string{"政府网站", "“双微”公众号"}
	var out []activeSeed
	for i, c := range workflow.InfoCategories() {
		for j := range 3 {
			s := activeSeed{cat: c, platforms: web[:1+j%2], published: at(2026, 1+(i+j*5)%12, 1+(i*3+j)%28, 9+j, 0)}
			switch {
			case c.IsDocument():
				s.repealed = j == 1
			case c.CountsDecisions():
				s.decisions = 1 + i + j
			case c == workflow.CategoryFee:
				s.feeYuan = int64(1000*(i+1) + 37*j)
			}
			out = append(out, s)
		}
	}
	return append(out,
		activeSeed{cat: workflow.CategoryPenalty, decisions: 50, platforms: web, published: at(2026, 1, 1, 0, 10)},    // 2026's first hour
		activeSeed{cat: workflow.CategoryPenalty, decisions: 70, platforms: web, published: at(2025, 12, 31, 23, 50)}, // 2025's
		activeSeed{cat: workflow.CategoryPenalty, decisions: 80, platforms: web, published: at(2027, 1, 1, 0, 5)},     // 2027's
		activeSeed{cat: workflow.CategoryFee, feeYuan: 900, platforms: web},                                           // still publishing
		activeSeed{cat: workflow.CategoryNormative, platforms: web},                                                   // still publishing
		activeSeed{cat: workflow.CategoryLicensing, decisions: 9, platforms: web, published: at(2026, 5, 5, 10, 0), mode: workflow.ModeRequest},
	)
}

// countTable2 counts table 二 of year from the seeds and entries by the
// template's rules, not by the code under test: the forms published in
// the year (主动公开 only), and the latest entry of each cell added.
func countTable2(forms []activeSeed, entries []storage.ActiveEntry, year int) map[string]int64 {
	w := map[string]int64{}
	for _, f := range forms {
		if f.published.IsZero() || f.mode == workflow.ModeRequest || f.published.In(time.FixedZone("CST", 8*3600)).Year() != year {
			continue
		}
		switch f.cat {
		case workflow.CategoryRegulation, workflow.CategoryNormative:
			key := map[workflow.InfoCategory]string{workflow.CategoryRegulation: "regulation", workflow.CategoryNormative: "normative"}[f.cat]
			if f.repealed {
				w[key+"_repealed"]++
			} else {
				w[key+"_made"]++
			}
		case workflow.CategoryLicensing:
			w["licensing"] += int64(f.decisions)
		case workflow.CategoryPenalty:
			w["penalty"] += int64(f.decisions)
		case workflow.CategoryEnforcement:
			w["enforcement"] += int64(f.decisions)
		case workflow.CategoryFee:
			w["fee_yuan"] += f.feeYuan
		}
	}
	latest := map[string]storage.ActiveEntry{}
	for _, e := range entries {
		if e.Year == year && !e.EnteredAt.Before(latest[e.Cell].EnteredAt) {
			latest[e.Cell] = e
		}
	}
	start := map[string]int64{}
	for cell, e := range latest {
		switch cell {
		case "regulation_in_force_start":
			start["regulation"] = e.Value
		case "normative_in_force_start":
			start["normative"] = e.Value
		case "licensing_decisions":
			w["licensing"] += e.Value
		case "penalty_decisions":
			w["penalty"] += e.Value
		case "enforcement_decisions":
			w["enforcement"] += e.Value
		case "fee_yuan":
			w["fee_yuan"] += e.Value
		case "regulation_made", "regulation_repealed", "normative_made", "normative_repealed":
			w[cell] += e.Value
		}
	}
	for _, k := range []string{"regulation", "normative"} {
		w[k+"_in_force"] = start[k] + w[k+"_made"] - w[k+"_repealed"]
	}
	return w
}
