package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/sandbox"
	"github.com/zwgk-bot/zwgk/workflow"
)

// These tests type dates the way staff do. The bot runs on the real clock,
// so each date is chosen relative to today: on 2026-12-01, dayMD(4) is the
// 「12月5日」 of issue 15.

func today() time.Time { return time.Now().In(businessLocation()) }

// dayText is the date n days from today as the bot writes it, with its year.
func dayText(n int) string { return workflow.FormatDate(today().AddDate(0, 0, n), businessLocation()) }

func todayText() string { return dayText(0) }

// dayMD is the date n days from today as staff type it, without a year.
func dayMD(n int) string {
	d := today().AddDate(0, 0, n)
	return fmt.Sprintf("%d月%d日", int(d.Month()), d.Day())
}

// nextYearText is this month and day of next year, with its year: where a
// deadline typed as a month and day that has just passed lands.
func nextYearText(n int) string {
	d := today().AddDate(0, 0, n)
	return workflow.FormatDate(time.Date(d.Year()+1, d.Month(), d.Day(), 0, 0, 0, 0, businessLocation()), businessLocation())
}

func field(t *testing.T, card sandbox.Received, key string) string {
	t.Helper()
	for _, f := range card.Card.HorizontalContentList {
		if f.KeyName == key {
			return f.Value
		}
	}
	t.Fatalf("card %q has no field %s", card.Card.MainTitle.Title, key)
	return ""
}

func TestRegistrationDatesTimesAndPhone(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	loc := businessLocation()
	y := today().AddDate(0, 0, -1)
	ticket := "GD202612010001"

	c.say(registrar, "登记")
	c.text(registrar, "登记12345转办工单")
	c.text(registrar, "第1/10步")
	c.say(registrar, ticket)
	c.click(registrar, c.card(registrar), "r_2") // 投诉
	c.text(registrar, "第3/10步")
	c.say(registrar, "某企业夜间噪声扰民。")
	c.text(registrar, "第4/10步")
	c.say(registrar, "跳过")
	c.text(registrar, "第5/10步")
	c.say(registrar, "王先生")
	c.text(registrar, "第6/10步")
	c.say(registrar, "+86 138 0013 8000")
	c.click(registrar, c.card(registrar), "r_0") // the number was taken: 紧急程度 is asked
	c.text(registrar, "第8/10步")

	// 接收时间: the future is refused as such, not as unrecognised.
	c.say(registrar, today().AddDate(1, 0, 0).Format("2006-01-02 15:04"))
	c.text(registrar, "接收时间不能晚于现在")
	c.text(registrar, "第8/10步")
	// A day the calendar lacks is said not to exist, not to be unread.
	c.say(registrar, fmt.Sprintf("%d年2月30日 9:00", y.Year()))
	c.text(registrar, fmt.Sprintf("%d年2月30日不存在，请核对。", y.Year()))
	c.text(registrar, "第8/10步")
	// A month and day with a time.
	c.say(registrar, dayMD(-1)+" 8:15")
	c.text(registrar, "接收时间："+dayText(-1)+" 08:15。")
	c.text(registrar, "第9/10步")
	c.say(registrar, "上一步")
	c.text(registrar, "第8/10步")
	// 年月日 with 点 and 分.
	c.say(registrar, fmt.Sprintf("%d年%d月%d日8点45分", y.Year(), int(y.Month()), y.Day()))
	c.text(registrar, "接收时间："+dayText(-1)+" 08:45。")
	c.text(registrar, "第9/10步")
	c.say(registrar, "上一步")
	c.text(registrar, "第8/10步")
	// A date alone: the time is asked for, not taken as midnight.
	c.say(registrar, "昨天")
	c.text(registrar, "接收时间还需要具体时刻")
	c.text(registrar, "第8/10步", "请回复"+dayText(-1)+"的接收时刻")
	c.say(registrar, "9点30分")
	c.text(registrar, "接收时间："+dayText(-1)+" 09:30。")
	c.text(registrar, "第9/10步")

	// 办理时限: a passed date is refused here, with the reason.
	c.say(registrar, y.Format(time.DateOnly))
	c.text(registrar, "办理时限"+dayText(-1)+"已过")
	c.text(registrar, "第9/10步")
	// A month and day already passed this year is next year's.
	c.say(registrar, dayMD(-1))
	c.text(registrar, "办理时限："+nextYearText(-1)+"前。")
	c.card(registrar) // 承办股室
	c.say(registrar, "上一步")
	c.text(registrar, "第9/10步")
	// One still ahead is this year's (issue 15: 12月5日 became 1月1日).
	c.say(registrar, dayMD(4))
	c.text(registrar, "办理时限："+dayText(4)+"前。")
	c.click(registrar, c.card(registrar), "r_1") // 综合一股

	sum := c.card(registrar)
	if got, want := field(t, sum, "接收时间"), dayText(-1)+" 09:30"; got != want {
		t.Errorf("summary 接收时间 %q, want %q", got, want)
	}
	if got, want := field(t, sum, "办理时限"), dayText(4)+"前"; got != want {
		t.Errorf("summary 办理时限 %q, want %q", got, want)
	}
	if got := field(t, sum, "来电人"); got != "王先生 13800138000" {
		t.Errorf("summary 来电人 %q", got)
	}
	c.click(registrar, sum, "reg_submit")
	c.text(registrar, "已登记12345工单 "+ticket, "办理时限 "+dayText(4)+"前")

	o := h.order(ticket)
	if o.CallerPhone != "13800138000" {
		t.Errorf("stored phone %q, want 13800138000", o.CallerPhone)
	}
	if want := time.Date(y.Year(), y.Month(), y.Day(), 9, 30, 0, 0, loc); !o.ReceivedAt.Equal(want) {
		t.Errorf("stored 接收时间 %v, want %v", o.ReceivedAt.In(loc), want)
	}
	d := today().AddDate(0, 0, 4)
	if want := time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, loc); !o.DueAt.Equal(want) {
		t.Errorf("stored 办理时限 %v, want %v", o.DueAt.In(loc), want)
	}
}

func TestExtensionToMonthDayKeepsTheYear(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	loc := businessLocation()
	ticket := "GD202612010002"
	c.registerDue(registrar, ticket, false, "r_1", dayMD(2))
	c.click(head, c.card(head), "accept")
	c.text(registrar, "已签收")
	c.click(head, c.card(head), "h_"+head)
	c.text(registrar, "已指定张伟办理")
	handle := c.card(head)

	c.click(head, handle, "extend")
	c.text(head, "延期理由")
	c.say(head, "需要第三方检测报告。")
	c.text(head, "延至的日期")
	c.say(head, dayMD(19)) // 12月20日 on 2026-12-01
	c.text(head, "已提交办公室审核：延至"+dayText(19)+"前")
	c.text(registrar, "申请延期至"+dayText(19)+"前")
	c.text(office1, "时限由"+dayText(2)+"前延至"+dayText(19)+"前")
	ext := c.card(office1)
	c.card(office2)
	c.click(office1, ext, "ext_yes")
	c.text(head, "同意延期", "延至"+dayText(19)+"前")
	c.text(registrar, "延至"+dayText(19)+"前")
	c.text(office1, "已同意延期")

	d := today().AddDate(0, 0, 19)
	if got, want := h.order(ticket).DueAt, time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, loc); !got.Equal(want) {
		t.Fatalf("due after approval %v, want %v", got.In(loc), want)
	}
	c.say(head, "工单 "+ticket)
	c.text(head, "时限："+dayText(19)+"前，剩余")
}

func TestFormedDateRefusesTheFutureAndAsksAboutOldDates(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	old := today().AddDate(-2, 0, 0)
	oldText := workflow.FormatDate(old, businessLocation())

	c.say(staff, "提交")
	c.text(staff, "开始填写")
	c.text(staff, "第1步")
	c.say(staff, "关于某项目验收结果的公示")
	c.text(staff, "第2步")
	c.say(staff, "某项目竣工环境保护验收结果。")
	c.text(staff, "第3步")
	for _, future := range []string{"明天", "后天", dayMD(4)} {
		c.say(staff, future)
		c.text(staff, "信息形成日期不能晚于今天")
		c.text(staff, "第3步", "请输入信息形成日期")
	}

	// More than a year back: asked, 否 asks for the date again.
	c.say(staff, old.Format(time.DateOnly))
	c.text(staff, "第3步：信息形成日期为 "+oldText+"，距今已超过一年", "「是」", "「否」")
	c.say(staff, "否")
	c.text(staff, "第3步", "请输入信息形成日期")
	c.say(staff, old.Format(time.DateOnly))
	c.text(staff, "距今已超过一年")
	c.say(staff, "是")
	c.text(staff, "信息形成日期："+oldText+"。")
	c.click(staff, c.card(staff), "mode_request")
	c.text(staff, "请输入对应的政府信息公开申请编号")
	c.say(staff, "跳过")
	c.text(staff, "未关联申请")
	pl := c.card(staff)
	if st, err := h.corp.User(staff).Submit(context.Background(), pl.Card.TaskID, map[string][]string{"platforms": {"p0"}}); err != nil || st != 200 {
		t.Fatalf("platforms: %d, %v", st, err)
	}
	c.click(staff, c.card(staff), "major_no")
	sum := c.card(staff)
	if got := field(t, sum, "形成日期"); got != oldText {
		t.Fatalf("summary 形成日期 %q, want %q", got, oldText)
	}
	c.click(staff, sum, "confirm_submit")
	c.text(staff, "已提交，编号")
	var formed time.Time
	if err := h.db.GetContext(context.Background(), &formed, `SELECT formed_on FROM forms`); err != nil {
		t.Fatal(err)
	}
	if got := formed.Format(time.DateOnly); got != old.Format(time.DateOnly) {
		t.Fatalf("stored formed_on %s, want %s", got, old.Format(time.DateOnly))
	}
}

func TestMeetingDateEchoedWithYear(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	c.say(office1, "会议 登记 明天 研究部署政务公开工作")
	c.text(office1, "会议日期不能晚于今天（您填写的是"+dayText(1)+"）")
	c.say(office1, "会议 登记 "+dayMD(-1)+" 研究部署政务公开工作")
	c.text(office1, "已登记政务公开专题工作会议："+dayText(-1)+"「研究部署政务公开工作」")
}
