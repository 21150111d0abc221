package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/app"
	"github.com/zwgk-bot/zwgk/workflow"
)

const deadlineArgs = "--received D [--supplement-asked D [--supplement-days N] [--supplement-received D]] [--consult FROM:[TO]]... [--extended [--extension-days N]] [--on D]"

const deadlineDetail = `Computes the legal clocks of a 政府信息公开申请 (依申请公开) on the working-day
calendar in force (the embedded years, the office's years in Postgres and
CALENDAR_FILE, as the bot uses them) and prints, in Chinese, the reply due
date and how it was reached. Dates are YYYY-MM-DD, Asia/Shanghai.

  --received D             day of receipt (条例 Art. 31: the day it was handed in,
                           signed for, or confirmed); required. It is day 0: the
                           count starts the next working day.
  --supplement-asked D     day the 补正告知书 was sent (due within 7 WD of receipt)
  --supplement-days N      the 补正期限 it names, in working days (default 15)
  --supplement-received D  day the completed application came back: the reply
                           clock starts again from it (Art. 30)
  --consult FROM:TO        a 征求意见 (Arts. 32, 34) sent on FROM, answered on TO;
                           FROM: (no TO) when still unanswered. Repeatable. The
                           working days after FROM up to TO, at most 15, are not
                           counted; overlapping ones count once.
  --extended               the reply was extended (Art. 33), by 20 WD
  --extension-days N       ... by N WD instead (1 to 20); needs --extended
  --on D                   also print the working days left on D

Example:
  zwgk deadline --received 2026-12-01 --supplement-asked 2026-12-03 \
    --supplement-received 2026-12-10 --consult 2026-12-11:2026-12-18 \
    --extended --extension-days 10 --on 2026-12-20

A wrong flag is named and the command exits with status 2. Needs
DATABASE_URL (the office's calendar years).`

// dateFlag is a flag holding a date YYYY-MM-DD in Asia/Shanghai.
type dateFlag struct{ t *time.Time }

func (f dateFlag) String() string {
	if f.t == nil || f.t.IsZero() {
		return ""
	}
	return f.t.Format(time.DateOnly)
}

func (f dateFlag) Set(s string) error {
	t, err := parseFlagDate(s)
	if err != nil {
		return err
	}
	*f.t = t
	return nil
}

func parseFlagDate(s string) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(s), app.BusinessLocation())
	if err != nil {
		return time.Time{}, fmt.Errorf("日期 %q 应写作 2026-12-01", s)
	}
	return t, nil
}

// consultFlag collects --consult FROM:TO, FROM: for one still unanswered.
type consultFlag struct{ list *[]workflow.Consultation }

func (f consultFlag) String() string { return "" }

func (f consultFlag) Set(s string) error {
	from, to, ok := strings.Cut(s, ":")
	if !ok {
		return fmt.Errorf("%q 应写作 发出日期:答复日期（如 2026-12-11:2026-12-18），尚未答复的写作 2026-12-11:", s)
	}
	var c workflow.Consultation
	var err error
	if c.Sent, err = parseFlagDate(from); err != nil {
		return fmt.Errorf("发出%w", err)
	}
	if strings.TrimSpace(to) != "" {
		if c.Answered, err = parseFlagDate(to); err != nil {
			return fmt.Errorf("答复%w", err)
		}
	}
	*f.list = append(*f.list, c)
	return nil
}

// deadlineRequest is a parsed zwgk deadline command line.
type deadlineRequest struct {
	ev workflow.ApplicationEvents
	on time.Time // zero without --on
}

// parseDeadline reads the command line. A wrong flag is reported on
// stderr, naming it, and returned as ErrUsage. The events are checked
// (workflow's Validate) before anything is opened, so that a mistake is
// told at once and the same way with or without a database.
func parseDeadline(stderr io.Writer, args []string) (deadlineRequest, error) {
	var r deadlineRequest
	fs := flag.NewFlagSet("deadline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: zwgk deadline "+deadlineArgs+"\n(zwgk help deadline explains each flag)")
	}
	fs.Var(dateFlag{&r.ev.Received}, "received", "day of receipt (required)")
	fs.Var(dateFlag{&r.ev.SupplementAsked}, "supplement-asked", "day the 补正告知书 was sent")
	fs.IntVar(&r.ev.SupplementDays, "supplement-days", 0, "the 补正期限, in working days (default 15)")
	fs.Var(dateFlag{&r.ev.SupplementReceived}, "supplement-received", "day the completed application came back")
	fs.Var(consultFlag{&r.ev.Consultations}, "consult", "a 征求意见 FROM:TO, or FROM: when unanswered (repeatable)")
	extended := fs.Bool("extended", false, "the reply was extended (by 20 WD unless --extension-days)")
	fs.IntVar(&r.ev.ExtensionDays, "extension-days", workflow.MaxExtensionDays, "working days of the extension, 1 to 20")
	fs.Var(dateFlag{&r.on}, "on", "print the working days left on this day")
	if err := fs.Parse(args); err != nil {
		return r, ErrUsage
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	bad := func(format string, a ...any) (deadlineRequest, error) {
		fmt.Fprintf(stderr, "zwgk deadline: "+format+"\n", a...)
		fs.Usage()
		return r, ErrUsage
	}
	switch {
	case fs.NArg() > 0:
		return bad("多余的参数 %q", fs.Arg(0))
	case !set["received"]:
		return bad("--received：请给出收到申请之日")
	case set["supplement-days"] && !set["supplement-asked"]:
		return bad("--supplement-days：需与 --supplement-asked 一起使用")
	case set["supplement-days"] && r.ev.SupplementDays < 1:
		return bad("--supplement-days：%d 应为正整数", r.ev.SupplementDays)
	case set["extension-days"] && !*extended:
		return bad("--extension-days：需与 --extended 一起使用")
	case set["extension-days"] && r.ev.ExtensionDays == 0:
		return bad("--extension-days：应为 1 至 %d", workflow.MaxExtensionDays)
	}
	if !*extended {
		r.ev.ExtensionDays = 0
	}
	if err := r.ev.Validate(); err != nil {
		var ie *workflow.ApplicationInputError
		if !errors.As(err, &ie) {
			return r, err
		}
		return bad("%s：%s", deadlineFlagOf(ie, set), ie.Problem)
	}
	return r, nil
}

// deadlineFlagOf names the flag that gave the field ie is about.
func deadlineFlagOf(ie *workflow.ApplicationInputError, set map[string]bool) string {
	switch ie.Field {
	case "Received":
		return "--received"
	case "SupplementAsked":
		return "--supplement-asked"
	case "SupplementDays":
		return "--supplement-days"
	case "SupplementReceived":
		return "--supplement-received"
	case "Consultations":
		return "--consult 第" + strconv.Itoa(ie.Index+1) + "项"
	case "ExtensionDays":
		if set["extension-days"] {
			return "--extension-days"
		}
		return "--extended"
	}
	return ie.Field
}

func cmdDeadline(ctx context.Context, e *env, args []string) error {
	r, err := parseDeadline(e.stderr, args)
	if err != nil {
		return err
	}
	cal, err := officeCalendar(ctx, e)
	if err != nil {
		return err
	}
	due, err := workflow.ApplicationDeadlines(cal, r.ev)
	if errors.Is(err, workflow.ErrNoCalendarData) {
		return fmt.Errorf("deadline: 无法计算，工作日历缺少所需年份的节假日安排（%w）；请办公室用「日历 添加」或 zwgk calendar add 补充", err)
	}
	if err != nil {
		return fmt.Errorf("deadline: %w", err)
	}
	return writeDeadline(e.stdout, cal, r, due)
}

// writeDeadline prints due for the office, in Chinese.
func writeDeadline(w io.Writer, cal *workflow.Calendar, r deadlineRequest, due workflow.ApplicationDue) error {
	loc := cal.Location()
	date := func(t time.Time) string {
		return workflow.FormatDate(t, loc) + "（" + workflow.WeekdayName(t.In(loc).Weekday()) + "）"
	}
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	ev := r.ev

	if due.AwaitingSupplement {
		p("等待申请人补正：补正期限至%s（%d个工作日），答复期限暂不计算，自收到补正后的申请之日起重新计算（条例第三十条）。", date(due.SupplementDue), due.SupplementDays)
	} else {
		p("答复期限：%s", date(due.ReplyDue))
		if due.Paused {
			p("（征求意见尚未答复，暂按征求意见期满计算；收到意见后答复期限会相应提前。）")
		}
	}
	p("计算过程：")
	p("  收到申请：%s", date(ev.Received))
	switch {
	case !due.SupplementBy.IsZero():
		p("  补正告知书：如需补正，最迟于%s发出（收到申请后7个工作日内，条例第三十条）", date(due.SupplementBy))
	default:
		late := ""
		if due.SupplementAskedLate {
			late = "，晚于收到申请后7个工作日"
		}
		p("  补正告知书：%s发出%s，补正期限%d个工作日，至%s", date(ev.SupplementAsked), late, due.SupplementDays, date(due.SupplementDue))
		if !ev.SupplementReceived.IsZero() {
			p("  收到补正：%s，答复期限自该日起重新计算", date(ev.SupplementReceived))
		}
	}
	if !due.AwaitingSupplement {
		p("  计时起点：%s，次一工作日为第1个工作日", date(due.ClockStart))
		p("  法定期限：%d个工作日（条例第三十三条）", due.ReplyDays)
		if len(ev.Consultations) > 0 {
			p("  征求意见：不计入%d个工作日（条例第三十二条、第三十四条，重叠部分只计一次）", due.PausedDays)
			for _, c := range ev.Consultations {
				if c.Answered.IsZero() {
					p("    %s发出，尚未答复（按15个工作日计）", workflow.FormatDate(c.Sent, loc))
				} else {
					p("    %s发出，%s答复", workflow.FormatDate(c.Sent, loc), workflow.FormatDate(c.Answered, loc))
				}
			}
			if due.Paused {
				p("  暂停计时：征求意见书%s发出，次一工作日起暂停，最迟至%s", workflow.FormatDate(due.PausedSince, loc), date(due.PausedUntil))
			}
		}
		if due.ExtendedDays > 0 {
			p("  延长：%d个工作日（经政府信息公开工作机构负责人同意并告知申请人）", due.ExtendedDays)
		}
		p("  合计：计时起点后第%d个工作日", due.ReplyDays+due.ExtendedDays+due.PausedDays)
	}
	if !r.on.IsZero() {
		switch {
		case due.AwaitingSupplement && due.SupplementLapsed(r.on):
			p("截至%s：补正期限已过，尚未收到补正；申请人无正当理由逾期不补正的，视为放弃申请（其他处理：逾期不补正）。", date(r.on))
		case due.AwaitingSupplement:
			p("截至%s：仍在补正期限内。", date(r.on))
		default:
			left, err := due.WorkingDaysLeft(cal, r.on)
			if err != nil {
				return fmt.Errorf("deadline --on: %w", err)
			}
			switch {
			case left > 0:
				p("截至%s：剩余%d个工作日", date(r.on), left)
			case left == 0:
				p("截至%s：今天到期", date(r.on))
			default:
				p("截至%s：已逾期%d个工作日", date(r.on), -left)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
