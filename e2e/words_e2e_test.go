package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/zwgk-bot/zwgk/sandbox"
)

// asciiWord is what an action code looks like in a timeline: letters.
var asciiWord = regexp.MustCompile(`[A-Za-z_]{2,}`)

// stamped is a timeline line's start: the moment with its year (issue 15
// item 1), 2026年12月1日 09:30.
var stamped = regexp.MustCompile(`^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2} `)

// timelineOf is the lines of a lookup's 办理过程, without the link after.
func timelineOf(t *testing.T, text string) []string {
	t.Helper()
	_, rest, ok := strings.Cut(text, "办理过程：")
	if !ok {
		t.Fatalf("no 办理过程 in %q", text)
	}
	rest, _, _ = strings.Cut(rest, "\n审批单：")
	return strings.Split(strings.TrimSpace(rest), "\n")
}

// wantLines checks that lines hold each of want, in order, that each
// starts with its moment, year included, and that none shows an action
// code.
func wantLines(t *testing.T, lines []string, want ...string) {
	t.Helper()
	i := 0
	for _, l := range lines {
		if !stamped.MatchString(l) {
			t.Errorf("timeline line %q does not start with its date and year", l)
		}
		if w := asciiWord.FindString(l); w != "" {
			t.Errorf("timeline line %q shows %q", l, w)
		}
		if i < len(want) && strings.Contains(l, want[i]) {
			i++
		}
	}
	if i < len(want) {
		t.Fatalf("timeline lacks %q (in this order: %q):\n%s", want[i], want, strings.Join(lines, "\n"))
	}
}

// TestTimelinesSpeakTheBureausWords (issue 15 item 4): 查询, the printed
// form's 办理记录 and 「工单 工单号」 tell each step as a sentence with who,
// to whom, the result and the reason; what the system did is said as what
// happened, never as an action code.
func TestTimelinesSpeakTheBureausWords(t *testing.T) {
	t.Parallel()
	const token = "api-token-for-tests-0123456789"
	var mp *sandbox.MP
	h := newHarness(t, withMP(t, false, &mp), func(env map[string]string) { env["API_TOKEN"] = token })
	sub := mp.Follower("oWords")
	mpDo(t, "follow", sub.Follow)
	mpDo(t, "subscribe", func(ctx context.Context) (int, error) { return sub.SendText(ctx, "订阅") })
	mpWait(t, mp, "oWords", 2)

	// A form through approval and publication on both of its platforms.
	c := newCursor(h)
	serial := c.submit(staff, ordinary) // 政府网站 and “双微”公众号
	sec := c.card(head)
	c.click(head, sec, "approve")
	c.text(head, "已同意")
	c.text(staff, "张伟同意")
	c.card(office1)
	off := c.card(office2)
	c.officeApprove(office2, off, "approve")
	c.text(office2, "已同意")
	c.text(staff, "林晓燕同意")
	pub := c.card(publisher)
	c.click(publisher, pub, "pub_0")
	c.text(publisher, "已确认")
	pub2 := c.card(publisher)
	c.say(publisher, "第12期专栏")
	c.text(publisher, "已登记政府网站的发布信息")
	c.click(publisher, pub2, "pub_2")
	c.text(publisher, "已在全部平台发布")
	c.text(staff, "已公开")
	mpWait(t, mp, "oWords", 3)

	c.say(staff, "查询 "+serial)
	got := c.text(staff, serial)
	wantLines(t, timelineOf(t, got),
		"李娜提交审批单。",
		"张伟同意（股室负责人审核）。",
		"林晓燕同意（办公室审核）。",
		"何静确认已在政府网站发布。",
		"何静登记政府网站的发布信息：第12期专栏",
		"何静确认已在“双微”公众号发布。",
		"已在全部平台发布，审批单已公开。",
		"已通过公众号向1位订阅的关注者推送公开信息。")

	// The printed form's 办理记录 says the same.
	_, link, _ := strings.Cut(got, "审批单：")
	st, page := h.page(strings.TrimSpace(link))
	if st != 200 {
		t.Fatalf("form page: %d", st)
	}
	for _, want := range []string{"张伟", "同意（股室负责人审核）。", "已通过公众号向1位订阅的关注者推送公开信息。", "已在全部平台发布，审批单已公开。"} {
		if !strings.Contains(page, want) {
			t.Errorf("the printed 办理记录 lacks %q", want)
		}
	}
	for _, internal := range []string{"mp_notice_queued", ">system<", "publish_reference"} {
		if strings.Contains(page, internal) {
			t.Errorf("the printed form shows %q", internal)
		}
	}

	// An order from the 12345 system, with the caller's openid but no
	// answer template: returned once, then handled to its 回访.
	if st, out := apiCall(t, "POST", h.base+"/api/v1/orders", token, map[string]any{
		"ticket_no": "GD-WORDS-0001", "category": "投诉", "content": "工地夜间施工噪音扰民。", "location": "某小区东侧",
		"caller_name": "赵女士", "caller_phone": "13900139000", "urgency": "normal",
		"received_at": "2026-11-27T10:00:00+08:00", "section": "综合一股", "openid": "oWords",
	}); st != 201 {
		t.Fatalf("create: %d %v", st, out)
	}
	c.text(office1, "已由系统登记")
	disp := c.card(head)
	c.click(head, disp, "return")
	c.text(head, "退回工单 GD-WORDS-0001 的理由")
	// A command inside the conversation is refused as a reason; an answer
	// that begins like one (工单…) is the reason.
	c.say(head, "查看待办")
	c.text(head, "请直接回复理由")
	c.say(head, "工单所涉工地属环境监察室管辖")
	c.text(head, "已将工单 GD-WORDS-0001 退回登记人")
	c.text(office1, "退回", "工单所涉工地属环境监察室管辖")
	back := c.card(office1)
	c.click(office1, back, "to_3") // 环境监察室
	c.text(office1, "派发至环境监察室")
	disp = c.card(head3)
	c.click(head3, disp, "accept")
	c.text(office1, "已签收")
	assign := c.card(head3)
	c.click(head3, assign, "h_xupeng")
	c.text(office1, "已指定徐鹏办理")
	handle := c.card("xupeng")
	c.click("xupeng", handle, "finish")
	c.text("xupeng", "请输入答复内容")
	c.say("xupeng", "经核查，施工单位已停止夜间施工。")
	c.text("xupeng", "核查结果")
	c.say("xupeng", "属实")
	c.text("xupeng", "处理措施")
	c.say("xupeng", "责令整改。")
	c.text("xupeng", "已办结")
	c.text(office1, "已由徐鹏办结")
	reply := c.card(office1)
	c.click(office1, reply, "replied")
	c.text(office1, "已办结并回复12345")
	visit := c.card(office1)
	c.click(office1, visit, "v_0") // 满意
	c.text(office1, "已记录回访结果：满意")

	c.say(office1, "工单 GD-WORDS-0001")
	og := c.text(office1, "12345工单 GD-WORDS-0001")
	wantLines(t, timelineOf(t, og),
		"经系统接口登记工单，首问责任人陈立新，派发至综合一股，办理时限",
		"张伟将工单退回登记人，理由：工单所涉工地属环境监察室管辖。",
		"陈立新将工单重新派发至环境监察室。",
		"吴敏签收工单。",
		"吴敏指定徐鹏为承办人。",
		"徐鹏办结工单，核查结果：属实。",
		"陈立新已将办理结果回复12345。",
		"公众号未开通答复通知，答复未推送给来电人。",
		"陈立新回访来电人，结果：满意。")
}

// TestCommandsInTheirNaturalWords (issue 15 item 7): greetings are
// answered with what the bot does, the natural variants of each command
// work, and 「查询」 with a 工单号 or with 12345 is about 12345 orders, not a
// form number made of its digits.
func TestCommandsInTheirNaturalWords(t *testing.T) {
	t.Parallel()
	const token = "api-token-for-tests-0123456789"
	h := newHarness(t, func(env map[string]string) { env["API_TOKEN"] = token })
	c := newCursor(h)

	for _, hello := range []string{"你好", "您好！", "Hi"} {
		c.say(staff, hello)
		c.text(staff, "李娜，您好", "「提交」", "「待办」", "「登记」", "「帮助」")
	}
	c.say(staff, "查询12345")
	got := c.text(staff, "12345工单", "「工单 工单号」", "「我的工单」")
	if strings.Contains(got, "公开审") && strings.Contains(got, "没有找到") {
		t.Fatalf("查询12345 looked for a form: %q", got)
	}
	c.say(staff, "查询 2026112800999")
	c.text(staff, "没有找到工单号为 2026112800999 的12345工单")

	c.say(staff, "查看待办")
	c.text(staff, "没有待办")
	c.say(staff, "我的12345工单")
	c.text(staff, "没有登记或承办的12345工单")
	c.say(staff, "我提交的申请")
	c.text(staff, "还没有提交过公开申请")

	for _, start := range []string{"提交申请", "你好，我要提交", "新建审批单"} {
		c.say(staff, start)
		c.text(staff, "开始填写")
		c.text(staff, "第1步")
		c.say(staff, "取消")
		c.text(staff, "已取消")
	}

	if st, out := apiCall(t, "POST", h.base+"/api/v1/orders", token, map[string]any{
		"ticket_no": "2026112800123", "category": "咨询", "content": "咨询环评公示的查阅方式。", "caller_name": "钱先生",
		"caller_phone": "13700137000", "urgency": "normal", "received_at": "2026-11-27T10:00:00+08:00", "section": "综合一股",
		"registrar": staff,
	}); st != 201 {
		t.Fatalf("create: %d %v", st, out)
	}
	c.text(staff, "已由系统登记")
	c.card(head)
	for _, lookup := range []string{"查询 2026112800123", "查询工单2026112800123", "工单 2026112800123"} {
		c.say(staff, lookup)
		c.text(staff, "12345工单 2026112800123（咨询）", "办理过程：")
	}
	c.say(staff, "我的工单")
	c.text(staff, "2026112800123")
}
