package sandbox_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/sandbox"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

// mpQuotaFixture is a sandbox 公众号 on a test clock, the bot's real
// MPClient talking to it over HTTP, and a callback URL that answers
// success (the followers' follow events go there).
type mpQuotaFixture struct {
	mp     *sandbox.MP
	client *bot.MPClient
	clock  *clock
	tag    int64
}

var beijing = time.FixedZone("CST", 8*60*60)

func newMPQuotaFixture(t *testing.T, subscription bool, start time.Time) *mpQuotaFixture {
	t.Helper()
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "success") }))
	t.Cleanup(cb.Close)
	sb := sandbox.New()
	clk := &clock{t: start}
	sb.Now = clk.Now
	mp, err := sb.AddMP(sandbox.MPConfig{AppID: "wxquota", Secret: "mps", Token: "mpt", CallbackURL: cb.URL, Subscription: subscription})
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(mp.Handler())
	t.Cleanup(api.Close)
	hc, _ := bot.NewHTTPClient(map[string]string{bot.MPHost: api.URL})
	c := bot.NewMPClient("wxquota", "mps", hc, storagetest.NewRedis(t), slog.New(slog.DiscardHandler))
	return &mpQuotaFixture{mp: mp, client: c, clock: clk, tag: mp.CreateTag("订阅")}
}

// follow makes openids follow the account and gives them the tag.
func (f *mpQuotaFixture) follow(t *testing.T, openids ...string) {
	t.Helper()
	for _, o := range openids {
		if st, err := f.mp.Follower(o).Follow(context.Background()); err != nil || st != http.StatusOK {
			t.Fatalf("%s follows: %d, %v", o, st, err)
		}
	}
	if err := f.client.TagMembers(context.Background(), bot.MPTagMembers{OpenIDs: openids, TagID: f.tag}); err != nil {
		t.Fatal(err)
	}
}

func (f *mpQuotaFixture) mass(n int, toAll bool) (*bot.MPMassResult, error) {
	return f.client.MassSend(context.Background(), bot.MPMassMessage{
		Filter:  bot.MPMassFilter{IsToAll: toAll, TagID: f.tag},
		MsgType: "text", Text: &bot.TextContent{Content: fmt.Sprint("公告", n)},
		ClientMsgID: fmt.Sprint("quota-", n),
	})
}

func (f *mpQuotaFixture) received(openid string) int { return len(f.mp.Received(openid)) }

func mpCode(err error) int64 {
	var me *bot.MPError
	if errors.As(err, &me) {
		return me.Code
	}
	return 0
}

// TestServiceAccountFollowerGetsFourMassSendsAMonth: WeChat accepts a
// 服务号's fifth 群发 of a month to a tag and delivers it to no follower
// who had four; a follower who joined later still gets it, and December
// (Beijing time) starts again.
func TestServiceAccountFollowerGetsFourMassSendsAMonth(t *testing.T) {
	t.Parallel()
	f := newMPQuotaFixture(t, false, time.Date(2026, 11, 30, 10, 0, 0, 0, beijing))
	f.follow(t, "oA", "oB")
	for n := 1; n <= 4; n++ {
		if _, err := f.mass(n, false); err != nil {
			t.Fatalf("群发 %d: %v", n, err)
		}
	}
	f.follow(t, "oLate")
	res, err := f.mass(5, false)
	if err != nil || res.MsgID == 0 {
		t.Fatalf("the fifth 群发 = %+v, %v; WeChat accepts it", res, err)
	}
	if a, b, late := f.received("oA"), f.received("oB"), f.received("oLate"); a != 4 || b != 4 || late != 1 {
		t.Fatalf("received oA %d, oB %d, oLate %d; want 4, 4, 1", a, b, late)
	}
	jobs := f.mp.MassJobs()
	if last := jobs[len(jobs)-1]; last.TotalCount != 3 || last.FilterCount != 1 || last.SentCount != 1 {
		t.Fatalf("the fifth job %+v: 3 chosen, 2 filtered out", last)
	}
	// 23:59 on 30 November in Beijing is still November, though already
	// December nowhere else is; one minute later it is December.
	f.clock.Advance(13*time.Hour + 59*time.Minute)
	if _, err := f.mass(6, false); err != nil || f.received("oA") != 4 {
		t.Fatalf("群发 at 23:59: %v; oA received %d, want still 4", err, f.received("oA"))
	}
	f.clock.Advance(2 * time.Minute)
	if _, err := f.mass(7, false); err != nil || f.received("oA") != 5 || f.received("oB") != 5 {
		t.Fatalf("群发 on 1 December: %v; oA %d, oB %d, want 5", err, f.received("oA"), f.received("oB"))
	}
}

// TestServiceAccountToAllFourAMonth: a 服务号 may 群发 to everyone
// (is_to_all) four times a month; the fifth is refused with 45028.
func TestServiceAccountToAllFourAMonth(t *testing.T) {
	t.Parallel()
	f := newMPQuotaFixture(t, false, time.Date(2026, 11, 2, 9, 0, 0, 0, beijing))
	f.follow(t, "oA")
	for n := 1; n <= 4; n++ {
		if _, err := f.mass(n, true); err != nil {
			t.Fatalf("群发 %d: %v", n, err)
		}
	}
	if _, err := f.mass(5, true); mpCode(err) != 45028 {
		t.Fatalf("the fifth is_to_all 群发: %v, want errcode 45028", err)
	}
	if n := len(f.mp.MassJobs()); n != 4 {
		t.Fatalf("%d jobs, want 4", n)
	}
}

// TestSubscriptionAccountOneMassSendADay: a 订阅号's second 群发 of a
// (Beijing) day answers 45028 and reaches no one; the next day it may
// send again. It has no template messages (48001).
func TestSubscriptionAccountOneMassSendADay(t *testing.T) {
	t.Parallel()
	f := newMPQuotaFixture(t, true, time.Date(2026, 11, 2, 9, 0, 0, 0, beijing))
	f.follow(t, "oA")
	if _, err := f.mass(1, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.mass(2, false); mpCode(err) != 45028 {
		t.Fatalf("a second 群发 the same day: %v, want errcode 45028", err)
	}
	// A retry of the first (same clientmsgid) is still recognised.
	if res, err := f.mass(1, false); err != nil || !res.Duplicate {
		t.Fatalf("retry of the first: %+v, %v; want the 45065 duplicate", res, err)
	}
	if f.received("oA") != 1 {
		t.Fatalf("oA received %d, want 1", f.received("oA"))
	}
	f.clock.Advance(15 * time.Hour) // 00:00 on 3 November
	if _, err := f.mass(3, false); err != nil || f.received("oA") != 2 {
		t.Fatalf("群发 the next day: %v; oA received %d", err, f.received("oA"))
	}
	_, err := f.client.SendTemplate(context.Background(), bot.MPTemplateMessage{ToUser: "oA", TemplateID: "tpl",
		Data: map[string]bot.MPTemplateValue{"thing1": {Value: "x"}}})
	if mpCode(err) != 48001 {
		t.Fatalf("template message from a 订阅号: %v, want errcode 48001", err)
	}
}
