package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// People of the example roster.
const (
	lina      = "lina"        // 李娜, 综合一股
	liuyang   = "liuyang"     // 刘洋, 综合一股
	zhangwei  = "zhangwei"    // 张伟, head of 综合一股
	huanglei  = "huanglei"    // 黄磊, 综合二股 (head yangfan)
	xupeng    = "xupeng"      // 徐鹏, 环境监察室 (head wumin)
	wumin     = "wumin"       // 吴敏, head of 环境监察室
	chenlixin = "chenlixin"   // office
	linxiao   = "linxiaoyan"  // office
	hejing    = "hejing"      // publisher
	leader    = "zhouzhenhua" // leader
)

var office = []string{chenlixin, linxiao}

var shanghai = workflow.DefaultCalendar().Location()

// at reads "2026-02-12 09:05" in Asia/Shanghai.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	layout := "2006-01-02 15:04"
	if len(s) == len(time.DateOnly) {
		layout = time.DateOnly
	}
	v, err := time.ParseInLocation(layout, s, shanghai)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func exampleRoster(t testing.TB) *config.Roster {
	t.Helper()
	r, err := config.ParseRoster(config.ExampleRoster)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// newScheduler builds a scheduler on db with the example roster.
func newScheduler(t testing.TB, db *storage.DB, o Options) *Scheduler {
	t.Helper()
	o.DB, o.Roster = db, exampleRoster(t)
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// seeder puts forms into the database through the storage functions, as
// the handlers would, at chosen times.
type seeder struct {
	t      testing.TB
	db     *storage.DB
	cal    *workflow.Calendar
	forms  map[string]*storage.Form  // by test name: F1, F2, ...
	orders map[string]*storage.Order // by test name: A, B, ...
}

func newSeeder(t testing.TB, db *storage.DB) *seeder {
	return &seeder{t: t, db: db, cal: workflow.DefaultCalendar(), forms: map[string]*storage.Form{}, orders: map[string]*storage.Order{}}
}

type formSeed struct {
	seq        int
	submitter  string
	section    string
	active     bool   // 主动公开 (else 依申请公开)
	noDeadline bool   // as stored when the calendar lacked the year
	formed     string // YYYY-MM-DD
	stage      string
	assignees  []string
	created    string // YYYY-MM-DD HH:MM
}

func (sd *seeder) create(name string, fs formSeed) *storage.Form {
	sd.t.Helper()
	created := at(sd.t, fs.created)
	mode := workflow.ModeRequest
	if fs.active {
		mode = workflow.ModeActive
	}
	f := &storage.Form{
		Year: 2026, Seq: fs.seq, Version: 1, State: string(workflow.StateReview), Stage: fs.stage, Assignees: fs.assignees,
		Section: fs.section, Submitter: fs.submitter, Title: "关于测试事项" + name + "的公示", Summary: "测试内容。",
		FormedOn: at(sd.t, fs.formed), Mode: string(mode), Column: "环境保护", Platforms: []string{string(workflow.PlatformWebsite)},
		CreatedAt: created, UpdatedAt: created,
	}
	if fs.stage == string(workflow.StagePublish) {
		f.State = string(workflow.StatePublishing)
	}
	if fs.active && !fs.noDeadline {
		due, err := sd.cal.AddWorkingDays(f.FormedOn, workflow.ActiveDisclosureDays)
		if err != nil {
			sd.t.Fatal(err)
		}
		f.Deadline.Time, f.Deadline.Valid = due, true
	}
	err := sd.db.WithTx(context.Background(), func(tx *storage.Tx) error {
		_, err := storage.InsertForm(context.Background(), tx, f)
		return err
	})
	if err != nil {
		sd.t.Fatal(err)
	}
	sd.forms[name] = f
	return f
}

// move moves a form on at the given time, guarded like a click.
func (sd *seeder) move(name, state, stage string, assignees []string, when string) {
	sd.t.Helper()
	f := sd.forms[name]
	m := storage.FormMove{ID: f.ID, Version: f.Version, FromState: f.State, FromStage: f.Stage,
		ToState: state, ToStage: stage, Assignees: assignees, At: at(sd.t, when)}
	err := sd.db.WithTx(context.Background(), func(tx *storage.Tx) error { return storage.MoveForm(context.Background(), tx, m) })
	if err != nil {
		sd.t.Fatalf("move %s: %v", name, err)
	}
	f.State, f.Stage, f.Assignees, f.UpdatedAt = state, stage, assignees, m.At
}

// name replaces form and order ids in a reminder entity by the test's
// names.
func (sd *seeder) name(entity string) string {
	for n, f := range sd.forms {
		entity = regexp.MustCompile(fmt.Sprintf(`^form:%d:`, f.ID)).ReplaceAllString(entity, "form:"+n+":")
	}
	for n, c := range sd.orders {
		entity = regexp.MustCompile(fmt.Sprintf(`^order:%d:`, c.ID)).ReplaceAllString(entity, "order:"+n+":")
	}
	return entity
}

// orderSeed is a 12345 order as registered (dispatched to its section).
type orderSeed struct {
	category  string // 咨询, 投诉, ...
	urgent    bool
	received  string // YYYY-MM-DD HH:MM
	due       string // YYYY-MM-DD (the end of that day) or YYYY-MM-DD HH:MM
	acceptDue string // the same; "" = none stored
	section   string
	registrar string
}

// endOf reads a due time: a date means its end (23:59:59), as the working
// day limits give.
func endOf(t testing.TB, s string) time.Time {
	t.Helper()
	if len(s) == len(time.DateOnly) {
		return at(t, s).Add(24*time.Hour - time.Second)
	}
	return at(t, s)
}

// order registers an order, as the handlers' Register stores it.
func (sd *seeder) order(name string, o orderSeed) *storage.Order {
	sd.t.Helper()
	c := &storage.Order{
		TicketNo: strings.ReplaceAll(o.received[:10], "-", "") + "-" + name, Category: o.category,
		Content: "反映" + name + "处环境问题。", Location: "开发区", Urgent: o.urgent,
		ReceivedAt: at(sd.t, o.received), DueAt: endOf(sd.t, o.due), Section: o.section, Registrar: o.registrar,
		State: string(workflow.OrderDispatched), Source: "api", CreatedAt: at(sd.t, o.received),
	}
	if o.acceptDue != "" {
		c.AcceptDueAt.Time, c.AcceptDueAt.Valid = endOf(sd.t, o.acceptDue), true
	}
	err := sd.db.WithTx(context.Background(), func(tx *storage.Tx) error {
		_, err := storage.InsertOrder(context.Background(), tx, c)
		return err
	})
	if err != nil {
		sd.t.Fatal(err)
	}
	sd.orders[name] = c
	return c
}

// change moves an order on at the given time, guarded by its state like a
// click (ch.ID, FromState and At are filled in).
func (sd *seeder) change(name string, ch storage.OrderChange, when string) {
	sd.t.Helper()
	c := sd.orders[name]
	ch.ID, ch.FromState, ch.At = c.ID, c.State, at(sd.t, when)
	if ch.State == "" {
		ch.State = c.State
	}
	err := sd.db.WithTx(context.Background(), func(tx *storage.Tx) error {
		if err := storage.ChangeOrder(context.Background(), tx, ch); err != nil {
			return err
		}
		got, err := storage.LockOrder(context.Background(), tx, c.ID)
		if err == nil {
			*c = *got
		}
		return err
	})
	if err != nil {
		sd.t.Fatalf("change %s: %v", name, err)
	}
}

// keyString is a reminder as the tests compare it.
func (sd *seeder) keyString(r storage.Reminder) string {
	rs := slices.Clone([]string(r.Recipients))
	slices.Sort(rs)
	return fmt.Sprintf("%s %s %s → %s", r.Job, sd.name(r.Entity), r.Slot, strings.Join(rs, ","))
}

// sent is one queued text.
type sent struct {
	ID   int64
	To   string
	Text string
}

// outboxAfter returns the texts queued after id, in order.
func outboxAfter(t testing.TB, db *storage.DB, id int64) []sent {
	t.Helper()
	var rows []struct {
		ID        int64           `db:"id"`
		Recipient string          `db:"recipient"`
		Payload   json.RawMessage `db:"payload"`
	}
	if err := db.SelectContext(context.Background(), &rows, `SELECT id, recipient, payload FROM outbox WHERE id > $1 ORDER BY id`, id); err != nil {
		t.Fatal(err)
	}
	var out []sent
	for _, r := range rows {
		var m bot.OutMessage
		if err := json.Unmarshal(r.Payload, &m); err != nil || m.Text == nil {
			t.Fatalf("outbox %d: not a text: %s", r.ID, r.Payload)
		}
		if m.ToUser != r.Recipient {
			t.Fatalf("outbox %d: touser %q, recipient %q", r.ID, m.ToUser, r.Recipient)
		}
		out = append(out, sent{r.ID, r.Recipient, m.Text.Content})
	}
	return out
}

func reminders(t testing.TB, db *storage.DB) []storage.Reminder {
	t.Helper()
	rs, err := storage.Reminders(context.Background(), db, "")
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func mustContain(t testing.TB, what, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}
