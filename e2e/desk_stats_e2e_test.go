package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/lib/pq"
	"github.com/xuri/excelize/v2"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// statsMonth is the month the 统计 test seeds: long past, so that nothing
// the demo seeds for today falls in it.
const statsMonth = "2021-03"

// seedStats puts into the demo's database a month of figures whose
// every count the test knows: six 12345 orders of two sections and two
// categories, two published forms with their stages, four applications.
func seedStats(t *testing.T, dbURL string) {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	loc := businessLocation()
	at := func(d, h int) time.Time { return time.Date(2021, 3, d, h, 0, 0, 0, loc) }
	err = db.WithTx(ctx, func(tx *storage.Tx) error {
		for i, o := range []struct {
			section, category string
			answered          int // hours after receipt; 0 none
		}{
			{"综合一股", "投诉", 24}, {"综合一股", "投诉", 48}, {"综合一股", "咨询", 24 * 9}, {"综合一股", "投诉", 0},
			{"综合二股", "咨询", 24}, {"综合二股", "投诉", 0},
		} {
			rec := at(2+i, 9)
			c := &storage.Order{TicketNo: fmt.Sprintf("20210300%05d", i), Category: o.category, Content: "统计测试", Section: o.section,
				Registrar: "lina", State: "dispatched", Source: "chat", ReceivedAt: rec, DueAt: rec.Add(5 * 24 * time.Hour), CreatedAt: rec}
			if _, err := storage.InsertOrder(ctx, tx, c); err != nil {
				return err
			}
			if o.answered > 0 {
				if _, err := tx.ExecContext(ctx, `UPDATE orders SET answered_at = $2, state = 'answered' WHERE id = $1`, c.ID, rec.Add(time.Duration(o.answered)*time.Hour)); err != nil {
					return err
				}
			}
		}
		for i, f := range []struct {
			submitted time.Time
			stages    []string
			hours     []int // each stage's time, then each platform's confirmation after the last
			platforms []string
		}{
			{at(2, 9), []string{"section", "office"}, []int{2, 22, 1, 4}, []string{string(workflow.PlatformWebsite), string(workflow.PlatformWeChat)}},
			{at(5, 9), []string{"section", "office", "leader"}, []int{1, 2, 24, 2}, []string{string(workflow.PlatformWebsite)}},
		} {
			form := &storage.Form{Year: 2021, Seq: 300 + i, Version: 1, State: "published", Section: "综合一股", Submitter: "lina",
				Title: fmt.Sprintf("统计测试审批单%d", i), Summary: "统计测试", FormedOn: f.submitted, Mode: "主动公开", Column: "环境保护",
				Platforms: pq.StringArray(f.platforms), Assignees: pq.StringArray{}, CreatedAt: f.submitted}
			if _, err := storage.InsertForm(ctx, tx, form); err != nil {
				return err
			}
			if err := storage.SaveVersion(ctx, tx, form.ID, 1, []byte(`{}`), f.submitted); err != nil {
				return err
			}
			last := f.submitted
			for j, st := range f.stages {
				last = last.Add(time.Duration(f.hours[j]) * time.Hour)
				if err := storage.InsertDecision(ctx, tx, storage.Decision{FormID: form.ID, Version: 1, Stage: st, Approver: "chenlixin", Verdict: "approve", DecidedAt: last}); err != nil {
					return err
				}
			}
			for j, pl := range f.platforms {
				last = last.Add(time.Duration(f.hours[len(f.stages)+j]) * time.Hour)
				if _, err := storage.InsertPublication(ctx, tx, storage.Publication{FormID: form.ID, Platform: pl, PublishedBy: "chenlixin", PublishedAt: last}); err != nil {
					return err
				}
			}
		}
		for i, a := range []struct {
			outcome   workflow.Outcome
			lateDays  int
			delivered bool
		}{
			{workflow.OutcomeDisclose, -3, true}, {workflow.OutcomeDisclose, 2, true}, {workflow.OutcomeWithhold, 0, true}, {"", 0, false},
		} {
			rec := storage.Day(at(1+i, 0), loc)
			due := rec.AddDate(0, 0, 28)
			app := &storage.Application{Channel: "当面", ReceivedD: rec, ApplicantName: "统计测试", ApplicantType: "公民", Content: "统计测试",
				ProvideForm: "纸质", State: "accepted", Registrar: "chenlixin", DueD: due, Source: "chat", CreatedAt: at(1+i, 9)}
			if a.delivered {
				app.State, app.Outcome = "closed", string(a.outcome)
				app.DeliveredD = sql.NullTime{Time: due.AddDate(0, 0, a.lateDays), Valid: true}
			}
			if _, err := storage.InsertApplication(ctx, tx, app); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("seed the statistics: %v", err)
	}
}

// fetchFile gets path with the browser's cookies, from /healthz as
// status does: its status, headers and body.
func (p *page) fetchFile(path string) (int, map[string]string, []byte) {
	p.t.Helper()
	p.do(chromedp.Navigate(p.base + "/healthz"))
	js := `fetch(` + jsString(path) + `, {redirect: 'manual', credentials: 'same-origin'}).then(async (r) => {
		const b = new Uint8Array(await r.arrayBuffer());
		let s = ''; for (const c of b) s += String.fromCharCode(c);
		return [String(r.status), JSON.stringify(Object.fromEntries(r.headers.entries())), btoa(s)];
	})`
	out, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]string](js, chromedp.EvalAwaitPromise))
	if err != nil || len(out) != 3 {
		p.t.Fatalf("fetch %s: %v", path, err)
	}
	body, err := base64.StdEncoding.DecodeString(out[2])
	if err != nil {
		p.t.Fatal(err)
	}
	st := 0
	fmt.Sscan(out[0], &st)
	var h map[string]string
	if err := json.Unmarshal([]byte(out[1]), &h); err != nil {
		p.t.Fatal(err)
	}
	return st, h, body
}

// tableRows is a table of the 统计 page as "cell|cell|…" lines.
func (p *page) tableRows(id string) []string {
	p.t.Helper()
	return eval[[]string](p, `[...document.querySelectorAll('#table-`+id+` tbody tr')].map((r) => [...r.cells].map((c) => c.innerText.trim()).join('|'))`)
}

func TestBrowserDeskStats(t *testing.T) {
	t.Parallel()
	d := startDemo(t)
	seedStats(t, d.dbURL)
	p := newPage(t, d.base)

	// The office: 统计 is linked from the 办公桌 and opens this month.
	p.desk("chenlixin", "陈立新")
	if !eval[bool](p, `!!document.querySelector('#stats-link[href="/desk/stats"]')`) {
		t.Error("the office's 办公桌 does not link to 统计")
	}
	now := time.Now().In(businessLocation())
	if txt := p.visit("/desk/stats"); !strings.Contains(txt, fmt.Sprintf("本月（%d年%d月1日至", now.Year(), int(now.Month()))) {
		t.Errorf("统计 does not open this month, with its year:\n%s", txt)
	}

	// The seeded month: charts drawn by ECharts in every chart container.
	txt := p.visit("/desk/stats?period=month&month=" + statsMonth)
	if !strings.Contains(txt, "2021年3月（2021年3月1日至2021年3月31日）") {
		t.Errorf("the month is not echoed with its year:\n%s", txt)
	}
	charts := []string{"chart-orders-section", "chart-orders-category", "chart-orders-steps", "chart-forms-platform", "chart-forms-stages", "chart-applications-outcome"}
	ids := jsList(charts)
	n := waitJS[int](p, "the charts", `(() => {
		const ids = `+ids+`;
		if (typeof echarts === 'undefined' || document.documentElement.getAttribute('data-charts') !== String(ids.length)) return 0;
		const ok = ids.every((id) => {
			const el = document.getElementById(id);
			const c = el && echarts.getInstanceByDom(el);
			return c && el.querySelector('svg') && c.getOption().series.length > 0 && el.getBoundingClientRect().height > 100;
		});
		return ok ? ids.length : 0;
	})()`)
	if n != len(charts) {
		t.Errorf("%d charts drawn, want %d", n, len(charts))
	}
	png, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(p.shots, "desk-06-stats.png"), png, 0o644); err != nil {
		t.Error(err)
	}
	if got := eval[[]float64](p, `echarts.getInstanceByDom(document.getElementById('chart-orders-section')).getOption().series[0].data`); fmt.Sprint(got) != "[75 50]" {
		t.Errorf("the sections' 处理率 bars = %v, want [75 50]", got)
	}

	// Nothing from another host: every resource the page loaded is ours.
	if off := eval[[]string](p, `[...performance.getEntriesByType('resource').map((e) => e.name),
		...[...document.querySelectorAll('[src],link[href]')].map((e) => e.src || e.href)].filter((u) => new URL(u, location.href).origin !== location.origin)`); len(off) > 0 {
		t.Errorf("统计 loaded from other hosts: %v", off)
	}
	if n := eval[int](p, `performance.getEntriesByType('resource').filter((e) => e.name.includes('/desk/static/') && e.name.endsWith('echarts.min.js')).length`); n != 1 {
		t.Errorf("echarts.min.js loaded %d times from /desk/static/", n)
	}

	// Scripts only from here, for this page only; ECharts cached for good
	// at its content's address, an old address not served.
	src := eval[string](p, `[...document.scripts].find((s) => s.src.endsWith('/echarts/echarts.min.js')).getAttribute('src')`)
	inline := eval[int](p, `[...document.scripts].filter((s) => !s.src && s.type !== 'application/json').length`)
	_, page, _ := p.fetchFile("/desk/stats?period=month&month=" + statsMonth)
	_, home, _ := p.fetchFile("/desk")
	st, lib, _ := p.fetchFile(src)
	if inline != 0 || !strings.Contains(page["content-security-policy"], "script-src 'self';") || strings.Contains(home["content-security-policy"], "script-src") {
		t.Errorf("CSP: 统计 %q (%d inline scripts), the 办公桌 %q", page["content-security-policy"], inline, home["content-security-policy"])
	}
	if st != http.StatusOK || !strings.Contains(lib["cache-control"], "immutable") || !strings.Contains(lib["content-type"], "javascript") {
		t.Errorf("%s = %d %v", src, st, lib)
	}
	if st, _, _ := p.fetchFile(strings.Replace(src, "/desk/static/", "/desk/static/0", 1)); st != http.StatusNotFound {
		t.Errorf("ECharts at another hash = %d, want 404", st)
	}
	p.visit("/desk/stats?period=month&month=" + statsMonth)

	// The tables, counted by hand from the seed.
	want := map[string][]string{
		"orders-total":       {"合计|6|4|3|3|2|66.7%|50.0%"},
		"orders-section":     {"综合一股|4|3|2|2|75.0%|50.0%", "综合二股|2|1|1|1|50.0%|50.0%"},
		"forms-platform":     {"政府网站|2", string(workflow.PlatformWeChat) + "|1"},
		"forms-stages":       {"股室负责人审核|2|1.5|2.0", "办公室审核|2|12.0|22.0", "主要负责人审核|1|24.0|24.0", "办公室发布|2|3.5|5.0"},
		"applications-total": {"合计|4|3|1|1|2|66.7%"},
	}
	for id, rows := range want {
		if got := p.tableRows(id); strings.Join(got, "\n") != strings.Join(rows, "\n") {
			t.Errorf("table %s:\n%s\nwant:\n%s", id, strings.Join(got, "\n"), strings.Join(rows, "\n"))
		}
	}
	cats := strings.Join(p.tableRows("orders-category"), "\n")
	for _, r := range []string{"投诉|4|2|2|2|50.0%|50.0%", "咨询|2|2|1|1|100.0%|50.0%"} {
		if !strings.Contains(cats, r) {
			t.Errorf("by category lacks %s:\n%s", r, cats)
		}
	}
	outcomes := p.tableRows("applications-outcome")
	if len(outcomes) != 6 || outcomes[0] != "予以公开|2|66.7%" || outcomes[2] != "不予公开|1|33.3%" || outcomes[1] != "部分公开|0|0.0%" {
		t.Errorf("outcomes (table 三's names, all six):\n%s", strings.Join(outcomes, "\n"))
	}
	days := p.tableRows("orders-steps")
	if len(days) != 31 || days[0] != "2021年3月1日|0|0|0" || days[1] != "2021年3月2日|1|1|1" {
		t.Errorf("每日受理量 of March: %d rows, %v", len(days), days[:min(3, len(days))])
	}
	// On a phone: the charts fit the screen, the tables scroll in their box.
	p.do(chromedp.EmulateViewport(390, 844))
	p.visit("/desk/stats?period=month&month=" + statsMonth)
	waitJS[bool](p, "the charts on a phone", `document.documentElement.getAttribute('data-charts') === '6' && !!document.querySelector('#chart-forms-stages svg')`)
	p.layoutFits(390)
	// Every table's columns, the rates last, are in sight without
	// scrolling its box.
	if wide := eval[[]string](p, `[...document.querySelectorAll('table.stats')].filter((t) => {
		const box = t.parentElement.getBoundingClientRect(), last = t.querySelector('thead th:last-child').getBoundingClientRect();
		return t.scrollWidth > t.parentElement.clientWidth + 1 || last.right > box.right + 1;
	}).map((t) => t.id + ' ' + t.scrollWidth + '>' + t.parentElement.clientWidth)`); len(wide) > 0 {
		t.Errorf("at 390 px these tables scroll out of sight: %v", wide)
	}
	p.shot("desk-07-stats-phone")
	p.do(chromedp.EmulateViewport(1440, 900))

	// A year of it: per month, March's six orders.
	p.visit("/desk/stats?period=year&year=2021")
	if months := p.tableRows("orders-steps"); len(months) != 12 || months[2] != "2021年3月|6|4|3" {
		t.Errorf("每月受理量 of 2021: %v", months)
	}
	// In print the tables show, the charts and the controls do not.
	media := func(m string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m})
			return err
		})
	}
	p.do(media("print"))
	if got := eval[string](p, `[document.querySelectorAll('table.stats').length, [...document.querySelectorAll('table.stats')].every((e) => e.getBoundingClientRect().height > 0),
		[...document.querySelectorAll('.chart, #period, #export')].every((e) => getComputedStyle(e).display === 'none' || getComputedStyle(e.parentElement).display === 'none')].join(' ')`); got != "8 true true" {
		t.Errorf("in print (tables, tables shown, charts and controls hidden) = %s, want 8 true true", got)
	}
	p.do(media(""))

	// The workbook: a Chinese filename, the same figures, numbers and
	// percentages.
	p.visit("/desk/stats?period=month&month=" + statsMonth)
	href := eval[string](p, `document.querySelector('#export').getAttribute('href')`)
	st, hdr, body := p.fetchFile(href)
	if st != http.StatusOK {
		t.Fatalf("the export = %d", st)
	}
	disp := hdr["content-disposition"]
	if !strings.Contains(disp, "filename*=UTF-8''"+url.PathEscape("政务公开统计")) || !strings.Contains(disp, `filename="zwgk-stats-20210301-20210331.xlsx"`) {
		t.Errorf("Content-Disposition = %s", disp)
	}
	x, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("the export does not open with excelize: %v", err)
	}
	defer x.Close()
	sheet := "12345工单按股室"
	cell := func(sheet, ref string, raw bool) string {
		t.Helper()
		v, err := x.GetCellValue(sheet, ref, excelize.Options{RawCellValue: raw})
		if err != nil {
			t.Fatalf("%s!%s: %v", sheet, ref, err)
		}
		return v
	}
	if h := cell(sheet, "F2", false); h != "处理率" {
		t.Errorf("%s!F2 = %q, want the heading 处理率", sheet, h)
	}
	if a, b, f, fRaw := cell(sheet, "A3", false), cell(sheet, "B3", true), cell(sheet, "F3", false), cell(sheet, "F3", true); a != "综合一股" || b != "4" || f != "75.0%" || fRaw != "0.75" {
		t.Errorf("%s row 3 = %s, %s, %s (%s); want 综合一股, 4, 75.0%% (0.75)", sheet, a, b, f, fRaw)
	}
	if typ, _ := x.GetCellType(sheet, "B3"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("%s!B3 is of type %v, want a number", sheet, typ)
	}
	if v := cell("审批环节用时", "C4", true); v != "12" {
		t.Errorf("办公室审核's mean hours in the workbook = %q, want 12", v)
	}
	if v := cell("申请办理结果", "B3", true); v != "2" {
		t.Errorf("予以公开 in the workbook = %q, want 2", v)
	}
	if got := len(x.GetSheetList()); got != 8 {
		t.Errorf("the workbook has %d sheets (%v), want one per table, 8", got, x.GetSheetList())
	}

	// Bad periods: 400, naming the field.
	for q, field := range map[string]string{"period=week": "统计期间", "period=month&month=2021-13": "月份", "period=year&year=2018": "年份",
		"period=range&from=2021-03-10&to=2021-03-01": "日期范围", "period=range&from=2021-03-01&to=x": "截止日期"} {
		if st := p.status("GET", "/desk/stats?"+q, ""); st != http.StatusBadRequest {
			t.Errorf("/desk/stats?%s = %d, want 400", q, st)
		}
		if txt := p.visit("/desk/stats?" + q); !strings.Contains(txt, "「"+field+"」") {
			t.Errorf("/desk/stats?%s does not name %s:\n%s", q, field, txt)
		}
		p.wayBack("/desk/stats?"+q, "/desk/stats", "统计期间：本月")
	}
	if txt := p.visit("/desk/stats?period=range&from=2021-03-10&to=2021-03-01"); !strings.Contains(txt, "2021年3月10日") {
		t.Errorf("the bad range is not echoed with its year:\n%s", txt)
	}
	p.visit("/desk")
	p.logoutDesk()

	// A 承办人 is refused the page and the workbook, and is not offered them.
	p.deskAgain("lina", "李娜")
	if eval[bool](p, `!!document.querySelector('#stats-link')`) {
		t.Error("a 承办人 is offered 统计")
	}
	for _, path := range []string{"/desk/stats", href} {
		if st, _, body := p.fetchFile(path); st != http.StatusForbidden || !strings.Contains(string(body), "统计仅向综合办公室、主要负责人和纪检监督人员提供") {
			t.Errorf("a 承办人 asking for %s = %d", path, st)
		}
	}
	if txt := p.visit("/desk/stats"); !strings.Contains(txt, "无权查看") {
		t.Errorf("a 承办人's 统计:\n%s", txt)
	}
}

func jsList(ss []string) string {
	var q []string
	for _, s := range ss {
		q = append(q, jsString(s))
	}
	return "[" + strings.Join(q, ",") + "]"
}
