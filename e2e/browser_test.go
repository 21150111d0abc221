package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/zwgk-bot/zwgk/storage"
)

// chromiumPath finds Debian's chromium. Without it the test fails in CI
// (scripts/test installs it) and is skipped on a developer's machine.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed: the browser test needs it in CI (scripts/test installs Debian's chromium; or set CHROMIUM)")
	}
	t.Skip("chromium is not installed (apt-get install chromium, or run scripts/test); skipping the browser test")
	return ""
}

// screenshotDir is where the browser test leaves its screenshots:
// ZWGK_SCREENSHOTS, or .local/screenshots (ignored by git).
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ZWGK_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(".local", "screenshots")
	}
	if !filepath.IsAbs(dir) {
		// From the repository's root, as the README says: go test runs
		// the test in e2e/.
		dir = filepath.Join("..", dir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		t.Fatal(err)
	}
	return abs
}

// page drives the demo's web chat in headless Chromium.
type page struct {
	t     *testing.T
	ctx   context.Context
	shots string
}

func newPage(t *testing.T, base string) *page {
	t.Helper()
	exe := chromiumPath(t)
	profile, err := os.MkdirTemp("", "zwgk-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(profile),
		chromedp.NoSandbox, // root in CI
		chromedp.DisableGPU,
		// Without these Chromium reaches for Google's servers, which are
		// refused here and slow every start.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.WindowSize(1440, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 100*time.Second)
	t.Cleanup(func() {
		cancelTime()
		cancelTab()
		cancelAlloc()
		// The browser may still be writing its profile for a moment.
		for range 20 {
			if os.RemoveAll(profile) == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	p := &page{t: t, ctx: ctx, shots: screenshotDir(t)}
	p.do(chromedp.EmulateViewport(1440, 900), chromedp.Navigate(base+"/"))
	p.do(chromedp.WaitVisible(chromedp.CSS(`#people .person[data-user="lina"]`)))
	return p
}

func (p *page) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.t.Fatalf("browser: %v", err)
	}
}

// press clicks with the mouse. The page re-renders parts of itself when an
// event arrives, so the node found may be replaced before the click lands
// ("Could not find node with given id"): then it finds the element again,
// a few times.
func (p *page) press(click chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	var err error
	for range 5 {
		if err = chromedp.Do(p.ctx, click); err == nil || !strings.Contains(err.Error(), "node") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		p.t.Fatalf("browser: %v", err)
	}
}

// typeInto types text into the input with the id. Like press it finds the
// input again when the page re-rendered it under the keys, after emptying
// it, so that a retry never types the text twice.
func (p *page) typeInto(id, text string) {
	p.t.Helper()
	var err error
	for range 5 {
		clear := chromedp.Evaluate[chromedp.Void](`(function(){ const e = document.getElementById(` + strconv.Quote(id) + `); if (e) e.value = ''; })()`)
		if err = chromedp.Do(p.ctx, clear, chromedp.SendKeys(chromedp.ID(id), text)); err == nil || !strings.Contains(err.Error(), "node") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		p.t.Fatalf("browser: typing into #%s: %v", id, err)
	}
}

// eval runs JavaScript in the page and decodes its value into T.
func eval[T any](p *page, js string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		p.t.Fatalf("browser: %s: %v", js, err)
	}
	return v
}

// waitJS waits until the expression is truthy and returns its value.
func waitJS[T any](p *page, what, js string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Poll[T](js, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second)))
	if err != nil {
		p.shot("failed")
		conv := eval[string](p, `document.querySelector('#conv').innerText.slice(-600)`)
		p.t.Fatalf("browser: waiting for %s: %v\nconversation ends with:\n%s", what, err, conv)
	}
	return v
}

func (p *page) shot(name string) string {
	p.t.Helper()
	// A toast left from an earlier step would hide part of the picture.
	eval[chromedp.Void](p, `document.querySelector('#toast').hidden = true`)
	buf, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatalf("screenshot: %v", err)
	}
	file := filepath.Join(p.shots, name+".png")
	if err := os.WriteFile(file, buf, 0o644); err != nil {
		p.t.Fatal(err)
	}
	return file
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// choose picks a person in the roster.
func (p *page) choose(user, name string) {
	p.t.Helper()
	p.press(chromedp.Click(chromedp.CSS(`#people .person[data-user="` + user + `"]`)))
	waitJS[bool](p, "the conversation of "+name, `document.querySelector('#chat-who').textContent.includes(`+jsString(name)+`)`)
}

// incoming counts the app's messages shown.
func (p *page) incoming() int {
	return eval[int](p, `document.querySelectorAll('#conv .msg.in').length`)
}

// waitIncoming waits for a message after the first n that contains text.
func (p *page) waitIncoming(n int, text string) string {
	p.t.Helper()
	return waitJS[string](p, "a message with "+text, `(() => {
		const m = [...document.querySelectorAll('#conv .msg.in')].slice(`+fmt.Sprint(n)+`).find((e) => e.innerText.includes(`+jsString(text)+`));
		return m ? m.innerText : '';
	})()`)
}

// say types a message and presses 发送.
func (p *page) say(text, reply string) {
	p.t.Helper()
	n := p.incoming()
	p.typeInto("input", text)
	p.press(chromedp.Click(chromedp.ID("send")))
	p.waitIncoming(n, reply)
}

// button finds the newest live button with key, waiting for it.
func (p *page) button(key string) (id, task string) {
	p.t.Helper()
	v := waitJS[[]string](p, "a button "+key, `(() => {
		const bs = [...document.querySelectorAll('#conv .card button[data-key=`+jsString(key)+`]:not(:disabled)')];
		const b = bs[bs.length - 1];
		return b ? [b.id, b.closest('.card').dataset.task] : null;
	})()`)
	return v[0], v[1]
}

// click clicks a card button with the mouse and waits for the card to be
// answered: the bot replaces its buttons with a grey label.
func (p *page) click(key string) string {
	p.t.Helper()
	id, task := p.button(key)
	p.press(chromedp.Click(chromedp.ID(id)))
	return waitJS[string](p, "card "+task+" answered", `(() => {
		const r = document.querySelector('#conv .card[data-task=`+jsString(task)+`] .card-replaced');
		return r ? r.textContent : '';
	})()`)
}

// check ticks an option of the newest vote card.
func (p *page) check(option string) {
	p.t.Helper()
	id := waitJS[string](p, "option "+option, `(() => {
		const cards = [...document.querySelectorAll('#conv .card[data-type="vote_interaction"]')];
		const card = cards[cards.length - 1];
		const l = card && [...card.querySelectorAll('label')].find((l) => l.textContent.includes(`+jsString(option)+`));
		return l ? l.querySelector('input').id : '';
	})()`)
	p.press(chromedp.Click(chromedp.ID(id)))
}

// openLog opens the newest entry of the protocol log whose direction and
// summary contain the given texts, and closes the others.
func (p *page) openLog(dir, summary string) {
	p.t.Helper()
	id := waitJS[string](p, "a log entry "+summary, `(() => {
		const all = [...document.querySelectorAll('#log details.tx')];
		all.forEach((d) => { d.open = false; });
		const d = all.find((d) => d.querySelector('.tx-dir').textContent === `+jsString(dir)+` &&
			d.querySelector('.tx-sum').textContent.includes(`+jsString(summary)+`));
		return d ? 'tx-' + d.dataset.seq : '';
	})()`)
	p.press(chromedp.Click(chromedp.CSS("#" + id + " summary")))
}

// TestBrowserDemoStory plays a whole 信息公开审批单 on the demo's page in
// headless Chromium: 李娜 submits a major item for the website and the
// 公众号, 张伟, the office and the leader approve, 何静 publishes on both
// platforms, and 李娜 is told it is public. It leaves screenshots of the
// key moments (see screenshotDir).
func TestBrowserDemoStory(t *testing.T) {
	t.Parallel()
	d := startDemo(t)
	p := newPage(t, d.base)
	t.Logf("screenshots in %s", p.shots)

	// Leftovers of a page session must not matter: start with 重置演示数据
	// (two clicks: the first asks to confirm).
	p.choose("lina", "李娜")
	p.press(chromedp.Click(chromedp.ID("reset")))
	waitJS[bool](p, "the reset to ask for confirmation", `document.querySelector('#reset').textContent === '确认重置？'`)
	p.press(chromedp.Click(chromedp.ID("reset")))
	waitJS[bool](p, "the reset", `document.querySelector('#toast').textContent === '演示数据已重置。'`)

	// The demo's 公众号 follower subscribes to the notices from the phone.
	if can := eval[bool](p, `!!(page.cfg.follower && page.cfg.follower.can_send)`); !can {
		t.Fatal("the demo page has no 公众号 follower who can write")
	}
	p.typeInto("phone-input", "订阅")
	p.press(chromedp.Click(chromedp.CSS(".phone-input button")))
	waitJS[bool](p, "the subscription's answer on the phone", `document.querySelector('#phone').innerText.includes('订阅成功')`)

	// 李娜 opens the app and submits through the menu and the cards.
	p.choose("lina", "李娜")
	n := p.incoming()
	p.press(chromedp.Click(chromedp.CSS(`#menu button[data-menu="submit"]`)))
	p.waitIncoming(n, "第1步")
	p.say("关于某化工企业环评审批结果的公示", "第2步")
	p.say("某化工企业年产5万吨项目环境影响报告书审批结果。", "第3步")
	p.say("今天", "请选择公开形式")
	if got := p.click("mode_active"); !strings.Contains(got, "主动公开") {
		t.Errorf("公开形式 card shows %q after the click", got)
	}
	p.check("政府网站")
	p.check("“双微”公众号")
	p.shot("01-platforms")
	n = p.incoming()
	if got := p.click("platforms_ok"); !strings.Contains(got, "政府网站") || !strings.Contains(got, "“双微”公众号") {
		t.Errorf("公开平台 card shows %q after 确定", got)
	}
	p.waitIncoming(n, "是否重大事项")
	p.click("major_yes")
	n = p.incoming()
	p.button("confirm_submit")
	p.shot("02-summary")
	p.click("confirm_submit")
	confirm := p.waitIncoming(n, "已提交，编号 公开审〔")
	serial := "公开审〔" + strings.SplitN(strings.SplitN(confirm, "公开审〔", 2)[1], "号", 2)[0] + "号"
	if !strings.HasSuffix(serial, "〕1号") {
		t.Errorf("the first form after 重置演示数据 is %s, want number 1", serial)
	}
	p.openLog("回调", "confirm_submit")
	p.shot("03-submitted")

	// The section head has an unread badge and approves.
	waitJS[bool](p, "an unread badge for 张伟", `(() => { const b = document.querySelector('#people [data-user="zhangwei"] .badge'); return !!b && !b.hidden && b.textContent !== '0'; })()`)
	p.choose("zhangwei", "张伟")
	p.button("approve")
	p.shot("04-section-head")
	p.click("approve")

	// The office: a major item goes to the leader on 同意; where the card
	// offers 同意并报主要负责人, that is the button to use.
	p.choose("chenlixin", "陈立新")
	p.button("approve")
	if eval[bool](p, `!!document.querySelector('#conv .card button[data-key="escalate"]:not(:disabled)')`) {
		p.click("escalate")
	} else {
		p.click("approve")
	}

	// The leader approves.
	p.choose("zhouzhenhua", "周振华")
	p.button("approve")
	p.openLog("接口", "template_card → zhouzhenhua")
	p.shot("05-leader")
	if got := p.click("approve"); got == "" {
		t.Error("the leader's card was not updated")
	}
	p.shot("06-leader-approved")

	// The publisher confirms each platform, one card at a time.
	p.choose("hejing", "何静")
	n = p.incoming()
	p.click("pub_0")
	p.waitIncoming(n, "在政府网站发布")
	n = p.incoming()
	p.click("pub_2")
	p.waitIncoming(n, "已在全部平台发布")
	p.shot("07-published")

	// The submitter hears that the form is public.
	p.choose("lina", "李娜")
	p.waitIncoming(0, serial+"「关于某化工企业环评审批结果的公示」已公开")

	// The 公众号 panel shows the follower's notice of the publication.
	waitJS[bool](p, "the notice on the follower's phone", `document.querySelector('#phone').innerText.includes('环评审批结果的公示')`)
	p.shot("09-follower")

	// The protocol log shows both directions, decrypted.
	p.openLog("回调", "enter_agent 李娜")
	log := eval[string](p, `document.querySelector('#log').innerText`)
	for _, want := range []string{"message/send", "update_template_card", "errcode 0", "<FromUserName><![CDATA[lina]]></FromUserName>"} {
		if !strings.Contains(log, want) {
			t.Errorf("protocol log lacks %q", want)
		}
	}
	p.shot("08-submitter-log")

	// The form's rows agree with the page.
	db, err := storage.Open(p.ctx, d.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var state string
	if err := db.GetContext(p.ctx, &state, `SELECT state FROM forms WHERE seq = 1`); err != nil {
		t.Fatal(err)
	}
	var decisions []string
	if err := db.SelectContext(p.ctx, &decisions, `SELECT stage || ':' || approver || ':' || verdict FROM form_decisions ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	want := "section:zhangwei:approve office:chenlixin:approve leader:zhouzhenhua:approve"
	if state != "published" || strings.Join(decisions, " ") != want {
		t.Errorf("form state %q, decisions %q; want published, %q", state, decisions, want)
	}
}
