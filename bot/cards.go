package bot

import (
	"errors"
	"fmt"
	"regexp"
)

// Card types.
const (
	CardTextNotice          = "text_notice"
	CardButtonInteraction   = "button_interaction"
	CardVoteInteraction     = "vote_interaction"
	CardMultipleInteraction = "multiple_interaction"
)

// TemplateCard is the template_card object of message/send and
// update_template_card. Only the fields zwgk uses are modelled.
type TemplateCard struct {
	CardType              string           `json:"card_type"`
	Source                *CardSource      `json:"source,omitempty"`
	MainTitle             *CardTitle       `json:"main_title,omitempty"`
	SubTitleText          string           `json:"sub_title_text,omitempty"`
	HorizontalContentList []CardField      `json:"horizontal_content_list,omitempty"`
	JumpList              []CardJump       `json:"jump_list,omitempty"`
	CardAction            *CardAction      `json:"card_action,omitempty"`
	TaskID                string           `json:"task_id,omitempty"`
	ButtonList            []CardButton     `json:"button_list,omitempty"`
	Checkbox              *CardCheckbox    `json:"checkbox,omitempty"`
	SelectList            []CardSelect     `json:"select_list,omitempty"`
	SubmitButton          *CardSubmit      `json:"submit_button,omitempty"`
	ReplaceText           string           `json:"replace_text,omitempty"`
	EmphasisContent       *CardEmphasis    `json:"emphasis_content,omitempty"`
	QuoteArea             *CardQuote       `json:"quote_area,omitempty"`
	ButtonSelection       *CardButtonStyle `json:"button_selection,omitempty"`
}

// CardSource is the app line at the top of a card.
type CardSource struct {
	Desc string `json:"desc,omitempty"`
}

// CardTitle is a card's main title.
type CardTitle struct {
	Title string `json:"title,omitempty"`
	Desc  string `json:"desc,omitempty"`
}

// CardField is one key-value line; Type 1 makes Value a link to URL.
type CardField struct {
	KeyName string `json:"keyname"`
	Value   string `json:"value,omitempty"`
	Type    int    `json:"type,omitempty"`
	URL     string `json:"url,omitempty"`
}

// CardJump is a link line under the fields.
type CardJump struct {
	Type  int    `json:"type,omitempty"`
	Title string `json:"title"`
	URL   string `json:"url,omitempty"`
}

// CardAction is what tapping the card body does (Type 1: open URL).
type CardAction struct {
	Type int    `json:"type"`
	URL  string `json:"url,omitempty"`
}

// CardButton is a button of a button_interaction card. Style 1 is the
// primary (blue) style, 2 grey, 3 red, 4 blue outline.
type CardButton struct {
	Text  string `json:"text"`
	Style int    `json:"style,omitempty"`
	Key   string `json:"key"`
}

// CardCheckbox is the choice list of a vote_interaction card. Mode 1 allows
// several choices.
type CardCheckbox struct {
	QuestionKey string       `json:"question_key"`
	OptionList  []CardOption `json:"option_list"`
	Mode        int          `json:"mode,omitempty"`
}

// CardOption is one choice.
type CardOption struct {
	ID        string `json:"id"`
	Text      string `json:"text"`
	IsChecked bool   `json:"is_checked,omitempty"`
}

// CardSelect is one drop-down of a multiple_interaction card.
type CardSelect struct {
	QuestionKey string       `json:"question_key"`
	Title       string       `json:"title,omitempty"`
	SelectedID  string       `json:"selected_id,omitempty"`
	OptionList  []CardOption `json:"option_list"`
}

// CardSubmit is the submit button of vote and multiple cards.
type CardSubmit struct {
	Text string `json:"text"`
	Key  string `json:"key"`
}

// CardEmphasis is the large highlighted figure of a card.
type CardEmphasis struct {
	Title string `json:"title,omitempty"`
	Desc  string `json:"desc,omitempty"`
}

// CardQuote is the quoted block of a card.
type CardQuote struct {
	Type      int    `json:"type,omitempty"`
	URL       string `json:"url,omitempty"`
	Title     string `json:"title,omitempty"`
	QuoteText string `json:"quote_text,omitempty"`
}

// CardButtonStyle is unused by zwgk; kept for completeness of updates.
type CardButtonStyle struct {
	QuestionKey string `json:"question_key"`
}

// Limits of a template card, from WeCom's message/send document (90236) as
// quoted in binarywang/WxJava's TemplateCardBuilder: button_list
// 「列表长度不超过6」 (it may be empty), checkbox option_list 「选项个数不超过
// 20 个，最少1个」, select_list 「最多支持 3 个选择器」; key-value lines at most
// 6 and jump_list at most 3 (the same document).
const (
	MaxButtons     = 6
	MaxFields      = 6
	MaxJumps       = 3
	MaxOptions     = 20
	MaxSelects     = 3
	maxButtonKey   = 1024
	maxQuestionKey = 1024
	maxOptionID    = 128
)

var taskIDPattern = regexp.MustCompile(`^[0-9A-Za-z_\-@]{1,128}$`)

// ValidTaskID reports whether id is an acceptable task_id: 1 to 128 bytes
// of digits, letters and _-@ (else WeCom answers 42014).
func ValidTaskID(id string) bool { return taskIDPattern.MatchString(id) }

// CardError is a rule of WeCom's template cards that a card breaks, with
// the errcode WeCom answers for it. The codes are those of WeCom's
// error-code page 90313, as crawled in xen0n/go-workwx errcodes:
//
//	40016 不合法的按钮个数 (the page names menus; a card with too many
//	      buttons was seen to answer it, "invalid button size")
//	42014 任务卡片消息的task_id不合法
//	42027 horizontal_content_list.keyname 字段缺失
//	42028 缺失 Url (card_action, horizontal_content_list, jump_list)
//	42031 CardType 字段不合法
//	42033 缺失 Title (the page names vertical_content_list and jump_list;
//	      it lists no code for a missing main_title, so this one is used)
//	42035 horizontal_content_list 数组长度不合法
//	42037 option_list 数组长度不合法
//	42038 button_list.text 缺失或不合法
//	42039 button_list.key 缺失或不合法
//	42040 option_list.id 缺失或不合法
//	42041 option_list.text 缺失或不合法
//	42042 jump_list 数组长度不合法
//	42043 question_key 缺失或不合法
//	42045 card_action 缺失或不合法
//	42046 submit_button.key 缺失或不合法
//	42047 select_list 数组长度不合法
//
// The sandbox answers Code; the client refuses such a card before sending.
type CardError struct {
	Code int
	Msg  string
}

func (e *CardError) Error() string { return fmt.Sprintf("%s (errcode %d)", e.Msg, e.Code) }

// Validate checks a card as WeCom does before sending it, so that a mistake
// is found in tests, not as an errcode in production. The sandbox uses the
// same rules. Every broken rule is a *CardError in the joined result; the
// first is what WeCom would answer.
func (c *TemplateCard) Validate() error {
	var errs []error
	bad := func(code int, format string, a ...any) {
		errs = append(errs, &CardError{Code: code, Msg: fmt.Sprintf(format, a...)})
	}
	switch c.CardType {
	case CardTextNotice:
		if c.CardAction == nil {
			bad(42045, "text_notice: card_action is required")
		}
	case CardButtonInteraction:
		// An empty button_list is allowed: 「该字段可为空数组」.
	case CardVoteInteraction:
		switch {
		case c.Checkbox == nil || c.Checkbox.QuestionKey == "" || len(c.Checkbox.QuestionKey) > maxQuestionKey:
			bad(42043, "vote_interaction: checkbox.question_key is required, at most %d bytes", maxQuestionKey)
		default:
			checkOptions(c.Checkbox.OptionList, bad, "checkbox")
		}
		checkSubmit(c.SubmitButton, bad, "vote_interaction")
	case CardMultipleInteraction:
		if len(c.SelectList) == 0 || len(c.SelectList) > MaxSelects {
			bad(42047, "multiple_interaction: select_list must have 1 to %d selects, got %d", MaxSelects, len(c.SelectList))
		}
		for i, sl := range c.SelectList {
			if sl.QuestionKey == "" || len(sl.QuestionKey) > maxQuestionKey {
				bad(42043, "select_list[%d].question_key is required, at most %d bytes", i, maxQuestionKey)
			}
			checkOptions(sl.OptionList, bad, fmt.Sprintf("select_list[%d]", i))
		}
		checkSubmit(c.SubmitButton, bad, "multiple_interaction")
	default:
		bad(42031, "card_type %q is not supported", c.CardType)
	}
	if c.CardType != CardTextNotice && !ValidTaskID(c.TaskID) {
		bad(42014, "task_id %q must be 1-128 bytes of [0-9a-zA-Z_-@]", c.TaskID)
	}
	if c.MainTitle == nil || c.MainTitle.Title == "" {
		bad(42033, "main_title.title is required")
	}
	if c.CardAction != nil && c.CardAction.Type == 1 && c.CardAction.URL == "" {
		bad(42028, "card_action of type 1 needs a url")
	}
	if len(c.ButtonList) > MaxButtons {
		bad(40016, "at most %d buttons, got %d", MaxButtons, len(c.ButtonList))
	}
	for i, b := range c.ButtonList {
		if b.Text == "" {
			bad(42038, "button %d needs a text", i)
		}
		if b.Key == "" || len(b.Key) > maxButtonKey {
			bad(42039, "button %d needs a key of at most %d bytes", i, maxButtonKey)
		}
	}
	if len(c.HorizontalContentList) > MaxFields {
		bad(42035, "at most %d horizontal_content_list items, got %d", MaxFields, len(c.HorizontalContentList))
	}
	for i, f := range c.HorizontalContentList {
		if f.KeyName == "" {
			bad(42027, "horizontal_content_list[%d].keyname is required", i)
		}
		if f.Type == 1 && f.URL == "" {
			bad(42028, "horizontal_content_list[%d] of type 1 needs a url", i)
		}
	}
	if len(c.JumpList) > MaxJumps {
		bad(42042, "at most %d jump_list items, got %d", MaxJumps, len(c.JumpList))
	}
	for i, j := range c.JumpList {
		if j.Title == "" {
			bad(42033, "jump_list[%d].title is required", i)
		}
		if j.Type == 1 && j.URL == "" {
			bad(42028, "jump_list[%d] of type 1 needs a url", i)
		}
	}
	return errors.Join(errs...)
}

func checkOptions(opts []CardOption, bad func(int, string, ...any), where string) {
	if len(opts) == 0 || len(opts) > MaxOptions {
		bad(42037, "%s: option_list must have 1 to %d options, got %d", where, MaxOptions, len(opts))
	}
	for i, o := range opts {
		if o.ID == "" || len(o.ID) > maxOptionID {
			bad(42040, "%s: option %d needs an id of at most %d bytes", where, i, maxOptionID)
		}
		if o.Text == "" {
			bad(42041, "%s: option %d needs a text", where, i)
		}
	}
}

// checkSubmit: the submit button's key is required; its text is not
// (「不填默认为提交」).
func checkSubmit(s *CardSubmit, bad func(int, string, ...any), where string) {
	if s == nil || s.Key == "" || len(s.Key) > maxButtonKey {
		bad(42046, "%s: submit_button.key is required, at most %d bytes", where, maxButtonKey)
	}
}
