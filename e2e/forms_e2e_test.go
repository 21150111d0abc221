package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/sandbox"
)

// Example roster people used below.
const (
	staff     = "lina"        // 李娜, 综合一股
	staff2    = "liuyang"     // 刘洋, 综合一股
	head      = "zhangwei"    // 张伟, head of 综合一股
	office1   = "chenlixin"   // 陈立新, office, head of 综合办公室
	office2   = "linxiaoyan"  // 林晓燕, office
	publisher = "hejing"      // 何静, publisher
	leader    = "zhouzhenhua" // 周振华, leader
)

// cursor tracks what each user has already been shown, so a test reads
// each new message once, in order.
type cursor struct {
	h    *harness
	mu   sync.Mutex
	seen map[string]int
}

func newCursor(h *harness) *cursor { return &cursor{h: h, seen: map[string]int{}} }

// next waits for user's next message.
func (c *cursor) next(user string) sandbox.Received {
	c.h.t.Helper()
	c.mu.Lock()
	n := c.seen[user]
	c.mu.Unlock()
	// Generous: a loaded machine is slow, not wrong (the suite runs in
	// parallel, under CI's load too).
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		changed := c.h.corp.Changed() // before looking: a message in between is not missed
		msgs := c.h.corp.Messages(user)
		if ps := parts(msgs); len(ps) > n {
			c.mu.Lock()
			c.seen[user] = n + 1
			c.mu.Unlock()
			return ps[n]
		}
		select {
		case <-changed:
		case <-ctx.Done():
			c.h.t.Fatalf("%s: no message #%d: %v (has %d: %s)", user, n+1, ctx.Err(), len(msgs), lastTexts(msgs))
		}
	}
}

// parts are a person's messages as the tests read them: the texts a turn
// gathered into one message (paragraphs apart, chat.Bot.Text) are read
// one by one, in their order, as they were written.
func parts(msgs []sandbox.Received) []sandbox.Received {
	var out []sandbox.Received
	for _, m := range msgs {
		if m.Card != nil || !strings.Contains(m.Text, "\n\n") {
			out = append(out, m)
			continue
		}
		for _, p := range strings.Split(m.Text, "\n\n") {
			part := m
			part.Text = p
			out = append(out, part)
		}
	}
	return out
}

func lastTexts(msgs []sandbox.Received) string {
	var out []string
	for _, m := range msgs[max(0, len(msgs)-3):] {
		if m.Card != nil {
			out = append(out, "[card "+m.Card.MainTitle.Title+"]")
		} else {
			out = append(out, m.Text)
		}
	}
	return strings.Join(out, " | ")
}

// text waits for user's next message and checks it is text containing all
// of want.
func (c *cursor) text(user string, want ...string) string {
	c.h.t.Helper()
	m := c.next(user)
	if m.Card != nil {
		c.h.t.Fatalf("%s: got card %q, want text with %q", user, m.Card.MainTitle.Title, want)
	}
	for _, w := range want {
		if !strings.Contains(m.Text, w) {
			c.h.t.Fatalf("%s: got %q, want it to contain %q", user, m.Text, w)
		}
	}
	return m.Text
}

// card waits for user's next message and checks it is a card.
func (c *cursor) card(user string) sandbox.Received {
	c.h.t.Helper()
	m := c.next(user)
	if m.Card == nil {
		c.h.t.Fatalf("%s: got text %q, want a card", user, m.Text)
	}
	return m
}

// none checks that user receives nothing new for a moment.
func (c *cursor) none(user string) {
	c.h.t.Helper()
	c.mu.Lock()
	n := c.seen[user]
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	for ctx.Err() == nil {
		changed := c.h.corp.Changed()
		if ps := parts(c.h.corp.Messages(user)); len(ps) > n {
			last := ps[len(ps)-1]
			c.h.t.Fatalf("%s received %d messages, want %d: last %q", user, len(ps), n, last.Text)
		}
		select {
		case <-changed:
		case <-ctx.Done():
		}
	}
}

func (c *cursor) say(user, text string) {
	c.h.t.Helper()
	if st, err := c.h.corp.User(user).SendText(context.Background(), text); err != nil || st != 200 {
		c.h.t.Fatalf("%s says %q: %d, %v", user, text, st, err)
	}
}

func (c *cursor) click(user string, card sandbox.Received, key string) {
	c.h.t.Helper()
	if st, err := c.h.corp.User(user).ClickButton(context.Background(), card.Card.TaskID, key); err != nil || st != 200 {
		c.h.t.Fatalf("%s clicks %s on %s: %d, %v", user, key, card.Card.TaskID, st, err)
	}
}

// clickAnyway posts a click the WeCom client would no longer offer: a
// stale, repeated or foreign click.
func (c *cursor) clickAnyway(user string, card sandbox.Received, key string) {
	c.h.t.Helper()
	if st, err := c.h.corp.User(user).ClickAnyway(context.Background(), card.Card.TaskID, card.Card.CardType, key, nil); err != nil || st != 200 {
		c.h.t.Fatalf("%s clicks %s anyway: %d, %v", user, key, st, err)
	}
}

// allChecks ticks the three checks of a 保密审查 card.
var allChecks = map[string][]string{"secrecy": {"state_secret", "commercial_secret", "privacy"}}

// tick submits the 保密审查 card with the given checks.
func (c *cursor) tick(user string, card sandbox.Received, checks ...string) {
	c.h.t.Helper()
	if st, err := c.h.corp.User(user).Submit(context.Background(), card.Card.TaskID, map[string][]string{"secrecy": checks}); err != nil || st != 200 {
		c.h.t.Fatalf("%s submits the 保密审查 %v: %d, %v", user, checks, st, err)
	}
}

// officeApprove is the office's 同意 (key approve, or escalate for 同意并报
// 主要负责人): the click on the office card, then the 保密审查 card it
// brings, with its three checks ticked. It returns the review card.
func (c *cursor) officeApprove(user string, card sandbox.Received, key string) sandbox.Received {
	c.h.t.Helper()
	c.click(user, card, key)
	rev := c.card(user)
	if rev.Card.CardType != "vote_interaction" || rev.Card.Checkbox == nil || rev.Card.SubmitButton.Key != "secrecy_"+key {
		c.h.t.Fatalf("%s: after %s got card %+v, want the 保密审查 card", user, key, rev.Card)
	}
	c.tick(user, rev, allChecks["secrecy"]...)
	return rev
}

type draft struct {
	title, summary string
	formed         string // 信息形成日期 as typed; "" = 今天
	mode           string // mode_active or mode_request
	platforms      []string
	major          bool
	// category is the key of the 信息类别 button a 主动公开 draft clicks;
	// "" for 其他. figure answers the follow-up when its category has one:
	// a button's key (doc_1, dec_1) or a text typed (3, 12.5).
	category, figure string
}

var ordinary = draft{title: "关于某化工企业环评审批结果的公示", summary: "某化工企业年产5万吨项目环境影响报告书审批结果。", mode: "mode_active", platforms: []string{"p0", "p2"}}

// submit plays the whole wizard for user and returns the form's serial.
func (c *cursor) submit(user string, d draft) string {
	c.h.t.Helper()
	c.say(user, "提交")
	c.text(user, "开始填写")
	c.text(user, "第1步")
	c.say(user, d.title)
	c.text(user, "第2步")
	c.say(user, d.summary)
	c.text(user, "第3步")
	if d.formed == "" {
		c.say(user, "今天")
		c.text(user, "信息形成日期："+todayText())
	} else {
		// A date more than a year back is asked about once.
		c.say(user, d.formed)
		c.text(user, "距今已超过一年")
		c.say(user, "是")
		c.text(user, "信息形成日期：")
	}
	mode := c.card(user)
	c.click(user, mode, d.mode)
	if d.mode == "mode_active" {
		c.category(user, d.category, d.figure)
	}
	pl := c.card(user)
	if st, err := c.h.corp.User(user).Submit(context.Background(), pl.Card.TaskID, map[string][]string{"platforms": d.platforms}); err != nil || st != 200 {
		c.h.t.Fatalf("platforms: %d, %v", st, err)
	}
	major := c.card(user)
	key := "major_no"
	if d.major {
		key = "major_yes"
	}
	c.click(user, major, key)
	sum := c.card(user)
	if sum.Card.MainTitle.Title != d.title {
		c.h.t.Fatalf("summary card title %q, want %q", sum.Card.MainTitle.Title, d.title)
	}
	c.click(user, sum, "confirm_submit")
	got := c.text(user, "已提交，编号 公开审〔")
	_, rest, _ := strings.Cut(got, "编号 ")
	serial, _, _ := strings.Cut(rest, "。")
	return serial
}

// category answers the 信息类别 card of a 主动公开 draft: key "" is 其他,
// the first button; figure answers the follow-up its category asks, a
// button's key or a text.
func (c *cursor) category(user, key, figure string) {
	c.h.t.Helper()
	card := c.card(user)
	if !strings.Contains(card.Card.MainTitle.Title, "信息类别") {
		c.h.t.Fatalf("after 主动公开 the card %q, want the 信息类别", card.Card.MainTitle.Title)
	}
	if key == "" {
		key = "cat_0"
	}
	c.click(user, card, key)
	switch {
	case figure == "":
	case strings.HasPrefix(figure, "doc_"), strings.HasPrefix(figure, "dec_"):
		c.click(user, c.card(user), figure)
	default:
		if key == "cat_5" {
			c.text(user, "请输入本审批单公开的收费金额")
		} else {
			c.card(user) // the number of decisions, 1件 on its button
		}
		c.say(user, figure)
	}
}

// keepCategory, given the card after 公开形式 of a revision, keeps the
// 信息类别 when the card asks it, and returns the card after it.
func (c *cursor) keepCategory(user string, card sandbox.Received) sandbox.Received {
	c.h.t.Helper()
	if !strings.Contains(card.Card.MainTitle.Title, "信息类别") {
		return card
	}
	c.say(user, "保留")
	return c.card(user)
}

func (h *harness) formState(serial string) (state, stage string, version int) {
	h.t.Helper()
	var y, n int
	fmt.Sscanf(strings.NewReplacer("公开审〔", "", "〕", " ", "号", "").Replace(serial), "%d %d", &y, &n)
	row := struct {
		State   string `db:"state"`
		Stage   string `db:"stage"`
		Version int    `db:"version"`
	}{}
	if err := h.db.GetContext(context.Background(), &row, `SELECT state, stage, version FROM forms WHERE year = $1 AND seq = $2`, y, n); err != nil {
		h.t.Fatalf("form %s: %v", serial, err)
	}
	return row.State, row.Stage, row.Version
}

func (h *harness) decisions(serial string) []string {
	h.t.Helper()
	var out []string
	err := h.db.SelectContext(context.Background(), &out, `
		SELECT d.stage || ':' || d.approver || ':' || d.verdict FROM form_decisions d JOIN forms f ON f.id = d.form_id
		WHERE format('公开审〔%s〕%s号', f.year, f.seq) = $1 ORDER BY d.id`, serial)
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

func (h *harness) page(url string) (int, string) {
	h.t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestFormHappyPathWithoutLeader(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	serial := c.submit(staff, ordinary)
	if serial != "公开审〔2026〕1号" && !strings.HasPrefix(serial, "公开审〔") {
		t.Fatalf("serial %q", serial)
	}

	sec := c.card(head)
	if got := sec.Card.MainTitle.Desc; !strings.Contains(got, serial) || !strings.Contains(got, "股室负责人审核") {
		t.Fatalf("section card desc %q", got)
	}
	fields := map[string]string{}
	for _, f := range sec.Card.HorizontalContentList {
		fields[f.KeyName] = f.Value
	}
	if fields["承办"] != "综合一股 李娜" || fields["公开平台"] != "政府网站、“双微”公众号" || !strings.HasSuffix(fields["公开时限"], "前") {
		t.Fatalf("section card fields %v", fields)
	}
	c.click(head, sec, "approve")
	c.text(head, "已同意", "办公室审核")
	c.text(staff, "张伟同意", "办公室审核")

	off1, off2 := c.card(office1), c.card(office2)
	if off1.Card.MainTitle.Desc != off2.Card.MainTitle.Desc || off1.Card.TaskID == off2.Card.TaskID {
		t.Fatalf("office reviewers should each get their own copy of one card: %s %s, %s %s", off1.Card.TaskID, off1.Card.MainTitle.Desc, off2.Card.TaskID, off2.Card.MainTitle.Desc)
	}
	if n := len(off1.Card.ButtonList); n != 3 {
		t.Fatalf("office card has %d buttons, want 同意/同意并报主要负责人/驳回", n)
	}
	c.officeApprove(office2, off2, "approve")
	c.text(office2, "已同意", "办公室发布")
	c.text(staff, "林晓燕同意")
	waitUpdated(t, h, office1, off1.Card.TaskID, "林晓燕")

	pub := c.card(publisher)
	if len(pub.Card.ButtonList) != 2 {
		t.Fatalf("publish card buttons %v, want one per platform", pub.Card.ButtonList)
	}
	c.click(publisher, pub, "pub_0")
	c.text(publisher, "已确认", "政府网站")
	pub2 := c.card(publisher)
	if len(pub2.Card.ButtonList) != 1 || pub2.Card.ButtonList[0].Key != "pub_2" {
		t.Fatalf("second publish card buttons %v, want only “双微”公众号", pub2.Card.ButtonList)
	}
	c.say(publisher, "https://kfq.example.gov.cn/hbj/2026/1.html")
	c.text(publisher, "已登记政府网站")
	c.click(publisher, pub2, "pub_2")
	c.text(publisher, "已在全部平台发布")
	c.text(staff, "已公开")
	// Each publish card keeps what its own click said (issue 15): the
	// first is not rewritten when the second platform is confirmed.
	waitUpdated(t, h, publisher, pub2.Card.TaskID, "已发布")
	for _, m := range h.corp.Messages(publisher) {
		if m.Card != nil && m.Card.TaskID == pub.Card.TaskID && m.ReplacedButton != "政府网站 已发布" {
			t.Errorf("the first publish card shows %q, want 政府网站 已发布", m.ReplacedButton)
		}
	}

	if st, stage, _ := h.formState(serial); st != "published" || stage != "" {
		t.Fatalf("form state %s/%s, want published", st, stage)
	}
	want := []string{"section:zhangwei:approve", "office:linxiaoyan:approve"}
	if got := h.decisions(serial); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("decisions %v, want %v", got, want)
	}
	var notice bool
	h.db.GetContext(context.Background(), &notice, `SELECT notice_due FROM forms LIMIT 1`)
	if !notice {
		t.Fatal("“双微”公众号 chosen but no public notice recorded as due")
	}

	st, body := h.page(sec.Card.CardAction.URL)
	if st != 200 {
		t.Fatalf("printable page: %d", st)
	}
	for _, w := range []string{serial, "李娜", "综合一股", "张伟", "林晓燕", "不适用", "已公开"} {
		if !strings.Contains(body, w) {
			t.Errorf("printable page lacks %q", w)
		}
	}
	c.none(head)
	c.none(office1)
}

// waitRecorded waits until the bot has recorded the send of the card
// (and so knows its response_code): a person reads a card before typing
// an answer to it, a test need not, and only a recorded card can be
// closed by a typed answer.
func waitRecorded(t *testing.T, h *harness, card sandbox.Received) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		if err := h.db.GetContext(context.Background(), &n, `SELECT count(*) FROM outbox WHERE idem_key = $1 AND status = 'sent'`, "card:"+card.Card.TaskID); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the send of card %s was not recorded", card.Card.TaskID)
}

// waitUpdated waits until user's copy of the card shows a replaced button
// containing want.
func waitUpdated(t *testing.T, h *harness, user, taskID, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range h.corp.Messages(user) {
			if m.Card != nil && m.Card.TaskID == taskID && strings.Contains(m.ReplacedButton, want) {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s's card %s was not updated to show %q", user, taskID, want)
}

func TestFormMajorItemGoesToLeaderAndPrintsThreeSignatures(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	d := ordinary
	d.major, d.platforms = true, []string{"p0"}
	serial := c.submit(staff, d)
	c.click(head, c.card(head), "approve")
	off := c.card(office1)
	c.card(office2)
	if n := len(off.Card.ButtonList); n != 2 {
		t.Fatalf("office card for a major item has %d buttons, want 同意/驳回", n)
	}
	c.officeApprove(office1, off, "approve")
	waitUpdated(t, h, office1, off.Card.TaskID, "已同意")
	lead := c.card(leader)
	if !strings.Contains(lead.Card.MainTitle.Desc, "主要负责人审核") {
		t.Fatalf("leader card desc %q", lead.Card.MainTitle.Desc)
	}
	c.click(leader, lead, "approve")
	c.click(publisher, c.card(publisher), "pub_0")

	want := []string{"section:zhangwei:approve", "office:chenlixin:approve", "leader:zhouzhenhua:approve"}
	deadline := time.Now().Add(5 * time.Second)
	for h.formStateOnly(serial) != "published" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := h.decisions(serial); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("decisions %v, want %v", got, want)
	}
	_, body := h.page(lead.Card.CardAction.URL)
	i1, i2, i3 := strings.Index(body, "张伟"), strings.Index(body, "陈立新"), strings.Index(body, "周振华")
	if i1 < 0 || i2 < 0 || i3 < 0 || !(i1 < i2 && i2 < i3) {
		t.Fatalf("signatures not all shown in order 张伟 < 陈立新 < 周振华: %d %d %d", i1, i2, i3)
	}
	if strings.Count(body, "同意") < 3 {
		t.Fatalf("page shows fewer than three 同意")
	}
}

func (h *harness) formStateOnly(serial string) string {
	st, _, _ := h.formState(serial)
	return st
}

func TestFormOfficeEscalatesToLeader(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	serial := c.submit(staff, ordinary)
	c.click(head, c.card(head), "approve")
	c.card(office2)
	c.officeApprove(office1, c.card(office1), "escalate")
	c.text(office1, "已同意并报主要负责人")
	if _, stage, _ := h.formState(serial); stage != "leader" {
		t.Fatalf("after 同意并报主要负责人 the form is at %q, want leader", stage)
	}
	c.card(leader)
}

func TestFormRejectAtEachStageThenResubmit(t *testing.T) {
	t.Parallel()
	for _, at := range []string{"section", "office", "leader"} {
		t.Run(at, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			c := newCursor(h)
			d := ordinary
			d.major = true
			serial := c.submit(staff, d)
			approver, card := head, c.card(head)
			if at != "section" {
				c.click(head, card, "approve")
				c.text(head, "已同意")
				c.text(staff, "张伟同意")
				c.card(office2)
				approver, card = office1, c.card(office1)
			}
			if at == "leader" {
				c.officeApprove(office1, card, "approve")
				c.text(office1, "已同意")
				c.text(staff, "陈立新同意")
				approver, card = leader, c.card(leader)
			}
			c.click(approver, card, "reject")
			c.text(approver, "请回复驳回")
			c.say(approver, "标题中项目名称有误，请核对。")
			c.text(approver, "已驳回")
			waitUpdated(t, h, approver, card.Card.TaskID, "已驳回")
			rej := c.card(staff)
			if !strings.Contains(rej.Card.SubTitleText, "项目名称有误") {
				t.Fatalf("rejection card says %q", rej.Card.SubTitleText)
			}
			if st, _, _ := h.formState(serial); st != "rejected" {
				t.Fatalf("state %s, want rejected", st)
			}

			// The old card is dead for good.
			c.clickAnyway(approver, card, "approve")
			c.text(approver, "已失效")

			c.click(staff, rej, "resubmit")
			c.text(staff, "开始修改")
			c.text(staff, "第1步", "当前：")
			c.say(staff, "关于某化工企业环评审批结果的公示（更正）")
			for _, step := range []string{"第2步", "第3步"} {
				c.text(staff, step)
				c.say(staff, "保留")
			}
			for range 4 { // mode, category, platforms, major: keep the earlier answers
				c.card(staff)
				c.say(staff, "保留")
			}
			sum := c.card(staff)
			c.click(staff, sum, "confirm_submit")
			c.text(staff, "已重新提交", "第2版")
			if st, stage, v := h.formState(serial); st != "review" || stage != "section" || v != 2 {
				t.Fatalf("after resubmission %s/%s v%d, want review/section v2", st, stage, v)
			}
			c.click(head, c.card(head), "approve")
			var versions int
			h.db.GetContext(context.Background(), &versions, `SELECT count(*) FROM form_versions`)
			if versions != 2 {
				t.Fatalf("%d versions kept, want 2", versions)
			}
		})
	}
}

func TestFormWithdrawAndRefusedClicks(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	serial := c.submit(staff, ordinary)
	sec := c.card(head)

	// Someone other than the assigned approver.
	c.clickAnyway(staff2, sec, "approve")
	c.text(staff2, "不是该审批单此环节的审批人")
	// The submitter cannot approve either.
	c.clickAnyway(staff, sec, "approve")
	c.text(staff, "不是")

	// 撤回 asks first; 不撤回 leaves the form where it was.
	c.say(staff, "撤回 "+serial)
	ask := c.card(staff)
	if !strings.Contains(ask.Card.MainTitle.Desc, "确认撤回") || len(ask.Card.ButtonList) != 2 {
		t.Fatalf("confirmation card %q with %d buttons", ask.Card.MainTitle.Desc, len(ask.Card.ButtonList))
	}
	c.click(staff, ask, "withdraw_no")
	c.text(staff, "未撤回 "+serial, "待股室负责人审核")
	waitUpdated(t, h, staff, ask.Card.TaskID, "未撤回")
	c.none(head)
	if st, _, _ := h.formState(serial); st != "review" {
		t.Fatalf("state %s after 不撤回, want review", st)
	}

	c.say(staff, "撤回 "+serial)
	confirm := c.card(staff)
	c.click(staff, confirm, "withdraw_yes")
	c.text(staff, "已撤回 "+serial)
	waitUpdated(t, h, staff, confirm.Card.TaskID, "已撤回")
	c.text(head, "已由承办人撤回")
	waitUpdated(t, h, head, sec.Card.TaskID, "撤回")
	c.clickAnyway(head, sec, "approve")
	c.text(head, "已失效")
	if st, _, _ := h.formState(serial); st != "withdrawn" {
		t.Fatalf("state %s, want withdrawn", st)
	}
	// Once withdrawn, it says so: when, and by whom.
	c.say(staff, "撤回 "+serial)
	c.text(staff, serial+" 已于"+todayText(), "由李娜撤回，无需再次撤回")
	c.clickAnyway(staff, ask, "withdraw_yes") // the earlier confirmation, clicked anyway
	c.text(staff, "由李娜撤回，无需再次撤回")
	if got := h.decisions(serial); len(got) != 0 {
		t.Fatalf("decisions after refused clicks: %v", got)
	}
}

func TestFormSecondClickAndEarlierStageRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	serial := c.submit(staff, ordinary)
	sec := c.card(head)
	c.click(head, sec, "approve")
	c.text(head, "已同意")
	// (The same click within the same second would be WeCom's own repeat,
	// ignored by the inbox: TestRepostedCallbackIsActedOnOnce.)
	c.clickAnyway(head, sec, "reject") // another button of the decided card
	c.text(head, "已失效")
	time.Sleep(1100 * time.Millisecond)
	c.clickAnyway(head, sec, "approve") // a later second click
	c.text(head, "已失效")
	if got := h.decisions(serial); len(got) != 1 {
		t.Fatalf("decisions %v, want exactly one", got)
	}
}

func TestFormConcurrentClicksCountOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	serial := c.submit(staff, ordinary)
	c.click(head, c.card(head), "approve")
	off1, off2 := c.card(office1), c.card(office2)
	// The last steps of a 同意 and a 驳回 race: the 保密审查's submit and
	// the reason.
	c.click(office1, off1, "approve")
	rev := c.card(office1)
	c.click(office2, off2, "reject")
	c.text(office2, "请回复驳回")
	var wg sync.WaitGroup
	wg.Go(func() { c.tick(office1, rev, allChecks["secrecy"]...) })
	wg.Go(func() { c.say(office2, "数据有误。") })
	wg.Wait()
	got := h.decisions(serial)
	if len(got) != 2 {
		t.Fatalf("decisions %v, want the section's and exactly one office decision", got)
	}
	if !strings.HasPrefix(got[1], "office:") {
		t.Fatalf("second decision %q", got[1])
	}
}

func TestFormHeadsOwnSubmissionSkipsSectionStage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	serial := c.submit(head, ordinary)
	c.card(office1)
	c.card(office2)
	if got := h.decisions(serial); len(got) != 1 || got[0] != "section:zhangwei:self" {
		t.Fatalf("decisions %v, want section recorded as 本人提交", got)
	}
	if _, stage, _ := h.formState(serial); stage != "office" {
		t.Fatalf("stage %s, want office", stage)
	}
}

func TestFormOfficeReviewersOwnSubmissionGoesToTheOther(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	serial := c.submit(office2, ordinary)
	// office2 is not the head of 综合办公室: office1 reviews the section
	// stage, and then only office1 (not office2) the office stage.
	c.click(office1, c.card(office1), "approve")
	c.text(office1, "已同意", "下一环节：办公室审核（陈立新）")
	off := c.card(office1)
	if !strings.Contains(off.Card.MainTitle.Desc, "办公室审核") {
		t.Fatalf("card %q", off.Card.MainTitle.Desc)
	}
	c.text(office2, "陈立新同意") // told as the submitter, not asked as a reviewer
	c.none(office2)
	if got := h.decisions(serial); len(got) != 1 || got[0] != "section:chenlixin:approve" {
		t.Fatalf("decisions %v", got)
	}
}

func TestWizardWrongAnswersKeepTheDraft(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	c.say(staff, "提交")
	c.text(staff, "开始填写")
	c.text(staff, "第1步")
	c.say(staff, strings.Repeat("长", 101))
	c.text(staff, "不能超过100个字")
	c.text(staff, "第1步")
	c.say(staff, "保留")
	c.text(staff, "还没有可沿用的内容")
	c.text(staff, "第1步")
	c.say(staff, "标题")
	c.text(staff, "第2步")
	c.say(staff, strings.Repeat("字", 1001))
	c.text(staff, "不能超过1000个字")
	c.text(staff, "第2步")
	c.say(staff, "内容")
	c.text(staff, "第3步")
	for bad, want := range map[string]string{"2026-13-01": "2026年13月1日不存在，请核对", "下周一": "没有识别出日期"} {
		c.say(staff, bad)
		c.text(staff, want)
		c.text(staff, "第3步")
	}
	for _, future := range []string{"明天", "2099-01-01"} {
		c.say(staff, future)
		c.text(staff, "不能晚于今天")
		c.text(staff, "第3步")
	}
	c.say(staff, "上一步")
	c.text(staff, "第2步", "当前：内容")
	c.say(staff, "保留")
	c.text(staff, "第3步")
	c.say(staff, "昨天")
	c.text(staff, "信息形成日期："+dayText(-1))
	mode := c.card(staff)
	waitRecorded(t, h, mode)
	c.say(staff, "随便")
	c.text(staff, "主动公开")
	// A wrong answer gets a hint, not a second card: the first is still
	// the one to answer (issue 15). Answered by typing, it is closed.
	c.say(staff, "依申请")
	c.text(staff, "请输入对应的政府信息公开申请编号") // issue 17
	c.say(staff, "跳过")
	c.text(staff, "未关联申请")
	pl := c.card(staff)
	waitRecorded(t, h, pl)
	waitUpdated(t, h, staff, mode.Card.TaskID, "已回复：依申请公开")
	c.clickAnyway(staff, mode, "mode_active")
	c.text(staff, "已过期")
	c.say(staff, "5")
	c.text(staff, "序号应为 1 到 4")
	c.say(staff, "2、三务")
	c.card(staff) // major
	// Answered by typing, the platforms card is closed and stale.
	waitUpdated(t, h, staff, pl.Card.TaskID, "已回复")
	if st, err := h.corp.User(staff).ClickAnyway(context.Background(), pl.Card.TaskID, pl.Card.CardType, "platforms_ok", map[string][]string{"platforms": {"p1"}}); err != nil || st != 200 {
		t.Fatal(st, err)
	}
	c.text(staff, "已过期")
	c.say(staff, "可能")
	c.text(staff, "是」或「否")
	c.say(staff, "提交") // a second draft is not started meanwhile
	c.text(staff, "尚未完成的草稿")
	c.none(staff) // the major question's card is still the one to answer
	c.say(staff, "否")
	sum := c.card(staff)
	var pf string
	for _, f := range sum.Card.HorizontalContentList {
		if f.KeyName == "公开平台" {
			pf = f.Value
		}
		if f.KeyName == "公开时限" && f.Value != "依申请公开，不适用" {
			t.Errorf("公开时限 of a 依申请公开 form: %q", f.Value)
		}
	}
	if pf != "政务信息期刊、三务公开" {
		t.Fatalf("platforms on the summary %q", pf)
	}
	if st, err := h.corp.User(staff).ClickMenu(context.Background(), "submit"); err != nil || st != 200 {
		t.Fatal(st, err)
	}
	c.text(staff, "尚未完成的草稿")
	c.card(staff) // the summary again
	c.say(staff, "取消")
	c.text(staff, "已取消")
	var n int
	h.db.GetContext(context.Background(), &n, `SELECT count(*) FROM forms`)
	if n != 0 {
		t.Fatalf("%d forms stored after a cancelled draft", n)
	}
}

func TestWizardDraftExpiryIsAnnounced(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	c.say(staff, "提交")
	c.text(staff, "开始填写")
	c.text(staff, "第1步")
	c.say(staff, "标题")
	c.text(staff, "第2步")
	// The idle TTL runs out: Redis drops its copy, and the conversation
	// Postgres records was last touched more than 30 minutes ago.
	ctx := context.Background()
	if err := h.redis.Client.Del(ctx, h.redis.Prefix+"session:"+staff).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := h.db.ExecContext(ctx, `UPDATE conversations SET saved_at = saved_at - interval '31 minutes' WHERE user_id = $1`, staff); err != nil {
		t.Fatal(err)
	}
	c.say(staff, "一些内容")
	c.text(staff, "草稿因超过30分钟未操作已失效")
	c.none(staff)
	c.say(staff, "提交")
	c.text(staff, "开始填写")
}

func TestMyFormsTodoAndQuery(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	serial := c.submit(staff, ordinary)
	c.card(head)
	c.say(staff, "我的申请")
	c.text(staff, serial, "审核中", "待股室负责人审核（张伟）")
	c.say(head, "待办")
	c.text(head, "1 件待办")
	live := c.card(head)
	c.click(head, live, "approve") // the re-sent card works
	c.text(head, "已同意")
	c.say(staff2, "查询 "+serial)
	c.text(staff2, "无权查看")
	c.text(staff, "张伟同意")
	c.card(office1)
	c.say(office1, "查询 "+serial)
	page := c.text(office1, serial, "李娜提交审批单。", "张伟同意（股室负责人审核）。", "/forms/")
	_, link, _ := strings.Cut(page, "审批单：")
	if st, _ := h.page(strings.TrimSpace(link)); st != 200 {
		t.Fatalf("query link: %d", st)
	}
	if st, _ := h.page(strings.TrimSpace(link) + "0"); st != 403 {
		t.Fatalf("tampered link: %d, want 403", st)
	}
	c.say(staff2, "查询 2026-999")
	c.text(staff2, "没有找到")
}

// The crash window of issue 14: the process dies after a 提交 committed
// but before the conversation was cleared in Redis. The user, finding the
// summary card still live, submits again: the same form comes back, no
// second one is made.
func TestDraftSubmittedTwiceAfterACrashYieldsOneForm(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	ctx := context.Background()
	c.say(staff, "提交")
	c.text(staff, "开始填写")
	c.text(staff, "第1步")
	c.say(staff, ordinary.title)
	c.text(staff, "第2步")
	c.say(staff, ordinary.summary)
	c.text(staff, "第3步")
	c.say(staff, "今天")
	c.text(staff, "信息形成日期："+todayText())
	c.click(staff, c.card(staff), "mode_active")
	c.category(staff, "", "")
	pl := c.card(staff)
	if st, err := h.corp.User(staff).Submit(ctx, pl.Card.TaskID, map[string][]string{"platforms": {"p0"}}); err != nil || st != 200 {
		t.Fatalf("platforms: %d, %v", st, err)
	}
	c.click(staff, c.card(staff), "major_no")
	sum := c.card(staff)
	key := h.redis.Prefix + "session:" + staff
	saved, err := h.redis.Client.Get(ctx, key).Bytes()
	if err != nil {
		t.Fatalf("the draft is not in Redis under %s: %v", key, err)
	}
	c.click(staff, sum, "confirm_submit")
	c.text(staff, "已提交，编号 公开审〔")
	c.card(head)
	// What Redis holds when the process died before the session write.
	if err := h.redis.Client.Set(ctx, key, saved, time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // a new click, not WeCom's repeat of the first
	c.clickAnyway(staff, sum, "confirm_submit")
	c.text(staff, "这份草稿已于", "提交，编号 公开审〔2026〕1号（第1版），无需再次提交")
	if n := countRows(t, h, `SELECT count(*) FROM forms`); n != 1 {
		t.Errorf("%d forms, want 1", n)
	}
	c.none(head)
	// The conversation is over: 提交 starts a new draft.
	c.say(staff, "提交")
	c.text(staff, "开始填写")
}

// TestFormCardWhoseSendAnswerWasLost: the answer of the office card's
// send to 陈立新 is lost (WeCom delivered it). The outbox retries, WeCom
// answers 42014 for the task_id it has, and the row counts as sent: no
// failure for the office. Its response_code was never learnt, so when
// 林晓燕 decides, 陈立新's copy cannot be updated; when he clicks it, the
// click's own response_code closes it.
func TestFormCardWhoseSendAnswerWasLost(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	serial := c.submit(staff, ordinary)
	sec := c.card(head)
	h.corp.DropAnswerNext("message/send", 1, `"touser":"`+office1+`","msgtype":"template_card"`)
	c.click(head, sec, "approve")
	c.text(head, "已同意")
	c.text(staff, "张伟同意")

	off1, off2 := c.card(office1), c.card(office2)
	c.officeApprove(office2, off2, "approve")
	c.text(office2, "已同意")
	c.text(staff, "林晓燕同意")
	pub := c.card(publisher)
	if pub.Card == nil {
		t.Fatal("no publish card")
	}

	c.click(office1, off1, "approve")
	c.text(office1, "已处理或已更新", serial)
	waitUpdated(t, h, office1, off1.Card.TaskID, "已处理")
	var failed int
	if err := h.db.GetContext(context.Background(), &failed, `SELECT count(*) FROM outbox WHERE status = 'failed'`); err != nil {
		t.Fatal(err)
	}
	if failed != 0 {
		t.Fatalf("%d outbox rows failed, want none: the lost answer's card was delivered", failed)
	}
	var attempts int
	if err := h.db.GetContext(context.Background(), &attempts, `SELECT attempts FROM outbox WHERE idem_key = $1 AND status = 'sent'`, "card:"+off1.Card.TaskID); err != nil {
		t.Fatal(err)
	}
	if attempts != 2 {
		t.Fatalf("陈立新's card was sent in %d attempts, want 2 (the lost answer and the 42014)", attempts)
	}
	n := 0
	for _, m := range h.corp.Messages(office1) {
		if m.Card != nil && m.Card.TaskID == off1.Card.TaskID {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("陈立新 holds %d copies of his card, want 1", n)
	}
	if got := h.decisions(serial); strings.Join(got, ",") != "section:zhangwei:approve,office:linxiaoyan:approve" {
		t.Fatalf("decisions %v", got)
	}
}

// Issue 14: Redis loses everything mid-conversation (a FLUSHALL, a failover
// without persistence). The draft is recorded in Postgres with each turn,
// so the next answer lands on the step it answers and nothing is asked
// twice.
func TestRedisFlushMidWizardKeepsTheDraft(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	ctx := context.Background()
	c.say(staff, "提交")
	c.text(staff, "开始填写")
	c.text(staff, "第1步")
	c.say(staff, ordinary.title)
	c.text(staff, "第2步")
	keys, err := h.redis.Client.Keys(ctx, h.redis.Prefix+"*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("keys under the prefix: %v, %v", keys, err)
	}
	if err := h.redis.Client.Del(ctx, keys...).Err(); err != nil {
		t.Fatal(err)
	}
	c.say(staff, ordinary.summary)
	c.text(staff, "第3步")
	c.say(staff, "今天")
	c.text(staff, "信息形成日期："+todayText())
	c.card(staff) // 第4步, 公开形式
}

// Issue 14: the process dies after an answer committed but before Redis
// was written, so Redis still holds the step before. Postgres knows the
// turn committed: the next answer goes to the next step, not again to the
// one just answered.
func TestCrashAfterAWizardAnswerKeepsTheStep(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	ctx := context.Background()
	c.say(staff, "提交")
	c.text(staff, "开始填写")
	c.text(staff, "第1步")
	key := h.redis.Prefix + "session:" + staff
	before, err := h.redis.Client.Get(ctx, key).Bytes()
	if err != nil {
		t.Fatalf("no session copy under %s: %v", key, err)
	}
	c.say(staff, ordinary.title)
	c.text(staff, "第2步")
	// What Redis holds when the process died before the session write.
	if err := h.redis.Client.Set(ctx, key, before, time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	c.say(staff, ordinary.summary)
	c.text(staff, "第3步")
	c.say(staff, "上一步")
	c.text(staff, "第2步", "当前：") // the summary was kept as the 简要内容, not taken for the title
	c.say(staff, "上一步")
	c.text(staff, "第1步", "当前："+ordinary.title)
}

// Issue 13: a response_code is good for 72 hours. The office card went
// out on a Friday (or before the Spring Festival) and is decided days
// later: the clicker's copy closes with the click's fresh code; the other
// holder's copy cannot be updated with its send's lapsed code — no
// delivery failure for the office — and closes when its holder clicks it.
func TestCardDecidedDaysLaterClosesForEveryHolder(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		age  time.Duration
	}{
		{"after a weekend", 4 * 24 * time.Hour},
		{"after the Spring Festival", 9 * 24 * time.Hour},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			cur := newCursor(h)
			serial := cur.submit(staff, ordinary)
			cur.click(head, cur.card(head), "approve")
			cur.text(head, "已同意")
			cur.text(staff, "张伟同意")
			off1, off2 := cur.card(office1), cur.card(office2)
			h.corp.AgeResponseCodes(c.age)

			cur.officeApprove(office2, off2, "approve")
			cur.text(office2, "已同意")
			waitUpdated(t, h, office2, off2.Card.TaskID, "已同意")
			cur.card(publisher)
			ctx := context.Background()
			deadline := time.Now().Add(10 * time.Second)
			for {
				var lapsed int
				if err := h.db.GetContext(ctx, &lapsed, `SELECT count(*) FROM outbox WHERE status = 'lapsed' AND kind = 'card_update'`); err != nil {
					t.Fatal(err)
				}
				if lapsed == 1 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d card updates lapsed, want 1 (陈立新's copy, with its send's expired code)", lapsed)
				}
				time.Sleep(20 * time.Millisecond)
			}
			var failed int
			if err := h.db.GetContext(ctx, &failed, `SELECT count(*) FROM outbox WHERE status = 'failed'`); err != nil {
				t.Fatal(err)
			}
			if failed != 0 {
				t.Fatalf("%d outbox rows failed: a lapsed code is no delivery failure", failed)
			}

			// 陈立新 opens his copy days later and clicks: he is told who
			// decided, and his copy closes with his click's code.
			cur.click(office1, off1, "approve")
			cur.text(office1, "已处理或已更新", serial)
			waitUpdated(t, h, office1, off1.Card.TaskID, "已处理")
			if got := h.decisions(serial); strings.Join(got, ",") != "section:zhangwei:approve,office:linxiaoyan:approve" {
				t.Fatalf("decisions %v", got)
			}
		})
	}
}

// Issue 13: WeCom drops app messages beyond 30 a minute per member, and the
// outbox paces each person to 25 (OUTBOX_RECIPIENT_RATE's default). A
// person answering the wizard every three seconds must not wait for the
// pacing: each answer costs one message (a turn's texts are gathered).
// The test checks that every reply comes, in order; how long each took is
// logged, not asserted — docs/performance.md has the figure.
func TestWizardAnsweredAtNaturalSpeed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(env map[string]string) { env["OUTBOX_RECIPIENT_RATE"] = "25/m;900/h" })
	answers := []string{"提交", ordinary.title, ordinary.summary, "今天", "主动公开", "其他", "1,3", "否", "提交"}
	wants := []string{"第1步", "第2步", "第3步", "第4步", "第5步", "第6步", "第7步", "请核对", "已提交"}
	var lags []time.Duration
	for i, a := range answers {
		before := len(h.corp.Messages(staff))
		sent := time.Now()
		if st, err := h.corp.User(staff).SendText(context.Background(), a); err != nil || st != 200 {
			t.Fatalf("%s says %q: %d, %v", staff, a, st, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		var got sandbox.Received
		for got.MsgID == "" {
			changed := h.corp.Changed() // before looking: a reply in between is not missed
			msgs := h.corp.Messages(staff)
			for _, m := range msgs[before:] {
				text := m.Text
				if m.Card != nil {
					text = m.Card.MainTitle.Title + " " + m.Card.Source.Desc
				}
				if strings.Contains(text, wants[i]) {
					got = m
					break
				}
			}
			if got.MsgID == "" {
				select {
				case <-changed:
				case <-ctx.Done():
					t.Fatalf("answer %d (%q): no reply containing %q: %v; got %s", i+1, a, wants[i], ctx.Err(), lastTexts(msgs))
				}
			}
		}
		cancel()
		lags = append(lags, got.At.Sub(sent))
		if msgs := len(h.corp.Messages(staff)) - before; msgs > 2 {
			t.Errorf("answer %d (%q) cost %d messages", i+1, a, msgs)
		}
		time.Sleep(time.Until(sent.Add(3 * time.Second)))
	}
	slices.Sort(lags)
	t.Logf("replies to an answer every 3 s, paced at 25/min: median %v, slowest %v (%d answers)",
		lags[len(lags)/2].Round(time.Millisecond), lags[len(lags)-1].Round(time.Millisecond), len(lags))
}

// Issue 15: 修改 on the summary lets the user pick the field to change
// and comes back to the summary, instead of walking every step again; a
// typed 提交 closes the summary card it answered.
func TestWizardEditPicksOneField(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	c.say(staff, "提交")
	c.text(staff, "开始填写")
	c.text(staff, "第1步")
	c.say(staff, ordinary.title)
	c.text(staff, "第2步")
	c.say(staff, ordinary.summary)
	c.text(staff, "第3步")
	c.say(staff, "今天")
	c.text(staff, "信息形成日期")
	c.click(staff, c.card(staff), "mode_active")
	c.category(staff, "", "")
	pl := c.card(staff)
	if st, err := h.corp.User(staff).Submit(context.Background(), pl.Card.TaskID, map[string][]string{"platforms": {"p0"}}); err != nil || st != 200 {
		t.Fatal(st, err)
	}
	c.click(staff, c.card(staff), "major_no")
	sum := c.card(staff)
	c.click(staff, sum, "confirm_edit")
	c.text(staff, "请回复要修改的项目序号", "1 标题", "2 简要内容", "全部")
	c.say(staff, "9")
	c.text(staff, "请回复 1 到")
	c.say(staff, "2")
	c.text(staff, "第2步", "当前："+ordinary.summary)
	c.say(staff, "改过的简要内容。")
	again := c.card(staff) // straight back to the summary
	if again.Card.SubTitleText != "改过的简要内容。" {
		t.Fatalf("summary after the change: %q", again.Card.SubTitleText)
	}
	waitRecorded(t, h, again)
	c.say(staff, "修改")
	c.text(staff, "请回复要修改的项目序号")
	waitUpdated(t, h, staff, again.Card.TaskID, "修改中")
	c.say(staff, "上一步")
	last := c.card(staff) // back to the summary, nothing changed
	waitRecorded(t, h, last)
	c.say(staff, "提交")
	c.text(staff, "已提交，编号 公开审〔")
	waitUpdated(t, h, staff, last.Card.TaskID, "已提交")
	if n := countRows(t, h, `SELECT count(*) FROM forms WHERE summary = '改过的简要内容。'`); n != 1 {
		t.Fatalf("%d forms with the changed summary, want 1", n)
	}
}

// The 12345 registration has 修改 on its summary card too, by the same
// machinery: pick 办理时限 by name, change it, and submit.
func TestRegistrationEditPicksOneField(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	c.say(registrar, "登记")
	c.text(registrar, "登记12345转办工单")
	c.text(registrar, "第1/10步")
	c.say(registrar, "GD-EDIT-1")
	c.click(registrar, c.card(registrar), "r_2")
	c.text(registrar, "第3/10步")
	c.say(registrar, "某企业夜间排放刺鼻气体。")
	c.text(registrar, "第4/10步")
	c.say(registrar, "跳过")
	c.text(registrar, "第5/10步")
	c.say(registrar, "跳过")
	c.text(registrar, "第6/10步")
	c.say(registrar, "跳过")
	c.click(registrar, c.card(registrar), "r_0")
	c.text(registrar, "第8/10步")
	c.say(registrar, "现在")
	c.text(registrar, "第9/10步")
	c.say(registrar, "默认")
	c.click(registrar, c.card(registrar), "r_0")
	sum := c.card(registrar)
	c.click(registrar, sum, "reg_edit")
	c.text(registrar, "请回复要修改的项目序号", "办理时限")
	c.say(registrar, "办理时限")
	c.text(registrar, "第9/10步")
	due := time.Now().In(businessLocation()).AddDate(0, 0, 40)
	c.say(registrar, due.Format("2006-01-02"))
	c.text(registrar, "办理时限："+due.Format("2006年1月2日"))
	sum = c.card(registrar)
	var shown string
	for _, f := range sum.Card.HorizontalContentList {
		if f.KeyName == "办理时限" {
			shown = f.Value
		}
	}
	if !strings.HasPrefix(shown, due.Format("2006年1月2日")) {
		t.Fatalf("办理时限 on the summary %q, want %s", shown, due.Format("2006年1月2日"))
	}
	c.click(registrar, sum, "reg_submit")
	c.text(registrar, "已登记12345工单 GD-EDIT-1")
}
