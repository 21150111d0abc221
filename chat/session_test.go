package chat_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

// counter is a conversation that counts the person's messages: each turn
// reads the count and saves it plus one, so a lost or rewound conversation
// shows as a wrong count.
type counter struct {
	Kind string `json:"kind"`
	N    int    `json:"n"`
}

type fixture struct {
	b     *chat.Bot
	redis *storage.Redis
	mu    sync.Mutex
	now   time.Time
	seen  []int // the count each turn found
	msgID int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{redis: storagetest.NewRedis(t), now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	f.b = &chat.Bot{
		DB: storagetest.NewDB(t), Redis: f.redis, Sessions: f.redis.Sessions(30 * time.Minute),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now },
	}
	return f
}

func (f *fixture) dispatch(ctx context.Context, t *chat.Turn) error {
	t.Person = config.Person{UserID: t.Msg.FromUserName}
	s, expired, err := f.b.LoadSession(ctx, t)
	if err != nil {
		return err
	}
	var c counter
	if s != nil {
		if err := s.Decode(&c); err != nil {
			return err
		}
	}
	if expired != "" {
		c.N = -1 // tell the test
	}
	f.seen = append(f.seen, c.N)
	if t.Msg.Content == "end" {
		f.b.End(t)
		return nil
	}
	f.b.Save(t, "counter", counter{Kind: "counter", N: max(c.N, 0) + 1})
	return nil
}

// say delivers a new message from u, as WeCom would (a new MsgId).
func (f *fixture) say(t *testing.T, u, text string) (*bot.Message, error) {
	t.Helper()
	f.msgID++
	m := &bot.Message{MsgType: bot.MsgText, FromUserName: u, Content: text, MsgID: strconv.Itoa(f.msgID), CreateTime: f.b.Now().Unix()}
	return m, f.b.Receive(context.Background(), m, f.dispatch)
}

func (f *fixture) last() int { return f.seen[len(f.seen)-1] }

func TestSessionSurvivesACrashBeforeItsRedisWrite(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for range 3 {
		if _, err := f.say(t, "u", "next"); err != nil {
			t.Fatal(err)
		}
	}
	if f.last() != 2 {
		t.Fatalf("third turn found %d, want 2", f.last())
	}
	// The fourth turn commits, then the process dies before Redis is
	// written: WeCom sees no answer.
	crash := errors.New("killed")
	f.b.Fault = func(point string) error {
		if point == chat.FaultAfterCommit {
			return crash
		}
		return nil
	}
	m, err := f.say(t, "u", "next")
	if !errors.Is(err, crash) {
		t.Fatalf("crashed turn returned %v", err)
	}
	f.b.Fault = nil
	// The next message, from the user (WeCom gave up retrying), still
	// finds the count the crashed turn committed.
	if _, err := f.say(t, "u", "next"); err != nil {
		t.Fatal(err)
	}
	if f.last() != 4 {
		t.Fatalf("after the crash the turn found %d, want 4 (the crashed turn's)", f.last())
	}
	// A retry of the crashed callback acts on nothing and does not rewind
	// the conversation.
	turns := len(f.seen)
	if err := f.b.Receive(context.Background(), m, f.dispatch); err != nil {
		t.Fatal(err)
	}
	if len(f.seen) != turns {
		t.Fatal("a repeated callback was acted on")
	}
	if _, err := f.say(t, "u", "next"); err != nil {
		t.Fatal(err)
	}
	if f.last() != 5 {
		t.Fatalf("after the repeat the turn found %d, want 5", f.last())
	}
}

func TestRepeatAfterACrashRepairsTheRedisCopy(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if _, err := f.say(t, "u", "next"); err != nil {
		t.Fatal(err)
	}
	f.b.Fault = func(string) error { return errors.New("killed") }
	m, _ := f.say(t, "u", "next")
	f.b.Fault = nil
	// WeCom posts the callback again: the repeat puts the copy right.
	if err := f.b.Receive(context.Background(), m, f.dispatch); err != nil {
		t.Fatal(err)
	}
	var c counter
	ok, err := f.b.Sessions.Load(context.Background(), "u", &c)
	if err != nil || !ok || c.N != 2 {
		t.Fatalf("Redis copy after the repeat: %+v, %v, %v; want n=2", c, ok, err)
	}
}

func TestRedisFlushKeepsTheConversation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for range 2 {
		if _, err := f.say(t, "u", "next"); err != nil {
			t.Fatal(err)
		}
	}
	flushPrefix(t, f.redis)
	if _, err := f.say(t, "u", "next"); err != nil {
		t.Fatal(err)
	}
	if f.last() != 2 {
		t.Fatalf("after the flush the turn found %d, want 2", f.last())
	}
	// An ended conversation stays ended after a flush.
	if _, err := f.say(t, "u", "end"); err != nil {
		t.Fatal(err)
	}
	flushPrefix(t, f.redis)
	if _, err := f.say(t, "u", "next"); err != nil {
		t.Fatal(err)
	}
	if f.last() != 0 {
		t.Fatalf("after an end and a flush the turn found %d, want none (0)", f.last())
	}
}

func TestIdleConversationExpiresByThePostgresClock(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if _, err := f.say(t, "u", "next"); err != nil {
		t.Fatal(err)
	}
	// Half an hour passes; Redis would have dropped its copy, and a flush
	// must not bring it back either.
	f.mu.Lock()
	f.now = f.now.Add(31 * time.Minute)
	f.mu.Unlock()
	flushPrefix(t, f.redis)
	if _, err := f.say(t, "u", "next"); err != nil {
		t.Fatal(err)
	}
	if f.last() != -1 {
		t.Fatalf("an idle conversation was not reported expired: found %d", f.last())
	}
}

// flushPrefix removes every key of the test's Redis prefix: a FLUSHALL as
// far as this test's bot can tell.
func flushPrefix(t *testing.T, r *storage.Redis) {
	t.Helper()
	ctx := context.Background()
	keys, err := r.Client.Keys(ctx, r.Prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) == 0 {
		t.Fatal(fmt.Errorf("nothing under %s to flush", r.Prefix))
	}
	if err := r.Client.Del(ctx, keys...).Err(); err != nil {
		t.Fatal(err)
	}
}
