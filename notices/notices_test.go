package notices_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/notices"
	"github.com/zwgk-bot/zwgk/outbox"
	"github.com/zwgk-bot/zwgk/sandbox"
	"github.com/zwgk-bot/zwgk/scheduler"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
	"github.com/zwgk-bot/zwgk/workflow"
)

const aesKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"

type fixture struct {
	t    *testing.T
	db   *storage.DB
	svc  *notices.Service
	mp   *sandbox.MP
	corp *sandbox.Corp // the bureau's WeCom, where the office reads its digest
	base string        // the bot's public URL
	now  func() time.Time
}

// fixtureOptions: safe mode, mass sends to a tag, a 订阅号 rather than a
// 服务号, and the clock of the sandbox, the callback and the service
// (time.Now when nil).
type fixtureOptions struct {
	safe, mass, subscription bool
	now                      func() time.Time
}

// newFixture runs the notices service behind /mp/callback and its pages,
// a delivery worker, and a sandbox 公众号 posting to it. mass creates a
// mass-send tag and configures it.
func newFixture(t *testing.T, safe, mass bool) *fixture {
	t.Helper()
	return newFixtureWith(t, fixtureOptions{safe: safe, mass: mass})
}

func newFixtureWith(t *testing.T, o fixtureOptions) *fixture {
	t.Helper()
	safe, mass := o.safe, o.mass
	if o.now == nil {
		o.now = time.Now
	}
	f := &fixture{t: t, db: storagetest.NewDB(t), now: o.now}
	rdb := storagetest.NewRedis(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.base = srv.URL

	sb := sandbox.New()
	sb.Now = o.now
	sb.RetryDelay = 20 * time.Millisecond
	mp, err := sb.AddMP(sandbox.MPConfig{
		AppID: "wxnotice", Secret: "mpsecret", Token: "mptoken", EncodingAESKey: aesKey,
		CallbackURL: srv.URL + "/mp/callback", SafeMode: safe,
		Templates: []string{"tpl-notice", "tpl-answer"}, Subscription: o.subscription,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.mp = mp
	api := httptest.NewServer(mp.Handler())
	t.Cleanup(api.Close)
	f.corp, err = sb.AddCorp(sandbox.CorpConfig{CorpID: "wwnotice", Secret: "wcsecret", AgentID: 1000002, Token: "wctoken",
		EncodingAESKey: aesKey, CallbackURL: "http://127.0.0.1:1/unused"})
	if err != nil {
		t.Fatal(err)
	}
	wecom := httptest.NewServer(sb.Handler())
	t.Cleanup(wecom.Close)
	hc, _ := bot.NewHTTPClient(map[string]string{bot.MPHost: api.URL, bot.WeComHost: wecom.URL})

	w := outbox.NewWorker(f.db, bot.NewClient("wwnotice", 1000002, "wcsecret", hc, rdb, log), log)
	w.Interval = 50 * time.Millisecond
	w.CallTimeout = time.Second
	w.MP = bot.NewMPClient("wxnotice", "mpsecret", hc, rdb, log)
	cfg := config.MPConfig{AppID: "wxnotice", AppSecret: "mpsecret", Token: "mptoken", TemplateID: "tpl-notice", AnswerTemplateID: "tpl-answer",
		Bureau: "某区生态环境分局"}
	if safe {
		cfg.AESKey = aesKey
	}
	if mass {
		cfg.BroadcastTag = mp.CreateTag("政府信息公开订阅")
	}
	if o.subscription {
		cfg.AccountType, cfg.TemplateID, cfg.AnswerTemplateID = config.MPSubscription, "", ""
	}
	f.svc = &notices.Service{
		DB: f.db, Redis: rdb, Config: cfg, PublicURL: srv.URL, LinkSecret: []byte("link-secret-for-tests"),
		Location: workflow.DefaultCalendar().Location(), Log: log, Now: o.now, Queued: w.Poke,
	}
	var cr *bot.Crypto
	if safe {
		cr, _ = bot.NewCrypto("mptoken", aesKey, "wxnotice")
	}
	mux.Handle("/mp/callback", &bot.MPCallback{Token: "mptoken", Crypto: cr, Receiver: f.svc, Now: o.now, Log: log, Replay: rdb})
	f.svc.Routes(mux)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return f
}

// act performs a follower's action and checks the bot took it (200).
func (f *fixture) act(what string, do func(context.Context) (int, error)) {
	f.t.Helper()
	if st, err := do(context.Background()); err != nil || st != http.StatusOK {
		f.t.Fatalf("%s: status %d, %v", what, st, err)
	}
}

// replies waits for openid to have n messages and returns their texts.
func (f *fixture) replies(openid string, n int) []string {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := f.mp.WaitReceived(ctx, openid, n)
	if err != nil {
		f.t.Fatalf("%s received %d messages, want %d: %v", openid, len(got), n, err)
	}
	var out []string
	for _, r := range got {
		out = append(out, r.Text)
	}
	return out
}

// quiet checks that openid receives nothing beyond n for a moment.
func (f *fixture) quiet(openid string, n int) {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	if got, _ := f.mp.WaitReceived(ctx, openid, n+1); len(got) > n {
		f.t.Fatalf("%s received %d messages, want %d: last %+v", openid, len(got), n, got[len(got)-1])
	}
}

func (f *fixture) subscribe(openid string) {
	f.t.Helper()
	fl := f.mp.Follower(openid)
	f.act(openid+" follows", fl.Follow)
	f.act(openid+" subscribes", func(ctx context.Context) (int, error) { return fl.SendText(ctx, "订阅") })
	if got := f.replies(openid, 2); !strings.Contains(got[1], "订阅成功") {
		f.t.Fatalf("%s: reply to 订阅 = %q", openid, got[1])
	}
}

// publishedForm stores a form that has just become 已公开 on the
// government website and the 公众号.
func (f *fixture) publishedForm(title string) *storage.Form {
	f.t.Helper()
	return f.publishedFormSeq(7, title)
}

func (f *fixture) publishedFormSeq(seq int, title string) *storage.Form {
	f.t.Helper()
	ctx := context.Background()
	now := f.now()
	form := &storage.Form{
		Year: 2026, Seq: seq, Version: 1, State: string(workflow.StatePublished), Assignees: []string{}, Section: "综合一股", Submitter: "lina",
		Title: title, Summary: "项目环境影响报告书审批结果。", FormedOn: now, Mode: string(workflow.ModeActive),
		Column: "环境保护", Platforms: []string{string(workflow.PlatformWebsite), string(workflow.PlatformWeChat)},
		NoticeDue: true, CreatedAt: now,
	}
	err := f.db.WithTx(ctx, func(tx *storage.Tx) error {
		if _, err := storage.InsertForm(ctx, tx, form); err != nil {
			return err
		}
		_, err := storage.InsertPublication(ctx, tx, storage.Publication{FormID: form.ID, Platform: string(workflow.PlatformWebsite),
			PublishedBy: "hejing", PublishedAt: now, Reference: "https://hbj.example.gov.cn/2026/7.html"})
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return form
}

func (f *fixture) queueNotice(form *storage.Form) int {
	f.t.Helper()
	var n int
	err := f.db.WithTx(context.Background(), func(tx *storage.Tx) error {
		var err error
		n, err = f.svc.QueueFormNotice(context.Background(), tx, form, f.now())
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	f.svc.Queued()
	return n
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestFollowSubscribeUnsubscribeUnfollow(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true, false)
	ctx := context.Background()
	a, b, c := f.mp.Follower("oA"), f.mp.Follower("oB"), f.mp.Follower("oC")

	f.act("a follows", a.Follow)
	f.act("a subscribes", func(ctx context.Context) (int, error) { return a.SendText(ctx, "订阅") })
	f.act("a subscribes again", func(ctx context.Context) (int, error) { return a.SendText(ctx, " 订阅 ") })
	got := f.replies("oA", 3)
	if !strings.Contains(got[0], "感谢关注") || !strings.Contains(got[1], "订阅成功") || !strings.Contains(got[2], "无需重复订阅") {
		t.Fatalf("a's replies %q", got)
	}

	f.act("b follows", b.Follow)
	f.act("b clicks 订阅通知", func(ctx context.Context) (int, error) { return b.ClickMenu(ctx, notices.MenuSubscribe) })
	f.act("b sends 退订", func(ctx context.Context) (int, error) { return b.SendText(ctx, "退订") })
	f.act("b sends 退订 again", func(ctx context.Context) (int, error) { return b.SendText(ctx, "退订") })
	got = f.replies("oB", 4)
	if !strings.Contains(got[1], "订阅成功") || !strings.Contains(got[2], "已为您取消订阅") || !strings.Contains(got[3], "未订阅") {
		t.Fatalf("b's replies %q", got)
	}

	f.act("c follows", c.Follow)
	f.act("c says hello", func(ctx context.Context) (int, error) {
		return c.SendText(ctx, "你好，请问怎么查环评公示？")
	})
	if got := f.replies("oC", 2); !strings.Contains(got[1], "发送「订阅」") {
		t.Fatalf("c's hint %q", got[1])
	}

	subs, err := storage.Subscribers(ctx, f.db)
	if err != nil || strings.Join(subs, ",") != "oA" {
		t.Fatalf("subscribers %v, %v; want oA", subs, err)
	}
	// Unfollowing ends the subscription; coming back does not renew it.
	f.act("a unfollows", a.Unfollow)
	// Events are told apart by who, when (to the second) and what: a
	// follow in the same second as the first would be taken for its repeat.
	time.Sleep(1100 * time.Millisecond)
	f.act("a follows again", a.Follow)
	f.replies("oA", 4)
	if subs, _ := storage.Subscribers(ctx, f.db); len(subs) != 0 {
		t.Fatalf("subscribers after a left and came back: %v", subs)
	}
	var events []string
	for _, o := range []string{"oA", "oB"} {
		evs, err := storage.FollowerEvents(ctx, f.db, o)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			events = append(events, o+":"+e.Event+"/"+e.Source)
		}
	}
	want := "oA:follow/event,oA:subscribe/text,oA:unfollow/event,oA:follow/event,oB:follow/event,oB:subscribe/menu,oB:unsubscribe/text"
	if strings.Join(events, ",") != want {
		t.Fatalf("events\n%s\nwant\n%s", strings.Join(events, ","), want)
	}
	trail, _ := storage.AuditTrail(ctx, f.db, "mp_follower", "oB")
	if len(trail) != 3 || trail[1].Action != "mp_subscribe" || trail[2].Action != "mp_unsubscribe" {
		t.Fatalf("audit of oB: %+v", trail)
	}
}

func TestRepeatedCallbackActsOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false, false)
	f.act("follow", f.mp.Follower("oR").Follow)
	plain := []byte(`<xml><ToUserName><![CDATA[gh_wxnotice]]></ToUserName><FromUserName><![CDATA[oR]]></FromUserName>` +
		`<CreateTime>` + strconv.FormatInt(time.Now().Unix(), 10) + `</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
		`<Content><![CDATA[订阅]]></Content><MsgId>4242</MsgId></xml>`)
	for range 3 {
		q, body, _ := f.mp.Seal(plain)
		if st, err := f.mp.PostRaw(context.Background(), q, body); err != nil || st != 200 {
			t.Fatalf("post: %d, %v", st, err)
		}
	}
	f.replies("oR", 2)
	f.quiet("oR", 2)
	if n, _ := storage.CountInbox(context.Background(), f.db, "mp:msg:4242"); n != 1 {
		t.Fatalf("inbox rows for the message: %d", n)
	}
}

func TestFormNoticeReachesSubscribersOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false, false)
	f.subscribe("oS1")
	f.subscribe("oS2")
	f.act("n1 follows", f.mp.Follower("oN1").Follow)
	f.subscribe("oU1")
	f.act("u1 unsubscribes", func(ctx context.Context) (int, error) { return f.mp.Follower("oU1").SendText(ctx, "退订") })
	f.replies("oN1", 1)
	f.replies("oU1", 3)

	form := f.publishedForm("关于某化工企业年产5万吨项目环境影响报告书审批结果的公示")
	if n := f.queueNotice(form); n != 2 {
		t.Fatalf("queued for %d followers, want 2", n)
	}
	link := f.base + "/notices/" + itoa(form.ID)
	for _, o := range []string{"oS1", "oS2"} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		got, err := f.mp.WaitReceived(ctx, o, 3)
		cancel()
		if err != nil {
			t.Fatalf("%s: no notice: %v", o, err)
		}
		n := got[2]
		if n.Kind != "template" || n.TemplateID != "tpl-notice" || n.URL != link {
			t.Fatalf("%s received %+v", o, n)
		}
		if n.Data["thing1"] != "关于某化工企业年产5万吨项目环境影响报…" || !strings.HasPrefix(n.Data["time2"], time.Now().In(workflow.DefaultCalendar().Location()).Format("2006年1月2日")) {
			t.Fatalf("%s: template data %v", o, n.Data)
		}
	}
	f.quiet("oN1", 1)
	f.quiet("oU1", 3)
	if n := f.queueNotice(form); n != 0 {
		t.Fatalf("a second notice of the same form queued %d", n)
	}
	f.quiet("oS1", 3)

	st, body := get(t, link)
	if st != 200 || !strings.Contains(body, form.Title) || !strings.Contains(body, "https://hbj.example.gov.cn/2026/7.html") || !strings.Contains(body, "公开审〔2026〕7号") {
		t.Fatalf("notice page: %d\n%s", st, body)
	}
	// The page says whose information it is (BUREAU_NAME), on top, in its
	// title and under the text; so does a page that finds nothing.
	for _, want := range []string{`<title>` + form.Title + ` - 某区生态环境分局</title>`, `<header class="org">某区生态环境分局</header>`, `<div class="sign">某区生态环境分局</div>`} {
		if !strings.Contains(body, want) {
			t.Errorf("notice page lacks %s", want)
		}
	}
	if st, body := get(t, f.base+"/notices/999999"); st != 404 || !strings.Contains(body, "某区生态环境分局") {
		t.Fatalf("page of an unknown form: %d\n%s", st, body)
	}
	// A form published without “双微”公众号 (or not published) has no
	// public page: its id reveals nothing.
	if _, err := f.db.ExecContext(context.Background(), `UPDATE forms SET notice_due = false WHERE id = $1`, form.ID); err != nil {
		t.Fatal(err)
	}
	if st, body := get(t, link); st != 404 || strings.Contains(body, form.Title) {
		t.Fatalf("page of a form the 公众号 did not announce: %d\n%s", st, body)
	}
}

func TestFormNoticeAsMassSendToTag(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true, true)
	f.subscribe("oM1")
	f.subscribe("oM2")
	f.act("n follows", f.mp.Follower("oMN").Follow)
	f.replies("oMN", 1)
	tag := f.svc.Config.BroadcastTag
	deadline := time.Now().Add(5 * time.Second)
	for strings.Join(f.mp.TagMembers(tag), ",") != "oM1,oM2" {
		if time.Now().After(deadline) {
			t.Fatalf("tag members %v, want the two subscribers", f.mp.TagMembers(tag))
		}
		time.Sleep(20 * time.Millisecond)
	}
	form := f.publishedForm("2026年第三季度环境空气质量状况")
	f.mp.DelayNext("message/mass/sendall", 1, 1500*time.Millisecond) // the worker gives up, WeChat has sent
	if n := f.queueNotice(form); n != 1 {
		t.Fatalf("mass send queued %d", n)
	}
	for _, o := range []string{"oM1", "oM2"} {
		got := f.replies(o, 3)
		if !strings.Contains(got[2], "2026年第三季度环境空气质量状况") || !strings.Contains(got[2], "/notices/"+itoa(form.ID)) {
			t.Fatalf("%s: mass text %q", o, got[2])
		}
	}
	f.quiet("oMN", 1)
	// The retry after the lost answer met WeChat's clientmsgid check.
	deadline = time.Now().Add(15 * time.Second)
	for {
		rows, _ := f.db.ListOutbox(context.Background(), storage.OutboxSent, 1)
		if len(rows) == 1 && rows[0].Kind == storage.KindMPMass {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the mass send was not marked sent")
		}
		time.Sleep(50 * time.Millisecond)
	}
	f.quiet("oM1", 3)
}

func TestOrderAnswerReachesThatFollower(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false, false)
	f.act("complainant follows", f.mp.Follower("oC1").Follow)
	f.act("other follows", f.mp.Follower("oC2").Follow)
	f.replies("oC1", 1)
	closed := time.Date(2026, 11, 27, 16, 30, 0, 0, workflow.DefaultCalendar().Location())
	summary := "经现场核查，该企业已停止夜间施工，并对噪声设备加装隔音罩，后续将持续监管。"
	queue := func() {
		err := f.db.WithTx(context.Background(), func(tx *storage.Tx) error {
			return f.svc.QueueOrderAnswer(context.Background(), tx, "oC1", "2026112700123", summary, closed)
		})
		if err != nil {
			t.Fatal(err)
		}
		f.svc.Queued()
	}
	queue()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := f.mp.WaitReceived(ctx, "oC1", 2)
	if err != nil {
		t.Fatal(err)
	}
	n := got[1]
	if n.TemplateID != "tpl-answer" || n.Data["character_string1"] != "2026112700123" || n.Data["time2"] != "2026年11月27日 16:30" ||
		n.Data["thing3"] != "经现场核查，该企业已停止夜间施工，并对…" {
		t.Fatalf("answer notice %+v", n)
	}
	st, body := get(t, n.URL)
	if st != 200 || !strings.Contains(body, summary) || !strings.Contains(body, "2026112700123") || !strings.Contains(body, `<header class="org">某区生态环境分局</header>`) {
		t.Fatalf("answer page: %d\n%s", st, body)
	}
	if st, _ := get(t, strings.Replace(n.URL, "sig=", "sig=00", 1)); st != 403 {
		t.Fatalf("tampered answer link: %d, want 403", st)
	}
	queue() // the same close again: nothing new
	f.quiet("oC1", 2)
	f.quiet("oC2", 1)
	trail, _ := storage.AuditTrail(context.Background(), f.db, storage.EntityOrder, "2026112700123")
	if len(trail) != 1 || trail[0].Action != "mp_answer_queued" {
		t.Fatalf("audit %+v", trail)
	}
}

func TestSwitchedOffRecordsWhyNothingWasSent(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	var off *notices.Service
	noAnswer := &notices.Service{Config: config.MPConfig{AppID: "wx", TemplateID: "t"}, Now: time.Now}
	err := db.WithTx(ctx, func(tx *storage.Tx) error {
		if n, err := off.QueueFormNotice(ctx, tx, &storage.Form{ID: 5, Title: "t"}, time.Now()); err != nil || n != 0 {
			return err
		}
		if err := off.QueueOrderAnswer(ctx, tx, "o1", "T1", "答复", time.Now()); err != nil {
			return err
		}
		return noAnswer.QueueOrderAnswer(ctx, tx, "o1", "T2", "答复", time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	if rows, _ := db.ListOutbox(ctx, "", 10); len(rows) != 0 {
		t.Fatalf("%d outbox rows with the 公众号 off", len(rows))
	}
	for entity, id := range map[string]string{storage.EntityForm: "5", storage.EntityOrder: "T1"} {
		trail, _ := storage.AuditTrail(ctx, db, entity, id)
		if len(trail) != 1 || !strings.HasSuffix(trail[0].Action, "_skipped") || !strings.Contains(string(trail[0].Detail), "公众号未配置") {
			t.Errorf("%s %s: audit %+v", entity, id, trail)
		}
	}
	trail, _ := storage.AuditTrail(ctx, db, storage.EntityOrder, "T2")
	if len(trail) != 1 || !strings.Contains(string(trail[0].Detail), "MP_ANSWER_TEMPLATE_ID") {
		t.Errorf("T2: audit %+v", trail)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestPlainModeReplayRefusedRetryAnsweredOnce: in plain mode a captured
// query string with a forged 「退订」 is refused and the follower stays
// subscribed; WeChat's retry of the genuine post (same query and body) is
// answered 200 and acted on once.
func TestPlainModeReplayRefusedRetryAnsweredOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false, false)
	f.act("follow", f.mp.Follower("oP").Follow)
	msg := func(content string, id int) []byte {
		return []byte(`<xml><ToUserName><![CDATA[gh_wxnotice]]></ToUserName><FromUserName><![CDATA[oP]]></FromUserName>` +
			`<CreateTime>` + strconv.FormatInt(time.Now().Unix(), 10) + `</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
			`<Content><![CDATA[` + content + `]]></Content><MsgId>` + strconv.Itoa(id) + `</MsgId></xml>`)
	}
	q, body, err := f.mp.Seal(msg("订阅", 5151))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if st, err := f.mp.PostRaw(ctx, q, body); err != nil || st != 200 {
		t.Fatalf("genuine 订阅: %d, %v", st, err)
	}
	if st, err := f.mp.PostRaw(ctx, q, msg("退订", 5152)); err != nil || st != http.StatusForbidden {
		t.Fatalf("forged 退订 under the captured query: %d, %v; want 403", st, err)
	}
	if st, err := f.mp.PostRaw(ctx, q, body); err != nil || st != 200 {
		t.Fatalf("WeChat's retry of the genuine post: %d, %v", st, err)
	}
	if got := f.replies("oP", 2); !strings.Contains(got[1], "订阅成功") {
		t.Fatalf("reply %q", got[1])
	}
	f.quiet("oP", 2)
	if subs, _ := storage.Subscribers(ctx, f.db); strings.Join(subs, ",") != "oP" {
		t.Fatalf("subscribers %v: the forged 退订 took effect", subs)
	}
	if n, _ := storage.CountInbox(ctx, f.db, "mp:msg:5152"); n != 0 {
		t.Fatalf("the forged message was recorded (%d)", n)
	}
}

// testClock is the clock of a test: the sandbox, the callback and the
// service read it, and the test moves it.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

var beijing = workflow.DefaultCalendar().Location()

// waitTagged waits for the tag to have exactly the openids.
func (f *fixture) waitTagged(openids ...string) {
	f.t.Helper()
	tag := f.svc.Config.BroadcastTag
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for strings.Join(f.mp.TagMembers(tag), ",") != strings.Join(openids, ",") {
		if ctx.Err() != nil {
			f.t.Fatalf("tag members %v, want %v", f.mp.TagMembers(tag), openids)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// officeDigest runs the office digest at the given time and returns the
// text the first office reviewer was sent.
func (f *fixture) officeDigest(at time.Time) string {
	f.t.Helper()
	roster, err := config.ParseRoster(config.ExampleRoster)
	if err != nil {
		f.t.Fatal(err)
	}
	s, err := scheduler.New(scheduler.Options{DB: f.db, Roster: roster, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.t.Fatal(err)
	}
	before := len(f.corp.Messages("chenlixin"))
	res, err := s.RunJob(context.Background(), "office_digest", at, storage.TriggerCron)
	if err != nil || res.Queued == 0 {
		f.t.Fatalf("office digest = %+v, %v", res, err)
	}
	f.svc.Queued()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := f.corp.WaitMessages(ctx, "chenlixin", before+1)
	if err != nil {
		f.t.Fatalf("the digest did not reach 陈立新: %v", err)
	}
	return got[len(got)-1].Text
}

// TestMassQuotaOfAServiceAccount: a 服务号's followers receive at most 4
// 群发 a calendar month (Beijing time). The bot sends four, does not
// attempt the fifth (WeChat would accept it and deliver it to nobody),
// records it as refused with the reason, and the next office digest says
// which notice did not reach the followers and why. In December it sends
// again.
func TestMassQuotaOfAServiceAccount(t *testing.T) {
	t.Parallel()
	clk := &testClock{t: time.Date(2026, 11, 30, 9, 0, 0, 0, beijing)} // a Monday
	f := newFixtureWith(t, fixtureOptions{mass: true, now: clk.Now})
	ctx := context.Background()
	f.subscribe("oQ1")
	f.subscribe("oQ2")
	f.waitTagged("oQ1", "oQ2")

	var forms []*storage.Form
	for i := range 5 {
		clk.Set(time.Date(2026, 11, 30, 10, i, 0, 0, beijing))
		form := f.publishedFormSeq(11+i, fmt.Sprintf("2026年11月第%d期环境质量通报", i+1))
		forms = append(forms, form)
		want := 1
		if i == 4 {
			want = 0
		}
		if n := f.queueNotice(form); n != want {
			t.Fatalf("notice %d queued %d, want %d", i+1, n, want)
		}
	}
	for _, o := range []string{"oQ1", "oQ2"} {
		got := f.replies(o, 6) // welcome, 订阅成功, four 群发
		if !strings.Contains(got[5], "第4期") {
			t.Fatalf("%s: last 群发 %q", o, got[5])
		}
	}
	f.quiet("oQ1", 6)
	if jobs := f.mp.MassJobs(); len(jobs) != 4 {
		t.Fatalf("the sandbox saw %d 群发, want 4: the fifth must not be attempted", len(jobs))
	}

	// The state says so.
	fifth := forms[4]
	n, err := storage.GetNotice(ctx, f.db, "form", itoa(fifth.ID))
	if err != nil || n.Status != storage.NoticeRefused || !strings.Contains(n.Reason, "2026年11月的4次群发已用完") {
		t.Fatalf("notice of the fifth: %+v, %v", n, err)
	}
	var rows int
	if err := f.db.GetContext(ctx, &rows, `SELECT count(*) FROM outbox WHERE idem_key = $1`, "mpmass:form:"+itoa(fifth.ID)); err != nil || rows != 0 {
		t.Fatalf("outbox rows of the fifth: %d, %v", rows, err)
	}
	trail, _ := storage.AuditTrail(ctx, f.db, "form", itoa(fifth.ID))
	if len(trail) != 1 || trail[0].Action != "mp_notice_refused" {
		t.Fatalf("audit of the fifth: %+v", trail)
	}

	// The next morning's digest tells the office.
	text := f.officeDigest(time.Date(2026, 12, 1, 8, 36, 0, 0, beijing))
	t.Logf("the office digest:\n%s", text)
	mustContain(t, text, "公开审〔2026〕15号未能推送给公众号关注者",
		"原因是2026年11月的4次群发已用完（服务号的关注者每月最多接收4次群发），2026年12月1日起恢复。")
	if strings.Contains(text, "公开审〔2026〕14号未能") {
		t.Fatalf("the digest lists a notice that went out:\n%s", text)
	}

	// December: the quota is new.
	clk.Set(time.Date(2026, 12, 1, 10, 0, 0, 0, beijing))
	dec := f.publishedFormSeq(16, "2026年12月第1期环境质量通报")
	if n := f.queueNotice(dec); n != 1 {
		t.Fatalf("the first notice of December queued %d", n)
	}
	if got := f.replies("oQ1", 7); !strings.Contains(got[6], "12月第1期") {
		t.Fatalf("December's 群发 %q", got[6])
	}
}

// TestMassQuotaOfASubscriptionAccount: a 订阅号 may 群发 once a day; the
// second notice of the day is refused with its reason, and the next day
// goes out.
func TestMassQuotaOfASubscriptionAccount(t *testing.T) {
	t.Parallel()
	clk := &testClock{t: time.Date(2026, 11, 2, 9, 0, 0, 0, beijing)}
	f := newFixtureWith(t, fixtureOptions{mass: true, subscription: true, now: clk.Now})
	f.subscribe("oD1")
	f.waitTagged("oD1")
	clk.Set(time.Date(2026, 11, 2, 10, 0, 0, 0, beijing))
	if n := f.queueNotice(f.publishedFormSeq(21, "第一条")); n != 1 {
		t.Fatalf("first notice queued %d", n)
	}
	clk.Set(time.Date(2026, 11, 2, 16, 0, 0, 0, beijing))
	second := f.publishedFormSeq(22, "第二条")
	if n := f.queueNotice(second); n != 0 {
		t.Fatalf("second notice of the day queued %d", n)
	}
	f.replies("oD1", 3)
	n, err := storage.GetNotice(context.Background(), f.db, "form", itoa(second.ID))
	if err != nil || n.Status != storage.NoticeRefused || !strings.Contains(n.Reason, "订阅号每天只能群发1次") {
		t.Fatalf("notice of the second: %+v, %v", n, err)
	}
	text := f.officeDigest(time.Date(2026, 11, 3, 8, 36, 0, 0, beijing))
	mustContain(t, text, "公开审〔2026〕22号未能推送给公众号关注者，原因是2026年11月2日的群发已用完（订阅号每天只能群发1次），2026年11月3日起恢复。")
	clk.Set(time.Date(2026, 11, 3, 10, 0, 0, 0, beijing))
	if n := f.queueNotice(f.publishedFormSeq(23, "第三条")); n != 1 {
		t.Fatalf("the next day's notice queued %d", n)
	}
	if got := f.replies("oD1", 4); !strings.Contains(got[3], "第三条") {
		t.Fatalf("next day's 群发 %q", got[3])
	}
}

func mustContain(t *testing.T, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("lacks %q:\n%s", w, text)
		}
	}
}
