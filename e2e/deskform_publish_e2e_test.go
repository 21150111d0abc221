package e2e

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/zwgk-bot/zwgk/sandbox"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// seedPublishingForm puts a form approved and waiting for 何静's
// publication on 政府网站 and 政务信息期刊 in the demo's database, a 行政处罚
// of 3 decisions submitted by 李娜.
func seedPublishingForm(t *testing.T, dbURL string) *storage.Form {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	loc := businessLocation()
	now := time.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	f := &storage.Form{Year: today.Year(), Seq: 912, Version: 1, State: "publishing", Stage: "publish", Assignees: pq.StringArray{"hejing"},
		Section: "综合一股", Submitter: "lina", Title: "关于页面发布丁企业行政处罚决定的公开", Summary: "丁企业超标排放的行政处罚决定。",
		FormedOn: today.AddDate(0, 0, -2), Mode: "主动公开", Column: "行政执法", Platforms: pq.StringArray{"政府网站", "政务信息期刊"},
		Deadline: sql.NullTime{Time: today.AddDate(0, 0, 18), Valid: true}, CreatedAt: now}
	f.SetInfoCategory(workflow.FormCategory{Category: workflow.CategoryPenalty, Decisions: 3})
	err = db.WithTx(ctx, func(tx *storage.Tx) error {
		if _, err := storage.InsertForm(ctx, tx, f); err != nil {
			return err
		}
		return storage.Audit(ctx, tx, "lina", "submit", "form", strconv.FormatInt(f.ID, 10), map[string]any{"version": 1})
	})
	if err != nil {
		t.Fatalf("seed the form: %v", err)
	}
	return f
}

// waitMessage waits until user has been sent a text containing want.
func waitMessage(t *testing.T, base, user, want string) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		for _, m := range getJSON[[]sandbox.Received](t, base+"/sandbox/api/users/"+user+"/messages") {
			if strings.Contains(m.Text, want) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was not told %q", user, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestBrowserDeskFormPublish: 何静 confirms the website on the form's page
// in headless Chromium, with its link; a link with an emoji is refused
// and kept; her card in the chat closes and a fresh one asks for the
// journal, which she confirms in the chat; the page, open since, then
// says who confirmed it and when, and 李娜 is told it is public. The
// page shows the 信息类别 once.
func TestBrowserDeskFormPublish(t *testing.T) {
	t.Parallel()
	d := startDemo(t)
	f := seedPublishingForm(t, d.dbURL)
	id := strconv.FormatInt(f.ID, 10)
	path := "/desk/form/" + id
	serial := "公开审〔" + strconv.Itoa(f.Year) + "〕912号"
	p := newPage(t, d.base)

	p.chatAs("hejing", "何静")
	p.say("待办", "待办")
	card := p.cardAbout(f.Title)

	p.desk("hejing", "何静")
	p.visit(path)
	fields := eval[string](p, `document.querySelector('#fields').innerText`)
	if strings.Count(fields, "信息类别") != 1 || strings.Count(fields, "行政处罚（处理决定3件）") != 1 {
		t.Errorf("the 信息类别 is not shown once:\n%s", fields)
	}
	if !strings.Contains(fields, "主动公开 · 行政执法") {
		t.Errorf("the page lacks the mode and column:\n%s", fields)
	}
	for _, sel := range []string{"#publish-0", "#publish-1", "#reference-0", "#reference-1"} {
		if !eval[bool](p, `!!document.querySelector(`+jsString(sel)+`)`) {
			t.Fatalf("the publisher's page lacks %s:\n%s", sel, eval[string](p, `document.body.innerText`))
		}
	}
	if eval[bool](p, `!!document.querySelector('#approve-form, #withdraw-form')`) {
		t.Error("the publisher is offered another's steps")
	}
	p.shot("desk-form-05-publish")

	// A link with an emoji: refused, naming it, the text kept.
	const bad = "https://kfq.example.gov.cn/hbj/2026/12.html 👍"
	p.typeInto("reference-0", bad)
	p.submitPage("#publish-0")
	if n := eval[string](p, `document.querySelector('#notice').innerText`); !strings.Contains(n, "链接或期号中含有表情符号（👍）") {
		t.Errorf("the notice after a link with an emoji: %q", n)
	}
	if got := eval[string](p, `document.querySelector('#reference-0').value`); got != bad {
		t.Errorf("the refused link became %q, want %q kept", got, bad)
	}
	if got := eval[string](p, `document.querySelector('#reference-1').value`); got != "" {
		t.Errorf("the other platform's field holds %q", got)
	}

	const link = "https://kfq.example.gov.cn/hbj/2026/12.html"
	p.typeInto("reference-0", link)
	p.submitPage("#publish-0")
	if n := eval[string](p, `document.querySelector('#notice').innerText`); !strings.Contains(n, "已确认 "+serial+" 在政府网站发布") || !strings.Contains(n, "待办公室发布（何静）") {
		t.Errorf("the notice after 政府网站 已发布: %q", n)
	}
	if eval[bool](p, `!!document.querySelector('#publish-0')`) || !eval[bool](p, `!!document.querySelector('#publish-1')`) {
		t.Error("after 政府网站 the page should offer only 政务信息期刊")
	}
	tl := eval[string](p, `document.querySelector('#timeline').innerText`)
	for _, want := range []string{"何静确认已在政府网站发布。", "何静登记政府网站的发布信息：" + link} {
		if !strings.Contains(tl, want) {
			t.Errorf("the timeline lacks %q:\n%s", want, tl)
		}
	}
	p.shot("desk-form-06-published-one")

	// In the chat, in another tab: the card is closed, a fresh one asks
	// for the journal; she confirms it there.
	q, closeQ := p.newTab()
	defer closeQ()
	q.choose("hejing", "何静")
	q.cardClosed(card, "何静确认政府网站已发布")
	q.waitIncoming(0, "已登记发布信息："+link)
	if got := q.click("pub_1"); !strings.Contains(got, "政务信息期刊 已发布") {
		t.Errorf("the journal's card answered %q", got)
	}
	q.waitIncoming(0, "已在全部平台发布")
	closeQ()

	// The page, still offering the journal, is answered with who and when.
	p.typeInto("reference-1", "第12期")
	p.submitPage("#publish-1")
	n := eval[string](p, `document.querySelector('#notice').innerText`)
	for _, want := range []string{serial + " 已于", "由何静确认在政务信息期刊发布", "当前：已公开", "您已办理过此环节，本页的操作未再执行"} {
		if !strings.Contains(n, want) {
			t.Errorf("the page's late confirmation says %q, lacking %q", n, want)
		}
	}
	if eval[bool](p, `!!document.querySelector('#actions')`) {
		t.Error("the published form's page still offers steps")
	}
	p.shot("desk-form-07-late")
	waitMessage(t, d.base, "lina", "「"+f.Title+"」已公开（政府网站、政务信息期刊）")

	ctx := context.Background()
	db, err := storage.Open(ctx, d.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g, err := storage.GetForm(ctx, db, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	pubs, err := storage.Publications(ctx, db, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	var trail []string
	if err := db.SelectContext(ctx, &trail, `SELECT action FROM audit_log WHERE entity = 'form' AND entity_id = $1 ORDER BY id`, id); err != nil {
		t.Fatal(err)
	}
	if g.State != "published" || len(pubs) != 2 || strings.Join(trail, ",") != "submit,publish,publish_reference,publish,published" {
		t.Fatalf("after both platforms: %s, %d publications, trail %v", g.State, len(pubs), trail)
	}
	if pubs[0].Platform != "政府网站" || pubs[0].Reference != link {
		t.Fatalf("the website's publication %+v, want the page's link", pubs[0])
	}
}
