package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/sandbox"
	"github.com/zwgk-bot/zwgk/storage"
)

// What each person received, against what the outbox sent them.
//
// A message is its outbox row. WeCom answers every message/send with a
// msgid, which the worker records with the row (result.msgid) and the
// sandbox with what each person received (Received.MsgID); a repeat that
// WeCom's duplicate check absorbs is answered with the msgid of the
// message it repeats, and nothing reaches anyone. So every message a
// person received belongs to the row whose recorded msgid it carries, or
// else it is an extra delivery of a row whose answer was lost (the bot
// died between WeCom's answer and the record, and the row went again).
// Such a delivery is matched to its row by its content (the text, or the
// card's task_id) and counted:
//
//   - as a repeat within the documented window (README, Delivery: the
//     time between the API's answer and the record of one row) when its
//     row was sent without the duplicate check (a text repeating one sent
//     to the same person less than 15 s before), or with a short interval
//     that its repeat came later than (a text repeating one sent less
//     than 4 h before, meant to arrive again: 帮助 asked twice, a wizard's
//     question in a second form). A person has one row in flight at a
//     time, so there can be at most one such repeat per person per crash;
//     more fails the check.
//   - as a duplicate, which the design promises never happens, when its
//     row carried the full 4 h duplicate check or is a card (WeCom refuses
//     a task_id twice), when it came within its row's short interval
//     (the check should have absorbed it), or when no row of the person
//     explains it at all.
//
// A row sent whose msgid no one of its recipients holds, or two rows
// answered with one msgid (a meant repeat swallowed by the duplicate
// check), is a message lost.
//
// Two identical texts a person received are two messages when two rows
// were sent; the same text twice from one row is a repeat.

// deliveryReport is the outcome of the comparison.
type deliveryReport struct {
	rows, received int // message rows sent (per recipient), messages received
	absorbed       int // repeats WeCom's duplicate check absorbed (the sandbox's count)
	earlier        int // cards found delivered by an earlier attempt (42014)
	window         []string
	duplicates     []string
	lost           []string
	windowAt       []windowRepeat
	// The rows sent (per recipient) by how a repeat would fare: the full
	// 4 h check or a card (absorbed or refused), a shorter interval, no
	// check at all.
	full, short, unchecked int
}

// windowRepeat is who got a repeat within the documented window, and when
// its first delivery came (before the crash that lost its record).
type windowRepeat struct {
	user string
	at   time.Time
}

// messageRow is an outbox row of kind message as the check reads it.
type messageRow struct {
	ID          int64  `db:"id"`
	Status      string `db:"status"`
	Payload     string `db:"payload"`
	Result      string `db:"result"`
	DupInterval int    `db:"dup_interval"`

	msg     bot.OutMessage
	msgID   string
	earlier bool
}

func (m *messageRow) taskID() string {
	if m.msg.TemplateCard == nil {
		return ""
	}
	return m.msg.TemplateCard.TaskID
}

// sameContent reports whether rec shows what row sent.
func (m *messageRow) sameContent(rec sandbox.Received) bool {
	switch {
	case m.msg.Text != nil && rec.Card == nil:
		return rec.Text == m.msg.Text.Content || rec.Truncated && strings.HasPrefix(m.msg.Text.Content, rec.Text)
	case m.msg.TemplateCard != nil && rec.Card != nil:
		if t := m.taskID(); t != "" {
			return rec.Card.TaskID == t
		}
		a, _ := json.Marshal(m.msg.TemplateCard)
		b, _ := json.Marshal(rec.Card)
		return string(a) == string(b)
	}
	return false
}

// fullCheck reports whether a repeat of the row can never reach anyone:
// the full duplicate check, or a card's task_id.
func (m *messageRow) fullCheck() bool {
	return m.DupInterval >= int(storage.DuplicateCheckWindow.Seconds()) || m.taskID() != ""
}

// received is what the check needs of the sandbox (a *sandbox.Corp).
type received interface {
	Users() []string
	Messages(user string) []sandbox.Received
	Duplicates() int
}

func compareDeliveries(rows []*messageRow, corp received) *deliveryReport {
	d := &deliveryReport{absorbed: corp.Duplicates()}
	byUser := map[string][]*messageRow{}
	for _, m := range rows {
		if m.Status != storage.OutboxSent {
			continue // not delivered: the outbox check reports it
		}
		for u := range strings.SplitSeq(m.msg.ToUser, "|") {
			if u == "" {
				continue
			}
			byUser[u] = append(byUser[u], m)
			switch {
			case m.fullCheck():
				d.full++
			case m.DupInterval > 0:
				d.short++
			default:
				d.unchecked++
			}
		}
		if m.earlier {
			d.earlier++
		}
	}
	users := corp.Users()
	for u := range byUser {
		if !slices.Contains(users, u) {
			users = append(users, u)
		}
	}
	slices.Sort(users)
	for _, u := range users {
		d.comparePerson(u, byUser[u], corp.Messages(u))
	}
	return d
}

func (d *deliveryReport) comparePerson(user string, rows []*messageRow, msgs []sandbox.Received) {
	d.rows += len(rows)
	d.received += len(msgs)
	owner := make([]*messageRow, len(msgs)) // the row each message belongs to
	byMsgID := map[string][]*messageRow{}
	for _, m := range rows {
		if m.msgID != "" {
			byMsgID[m.msgID] = append(byMsgID[m.msgID], m)
		}
	}
	got := map[*messageRow]int{} // index+1 in msgs of the row's recorded delivery
	for i, rec := range msgs {
		rs := byMsgID[rec.MsgID]
		if len(rs) == 0 {
			continue
		}
		owner[i] = rs[0]
		got[rs[0]] = i + 1
		for _, m := range rs[1:] {
			d.lost = append(d.lost, fmt.Sprintf("%s: row %d was answered with the msgid of row %d (%s): WeCom's duplicate check swallowed a message meant to arrive", user, m.ID, rs[0].ID, rec.MsgID))
			got[m] = -1
		}
	}
	// Cards delivered by an attempt whose answer was lost: their row holds
	// no msgid, and the card is the one with its task_id.
	for _, m := range rows {
		if m.msgID != "" || m.taskID() == "" {
			continue
		}
		for i, rec := range msgs {
			if owner[i] == nil && rec.Card != nil && rec.Card.TaskID == m.taskID() {
				owner[i], got[m] = m, i+1
				break
			}
		}
	}
	for _, m := range rows {
		if got[m] == 0 {
			d.lost = append(d.lost, fmt.Sprintf("%s: row %d (%s) was sent and never arrived", user, m.ID, describe(m.msg)))
		}
	}
	for i, rec := range msgs {
		if owner[i] != nil {
			continue
		}
		// An extra delivery: the row it repeats is the first row of the
		// same content whose recorded delivery comes after it.
		var row *messageRow
		for _, m := range rows {
			if at := got[m]; at > i && m.sameContent(rec) && (row == nil || at < got[row]) {
				row = m
			}
		}
		what := fmt.Sprintf("%s received %s (msgid %s, %s)", user, describeReceived(rec), rec.MsgID, rec.At.Format("15:04:05.000"))
		switch {
		case row == nil:
			d.duplicates = append(d.duplicates, what+": no row of theirs explains it")
		case row.fullCheck():
			d.duplicates = append(d.duplicates, fmt.Sprintf("%s: a second delivery of row %d, sent with the full duplicate check or as a card", what, row.ID))
		case row.DupInterval > 0 && msgs[got[row]-1].At.Sub(rec.At) < time.Duration(row.DupInterval)*time.Second:
			d.duplicates = append(d.duplicates, fmt.Sprintf("%s: a second delivery of row %d within its duplicate_check_interval (%d s), which should have absorbed it", what, row.ID, row.DupInterval))
		default:
			d.windowAt = append(d.windowAt, windowRepeat{user, rec.At})
			d.window = append(d.window, fmt.Sprintf("%s: a second delivery of row %d (duplicate_check_interval %d s)", what, row.ID, row.DupInterval))
		}
	}
}

func describe(m bot.OutMessage) string {
	switch {
	case m.Text != nil:
		return "text " + clip(m.Text.Content)
	case m.TemplateCard != nil:
		return "card " + m.TemplateCard.TaskID
	}
	return m.MsgType
}

func describeReceived(r sandbox.Received) string {
	if r.Card != nil {
		return "card " + r.Card.TaskID
	}
	return "text " + clip(r.Text)
}

func clip(s string) string {
	if r := []rune(s); len(r) > 30 {
		return fmt.Sprintf("%q…", string(r[:30]))
	}
	return fmt.Sprintf("%q", s)
}

// verifyDelivery reads the outbox's messages and compares them with what
// each person received (see above).
func verifyDelivery(ctx context.Context, db *storage.DB, corp *sandbox.Corp, r *Report) {
	var rows []*messageRow
	// The interval a row was sent with: dup_interval, or, in a database of
	// a build before that column (--bot), dup_check's 4 h or none.
	err := db.SelectContext(ctx, &rows, `SELECT id, status, payload::text AS payload, coalesce(result::text, '') AS result,
		coalesce((to_jsonb(o) ->> 'dup_interval')::int,
			CASE WHEN (to_jsonb(o) ->> 'dup_check')::boolean THEN $2::int ELSE 0 END) AS dup_interval
		FROM outbox o WHERE kind = $1 ORDER BY id`, storage.KindMessage, int(storage.DuplicateCheckWindow.Seconds()))
	if err != nil {
		r.failures = append(r.failures, "read the outbox: "+err.Error())
		return
	}
	for _, m := range rows {
		if err := json.Unmarshal([]byte(m.Payload), &m.msg); err != nil {
			r.failures = append(r.failures, fmt.Sprintf("outbox row %d: %v", m.ID, err))
			return
		}
		var res struct {
			MsgID   string `json:"msgid"`
			Earlier bool   `json:"earlier_attempt"`
		}
		if m.Result != "" {
			json.Unmarshal([]byte(m.Result), &res)
		}
		m.msgID, m.earlier = res.MsgID, res.Earlier
	}
	d := compareDeliveries(rows, corp)
	r.delivery = d
	var killed []time.Time
	if r.faults != nil {
		killed = r.faults.killed
	}
	check := func(ok bool, what string, detail []string) {
		if ok {
			r.checks = append(r.checks, what)
			return
		}
		const show = 5
		if len(detail) > show {
			detail = append(detail[:show:show], fmt.Sprintf("… and %d more", len(detail)-show))
		}
		r.failures = append(r.failures, what+"\n    "+strings.Join(detail, "\n    "))
	}
	check(len(d.duplicates) == 0, fmt.Sprintf("nobody received a message twice (%d duplicates in %d messages to %d rows)", len(d.duplicates), d.received, d.rows), d.duplicates)
	check(len(d.lost) == 0, fmt.Sprintf("every message sent was received (%d lost)", len(d.lost)), d.lost)
	most, crashless := perCrash(d.windowAt, killed, crashMargin(r.killEvery))
	check(most <= 1 && crashless == 0, fmt.Sprintf("repeats within the documented window: %d, at most one per person per crash (%d crashes; the most one person got in one: %d; without a crash: %d)",
		len(d.window), len(killed), most, crashless), d.window)
}

// crashMargin is how long after a kill a call the killed process had
// made may still take effect: the request had reached WeCom (the
// sandbox), which acts on it although nobody waits for the answer. At
// most a second, and less than half the shortest time between two kills
// (three quarters of the interval), so that a repeat is never taken for
// the next kill's.
func crashMargin(every time.Duration) time.Duration {
	return min(time.Second, every*3/8)
}

// perCrash assigns each repeat to the crash that lost its record: the
// first kill (killed: when each SIGKILL was sent) at or after its first
// delivery less margin, since a call made just before the kill may be
// delivered just after it. It returns the most repeats one person got in
// one crash and how many repeats no crash explains.
func perCrash(repeats []windowRepeat, killed []time.Time, margin time.Duration) (most, crashless int) {
	type key struct {
		user  string
		crash int
	}
	n := map[key]int{}
	for _, w := range repeats {
		i, _ := slices.BinarySearchFunc(killed, w.at.Add(-margin), func(k, at time.Time) int { return k.Compare(at) })
		if i == len(killed) {
			crashless++
			continue
		}
		n[key{w.user, i}]++
		most = max(most, n[key{w.user, i}])
	}
	return most, crashless
}

// verifyInbound checks that the bot recorded, once, every callback it
// answered 200 or that it recorded before dying (handled, per user): none
// was acknowledged and lost.
func verifyInbound(ctx context.Context, db *storage.DB, handled map[string]int, r *Report) {
	var rows []struct {
		User string `db:"from_user"`
		N    int    `db:"n"`
	}
	if err := db.SelectContext(ctx, &rows, `SELECT from_user, count(*) AS n FROM inbox GROUP BY from_user`); err != nil {
		r.failures = append(r.failures, "read the inbox: "+err.Error())
		return
	}
	inbox := map[string]int{}
	total := 0
	for _, x := range rows {
		inbox[x.User] = x.N
		total += x.N
	}
	var diff []string
	want := 0
	for u, n := range handled {
		want += n
		if inbox[u] != n {
			diff = append(diff, fmt.Sprintf("%s: %d taken, %d in the inbox", u, n, inbox[u]))
		}
	}
	for u, n := range inbox {
		if _, ok := handled[u]; !ok {
			diff = append(diff, fmt.Sprintf("%s: none taken, %d in the inbox", u, n))
		}
	}
	slices.Sort(diff)
	what := fmt.Sprintf("every callback the bot took is in its inbox once (%d taken, %d recorded)", want, total)
	if len(diff) == 0 {
		r.checks = append(r.checks, what)
		return
	}
	if len(diff) > 5 {
		diff = append(diff[:5:5], fmt.Sprintf("… and %d more", len(diff)-5))
	}
	r.failures = append(r.failures, what+"\n    "+strings.Join(diff, "\n    "))
}
