// Package notices tells the public through the bureau's 公众号: followers
// subscribe to disclosure notices (订阅 / 退订, or the menu), a published
// form with the platform “双微”公众号 reaches every subscriber, and a
// complainant who follows the account hears the answer to their 12345
// order. Every outbound call goes through the outbox in the transaction
// of the change that causes it.
package notices

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// Menu keys of the 公众号's custom menu that the bot answers.
const (
	MenuSubscribe   = "subscribe_notices"
	MenuUnsubscribe = "unsubscribe_notices"
)

// Notice kinds in mp_notices.
const (
	kindForm   = "form"
	kindAnswer = "answer"
)

// answerLinkTTL is how long the link in an answer notice works.
const answerLinkTTL = 90 * 24 * time.Hour

// Service is the 公众号 side of the bot. A nil *Service is the 公众号
// switched off: its Queue methods record in the audit log that nothing
// was sent, and do nothing else.
type Service struct {
	DB         *storage.DB
	Redis      *storage.Redis
	Config     config.MPConfig
	PublicURL  string // base of the links in notices, without trailing slash
	LinkSecret []byte // HMAC key of the answer links
	Location   *time.Location
	Log        *slog.Logger
	Now        func() time.Time
	// Queued is called after a commit that queued outbound calls, to wake
	// the outbox worker. May be nil.
	Queued func()
}

// Mass reports whether disclosure notices go as one mass send to the tag.
func (s *Service) Mass() bool { return s != nil && s.Config.BroadcastTag != 0 }

func (s *Service) loc() *time.Location {
	if s == nil || s.Location == nil {
		return workflow.DefaultCalendar().Location()
	}
	return s.Location
}

// NoticeURL is the public page of a published form.
func (s *Service) NoticeURL(formID int64) string {
	return s.PublicURL + "/notices/" + strconv.FormatInt(formID, 10)
}

// QueueFormNotice queues the public notice of a form that has just become
// 已公开 with the platform “双微”公众号: a template message to every
// subscriber, or with MP_BROADCAST_TAG one mass send to their tag. Call it
// in the transaction that publishes the form. A form is announced once: a
// second call queues nothing. It returns how many followers were queued
// (1 for a mass send). A 群发 beyond WeChat's quota is not queued: the
// notice is recorded as refused, with the reason, and 0 is returned.
func (s *Service) QueueFormNotice(ctx context.Context, tx *storage.Tx, f *storage.Form, at time.Time) (int, error) {
	id := strconv.FormatInt(f.ID, 10)
	if s == nil {
		return 0, storage.Audit(ctx, tx, "system", "mp_notice_skipped", "form", id, map[string]any{"reason": "公众号未配置"})
	}
	detail, err := json.Marshal(map[string]any{"title": f.Title, "serial": workflow.FormatSerial(f.Year, f.Seq), "published_at": at})
	if err != nil {
		return 0, fmt.Errorf("form notice %d: %w", f.ID, err)
	}
	values := map[string]string{
		"title":   f.Title,
		"serial":  workflow.FormatSerial(f.Year, f.Seq),
		"column":  f.Column,
		"summary": f.Summary,
	}
	link := s.NoticeURL(f.ID)
	if s.Mass() {
		room, refusal, err := s.massRoom(ctx, tx, at)
		if err != nil {
			return 0, err
		}
		if !room {
			return 0, s.refuseMass(ctx, tx, id, detail, at, refusal)
		}
		fresh, err := storage.ClaimNotice(ctx, tx, storage.Notice{Kind: kindForm, Ref: id, Mode: "mass", Recipients: 1, Detail: detail, QueuedAt: at})
		if err != nil || !fresh {
			return 0, err
		}
		text := fmt.Sprintf("【政府信息公开】%s\n编号：%s\n公开日期：%s\n详情：%s",
			f.Title, values["serial"], workflow.FormatDate(at, s.loc()), link)
		m := bot.MPMassMessage{
			Filter:  bot.MPMassFilter{TagID: s.Config.BroadcastTag},
			MsgType: "text", Text: &bot.TextContent{Content: text},
			// WeChat's own idempotency key: a retried mass send is not sent twice.
			ClientMsgID: "zwgk-form-" + id,
		}
		to := "mp:tag:" + strconv.FormatInt(s.Config.BroadcastTag, 10)
		if _, err := storage.Enqueue(ctx, tx, storage.KindMPMass, to, m, "mpmass:form:"+id); err != nil {
			return 0, err
		}
		return 1, storage.Audit(ctx, tx, "system", "mp_notice_queued", "form", id, map[string]any{"mode": "mass", "tag": s.Config.BroadcastTag})
	}
	subs, err := storage.Subscribers(ctx, tx)
	if err != nil {
		return 0, err
	}
	fresh, err := storage.ClaimNotice(ctx, tx, storage.Notice{Kind: kindForm, Ref: id, Mode: "template", Recipients: len(subs), Detail: detail, QueuedAt: at})
	if err != nil || !fresh {
		return 0, err
	}
	data := s.templateData(s.Config.TemplateFields(), values, at)
	for _, openid := range subs {
		m := bot.MPTemplateMessage{ToUser: openid, TemplateID: s.Config.TemplateID, URL: link, Data: data}
		if _, err := storage.Enqueue(ctx, tx, storage.KindMPTemplate, "mp:"+openid, m, "mpnotice:form:"+id+":"+openid); err != nil {
			return 0, err
		}
	}
	return len(subs), storage.Audit(ctx, tx, "system", "mp_notice_queued", "form", id, map[string]any{"mode": "template", "recipients": len(subs)})
}

// WeChat's 群发 quotas (微信开放文档 群发接口和原创校验,
// developers.weixin.qq.com/doc/offiaccount/Message_Management/Batch_Sends_and_Originality_Checks.html):
// 「用户每月只能接收4条，无论在公众平台网站上，还是使用接口群发……多于4条的
// 群发将对该用户发送失败」 for a 服务号, 「群发接口每天可成功调用1次」 for a
// 订阅号. A 服务号's fifth 群发 is accepted (errcode 0) and reaches no
// follower who had four, with no error to see; a 订阅号's second answers
// 45028. So the bot counts its own 群发 and does not attempt one the quota
// has no room for. Months and days are Beijing time (WeChat's). What the
// office sends from the admin console counts against the same quota and
// is not seen here.
const (
	massPerMonthService    = 4
	massPerDaySubscription = 1
)

// massRefusal is why a 群发 was not attempted, as the office is told.
type massRefusal struct {
	reason      string
	used, limit int
	from        time.Time
}

// massRoom reports whether a 群发 at at fits the quota of its period,
// counting the 群发 queued in the period that did not fail. It holds the
// quota lock for the rest of the transaction.
func (s *Service) massRoom(ctx context.Context, tx *storage.Tx, at time.Time) (bool, massRefusal, error) {
	if err := storage.LockMassQuota(ctx, tx); err != nil {
		return false, massRefusal{}, err
	}
	// The reason names the period by its dates, not 本月 or 今日: the
	// office reads it in the next day's digest.
	t := at.In(s.loc())
	r := massRefusal{limit: massPerMonthService, from: time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, s.loc())}
	to := r.from.AddDate(0, 1, 0)
	r.reason = fmt.Sprintf("%d年%d月的%d次群发已用完（服务号的关注者每月最多接收%d次群发），%s起恢复",
		t.Year(), int(t.Month()), massPerMonthService, massPerMonthService, workflow.FormatDate(to, s.loc()))
	if s.Config.Subscription() {
		r.limit = massPerDaySubscription
		r.from = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, s.loc())
		to = r.from.AddDate(0, 0, 1)
		r.reason = fmt.Sprintf("%s的群发已用完（订阅号每天只能群发%d次），%s起恢复",
			workflow.FormatDate(t, s.loc()), massPerDaySubscription, workflow.FormatDate(to, s.loc()))
	}
	used, err := storage.CountMassNotices(ctx, tx, r.from, to)
	if err != nil {
		return false, massRefusal{}, err
	}
	r.used = used
	return used < r.limit, r, nil
}

// refuseMass records that the form's notice was not sent, and why: the
// state the office digest reports from.
func (s *Service) refuseMass(ctx context.Context, tx *storage.Tx, id string, detail json.RawMessage, at time.Time, r massRefusal) error {
	fresh, err := storage.ClaimNotice(ctx, tx, storage.Notice{Kind: kindForm, Ref: id, Mode: "mass", Detail: detail, QueuedAt: at,
		Status: storage.NoticeRefused, Reason: r.reason})
	if err != nil || !fresh {
		return err
	}
	if s.Log != nil {
		s.Log.WarnContext(ctx, "mp mass send not attempted: the quota is used", "form", id, "used", r.used, "limit", r.limit,
			"since", r.from, "account_type", cmp.Or(s.Config.AccountType, config.MPService))
	}
	return storage.Audit(ctx, tx, "system", "mp_notice_refused", "form", id, map[string]any{
		"mode": "mass", "reason": r.reason, "used": r.used, "limit": r.limit, "since": r.from})
}

// QueueOrderAnswer queues the answer notice of a closed 12345 order to
// the complainant's openid (a template message: the follower need not
// have written to the account lately). Call it in the transaction that
// closes the order. An order closed again after reopening (closedAt
// differs) is announced again; the same close twice is not.
func (s *Service) QueueOrderAnswer(ctx context.Context, tx *storage.Tx, openid, ticketNo, summary string, closedAt time.Time) error {
	openid = strings.TrimSpace(openid)
	if openid == "" {
		return nil
	}
	if s == nil || s.Config.AnswerTemplateID == "" {
		reason := "公众号未配置"
		if s != nil {
			reason = "未配置答复通知模板（MP_ANSWER_TEMPLATE_ID）"
		}
		return storage.Audit(ctx, tx, "system", "mp_answer_skipped", storage.EntityOrder, ticketNo, map[string]any{"openid": openid, "reason": reason})
	}
	ref := ticketNo + ":" + strconv.FormatInt(closedAt.Unix(), 10)
	detail, err := json.Marshal(answerDetail{TicketNo: ticketNo, Summary: summary, ClosedAt: closedAt})
	if err != nil {
		return fmt.Errorf("answer notice %s: %w", ticketNo, err)
	}
	fresh, err := storage.ClaimNotice(ctx, tx, storage.Notice{Kind: kindAnswer, Ref: ref, Mode: "template", Recipients: 1, Detail: detail, QueuedAt: s.Now()})
	if err != nil || !fresh {
		return err
	}
	values := map[string]string{"ticket": ticketNo, "summary": summary}
	m := bot.MPTemplateMessage{
		ToUser: openid, TemplateID: s.Config.AnswerTemplateID,
		URL:  s.PublicURL + signAnswerLink(s.LinkSecret, ref, s.Now().Add(answerLinkTTL)),
		Data: s.templateData(s.Config.AnswerFields(), values, closedAt),
	}
	if _, err := storage.Enqueue(ctx, tx, storage.KindMPTemplate, "mp:"+openid, m, "mpanswer:"+ref); err != nil {
		return err
	}
	return storage.Audit(ctx, tx, "system", "mp_answer_queued", storage.EntityOrder, ticketNo, map[string]any{"openid": openid})
}

// answerDetail is what an answer notice said, kept for its page.
type answerDetail struct {
	TicketNo string    `json:"ticket_no"`
	Summary  string    `json:"summary"`
	ClosedAt time.Time `json:"closed_at"`
}

// templateData fills the template's keywords. Since May 2023 keywords are
// typed and WeChat refuses values that do not fit: thing holds at most 20
// characters, name 10, phrase 5, character_string 32 letters, digits and
// symbols; time and date keywords take the time of the notice (at) for
// the names date and closed.
func (s *Service) templateData(fields []config.TemplateField, values map[string]string, at time.Time) map[string]bot.MPTemplateValue {
	out := map[string]bot.MPTemplateValue{}
	for _, f := range fields {
		v := values[f.Name]
		switch {
		case strings.HasPrefix(f.Key, "time"):
			v = workflow.FormatDateTime(at, s.loc())
		case strings.HasPrefix(f.Key, "date"):
			v = workflow.FormatDate(at, s.loc())
		case f.Name == "date" || f.Name == "closed":
			v = workflow.FormatDate(at, s.loc())
		}
		switch {
		case strings.HasPrefix(f.Key, "thing"):
			v = clip(v, 20)
		case strings.HasPrefix(f.Key, "name"):
			v = clip(v, 10)
		case strings.HasPrefix(f.Key, "phrase"):
			v = clip(v, 5)
		case strings.HasPrefix(f.Key, "character_string"):
			v = asciiOnly(v, 32)
		}
		if v == "" {
			v = "—"
		}
		out[f.Key] = bot.MPTemplateValue{Value: v}
	}
	return out
}

// clip cuts s to n characters, marking the cut.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// asciiOnly keeps the letters, digits and symbols of s (a serial such as
// 公开审〔2026〕17号 becomes 2026-17), at most n of them.
func asciiOnly(s string, n int) string {
	var b strings.Builder
	last := byte(0)
	for _, r := range s {
		c := byte('-')
		if r > 0x20 && r < 0x7f {
			c = byte(r)
		}
		if c == '-' && (last == '-' || last == 0) {
			continue
		}
		b.WriteByte(c)
		last = c
	}
	out := strings.TrimRight(b.String(), "-")
	if len(out) > n {
		out = out[:n]
	}
	return out
}
