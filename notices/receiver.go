package notices

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/storage"
)

// seenTTL is how long the Redis fast path remembers a handled callback;
// WeChat's retries come within seconds.
const seenTTL = 10 * time.Minute

// What the 公众号 answers a follower, as 客服消息 through the outbox.
const (
	msgWelcome      = "感谢关注！发送「订阅」即可接收本局政府信息公开通知，发送「退订」可随时取消。"
	msgSubscribed   = "订阅成功！本局有新的政府信息公开时，将第一时间通知您。如需取消，请发送「退订」。"
	msgAlready      = "您已订阅政府信息公开通知，无需重复订阅。如需取消，请发送「退订」。"
	msgUnsubscribed = "已为您取消订阅，今后不再推送政府信息公开通知。如需恢复，请发送「订阅」。"
	msgNotSub       = "您目前未订阅政府信息公开通知。如需订阅，请发送「订阅」。"
	msgHint         = "您好！本号发布本局政府信息公开通知：发送「订阅」即可接收，发送「退订」可取消。反映环境问题请拨打12345政务服务便民热线。"
	// msgComplaint answers a complaint or report written to the account.
	// The bureau takes the public's environmental complaints through the
	// 12345 hotline, which passes them on to it (its 政务公开工作制度, 六(一):
	// 「通过“12345”转办受理并及时处理群众反映的环境污染问题」); the 公众号 is
	// for its disclosure notices and takes no complaints.
	msgComplaint = "您好！本公众号不受理投诉、举报。反映噪音、废气、污水等环境问题，请拨打12345政务服务便民热线，" +
		"我局收到转办后将及时核查处理并答复您。\n本号发布本局政府信息公开通知：发送「订阅」即可接收，发送「退订」可取消。"
	msgSorry = "抱歉，系统暂时无法处理您的消息，请稍后再试。"
)

// Words a follower may send.
var (
	wordsSubscribe   = []string{"订阅", "订阅通知", "订阅公开通知"}
	wordsUnsubscribe = []string{"退订", "取消订阅"}
	// wordsComplaint make a message a complaint or a report: the words
	// people use for one, and the nuisances they write about.
	wordsComplaint = []string{"投诉", "举报", "反映", "信访", "上访", "扰民", "噪音", "噪声", "污染", "排污", "偷排", "废气",
		"污水", "废水", "异味", "臭味", "恶臭", "粉尘", "扬尘", "黑烟", "冒烟", "烧垃圾", "焚烧"}
)

// ReceiveMP implements bot.MPReceiver. Like the WeCom handlers it acts on
// each callback at most once: the inbox row (keyed "mp:" + the message's
// dedup key, so the two apps never collide) and every effect commit
// together. If acting fails, the callback is still recorded as failed with
// an apology; only when Postgres itself fails does WeChat post again.
func (s *Service) ReceiveMP(ctx context.Context, m *bot.Message) error {
	key := "mp:" + m.DedupKey()
	if seen, err := s.Redis.Seen(ctx, key); err != nil {
		s.Log.WarnContext(ctx, "dedup fast path unavailable", "err", err)
	} else if seen {
		bot.NoteOutcome(ctx, bot.OutcomeDuplicate)
		return nil
	}
	payload, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode mp callback: %w", err)
	}
	entry := storage.InboxEntry{DedupKey: key, FromUser: m.FromUserName, MsgType: m.MsgType, Event: m.Event, Payload: string(payload)}
	now := s.Now()
	queued := 0
	repeat := false
	err = s.DB.WithTx(ctx, func(tx *storage.Tx) error {
		fresh, err := storage.RecordInbox(ctx, tx, entry)
		if err != nil || !fresh {
			repeat = err == nil
			return err
		}
		queued, err = s.safeAct(ctx, tx, m, now)
		return err
	})
	if err != nil {
		s.Log.ErrorContext(ctx, "mp callback handling failed", "from", m.FromUserName, "key", key, "err", err)
		entry.Status, entry.Error = "failed", err.Error()
		err = s.DB.WithTx(ctx, func(tx *storage.Tx) error {
			fresh, err := storage.RecordInbox(ctx, tx, entry)
			if err != nil || !fresh {
				repeat = err == nil
				return err
			}
			bot.NoteOutcome(ctx, bot.OutcomeFailed)
			queued = 0
			if m.Event == bot.MPEventUnsubscribe {
				return nil // an unfollower cannot be written to
			}
			queued = 1
			return s.reply(ctx, tx, m.FromUserName, msgSorry)
		})
	}
	if err != nil {
		return err
	}
	if repeat {
		bot.NoteOutcome(ctx, bot.OutcomeDuplicate)
	}
	if err := s.Redis.MarkSeen(ctx, key, seenTTL); err != nil {
		s.Log.WarnContext(ctx, "dedup fast path unavailable", "err", err)
	}
	if queued > 0 && s.Queued != nil {
		s.Queued()
	}
	return nil
}

func (s *Service) safeAct(ctx context.Context, tx *storage.Tx, m *bot.Message, now time.Time) (queued int, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.Log.ErrorContext(ctx, "panic in mp handler", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return s.act(ctx, tx, m, now)
}

// act does what a follower's message or event asks and returns how many
// outbound calls it queued.
func (s *Service) act(ctx context.Context, tx *storage.Tx, m *bot.Message, now time.Time) (int, error) {
	openid := m.FromUserName
	text := strings.TrimSpace(m.Content)
	switch {
	case m.MsgType == bot.MsgEvent && m.Event == bot.MPEventSubscribe:
		return s.follow(ctx, tx, openid, now)
	case m.MsgType == bot.MsgEvent && m.Event == bot.MPEventUnsubscribe:
		return 0, s.unfollow(ctx, tx, openid, now)
	case m.MsgType == bot.MsgEvent && m.Event == bot.MPEventClick && m.EventKey == MenuSubscribe,
		m.MsgType == bot.MsgText && contains(wordsSubscribe, text):
		return s.subscribe(ctx, tx, openid, sourceOf(m), now)
	case m.MsgType == bot.MsgEvent && m.Event == bot.MPEventClick && m.EventKey == MenuUnsubscribe,
		m.MsgType == bot.MsgText && contains(wordsUnsubscribe, text):
		return s.unsubscribe(ctx, tx, openid, sourceOf(m), now)
	case m.MsgType == bot.MsgEvent:
		// Other events (template delivery reports, views, locations, other
		// menu items) need no answer.
		return 0, nil
	}
	if m.MsgType == bot.MsgText && containsAny(text, wordsComplaint) {
		return 1, s.reply(ctx, tx, openid, msgComplaint)
	}
	return 1, s.reply(ctx, tx, openid, msgHint)
}

// containsAny reports whether text contains one of words.
func containsAny(text string, words []string) bool {
	for _, w := range words {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

func sourceOf(m *bot.Message) string {
	if m.MsgType == bot.MsgEvent {
		return "menu"
	}
	return "text"
}

func contains(words []string, s string) bool {
	for _, w := range words {
		if w == s {
			return true
		}
	}
	return false
}

// reply queues a 客服 text to a follower who has just written: within the
// 48 hours WeChat allows.
func (s *Service) reply(ctx context.Context, tx *storage.Tx, openid, text string) error {
	_, err := storage.Enqueue(ctx, tx, storage.KindMPCustom, "mp:"+openid, bot.MPCustomText(openid, text), "")
	return err
}

// tagOp queues adding or removing a follower from the mass-send tag.
func (s *Service) tagOp(ctx context.Context, tx *storage.Tx, openid string, add bool) error {
	kind := storage.KindMPUntag
	if add {
		kind = storage.KindMPTag
	}
	m := bot.MPTagMembers{OpenIDs: []string{openid}, TagID: s.Config.BroadcastTag}
	_, err := storage.Enqueue(ctx, tx, kind, "mp:"+openid, m, "")
	return err
}

func (s *Service) audit(ctx context.Context, tx *storage.Tx, openid, action string, detail any) error {
	return storage.Audit(ctx, tx, "mp:"+openid, action, "mp_follower", openid, detail)
}

func (s *Service) follow(ctx context.Context, tx *storage.Tx, openid string, now time.Time) (int, error) {
	f, err := storage.LockFollower(ctx, tx, openid, now)
	if err != nil {
		return 0, err
	}
	queued := 0
	tagged := f.Tagged
	if tagged && s.Config.BroadcastTag != 0 {
		// Back after unfollowing: not subscribed any more, so off the tag.
		if err := s.tagOp(ctx, tx, openid, false); err != nil {
			return 0, err
		}
		tagged, queued = false, 1
	}
	ok, err := storage.ChangeFollower(ctx, tx, storage.FollowerChange{
		OpenID: openid, FromFollowing: f.Following, ToFollowing: true,
		FromSubscribed: f.Subscribed, ToSubscribed: f.Subscribed && f.Following, Tagged: tagged, At: now,
	})
	if err != nil || !ok {
		return 0, errOr(err, "follow", openid)
	}
	if err := storage.RecordFollowerEvent(ctx, tx, openid, storage.FollowerFollow, "event", now); err != nil {
		return 0, err
	}
	if err := s.audit(ctx, tx, openid, "mp_follow", nil); err != nil {
		return 0, err
	}
	return queued + 1, s.reply(ctx, tx, openid, msgWelcome)
}

func (s *Service) unfollow(ctx context.Context, tx *storage.Tx, openid string, now time.Time) error {
	f, err := storage.LockFollower(ctx, tx, openid, now)
	if err != nil {
		return err
	}
	// Unfollowing ends the subscription: whoever comes back asks again.
	ok, err := storage.ChangeFollower(ctx, tx, storage.FollowerChange{
		OpenID: openid, FromFollowing: f.Following, ToFollowing: false,
		FromSubscribed: f.Subscribed, ToSubscribed: false, Tagged: f.Tagged, At: now,
	})
	if err != nil || !ok {
		return errOr(err, "unfollow", openid)
	}
	if err := storage.RecordFollowerEvent(ctx, tx, openid, storage.FollowerUnfollow, "event", now); err != nil {
		return err
	}
	return s.audit(ctx, tx, openid, "mp_unfollow", map[string]any{"was_subscribed": f.Subscribed})
}

func (s *Service) subscribe(ctx context.Context, tx *storage.Tx, openid, source string, now time.Time) (int, error) {
	f, err := storage.LockFollower(ctx, tx, openid, now)
	if err != nil {
		return 0, err
	}
	if f.Subscribed && f.Following {
		return 1, s.reply(ctx, tx, openid, msgAlready)
	}
	queued := 0
	tagged := f.Tagged
	if s.Config.BroadcastTag != 0 && !tagged {
		if err := s.tagOp(ctx, tx, openid, true); err != nil {
			return 0, err
		}
		tagged, queued = true, 1
	}
	// Writing to the account means following it, whatever we knew before.
	ok, err := storage.ChangeFollower(ctx, tx, storage.FollowerChange{
		OpenID: openid, FromFollowing: f.Following, ToFollowing: true,
		FromSubscribed: f.Subscribed, ToSubscribed: true, Tagged: tagged, At: now,
	})
	if err != nil || !ok {
		return 0, errOr(err, "subscribe", openid)
	}
	if err := storage.RecordFollowerEvent(ctx, tx, openid, storage.FollowerSubscribe, source, now); err != nil {
		return 0, err
	}
	if err := s.audit(ctx, tx, openid, "mp_subscribe", map[string]any{"source": source}); err != nil {
		return 0, err
	}
	return queued + 1, s.reply(ctx, tx, openid, msgSubscribed)
}

func (s *Service) unsubscribe(ctx context.Context, tx *storage.Tx, openid, source string, now time.Time) (int, error) {
	f, err := storage.LockFollower(ctx, tx, openid, now)
	if err != nil {
		return 0, err
	}
	if !f.Subscribed {
		return 1, s.reply(ctx, tx, openid, msgNotSub)
	}
	queued := 0
	tagged := f.Tagged
	if tagged && s.Config.BroadcastTag != 0 {
		if err := s.tagOp(ctx, tx, openid, false); err != nil {
			return 0, err
		}
		tagged, queued = false, 1
	}
	ok, err := storage.ChangeFollower(ctx, tx, storage.FollowerChange{
		OpenID: openid, FromFollowing: f.Following, ToFollowing: true,
		FromSubscribed: true, ToSubscribed: false, Tagged: tagged, At: now,
	})
	if err != nil || !ok {
		return 0, errOr(err, "unsubscribe", openid)
	}
	if err := storage.RecordFollowerEvent(ctx, tx, openid, storage.FollowerUnsubscribe, source, now); err != nil {
		return 0, err
	}
	if err := s.audit(ctx, tx, openid, "mp_unsubscribe", map[string]any{"source": source}); err != nil {
		return 0, err
	}
	return queued + 1, s.reply(ctx, tx, openid, msgUnsubscribed)
}

// errOr turns a guarded update that matched nothing into an error: the row
// is locked, so this means a bug, not a race.
func errOr(err error, what, openid string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%s %s: follower changed under its lock", what, strconv.Quote(openid))
}
