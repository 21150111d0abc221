package loadtest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/sandbox"
	"github.com/zwgk-bot/zwgk/storage"
)

// fakeInbox is what people received, as the sandbox reports it.
type fakeInbox map[string][]sandbox.Received

func (f fakeInbox) Users() []string {
	var out []string
	for u := range f {
		out = append(out, u)
	}
	slices.Sort(out)
	return out
}
func (f fakeInbox) Messages(u string) []sandbox.Received { return f[u] }
func (f fakeInbox) Duplicates() int                      { return 0 }

func textRow(id int64, to, text, msgID string, interval int) *messageRow {
	return &messageRow{ID: id, Status: storage.OutboxSent, DupInterval: interval, msgID: msgID, msg: bot.TextMessage(to, text)}
}

func cardRow(id int64, to, task, msgID string) *messageRow {
	m := bot.OutMessage{ToUser: to, MsgType: "template_card", TemplateCard: &bot.TemplateCard{CardType: bot.CardButtonInteraction, TaskID: task}}
	return &messageRow{ID: id, Status: storage.OutboxSent, msgID: msgID, earlier: msgID == "", msg: m}
}

func text(msgID, s string) sandbox.Received {
	return sandbox.Received{MsgID: msgID, MsgType: "text", Text: s}
}

func textAt(msgID, s string, at time.Duration) sandbox.Received {
	r := text(msgID, s)
	r.At = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC).Add(at)
	return r
}

func card(msgID, task string) sandbox.Received {
	return sandbox.Received{MsgID: msgID, MsgType: "template_card", Card: &bot.TemplateCard{TaskID: task}}
}

const full = 4 * 3600

// TestCompareDeliveries: each message a person received belongs to the
// row whose msgid it carries; an extra one repeats the row of its content
// that was delivered next, and counts against that row's duplicate check.
func TestCompareDeliveries(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		rows                 []*messageRow
		inbox                fakeInbox
		dups, lost, window   int
		dupHas, lostHas, has string
	}{
		{
			name: "every row once, two identical texts from two rows",
			rows: []*messageRow{textRow(1, "a", "第1步", "m1", full), textRow(2, "a", "第1步", "m2", 0), cardRow(3, "a|b", "t3", "m3")},
			inbox: fakeInbox{
				"a": {text("m1", "第1步"), text("m2", "第1步"), card("m3", "t3")},
				"b": {card("m3", "t3")},
			},
		},
		{
			name:  "a repeat of a text without the check is within the window",
			rows:  []*messageRow{textRow(1, "a", "第1步", "m1", full), textRow(2, "a", "第1步", "m3", 0)},
			inbox: fakeInbox{"a": {text("m1", "第1步"), text("m2", "第1步"), text("m3", "第1步")}},
			// m2 is the lost answer of row 2 (the next delivery of its content)
			window: 1, has: "row 2",
		},
		{
			name: "a repeat later than its row's short interval is within the window",
			rows: []*messageRow{textRow(1, "a", "帮助", "m3", 60)},
			inbox: fakeInbox{"a": {
				textAt("m2", "帮助", 0), textAt("m3", "帮助", 61*time.Second),
			}},
			window: 1, has: "interval 60 s",
		},
		{
			name: "a repeat within its row's short interval is a duplicate",
			rows: []*messageRow{textRow(1, "a", "帮助", "m3", 60)},
			inbox: fakeInbox{"a": {
				textAt("m2", "帮助", 0), textAt("m3", "帮助", 59*time.Second),
			}},
			dups: 1, dupHas: "should have absorbed it",
		},
		{
			name:  "a repeat of a text with the full check is a duplicate",
			rows:  []*messageRow{textRow(1, "a", "已提交", "m2", full)},
			inbox: fakeInbox{"a": {text("m1", "已提交"), text("m2", "已提交")}},
			dups:  1, dupHas: "row 1",
		},
		{
			name:  "a message no row explains is a duplicate",
			rows:  []*messageRow{textRow(1, "a", "x", "m1", 0)},
			inbox: fakeInbox{"a": {text("m1", "x"), text("m9", "y")}},
			dups:  1, dupHas: "no row",
		},
		{
			name:  "a card delivered by an earlier attempt is matched by its task_id",
			rows:  []*messageRow{cardRow(1, "a", "t1", "")},
			inbox: fakeInbox{"a": {card("m1", "t1")}},
		},
		{
			name:  "a row sent and never received is lost",
			rows:  []*messageRow{textRow(1, "a", "x", "m1", 0), textRow(2, "b", "y", "m2", 0)},
			inbox: fakeInbox{"a": {text("m1", "x")}},
			lost:  1, lostHas: "b: row 2",
		},
		{
			name:  "two rows answered with one msgid: a meant repeat swallowed",
			rows:  []*messageRow{textRow(1, "a", "帮助", "m1", full), textRow(2, "a", "帮助", "m1", 60)},
			inbox: fakeInbox{"a": {text("m1", "帮助")}},
			lost:  1, lostHas: "swallowed",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := compareDeliveries(tc.rows, tc.inbox)
			if len(d.duplicates) != tc.dups || len(d.lost) != tc.lost || len(d.window) != tc.window || len(d.windowAt) != tc.window {
				t.Fatalf("duplicates %q, lost %q, window %q; want %d, %d, %d",
					d.duplicates, d.lost, d.window, tc.dups, tc.lost, tc.window)
			}
			for _, c := range []struct {
				got  []string
				want string
			}{{d.duplicates, tc.dupHas}, {d.lost, tc.lostHas}, {d.window, tc.has}} {
				if c.want != "" && !strings.Contains(strings.Join(c.got, "\n"), c.want) {
					t.Errorf("%q lacks %q", c.got, c.want)
				}
			}
		})
	}
}

// TestPerCrash: a repeat belongs to the first kill after its first
// delivery (less a margin: a call in flight is delivered just after its
// caller was killed); one per person per crash, none without one.
func TestPerCrash(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	killed := []time.Time{at(10), at(20)}
	for _, tc := range []struct {
		name            string
		repeats         []windowRepeat
		most, crashless int
	}{
		{"none", nil, 0, 0},
		{"one per person per crash", []windowRepeat{{"a", at(9)}, {"b", at(9)}, {"a", at(19)}}, 1, 0},
		{"two for one person in one crash", []windowRepeat{{"a", at(5)}, {"a", at(9)}}, 2, 0},
		{"delivered just after its kill", []windowRepeat{{"a", at(5)}, {"a", at(10).Add(300 * time.Millisecond)}}, 2, 0},
		{"one before and one just after the next kill", []windowRepeat{{"a", at(9)}, {"a", at(20).Add(300 * time.Millisecond)}}, 1, 0},
		{"after the last kill", []windowRepeat{{"a", at(22)}}, 0, 1},
	} {
		most, crashless := perCrash(tc.repeats, killed, time.Second)
		if most != tc.most || crashless != tc.crashless {
			t.Errorf("%s: most %d, crashless %d; want %d, %d", tc.name, most, crashless, tc.most, tc.crashless)
		}
	}
}
