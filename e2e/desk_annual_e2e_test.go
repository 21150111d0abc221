package e2e

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/zwgk-bot/zwgk/storage"
)

// withDemoDB runs f in a transaction on the demo's database: what another
// office member or the office's chat does meanwhile.
func withDemoDB(t *testing.T, dbURL string, f func(ctx context.Context, tx *storage.Tx) error) {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.WithTx(ctx, func(tx *storage.Tx) error { return f(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

// follow clicks a link or a submit button that leaves the page, as
// logoutDesk does: press's guard cannot report on a page that is gone.
func (p *page) follow(sel string) {
	p.t.Helper()
	waitJS[bool](p, "something to click at "+sel, `(() => { const e = document.querySelector(`+jsString(sel)+`); if (!e) return false; e.click(); return true; })()`)
}

// The 年度报告 on the desk: the office reads last year's report with its
// drafts marked, writes section 五 (seen on the page and the printable
// page), is refused a save from a stale page with the typed text kept,
// records 已发布 (refused while a check fails, then accepted with a
// reason), and the chat's 「年度报告」 shows it published. A 承办人 is
// refused, the 主要负责人 reads without editing, a POST without the CSRF
// token does nothing.
func TestBrowserDeskAnnual(t *testing.T) {
	t.Parallel()
	d := startDemo(t)
	p := newPage(t, d.base)
	now := time.Now().In(businessLocation())
	year := now.Year() - 1 // ended: 已发布 may be recorded
	y := strconv.Itoa(year)
	yearPath := "/desk/annual/" + y
	// A 12345 order of the year gives the year a record.
	withDemoDB(t, d.dbURL, func(ctx context.Context, tx *storage.Tx) error {
		at := time.Date(year, 6, 3, 10, 0, 0, 0, businessLocation())
		_, err := storage.InsertOrder(ctx, tx, &storage.Order{TicketNo: y + "0603000011", Category: "咨询", Content: "年度报告测试：咨询排污许可", Location: "示范路2号",
			CallerName: "孙先生", CallerPhone: "13800138001", ReceivedAt: at, DueAt: at.Add(5 * 24 * time.Hour),
			Section: "综合一股", Registrar: "lina", State: "dispatched", Source: "chat", CreatedAt: at})
		return err
	})

	p.desk("chenlixin", "陈立新")
	if !eval[bool](p, `!!document.querySelector('#annual-link')`) {
		t.Error("the office's desk does not link the 年度报告")
	}
	p.follow("#annual-link")
	p.waitAcrossNavigation("the years", `location.pathname === '/desk/annual' && document.querySelectorAll('#years tr.year').length > 0`)
	years := eval[[]string](p, `[...document.querySelectorAll('#years tr.year')].map((r) => r.dataset.year)`)
	if len(years) < 2 || years[0] != strconv.Itoa(now.Year()) || years[1] != y {
		t.Errorf("the years = %q, want this year's draft first, then %s", years, y)
	}
	p.follow(`#years tr.year[data-year="` + y + `"] a`)
	p.waitAcrossNavigation("the report of "+y, `location.pathname === `+jsString(yearPath)+` && !!document.querySelector('#report .annual-report')`)
	if got := eval[string](p, `document.querySelector('#report h1').innerText`); !strings.Contains(got, y+"年政府信息公开工作年度报告") {
		t.Errorf("the report's title = %q", got)
	}
	if !eval[bool](p, `!!document.querySelector('#checks-ok') && !document.querySelector('#checks')`) {
		t.Errorf("a balanced year shows problems:\n%s", eval[string](p, `document.body.innerText`))
	}
	states := eval[[]string](p, `[...document.querySelectorAll('#texts tr.text')].map((r) => r.dataset.section + ' ' + r.querySelector('.state').innerText)`)
	if strings.Join(states, "|") != "一 系统草稿|五 系统草稿|六 系统草稿" {
		t.Errorf("the text sections' states = %q", states)
	}
	if n := eval[int](p, `document.querySelectorAll('#report section .mark').length`); n != 3 {
		t.Errorf("%d sections of the report are marked 草稿, want 3", n)
	}
	// The tables are the printable page's: table 三 and its heading.
	if !eval[bool](p, `!!document.querySelector('#report-三 table.t3 thead') && !!document.querySelector('#report-四 table.t4')`) {
		t.Error("the report lacks tables 三 and 四")
	}
	// Opened before the checks fail: its 已发布 asks for no reason.
	if !eval[bool](p, `!!document.querySelector('#publish-button') && !document.querySelector('#reason')`) {
		t.Errorf("a balanced ended year offers no plain 已发布:\n%s", eval[string](p, `document.querySelector('#publish').innerText`))
	}
	p.shot("desk-annual-01-report")
	eval[bool](p, `(document.querySelector('#report-四').scrollIntoView(), true)`)
	p.shot("desk-annual-01-tables")

	// Section 五, written by the office.
	p.follow(`#texts tr.text[data-section="五"] a.edit`)
	p.waitAcrossNavigation("the editor of 五", `!!document.querySelector('#text') && document.querySelector('#text-state').innerText.includes('系统草稿')`)
	if !strings.Contains(eval[string](p, `document.querySelector('#text').value`), "（一）存在的主要问题。") {
		t.Error("the editor does not start from the draft")
	}
	mine := "（一）存在的主要问题。桌面测试：公开内容的解读仍需加强。"
	p.typeInto("text", mine)
	p.follow("#save")
	p.waitAcrossNavigation("the saved text", `location.pathname === `+jsString(yearPath)+` && !!document.querySelector('#notice')`)
	if got := eval[string](p, `document.querySelector('#notice').innerText`); !strings.Contains(got, "「五、存在的主要问题及改进情况」已保存") {
		t.Errorf("the notice after saving = %q", got)
	}
	if got := eval[string](p, `document.querySelector('#texts tr.text[data-section="五"] .state').innerText`); !strings.HasPrefix(got, "由陈立新于"+strconv.Itoa(now.Year())+"年") || !strings.HasSuffix(got, "修改") {
		t.Errorf("五's state = %q, want 由陈立新于(today)修改", got)
	}
	if got := eval[string](p, `document.querySelector('#report-五').innerText`); !strings.Contains(got, mine) || strings.Contains(got, "草稿") {
		t.Errorf("the report's 五 = %q", got)
	}
	p.shot("desk-annual-02-saved")
	printable := eval[string](p, `document.querySelector('#printable').href`)
	p.do(chromedp.Navigate(printable))
	p.waitAcrossNavigation("the printable page", `location.pathname === '/annual/`+y+`' && !!document.querySelector('main.annual-report')`)
	if got := eval[string](p, `document.querySelector('#report-五').innerText`); !strings.Contains(got, mine) {
		t.Errorf("the printable page's 五 = %q", got)
	}
	if !strings.Contains(printable, "sig=") {
		t.Errorf("the printable link %s is not signed", printable)
	}

	// A stale page: 林晓燕 saves 五 after 陈立新 opened the editor; his
	// save is refused, naming her, with his text kept.
	p.visit(yearPath + "/text/5")
	withDemoDB(t, d.dbURL, func(ctx context.Context, tx *storage.Tx) error {
		_, err := storage.SetAnnualText(ctx, tx, year, "五", "林晓燕写的第五部分。", "linxiaoyan", time.Now())
		return err
	})
	stale := "陈立新在旧页面上写的第五部分。"
	p.typeInto("text", stale)
	p.follow("#save")
	p.waitAcrossNavigation("the refusal of a stale save", `!!document.querySelector('#refused')`)
	if got := eval[string](p, `document.querySelector('#refused').innerText`); !strings.Contains(got, "已由林晓燕于"+strconv.Itoa(now.Year())+"年") || !strings.Contains(got, "未保存") {
		t.Errorf("the stale save's refusal = %q", got)
	}
	if got := eval[string](p, `document.querySelector('#text').value`); got != stale {
		t.Errorf("the typed text was not kept: %q", got)
	}
	if got := eval[string](p, `document.querySelector('#current').innerText`); !strings.Contains(got, "林晓燕写的第五部分。") {
		t.Errorf("the current text shown beside it = %q", got)
	}
	if n := eval[int](p, `document.querySelectorAll('#versions tr.version').length`); n != 2 {
		t.Errorf("%d versions listed, want 2", n)
	}
	p.shot("desk-annual-03-stale")
	// The same text as stored stores nothing.
	p.typeInto("text", "林晓燕写的第五部分。")
	p.follow("#save")
	p.waitAcrossNavigation("the unchanged save", `!!document.querySelector('#notice')`)
	if got := eval[string](p, `document.querySelector('#notice').innerText`); !strings.Contains(got, "未重复保存") {
		t.Errorf("the notice of the same text = %q", got)
	}
	// 恢复系统草稿, then his text again from the editor, now current.
	p.visit(yearPath + "/text/5")
	p.follow("#restore")
	p.waitAcrossNavigation("the restored draft", `!!document.querySelector('#notice')`)
	if got := eval[string](p, `document.querySelector('#texts tr.text[data-section="五"] .state').innerText`); got != "系统草稿" {
		t.Errorf("五 after 恢复系统草稿 = %q", got)
	}
	p.visit(yearPath + "/text/5")
	if n := eval[int](p, `document.querySelectorAll('#versions tr.version').length`); n != 3 {
		t.Errorf("%d versions listed after the restore, want 3", n)
	}
	p.typeInto("text", mine)
	p.follow("#save")
	p.waitAcrossNavigation("the saved text", `!!document.querySelector('#notice') && document.querySelector('#notice').innerText.includes('已保存')`)

	// CSRF: a POST without the token is refused and stores nothing.
	if st := p.status("POST", yearPath+"/text/5", "version=0&body=x"); st != http.StatusForbidden {
		t.Errorf("a text POST without the CSRF token = %d, want 403", st)
	}
	if st := p.status("POST", yearPath+"/published", "confirm=1&reason=x"); st != http.StatusForbidden {
		t.Errorf("a 已发布 POST without the CSRF token = %d, want 403", st)
	}
	if txt := p.visit(yearPath); !strings.Contains(txt, mine) || !strings.Contains(txt, "未登记发布") {
		t.Errorf("a refused POST changed the report:\n%s", txt)
	}

	// 已发布 from a page loaded while the year balanced; meanwhile an
	// office figure makes the checks fail: refused, the problems listed.
	withDemoDB(t, d.dbURL, func(ctx context.Context, tx *storage.Tx) error {
		return storage.SetAnnualFigure(ctx, tx, storage.AnnualFigure{Year: year, Table: storage.AnnualTable3, Row: "carried_in", Column: "自然人",
			Value: 2, EnteredBy: "chenlixin", Reason: "原系统台账", EnteredAt: time.Now()})
	})
	p.follow("#publish-button")
	p.waitAcrossNavigation("the refused 已发布", `!!document.querySelector('#refused')`)
	if got := eval[string](p, `document.querySelector('#refused').innerText`); !strings.Contains(got, "数据校验未通过") {
		t.Errorf("已发布 while a check fails: %q", got)
	}
	if got := eval[string](p, `document.querySelector('#checks').innerText`); !strings.Contains(got, "表三 自然人") {
		t.Errorf("the problems at the top = %q", got)
	}
	if got := eval[string](p, `document.querySelector('#publish-state').innerText`); !strings.Contains(got, "未登记发布") {
		t.Errorf("refused, the state = %q", got)
	}
	// Confirmed without a reason: refused.
	p.follow("#publish-button")
	p.waitAcrossNavigation("the refusal without a reason", `!!document.querySelector('#refused') && document.querySelector('#refused').innerText.includes('请写明')`)
	reason := "上年结转数以原系统台账为准"
	p.typeInto("reason", reason)
	p.follow("#publish-button")
	p.waitAcrossNavigation("the recorded 已发布", `!!document.querySelector('#notice') && document.querySelector('#notice').innerText.includes('不再提醒')`)
	if got := eval[string](p, `document.querySelector('#publish-state').innerText`); !strings.Contains(got, "由陈立新登记为已发布") || !strings.Contains(got, "2项校验未通过，理由："+reason) {
		t.Errorf("the recorded state = %q", got)
	}
	if eval[bool](p, `!!document.querySelector('#publish-button')`) {
		t.Error("a recorded report still offers 已发布")
	}
	p.shot("desk-annual-04-published")

	// The chat tells the same, and links the desk's page.
	p.do(chromedp.Navigate(p.base + "/"))
	p.waitAcrossNavigation("the roster", `!!document.querySelector('#people .person[data-user="lina"]') && !!page.state`)
	p.choose("chenlixin", "陈立新")
	p.say("年度报告 "+y, "由陈立新登记为已发布（2项校验未通过，理由："+reason+"）")
	if got := p.waitIncoming(0, "在办公桌上修改文字部分"); !strings.Contains(got, d.base+yearPath) {
		t.Errorf("the chat's reply does not link the desk's page:\n%s", got)
	}

	// The 主要负责人 reads, but neither edits nor records.
	p.do(chromedp.Navigate(p.base + "/desk"))
	p.waitAcrossNavigation("the desk", `!!document.querySelector('#logout')`)
	p.logoutDesk()
	p.deskAgain("zhouzhenhua", "周振华")
	if txt := p.visit(yearPath); !strings.Contains(txt, mine) || !strings.Contains(txt, "文字部分由综合办公室审核人员修改") {
		t.Errorf("the leader's report:\n%s", txt)
	}
	if eval[bool](p, `!!document.querySelector('#texts a.edit') || !!document.querySelector('#publish-form')`) {
		t.Error("the leader is offered editing")
	}
	if st := p.status("GET", yearPath+"/text/5", ""); st != http.StatusForbidden {
		t.Errorf("the leader opening the editor = %d, want 403", st)
	}
	p.visit("/desk")
	p.logoutDesk()

	// A 承办人: not hers to read.
	p.deskAgain("lina", "李娜")
	if eval[bool](p, `!!document.querySelector('#annual-link')`) {
		t.Error("a 承办人's desk links the 年度报告")
	}
	for _, path := range []string{"/desk/annual", yearPath, yearPath + "/text/5"} {
		if st := p.status("GET", path, ""); st != http.StatusForbidden {
			t.Errorf("a 承办人 asking for %s = %d, want 403", path, st)
		}
	}
	if txt := p.visit(yearPath); !strings.Contains(txt, "年度报告由综合办公室审核人员编制和登记") {
		t.Errorf("a 承办人's refusal:\n%s", txt)
	}
	p.shot("desk-annual-05-staff-refused")
}
