package office_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/zwgk-bot/zwgk/annualreport"
	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/office"
	"github.com/zwgk-bot/zwgk/printtest"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
	"github.com/zwgk-bot/zwgk/workflow"
)

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

// today is the test's clock: the brief's today, 1 December 2026.
var today = time.Date(2026, 12, 1, 10, 0, 0, 0, shanghai)

// annualServer serves the office's routes of a fresh database.
func annualServer(t *testing.T, bureau string) (*office.Flow, *storage.DB, *httptest.Server) {
	t.Helper()
	db := storagetest.NewDB(t)
	f := &office.Flow{Bot: &chat.Bot{DB: db, LinkSecret: []byte("annual-test-secret"), Location: shanghai,
		Now: func() time.Time { return today }, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Letters: config.LettersConfig{Bureau: bureau}}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /annual/{year}", f.ServeAnnual)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.PublicURL = srv.URL
	return f, db, srv
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// TestAnnualPageLinks: only a link signed for the year opens the page; an
// expired one is 410 and says how to get a fresh one, a forged or another
// year's is 403, a year that is not one 404.
func TestAnnualPageLinks(t *testing.T) {
	t.Parallel()
	f, _, srv := annualServer(t, "某市生态环境局某区分局")
	link := f.AnnualLink(2026, today)
	if !strings.HasPrefix(link, srv.URL+"/annual/2026?exp=") {
		t.Fatalf("link %s", link)
	}
	status, body := get(t, link)
	if status != http.StatusOK || !strings.Contains(body, "<h1>某市生态环境局某区分局2026年政府信息公开工作年度报告</h1>") {
		t.Fatalf("%d\n%s", status, body)
	}
	expired := srv.URL + annualreport.SignLink(f.LinkSecret, 2026, today.Add(-time.Minute))
	if status, body := get(t, expired); status != http.StatusGone || body != "链接已过期，请在企业微信中发送「年度报告 2026」获取新链接。" {
		t.Errorf("expired: %d %s", status, body)
	}
	other := strings.Replace(link, "/annual/2026?", "/annual/2025?", 1)
	forged := link[:len(link)-1] + map[bool]string{true: "0", false: "1"}[strings.HasSuffix(link, "1")]
	for _, u := range []string{other, forged, srv.URL + "/annual/2026", srv.URL + annualreport.SignLink([]byte("another secret"), 2026, today.Add(time.Hour))} {
		if status, body := get(t, u); status != http.StatusForbidden || !strings.Contains(body, "链接无效") {
			t.Errorf("%s: %d %s", u, status, body)
		}
	}
	for _, y := range []string{"abc", "02026", "1999", "99999"} {
		if status, _ := get(t, srv.URL+"/annual/"+y+"?exp=1&sig=00"); status != http.StatusNotFound {
			t.Errorf("/annual/%s: %d", y, status)
		}
	}
	// Without BUREAU_NAME the title keeps the template's placeholder.
	f2, _, _ := annualServer(t, "")
	if _, body := get(t, f2.AnnualLink(2026, today)); !strings.Contains(body, "<h1>（单位名称）2026年政府信息公开工作年度报告</h1>") {
		t.Errorf("no bureau:\n%s", body)
	}
}

// seedAnnualYear stores a small year: published forms of table 二's
// categories, the office's entries, applications of several outcomes, a
// 复议 and a meeting.
func seedAnnualYear(t *testing.T, db *storage.DB) {
	t.Helper()
	ctx := context.Background()
	on := func(m, d int) time.Time { return time.Date(2026, time.Month(m), d, 10, 0, 0, 0, shanghai) }
	day := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	err := db.WithTx(ctx, func(tx *storage.Tx) error {
		forms := []storage.Form{
			{Category: string(workflow.CategoryPenalty), Decisions: 4},
			{Category: string(workflow.CategoryNormative)},
			{Category: string(workflow.CategoryFee), FeeYuan: 2500},
			{Category: string(workflow.CategoryOther)},
		}
		for i, f := range forms {
			f.Year, f.Seq, f.Version, f.State, f.Section, f.Submitter = 2026, i+1, 1, string(workflow.StatePublished), "综合一股", "lina"
			f.Title, f.Summary, f.FormedOn, f.Mode, f.Column = "审批单"+strconv.Itoa(i+1), "简要内容", on(1, 2), string(workflow.ModeActive), "环境保护"
			f.Platforms, f.Assignees, f.CreatedAt = []string{"政府网站", "“双微”公众号"}, []string{}, on(1, 2)
			if _, err := storage.InsertForm(ctx, tx, &f); err != nil {
				return err
			}
			for _, p := range f.Platforms {
				if _, err := storage.InsertPublication(ctx, tx, storage.Publication{FormID: f.ID, Platform: p, PublishedBy: "hejing", PublishedAt: on(3+i, 5)}); err != nil {
					return err
				}
			}
		}
		for _, e := range []storage.ActiveEntry{
			{Year: 2026, Cell: string(workflow.CellPenalty), Value: 33, EnteredBy: "linxiaoyan", EnteredAt: on(11, 2), Reason: "原系统办理"},
			{Year: 2026, Cell: string(workflow.CellNormativeInForceAt), Value: 17, EnteredBy: "linxiaoyan", EnteredAt: on(11, 2), Reason: "2025年度报告"},
		} {
			if _, err := storage.AddActiveEntry(ctx, tx, e); err != nil {
				return err
			}
		}
		apps := []struct {
			typ      string
			received time.Time
			closed   time.Time
			outcome  workflow.Outcome
			reason   workflow.Reason
		}{
			{"自然人", day(2026, 2, 3), day(2026, 2, 20), workflow.OutcomeDisclose, ""},
			{"自然人", day(2026, 3, 3), day(2026, 3, 20), workflow.OutcomeDisclose, ""},
			{"商业企业", day(2026, 4, 3), day(2026, 4, 20), workflow.OutcomeWithhold, workflow.ReasonProcess},
			{"自然人", day(2025, 12, 20), day(2026, 1, 15), workflow.OutcomeUnavailable, workflow.ReasonNotHeld},
			{"法律服务机构", day(2026, 11, 20), time.Time{}, "", ""},
		}
		var first int64
		for i, s := range apps {
			a := &storage.Application{Channel: "当面", ReceivedD: s.received, ApplicantName: "申请人" + strconv.Itoa(i),
				ApplicantType: s.typ, Content: "某项目环评文件", ProvideForm: "纸质", State: "accepted", Section: "综合一股",
				Registrar: "linxiaoyan", DueD: s.received.AddDate(0, 1, 0), Source: "test", CreatedAt: s.received}
			if !s.closed.IsZero() {
				a.State, a.Outcome, a.Reason = "closed", string(s.outcome), string(s.reason)
				a.DeliveredD = sql.NullTime{Time: s.closed, Valid: true}
			}
			if _, err := storage.InsertApplication(ctx, tx, a); err != nil {
				return err
			}
			if i == 2 {
				first = a.ID
			}
		}
		rem := &storage.Remedy{ApplicationID: first, Kind: workflow.Review, FiledD: day(2026, 5, 10), Result: workflow.ResultUpheld,
			DecidedD: sql.NullTime{Time: day(2026, 7, 1), Valid: true}, RecordedBy: "linxiaoyan"}
		if err := storage.InsertRemedy(ctx, tx, rem, "依申请〔2026〕3号", on(7, 2)); err != nil {
			return err
		}
		_, err := storage.InsertMeeting(ctx, tx, storage.Meeting{HeldOn: day(2026, 3, 28), Topic: "研究部署政务公开工作", RecordedBy: "linxiaoyan", RecordedAt: on(3, 28)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestAnnualPagePrints prints the page of a seeded year through headless
// Chromium on A4 and finds in the PDF's text the title, every section's
// heading, every row and column heading of tables 二, 三 and 四 and the
// year's figures; the checks and the draft marks are on screen only.
func TestAnnualPagePrints(t *testing.T) {
	t.Parallel()
	ctx := printtest.Browser(t, "the annual report's print test")
	f, db, _ := annualServer(t, "某市生态环境局某区分局")
	seedAnnualYear(t, db)
	// An office text for 五: the page prints it, not the draft.
	err := db.WithTx(context.Background(), func(tx *storage.Tx) error {
		_, err := storage.SetAnnualText(context.Background(), tx, 2026, "五", "（一）存在的主要问题。专职人员不足。\n\n（二）改进措施。加强业务培训。", "linxiaoyan", today)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	link := f.AnnualLink(2026, today)
	_, html := get(t, link)
	if !strings.Contains(html, `class="screen drafts"`) || !strings.Contains(html, "一、总体情况；六、其他需要报告的事项") || strings.Contains(html, `class="screen checks"`) {
		t.Errorf("the page's screen notes are wrong:\n%s", html)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(link)); err != nil {
		t.Fatalf("open the page: %v", err)
	}
	// Navigate waits for the load event; the fonts may come a little later.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.fonts.status === "loaded"`, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(time.Minute))); err != nil {
		t.Fatalf("waiting for the fonts: %v", err)
	}
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(func(pp *cdppage.PrintToPDFParams) {
		on := true
		pp.PreferCSSPageSize = &on
	}))
	if err != nil {
		t.Fatalf("print to PDF: %v", err)
	}
	pages, err := printtest.ReadPDF(pdf)
	if err != nil {
		t.Fatal(err)
	}
	var flat strings.Builder
	for i, p := range pages {
		// A4 is 595 × 842 points.
		if p.Width < 594 || p.Width > 596 || p.Height < 841 || p.Height > 843 {
			t.Errorf("page %d is %.0f × %.0f points, not A4", i+1, p.Width, p.Height)
		}
		flat.WriteString(p.Flat())
	}
	text := flat.String()
	want := []string{"某市生态环境局某区分局2026年政府信息公开工作年度报告",
		"一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况",
		"五、存在的主要问题及改进情况", "六、其他需要报告的事项",
		// Table 二.
		"第二十条第（一）项", "信息内容", "本年制发件数", "本年废止件数", "现行有效件数", "规章", "行政规范性文件",
		"第二十条第（五）项", "本年处理决定数量", "行政许可", "第二十条第（六）项", "行政处罚", "行政强制",
		"第二十条第（八）项", "本年收费金额（单位：万元）", "行政事业性收费",
		// Table 三.
		"（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况", "自然人", "法人或其他组织",
		"商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计",
		"一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "三、本年度办理结果",
		"（一）予以公开", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "（三）不予公开",
		"1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益",
		"5.属于三类内部事务信息", "6.属于四类过程性信息", "7.属于行政执法案卷", "8.属于行政查询事项",
		"（四）无法提供", "1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确",
		"（五）不予处理", "1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请",
		"5.要求行政机关确认或重新出具已获取信息", "（六）其他处理",
		"1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
		"2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他", "（七）总计", "四、结转下年度继续办理",
		// Table 四.
		"行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉", "结果维持", "结果纠正", "其他结果", "尚未审结",
		// The figures of the year, as their rows print them.
		"行政处罚37", "行政规范性文件1018", "行政事业性收费0.25", "行政许可0",
		"一、本年新收政府信息公开申请数量2100104", "二、上年结转政府信息公开申请数量1000001",
		"（一）予以公开2000002", "6.属于四类过程性信息0100001", "1.本机关不掌握相关政府信息1000001",
		"（七）总计3100004", "四、结转下年度继续办理0000101",
		"100010000000000",
		// The section texts: the draft of 一 with its figures, the office's 五.
		"全年经政府信息公开审批程序主动公开政府信息4条", "全年新收政府信息公开申请4件，上年结转1件；办结4件，结转下年度继续办理1件。",
		"（一）存在的主要问题。专职人员不足。", "未收取信息处理费",
	}
	for _, s := range want {
		if !strings.Contains(text, strings.Join(strings.Fields(s), "")) {
			t.Errorf("the PDF lacks %q", s)
		}
	}
	for _, s := range []string{"草稿", "校验未通过", "链接有效至"} {
		if strings.Contains(text, s) {
			t.Errorf("the PDF prints %q, which is for the screen only", s)
		}
	}
	if t.Failed() {
		t.Logf("PDF text (%d pages):\n%s", len(pages), text)
	}
}
