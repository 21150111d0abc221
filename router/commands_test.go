package router

import (
	"testing"

	"github.com/zwgk-bot/zwgk/chat"
)

// TestPhrasesAreOneTable: every variant finds its own phrase, none is
// two phrases' at once, and each is a command to a conversation that must
// tell commands from answers (chat.Bot.IsCommand).
func TestPhrasesAreOneTable(t *testing.T) {
	b := &chat.Bot{Commands: commandWords(), Joined: joinedWords()}
	owner := map[string]string{}
	for _, p := range phrases {
		for _, w := range p.words {
			key := normalize(w)
			if o, ok := owner[key]; ok {
				t.Errorf("%q is both %s and %s", w, o, p.name)
			}
			owner[key] = p.name
			if got, ok := phraseOf(w); !ok || got.name != p.name {
				t.Errorf("%q finds %q, want %s", w, got.name, p.name)
			}
			if !b.IsCommand(w) {
				t.Errorf("%q (%s) is not a command to a conversation", w, p.name)
			}
		}
	}
	for _, typed := range []string{" 查看 待办。", "HELP", "Hi!", "提交申请！", "我的工单？", "登记 12345"} {
		if _, ok := phraseOf(typed); !ok {
			t.Errorf("%q is no phrase", typed)
		}
	}
	for _, typed := range []string{"?", "？"} {
		if p, ok := phraseOf(typed); !ok || p.name != "help" {
			t.Errorf("%q is %q, want help", typed, p.name)
		}
	}
}

// TestAnswersAreNotCommands: what people answer inside a conversation (a
// 驳回 or 转办 reason, a link or 期号 after 已发布) is not taken for a
// command, however it begins.
func TestAnswersAreNotCommands(t *testing.T) {
	b := &chat.Bot{Commands: commandWords(), Joined: joinedWords()}
	for _, answer := range []string{
		"工单内容不属于本股室职责", "查询结果与公示不一致，请核实", "撤回重报的理由不充分", "统计口径有误", "提交材料不全",
		"你好，标题需要写明项目名称", "待办结后再公开", "登记信息有误", "我的意见：同意公开", "https://www.example.gov.cn/art/2026/1.html",
		"第12期", "日历年份填写错误", "查看附件中的批复文件", "会议纪要尚未印发", "审批单附件缺失",
	} {
		if b.IsCommand(answer) {
			t.Errorf("the answer %q is taken for a command", answer)
		}
	}
	for _, cmd := range []string{"查询公开审〔2026〕1号", "查询 公开审〔2026〕1号", "查询12345", "工单GD202611280001", "工单 2026112800001",
		"撤回2026-3", "日历 添加", "会议 登记 2026-06-28 专题会", "年度报告 已完成", "查看待办"} {
		if !b.IsCommand(cmd) {
			t.Errorf("%q is not taken for a command", cmd)
		}
	}
}

func TestCutGreeting(t *testing.T) {
	for text, want := range map[string]string{
		"你好，我要提交": "我要提交", "您好！查看待办": "查看待办", "Hi, 帮助": "帮助", "早上好！": "", "你好啊，登记工单": "登记工单",
	} {
		if got, ok := cutGreeting(text); !ok || got != want {
			t.Errorf("cutGreeting(%q) = %q, %v; want %q", text, got, ok, want)
		}
	}
	for _, text := range []string{"hint", "早上上班", "你们好像"} {
		if got, ok := cutGreeting(text); ok {
			t.Errorf("cutGreeting(%q) = %q, want none", text, got)
		}
	}
}

func TestFormMarks(t *testing.T) {
	for arg, form := range map[string]bool{
		"公开审〔2026〕1号": true, "〔2026〕17号": true, "2026-17": true, "2026第17号": true, "[2026]3": true,
		"12345": false, "2026112800001": false, "GD202611280001": false, "20261": false,
	} {
		if got := formMarks.MatchString(arg); got != form {
			t.Errorf("%q: form number %v, want %v", arg, got, form)
		}
	}
}
