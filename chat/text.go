package chat

import (
	"context"
	"strings"

	"github.com/zwgk-bot/zwgk/config"
)

// Texts every flow says. Short, polite, in the bureau's own terms.
const (
	MsgNotUnderstood = "抱歉，没有理解您的意思。请发送「帮助」查看可办理的事项。"
	MsgMenuUnknown   = "该菜单项暂不可用，请发送「帮助」查看可办理的事项。"
	MsgCardUnknown   = "该卡片已失效或暂不支持此操作。"
	MsgCardExpired   = "该卡片已过期，请按最新的提示操作。"
	MsgUnsupported   = "暂不支持此类消息，请发送文字或图片（JPG、PNG）。Word、PDF 等文件请在办公桌上传。发送「帮助」可查看可办理的事项。"
	MsgInternalError = "抱歉，系统处理您的消息时出错，已记录。请稍后再试，或联系综合办公室。"
)

// Words that steer a conversation at any step.
const (
	WordCancel = "取消"
	WordBack   = "上一步"
	WordKeep   = "保留"
)

// CutCommand splits "查询 公开审〔2026〕1号" (space optional) into its argument.
func CutCommand(text, word string) (string, bool) {
	rest, ok := strings.CutPrefix(text, word)
	return strings.TrimSpace(rest), ok
}

// Clip shortens s to n characters with an ellipsis.
func Clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// OrDash shows an empty field as a dash.
func OrDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// Name is the roster's name of userID, or the id itself.
func (b *Bot) Name(userID string) string {
	if p, ok := b.Roster.Person(userID); ok {
		return p.Name
	}
	return userID
}

// NameOrEmpty is Name, empty for an empty id.
func (b *Bot) NameOrEmpty(userID string) string {
	if userID == "" {
		return ""
	}
	return b.Name(userID)
}

// Names joins the names of ids with 、.
func (b *Bot) Names(ids []string) string {
	var out []string
	for _, id := range ids {
		out = append(out, b.Name(id))
	}
	return strings.Join(out, "、")
}

// OfficeNames is 综合办公室 with its reviewers' names, whom to ask.
func (b *Bot) OfficeNames() string {
	var ids []string
	for _, o := range b.Roster.WithRole(config.RoleOffice) {
		ids = append(ids, o.UserID)
	}
	if len(ids) == 0 {
		return "综合办公室"
	}
	return "综合办公室（" + b.Names(ids) + "）"
}

// Note is a text to send to one person.
type Note struct{ To, Text string }

// SendNotes queues each note.
func (b *Bot) SendNotes(ctx context.Context, t *Turn, notes []Note) error {
	for _, n := range notes {
		if err := b.Text(ctx, t, n.To, n.Text); err != nil {
			return err
		}
	}
	return nil
}
