package router

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/zwgk-bot/zwgk/applications"
	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// phrase is one thing a user may ask for in a word: the bureau's own word
// first, then what people naturally type for it. A phrase matches the
// whole text only (after normalising spaces, final punctuation and letter
// case), never its beginning: inside a conversation the same words may be
// an answer (a 驳回 reason, a title), and a phrase that matched a
// beginning would take that answer for a command.
type phrase struct {
	name  string // for tests
	words []string
	run   func(r *Router, ctx context.Context, t *chat.Turn, s *chat.Session) error
}

// phrases are the commands without an argument, with their variants.
var phrases = []phrase{
	{"help", []string{"帮助", "help", "?", "？", "菜单", "使用说明", "怎么用", "如何使用", "能做什么", "有什么功能"}, (*Router).onHelp},
	{"greet", greetings, (*Router).onGreet},
	{"submit", []string{"提交", "提交公开申请", "公开申请", "提交申请", "我要提交", "新建审批单", "提交审批单", "填写审批单",
		"填审批单", "新建申请", "新申请", "我要申请", "申请公开", "发起申请", "发起审批", "我要公开", "信息公开申请", "填写公开申请"},
		(*Router).onSubmit},
	{"my forms", []string{"我的申请", "我的审批单", "我提交的", "我提交的申请", "查看我的申请", "我的公开申请", "申请进度",
		"我的申请进度"}, (*Router).onMyForms},
	{"todo", []string{"待办", "我的待办", "查看待办", "待办事项", "我的待办事项", "查看待办事项", "待审核", "待我审核", "待审批",
		"待处理", "待发布", "有什么待办", "有待办吗"}, (*Router).onTodo},
	{"register", []string{"登记", "登记12345", "登记工单", "登记12345工单", "12345登记", "新建工单", "新工单", "录入工单",
		"工单登记"}, (*Router).onRegister},
	{"my orders", []string{"我的工单", "我的12345工单", "我的12345", "查看我的工单", "查看工单", "工单列表", "我登记的工单",
		"我承办的工单", "我办理的工单", "我的工单列表"}, (*Router).onMyOrders},
	{"overdue", []string{"超期工单", "逾期工单", "超时工单", "查看超期工单"}, (*Router).onOverdue},
	{"stats", []string{"统计", "工单统计", "12345统计", "本月统计", "查看统计"}, (*Router).onStats},
	{"register application", []string{"登记申请", "依申请登记", "登记依申请", "登记公开申请", "登记信息公开申请",
		"登记政府信息公开申请", "申请登记"}, (*Router).onRegisterApplication},
	{"my applications", []string{"我的申请件", "我的依申请", "我办理的申请", "我承办的申请", "查看我的申请件"}, (*Router).onMyApplications},
	{"overdue applications", []string{"超期申请", "逾期申请", "超期申请件", "超期依申请", "查看超期申请"}, (*Router).onOverdueApplications},
	{"application stats", []string{"申请统计", "依申请统计", "依申请公开统计", "申请件统计"}, (*Router).onApplicationStats},
}

func (r *Router) onApplicationStats(ctx context.Context, t *chat.Turn, _ *chat.Session) error {
	return r.Applications.Stats(ctx, t, "")
}
func (r *Router) applicationStats(ctx context.Context, t *chat.Turn, arg string) error {
	return r.Applications.Stats(ctx, t, arg)
}

func (r *Router) onRegisterApplication(ctx context.Context, t *chat.Turn, s *chat.Session) error {
	return r.Applications.Start(ctx, t, s)
}
func (r *Router) onMyApplications(ctx context.Context, t *chat.Turn, _ *chat.Session) error {
	return r.Applications.Mine(ctx, t)
}
func (r *Router) onOverdueApplications(ctx context.Context, t *chat.Turn, _ *chat.Session) error {
	return r.Applications.Overdue(ctx, t)
}

// What each phrase does.
func (r *Router) onHelp(ctx context.Context, t *chat.Turn, _ *chat.Session) error {
	return r.help(ctx, t)
}
func (r *Router) onGreet(ctx context.Context, t *chat.Turn, _ *chat.Session) error {
	return r.Text(ctx, t, t.Person.UserID, greetText(t.Person.Name))
}
func (r *Router) onSubmit(ctx context.Context, t *chat.Turn, s *chat.Session) error {
	return r.Forms.StartDraft(ctx, t, s)
}
func (r *Router) onMyForms(ctx context.Context, t *chat.Turn, _ *chat.Session) error {
	return r.Forms.MyForms(ctx, t)
}
func (r *Router) onTodo(ctx context.Context, t *chat.Turn, _ *chat.Session) error {
	return r.todo(ctx, t)
}

// todo answers 待办: the forms' cards again, then what of the register
// waits for the person.
func (r *Router) todo(ctx context.Context, t *chat.Turn) error {
	others, err := r.Applications.Waiting(ctx, t)
	if err != nil {
		return err
	}
	return r.Forms.Todo(ctx, t, others)
}
func (r *Router) onRegister(ctx context.Context, t *chat.Turn, s *chat.Session) error {
	return r.Orders.StartRegister(ctx, t, s)
}
func (r *Router) onMyOrders(ctx context.Context, t *chat.Turn, _ *chat.Session) error {
	return r.Orders.MyOrders(ctx, t)
}
func (r *Router) onOverdue(ctx context.Context, t *chat.Turn, _ *chat.Session) error {
	return r.Orders.Overdue(ctx, t)
}
func (r *Router) onStats(ctx context.Context, t *chat.Turn, _ *chat.Session) error {
	return r.Orders.Stats(ctx, t)
}

// greetings say hello. Said alone they are answered with the greeting;
// before a command (「你好，我要提交」) they are passed over.
var greetings = []string{"你好", "您好", "你好啊", "您好啊", "你好呀", "您好呀", "hi", "hello", "hey", "嗨", "哈喽", "在吗", "在么",
	"在不在", "早", "早上好", "上午好", "下午好", "晚上好", "早安", "老师好", "领导好"}

// argCommand is a command followed by its argument: 「查询 公开审〔2026〕1号」.
// Joined ones may run into the argument without a space (「查询12345」).
type argCommand struct {
	words  []string
	joined bool
	run    func(r *Router, ctx context.Context, t *chat.Turn, arg string) error
}

var argCommands = []argCommand{
	{[]string{"工单"}, true, (*Router).showOrder},
	{[]string{"查询", "查看"}, true, (*Router).query},
	{[]string{"撤回"}, true, (*Router).withdraw},
	{[]string{"日历"}, false, (*Router).calendar},
	{[]string{"申请统计"}, false, (*Router).applicationStats},
	{[]string{"申请", "申请件"}, false, (*Router).showApplication},
	{[]string{"转为申请", "转申请", "转依申请"}, false, (*Router).convertOrder},
	// 复议结果 before 复议: the words are matched as prefixes, in order.
	{[]string{applications.ResultOfReview}, false, (*Router).reviewResult},
	{[]string{applications.ResultOfSuit}, false, (*Router).suitResult},
	{[]string{applications.ResultOfEither}, false, (*Router).remedyResult},
	{[]string{"复议", "行政复议"}, false, (*Router).review},
	{[]string{"诉讼", "行政诉讼"}, false, (*Router).suit},
}

// review, suit and remedyResult answer 「复议 编号」, 「诉讼 编号」 and
// 「复议结果 编号」 (the office's record of 行政复议 and 行政诉讼).
func (r *Router) review(ctx context.Context, t *chat.Turn, arg string) error {
	return r.Applications.StartRemedy(ctx, t, false, arg)
}
func (r *Router) suit(ctx context.Context, t *chat.Turn, arg string) error {
	return r.Applications.StartRemedy(ctx, t, true, arg)
}
func (r *Router) reviewResult(ctx context.Context, t *chat.Turn, arg string) error {
	return r.Applications.StartRemedyResult(ctx, t, applications.ResultOfReview, arg)
}
func (r *Router) suitResult(ctx context.Context, t *chat.Turn, arg string) error {
	return r.Applications.StartRemedyResult(ctx, t, applications.ResultOfSuit, arg)
}
func (r *Router) remedyResult(ctx context.Context, t *chat.Turn, arg string) error {
	return r.Applications.StartRemedyResult(ctx, t, applications.ResultOfEither, arg)
}

// convertOrder answers 「转为申请 工单号」. A wizard in progress has had
// the text first (it refuses commands as answers), so none is open here.
func (r *Router) convertOrder(ctx context.Context, t *chat.Turn, arg string) error {
	return r.Applications.StartFromOrder(ctx, t, nil, arg)
}

func (r *Router) withdraw(ctx context.Context, t *chat.Turn, arg string) error {
	return r.Forms.Withdraw(ctx, t, arg)
}
func (r *Router) calendar(ctx context.Context, t *chat.Turn, arg string) error {
	return r.Office.CalendarCommand(ctx, t, arg)
}

// officeWords start the office's records (年度报告 2026 已发布, 会议 登记 …),
// which office.Records reads.
var officeWords = []string{"年度报告", "会议"}

// argStarts are how the argument of a joined command begins: a number, a
// letter of a 工单号, or a form number's own marks. A joined command is a
// command only before one of these: 「工单内容不属实」 is a 转办 reason, not
// the lookup of 工单「内容不属实」.
var argStarts = append(strings.Split("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", ""),
	"公开审", "〔", "[", "(", "（", "【")

// commandWords are the words chat.Bot.IsCommand knows: the first word of
// a text (up to a space) that is a command. A conversation waiting for a
// reason or a reference refuses those as answers, or gives way to them.
func commandWords() []string {
	var out []string
	add := func(w string) {
		out = append(out, w)
		if w != strings.ToLower(w) || w != strings.ToUpper(w) { // Help, HELP
			out = append(out, strings.ToUpper(w[:1])+w[1:], strings.ToUpper(w))
		}
	}
	for _, p := range phrases {
		for _, w := range p.words {
			add(w)
		}
	}
	for _, c := range argCommands {
		for _, w := range c.words {
			add(w)
		}
	}
	for _, w := range officeWords {
		add(w)
	}
	return out
}

// joinedWords are the prefixes chat.Bot.IsCommand takes for a joined
// command: each joined word before each way its argument begins.
func joinedWords() []string {
	var out []string
	for _, c := range argCommands {
		if !c.joined {
			continue
		}
		for _, w := range c.words {
			for _, s := range argStarts {
				out = append(out, w+s)
			}
		}
	}
	return out
}

// normalize is text as phrases are matched: no spaces, no punctuation at
// the end (unless it is all there is: 「?」 asks for help), letters in
// lower case.
func normalize(text string) string {
	s := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, text)
	if t := strings.TrimRightFunc(s, func(r rune) bool { return unicode.IsPunct(r) || r == '~' || r == '～' }); t != "" {
		return t
	}
	return s
}

// phraseOf finds the phrase text says, whole.
func phraseOf(text string) (phrase, bool) {
	key := normalize(text)
	for _, p := range phrases {
		for _, w := range p.words {
			if normalize(w) == key {
				return p, true
			}
		}
	}
	return phrase{}, false
}

// cutGreeting takes a greeting off the beginning of text: 「你好，我要提交」
// is 「我要提交」. It reports false when text does not begin with one.
func cutGreeting(text string) (string, bool) {
	for _, g := range greetings {
		if len(text) <= len(g) || !strings.EqualFold(text[:len(g)], g) {
			continue
		}
		rest := text[len(g):]
		if r, _ := utf8.DecodeRuneInString(rest); !unicode.IsPunct(r) && !unicode.IsSpace(r) {
			continue // 「早上好」 is not 「早」 and 「上好」, nor 「hint」 「hi」
		}
		return strings.TrimLeftFunc(rest, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) }), true
	}
	return text, false
}

// command runs text as a command; false when it is none.
func (r *Router) command(ctx context.Context, t *chat.Turn, s *chat.Session, text string) (bool, error) {
	if p, ok := phraseOf(text); ok {
		return true, p.run(r, ctx, t, s)
	}
	for _, c := range argCommands {
		for _, w := range c.words {
			if arg, ok := chat.CutCommand(text, w); ok {
				return true, c.run(r, ctx, t, arg)
			}
		}
	}
	return r.Office.Records(ctx, t, text)
}

// Hints for a lookup the bot could not place.
const (
	hintQuery  = "查询审批单请发送「查询 编号」，如：查询 公开审〔2026〕1号；查询12345工单请发送「工单 工单号」，如：工单 2026112800001。"
	hintOrders = "查询12345工单请发送「工单 工单号」，如：工单 2026112800001；发送「我的工单」查看您登记或承办的工单。"
)

// formMarks are what only a form number has: 公开审〔2026〕17号, 2026-17,
// 2026第17号. Bare digits are not a form number: 「查询12345」 means the
// hotline, not 公开审〔1234〕5号.
var formMarks = regexp.MustCompile(`公开审|[〔〕\[\]()（）【】号第]|^\d{4}-\d+$`)

// query answers 「查询 X」: X may be a form's number, a 12345 工单号, or the
// hotline itself. Each goes to its flow; what is neither is answered
// with both forms of the command.
func (r *Router) query(ctx context.Context, t *chat.Turn, arg string) error {
	to := t.Person.UserID
	arg = strings.TrimSpace(arg)
	var order bool
	for _, w := range []string{"12345工单号", "12345工单", "工单号", "工单"} {
		if rest, ok := strings.CutPrefix(arg, w); ok {
			arg, order = strings.TrimSpace(rest), true
			break
		}
	}
	if !order {
		for _, w := range []string{"审批单", "编号"} {
			if rest, ok := strings.CutPrefix(arg, w); ok {
				arg = strings.TrimSpace(rest)
				break
			}
		}
	}
	switch {
	case arg == "" && order:
		return r.Text(ctx, t, to, hintOrders)
	case !order && strings.HasPrefix(arg, "依申请"):
		return r.showApplication(ctx, t, arg)
	case arg == "":
		return r.Text(ctx, t, to, "请发送「查询 编号」查看审批单的办理过程，如：查询 公开审〔2026〕1号；查看12345工单请发送「工单 工单号」。")
	case !order && formMarks.MatchString(arg):
		return r.queryForm(ctx, t, arg)
	}
	if _, err := workflow.CheckTicketNo(arg); err != nil {
		return r.Text(ctx, t, to, "没有识别出编号「"+chat.Clip(arg, 30)+"」。"+hintQuery)
	}
	_, err := storage.OrderByTicket(ctx, t.Tx, arg)
	switch {
	case err == nil:
		return r.showOrderFocused(ctx, t, arg)
	case !errors.Is(err, storage.ErrNotFound):
		return err
	case arg == "12345":
		return r.Text(ctx, t, to, "您是要查询12345工单吗？"+hintOrders)
	}
	return r.Text(ctx, t, to, "没有找到工单号为 "+chat.Clip(arg, 40)+" 的12345工单，请核对。"+hintQuery)
}

// showOrder answers 「工单 X」; a form's number there is looked up as one.
func (r *Router) showOrder(ctx context.Context, t *chat.Turn, arg string) error {
	arg = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(arg), "号"))
	if strings.Contains(arg, "公开审") || strings.Contains(arg, "〔") {
		return r.queryForm(ctx, t, arg)
	}
	return r.showOrderFocused(ctx, t, arg)
}
