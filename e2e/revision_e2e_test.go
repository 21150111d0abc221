package e2e

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/zwgk-bot/zwgk/sandbox"
)

// quoteOf is the quote of a card, failing the test without one; it must
// stay within the 112 characters the card's texts are held to.
func quoteOf(t *testing.T, m sandbox.Received) string {
	t.Helper()
	q := m.Card.QuoteArea
	if q == nil || q.QuoteText == "" {
		t.Fatalf("card %q has no quote", m.Card.MainTitle.Desc)
	}
	if n := utf8.RuneCountInString(q.QuoteText); n > 112 {
		t.Fatalf("quote of %d characters: %q", n, q.QuoteText)
	}
	return q.QuoteText
}

// TestFormResubmittedCardShowsReasonAndChanges: the card of a resubmitted
// version names the 驳回 it answers and the fields that differ from the
// rejected version, at every stage and in each later version.
func TestFormResubmittedCardShowsReasonAndChanges(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	serial := c.submit(staff, ordinary)
	first := c.card(head)
	if first.Card.QuoteArea != nil {
		t.Fatalf("the first version's card has a quote: %+v", first.Card.QuoteArea)
	}
	rej := c.reject(head, first, "标题中项目名称有误，请核对。")

	got := c.resubmit(rej, "关于某化工企业环评审批结果的公示（更正）", []string{"p0"})
	if !strings.Contains(got, "第2版") || !strings.Contains(got, "本版修改：标题、公开平台。") {
		t.Fatalf("resubmission answered %q", got)
	}
	sec := c.card(head)
	if !strings.Contains(sec.Card.MainTitle.Desc, "第2版") {
		t.Fatalf("v2 card desc %q", sec.Card.MainTitle.Desc)
	}
	want := "驳回理由（张伟，股室负责人审核）：标题中项目名称有误，请核对。\n本版修改：标题、公开平台"
	if q := quoteOf(t, sec); q != want {
		t.Fatalf("v2 card quote %q, want %q", q, want)
	}
	// The office's card of the same version says the same.
	c.click(head, sec, "approve")
	c.text(head, "已同意")
	c.text(staff, "张伟同意")
	off := c.card(office1)
	c.card(office2)
	if q := quoteOf(t, off); q != want {
		t.Fatalf("office's v2 card quote %q, want %q", q, want)
	}

	// A third version, resubmitted unchanged, answers the office's 驳回;
	// a long reason is shortened to keep the card within its limits.
	long := "公开平台选择不当，" + strings.Repeat("请按照本局政务公开工作制度重新核对公开范围和平台，", 4)
	rej = c.reject(office1, off, long)
	got = c.resubmit(rej, "", nil)
	if !strings.Contains(got, "第3版") || !strings.Contains(got, "本版未修改内容。") {
		t.Fatalf("third resubmission answered %q", got)
	}
	third := c.card(head)
	q := quoteOf(t, third)
	if !strings.HasPrefix(q, "驳回理由（陈立新，办公室审核）：公开平台选择不当，") || !strings.Contains(q, "…\n本版未修改内容") {
		t.Fatalf("v3 card quote %q", q)
	}
	if st, stage, v := h.formState(serial); st != "review" || stage != "section" || v != 3 {
		t.Fatalf("after the third submission %s/%s v%d", st, stage, v)
	}
	// 待办 sends the same card again, quote included.
	c.say(head, "待办")
	c.text(head, "1 件待办")
	if again := c.card(head); quoteOf(t, again) != q {
		t.Fatalf("待办's card quote %q, want %q", quoteOf(t, again), q)
	}
}
