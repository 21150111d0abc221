package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

const (
	registrar = office2   // 林晓燕 registers the orders in these tests
	head2     = "yangfan" // 杨帆, head of 综合二股
	head3     = "wumin"   // 吴敏, head of 环境监察室
)

// register plays the 登记12345 conversation for user and returns after the
// registrar's confirmation. section is the index of the section's button.
func (c *cursor) register(user, ticket string, urgent bool, sectionKey string) {
	c.h.t.Helper()
	c.registerDue(user, ticket, urgent, sectionKey, "默认")
}

// registerDue is register with due typed as the 办理时限; a date is said
// back before the next question.
func (c *cursor) registerDue(user, ticket string, urgent bool, sectionKey, due string) {
	c.h.t.Helper()
	c.say(user, "登记")
	c.text(user, "登记12345转办工单")
	c.text(user, "第1/10步")
	c.say(user, ticket)
	cat := c.card(user)
	c.click(user, cat, "r_2") // 投诉
	c.text(user, "第3/10步")
	c.say(user, "某企业夜间排放刺鼻气体，影响周边居民。")
	c.text(user, "第4/10步")
	c.say(user, "开发区某路口")
	c.text(user, "第5/10步")
	c.say(user, "王先生")
	c.text(user, "第6/10步")
	c.say(user, "13800138000")
	urg := c.card(user)
	key := "r_0"
	if urgent {
		key = "r_1"
	}
	c.click(user, urg, key)
	c.text(user, "第8/10步")
	c.say(user, "现在")
	c.text(user, "第9/10步")
	c.say(user, due)
	if due != "默认" {
		c.text(user, "办理时限：")
	}
	sec := c.card(user)
	c.click(user, sec, sectionKey)
	sum := c.card(user)
	if !strings.Contains(sum.Card.MainTitle.Title, ticket) {
		c.h.t.Fatalf("summary card %q", sum.Card.MainTitle.Title)
	}
	c.click(user, sum, "reg_submit")
	c.text(user, "已登记12345工单 "+ticket)
}

func (h *harness) order(ticket string) *storage.Order {
	h.t.Helper()
	c, err := storage.OrderByTicket(context.Background(), h.db, ticket)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

func TestOrderFullCycleWithReopening(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	ticket := "GD202611280001"
	c.register(registrar, ticket, false, "r_1") // 综合一股

	disp := c.card(head)
	if !strings.Contains(disp.Card.MainTitle.Title, ticket) || len(disp.Card.ButtonList) != 3 {
		t.Fatalf("dispatch card %+v", disp.Card.MainTitle)
	}
	// Someone else cannot act on it.
	c.clickAnyway(staff2, disp, "accept")
	c.text(staff2, "不是该工单此环节的办理人")

	c.click(head, disp, "accept")
	c.text(registrar, "已签收")
	assign := c.card(head)
	c.click(head, assign, "h_"+staff)
	c.text(head, "已指定李娜办理")
	c.text(registrar, "已指定李娜办理")
	handle := c.card(staff)
	if o := h.order(ticket); o.State != "assigned" || o.Handler != staff {
		t.Fatalf("order %s/%s", o.State, o.Handler)
	}

	c.click(staff, handle, "finish")
	c.text(staff, "请输入答复内容")
	c.say(staff, "经现场核查，该企业废气处理设施故障，已责令停产整改。")
	c.text(staff, "核查结果")
	c.say(staff, "差不多")
	c.text(staff, "核查结果应为")
	c.say(staff, "属实")
	c.text(staff, "处理措施")
	c.say(staff, "责令停产整改，处罚款。")
	c.text(staff, "已办结")
	c.text(registrar, "已由李娜办结", "核查结果：属实")
	reply := c.card(registrar)
	officeReply := c.card(office1) // the office holds a copy of the 已回复12345 card
	o := h.order(ticket)
	if o.State != "answered" || !o.AnsweredAt.Valid || o.Answer == "" {
		t.Fatalf("after 办结: %+v", o)
	}

	c.click(registrar, reply, "replied")
	c.text(registrar, "已办结并回复12345")
	c.text(staff, "已回复12345")
	waitUpdated(t, h, office1, officeReply.Card.TaskID, "已回复12345")
	visit := c.card(registrar)
	c.click(registrar, visit, "v_2") // 不满意
	c.text(registrar, "不满意的原因")
	c.say(registrar, "异味仍未消除。")
	c.text(registrar, "不满意", "重新办理（第1次重办）")
	c.text(staff, "回访不满意", "异味仍未消除")
	again := c.card(staff)
	// The reopening starts a new round: its 回访 is still to come.
	if o := h.order(ticket); o.State != "assigned" || o.ReopenCount != 1 || o.Visit != "" || o.Handler != staff {
		t.Fatalf("after 不满意: %s reopen %d visit %q handler %s", o.State, o.ReopenCount, o.Visit, o.Handler)
	}
	// The handle card from before the reopening is dead. (A second later:
	// within the same second WeCom's own repeat is ignored silently.)
	time.Sleep(1100 * time.Millisecond)
	c.clickAnyway(staff, handle, "finish")
	c.text(staff, "已失效")
	c.click(staff, again, "finish")
	c.text(staff, "答复内容")

	// The registrar sees the whole timeline.
	c.say(staff, "取消")
	c.text(staff, "已取消办结")
	c.say(registrar, "工单 "+ticket)
	c.text(registrar, "登记", "签收", "张伟指定李娜为承办人", "办结", "林晓燕已将办理结果回复12345。", "回访来电人，结果：不满意", "13800138000", "重办次数：1")
}

func TestOrderTransferAndReturn(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	ticket := "GD202611280002"
	c.register(registrar, ticket, true, "r_1")
	o := h.order(ticket)
	if !o.Urgent || o.DueAt.Sub(o.ReceivedAt) != 24*time.Hour {
		t.Fatalf("urgent order due %v after receipt, want 24h", o.DueAt.Sub(o.ReceivedAt))
	}
	disp := c.card(head)
	c.click(head, disp, "transfer")
	tr := c.card(head)
	c.click(head, tr, "to_2") // 综合二股
	c.text(head, "转办至综合二股的理由")
	c.say(head, "属于综合二股职责。")
	c.text(head, "已将工单")
	c.text(registrar, "转办至综合二股", "属于综合二股职责")
	disp2 := c.card(head2)
	if o := h.order(ticket); o.Section != "综合二股" || o.State != "dispatched" {
		t.Fatalf("after 转办: %s %s", o.Section, o.State)
	}
	c.clickAnyway(head, disp, "accept") // the first head's card is dead now
	c.text(head, "已失效")

	c.click(head2, disp2, "return")
	c.text(head2, "退回工单")
	c.say(head2, "信息不全，无法核查。")
	c.text(head2, "已将工单")
	c.text(registrar, "被杨帆（综合二股）退回", "信息不全")
	ret := c.card(registrar)
	if o := h.order(ticket); o.State != "returned" {
		t.Fatalf("after 退回: %s", o.State)
	}
	c.click(registrar, ret, "to_3") // 环境监察室
	c.text(registrar, "派发至环境监察室")
	c.card(head3)
	if o := h.order(ticket); o.Section != "环境监察室" || o.State != "dispatched" {
		t.Fatalf("after re-dispatch: %s %s", o.Section, o.State)
	}
}

func TestOrderExtensionApprovedAndRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	ticket := "GD202611280003"
	c.register(registrar, ticket, false, "r_1")
	c.click(head, c.card(head), "accept")
	c.text(registrar, "已签收")
	c.click(head, c.card(head), "h_"+head)
	c.text(registrar, "已指定张伟办理")
	handle := c.card(head)
	due0 := h.order(ticket).DueAt

	c.click(head, handle, "extend")
	c.text(head, "延期理由")
	c.say(head, "需要第三方检测报告。")
	c.text(head, "延至的日期")
	c.say(head, "2020-01-01")
	c.text(head, "2020年1月1日已过")
	c.say(head, "明天") // ahead, but not beyond the 15 working days of a 投诉
	c.text(head, "应晚于当前时限")
	// At most OrderMaxExtensionDays working days past the 时限.
	limit, err := workflow.OrderExtensionLimit(workflow.DefaultCalendar(), due0)
	if err != nil {
		t.Fatal(err)
	}
	limitText := workflow.FormatDate(limit, businessLocation())
	c.say(head, limit.AddDate(0, 0, 1).Format(time.DateOnly))
	c.text(head, "超出可延期的范围", "最多延长15个工作日，即"+limitText+"前")
	c.say(head, limit.Format(time.DateOnly))
	c.text(head, "已提交办公室审核：延至"+limitText+"前")
	c.text(registrar, "申请延期")
	c.text(office1, "申请将12345工单")
	ext1 := c.card(office1)
	c.card(office2)
	if !h.order(ticket).DueAt.Equal(due0) {
		t.Fatal("the due date moved before the office decided")
	}
	c.click(office1, ext1, "ext_yes")
	c.text(head, "同意延期", "延至"+limitText+"前")
	c.text(registrar, "同意延期")
	c.text(office1, "已同意延期")
	due1 := h.order(ticket).DueAt
	if !due1.Equal(limit) {
		t.Fatalf("due after approval %v", due1)
	}

	// The handle card still works. (Wait a second: the same click within
	// one second is, for WeCom, the same event.)
	time.Sleep(1100 * time.Millisecond)
	c.click(head, handle, "extend")
	c.text(head, "延期理由")
	c.say(head, "再延一周。")
	c.text(head, "延至的日期")
	c.say(head, due1.AddDate(0, 0, 7).Format(time.DateOnly))
	c.text(head, "已提交办公室审核")
	c.text(registrar, "申请延期")
	c.text(office1, "申请将12345工单")
	ext2 := c.card(office1)
	c.card(office2)
	c.clickAnyway(office1, ext1, "ext_yes") // the first request's card is stale
	c.text(office1, "已失效")
	c.click(office1, ext2, "ext_no")
	c.text(head, "不同意延期")
	if !h.order(ticket).DueAt.Equal(due1) {
		t.Fatal("a refused extension moved the due date")
	}
}

func TestOrderChatRefusalsAndMasking(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	c.say(registrar, "登记")
	c.text(registrar, "登记12345")
	c.text(registrar, "第1/10步")
	c.say(registrar, "GD-0004")
	category := c.card(registrar)
	waitRecorded(t, h, category)
	c.say(registrar, "政府信息公开申请")
	c.text(registrar, "不属于12345诉求", "依申请公开")
	c.say(registrar, "取消") // no second card came: the first is still live, and closes
	c.text(registrar, "已取消登记")
	waitUpdated(t, h, registrar, category.Card.TaskID, "已取消")

	ticket := "GD202611280005"
	c.register(registrar, ticket, false, "r_1")
	c.card(head)
	// A second registration of the same 工单号 shows the order instead.
	c.say(office1, "登记")
	c.text(office1, "登记12345")
	c.text(office1, "第1/10步")
	c.say(office1, ticket)
	c.text(office1, "已登记过")
	c.text(office1, "12345工单 "+ticket)
	var n int
	h.db.GetContext(context.Background(), &n, `SELECT count(*) FROM orders`)
	if n != 1 {
		t.Fatalf("%d orders, want 1", n)
	}
	// Contact details: full for the registrar, masked for an uninvolved member.
	c.say(staff2, "工单 "+ticket)
	if got := c.text(staff2, "138****8000"); strings.Contains(got, "13800138000") {
		t.Fatalf("unmasked for an uninvolved member: %q", got)
	}
	c.say(registrar, "工单 "+ticket)
	c.text(registrar, "13800138000")
	c.say(staff2, "超期工单")
	c.text(staff2, "仅向办公室")
	c.say(office1, "统计")
	c.text(office1, "受理1件", "处理率0.0%", "综合一股")
}

func apiCall(t *testing.T, method, url, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestOrderAPI(t *testing.T) {
	t.Parallel()
	const token = "api-token-for-tests-0123456789"
	h := newHarness(t, func(env map[string]string) { env["API_TOKEN"] = token })
	c := newCursor(h)
	url := h.base + "/api/v1/orders"
	good := map[string]any{
		"ticket_no": "API-0001", "category": "举报", "content": "河道有排污口。", "location": "某河段",
		"caller_name": "李女士", "caller_phone": "0475-8888888", "urgency": "normal",
		"received_at": "2026-11-27T10:00:00+08:00", "section": "环境监察室", "openid": "o-follower-1",
	}
	if st, _ := apiCall(t, "POST", url, "", good); st != 401 {
		t.Fatalf("no token: %d", st)
	}
	if st, _ := apiCall(t, "POST", url, "wrong-token-wrong-token", good); st != 401 {
		t.Fatalf("wrong token: %d", st)
	}
	bad := map[string]any{"ticket_no": "bad no!", "category": "政府信息公开申请", "content": "", "caller_phone": "12345", "section": "综合三股", "urgency": "very"}
	st, out := apiCall(t, "POST", url, token, bad)
	if st != 400 {
		t.Fatalf("bad fields: %d", st)
	}
	fields := map[string]bool{}
	for _, e := range out["errors"].([]any) {
		fields[e.(map[string]any)["field"].(string)] = true
	}
	for _, f := range []string{"ticket_no", "category", "content", "caller_phone", "section", "urgency"} {
		if !fields[f] {
			t.Errorf("no error for %s: %v", f, out)
		}
	}
	if st, _ := apiCall(t, "POST", url, token, map[string]any{"ticket_no": "X", "surprise": 1}); st != 400 {
		t.Fatalf("unknown field: %d", st)
	}
	st, out = apiCall(t, "POST", url, token, good)
	if st != 201 || out["state"] != "dispatched" || out["section"] != "环境监察室" {
		t.Fatalf("create: %d %v", st, out)
	}
	// 举报 received Friday 2026-11-27: 15 working days → 2026-12-18.
	if due := out["due_at"].(string); !strings.HasPrefix(due, "2026-12-18T23:59:59") {
		t.Fatalf("due_at %s, want 2026-12-18 end of day", due)
	}
	c.card(head3)
	c.text(office1, "已由系统登记", "首问责任人") // the default registrar: first office member
	st, out = apiCall(t, "POST", url, token, good)
	if st != 200 || out["ticket_no"] != "API-0001" {
		t.Fatalf("repeat: %d %v", st, out)
	}
	c.none(head3)
	if st, out = apiCall(t, "GET", url+"/API-0001", token, nil); st != 200 || out["category"] != "举报" {
		t.Fatalf("get: %d %v", st, out)
	}
	if st, _ = apiCall(t, "GET", url+"/NOPE", token, nil); st != 404 {
		t.Fatalf("get unknown: %d", st)
	}

	// The path of before the rename still answers, and says it is deprecated.
	req, err := http.NewRequest("GET", h.base+"/api/v1/complaints/API-0001", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var old map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&old); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || old["ticket_no"] != "API-0001" {
		t.Fatalf("deprecated path: %d %v", resp.StatusCode, old)
	}
	if d, l := resp.Header.Get("Deprecation"), resp.Header.Get("Link"); !strings.HasPrefix(d, "@") || !strings.Contains(l, "/api/v1/orders") {
		t.Fatalf("deprecated path's headers: Deprecation %q, Link %q", d, l)
	}
}

func TestOrderAPIOffWithoutToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if st, _ := apiCall(t, "POST", h.base+"/api/v1/orders", "anything", map[string]any{}); st != 404 {
		t.Fatalf("API without API_TOKEN: %d, want 404", st)
	}
}

func TestOrderCSVImport(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := dir + "/" + name
		if err := writeFile(p, body); err != nil {
			t.Fatal(err)
		}
		return p
	}
	badFile := write("bad.csv", "ticket_no,category,content,section,caller_phone\n"+
		"CSV-1,投诉,噪声扰民,综合一股,13800138000\n"+
		"CSV-2,政府信息公开申请,要求公开文件,综合一股,\n"+
		"CSV-3,咨询,,综合九股,123\n"+
		"CSV-1,建议,重复的工单号,综合一股,\n")
	var out bytes.Buffer
	err := run(context.Background(), []string{"import", "orders", badFile}, h.getenv, &out, io.Discard)
	if err == nil {
		t.Fatal("import of a bad file succeeded")
	}
	for _, want := range []string{"bad.csv:3: category", "bad.csv:4: content", "bad.csv:4: caller_phone", "bad.csv:4: section", "bad.csv:5: ticket_no CSV-1 repeats line 2"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	var n int
	h.db.GetContext(context.Background(), &n, `SELECT count(*) FROM orders`)
	if n != 0 {
		t.Fatalf("%d orders written from a file with bad rows", n)
	}

	goodFile := write("good.csv", "\ufeffticket_no,category,content,section,urgency,registrar\n"+
		"CSV-10,投诉,噪声扰民,综合一股,normal,linxiaoyan\n"+
		"CSV-11,咨询,排污许可办理流程,综合二股,urgent,linxiaoyan\n")
	out.Reset()
	// The command's old name still works.
	if err := run(context.Background(), []string{"import", "complaints", goodFile, "--dry-run"}, h.getenv, &out, io.Discard); err != nil {
		t.Fatalf("dry run: %v\n%s", err, out.String())
	}
	h.db.GetContext(context.Background(), &n, `SELECT count(*) FROM orders`)
	if n != 0 || !strings.Contains(out.String(), "2 rows are good") {
		t.Fatalf("dry run wrote %d orders: %s", n, out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"import", "orders", goodFile}, h.getenv, &out, io.Discard); err != nil {
		t.Fatalf("import: %v\n%s", err, out.String())
	}
	h.db.GetContext(context.Background(), &n, `SELECT count(*) FROM orders`)
	if n != 2 {
		t.Fatalf("%d orders after import, want 2", n)
	}
	c.card(head)
	c.card(head2)
	out.Reset()
	if err := run(context.Background(), []string{"import", "orders", goodFile}, h.getenv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "0 orders registered, 2 already known") {
		t.Fatalf("re-import: %s", out.String())
	}
	c.none(head)
}

func writeFile(path, body string) error { return os.WriteFile(path, []byte(body), 0o600) }
