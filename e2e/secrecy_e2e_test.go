package e2e

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/printtest"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The office's 保密审查 (条例 Art. 17): 同意 brings the review card; a review
// with two checks of three is refused, naming the missing one, and can go
// on; the complete one approves, once; stale cards are refused; the record
// is stored, audited, and printed in the office block.
func TestFormOfficeSecrecyReview(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	serial := c.submit(staff, ordinary)
	c.click(head, c.card(head), "approve")
	c.text(head, "已同意")
	c.text(staff, "张伟同意")
	off1, off2 := c.card(office1), c.card(office2)

	// 同意 decides nothing yet: it brings the review card, nothing ticked.
	c.click(office1, off1, "approve")
	rev := c.card(office1)
	cb := rev.Card.Checkbox
	if rev.Card.CardType != "vote_interaction" || cb == nil || cb.Mode != 1 || len(cb.OptionList) != 3 || rev.Card.SubmitButton.Key != "secrecy_approve" {
		t.Fatalf("review card %+v", rev.Card)
	}
	for _, o := range cb.OptionList {
		if o.IsChecked {
			t.Fatalf("option %q is ticked before the reviewer ticked it", o.Text)
		}
	}
	if len(rev.Card.ButtonList) != 0 || !strings.Contains(rev.Card.MainTitle.Desc, serial) {
		t.Fatalf("review card buttons %v, desc %q", rev.Card.ButtonList, rev.Card.MainTitle.Desc)
	}
	if _, stage, _ := h.formState(serial); stage != "office" || len(h.decisions(serial)) != 1 {
		t.Fatalf("after 同意 alone the form moved on: %s %v", stage, h.decisions(serial))
	}

	// Two of three: refused, politely, naming what is missing; a fresh card
	// keeps the two ticks.
	c.tick(office1, rev, "state_secret", "privacy")
	c.text(office1, "保密审查尚未完成：还需确认「商业秘密」", "驳回")
	again := c.card(office1)
	waitUpdated(t, h, office1, rev.Card.TaskID, "未完成")
	var ticked []string
	for _, o := range again.Card.Checkbox.OptionList {
		if o.IsChecked {
			ticked = append(ticked, o.ID)
		}
	}
	if !slices.Equal(ticked, []string{"state_secret", "privacy"}) {
		t.Fatalf("the fresh card has %v ticked, want the reviewer's two", ticked)
	}
	if st, stage, _ := h.formState(serial); st != "review" || stage != "office" || h.reviews(serial) != "" {
		t.Fatalf("an incomplete review changed the form: %s/%s, reviews %q", st, stage, h.reviews(serial))
	}

	// All three: approved, with the review.
	c.tick(office1, again, "state_secret", "commercial_secret", "privacy")
	c.text(office1, "已同意 "+serial, "保密审查已记录：未发现不宜公开内容", "办公室发布")
	c.text(staff, "陈立新同意")
	waitUpdated(t, h, office1, again.Card.TaskID, "已同意")
	waitUpdated(t, h, office1, off1.Card.TaskID, "已同意") // the office card the review came from
	waitUpdated(t, h, office2, off2.Card.TaskID, "陈立新")
	c.card(publisher)

	// A second submit of the same card, the refused card, and the other
	// reviewer's card are stale: refused, nothing recorded twice. (The
	// same submit within the same second would be WeCom's own repeat,
	// which the inbox drops.)
	time.Sleep(1100 * time.Millisecond)
	for _, stale := range []struct {
		user string
		card string
		key  string
		sel  map[string][]string
	}{
		{office1, again.Card.TaskID, "secrecy_approve", allChecks},
		{office1, rev.Card.TaskID, "secrecy_approve", allChecks},
		{office2, off2.Card.TaskID, "approve", nil},
	} {
		if st, err := h.corp.User(stale.user).ClickAnyway(context.Background(), stale.card, "vote_interaction", stale.key, stale.sel); err != nil || st != 200 {
			t.Fatalf("stale click: %d, %v", st, err)
		}
		c.text(stale.user, "已处理或已更新", serial)
	}
	if got := h.decisions(serial); strings.Join(got, ",") != "section:zhangwei:approve,office:chenlixin:approve" {
		t.Fatalf("decisions %v", got)
	}
	if got := h.reviews(serial); got != "1:office:chenlixin:true:true:true:clear" {
		t.Fatalf("reviews %q", got)
	}

	// The audit trail: the review, then the 同意, in one turn.
	type entry struct {
		Action string          `db:"action"`
		Actor  string          `db:"actor"`
		Detail json.RawMessage `db:"detail"`
	}
	var trail []entry
	if err := h.db.SelectContext(context.Background(), &trail, `SELECT a.action, a.actor, a.detail FROM audit_log a JOIN forms f ON a.entity = 'form' AND a.entity_id = f.id::text
		WHERE format('公开审〔%s〕%s号', f.year, f.seq) = $1 ORDER BY a.id`, serial); err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range trail {
		actions = append(actions, e.Action)
		if e.Action == "secrecy_review" {
			var d struct {
				Stage      string   `json:"stage"`
				Version    int      `json:"version"`
				Checks     []string `json:"checks"`
				Conclusion string   `json:"conclusion"`
			}
			json.Unmarshal(e.Detail, &d)
			if e.Actor != office1 || d.Stage != "office" || d.Version != 1 || len(d.Checks) != 3 || d.Conclusion != "clear" {
				t.Errorf("audited review %s by %s", e.Detail, e.Actor)
			}
		}
	}
	if strings.Join(actions, ",") != "submit,approve,secrecy_review,approve" {
		t.Fatalf("audit trail %v", actions)
	}

	// The form printed now shows the review in the office block, and the
	// 办理记录 tells it.
	link := formLinkOf(c, staff, serial)
	st, body := h.page(link)
	if st != 200 || !strings.Contains(body, "完成保密审查（办公室审核）：已审查国家秘密、商业秘密、个人隐私，未发现不宜公开内容。") {
		t.Fatalf("form page %d lacks the review in its 办理记录", st)
	}
	office, fits, pdf := printOfficeBlock(t, link)
	for _, want := range []string{"陈立新", "同意", "保密审查：已审查国家秘密、商业秘密、个人隐私，未发现不宜公开内容。"} {
		if !strings.Contains(strings.ReplaceAll(office, "\n", ""), want) {
			t.Errorf("the printed office block lacks %q:\n%s", want, office)
		}
	}
	if !fits {
		t.Errorf("the printed office block overflows:\n%s", office)
	}
	if len(pdf) == 0 {
		t.Errorf("the form did not print")
	}
}

// An office 驳回 records the review as a problem found, with the reason, and
// the printed block says so.
func TestFormOfficeRejectRecordsTheReview(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	serial := c.submit(staff, ordinary)
	c.click(head, c.card(head), "approve")
	c.text(staff, "张伟同意")
	c.card(office2)
	c.reject(office1, c.card(office1), "附件含个人身份证号码，请删除后重新提交。")
	if got := h.reviews(serial); got != "1:office:chenlixin:false:false:false:problem" {
		t.Fatalf("reviews %q", got)
	}
	st, body := h.page(formLinkOf(c, staff, serial))
	if st != 200 || !strings.Contains(body, "保密审查：发现问题，未予通过。驳回理由：附件含个人身份证号码") ||
		!strings.Contains(body, "保密审查发现问题，未予通过（办公室审核）。") {
		t.Fatalf("form page %d lacks the review of the 驳回", st)
	}
}

// reviews lists a form's 保密审查 rows: round:stage:reviewer:checks:conclusion.
func (h *harness) reviews(serial string) string {
	h.t.Helper()
	var out []string
	err := h.db.SelectContext(context.Background(), &out, `
		SELECT r.round || ':' || r.stage || ':' || r.reviewer || ':' || r.state_secret || ':' || r.commercial_secret || ':' || r.privacy || ':' || r.conclusion
		FROM secrecy_reviews r JOIN forms f ON r.entity = 'form' AND r.entity_id = f.id::text
		WHERE format('公开审〔%s〕%s号', f.year, f.seq) = $1 ORDER BY r.id`, serial)
	if err != nil {
		h.t.Fatal(err)
	}
	return strings.Join(out, ",")
}

// printOfficeBlock opens the form in headless Chromium with print styles,
// as the 打印 of the page does, and returns the office block's text,
// whether it fits its fixed height, and the page printed to PDF.
func printOfficeBlock(t *testing.T, link string) (string, bool, []byte) {
	t.Helper()
	tab, cancelTab := chromedp.NewContext(printtest.Browser(t, "the 保密审查 print test")) // a fresh tab
	defer cancelTab()
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(link)); err != nil {
		t.Fatalf("open the form: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.fonts.status === "loaded"`, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(time.Minute))); err != nil {
		t.Fatalf("waiting for the fonts: %v", err)
	}
	err := chromedp.Do(ctx, chromedp.Action[chromedp.Void](func(ctx context.Context, target *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, target, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return chromedp.Void{}, err
	}))
	if err != nil {
		t.Fatalf("print media: %v", err)
	}
	office, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#sign-office').innerText`))
	if err != nil {
		t.Fatalf("office block: %v", err)
	}
	fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const e = document.querySelector('#sign-office .sign-inner'); return e.scrollHeight <= e.clientHeight + 1; })()`))
	if err != nil {
		t.Fatalf("office block height: %v", err)
	}
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(func(pp *cdppage.PrintToPDFParams) {
		on := true
		pp.PreferCSSPageSize = &on
	}))
	if err != nil {
		t.Fatalf("print to PDF: %v", err)
	}
	return office, fits, pdf
}
