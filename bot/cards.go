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

// Limits of a template card: buttons of a button_interaction card, and
// key-value lines.
const (
	MaxButtons = 6
	MaxFields  = 6
)

var taskIDPattern = regexp.MustCompile(`^[0-9A-Za-z_\-@]{1,128}$`)

// ValidTaskID reports whether id is an acceptable task_id: 1 to 128 bytes
// of digits, letters and _-@ (else WeCom answers 42014).
func ValidTaskID(id string) bool { return taskIDPattern.MatchString(id) }

// Validate checks a card as WeCom does before sending it, so that a mistake
// is found in tests, not as an errcode in production. The sandbox uses the
// same rules.
func (c *TemplateCard) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	switch c.CardType {
	case CardTextNotice:
		if c.CardAction == nil {
			bad("text_notice: card_action is required (errcode 42045)")
		}
	case CardButtonInteraction:
		if len(c.ButtonList) == 0 {
			bad("button_interaction: button_list is required")
		}
	case CardVoteInteraction:
		if c.Checkbox == nil || len(c.Checkbox.OptionList) == 0 || c.Checkbox.QuestionKey == "" {
			bad("vote_interaction: checkbox with question_key and options is required")
		}
		if c.SubmitButton == nil || c.SubmitButton.Key == "" || c.SubmitButton.Text == "" {
			bad("vote_interaction: submit_button is required")
		}
	case CardMultipleInteraction:
		if len(c.SelectList) == 0 {
			bad("multiple_interaction: select_list is required")
		}
		if c.SubmitButton == nil || c.SubmitButton.Key == "" || c.SubmitButton.Text == "" {
			bad("multiple_interaction: submit_button is required")
		}
	default:
		bad("card_type %q is not supported", c.CardType)
	}
	if c.CardType != CardTextNotice && !ValidTaskID(c.TaskID) {
		bad("task_id %q must be 1-128 bytes of [0-9a-zA-Z_-@] (errcode 42014)", c.TaskID)
	}
	if c.MainTitle == nil || c.MainTitle.Title == "" {
		bad("main_title.title is required")
	}
	if len(c.ButtonList) > MaxButtons {
		bad("at most %d buttons, got %d", MaxButtons, len(c.ButtonList))
	}
	for i, b := range c.ButtonList {
		if b.Text == "" || b.Key == "" || len(b.Key) > 1024 {
			bad("button %d needs text and a key of at most 1024 bytes", i)
		}
	}
	if len(c.HorizontalContentList) > MaxFields {
		bad("at most %d horizontal_content_list items, got %d", MaxFields, len(c.HorizontalContentList))
	}
	for i, f := range c.HorizontalContentList {
		if f.KeyName == "" {
			bad("horizontal_content_list[%d].keyname is required", i)
		}
	}
	return errors.Join(errs...)
}
