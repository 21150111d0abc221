package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/printtest"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/zwgk-bot/zwgk/sandbox"
	"github.com/zwgk-bot/zwgk/storage"
)

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
	base  string
	shots string
}

// browserTZ is the browser's time zone in the test: far from the bureau's,
// so that a time shown in the browser's zone cannot pass for Beijing time.
const browserTZ = "America/Los_Angeles"

// waitFor bounds each wait for the page. It is no assertion on speed: it
// only keeps a broken page from using up the test's time, so it is
// generous for a loaded machine.
const waitFor = 45 * time.Second

func newPage(t *testing.T, base string) *page {
	t.Helper()
	// A tab of its own: the browser's first tab has been used to start it.
	ctx, cancelTab := chromedp.NewContext(printtest.Browser(t, "the browser test", chromedp.WindowSize(1440, 900)))
	t.Cleanup(cancelTab)
	p := &page{t: t, ctx: ctx, base: base, shots: screenshotDir(t)}
	p.open()
	return p
}

// newTab opens the page in a second tab of the same browser, as a person
// with two tabs open would; closing it is up to the caller.
func (p *page) newTab() (*page, context.CancelFunc) {
	p.t.Helper()
	ctx, cancel := chromedp.NewContext(p.ctx)
	q := &page{t: p.t, ctx: ctx, base: p.base, shots: p.shots}
	q.open()
	return q, cancel
}

// open loads the page in the browser's time zone browserTZ and waits
// for the roster.
func (p *page) open() {
	p.t.Helper()
	p.do(chromedp.EmulateViewport(1440, 900),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: browserTZ})
			return err
		}),
		chromedp.Navigate(p.base+"/"))
	waitJS[bool](p, "the roster", `!!document.querySelector('#people .person[data-user="lina"]') && !!page.state`)
	if tz := eval[string](p, `Intl.DateTimeFormat().resolvedOptions().timeZone`); tz != browserTZ {
		p.t.Fatalf("the browser's time zone is %s, want %s", tz, browserTZ)
	}
}

func (p *page) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.t.Fatalf("browser: %v", err)
	}
}

// pressJS finds the element for a click at the moment of the click and
// arms a guard. The element must be enabled, on the screen and not
// covered (by a toast, say). The guard, a listener that sees every click
// first, lets the click through only if it lands on an element matching
// the selector: if the page re-rendered or moved between finding the
// element and the click, the click is stopped, so it cannot act on the
// wrong thing, and press tries again.
const pressJS = `(sel) => {
	if (!window.__pressGuard) {
		window.__pressGuard = true;
		window.addEventListener('click', (e) => {
			const g = window.__press;
			if (!g || g.state !== 'armed') return;
			if (e.target instanceof Element && e.target.closest(g.sel)) { g.state = 'hit'; return; }
			e.preventDefault();
			e.stopImmediatePropagation();
			g.state = 'missed';
		}, true);
	}
	window.__press = null;
	const el = document.querySelector(sel);
	if (!el || el.disabled || el.closest('[hidden]')) return null;
	el.scrollIntoView({ block: 'nearest', inline: 'nearest' });
	const r = el.getBoundingClientRect();
	if (r.width === 0 || r.height === 0) return null;
	const x = r.left + r.width / 2, y = r.top + r.height / 2;
	const hit = document.elementFromPoint(x, y);
	if (!hit || !(hit === el || el.contains(hit))) return null;
	window.__press = { sel, state: 'armed' };
	return [x, y];
}`

// press clicks the element matching the CSS selector with the mouse, as
// a person does: it waits until the element can be clicked, finds it at
// that moment (never by a node id the page may have replaced since) and
// clicks its centre. A click that missed (see pressJS) is tried again.
func (p *page) press(sel string) {
	p.t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		xy := waitJS[[]float64](p, "something to click at "+sel, `(`+pressJS+`)(`+jsString(sel)+`)`)
		err := chromedp.Do(p.ctx, chromedp.MouseClickXY(xy[0], xy[1]))
		// The click event has been dispatched when the mouse-up is
		// answered; the guard then says where it landed. It is asked
		// until it says, so that a click still on its way is never
		// followed by a second one.
		state, werr := chromedp.Run(p.ctx, chromedp.Poll[string](`(() => { const g = window.__press; return g && g.state !== 'armed' ? g.state : ''; })()`,
			chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(5*time.Second)))
		eval[chromedp.Void](p, `window.__press = null`)
		if state == "hit" {
			return
		}
		if werr != nil {
			state = "no click arrived"
		}
		if err != nil && p.ctx.Err() != nil {
			p.t.Fatalf("browser: clicking %s: %v", sel, err)
		}
		if time.Now().After(deadline) {
			p.shot("failed")
			p.t.Fatalf("browser: clicking %s: the click kept missing (last: %q, %v)", sel, state, err)
		}
		p.t.Logf("the click on %s missed (%q, %v): the page moved; clicking again", sel, state, err)
	}
}

// typeInto types text into the input with the id as an input method
// commits it (Chinese is typed through one). It finds the input at the
// moment of typing and checks that the input holds the text afterwards;
// if the page re-rendered the input meanwhile, it empties it and types
// again, so the text is never typed twice.
func (p *page) typeInto(id, text string) {
	p.t.Helper()
	focus := `(() => { const e = document.getElementById(` + jsString(id) + `); if (!e || e.disabled) return false; e.value = ''; e.focus(); return document.activeElement === e; })()`
	holds := `(() => { const e = document.getElementById(` + jsString(id) + `); return !!e && e.value === ` + jsString(text) + `; })()`
	deadline := time.Now().Add(waitFor)
	for {
		waitJS[bool](p, "the input #"+id, focus)
		err := chromedp.Do(p.ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: text})
			return err
		}))
		if err == nil && eval[bool](p, holds) {
			return
		}
		if p.ctx.Err() != nil || time.Now().After(deadline) {
			p.t.Fatalf("browser: typing into #%s did not stick: %v", id, err)
		}
		p.t.Logf("typing into #%s did not stick (%v): typing again", id, err)
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
	v, err := chromedp.Run(p.ctx, chromedp.Poll[T](js, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(waitFor)))
	if err != nil {
		p.shot("failed")
		conv, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.querySelector('#conv').innerText.slice(-600)`))
		p.t.Fatalf("browser: waiting for %s: %v\nconversation ends with:\n%s", what, err, conv)
	}
	return v
}

func (p *page) shot(name string) string {
	p.t.Helper()
	// A toast left from an earlier step would hide part of the picture.
	_, err := chromedp.Run(p.ctx, chromedp.Evaluate[chromedp.Void](`{ const t = document.querySelector('#toast'); if (t) t.hidden = true; }`))
	var png []byte
	if err == nil {
		png, err = chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	}
	if err != nil {
		// Not fatal: a failing wait takes a picture before it says why.
		p.t.Errorf("screenshot %s: %v", name, err)
		return ""
	}
	file := filepath.Join(p.shots, name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		p.t.Error(err)
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
	p.press(`#people .person[data-user="` + user + `"]`)
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
	p.press("#send")
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
	p.labelsFit()
	return v[0], v[1]
}

// labelsFit checks that no card button cuts its label off.
func (p *page) labelsFit() {
	p.t.Helper()
	if cut := eval[[]string](p, `[...document.querySelectorAll('#conv .card-buttons button')]
		.filter((b) => b.scrollWidth > b.clientWidth || b.scrollHeight > b.clientHeight)
		.map((b) => b.textContent + ' (' + b.scrollWidth + ' > ' + b.clientWidth + ')')`); len(cut) > 0 {
		p.shot("clipped")
		p.t.Errorf("card buttons cut their labels off: %q", cut)
	}
}

// click clicks a card button with the mouse and waits for the card to be
// answered: the bot replaces its buttons with a grey label.
func (p *page) click(key string) string {
	p.t.Helper()
	id, task := p.button(key)
	p.press("#" + id)
	return waitJS[string](p, "card "+task+" answered", `(() => {
		const r = document.querySelector('#conv .card[data-task=`+jsString(task)+`] .card-replaced');
		return r ? r.textContent : '';
	})()`)
}

// review makes the office's 同意 (key approve or escalate): a click on the
// office card brings the 保密审查 card, whose three checks are ticked one
// by one before its submit. It returns what the answered card shows.
func (p *page) review(key string) string {
	p.t.Helper()
	count := `document.querySelectorAll('#conv .card[data-type="vote_interaction"]').length`
	before := eval[int](p, count)
	id, _ := p.button(key)
	p.press("#" + id)
	waitJS[bool](p, "the 保密审查 card", count+` > `+strconv.Itoa(before))
	for _, c := range []string{"国家秘密", "商业秘密", "个人隐私"} {
		p.check(c)
	}
	return p.click("secrecy_" + key)
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
	p.press("#" + id)
	waitJS[bool](p, "option "+option+" ticked", `document.getElementById(`+jsString(id)+`).checked`)
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
	p.press("#" + id + " summary")
	waitJS[bool](p, "log entry "+summary+" open", `document.getElementById(`+jsString(id)+`).open`)
}

// reset clicks 重置演示数据 twice (the first click asks to confirm) and
// waits for the sandbox's next generation. The confirmation lapses after
// a few seconds; on a slow machine it may lapse between the clicks, and
// then both are made again.
func (p *page) reset() {
	p.t.Helper()
	gen := eval[int](p, `page.state.generation`)
	for {
		waitJS[bool](p, "重置演示数据 ready", `(() => { const b = document.querySelector('#reset'); return !b.disabled && b.textContent === '重置演示数据'; })()`)
		p.press("#reset")
		waitJS[bool](p, "the reset to ask for confirmation", `document.querySelector('#reset').textContent === '确认重置？'`)
		p.press("#reset")
		st := waitJS[string](p, "the reset", `(() => {
			const b = document.querySelector('#reset');
			if (page.state.generation > `+fmt.Sprint(gen)+` && !b.disabled && b.textContent === '重置演示数据') return 'done';
			return !b.disabled && b.textContent === '重置演示数据' ? 'lapsed' : '';
		})()`)
		if st == "done" {
			return
		}
		p.t.Log("the reset's confirmation lapsed before the second click: clicking twice again")
	}
}

// layoutFits checks that nothing on the page reaches past the right edge
// of the viewport, but for what a scrolling or clipping box around it
// hides, and that the page does not scroll sideways.
func (p *page) layoutFits(width int) {
	p.t.Helper()
	out := eval[[]string](p, `(() => {
		const vw = document.documentElement.clientWidth;
		const out = [];
		if (document.documentElement.scrollWidth > vw) out.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + vw);
		for (const el of document.querySelectorAll('body *')) {
			const r = el.getBoundingClientRect();
			if (r.width === 0 || r.height === 0) continue;
			let right = r.right;
			for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
				if (getComputedStyle(a).overflowX !== 'visible') right = Math.min(right, a.getBoundingClientRect().right);
			}
			if (right > vw + 0.5) out.push((el.id ? '#' + el.id : el.tagName.toLowerCase() + '.' + el.className) + ' ends at ' + Math.round(right) + ' > ' + vw);
		}
		return out.slice(0, 20);
	})()`)
	if len(out) > 0 {
		p.shot(fmt.Sprintf("overflow-%d", width))
		p.t.Errorf("at %d px the page does not fit:\n%s", width, strings.Join(out, "\n"))
	}
}

// timesInShanghai checks that the protocol log shows each exchange at
// its time in Asia/Shanghai, though the browser is in browserTZ.
func (p *page) timesInShanghai() {
	p.t.Helper()
	resp, err := http.Get(p.base + "/sandbox/web/traffic")
	if err != nil {
		p.t.Fatal(err)
	}
	var entries []struct {
		Seq int64     `json:"seq"`
		At  time.Time `json:"at"`
	}
	err = json.NewDecoder(resp.Body).Decode(&entries)
	resp.Body.Close()
	if err != nil || len(entries) == 0 {
		p.t.Fatalf("traffic: %d entries, %v", len(entries), err)
	}
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		p.t.Fatal(err)
	}
	shown := eval[map[string]string](p, `Object.fromEntries([...document.querySelectorAll('#log details.tx')].map((d) => [d.dataset.seq, d.querySelector('.tx-time').textContent]))`)
	checked := 0
	var wrong []string
	for _, e := range entries {
		got, ok := shown[strconv.FormatInt(e.Seq, 10)]
		if !ok {
			continue
		}
		checked++
		if want := e.At.In(shanghai).Format("15:04:05"); got != want {
			wrong = append(wrong, fmt.Sprintf("entry %d at %s, want %s", e.Seq, got, want))
		}
	}
	if checked == 0 {
		p.t.Error("no log entry of the sandbox's traffic is on the page")
	}
	if len(wrong) > 0 {
		p.t.Errorf("%d of %d log entries are not shown in Asia/Shanghai time (the browser is in %s), e.g. %s", len(wrong), checked, browserTZ, wrong[0])
	}
}

// getJSON fetches a JSON answer of the demo over HTTP.
func getJSON[T any](t *testing.T, url string) T {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v T
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return v
}

// userAPI acts as user through the sandbox's user API (as curl would) and
// returns the messages the action brought.
func userAPI(t *testing.T, base, user, path, body string) []sandbox.Received {
	t.Helper()
	resp, err := http.Post(base+"/sandbox/api/users/"+user+path, "text/plain; charset=utf-8", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		New []sandbox.Received `json:"new"`
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %s", user, path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s: %v", user, path, err)
	}
	return out.New
}

// liveCard is the task id of user's newest card with a button key that
// has not been answered.
func liveCard(t *testing.T, base, user, key string) string {
	t.Helper()
	msgs := getJSON[[]sandbox.Received](t, base+"/sandbox/api/users/"+user+"/messages")
	for i := len(msgs) - 1; i >= 0; i-- {
		if c := msgs[i].Card; c != nil && msgs[i].ReplacedButton == "" {
			for _, b := range c.ButtonList {
				if b.Key == key {
					return c.TaskID
				}
			}
		}
	}
	t.Fatalf("%s holds no live card with a button %s", user, key)
	return ""
}

// TestBrowserDemoStory plays a whole 信息公开审批单 on the demo's page in
// headless Chromium: 李娜 submits a major item for the website and the
// 公众号, 张伟, the office and the leader approve, 何静 publishes on both
// platforms, and 李娜 is told it is public. On the way it checks what
// the page must get right besides: a message too long to send is refused
// whole and said so, times are Beijing time in a browser elsewhere,
// unread badges are each person's in every tab, button labels are not
// cut off, and the page fits a 1024 px screen. It leaves screenshots of
// the key moments (see screenshotDir).
func TestBrowserDemoStory(t *testing.T) {
	t.Parallel()
	d := startDemo(t)
	p := newPage(t, d.base)
	t.Logf("screenshots in %s", p.shots)

	// Leftovers of a page session must not matter: start with 重置演示数据.
	p.choose("lina", "李娜")
	p.reset()

	// The demo's 公众号 follower subscribes to the notices from the phone.
	if can := eval[bool](p, `!!(page.cfg.follower && page.cfg.follower.can_send)`); !can {
		t.Fatal("the demo page has no 公众号 follower who can write")
	}
	p.typeInto("phone-input", "订阅")
	p.press(".phone-input button")
	waitJS[bool](p, "the subscription's answer on the phone", `document.querySelector('#phone').innerText.includes('订阅成功')`)

	// 李娜 opens the app.
	p.choose("lina", "李娜")

	// A text longer than the client sends is not sent, and not cut (the
	// limit falls inside a character here): the page says why and gives
	// the text back; nothing reaches the bot.
	conv := d.base + "/sandbox/web/users/lina/conversation"
	before := len(getJSON[[]sandbox.ConversationItem](t, conv))
	long := strings.Repeat("审", sandbox.MaxText/3+1)
	p.typeInto("input", long)
	p.press("#send")
	note := waitJS[string](p, "the note that the text is too long", `(() => { const n = document.querySelector('#compose-note'); return n.hidden ? '' : n.textContent; })()`)
	if !strings.Contains(note, "消息过长") || !strings.Contains(note, "未发送") {
		t.Errorf("the note on a too long text says %q", note)
	}
	if eval[string](p, `document.querySelector('#input').value`) != long {
		t.Error("the text that was not sent is not back in the input")
	}
	if after := len(getJSON[[]sandbox.ConversationItem](t, conv)); after != before {
		t.Errorf("a text over %d bytes reached the conversation: %d items, before %d", sandbox.MaxText, after, before)
	}
	p.shot("00-too-long")

	// 李娜 submits through the menu and the cards.
	n := p.incoming()
	p.press(`#menu button[data-menu="submit"]`)
	p.waitIncoming(n, "第1步")
	p.say("关于某化工企业环评审批结果的公示", "第2步")
	if !eval[bool](p, `document.querySelector('#compose-note').hidden`) {
		t.Error("the note on the refused text stays after a text was sent")
	}
	p.say("某化工企业年产5万吨项目环境影响报告书审批结果。", "第3步")
	p.say("今天", "请选择公开形式")
	n = p.incoming()
	if got := p.click("mode_active"); !strings.Contains(got, "主动公开") {
		t.Errorf("公开形式 card shows %q after the click", got)
	}
	p.waitIncoming(n, "请选择信息类别")
	if got := p.click("cat_0"); !strings.Contains(got, "其他") {
		t.Errorf("信息类别 card shows %q after the click", got)
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
	p.timesInShanghai()

	// The section head has an unread badge, in this tab and in a second
	// one: the count is his, not the tab's. He reads in this tab, and the
	// badge goes in the other too.
	badge := func(user string) string {
		return `(() => { const b = document.querySelector('#people [data-user="` + user + `"] .badge'); return !!b && !b.hidden && b.textContent !== '0'; })()`
	}
	waitJS[bool](p, "an unread badge for 张伟", badge("zhangwei"))
	second, closeSecond := p.newTab()
	waitJS[bool](second, "张伟's unread badge in a second tab", badge("zhangwei"))
	waitJS[bool](second, "no unread badge in a second tab for 李娜, who has read everything in the first", `!(`+badge("lina")+`)`)
	p.choose("zhangwei", "张伟")
	waitJS[bool](second, "张伟's badge gone in the second tab once he read in the first", `!(`+badge("zhangwei")+`)`)
	closeSecond()
	p.button("approve")
	p.shot("04-section-head")
	p.click("approve")

	// The office: a major item goes to the leader on 同意; where the card
	// offers 同意并报主要负责人, that is the button to use.
	p.choose("chenlixin", "陈立新")
	p.button("approve")
	if eval[bool](p, `!!document.querySelector('#conv .card button[data-key="escalate"]:not(:disabled)')`) {
		p.review("escalate")
	} else {
		p.review("approve")
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

	// The 公众号 panel shows the follower's notice of the publication, at
	// its time in Beijing.
	waitJS[bool](p, "the notice on the follower's phone", `document.querySelector('#phone').innerText.includes('环评审批结果的公示')`)
	p.shot("09-follower")
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	var wantTimes []string
	for _, n := range getJSON[struct {
		Notices []sandbox.FollowerNotice `json:"notices"`
	}](t, d.base+"/sandbox/web/follower").Notices {
		wantTimes = append(wantTimes, n.At.In(shanghai).Format("15:04:05"))
	}
	if got := eval[[]string](p, `[...document.querySelectorAll('#phone .n-time')].map((e) => e.textContent)`); strings.Join(got, " ") != strings.Join(wantTimes, " ") {
		t.Errorf("the phone shows its notices at %q, want %q (Asia/Shanghai)", got, wantTimes)
	}

	// The protocol log shows both directions, decrypted.
	p.openLog("回调", "enter_agent 李娜")
	log := eval[string](p, `document.querySelector('#log').innerText`)
	for _, want := range []string{"message/send", "update_template_card", "errcode 0", "<FromUserName><![CDATA[lina]]></FromUserName>"} {
		if !strings.Contains(log, want) {
			t.Errorf("protocol log lacks %q", want)
		}
	}
	p.timesInShanghai()
	p.layoutFits(1440)
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
	if err := db.SelectContext(p.ctx, &decisions, `SELECT stage || ':' || approver || ':' || verdict FROM form_decisions
		WHERE form_id = (SELECT id FROM forms WHERE seq = 1) ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	want := "section:zhangwei:approve office:chenlixin:approve leader:zhouzhenhua:approve"
	if state != "published" || strings.Join(decisions, " ") != want {
		t.Errorf("form state %q, decisions %q; want published, %q", state, decisions, want)
	}

	// An ordinary item, submitted over the user API and approved by 张伟,
	// gives the office the card with 同意并报主要负责人, the longest label.
	// At 1024 px it must show whole, and so must the page.
	for _, answer := range []string{"提交", "关于某项目环评审批结果的公示", "项目环境影响报告书审批结果。", "今天", "主动公开", "其他", "1", "否"} {
		userAPI(t, d.base, "lina", "/text", answer)
	}
	task := liveCard(t, d.base, "lina", "confirm_submit")
	userAPI(t, d.base, "lina", "/cards/"+task+"/confirm_submit", "")
	task = liveCard(t, d.base, "zhangwei", "approve")
	userAPI(t, d.base, "zhangwei", "/cards/"+task+"/approve", "")
	p.do(chromedp.EmulateViewport(1024, 768))
	waitJS[bool](p, "the page laid out at 1024 px", `window.innerWidth === 1024`)
	p.choose("chenlixin", "陈立新")
	p.button("escalate")
	p.layoutFits(1024)
	p.shot("10-office-1024")
	if got := p.review("escalate"); got == "" {
		t.Error("the office's 保密审查 card was not updated after 同意并报主要负责人")
	}
}
