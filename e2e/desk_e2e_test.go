package e2e

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/lib/pq"
	"github.com/zwgk-bot/zwgk/storage"
)

// deskSeed is what the 办公桌 test puts in the demo's database: two open
// forms of two sections (the first overdue), a 12345 order and an
// application waiting for the office.
type deskSeed struct {
	formA, formB  *storage.Form
	order         *storage.Order
	application   *storage.Application
	formedA, from string // formA's day, and a day range start that leaves it out
}

func seedDesk(t *testing.T, dbURL string) deskSeed {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	loc := businessLocation()
	now := time.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	s := deskSeed{
		formA: &storage.Form{Year: today.Year(), Seq: 901, Version: 1, State: "review", Stage: "section", Assignees: pq.StringArray{"zhangwei"},
			Section: "综合一股", Submitter: "lina", Title: "关于桌面测试甲项目环评审批结果的公示", Summary: "甲项目", FormedOn: today.AddDate(0, 0, -40),
			Mode: "主动公开", Column: "环境保护", Platforms: pq.StringArray{"政府网站"},
			Deadline: sql.NullTime{Time: today.AddDate(0, 0, -5), Valid: true}, CreatedAt: now},
		formB: &storage.Form{Year: today.Year(), Seq: 902, Version: 1, State: "review", Stage: "section", Assignees: pq.StringArray{"yangfan"},
			Section: "综合二股", Submitter: "huanglei", Title: "关于桌面测试乙项目的通知", Summary: "乙项目", FormedOn: today.AddDate(0, 0, -2),
			Mode: "主动公开", Column: "环境保护", Platforms: pq.StringArray{"政府网站"},
			Deadline: sql.NullTime{Time: today.AddDate(0, 0, 25), Valid: true}, CreatedAt: now},
		order: &storage.Order{TicketNo: "2026113000077", Category: "投诉", Content: "桌面测试：夜间施工噪声扰民", Location: "示范路1号",
			CallerName: "钱先生", CallerPhone: "13800138000", ReceivedAt: now.Add(-24 * time.Hour), DueAt: now.Add(5 * 24 * time.Hour),
			Section: "综合一股", Registrar: "lina", State: "dispatched", Source: "chat", CreatedAt: now},
		application: &storage.Application{Channel: "当面", ReceivedD: today.AddDate(0, 0, -1), ApplicantName: "赵桌面", ApplicantType: "公民",
			Content: "申请公开桌面测试企业的排污许可信息", ProvideForm: "纸质", State: "registered", Registrar: "chenlixin",
			DueD: today.AddDate(0, 0, 28), Source: "chat", CreatedAt: now},
	}
	s.formedA = s.formA.FormedOn.Format(time.DateOnly)
	s.from = today.AddDate(0, 0, -10).Format(time.DateOnly)
	err = db.WithTx(ctx, func(tx *storage.Tx) error {
		for _, f := range []*storage.Form{s.formA, s.formB} {
			if _, err := storage.InsertForm(ctx, tx, f); err != nil {
				return err
			}
		}
		if _, err := storage.InsertOrder(ctx, tx, s.order); err != nil {
			return err
		}
		_, err := storage.InsertApplication(ctx, tx, s.application)
		return err
	})
	if err != nil {
		t.Fatalf("seed the desk: %v", err)
	}
	return s
}

// desk opens the 办公桌 as user, chosen in the web chat as the demo's
// visitor does, and waits for the page to name them.
func (p *page) desk(user, name string) {
	p.t.Helper()
	// A plain page first: whatever navigation the last step started (a
	// 退出's redirect) is over before the web chat loads.
	p.do(chromedp.Navigate(p.base + "/healthz"))
	p.waitAcrossNavigation("a plain page", `document.readyState === 'complete' && location.pathname === '/healthz'`)
	p.do(chromedp.Navigate(p.base + "/"))
	p.waitAcrossNavigation("the roster", `!!document.querySelector('#people .person[data-user="lina"]') && !!page.state`)
	p.choose(user, name)
	p.do(chromedp.Navigate(p.base + "/desk"))
	p.waitAcrossNavigation("the desk of "+name, `!!document.querySelector('#who') && document.querySelector('#who').textContent.includes(`+jsString(name)+`)`)
}

// deskAgain logs in to the 办公桌 as user after a 退出 without going back
// through the web chat: the sandbox's 网页授权 answers for the person its
// cookie names, as TestBrowserDesk's stranger does; the chat page's
// navigation is the step a loaded machine trips on.
func (p *page) deskAgain(user, name string) {
	p.t.Helper()
	eval[string](p, `document.cookie = 'sandbox_wecom_user=`+user+`; path=/sandbox; SameSite=Lax'`)
	p.do(chromedp.Navigate(p.base + "/desk"))
	p.waitAcrossNavigation("the desk of "+name, `!!document.querySelector('#who') && document.querySelector('#who').textContent.includes(`+jsString(name)+`)`)
}

// visit opens a desk address and returns the page's text.
func (p *page) visit(path string) string {
	p.t.Helper()
	p.do(chromedp.Navigate(p.base + path))
	p.waitAcrossNavigation("the page "+path, `document.readyState === 'complete'`)
	return eval[string](p, `document.body.innerText`)
}

// status fetches path with the browser's cookies and returns the status:
// what a person's browser gets for it. It fetches from /healthz: the
// desk's pages allow no script to connect anywhere (their CSP).
func (p *page) status(method, path, body string) int {
	p.t.Helper()
	p.do(chromedp.Navigate(p.base + "/healthz"))
	js := `fetch(` + jsString(path) + `, {method: ` + jsString(method) + `, redirect: 'manual', credentials: 'same-origin'` +
		map[bool]string{true: `, headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: ` + jsString(body), false: ``}[body != ""] + `}).then((r) => r.status)`
	st, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](js, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("fetch %s: %v", path, err)
	}
	return st
}

// wayBack checks the refusal page on screen, of the address from: its
// first way on is back (the page without the bad filter), the second the
// 办公桌; following back opens a page with want on it.
func (p *page) wayBack(from, back, want string) {
	p.t.Helper()
	if got := eval[string](p, `[...document.querySelectorAll('#ways a')].map((a) => a.getAttribute('href')).join(' ')`); got != back+" /desk" {
		p.t.Errorf("%s refused: ways on %q, want %q", from, got, back+" /desk")
		return
	}
	eval[bool](p, `(document.querySelector('#ways a').click(), true)`)
	p.waitAcrossNavigation("the way back from "+from, `location.pathname + location.search === `+jsString(back)+` && document.readyState === 'complete'`)
	if txt := eval[string](p, `document.body.innerText`); !strings.Contains(txt, want) || strings.Contains(txt, "有误") {
		p.t.Errorf("the way back from %s (%s):\n%s", from, back, txt)
	}
}

// logoutDesk presses 退出, a form POST with the CSRF token.
func (p *page) logoutDesk() {
	p.t.Helper()
	eval[bool](p, `(document.querySelector('#logout').click(), true)`)
	p.waitAcrossNavigation("the logout", `document.body.innerText.includes('您已退出办公桌')`)
}

// waitAcrossNavigation waits for js to be true on a page that is being
// replaced: while the old page goes, the evaluation fails and is tried
// again.
func (p *page) waitAcrossNavigation(what, js string) {
	p.t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("browser: waiting for %s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestBrowserDesk(t *testing.T) {
	t.Parallel()
	d := startDemo(t)
	s := seedDesk(t, d.dbURL)
	p := newPage(t, d.base)

	// The demo's menu opens the 办公桌, a view item.
	if got := eval[string](p, `(() => { const s = page.cfg.menu.button[2].sub_button[0]; return s.type + ' ' + s.name + ' ' + s.url; })()`); got != "view 办公桌 "+d.base+"/desk" {
		t.Errorf("更多's first item = %q, want the view item 办公桌 opening /desk", got)
	}

	// 综合办公室 (陈立新): the application waits for him; 全部在办 shows
	// every open record, and filters find each.
	p.desk("chenlixin", "陈立新")
	// The login's way through 网页授权 leaves the address clean: no
	// #wechat_redirect carried from the authorize page.
	// (The redirect's own empty fragment may show as a bare "#".)
	clean := func(path string) {
		t.Helper()
		if href := eval[string](p, `location.href`); strings.TrimSuffix(href, "#") != d.base+path || eval[string](p, `location.hash`) != "" {
			t.Errorf("the page after the login is at %s, want %s%s", href, d.base, path)
		}
	}
	clean("/desk")
	home := eval[string](p, `document.querySelector('#waiting').innerText`)
	if !strings.Contains(home, s.application.Number()) || !strings.Contains(home, "待分办") {
		t.Errorf("the office's 待我办理 lacks %s 待分办:\n%s", s.application.Number(), home)
	}
	p.shot("desk-01-office-home")
	all := p.visit("/desk/all?kind=form")
	for _, f := range []*storage.Form{s.formA, s.formB} {
		if !strings.Contains(all, f.Title) {
			t.Errorf("全部在办 lacks %s:\n%s", f.Title, all)
		}
	}
	if !eval[bool](p, `[...document.querySelectorAll('tr.row')].some((r) => r.innerText.includes('甲项目') && r.querySelector('.left.overdue') && r.querySelector('.left').innerText.includes('已超期'))`) {
		t.Error("the overdue form is not marked red as 已超期")
	}
	p.shot("desk-02-office-all")
	if txt := p.visit("/desk/all?kind=form&q=" + url.QueryEscape("甲项目")); !strings.Contains(txt, s.formA.Title) || strings.Contains(txt, s.formB.Title) {
		t.Errorf("searching 甲项目 found:\n%s", txt)
	}
	if txt := p.visit("/desk/all?kind=form&q=" + url.QueryEscape("公开审〔"+strconv.Itoa(s.formB.Year)+"〕902号")); !strings.Contains(txt, s.formB.Title) || strings.Contains(txt, s.formA.Title) {
		t.Errorf("searching formB's number found:\n%s", txt)
	}
	if txt := p.visit("/desk/all?kind=form&section=" + url.QueryEscape("综合二股")); !strings.Contains(txt, s.formB.Title) || strings.Contains(txt, s.formA.Title) {
		t.Errorf("section 综合二股 found:\n%s", txt)
	}
	if txt := p.visit("/desk/all?kind=form&from=" + s.from); strings.Contains(txt, s.formA.Title) || !strings.Contains(txt, s.formB.Title) || !strings.Contains(txt, "起") {
		t.Errorf("forms from %s found:\n%s", s.from, txt)
	}
	if txt := p.visit("/desk/all?kind=form&from=" + s.formedA + "&to=" + s.formedA); !strings.Contains(txt, s.formA.Title) || !strings.Contains(txt, strconv.Itoa(s.formA.FormedOn.Year())+"年") {
		t.Errorf("forms of %s (echoed with its year) found:\n%s", s.formedA, txt)
	}
	if txt := p.visit("/desk/all?kind=order&q=" + s.order.TicketNo); !strings.Contains(txt, s.order.TicketNo) || !strings.Contains(txt, "13800138000") {
		t.Errorf("searching the ticket found (the office sees the caller's phone):\n%s", txt)
	}
	if txt := p.visit("/desk/all?kind=application&q=" + url.QueryEscape("赵桌面")); !strings.Contains(txt, s.application.Number()) {
		t.Errorf("searching the applicant found:\n%s", txt)
	}
	if txt := p.visit("/desk/all?kind=application&state=closed"); strings.Contains(txt, s.application.Number()) || !strings.Contains(txt, "没有符合条件的事项") {
		t.Errorf("closed applications found:\n%s", txt)
	}
	for q, field := range map[string]string{"kind=form&from=2026-13-01": "起始日期", "kind=memo": "类别", "kind=form&page=0": "页码",
		"kind=order&state=published": "状态", "kind=form&section=" + url.QueryEscape("不存在股"): "股室"} {
		if st := p.status("GET", "/desk/all?"+q, ""); st != http.StatusBadRequest {
			t.Errorf("/desk/all?%s = %d, want 400", q, st)
		}
		if txt := p.visit("/desk/all?" + q); !strings.Contains(txt, "「"+field+"」") {
			t.Errorf("/desk/all?%s does not name %s:\n%s", q, field, txt)
		}
		p.wayBack("/desk/all?"+q, map[string]string{"起始日期": "/desk/all?kind=form", "类别": "/desk/all", "页码": "/desk/all?kind=form",
			"状态": "/desk/all?kind=order", "股室": "/desk/all?kind=form"}[field], "全部在办")
	}
	// The way back keeps the filters that were right.
	p.visit("/desk/all?kind=order&q=" + s.order.TicketNo + "&to=2026-02-30")
	p.wayBack("/desk/all?kind=order&q="+s.order.TicketNo+"&to=2026-02-30", "/desk/all?kind=order&q="+s.order.TicketNo, s.order.TicketNo)
	// A row opens the form's own page, whose 打印 link is the printable
	// page's, freshly signed.
	p.visit("/desk/all?kind=form&q=" + url.QueryEscape("甲项目"))
	href := eval[string](p, `document.querySelector('tr.row[data-number="公开审〔`+strconv.Itoa(s.formA.Year)+`〕901号"] a.open').href`)
	p.do(chromedp.Navigate(href))
	p.waitAcrossNavigation("the form's page", `location.pathname === '/desk/form/`+strconv.FormatInt(s.formA.ID, 10)+`' && !!document.querySelector('#print-link')`)
	p.do(chromedp.Navigate(eval[string](p, `document.querySelector('#print-link').href`)))
	if !eval[bool](p, `location.pathname.startsWith('/forms/') && location.search.includes('sig=') && document.body.innerText.includes(`+jsString(s.formA.Title)+`)`) {
		t.Errorf("the form page's 打印 link does not open the form's signed page: %s", eval[string](p, `location.href`))
	}

	// CSRF: a POST without the token is refused and does nothing; 退出
	// with it works.
	p.visit("/desk")
	if st := p.status("POST", "/desk/logout", "x=1"); st != http.StatusForbidden {
		t.Errorf("logout without the CSRF token = %d, want 403", st)
	}
	if txt := p.visit("/desk"); !strings.Contains(txt, "陈立新") {
		t.Errorf("the refused POST logged the office out:\n%s", txt)
	}
	p.logoutDesk()

	// 股室负责人 (张伟): formA waits at his stage; 全部在办 is not his.
	p.deskAgain("zhangwei", "张伟")
	clean("/desk")
	// A deep link logs in to its own page, its address clean too.
	p.logoutDesk()
	eval[string](p, `document.cookie = 'sandbox_wecom_user=zhangwei; path=/sandbox; SameSite=Lax'`)
	p.do(chromedp.Navigate(p.base + "/desk/open/form/" + strconv.FormatInt(s.formA.ID, 10)))
	p.waitAcrossNavigation("formA's page after the login", `location.pathname === '/desk/form/`+strconv.FormatInt(s.formA.ID, 10)+`' && !!document.querySelector('#who')`)
	clean("/desk/form/" + strconv.FormatInt(s.formA.ID, 10))
	p.visit("/desk")
	if w := eval[string](p, `document.querySelector('#waiting').innerText`); !strings.Contains(w, s.formA.Title) || strings.Contains(w, s.formB.Title) {
		t.Errorf("the section head's 待我办理:\n%s", w)
	}
	if eval[bool](p, `!!document.querySelector('#all-link')`) {
		t.Error("the section head is offered 全部在办")
	}
	p.shot("desk-03-head-home")
	p.logoutDesk()

	// 承办人 (李娜): her form and her order; not the office's view, not
	// another section's form.
	p.deskAgain("lina", "李娜")
	mine := eval[string](p, `document.querySelector('#mine').innerText`)
	if !strings.Contains(mine, s.formA.Title) || !strings.Contains(mine, s.order.TicketNo) || strings.Contains(mine, s.formB.Title) {
		t.Errorf("李娜's 我经办的:\n%s", mine)
	}
	if st := p.status("GET", "/desk/all?kind=form", ""); st != http.StatusForbidden {
		t.Errorf("a 承办人 asking for 全部在办 = %d, want 403", st)
	}
	if st := p.status("GET", "/desk/open/form/"+strconv.FormatInt(s.formB.ID, 10), ""); st != http.StatusForbidden {
		t.Errorf("a 承办人 opening another section's form = %d, want 403", st)
	}
	if st := p.status("GET", "/desk/application/"+strconv.FormatInt(s.application.ID, 10), ""); st != http.StatusForbidden {
		t.Errorf("a 承办人 opening the office's 办理审批表 = %d, want 403", st)
	}
	if st := p.status("GET", "/desk/open/form/"+strconv.FormatInt(s.formA.ID, 10), ""); st != http.StatusSeeOther && st != 0 {
		t.Errorf("李娜 opening her own form = %d, want a redirect to its page", st)
	}
	p.visit("/desk")
	p.shot("desk-04-staff-home")
	p.logoutDesk()

	// Someone WeCom knows who is not on the roster.
	p.do(chromedp.Navigate(p.base + "/"))
	p.waitAcrossNavigation("the roster", `!!document.querySelector('#people .person[data-user="lina"]')`)
	eval[string](p, `document.cookie = 'sandbox_wecom_user=stranger; path=/sandbox; SameSite=Lax'`)
	if txt := p.visit("/desk"); !strings.Contains(txt, "不在本系统名单中，请联系综合办公室") {
		t.Errorf("a stranger's desk:\n%s", txt)
	}
	p.shot("desk-05-stranger")

	deskLoginRefusals(t, d.base)
}

// deskLoginRefusals plays a browser by hand against the demo: a forged
// code, a used one and a state that is not the browser's are refused.
func deskLoginRefusals(t *testing.T, base string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string) (int, *url.URL, string) {
		t.Helper()
		resp, err := b.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		loc, _ := resp.Location()
		return resp.StatusCode, loc, string(body)
	}
	bu, _ := url.Parse(base)
	jar.SetCookies(bu, []*http.Cookie{{Name: "sandbox_wecom_user", Value: "lina", Path: "/sandbox"}})
	callback := func() *url.URL {
		t.Helper()
		st, auth, _ := get(base + "/desk")
		if st != http.StatusFound || auth == nil {
			t.Fatalf("/desk without a session = %d", st)
		}
		st, cb, body := get(auth.String())
		if st != http.StatusFound || cb == nil || cb.Query().Get("code") == "" {
			t.Fatalf("the sandbox's authorize = %d %q", st, body)
		}
		return cb
	}
	with := func(cb *url.URL, k, v string) string {
		u := *cb
		q := u.Query()
		q.Set(k, v)
		u.RawQuery = q.Encode()
		return u.String()
	}
	cb := callback()
	if st, _, body := get(with(cb, "code", "forged0000")); st != http.StatusForbidden || !strings.Contains(body, "登录凭证无效") {
		t.Errorf("a forged code = %d %q", st, body)
	}
	cb = callback()
	// Another first character: a state that already began with 0 was
	// left as it was, and logged in.
	state := cb.Query().Get("state")
	wrong := map[bool]string{true: "1", false: "0"}[strings.HasPrefix(state, "0")] + state[1:]
	if st, _, body := get(with(cb, "state", wrong)); st != http.StatusForbidden || !strings.Contains(body, "登录请求无效") {
		t.Errorf("a wrong state = %d %q", st, body)
	}
	cb = callback()
	used := cb.Query().Get("code")
	if st, loc, body := get(cb.String()); st != http.StatusSeeOther || loc == nil || loc.Path != "/desk" {
		t.Fatalf("a good callback = %d %v %q", st, loc, body)
	}
	jar2, _ := cookiejar.New(nil)
	jar2.SetCookies(bu, []*http.Cookie{{Name: "sandbox_wecom_user", Value: "lina", Path: "/sandbox"}})
	b.Jar = jar2
	cb = callback()
	if st, _, body := get(with(cb, "code", used)); st != http.StatusForbidden || !strings.Contains(body, "登录凭证无效或已使用") {
		t.Errorf("a used code = %d %q", st, body)
	}
	if st, _, body := get(base + "/desk/login?state=abc"); st != http.StatusForbidden || !strings.Contains(body, "请在企业微信中打开：工作台 → 政务公开 → 办公桌") {
		t.Errorf("a callback without code = %d %q", st, body)
	}
}
