package notices_test

import (
	"context"
	"strings"
	"testing"
)

// TestComplaintToTheAccountIsPointedTo12345 (issue 15 item 13): a
// follower who writes a complaint to the 公众号 is told, politely and
// briefly, where complaints go (the 12345 hotline, which passes them to
// the bureau) and what the account offers; 订阅 and 退订 still work.
func TestComplaintToTheAccountIsPointedTo12345(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true, false)
	a := f.mp.Follower("oNoise")
	f.act("follows", a.Follow)
	say := func(text string) {
		t.Helper()
		f.act("says "+text, func(ctx context.Context) (int, error) { return a.SendText(ctx, text) })
	}
	say("你好，我想投诉工地噪音")
	got := f.replies("oNoise", 2)[1]
	for _, want := range []string{"您好", "不受理投诉", "12345政务服务便民热线", "发送「订阅」", "发送「退订」"} {
		if !strings.Contains(got, want) {
			t.Errorf("answer to a complaint %q lacks %q", got, want)
		}
	}
	if n := len([]rune(got)); n > 150 {
		t.Errorf("answer to a complaint has %d characters, want it short: %q", n, got)
	}
	say("小区旁边的厂子晚上排放废气，味道很大")
	if got := f.replies("oNoise", 3)[2]; !strings.Contains(got, "12345") || !strings.Contains(got, "不受理投诉") {
		t.Errorf("answer to a report %q", got)
	}
	say("订阅")
	say("你好")
	say("退订")
	got4 := f.replies("oNoise", 6)
	if !strings.Contains(got4[3], "订阅成功") || !strings.Contains(got4[5], "已为您取消订阅") {
		t.Fatalf("订阅 and 退订 after a complaint: %q", got4[3:])
	}
	if hint := got4[4]; !strings.Contains(hint, "发送「订阅」") || !strings.Contains(hint, "12345") || strings.Contains(hint, "不受理投诉") {
		t.Errorf("answer to 你好 %q: want the offer and where to complain, not the refusal", hint)
	}
}
