package bot

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/silenceper/wechat/v2/util"
)

// MaxTextBytes is WeCom's limit on a text message's content.
const MaxTextBytes = 2048

// OutMessage is the body of message/send. AgentID is an integer, as in
// WeCom's documents (silenceper's SendRequestCommon has it as a string).
type OutMessage struct {
	ToUser                 string        `json:"touser"`
	MsgType                string        `json:"msgtype"`
	AgentID                int64         `json:"agentid"`
	Text                   *TextContent  `json:"text,omitempty"`
	TemplateCard           *TemplateCard `json:"template_card,omitempty"`
	EnableDuplicateCheck   int           `json:"enable_duplicate_check,omitempty"`
	DuplicateCheckInterval int           `json:"duplicate_check_interval,omitempty"`
}

// TextContent is a text message's content.
type TextContent struct {
	Content string `json:"content"`
}

// TextMessage returns a text message to one user. Content must be at most
// MaxTextBytes; use SplitText first.
func TextMessage(to, content string) OutMessage {
	return OutMessage{ToUser: to, MsgType: "text", Text: &TextContent{Content: content}}
}

// CardMessage returns a template card message to one or more users.
func CardMessage(card TemplateCard, to ...string) OutMessage {
	return OutMessage{ToUser: strings.Join(to, "|"), MsgType: "template_card", TemplateCard: &card}
}

// SendResult is what message/send answers: the message id and, for cards,
// the response_code that later updates it. Its fields mirror silenceper's
// message.SendResponse, whose package would link go-redis v8 in through
// silenceper's credential and cache packages.
type SendResult struct {
	util.CommonError
	InvalidUser    string `json:"invaliduser"`
	InvalidParty   string `json:"invalidparty"`
	InvalidTag     string `json:"invalidtag"`
	UnlicensedUser string `json:"unlicenseduser"`
	MsgID          string `json:"msgid"`
	ResponseCode   string `json:"response_code"`
}

// Send sends an app message. It checks text length and card validity first.
func (c *Client) Send(ctx context.Context, m OutMessage) (*SendResult, error) {
	m.AgentID = c.AgentID
	switch {
	case m.Text != nil && len(m.Text.Content) > MaxTextBytes:
		// WeCom would cut it (「超过将截断」, message/send document 90236;
		// its error-code page names the limit under 45002): refuse rather
		// than lose the end.
		return nil, &RefusedError{API: "message/send", Code: 45002,
			Err: fmt.Errorf("text of %d bytes exceeds %d (split it with SplitText)", len(m.Text.Content), MaxTextBytes)}
	case m.TemplateCard != nil:
		if err := m.TemplateCard.Validate(); err != nil {
			return nil, refusedCard("message/send", err)
		}
	}
	var res SendResult
	if err := c.call(ctx, "message/send", nil, m, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// RefusedError is a request the client did not send because WeCom would
// refuse it (or, for a long text, cut it): Code is the errcode of the rule
// it breaks. Sending it again cannot succeed.
type RefusedError struct {
	API  string
	Code int
	Err  error
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("wecom %s: not sent (errcode %d): %v", e.API, e.Code, e.Err)
}

func (e *RefusedError) Unwrap() error { return e.Err }

// refusedCard wraps a card's Validate error with the code of its first
// broken rule.
func refusedCard(api string, err error) error {
	code := 0
	var ce *CardError
	if errors.As(err, &ce) {
		code = ce.Code
	}
	return &RefusedError{API: api, Code: code, Err: fmt.Errorf("invalid card: %w", err)}
}

// CardUpdate is the body of message/update_template_card: either Button
// (replace the clicked button's text) or a whole new TemplateCard.
type CardUpdate struct {
	UserIDs      []string      `json:"userids,omitempty"`
	AtAll        int           `json:"atall,omitempty"`
	AgentID      int64         `json:"agentid"`
	ResponseCode string        `json:"response_code"`
	Button       *ReplaceName  `json:"button,omitempty"`
	TemplateCard *TemplateCard `json:"template_card,omitempty"`
}

// ReplaceName is the new text of a clicked button.
type ReplaceName struct {
	ReplaceName string `json:"replace_name"`
}

// UpdateTemplateCard changes a card already sent. silenceper has no such
// call. A response_code works once and for 72 hours.
func (c *Client) UpdateTemplateCard(ctx context.Context, u CardUpdate) error {
	u.AgentID = c.AgentID
	if u.TemplateCard != nil {
		if err := u.TemplateCard.Validate(); err != nil {
			return refusedCard("message/update_template_card", err)
		}
	}
	var res struct {
		util.CommonError
		InvalidUser []string `json:"invaliduser"`
	}
	return c.call(ctx, "message/update_template_card", nil, u, &res)
}

// Menu is the app menu of menu/create.
type Menu struct {
	Buttons []MenuButton `json:"button"`
}

// MenuButton is a top-level or sub-menu item; Type "click" posts EventKey.
type MenuButton struct {
	Type      string       `json:"type,omitempty"`
	Name      string       `json:"name"`
	Key       string       `json:"key,omitempty"`
	URL       string       `json:"url,omitempty"`
	SubButton []MenuButton `json:"sub_button,omitempty"`
}

// Limits of menu/create (WeCom's 创建菜单 document: 「菜单的名字。不超过16个
// 字节，子菜单不超过40个字节」, key 「不超过128字节」, 1-3 buttons of 1-5
// sub-buttons; quoted in binarywang/WxJava's WxMenu). Names count bytes of
// UTF-8: a Chinese character is 3, so a top-level name has at most 5.
const (
	MaxMenuButtons    = 3
	MaxMenuSubButtons = 5
	MaxMenuNameBytes  = 16
	MaxSubNameBytes   = 40
	MaxMenuKeyBytes   = 128
)

// CheckMenu returns the errcode and message WeCom answers for the first
// rule m breaks, or 0. The codes are those of WeCom's error-code page
// 90313 as crawled in xen0n/go-workwx errcodes: 40016 不合法的按钮个数,
// 40018 不合法的按钮名字长度 (「长度应不超过16个字节」), 40019 不合法的按钮KEY
// 长度, 40023 不合法的子菜单按钮个数 (1-5), 40025 不合法的子菜单按钮名字长度,
// 40026 不合法的子菜单按钮KEY长度. An empty name counts as a bad length:
// the documents require a name and name no code for its absence.
func CheckMenu(m Menu) (int, string) {
	if len(m.Buttons) == 0 || len(m.Buttons) > MaxMenuButtons {
		return 40016, fmt.Sprintf("invalid button size: %d buttons, want 1 to %d", len(m.Buttons), MaxMenuButtons)
	}
	for _, b := range m.Buttons {
		if b.Name == "" || len(b.Name) > MaxMenuNameBytes {
			return 40018, fmt.Sprintf("invalid button name size: %q is %d bytes, at most %d", b.Name, len(b.Name), MaxMenuNameBytes)
		}
		if len(b.Key) > MaxMenuKeyBytes {
			return 40019, fmt.Sprintf("invalid button key size: %d bytes, at most %d", len(b.Key), MaxMenuKeyBytes)
		}
		if b.SubButton == nil && b.Type == "view" && !validMenuURL(b.URL) {
			return 40055, fmt.Sprintf("invalid button url: %q", b.URL)
		}
		if b.SubButton == nil {
			continue
		}
		if len(b.SubButton) == 0 || len(b.SubButton) > MaxMenuSubButtons {
			return 40023, fmt.Sprintf("invalid sub button size: %d under %q, want 1 to %d", len(b.SubButton), b.Name, MaxMenuSubButtons)
		}
		for _, sb := range b.SubButton {
			if sb.Name == "" || len(sb.Name) > MaxSubNameBytes {
				return 40025, fmt.Sprintf("invalid sub button name size: %q is %d bytes, at most %d", sb.Name, len(sb.Name), MaxSubNameBytes)
			}
			if len(sb.Key) > MaxMenuKeyBytes {
				return 40026, fmt.Sprintf("invalid sub button key size: %d bytes, at most %d", len(sb.Key), MaxMenuKeyBytes)
			}
			if sb.Type == "view" && !validMenuURL(sb.URL) {
				return 40054, fmt.Sprintf("invalid sub button url: %q", sb.URL)
			}
		}
	}
	return 0, ""
}

// MaxMenuURLBytes bounds a view item's url (创建菜单: 「不超过1024字节」).
const MaxMenuURLBytes = 1024

// validMenuURL: a view item opens an absolute http(s) address of at most
// MaxMenuURLBytes (40055 for a button's, 40054 for a sub-button's, the
// 公众号's codes for the same rule, which WeCom's menu shares).
func validMenuURL(u string) bool {
	return u != "" && len(u) <= MaxMenuURLBytes && (strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://"))
}

// CreateMenu replaces the app's menu.
func (c *Client) CreateMenu(ctx context.Context, m Menu) error {
	var res struct{ util.CommonError }
	q := url.Values{"agentid": {strconv.FormatInt(c.AgentID, 10)}}
	return c.call(ctx, "menu/create", q, m, &res)
}

// SplitText cuts s into parts of at most max bytes, never inside a UTF-8
// character, preferring to cut after a newline.
func SplitText(s string, max int) []string {
	if max < utf8.UTFMax {
		max = utf8.UTFMax
	}
	var parts []string
	for len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		if cut == 0 {
			// No character starts in reach: s is not UTF-8 here. Cut at
			// max rather than append empty parts forever.
			cut = max
		}
		if nl := strings.LastIndexByte(s[:cut], '\n'); nl >= cut/2 {
			cut = nl + 1
		}
		parts = append(parts, s[:cut])
		s = s[cut:]
	}
	if s != "" || len(parts) == 0 {
		parts = append(parts, s)
	}
	return parts
}
