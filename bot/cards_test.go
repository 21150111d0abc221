package bot_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/zwgk-bot/zwgk/bot"
)

// validButtonCard is an approval card as zwgk sends it.
func validButtonCard() bot.TemplateCard {
	return bot.TemplateCard{
		CardType:              bot.CardButtonInteraction,
		Source:                &bot.CardSource{Desc: "政务公开"},
		MainTitle:             &bot.CardTitle{Title: "公开申请待审批", Desc: "第 2 步：科室负责人"},
		HorizontalContentList: []bot.CardField{{KeyName: "申请人", Value: "张三"}, {KeyName: "详情", Value: "打开", Type: 1, URL: "https://example.org/f/42"}},
		CardAction:            &bot.CardAction{Type: 1, URL: "https://example.org/f/42"},
		TaskID:                "form-42_stage-2@v1",
		ButtonList:            []bot.CardButton{{Text: "同意", Style: 1, Key: "approve:42:2"}, {Text: "驳回", Style: 3, Key: "reject:42:2"}},
	}
}

func buttons(n int) []bot.CardButton {
	b := make([]bot.CardButton, n)
	for i := range b {
		b[i] = bot.CardButton{Text: "按钮", Key: "k" + strings.Repeat("x", i)}
	}
	return b
}

func TestValidateAcceptsValidCards(t *testing.T) {
	t.Parallel()
	six := validButtonCard()
	six.ButtonList = buttons(bot.MaxButtons)
	longTask := validButtonCard()
	longTask.TaskID = strings.Repeat("a", 128)
	notice := bot.TemplateCard{
		CardType:   bot.CardTextNotice,
		MainTitle:  &bot.CardTitle{Title: "已办结"},
		CardAction: &bot.CardAction{Type: 1, URL: "https://example.org"},
	}
	vote := bot.TemplateCard{
		CardType:     bot.CardVoteInteraction,
		MainTitle:    &bot.CardTitle{Title: "选择复核人"},
		TaskID:       "vote-1",
		Checkbox:     &bot.CardCheckbox{QuestionKey: "reviewers", Mode: 1, OptionList: []bot.CardOption{{ID: "wangwu", Text: "王五"}}},
		SubmitButton: &bot.CardSubmit{Text: "提交", Key: "submit"},
	}
	for name, c := range map[string]bot.TemplateCard{
		"button_interaction":           validButtonCard(),
		"six buttons":                  six,
		"task_id of 128 bytes":         longTask,
		"text_notice without task_id":  notice,
		"vote_interaction with submit": vote,
		// 「按钮列表，该字段可为空数组」 (WeCom's message/send document).
		"button_interaction without buttons": func() bot.TemplateCard { c := validButtonCard(); c.ButtonList = nil; return c }(),
	} {
		if err := c.Validate(); err != nil {
			t.Errorf("%s: Validate = %v, want nil", name, err)
		}
	}
}

func TestValidateRejectsBadCards(t *testing.T) {
	t.Parallel()
	edit := func(f func(*bot.TemplateCard)) bot.TemplateCard {
		c := validButtonCard()
		f(&c)
		return c
	}
	cases := []struct {
		name string
		card bot.TemplateCard
		want string // a fragment of the complaint
	}{
		{"seven buttons", edit(func(c *bot.TemplateCard) { c.ButtonList = buttons(7) }), "at most 6 buttons"},
		{"button without key", edit(func(c *bot.TemplateCard) { c.ButtonList[1].Key = "" }), "button 1"},
		{"button key over 1024 bytes", edit(func(c *bot.TemplateCard) { c.ButtonList[0].Key = strings.Repeat("k", 1025) }), "button 0"},
		{"task_id with a space", edit(func(c *bot.TemplateCard) { c.TaskID = "form 42" }), "task_id"},
		{"task_id of 129 bytes", edit(func(c *bot.TemplateCard) { c.TaskID = strings.Repeat("a", 129) }), "task_id"},
		{"empty task_id", edit(func(c *bot.TemplateCard) { c.TaskID = "" }), "task_id"},
		{"no main title", edit(func(c *bot.TemplateCard) { c.MainTitle = nil }), "main_title"},
		{"field without keyname", edit(func(c *bot.TemplateCard) { c.HorizontalContentList[0].KeyName = "" }), "horizontal_content_list[0]"},
		{"unknown card type", edit(func(c *bot.TemplateCard) { c.CardType = "news_notice" }), "not supported"},
		{"text_notice without card_action", bot.TemplateCard{CardType: bot.CardTextNotice, MainTitle: &bot.CardTitle{Title: "t"}}, "card_action"},
		{"vote_interaction without submit_button", bot.TemplateCard{
			CardType:  bot.CardVoteInteraction,
			MainTitle: &bot.CardTitle{Title: "t"},
			TaskID:    "vote-1",
			Checkbox:  &bot.CardCheckbox{QuestionKey: "q", OptionList: []bot.CardOption{{ID: "a", Text: "A"}}},
		}, "submit_button"},
		{"vote_interaction without options", bot.TemplateCard{
			CardType:     bot.CardVoteInteraction,
			MainTitle:    &bot.CardTitle{Title: "t"},
			TaskID:       "vote-1",
			Checkbox:     &bot.CardCheckbox{QuestionKey: "q"},
			SubmitButton: &bot.CardSubmit{Text: "提交", Key: "submit"},
		}, "checkbox"},
		{"multiple_interaction without select_list", bot.TemplateCard{
			CardType:     bot.CardMultipleInteraction,
			MainTitle:    &bot.CardTitle{Title: "t"},
			TaskID:       "multi-1",
			SubmitButton: &bot.CardSubmit{Text: "提交", Key: "submit"},
		}, "select_list"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.card.Validate()
			if err == nil {
				t.Fatal("Validate = nil, want an error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate = %q, want a complaint about %q", err, tc.want)
			}
		})
	}
}

func TestValidTaskID(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]bool{
		"a":                      true,
		"form-42_stage-2@v1":     true,
		"ABCxyz0123456789":       true,
		strings.Repeat("Z", 128): true,
		"":                       false,
		" ":                      false,
		"form 42":                false,
		"form-42\n":              false,
		strings.Repeat("Z", 129): false,
		"审批-1":                   false,
		"a:b":                    false,
		"a/b":                    false,
		"a.b":                    false,
		"a+b":                    false,
	} {
		if got := bot.ValidTaskID(id); got != want {
			t.Errorf("ValidTaskID(%q) = %v, want %v", id, got, want)
		}
	}
}

// TestValidateAnswersWeComsCodes: each broken rule carries the errcode
// WeCom answers for it (the first one is what the sandbox answers).
func TestValidateAnswersWeComsCodes(t *testing.T) {
	t.Parallel()
	edit := func(f func(*bot.TemplateCard)) bot.TemplateCard {
		c := validButtonCard()
		f(&c)
		return c
	}
	vote := func(f func(*bot.TemplateCard)) bot.TemplateCard {
		c := bot.TemplateCard{
			CardType: bot.CardVoteInteraction, MainTitle: &bot.CardTitle{Title: "t"}, TaskID: "vote-1",
			Checkbox:     &bot.CardCheckbox{QuestionKey: "q", OptionList: []bot.CardOption{{ID: "a", Text: "A"}}},
			SubmitButton: &bot.CardSubmit{Key: "submit"},
		}
		f(&c)
		return c
	}
	cases := []struct {
		name string
		card bot.TemplateCard
		want int
	}{
		{"seven buttons", edit(func(c *bot.TemplateCard) { c.ButtonList = buttons(7) }), 40016},
		{"button without text", edit(func(c *bot.TemplateCard) { c.ButtonList[0].Text = "" }), 42038},
		{"button without key", edit(func(c *bot.TemplateCard) { c.ButtonList[1].Key = "" }), 42039},
		{"task_id with a space", edit(func(c *bot.TemplateCard) { c.TaskID = "form 42" }), 42014},
		{"unknown card type", edit(func(c *bot.TemplateCard) { c.CardType = "news_notice" }), 42031},
		{"no main title", edit(func(c *bot.TemplateCard) { c.MainTitle = nil }), 42033},
		{"field without keyname", edit(func(c *bot.TemplateCard) { c.HorizontalContentList[0].KeyName = "" }), 42027},
		{"link field without url", edit(func(c *bot.TemplateCard) { c.HorizontalContentList[1].URL = "" }), 42028},
		{"seven fields", edit(func(c *bot.TemplateCard) {
			c.HorizontalContentList = make([]bot.CardField, 7)
			for i := range c.HorizontalContentList {
				c.HorizontalContentList[i].KeyName = "k"
			}
		}), 42035},
		{"four jumps", edit(func(c *bot.TemplateCard) { c.JumpList = make([]bot.CardJump, 4) }), 42042},
		{"text_notice without card_action", bot.TemplateCard{CardType: bot.CardTextNotice, MainTitle: &bot.CardTitle{Title: "t"}}, 42045},
		{"vote without question_key", vote(func(c *bot.TemplateCard) { c.Checkbox.QuestionKey = "" }), 42043},
		{"vote without options", vote(func(c *bot.TemplateCard) { c.Checkbox.OptionList = nil }), 42037},
		{"vote of 21 options", vote(func(c *bot.TemplateCard) {
			for i := range 20 {
				c.Checkbox.OptionList = append(c.Checkbox.OptionList, bot.CardOption{ID: strings.Repeat("o", i+1), Text: "O"})
			}
		}), 42037},
		{"option without id", vote(func(c *bot.TemplateCard) { c.Checkbox.OptionList[0].ID = "" }), 42040},
		{"option without text", vote(func(c *bot.TemplateCard) { c.Checkbox.OptionList[0].Text = "" }), 42041},
		{"vote without submit key", vote(func(c *bot.TemplateCard) { c.SubmitButton.Key = "" }), 42046},
		{"multiple without selects", bot.TemplateCard{
			CardType: bot.CardMultipleInteraction, MainTitle: &bot.CardTitle{Title: "t"}, TaskID: "m-1",
			SubmitButton: &bot.CardSubmit{Key: "submit"},
		}, 42047},
	}
	for _, tc := range cases {
		err := tc.card.Validate()
		var ce *bot.CardError
		if !errors.As(err, &ce) {
			t.Errorf("%s: Validate = %v, want a CardError", tc.name, err)
			continue
		}
		if ce.Code != tc.want {
			t.Errorf("%s: first errcode %d (%v), want %d", tc.name, ce.Code, err, tc.want)
		}
	}
	if v := vote(func(*bot.TemplateCard) {}); v.Validate() != nil {
		err := v.Validate()
		t.Errorf("vote card without submit text (「不填默认为提交」): %v", err)
	}
}
