package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// maxSummaryItems bounds the daily summary; the rest is counted.
const maxSummaryItems = 20

// FailureSummary is the office's daily text about the outbound messages
// given up since since (permanent errors, or retries exhausted), or ""
// when there are none. name turns a WeCom userid into a person's name for
// the text; nil leaves userids as they are. q may be a transaction, so a
// scheduler job can queue the text in the same one.
func FailureSummary(ctx context.Context, q storage.Queryer, since time.Time, name func(userid string) string) (string, error) {
	rows, err := storage.FailedSince(ctx, q, since)
	if err != nil {
		return "", fmt.Errorf("failure summary: %w", err)
	}
	if len(rows) == 0 {
		return "", nil
	}
	loc := workflow.DefaultCalendar().Location()
	var b strings.Builder
	fmt.Fprintf(&b, "【消息发送失败汇总】自%s以来，有 %d 条消息未能送达：\n", workflow.FormatDateTime(since, loc), len(rows))
	for i, r := range rows {
		if i == maxSummaryItems {
			fmt.Fprintf(&b, "另有 %d 条未列出，可用「zwgk outbox」查看。\n", len(rows)-i)
			break
		}
		fmt.Fprintf(&b, "%d. %s%s：%s（%s，编号 %d）\n", i+1, describeRecipient(r.Recipient, name), describePayload(r),
			failureReason(r), workflow.FormatDateTime(r.FailedAt.Time, loc), r.ID)
	}
	b.WriteString("请核实接收人或内容；需要重新发送的，请系统管理员执行「zwgk outbox retry 编号」。")
	return b.String(), nil
}

func describeRecipient(to string, name func(string) string) string {
	if tag, ok := strings.CutPrefix(to, "mp:tag:"); ok {
		return "公众号标签 " + tag + " 的订阅者"
	}
	if openid, ok := strings.CutPrefix(to, "mp:"); ok {
		return "公众号粉丝 " + clipRunes(openid, 9)
	}
	if to == "" {
		return "应用"
	}
	var people []string
	for _, u := range strings.Split(to, "|") {
		if name != nil {
			if n := name(u); n != "" && n != u {
				people = append(people, n+"（"+u+"）")
				continue
			}
		}
		people = append(people, u)
	}
	return strings.Join(people, "、")
}

func describePayload(r storage.OutboxRow) string {
	switch r.Kind {
	case storage.KindMessage:
		var m bot.OutMessage
		if json.Unmarshal(r.Payload, &m) == nil {
			if m.Text != nil {
				return "的文字消息「" + clipRunes(m.Text.Content, 24) + "」"
			}
			if m.TemplateCard != nil && m.TemplateCard.MainTitle != nil {
				return "的卡片「" + clipRunes(m.TemplateCard.MainTitle.Title, 24) + "」"
			}
		}
		return "的应用消息"
	case storage.KindCardUpdate:
		return "的卡片更新"
	case storage.KindMenu:
		return "的菜单设置"
	case storage.KindMPTemplate:
		return "的公众号模板消息"
	case storage.KindMPCustom:
		var m bot.MPCustomMessage
		if json.Unmarshal(r.Payload, &m) == nil && m.Text != nil {
			return "的公众号回复「" + clipRunes(m.Text.Content, 24) + "」"
		}
		return "的公众号回复"
	case storage.KindMPMass:
		return "的公众号群发通知"
	case storage.KindMPTag, storage.KindMPUntag:
		return "的公众号标签设置"
	}
	return "的消息"
}

// failureReason explains the errcode in the office's terms.
func failureReason(r storage.OutboxRow) string {
	mp := strings.HasPrefix(r.Kind, "mp_")
	switch c := r.ErrorCode; {
	case c == 0:
		return "多次重试仍未成功（网络或服务器故障）"
	case c == 81013:
		return "接收人不存在或不在应用可见范围内（81013）"
	case c == 40003 && mp:
		return "粉丝标识（openid）无效（40003）"
	case c == 40003:
		return "成员账号无效（40003）"
	case c == 43004:
		return "粉丝已取消关注（43004）"
	case c == 45015:
		return "粉丝超过48小时未与公众号互动，无法回复（45015）"
	case c == bot.MPErrCustomQuota && mp:
		return "向该粉丝发送的客服消息条数已达上限（45047）"
	case c == bot.ErrInvalidResponseCode:
		return "卡片已失效或已更新过，无法再次更新（60140）"
	case c == bot.ErrCardOfAnotherApp:
		return "卡片不是本应用发送的，请核对 WECOM_AGENT_ID 与 WECOM_SECRET（42015）"
	case c == bot.ErrCardTaskID:
		return "卡片编号（task_id）重复或不合法（42014）"
	case c == 45002:
		return "内容超过长度限制（45002）"
	case !mp && (c == 40016 || c >= 42027 && c <= 42052):
		return fmt.Sprintf("卡片内容不符合接口要求（%d）", c)
	case c == 40058 || c == 47001 || c == 47003:
		return fmt.Sprintf("内容格式不符合接口要求（%d）", c)
	case c == 40037:
		return "模板ID无效，请核对 MP_TEMPLATE_ID（40037）"
	case c == 45028:
		return "群发次数已用完（45028）"
	case c == -1:
		return "服务器繁忙，重试 3 次后仍未成功（-1）"
	case c == 45009 && mp:
		return "公众号该接口当日调用额度已用完，次日重试后仍未成功（45009）"
	case c == 45009 || c == 45011 || c == 45033 || c == 45066:
		return fmt.Sprintf("接口调用频率超限，重试后仍未成功（%d）", c)
	}
	return fmt.Sprintf("接口返回错误（errcode %d）", r.ErrorCode)
}

func clipRunes(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Describe is a one-line account of a row's content for operators (zwgk
// outbox): the text, the card's title, the template or the tag.
func Describe(r storage.OutboxRow) string {
	switch r.Kind {
	case storage.KindMessage:
		var m bot.OutMessage
		if json.Unmarshal(r.Payload, &m) == nil {
			switch {
			case m.Text != nil:
				return clipRunes(m.Text.Content, 40)
			case m.TemplateCard != nil && m.TemplateCard.MainTitle != nil:
				return "[card " + m.TemplateCard.TaskID + "] " + clipRunes(m.TemplateCard.MainTitle.Title, 30)
			}
		}
	case storage.KindCardUpdate:
		var u bot.CardUpdate
		if json.Unmarshal(r.Payload, &u) == nil && u.Button != nil {
			return "[button] " + u.Button.ReplaceName
		}
		return "[card update]"
	case storage.KindMPTemplate:
		var m bot.MPTemplateMessage
		if json.Unmarshal(r.Payload, &m) == nil {
			return "[template " + m.TemplateID + "] " + m.URL
		}
	case storage.KindMPCustom:
		var m bot.MPCustomMessage
		if json.Unmarshal(r.Payload, &m) == nil && m.Text != nil {
			return clipRunes(m.Text.Content, 40)
		}
	case storage.KindMPMass:
		var m bot.MPMassMessage
		if json.Unmarshal(r.Payload, &m) == nil && m.Text != nil {
			return "[mass] " + clipRunes(m.Text.Content, 36)
		}
	case storage.KindMPTag, storage.KindMPUntag:
		var m bot.MPTagMembers
		if json.Unmarshal(r.Payload, &m) == nil {
			return fmt.Sprintf("[%s %d]", r.Kind, m.TagID)
		}
	}
	return "[" + r.Kind + "]"
}
