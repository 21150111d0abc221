package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/notices"
	"github.com/zwgk-bot/zwgk/sandbox"
)

const mpAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

// withMP gives a harness a sandbox 公众号: its API for the bot, its
// followers posting to the bot's /mp/callback (in safe mode when safe).
func withMP(t *testing.T, safe bool, out **sandbox.MP) func(env map[string]string) {
	return func(env map[string]string) {
		sb := sandbox.New()
		sb.RetryDelay = 50 * time.Millisecond
		mp, err := sb.AddMP(sandbox.MPConfig{
			AppID: "wxe2etest", Secret: "mp-secret", Token: "mptoken", EncodingAESKey: mpAESKey,
			CallbackURL: "http://" + env["HTTP_ADDR"] + "/mp/callback", SafeMode: safe,
			Templates: []string{"tpl-notice", "tpl-answer"},
		})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(mp.Handler())
		t.Cleanup(srv.Close)
		env["MP_APP_ID"] = "wxe2etest"
		env["MP_APP_SECRET"] = "mp-secret"
		env["MP_TOKEN"] = "mptoken"
		env["MP_API_BASE"] = srv.URL
		env["MP_TEMPLATE_ID"] = "tpl-notice"
		if safe {
			env["MP_AES_KEY"] = mpAESKey
		}
		*out = mp
	}
}

// mpWait waits for openid to have n messages from the 公众号.
func mpWait(t *testing.T, mp *sandbox.MP, openid string, n int) []sandbox.MPReceived {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := mp.WaitReceived(ctx, openid, n)
	if err != nil {
		t.Fatalf("%s received %d messages from the 公众号, want %d: %v", openid, len(got), n, err)
	}
	return got
}

// mpQuiet checks that openid receives nothing beyond n for a moment.
func mpQuiet(t *testing.T, mp *sandbox.MP, openid string, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if got, _ := mp.WaitReceived(ctx, openid, n+1); len(got) > n {
		t.Fatalf("%s received %d messages, want %d: last %+v", openid, len(got), n, got[len(got)-1])
	}
}

func mpDo(t *testing.T, what string, do func(context.Context) (int, error)) {
	t.Helper()
	if st, err := do(context.Background()); err != nil || st != http.StatusOK {
		t.Fatalf("%s: status %d, %v", what, st, err)
	}
}

// TestPublishedFormReachesEverySubscriber publishes a form with
// “双微”公众号 through the whole approval flow: every subscriber of the
// 公众号 receives the notice, and nobody else does.
func TestPublishedFormReachesEverySubscriber(t *testing.T) {
	t.Parallel()
	var mp *sandbox.MP
	h := newHarness(t, withMP(t, false, &mp))

	s1, s2, n1, u1 := mp.Follower("oSub1"), mp.Follower("oSub2"), mp.Follower("oFollowerOnly"), mp.Follower("oLeft")
	mpDo(t, "s1 follows", s1.Follow)
	mpDo(t, "s1 subscribes", func(ctx context.Context) (int, error) { return s1.SendText(ctx, "订阅") })
	mpDo(t, "s2 follows", s2.Follow)
	mpDo(t, "s2 clicks 订阅", func(ctx context.Context) (int, error) { return s2.ClickMenu(ctx, notices.MenuSubscribe) })
	mpDo(t, "n1 follows", n1.Follow)
	mpDo(t, "u1 follows", u1.Follow)
	mpDo(t, "u1 subscribes", func(ctx context.Context) (int, error) { return u1.SendText(ctx, "订阅") })
	mpDo(t, "u1 unsubscribes", func(ctx context.Context) (int, error) { return u1.SendText(ctx, "退订") })
	for o, n := range map[string]int{"oSub1": 2, "oSub2": 2, "oFollowerOnly": 1, "oLeft": 3} {
		got := mpWait(t, mp, o, n)
		if !strings.Contains(got[0].Text, "感谢关注") {
			t.Fatalf("%s: welcome %q", o, got[0].Text)
		}
	}

	c := newCursor(h)
	serial := c.submit(staff, ordinary) // 政府网站 and “双微”公众号
	sec := c.card(head)
	c.click(head, sec, "approve")
	c.text(head, "已同意")
	c.text(staff, "张伟同意")
	c.card(office1)
	off2 := c.card(office2)
	c.officeApprove(office2, off2, "approve")
	c.text(office2, "已同意")
	c.text(staff, "林晓燕同意")
	pub := c.card(publisher)
	c.click(publisher, pub, "pub_0")
	c.text(publisher, "已确认")
	mpQuiet(t, mp, "oSub1", 2) // not before every platform is confirmed
	pub2 := c.card(publisher)
	c.click(publisher, pub2, "pub_2")
	c.text(publisher, "已在全部平台发布")
	c.text(staff, "已公开")

	var formID int64
	if err := h.db.GetContext(context.Background(), &formID, `SELECT id FROM forms LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	link := h.base + "/notices/" + strconv.FormatInt(formID, 10)
	for _, o := range []string{"oSub1", "oSub2"} {
		n := mpWait(t, mp, o, 3)[2]
		if n.Kind != "template" || n.TemplateID != "tpl-notice" || n.URL != link || n.Data["thing1"] != "关于某化工企业环评审批结果的公示" || n.Data["time2"] == "" {
			t.Fatalf("%s received %+v", o, n)
		}
	}
	mpQuiet(t, mp, "oFollowerOnly", 1)
	mpQuiet(t, mp, "oLeft", 3)
	if got := mp.Recipients(); strings.Join(got, ",") != "oFollowerOnly,oLeft,oSub1,oSub2" {
		t.Fatalf("the 公众号 wrote to %v", got)
	}
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "关于某化工企业环评审批结果的公示") || !strings.Contains(string(body), serial) {
		t.Fatalf("notice page %d:\n%s", resp.StatusCode, body)
	}
}

// TestMPCallbackRefusalsStoreNothing: forged, stale, plain-in-safe-mode
// and undecryptable callbacks get a 4xx and leave no trace.
func TestMPCallbackRefusalsStoreNothing(t *testing.T) {
	t.Parallel()
	var mp *sandbox.MP
	h := newHarness(t, withMP(t, true, &mp))
	ctx := context.Background()
	plain := []byte(`<xml><ToUserName><![CDATA[gh_wxe2etest]]></ToUserName><FromUserName><![CDATA[oForged]]></FromUserName>` +
		`<CreateTime>` + strconv.FormatInt(time.Now().Unix(), 10) + `</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
		`<Content><![CDATA[订阅]]></Content><MsgId>99</MsgId></xml>`)
	q, body, err := mp.Seal(plain)
	if err != nil {
		t.Fatal(err)
	}
	set := func(k, v string) url.Values {
		c := url.Values{}
		for kk, vv := range q {
			c[kk] = vv
		}
		c.Set(k, v)
		return c
	}
	plainQuery := mp.Sign("oForged", "")
	cases := []struct {
		name string
		q    url.Values
		body []byte
		want int
	}{
		{"forged signature", set("signature", strings.Repeat("0", 40)), body, 403},
		{"forged msg_signature", set("msg_signature", strings.Repeat("0", 40)), body, 403},
		{"stale timestamp", set("timestamp", strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10)), body, 403},
		{"plain body while safe mode is on", plainQuery, plain, 403},
		{"not xml", q, []byte("<xml>"), 400},
		{"too large", q, bytes.Repeat([]byte("x"), 70<<10), 413},
	}
	for _, c := range cases {
		if st, err := mp.PostRaw(ctx, c.q, c.body); err != nil || st != c.want {
			t.Errorf("%s: status %d, %v; want %d", c.name, st, err, c.want)
		}
	}
	count := func(table string) int {
		var n int
		if err := h.db.GetContext(ctx, &n, `SELECT count(*) FROM `+table); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, table := range []string{"inbox", "mp_followers", "mp_follower_events", "outbox", "audit_log"} {
		if n := count(table); n != 0 {
			t.Errorf("%s has %d rows after refused callbacks", table, n)
		}
	}
	// The genuine callback, and the URL check, pass.
	if st, err := mp.PostRaw(ctx, q, body); err != nil || st != 200 {
		t.Fatalf("genuine callback: %d, %v", st, err)
	}
	if st, echo, err := mp.VerifyURL(ctx, "8172635"); err != nil || st != 200 || echo != "8172635" {
		t.Fatalf("URL check: %d %q, %v", st, echo, err)
	}
	if n := count("mp_followers"); n != 1 {
		t.Fatalf("mp_followers has %d rows after the genuine callback", n)
	}
}

// TestClosedOrderAnswerReachesComplainant: a 12345 order registered through
// the API with the complainant's openid is handled in chat; when the
// registrar replies to 12345 the follower receives the answer, once, and
// the other followers nothing.
func TestClosedOrderAnswerReachesComplainant(t *testing.T) {
	t.Parallel()
	const token = "api-token-for-tests-0123456789"
	var mp *sandbox.MP
	h := newHarness(t, withMP(t, false, &mp), func(env map[string]string) {
		env["API_TOKEN"] = token
		env["MP_ANSWER_TEMPLATE_ID"] = "tpl-answer"
	})
	complainant, other := mp.Follower("oComplainant"), mp.Follower("oOther")
	mpDo(t, "complainant follows", complainant.Follow)
	mpDo(t, "other follows", other.Follow)
	mpWait(t, mp, "oComplainant", 1)
	mpWait(t, mp, "oOther", 1)

	st, out := apiCall(t, "POST", h.base+"/api/v1/orders", token, map[string]any{
		"ticket_no": "GD-MP-0001", "category": "投诉", "content": "夜间施工噪声扰民。", "location": "某小区",
		"caller_name": "赵女士", "caller_phone": "13900139000", "urgency": "normal",
		"received_at": "2026-11-27T10:00:00+08:00", "section": "环境监察室", "openid": "oComplainant",
	})
	if st != 201 {
		t.Fatalf("create: %d %v", st, out)
	}
	c := newCursor(h)
	c.text(office1, "已由系统登记")
	disp := c.card(head3)
	c.click(head3, disp, "accept")
	c.text(office1, "已签收")
	assign := c.card(head3)
	c.click(head3, assign, "h_xupeng")
	c.text(office1, "已指定徐鹏办理")
	handle := c.card("xupeng")
	c.click("xupeng", handle, "finish")
	c.text("xupeng", "请输入答复内容")
	c.say("xupeng", "经核查，施工单位已停止夜间施工，并承诺按规定时段作业。")
	c.text("xupeng", "核查结果")
	c.say("xupeng", "属实")
	c.text("xupeng", "处理措施")
	c.say("xupeng", "责令整改。")
	c.text("xupeng", "已办结")
	c.text(office1, "已由徐鹏办结")
	mpQuiet(t, mp, "oComplainant", 1) // not before the answer went back to 12345
	reply := c.card(office1)
	c.click(office1, reply, "replied")
	c.text(office1, "已办结并回复12345")

	got := mpWait(t, mp, "oComplainant", 2)[1]
	if got.Kind != "template" || got.TemplateID != "tpl-answer" || !strings.Contains(got.URL, h.base) {
		t.Fatalf("complainant received %+v", got)
	}
	var saw bool
	for _, v := range got.Data {
		saw = saw || strings.Contains(v, "GD-MP-0001")
	}
	if !saw {
		t.Fatalf("the answer notice does not name the order: %+v", got.Data)
	}
	resp, err := http.Get(got.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "施工单位已停止夜间施工") || strings.Contains(string(body), "13900139000") {
		t.Fatalf("answer page %d:\n%s", resp.StatusCode, body)
	}
	mpQuiet(t, mp, "oComplainant", 2)
	mpQuiet(t, mp, "oOther", 1)
}
