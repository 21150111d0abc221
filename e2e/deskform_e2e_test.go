package e2e

import (
	"context"
	"database/sql"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/lib/pq"
	"github.com/zwgk-bot/zwgk/sandbox"
	"github.com/zwgk-bot/zwgk/storage"
)

// seedDeskForm puts a form waiting for 张伟 (股室负责人 of 综合一股) in the
// demo's database, submitted by 李娜, with its submission audited as the
// wizard's would be.
func seedDeskForm(t *testing.T, dbURL string) *storage.Form {
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
	f := &storage.Form{Year: today.Year(), Seq: 911, Version: 1, State: "review", Stage: "section", Assignees: pq.StringArray{"zhangwei"},
		Section: "综合一股", Submitter: "lina", Title: "关于页面审核丙项目环评结果的公示", Summary: "丙项目环境影响报告表审批结果。",
		FormedOn: today.AddDate(0, 0, -3), Mode: "主动公开", Column: "环境保护", Platforms: pq.StringArray{"政府网站"},
		Deadline: sql.NullTime{Time: today.AddDate(0, 0, 20), Valid: true}, CreatedAt: now}
	err = db.WithTx(ctx, func(tx *storage.Tx) error {
		if _, err := storage.InsertForm(ctx, tx, f); err != nil {
			return err
		}
		return storage.Audit(ctx, tx, "lina", "submit", "form", strconv.FormatInt(f.ID, 10), map[string]any{"version": 1})
	})
	if err != nil {
		t.Fatalf("seed the form: %v", err)
	}
	return f
}

// formFacts reads what the form's decisions and reviews are in the
// demo's database.
func formFacts(t *testing.T, dbURL string, id int64) (state, stage string, decisions []string, reviews int) {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f, err := storage.GetForm(ctx, db, id)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := storage.Decisions(ctx, db, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		decisions = append(decisions, d.Stage+":"+d.Approver+":"+d.Verdict)
	}
	if err := db.GetContext(ctx, &reviews, `SELECT count(*) FROM secrecy_reviews WHERE entity = 'form' AND entity_id = $1`, strconv.FormatInt(id, 10)); err != nil {
		t.Fatal(err)
	}
	return f.State, f.Stage, decisions, reviews
}

// chatAs opens the web chat as user.
func (p *page) chatAs(user, name string) {
	p.t.Helper()
	p.do(chromedp.Navigate(p.base + "/"))
	p.waitAcrossNavigation("the roster", `!!document.querySelector('#people .person[data-user="lina"]') && !!page.state`)
	p.choose(user, name)
}

// cardAbout waits for the newest card in the conversation whose text has
// title, and returns its task_id.
func (p *page) cardAbout(title string) string {
	p.t.Helper()
	return waitJS[string](p, "a card about "+title, `(() => {
		const cs = [...document.querySelectorAll('#conv .card[data-type="button_interaction"]')].filter((c) => c.innerText.includes(`+jsString(title)+`));
		return cs.length ? cs[cs.length - 1].dataset.task : '';
	})()`)
}

// cardClosed waits until the card shows a replaced button with want, and
// checks it offers no button any more.
func (p *page) cardClosed(task, want string) {
	p.t.Helper()
	got := waitJS[string](p, "card "+task+" closed", `(() => {
		const r = document.querySelector('#conv .card[data-task=`+jsString(task)+`] .card-replaced');
		return r ? r.textContent : '';
	})()`)
	if !strings.Contains(got, want) {
		p.t.Errorf("card %s closed with %q, want %q", task, got, want)
	}
	if n := eval[int](p, `document.querySelectorAll('#conv .card[data-task=`+jsString(task)+`] button').length`); n != 0 {
		p.t.Errorf("card %s still offers %d buttons", task, n)
	}
}

// formPost is a decision form of the page as fields, for posting by hand.
func (p *page) formPost(sel string) string {
	p.t.Helper()
	return eval[string](p, `new URLSearchParams(new FormData(document.querySelector(`+jsString(sel)+`))).toString()`)
}

// submitPage submits the page's form with a button, as pressing it does,
// and waits for the page that answers. (Not press: a click that navigates
// takes press's guard with the page, and press would click again on the
// answer.)
func (p *page) submitPage(button string) string {
	p.t.Helper()
	eval[bool](p, `(() => { const b = document.querySelector(`+jsString(button)+`); document.body.dataset.before = '1'; b.form.requestSubmit(b); return true; })()`)
	p.waitAcrossNavigation("the answer to "+button, `document.readyState === 'complete' && document.body.dataset.before !== '1' && !!document.querySelector('#fields')`)
	return eval[string](p, `document.body.innerText`)
}

func TestBrowserDeskFormDecisions(t *testing.T) {
	t.Parallel()
	d := startDemo(t)
	f := seedDeskForm(t, d.dbURL)
	id := strconv.FormatInt(f.ID, 10)
	path := "/desk/form/" + id
	serial := "公开审〔" + strconv.Itoa(f.Year) + "〕911号"
	p := newPage(t, d.base)

	// 张伟 has the form's card in the chat (待办 sends it).
	p.chatAs("zhangwei", "张伟")
	p.say("待办", "待办")
	headCard := p.cardAbout(f.Title)

	// The submitter sees the page but no actions; a decision forged with
	// her own session's token is refused, and nothing changes.
	p.desk("lina", "李娜")
	txt := p.visit(path)
	if !strings.Contains(txt, f.Title) || !strings.Contains(txt, "待股室负责人审核（张伟）") {
		t.Errorf("the submitter's view of the form:\n%s", txt)
	}
	if eval[bool](p, `!!document.querySelector('#approve-form, #reject-form')`) {
		t.Error("the submitter is offered the approver's actions")
	}
	csrf := eval[string](p, `document.querySelector('#logout').form.csrf.value`)
	forged := "csrf=" + url.QueryEscape(csrf) + "&version=1&stage=section&verdict=approve"
	if st := p.status("POST", path+"/decide", forged); st != http.StatusForbidden {
		t.Errorf("a decision forged by the submitter = %d, want 403", st)
	}
	if st, _, ds, _ := formFacts(t, d.dbURL, f.ID); st != "review" || len(ds) != 0 {
		t.Fatalf("after the forged post: %s %v", st, ds)
	}
	p.visit("/desk")
	p.logoutDesk()

	// 张伟 opens it from 待我办理.
	p.desk("zhangwei", "张伟")
	// (Followed by its address: the number wraps, and a click at its box's
	// centre may fall between the lines.)
	p.do(chromedp.Navigate(eval[string](p, `document.querySelector('#waiting tr.row[data-number="`+serial+`"] a.open').href`)))
	p.waitAcrossNavigation("the form's page", `location.pathname === `+jsString(path)+` && !!document.querySelector('#actions')`)
	txt = eval[string](p, `document.body.innerText`)
	for _, want := range []string{serial, f.Title, f.Summary, "承办", "综合一股 李娜", "公开时限", "重大事项", "待股室负责人审核（张伟）",
		"剩余", "个工作日", "李娜提交审批单。", "附件", "打开可打印的审批单"} {
		if !strings.Contains(txt, want) {
			t.Errorf("the form's page lacks %q:\n%s", want, txt)
		}
	}
	if href := eval[string](p, `document.querySelector('#print-link').href`); !strings.Contains(href, "/forms/"+id+"?") || !strings.Contains(href, "sig=") {
		t.Errorf("the 打印 link %s is not the form's signed page", href)
	}
	p.shot("desk-form-01-head")

	// Without the CSRF token: refused.
	approve := p.formPost("#approve-form")
	if st := p.status("POST", path+"/decide", strings.Replace(approve, "csrf=", "x=", 1)+"&verdict=approve"); st != http.StatusForbidden {
		t.Errorf("a decision without the CSRF token = %d, want 403", st)
	}
	p.visit(path)
	// 驳回 without a reason: refused, naming what to fix.
	txt = p.submitPage("#verdict-reject")
	if n := eval[string](p, `document.querySelector('#notice').innerText`); !strings.Contains(n, "请填写驳回理由") || strings.Contains(n, "1至200字") {
		t.Errorf("驳回 without a reason says %q:\n%s", n, txt)
	}
	if st, _, ds, _ := formFacts(t, d.dbURL, f.ID); st != "review" || len(ds) != 0 {
		t.Fatalf("after 驳回 without a reason: %s %v", st, ds)
	}

	// 同意 on the page.
	approve = p.formPost("#approve-form") + "&verdict=approve"
	p.submitPage("#verdict-approve")
	if n := eval[string](p, `document.querySelector('#notice').innerText`); !strings.Contains(n, "已同意 "+serial) || !strings.Contains(n, "待办公室审核") {
		t.Errorf("the notice after 同意: %q", n)
	}
	if eval[bool](p, `!!document.querySelector('#actions')`) {
		t.Error("the page still offers actions after the decision")
	}
	if !strings.Contains(eval[string](p, `document.querySelector('#timeline').innerText`), "张伟同意（股室负责人审核）。") {
		t.Errorf("the timeline lacks the decision:\n%s", eval[string](p, `document.querySelector('#timeline').innerText`))
	}
	p.shot("desk-form-02-approved")
	// The same post again (a double submit) does nothing.
	if st := p.status("POST", path+"/decide", approve); st != http.StatusOK {
		t.Errorf("the repeated 同意 = %d, want 200 (already done)", st)
	}
	if st, stage, ds, _ := formFacts(t, d.dbURL, f.ID); st != "review" || stage != "office" || strings.Join(ds, ",") != "section:zhangwei:approve" {
		t.Fatalf("after 同意 twice: %s %s %v", st, stage, ds)
	}
	if txt := p.visit(path); !strings.Contains(txt, "待办公室审核") {
		t.Errorf("the page after the decision:\n%s", txt)
	}

	// In the chat: 张伟's card is closed as when another decides, and the
	// client no longer lets him click it; the office has its cards.
	p.chatAs("zhangwei", "张伟")
	p.cardClosed(headCard, "张伟 已同意")
	if st := p.status("POST", "/sandbox/api/users/zhangwei/cards/"+url.PathEscape(headCard)+"/approve", ""); st != http.StatusConflict {
		t.Errorf("a click on the closed card = %d, want 409 (no button left)", st)
	}
	p.chatAs("chenlixin", "陈立新")
	officeCard := p.cardAbout(f.Title)
	p.shot("desk-form-03-office-card")

	// The office opens the page; 同意 without the 保密审查 is refused.
	p.visit("/desk")
	p.logoutDesk()
	p.desk("chenlixin", "陈立新")
	p.visit(path)
	if n := eval[int](p, `document.querySelectorAll('#secrecy input[type=checkbox]').length`); n != 3 {
		t.Fatalf("the office's page has %d 保密审查 checks, want 3", n)
	}
	p.press("#check-state_secret")
	p.submitPage("#verdict-approve")
	if n := eval[string](p, `document.querySelector('#notice').innerText`); !strings.Contains(n, "保密审查尚未完成") || !strings.Contains(n, "商业秘密") || strings.Contains(n, "国家秘密") {
		t.Errorf("同意 with one check of three: %q", n)
	}
	if !eval[bool](p, `document.querySelector('#check-state_secret').checked && !document.querySelector('#check-privacy').checked`) {
		t.Error("the refused page lost the check ticked")
	}
	// The page stays open while 林晓燕 decides on her card in the chat.
	q, closeQ := p.newTab()
	defer closeQ()
	q.choose("linxiaoyan", "林晓燕")
	q.cardAbout(f.Title)
	q.review("approve")
	q.chatAs("chenlixin", "陈立新")
	q.cardClosed(officeCard, "林晓燕")
	closeQ()
	// The page's 同意, now stale, is refused, saying who decided and when.
	for _, c := range []string{"#check-commercial_secret", "#check-privacy"} {
		p.press(c)
	}
	p.submitPage("#verdict-approve")
	n := eval[string](p, `document.querySelector('#notice').innerText`)
	for _, want := range []string{serial + " 已于", "由林晓燕同意（办公室审核）", "当前：待办公室发布", "您在本页的操作未执行"} {
		if !strings.Contains(n, want) {
			t.Errorf("the stale 同意's notice %q lacks %q", n, want)
		}
	}
	p.shot("desk-form-04-stale")
	if st, _, ds, reviews := formFacts(t, d.dbURL, f.ID); st != "publishing" || strings.Join(ds, ",") != "section:zhangwei:approve,office:linxiaoyan:approve" || reviews != 1 {
		t.Fatalf("after the stale 同意: %s %v, %d reviews", st, ds, reviews)
	}
	stale := "csrf=" + url.QueryEscape(eval[string](p, `document.querySelector('#logout').form.csrf.value`)) + "&version=1&stage=office&verdict=reject&reason=" + url.QueryEscape("不宜公开")
	if st := p.status("POST", path+"/decide", stale); st != http.StatusConflict {
		t.Errorf("a stale 驳回 = %d, want 409", st)
	}
	if _, _, ds, _ := formFacts(t, d.dbURL, f.ID); len(ds) != 2 {
		t.Fatalf("decisions after the stale posts: %v", ds)
	}
}

// deskClient is a browser logged in to the harness's 办公桌 as user,
// through the sandbox's 网页授权.
type deskClient struct {
	h    *harness
	http *http.Client
}

func (h *harness) deskAs(user string) *deskClient {
	h.t.Helper()
	jar, _ := cookiejar.New(nil)
	oauth, _ := url.Parse(h.env["WECOM_OAUTH_BASE"])
	jar.SetCookies(oauth, []*http.Cookie{{Name: sandbox.VisitorCookie, Value: user, Path: "/"}})
	c := &deskClient{h: h, http: &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasSuffix(req.URL.Path, "/decide") || strings.Contains(req.URL.RawQuery, "done=") {
			return http.ErrUseLastResponse // a decision's answer, as it is
		}
		return nil
	}}}
	if st, body := c.get("/desk"); st != http.StatusOK || !strings.Contains(body, `id="who"`) {
		h.t.Fatalf("%s's desk = %d:\n%s", user, st, body)
	}
	return c
}

func (c *deskClient) get(path string) (int, string) {
	c.h.t.Helper()
	resp, err := c.http.Get(c.h.base + path)
	if err != nil {
		c.h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (c *deskClient) post(path string, form url.Values) (int, string) {
	c.h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.h.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.h.base)
	resp, err := c.http.Do(req)
	if err != nil {
		c.h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var hiddenField = regexp.MustCompile(`name="(csrf|version|stage)" value="([^"]*)"`)

// decisionForm is the page's hidden fields (the session's token, the
// version and stage it was rendered with) and verdict.
func decisionForm(t *testing.T, page, verdict string) url.Values {
	t.Helper()
	v := url.Values{"verdict": {verdict}}
	for _, m := range hiddenField.FindAllStringSubmatch(page, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	if v.Get("csrf") == "" || v.Get("version") == "" {
		t.Fatalf("the page has no decision form:\n%s", page)
	}
	return v
}

func (h *harness) formID(serial string) int64 {
	h.t.Helper()
	var id int64
	if err := h.db.GetContext(context.Background(), &id, `SELECT id FROM forms WHERE format('公开审〔%s〕%s号', year, seq) = $1`, serial); err != nil {
		h.t.Fatal(err)
	}
	return id
}

// A decision on the page closes the approver's card as another's would,
// and the card clicked anyway afterwards is refused as stale; a card's
// decision first makes the open page's post stale, written once.
func TestDeskFormPageAndCardsAgree(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	serial := c.submit(staff, ordinary)
	sec := c.card(head)
	path := "/desk/form/" + strconv.FormatInt(h.formID(serial), 10)

	zw := h.deskAs(head)
	st, page := zw.get(path)
	if st != http.StatusOK || !strings.Contains(page, `id="actions"`) {
		t.Fatalf("the head's page = %d:\n%s", st, page)
	}
	if st, body := zw.post(path+"/decide", decisionForm(t, page, "approve")); st != http.StatusSeeOther {
		t.Fatalf("同意 on the page = %d:\n%s", st, body)
	}
	c.text(head, "已同意 "+serial, "下一环节：办公室审核")
	waitUpdated(t, h, head, sec.Card.TaskID, "张伟 已同意")
	off1, off2 := c.card(office1), c.card(office2)
	c.clickAnyway(head, sec, "approve")
	c.text(head, "已失效")
	if got := h.decisions(serial); strings.Join(got, ",") != "section:zhangwei:approve" {
		t.Fatalf("decisions %v, want the page's one", got)
	}

	// 陈立新 has the page open; 林晓燕 decides on her card first.
	cl := h.deskAs(office1)
	_, page = cl.get(path)
	c.officeApprove(office2, off2, "approve")
	waitUpdated(t, h, office1, off1.Card.TaskID, "林晓燕")
	form := decisionForm(t, page, "approve")
	form["check"] = []string{"state_secret", "commercial_secret", "privacy"}
	st, body := cl.post(path+"/decide", form)
	if st != http.StatusConflict || !strings.Contains(body, "由林晓燕同意（办公室审核）") || !strings.Contains(body, "您在本页的操作未执行") {
		t.Fatalf("the stale page's 同意 = %d:\n%s", st, body)
	}
	if got, rs := h.decisions(serial), h.reviews(serial); len(got) != 2 || strings.Count(rs, ":office:") != 1 {
		t.Fatalf("decisions %v, reviews %s after the stale post", got, rs)
	}
}
