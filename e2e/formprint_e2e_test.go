package e2e

import (
	"strings"
	"testing"
)

// formLinkOf asks the bot for the form's printable page, as the submitter
// would (查询), and returns its signed address.
func formLinkOf(c *cursor, user, serial string) string {
	c.h.t.Helper()
	c.say(user, "查询 "+serial)
	got := c.text(user, serial, "/forms/")
	_, link, _ := strings.Cut(got, "审批单：")
	link, _, _ = strings.Cut(strings.TrimSpace(link), "\n")
	return strings.TrimSpace(link)
}

// The printable form of a withdrawn form, and of a version that a
// resubmission replaced, carries a large stamp saying so (issue 15 item 5);
// the live version carries none, and links to the earlier one.
func TestFormPageStampsWithdrawnAndSupersededVersions(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	date := today().Format("2006年1月2日")

	// Withdrawn after the section head's 同意: his signature stays, under
	// the stamp.
	serial := c.submit(staff, ordinary)
	c.click(head, c.card(head), "approve")
	c.text(head, "已同意")
	c.text(staff, "张伟同意")
	c.card(office1)
	c.say(staff, "撤回 "+serial)
	c.click(staff, c.card(staff), "withdraw_yes") // 撤回 is confirmed first
	c.text(staff, "已撤回")
	st, page := h.page(formLinkOf(c, staff, serial))
	if st != 200 {
		t.Fatalf("withdrawn form page: %d", st)
	}
	for _, want := range []string{`<span class="stamp-word">已撤回</span>`, "李娜于" + date + "撤回", `class="status void">状态：已撤回`, ">张伟<", ">同意<"} {
		if !strings.Contains(page, want) {
			t.Errorf("withdrawn form page lacks %q", want)
		}
	}

	// Rejected, then resubmitted as version 2.
	serial = c.submit(staff, ordinary)
	card := c.card(head)
	c.click(head, card, "reject")
	c.text(head, "请回复驳回")
	c.say(head, "标题中项目名称有误，请核对。")
	c.text(head, "已驳回")
	c.click(staff, c.card(staff), "resubmit")
	c.text(staff, "开始修改")
	c.text(staff, "第1步", "当前：")
	c.say(staff, ordinary.title+"（更正）")
	for _, step := range []string{"第2步", "第3步"} {
		c.text(staff, step)
		c.say(staff, "保留")
	}
	for range 4 { // mode, category, platforms, major
		c.card(staff)
		c.say(staff, "保留")
	}
	c.click(staff, c.card(staff), "confirm_submit")
	c.text(staff, "已重新提交", "第2版")

	link := formLinkOf(c, staff, serial)
	st, page = h.page(link)
	if st != 200 {
		t.Fatalf("form page: %d", st)
	}
	if strings.Contains(page, `class="stamp`) {
		t.Errorf("the live version 2 is stamped")
	}
	if !strings.Contains(page, "（更正）") || !strings.Contains(page, "第1版（已被第2版取代）</a>") {
		t.Errorf("version 2's page lacks its title or the link to version 1")
	}

	st, page = h.page(link + "&v=1")
	if st != 200 {
		t.Fatalf("version 1's page: %d\n%s", st, h.stderr.String())
	}
	for _, want := range []string{
		`<span class="stamp-word">已被第2版取代</span>`, "李娜于" + date + "修改后重新提交为第2版",
		">" + ordinary.title + "<", // version 1's own title
		">驳回<", "驳回理由：标题中项目名称有误，请核对。",
		"第1版（已被第2版取代，即本页）", `class="status void">状态：已被第2版取代　第1版`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("version 1's page lacks %q", want)
		}
	}
	if strings.Contains(page, "（更正）</div>") {
		t.Errorf("version 1's page shows version 2's title")
	}
	for _, bad := range []string{"&v=3", "&v=0", "&v=01", "&v=x"} {
		if st, _ := h.page(link + bad); st != 404 {
			t.Errorf("%s: %d, want 404", bad, st)
		}
	}
	// The version does not get around the signature.
	if st, _ := h.page(link + "0&v=1"); st != 403 {
		t.Errorf("tampered link with v=1: %d, want 403", st)
	}
}
