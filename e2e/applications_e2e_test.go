package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// registerApplication plays 登记申请 for the office member user, received
// in person on received, for 综合一股; it returns the registrar's
// confirmation. Wrong answers on the way are refused with what to fix,
// and the conversation goes on.
func (c *cursor) registerApplication(user string, received time.Time) string {
	c.h.t.Helper()
	cal := workflow.DefaultCalendar()
	due, err := workflow.ApplicationDeadlines(cal, workflow.ApplicationEvents{Received: received})
	if err != nil {
		c.h.t.Fatal(err)
	}
	c.say(user, "登记申请")
	c.text(user, "登记政府信息公开申请")
	ch := c.card(user)
	c.click(user, ch, "r_0") // 当面
	c.text(user, "第2/10步", "当面提交之日")
	c.say(user, "2099-01-05")
	c.text(user, "2099年1月5日还没有到")
	c.text(user, "第2/10步")
	c.say(user, received.Format(time.DateOnly))
	c.text(user, "收到申请日期："+dayWords(received)+"（星期"+[]string{"日", "一", "二", "三", "四", "五", "六"}[received.Weekday()]+"）")
	typ := c.card(user)
	c.click(user, typ, "r_0") // 自然人
	c.text(user, "请输入申请人姓名")
	c.say(user, "张三")
	c.text(user, "身份证号码")
	c.say(user, "110105194912310021") // wrong check digit
	c.text(user, "校验位不符")
	c.text(user, "身份证号码")
	c.say(user, "11010519491231002x")
	c.text(user, "联系电话")
	c.say(user, "13800138000")
	c.text(user, "通讯地址")
	c.say(user, "跳过")
	c.text(user, "申请公开的政府信息")
	c.say(user, "我的申请件") // a command is not taken for the answer
	c.text(user, "请直接回复所需信息")
	c.text(user, "申请公开的政府信息")
	c.say(user, "2025年度某工业园区环境影响评价文件及批复。")
	form := c.card(user)
	c.click(user, form, "r_1") // 电子
	sec := c.card(user)
	c.click(user, sec, "r_1") // 综合一股 (after 综合办公室)
	sum := c.card(user)
	got := fieldsOf(sum)
	for _, want := range []string{"收到日期=" + dayWords(received), "答复期限=" + dayWords(due.ReplyDue), "证件号码=11010519491231002X", "获取方式 / 承办=电子 · 综合一股"} {
		if !strings.Contains(got, want) {
			c.h.t.Fatalf("summary %s lacks %s", got, want)
		}
	}
	// 登记申请 again at the summary asks to finish this one first; it
	// registers nothing.
	c.say(user, "登记申请")
	c.text(user, "请先完成填写")
	c.click(user, sum, "app_submit")
	return c.text(user, "已登记 依申请〔"+strconv.Itoa(received.Year())+"〕", "答复期限"+dayWords(due.ReplyDue), "综合一股（张伟）")
}

func TestApplicationRegisteredInChat(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)

	// Only the office registers.
	c.say(staff, "登记申请")
	c.text(staff, "由综合办公室统一登记")

	conf := c.registerApplication(office2, time.Date(2026, 11, 27, 0, 0, 0, 0, workflow.DefaultCalendar().Location()))
	if !strings.Contains(conf, "依申请〔2026〕1号") {
		t.Fatalf("first application numbered otherwise: %q", conf)
	}
	c.text(office1, "新的政府信息公开申请", "依申请〔2026〕1号", "张三")
	acc := c.card(head)
	if !strings.Contains(acc.Card.MainTitle.Title, "依申请〔2026〕1号") || len(acc.Card.ButtonList) != 2 {
		t.Fatalf("签收 card %+v", acc.Card.MainTitle)
	}

	a, err := storage.ApplicationBySerial(context.Background(), h.db, 2026, 1)
	if err != nil {
		t.Fatal(err)
	}
	if a.State != "dispatched" || a.Section != "综合一股" || a.ApplicantIDNo != "11010519491231002X" || a.Source != "chat" ||
		a.DueD.Format("2006-01-02") != "2026-12-25" || a.ReceivedD.Format("2006-01-02") != "2026-11-27" {
		t.Fatalf("stored %+v", a)
	}
	trail, err := storage.AuditTrail(context.Background(), h.db, storage.EntityApplication, a.Number())
	if err != nil || len(trail) != 1 || trail[0].Actor != office2 || trail[0].Action != "register" {
		t.Fatalf("audit %v, %v", trail, err)
	}

	// The lookup: the office sees the applicant in full; a member it was
	// not given to is refused; the section head sees it.
	c.say(office1, "申请 依申请〔2026〕1号")
	c.text(office1, "待签收", "11010519491231002X", "13800138000", "答复期限：2026年12月25日", "林晓燕登记申请（当面）")
	c.say(staff2, "查询 依申请〔2026〕1号")
	c.text(staff2, "不在您的办理范围内")
	c.say(head, "申请 2026-1")
	c.text(head, "张三", "当面，以当面提交之日为准")
	c.say(office1, "申请 依申请〔2026〕9号")
	c.text(office1, "没有找到 依申请〔2026〕9号")
	c.say(office2, "我的申请件")
	c.text(office2, "依申请〔2026〕1号 张三")
}

func TestApplicationAPIAndImport(t *testing.T) {
	t.Parallel()
	const token = "api-token-for-tests-0123456789"
	h := newHarness(t, func(env map[string]string) { env["API_TOKEN"] = token })
	c := newCursor(h)
	url := h.base + "/api/v1/applications"
	good := map[string]any{
		"external_id": "WEB-2026-0042", "channel": "网络", "received_on": "2026-11-30",
		"applicant_name": "某某律师事务所", "applicant_type": "法律服务机构", "applicant_phone": "0475-8888888",
		"content": "某企业排污许可证副本。", "provide_form": "电子",
	}
	if st, _ := apiCall(t, "POST", url, "", good); st != 401 {
		t.Fatalf("no token: %d", st)
	}
	bad := map[string]any{"channel": "电话", "received_on": "2026-13-01", "applicant_name": "", "applicant_type": "公务员",
		"applicant_id_no": "123", "content": "", "provide_form": "短信", "section": "综合九股"}
	st, out := apiCall(t, "POST", url, token, bad)
	if st != 400 {
		t.Fatalf("bad fields: %d %v", st, out)
	}
	fields := map[string]bool{}
	for _, e := range out["errors"].([]any) {
		fields[e.(map[string]any)["field"].(string)] = true
	}
	for _, f := range []string{"channel", "received_on", "applicant_name", "applicant_type", "content", "provide_form", "section"} {
		if !fields[f] {
			t.Errorf("no error for %s: %v", f, out)
		}
	}
	// The outcome of an answered case is the import's, never the website's.
	if st, _ := apiCall(t, "POST", url, token, map[string]any{"channel": "网络", "outcome": "予以公开"}); st != 400 {
		t.Fatalf("outcome posted: %d", st)
	}
	st, out = apiCall(t, "POST", url, token, good)
	// Monday 2026-11-30 + 20 working days = Monday 2026-12-28.
	if st != 201 || out["number"] != "依申请〔2026〕1号" || out["state"] != "registered" || out["due_on"] != "2026-12-28" {
		t.Fatalf("create: %d %v", st, out)
	}
	st, again := apiCall(t, "POST", url, token, good)
	if st != 200 || again["number"] != "依申请〔2026〕1号" || again["ignored_fields"] != nil {
		t.Fatalf("repeat: %d %v", st, again)
	}
	// A repeat that changed something says what was not taken.
	changed := map[string]any{}
	for k, v := range good {
		changed[k] = v
	}
	changed["content"] = "另一份文件。"
	if st, got := apiCall(t, "POST", url, token, changed); st != 200 || fmt.Sprint(got["ignored_fields"]) != "[content]" || got["content"] != good["content"] {
		t.Fatalf("changed repeat: %d %v", st, got)
	}
	if st, got := apiCall(t, "GET", url+"/WEB-2026-0042", token, nil); st != 200 || got["number"] != "依申请〔2026〕1号" {
		t.Fatalf("get: %d %v", st, got)
	}
	for _, o := range []string{office1, office2} {
		d := c.card(o)
		if d.Card.Source.Desc != "依申请公开 · 待分办" || !strings.Contains(d.Card.QuoteArea.QuoteText, "网上申请") || len(d.Card.ButtonList) != 4 {
			t.Fatalf("%s: 分办 card %+v", o, d.Card)
		}
	}

	// The paper register of the year: a bad file writes nothing and names
	// every line; a good one is numbered in order of receipt.
	dir := t.TempDir()
	badFile := dir + "/bad.csv"
	writeFile(badFile, "channel,received_on,applicant_name,applicant_type,content,provide_form,outcome,reason,closed_on\n"+
		"当面,2026-03-02,王五,自然人,某项目环评批复,纸质,不予公开,属于国家秘密,2026-03-20\n"+
		"邮寄,2026-02-30,赵六,自然人,某文件,纸质,,,\n"+
		"平信,2026-04-01,钱七,商业企业,某文件,邮寄,无法提供,属于国家秘密,2026-04-10\n")
	var buf bytes.Buffer
	if err := run(context.Background(), []string{"import", "applications", badFile}, h.getenv, &buf, io.Discard); err == nil {
		t.Fatal("bad file imported")
	}
	for _, want := range []string{"bad.csv:3: received_on", "bad.csv:4: reason"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, buf.String())
		}
	}
	n, _ := storage.ApplicationCount(context.Background(), h.db)
	if n != 1 {
		t.Fatalf("%d applications after a bad file, want the API's 1", n)
	}
	goodFile := dir + "/good.csv"
	writeFile(goodFile, "\ufeffexternal_id,channel,received_on,applicant_name,applicant_type,applicant_id_no,content,provide_form,section,outcome,reason,closed_on\n"+
		"P-2,邮寄,2026-06-01,王五,自然人,,某项目验收意见,纸质,综合二股,,,\n"+
		"P-1,当面,2026-03-02,王五,自然人,11010519491231002X,某项目环评批复,纸质,,不予公开,属于国家秘密,2026-03-20\n")
	buf.Reset()
	if err := run(context.Background(), []string{"import", "applications", goodFile}, h.getenv, &buf, io.Discard); err != nil {
		t.Fatalf("import: %v\n%s", err, buf.String())
	}
	first, err := storage.ApplicationByExternal(context.Background(), h.db, "P-1")
	if err != nil || first.Seq != 2 || first.State != "closed" || first.Outcome != "withhold" || first.Reason != "withhold.state_secret" {
		t.Fatalf("P-1 (received first) = %+v, %v", first, err)
	}
	second, err := storage.ApplicationByExternal(context.Background(), h.db, "P-2")
	if err != nil || second.Seq != 3 || second.State != "dispatched" || second.Section != "综合二股" {
		t.Fatalf("P-2 = %+v, %v", second, err)
	}
	c.text(office1, "批量导入：2件已登记", "已办结1件")
	if acc := c.card(head2); !strings.Contains(acc.Card.MainTitle.Title, "依申请〔2026〕3号") {
		t.Fatalf("head2's 签收 card %q", acc.Card.MainTitle.Title)
	}
	buf.Reset()
	if err := run(context.Background(), []string{"import", "applications", goodFile}, h.getenv, &buf, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "0 applications registered, 2 already known") {
		t.Fatalf("re-import: %s", buf.String())
	}
}

// A 12345 order that is really a disclosure application is turned into
// one by the office in one step; the order is answered with the
// application's number and the registrar replies to 12345 as usual.
func TestOrderTurnedIntoApplication(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	ticket := "GD202611300007"
	// Received today: numbered in this year.
	no := storage.ApplicationNumber(time.Now().In(workflow.DefaultCalendar().Location()).Year(), 1)
	c.register(registrar, ticket, false, "r_1") // 综合一股
	disp := c.card(head)

	c.say(staff, "转为申请 "+ticket)
	c.text(staff, "由综合办公室办理")

	c.say(office1, "转为申请 "+ticket)
	c.text(office1, "将12345工单 "+ticket+" 转为政府信息公开申请")
	sum := c.card(office1)
	var fields []string
	for _, f := range sum.Card.HorizontalContentList {
		fields = append(fields, f.KeyName+"="+f.Value)
	}
	if got := strings.Join(fields, " "); !strings.Contains(got, "申请渠道=网络") || !strings.Contains(got, "获取方式 / 承办=电子 · 综合一股") {
		t.Fatalf("summary %s", got)
	}
	if sum.Card.MainTitle.Desc != "王先生 · 自然人" {
		t.Fatalf("summary title %q", sum.Card.MainTitle.Desc)
	}
	c.click(office1, sum, "app_submit")
	c.text(office1, "已登记 "+no)
	if r := c.card(office1); !strings.Contains(r.Card.MainTitle.Title, ticket) {
		t.Fatalf("office's reply card %q", r.Card.MainTitle.Title)
	}
	c.text(registrar, "新的政府信息公开申请（由12345工单转入）", no)
	c.text(registrar, "您登记的12345工单 "+ticket+" 已由陈立新转为政府信息公开申请（"+no+"）")
	reply := c.card(registrar)
	if acc := c.card(head); !strings.Contains(acc.Card.MainTitle.Title, no) {
		t.Fatalf("head's 签收 card %q", acc.Card.MainTitle.Title)
	}

	o := h.order(ticket)
	if o.State != "answered" || !strings.Contains(o.Answer, no) {
		t.Fatalf("order %s: %q", o.State, o.Answer)
	}
	a, err := storage.ApplicationByOrder(context.Background(), h.db, o.ID)
	if err != nil || a.Source != "order" || a.Channel != "网络" || a.ApplicantPhone != "13800138000" {
		t.Fatalf("application %+v, %v", a, err)
	}
	// The section head's 签收 card went stale with the conversion.
	c.clickAnyway(head, disp, "accept")
	c.text(head, "此卡片已失效")
	// A second conversion is refused; nothing is registered twice.
	c.say(office1, "转为申请 "+ticket)
	c.text(office1, "不能再转为政府信息公开申请")
	if n, _ := storage.ApplicationCount(context.Background(), h.db); n != 1 {
		t.Fatalf("%d applications, want 1", n)
	}
	c.click(registrar, reply, "replied")
	c.text(registrar, "已办结并回复12345")
	if o := h.order(ticket); o.State != "closed" {
		t.Fatalf("order after the reply: %s", o.State)
	}
	c.say(office1, "工单 "+ticket)
	c.text(office1, "陈立新将工单转为政府信息公开申请（"+no+"）办理。")
	c.say(office1, "申请 "+no)
	c.text(office1, "陈立新将12345工单 "+ticket+" 转为政府信息公开申请（网络）")
}

// The 信息处理费 (国办函〔2020〕109号): from an applicant's 11th application
// in a month, the register says what may be charged; the office decides.
func TestApplicationFeeCount(t *testing.T) {
	t.Parallel()
	const token = "api-token-for-tests-0123456789"
	h := newHarness(t, func(env map[string]string) { env["API_TOKEN"] = token })
	c := newCursor(h)
	for i := 1; i <= 11; i++ {
		st, out := apiCall(t, "POST", h.base+"/api/v1/applications", token, map[string]any{
			"external_id": fmt.Sprintf("FEE-%d", i), "channel": "网络", "received_on": fmt.Sprintf("2026-11-%02d", i+1),
			"applicant_name": "张三", "applicant_type": "自然人", "applicant_id_no": "11010519491231002X", "applicant_phone": "13800138000",
			"content": fmt.Sprintf("第%d份文件", i), "provide_form": "电子", "section": "综合一股",
		})
		if st != 201 {
			t.Fatalf("post %d: %d %v", i, st, out)
		}
	}
	// Another applicant's applications, and the same one's in another
	// month, do not count.
	for _, p := range []struct{ ext, name, id, on string }{{"FEE-X", "李四", "", "2026-11-20"}, {"FEE-Y", "张三", "11010519491231002X", "2026-10-30"}} {
		if st, out := apiCall(t, "POST", h.base+"/api/v1/applications", token, map[string]any{
			"external_id": p.ext, "channel": "网络", "received_on": p.on, "applicant_name": p.name, "applicant_type": "自然人",
			"applicant_id_no": p.id, "applicant_phone": "13900139000", "content": "某文件", "provide_form": "电子", "section": "综合一股",
		}); st != 201 {
			t.Fatalf("post %s: %d %v", p.ext, st, out)
		}
	}
	for range 13 {
		c.text(office1, "新的政府信息公开申请")
	}
	c.say(office1, "申请 依申请〔2026〕10号")
	if got := c.text(office1, "依申请〔2026〕10号"); strings.Contains(got, "信息处理费") {
		t.Fatalf("the 10th application of the month mentions a fee:\n%s", got)
	}
	c.say(office1, "申请 依申请〔2026〕11号")
	c.text(office1, "本件是张三在11月提交的第11件政府信息公开申请", "可收取信息处理费100元", "由综合办公室决定")
	c.say(office1, "申请 依申请〔2026〕12号")
	if got := c.text(office1, "李四"); strings.Contains(got, "信息处理费") {
		t.Fatalf("another applicant's application mentions a fee:\n%s", got)
	}
}
