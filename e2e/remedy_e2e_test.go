package e2e

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// TestRemediesRecordedInChatAndByAPI: the office records a 行政复议 and
// both kinds of 行政诉讼 against an application in chat (dates refused
// when before the receipt, the filing or after today; 取消; a second 确认
// and the same case typed again store nothing), records a result later
// (a result recorded twice is refused with who and when), and through the
// API (a retried post and a retried result record nothing twice); the
// lookup lists them, and table 四 counts them in their cells.
func TestRemediesRecordedInChatAndByAPI(t *testing.T) {
	t.Parallel()
	const token = "api-token-for-tests-0123456789"
	h := newHarness(t, func(env map[string]string) { env["API_TOKEN"] = token })
	c := newCursor(h)
	ctx := context.Background()
	ymd := func(d time.Time) string { return d.Format(time.DateOnly) }
	received := midnight().AddDate(0, 0, -40)
	st, out := apiCall(t, "POST", h.base+"/api/v1/applications", token, map[string]any{
		"external_id": "WEB-R1", "channel": "网络", "received_on": ymd(received), "applicant_name": "王五", "applicant_type": "自然人",
		"applicant_phone": "13800138000", "content": "某项目环境影响报告书。", "provide_form": "电子", "section": "综合一股",
	})
	if st != 201 {
		t.Fatalf("post application: %d %v", st, out)
	}
	no := out["number"].(string)
	y, seq, _ := workflow.ParseApplicationNumber(no)
	short := fmt.Sprintf("%d-%d", y, seq)
	c.text(office1, "新的政府信息公开申请")
	c.text(office2, "新的政府信息公开申请")
	c.card(head) // 待签收
	count := func() int {
		var n int
		if err := h.db.GetContext(ctx, &n, `SELECT count(*) FROM application_remedies`); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// Only the office records them; the others are told whom to tell.
	c.say(staff, "复议 "+no)
	c.text(staff, "由综合办公室登记", "陈立新、林晓燕")
	c.say(head, "复议结果 "+no)
	c.text(head, "由综合办公室登记")

	// A 复议, still pending: wrong days first.
	filed1 := midnight().AddDate(0, 0, -30)
	c.say(office1, "复议 "+no)
	c.text(office1, "登记 "+no+"（王五）的行政复议")
	c.text(office1, "第1步", "申请人申请行政复议的日期")
	c.say(office1, "2099-01-05")
	c.text(office1, "申请复议日期2099年1月5日晚于今天")
	c.text(office1, "第1步")
	c.say(office1, ymd(received.AddDate(0, 0, -1)))
	c.text(office1, "早于收到申请日期（"+dayWords(received)+"）")
	c.text(office1, "第1步")
	c.say(office1, ymd(filed1))
	c.text(office1, "申请复议日期："+dayWords(filed1))
	c.text(office1, "复议机关和案号")
	c.say(office1, "无")
	res := c.card(office1)
	if len(res.Card.ButtonList) != 4 {
		t.Fatalf("result card %+v", res.Card.ButtonList)
	}
	c.click(office1, res, "r_3") // 尚未审结
	sum := c.card(office1)
	if got := fieldsOf(sum); !strings.Contains(got, "申请复议日期="+dayWords(filed1)) || !strings.Contains(got, "结果=尚未审结") ||
		!strings.Contains(sum.Card.SubTitleText, strconv.Itoa(filed1.Year())+"年度报告表四：行政复议 · 尚未审结") || sum.Card.ButtonList[0].Text != "确认" {
		t.Fatalf("summary %s / %s / %+v", got, sum.Card.SubTitleText, sum.Card.ButtonList)
	}
	c.click(office1, sum, "rem_submit")
	c.text(office1, "已登记 "+no+" 的行政复议："+dayWords(filed1)+"提起，尚未审结", "复议结果 "+no)
	// A second 确认 (the card clicked again, the word typed) stores nothing.
	// (The same click within the same second is WeCom's own repeat, which
	// the inbox drops; a later one finds the conversation over.)
	c.clickAnyway(office1, sum, "rem_submit")
	time.Sleep(1100 * time.Millisecond)
	c.clickAnyway(office1, sum, "rem_submit")
	c.text(office1, chat.MsgCardExpired)
	c.say(office1, "确认")
	// The first repeat is WeCom's own only when it lands within the click's
	// second; on a loaded machine it may not, and is answered as expired.
	if m := c.text(office1); strings.Contains(m, chat.MsgCardExpired) {
		c.text(office1, "没有理解")
	} else if !strings.Contains(m, "没有理解") {
		t.Fatalf("确认 typed after the summary: %q, want 没有理解", m)
	}
	// 诉讼结果 with only a 复议 recorded: no 诉讼 to record a result on,
	// how to record one, and the 复议's own word; the 复议 is not offered.
	c.say(office1, "诉讼结果 "+no)
	if m := c.text(office1, no+" 没有登记过行政诉讼", "「诉讼 "+no+"」", "行政复议："+dayWords(filed1)+"提起", "「复议结果 "+no+"」"); strings.Contains(m, "请回复") {
		t.Fatalf("诉讼结果 without a 诉讼 offered a case: %q", m)
	}
	if n := count(); n != 1 {
		t.Fatalf("%d cases after a double 确认", n)
	}
	// The same case typed again, by the short number: refused with who and when.
	c.say(office2, "复议 "+short)
	c.text(office2, "的行政复议")
	c.text(office2, "第1步")
	c.say(office2, ymd(filed1))
	c.text(office2, "申请复议日期")
	c.text(office2, "复议机关和案号")
	c.say(office2, "跳过")
	c.click(office2, c.card(office2), "r_3")
	c.click(office2, c.card(office2), "rem_submit")
	c.text(office2, "已于"+dayWords(today()), "由陈立新登记，未重复登记")
	// 取消 drops a conversation.
	c.say(office2, "复议 "+no)
	c.text(office2, "的行政复议")
	c.text(office2, "第1步")
	c.say(office2, "取消")
	c.text(office2, "已取消，未登记")
	if n := count(); n != 1 {
		t.Fatalf("%d cases after a repeat and a 取消", n)
	}

	// A suit brought directly, decided already, confirmed by typing 确认.
	filed2, decided2 := midnight().AddDate(0, 0, -20), midnight().AddDate(0, 0, -10)
	c.say(office1, "诉讼 "+no)
	c.text(office1, "的行政诉讼")
	kind := c.card(office1)
	c.click(office1, kind, "r_0") // 未经复议直接起诉
	c.text(office1, "向人民法院起诉的日期")
	c.say(office1, ymd(filed2))
	c.text(office1, "起诉日期："+dayWords(filed2))
	c.text(office1, "人民法院和案号")
	c.say(office1, "某区人民法院 （2026）某0102行初5号")
	c.click(office1, c.card(office1), "r_1") // 纠正
	c.text(office1, "请输入裁判日期")
	c.say(office1, ymd(filed2.AddDate(0, 0, -1)))
	c.text(office1, "早于起诉日期（"+dayWords(filed2)+"）")
	c.text(office1, "裁判日期")
	c.say(office1, "明天")
	c.text(office1, "晚于今天")
	c.text(office1, "裁判日期")
	c.say(office1, ymd(decided2))
	c.text(office1, "裁判日期："+dayWords(decided2))
	sum2 := c.card(office1)
	if got := fieldsOf(sum2); !strings.Contains(got, "复议机关/法院=某区人民法院") || !strings.Contains(got, "结果=结果纠正") {
		t.Fatalf("suit summary %s", got)
	}
	c.say(office1, "确认")
	c.text(office1, "已登记 "+no+" 的行政诉讼（未经复议直接起诉）："+dayWords(filed2)+"提起，结果纠正（"+dayWords(decided2)+"）")

	// A suit after review, pending, by the other office member.
	filed3 := midnight().AddDate(0, 0, -25)
	c.say(office2, "诉讼 "+short)
	c.text(office2, "的行政诉讼")
	c.click(office2, c.card(office2), "r_1") // 复议后起诉
	c.text(office2, "起诉的日期")
	c.say(office2, ymd(filed3))
	c.text(office2, "起诉日期")
	c.text(office2, "人民法院和案号")
	c.say(office2, "无")
	c.click(office2, c.card(office2), "r_3")
	c.click(office2, c.card(office2), "rem_submit")
	c.text(office2, "已登记 "+no+" 的行政诉讼（复议后起诉）", "表四：行政诉讼（复议后起诉） · 尚未审结", "「诉讼结果 "+no+"」")

	// The result of the 复议: two are pending, chosen by number. 林晓燕
	// begins the same at once; 陈立新 confirms first.
	decided1 := midnight().AddDate(0, 0, -5)
	pickResult := func(user string) {
		c.say(user, "复议诉讼结果 "+no)
		c.text(user, "登记 "+no+" 的复议或诉讼结果")
		c.text(user, "有2件尚未审结", "1 行政复议，"+dayWords(filed1), "2 行政诉讼（复议后起诉），"+dayWords(filed3))
		c.say(user, "3")
		c.text(user, "请回复 1 到 2 的序号")
		c.text(user, "有2件尚未审结")
		c.say(user, "1")
		rc := c.card(user)
		if len(rc.Card.ButtonList) != 3 {
			t.Fatalf("%s: result card %+v", user, rc.Card.ButtonList)
		}
		c.click(user, rc, "r_0") // 维持
		c.text(user, "请输入复议决定日期")
		c.say(user, ymd(filed1.AddDate(0, 0, -1)))
		c.text(user, "早于申请复议日期")
		c.text(user, "复议决定日期")
		c.say(user, ymd(decided1))
		c.text(user, "复议决定日期："+dayWords(decided1))
	}
	pickResult(office1)
	pickResult(office2)
	r1 := c.card(office1)
	r2 := c.card(office2)
	c.click(office1, r1, "rem_submit")
	c.text(office1, "已登记 "+no+" 的行政复议（"+dayWords(filed1)+"提起）的结果：结果维持，复议决定日期"+dayWords(decided1))
	c.click(office2, r2, "rem_submit")
	c.text(office2, "结果已登记为结果维持", "登记人陈立新，"+dayWords(today()), "未重复登记")

	// The lookup lists them; the 办理过程 has each step.
	c.say(office1, "申请 "+no)
	c.text(office1, "行政复议、行政诉讼：", "· 行政复议："+dayWords(filed1)+"提起，结果维持（"+dayWords(decided1)+"）",
		"· 行政诉讼（未经复议直接起诉）："+dayWords(filed2)+"提起，结果纠正", "某区人民法院", "· 行政诉讼（复议后起诉）："+dayWords(filed3)+"提起，尚未审结",
		"陈立新登记申请人就本申请提起的行政复议（"+dayWords(filed1)+"提起），尚未审结", "陈立新登记行政复议的结果：结果维持",
		"林晓燕登记申请人就本申请提起的行政诉讼（复议后起诉）")

	// The API.
	base := h.base + "/api/v1/applications/" + url.PathEscape(no) + "/remedies"
	filed4 := midnight().AddDate(0, 0, -3)
	good := map[string]any{"client_key": "OA-7", "kind": "review", "filed_on": ymd(filed4), "note": "某区人民政府", "recorded_by": office2}
	if st, _ := apiCall(t, "POST", base, "", good); st != 401 {
		t.Fatalf("no token: %d", st)
	}
	st, out = apiCall(t, "POST", base, token, map[string]any{"kind": "诉讼", "filed_on": "2026-13-01", "result": "维持", "recorded_by": staff})
	if st != 400 {
		t.Fatalf("bad fields: %d %v", st, out)
	}
	fields := map[string]string{}
	for _, e := range out["errors"].([]any) {
		fields[e.(map[string]any)["field"].(string)] = e.(map[string]any)["message"].(string)
	}
	for _, f := range []string{"client_key", "kind", "filed_on", "decided_on", "recorded_by"} {
		if fields[f] == "" {
			t.Errorf("no error for %s: %v", f, out)
		}
	}
	if !strings.Contains(fields["recorded_by"], "综合办公室") {
		t.Errorf("recorded_by: %q", fields["recorded_by"])
	}
	early := map[string]any{"client_key": "OA-8", "kind": "suit_direct", "filed_on": ymd(received.AddDate(0, 0, -1)), "recorded_by": office2}
	if st, out := apiCall(t, "POST", base, token, early); st != 400 || !strings.Contains(fmt.Sprint(out), "早于收到申请日期") {
		t.Fatalf("filed before receipt: %d %v", st, out)
	}
	if st, out := apiCall(t, "POST", base, token, map[string]any{"client_key": "OA-9", "kind": "review", "filed_on": ymd(filed4), "recorded_by": office2, "bogus": "x"}); st != 400 {
		t.Fatalf("unknown field: %d %v", st, out)
	}
	if st, _ := apiCall(t, "POST", h.base+"/api/v1/applications/"+url.PathEscape(storage.ApplicationNumber(y, 99))+"/remedies", token, good); st != 404 {
		t.Fatalf("unknown application: %d", st)
	}
	st, out = apiCall(t, "POST", base, token, good)
	if st != 201 || out["result"] != "pending" || out["application"] != no || out["kind_label"] != "行政复议" {
		t.Fatalf("record: %d %v", st, out)
	}
	id := int64(out["id"].(float64))
	if st, again := apiCall(t, "POST", base, token, good); st != 200 || int64(again["id"].(float64)) != id || again["ignored_fields"] != nil {
		t.Fatalf("retry: %d %v", st, again)
	}
	changed := map[string]any{}
	for k, v := range good {
		changed[k] = v
	}
	changed["note"] = "另一个机关"
	if st, again := apiCall(t, "POST", base, token, changed); st != 200 || fmt.Sprint(again["ignored_fields"]) != "[note]" || again["note"] != "某区人民政府" {
		t.Fatalf("changed retry: %d %v", st, again)
	}
	changed["client_key"], changed["note"] = "OA-10", "某区人民政府"
	if st, again := apiCall(t, "POST", base, token, changed); st != 409 || !strings.Contains(fmt.Sprint(again["error"]), "未重复登记") {
		t.Fatalf("same case, another key: %d %v", st, again)
	}
	result := fmt.Sprintf("%s/%d/result", base, id)
	decided4 := ymd(midnight())
	if st, out := apiCall(t, "POST", result, token, map[string]any{"result": "pending", "decided_on": decided4, "recorded_by": office2}); st != 400 {
		t.Fatalf("pending as a result: %d %v", st, out)
	}
	if st, out := apiCall(t, "POST", result, token, map[string]any{"result": "other", "decided_on": ymd(filed4.AddDate(0, 0, -1)), "recorded_by": office2}); st != 400 ||
		!strings.Contains(fmt.Sprint(out), "早于申请复议日期") {
		t.Fatalf("decided before filed: %d %v", st, out)
	}
	if st, _ := apiCall(t, "POST", fmt.Sprintf("%s/%d/result", base, id+1000), token, map[string]any{"result": "other", "decided_on": decided4, "recorded_by": office2}); st != 404 {
		t.Fatalf("unknown case: %d", st)
	}
	done := map[string]any{"result": "其他", "decided_on": decided4, "recorded_by": office2}
	if st, out := apiCall(t, "POST", result, token, done); st != 200 || out["result"] != "other" || out["decided_by"] != office2 {
		t.Fatalf("result: %d %v", st, out)
	}
	if st, out := apiCall(t, "POST", result, token, done); st != 200 || out["result"] != "other" {
		t.Fatalf("retried result: %d %v", st, out)
	}
	if st, out := apiCall(t, "POST", result, token, map[string]any{"result": "upheld", "decided_on": decided4, "recorded_by": office1}); st != 409 ||
		!strings.Contains(fmt.Sprint(out["error"]), "结果已登记为其他结果") || !strings.Contains(fmt.Sprint(out["error"]), "林晓燕") {
		t.Fatalf("another result: %d %v", st, out)
	}
	st, out = apiCall(t, "GET", base, token, nil)
	if st != 200 || len(out["remedies"].([]any)) != 4 {
		t.Fatalf("list: %d %v", st, out)
	}
	if n := count(); n != 4 {
		t.Fatalf("%d cases stored, want 4", n)
	}

	// Table 四 of each year a case was brought counts it in its cell: the
	// result as of that year's end (a case decided the next year is still
	// 尚未审结 in it).
	type kase struct {
		kind, result   string
		filed, decided time.Time
	}
	cases := []kase{
		{workflow.Review, workflow.ResultUpheld, filed1, decided1},
		{workflow.SuitDirect, workflow.ResultCorrected, filed2, decided2},
		{workflow.SuitAfterReview, workflow.ResultPending, filed3, time.Time{}},
		{workflow.Review, workflow.ResultOther, filed4, midnight()},
	}
	want := map[int]workflow.Table4{}
	for _, k := range cases {
		y := k.filed.Year()
		if want[y] == nil {
			want[y] = workflow.Table4{}
		}
		r := k.result
		if k.decided.IsZero() || k.decided.Year() > y {
			r = workflow.ResultPending
		}
		g := want[y][k.kind]
		g[slicesIndex(workflow.ReviewResults(), r)]++
		g[workflow.ReviewTotal]++
		want[y][k.kind] = g
	}
	for year, w := range want {
		tab, err := storage.AnnualReportTables(ctx, h.db, year)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(tab.T4.Cells()) != fmt.Sprint(w.Cells()) {
			t.Errorf("table 四 of %d: %v, want %v", year, tab.T4.Cells(), w.Cells())
		}
		if chk := workflow.CheckTables(tab.T3, tab.T4); !chk.OK() {
			t.Errorf("checks of %d: %v", year, chk.Problems)
		}
	}
}

func slicesIndex(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}
