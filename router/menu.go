package router

import (
	"fmt"
	"strings"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/webauth"
)

// Menu keys of the app menu (zwgk menu sync).
const (
	MenuSubmit   = "submit"
	MenuTodo     = "todo"
	MenuRegister = "register12345"
	// MenuApplication registers a 政府信息公开申请 (依申请公开).
	MenuApplication = "application"
	MenuQuery       = "query"
	MenuHelp        = "help"
)

// AppMenu is the app's menu: 公开申请 / 我的待办 / 更多. A top-level name
// has at most 16 bytes, 5 Chinese characters (bot.CheckMenu): 「提交公开
// 申请」, 18 bytes, is refused by WeCom with 40018. 更多 opens the 办公桌
// pages at publicURL (PUBLIC_BASE_URL), a view item: WeCom opens the
// address in its own browser, which the page sends through 网页授权.
func AppMenu(publicURL string) bot.Menu {
	return bot.Menu{Buttons: []bot.MenuButton{
		{Type: "click", Name: "公开申请", Key: MenuSubmit},
		{Type: "click", Name: "我的待办", Key: MenuTodo},
		{Name: "更多", SubButton: []bot.MenuButton{
			{Type: "view", Name: "办公桌", URL: publicURL + webauth.HomePath},
			{Type: "click", Name: "登记12345", Key: MenuRegister},
			{Type: "click", Name: "登记申请", Key: MenuApplication},
			{Type: "click", Name: "查询", Key: MenuQuery},
			{Type: "click", Name: "帮助", Key: MenuHelp},
		}},
	}}
}

// msgGreeting welcomes a member on their first visit.
const msgGreeting = "%s，您好！欢迎使用政务公开助手。发送「帮助」可查看可办理的事项。"

// greetText answers a greeting (你好, 您好, hi …): hello back, and the few
// things most asked for, in the words that ask for them.
func greetText(name string) string {
	return name + "，您好！我是政务公开助手，可以帮您：\n" +
		"· 提交信息公开审批单：发送「提交」\n" +
		"· 查看待您审核或发布的事项：发送「待办」\n" +
		"· 登记12345转办工单：发送「登记」\n" +
		"· 查询办理进度：发送「我的申请」「我的工单」，或「查询 编号」\n" +
		"也可使用下方菜单；发送「帮助」查看全部说明。"
}

// helpText lists what the bot does for this person.
func helpText(p config.Person) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s，您好！政务公开助手可以办理：\n", p.Name)
	b.WriteString("1. 提交：填写信息公开审批单，经股室负责人、办公室（重大事项报主要负责人）审核后由办公室发布。\n")
	b.WriteString("2. 我的申请：查看您提交的审批单及进度。\n")
	b.WriteString("3. 待办：重新发送待您审核或发布的卡片。\n")
	b.WriteString("4. 查询 编号：查看一件审批单的完整办理过程，如「查询 公开审〔2026〕1号」。\n")
	b.WriteString("5. 撤回 编号：在最终审核通过前撤回自己的审批单。\n")
	b.WriteString("6. 登记：登记12345热线转办的群众诉求；「工单 工单号」查看进度，「我的工单」查看您登记或承办的工单。\n")
	b.WriteString("7. 申请 编号：查看政府信息公开申请（依申请公开）的答复期限和办理过程，如「申请 依申请〔2026〕1号」；「我的申请件」查看您办理的申请。\n")
	b.WriteString("8. 帮助：显示本说明。\n")
	if p.Has(config.RoleOffice) || p.Has(config.RoleLeader) || p.Has(config.RoleSupervisor) {
		b.WriteString("另：发送「超期工单」查看超期未办结的工单，「统计」查看本月12345工单统计。\n")
		b.WriteString("发送「会议 登记 日期 主题」登记政务公开专题工作会议。\n")
	}
	if p.Has(config.RoleOffice) {
		b.WriteString("发送「登记申请」登记收到的政府信息公开申请，「超期申请」查看超过答复期限的申请，「申请统计」查看本年度申请办理情况。\n")
		b.WriteString("发送「年度报告 2026」查看该年度报告的数据和校验结果，发布后发送「年度报告 2026 已发布」登记。\n")
		b.WriteString("申请人就申请提起行政复议或行政诉讼的，发送「复议 依申请〔2026〕5号」或「诉讼 依申请〔2026〕5号」登记，审结后发送「复议结果 依申请〔2026〕5号」登记结果（年度报告表四）。\n")
		b.WriteString("审批单以外的主动公开数量（如原系统办理的行政处罚），发送「年度报告 录入 2026 行政处罚 35 理由：说明」录入年度报告表二。\n")
		b.WriteString("发送「日历」查看工作日历覆盖的年份；国务院办公厅发布新一年节假日安排后，发送「日历 添加」并粘贴通知全文。\n")
	}
	b.WriteString("使用下方菜单或直接发送上述文字即可。")
	return b.String()
}

// strangerText refuses someone not on the roster and names whom to ask:
// the head of the office section, or else the office reviewers.
func strangerText(r *config.Roster) string {
	var names []string
	for _, s := range r.Sections {
		if s.Name == "综合办公室" {
			if p, ok := r.Person(s.Head); ok {
				names = append(names, p.Name)
			}
		}
	}
	if len(names) == 0 {
		for _, p := range r.WithRole(config.RoleOffice) {
			names = append(names, p.Name)
		}
	}
	who := "综合办公室"
	if len(names) > 0 {
		who += "（" + strings.Join(names, "、") + "）"
	}
	return "您好，您尚未登记为本应用的使用人员，暂时无法办理。请联系" + who + "将您加入人员名单。"
}
