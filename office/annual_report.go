package office

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/annualreport"
	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
	"golang.org/x/text/width"
)

// 「年度报告 2026」 shows the office the year's report as zwgk has it: the
// main figures, the checks and the state; 「年度报告 2026 已发布」 records
// that it was published, which stops the January reminder. While a check
// fails, 已发布 is refused with the problems listed, unless the office
// confirms publishing anyway with a reason (「… 已发布 确认 理由：…」):
// the report of a year zwgk only saw part of may rightly differ from the
// register, and the office answers for it, on the record.

// maxOverrideReason is the longest reason for publishing past failed
// checks, in characters.
const maxOverrideReason = 200

// reportMonths: until the end of March, 「年度报告」 without a year means
// last year's report (due 31 January; the county government's by 31
// March); after it, this year's, being prepared.
const reportMonths = time.March

// maxShownProblems is how many problems a reply lists; the rest are
// counted (the CLI lists all).
const maxShownProblems = 8

// publishedWords mark the report published; 已完成 and 已报送 are the
// words of the first reminders, still accepted.
var publishedWords = []string{"已发布", "发布", "已完成", "完成", "已报送"}

// annualReport handles 「年度报告 …」 but 录入 (arg is what follows 年度报告).
func (b *Flow) annualReport(ctx context.Context, t *chat.Turn, arg string) error {
	p := t.Person
	now := t.Now.In(b.Location)
	if !b.MayEditAnnual(p) {
		msg := "年度报告由综合办公室审核人员查看和登记。如有需要，请联系" + b.OfficeNames() + "。"
		if b.MayReadAnnual(p) {
			msg += "\n您可在办公桌上阅读年度报告：" + b.PublicURL + AnnualDeskPath(b.ReportYear(now))
		}
		return b.Text(ctx, t, p.UserID, msg)
	}
	// Full-width digits come from Chinese keyboards.
	fields := strings.Fields(width.Narrow.String(arg))
	year, haveYear := 0, false
	if len(fields) > 0 && !isPublishedWord(fields[0]) {
		y, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSuffix(fields[0], "年度"), "年"))
		if err != nil {
			return b.Text(ctx, t, p.UserID, fmt.Sprintf("没有识别出年度「%s」，请用数字填写，如「年度报告 %d」。\n%s", chat.Clip(fields[0], 10), b.ReportYear(now), b.reportUsage(now)))
		}
		if y < annualreport.FirstYear || y > now.Year() {
			return b.Text(ctx, t, p.UserID, fmt.Sprintf("年度「%s」有误：请填写%d至%d之间的年度。\n%s", chat.Clip(fields[0], 10), annualreport.FirstYear, now.Year(), b.reportUsage(now)))
		}
		year, haveYear, fields = y, true, fields[1:]
	}
	if len(fields) == 0 {
		if !haveYear {
			year = b.ReportYear(now)
		}
		return b.showAnnualReport(ctx, t, year)
	}
	if !isPublishedWord(fields[0]) {
		return b.Text(ctx, t, p.UserID, b.reportUsage(now))
	}
	if !haveYear {
		// Without a year only the report due now, from January to March;
		// a record cannot be undone, so otherwise the year is asked for.
		if now.Month() > reportMonths {
			return b.Text(ctx, t, p.UserID, fmt.Sprintf("请写明登记发布的年度，如「年度报告 %d 已发布」。", now.Year()-1))
		}
		year = now.Year() - 1
	}
	rest := strings.TrimSpace(strings.Join(fields[1:], " "))
	confirm, confirmed := chat.CutCommand(rest, "确认")
	if rest != "" && !confirmed {
		// Anything else after 已发布 (a question, thanks) is not a record.
		return b.Text(ctx, t, p.UserID, fmt.Sprintf("没有登记。登记%d年度报告已发布请发送「年度报告 %d 已发布」；校验未通过而确认发布的，发送「年度报告 %d 已发布 确认 理由：说明」。", year, year, year))
	}
	return b.publishAnnualReport(ctx, t, year, confirm, confirmed)
}

// reportUsage says what 「年度报告 …」 can do, with years that work at now.
func (b *Flow) reportUsage(now time.Time) string {
	return fmt.Sprintf("年度报告可发送：\n「年度报告 %d」查看该年度报告的主要数据和校验结果；\n「年度报告 %d 已发布」登记该年度报告已报送并向社会公开（提醒随即停止）；\n「年度报告 录入 %d 行政处罚 35 理由：说明」录入审批单以外的表二数据。",
		b.ReportYear(now), now.Year()-1, b.ReportYear(now))
}

func isPublishedWord(s string) bool {
	for _, w := range publishedWords {
		if s == w {
			return true
		}
	}
	return false
}

// publishAnnualReport records the year's report as published; confirm
// is what follows 已发布 确认 (「理由：…」, to publish past failed checks)
// when confirmed. RecordPublished decides; this phrases its answer.
func (b *Flow) publishAnnualReport(ctx context.Context, t *chat.Turn, year int, confirm string, confirmed bool) error {
	p := t.Person
	now := t.Now.In(b.Location)
	_, reason, _ := cutReason(confirm)
	res, err := b.RecordPublished(ctx, t.Tx, p, year, t.Now, confirmed, reason)
	if err != nil {
		return err
	}
	var msg string
	switch res.Outcome {
	case Published:
		msg = fmt.Sprintf("已登记：%d年度政府信息公开工作年度报告已发布（%s，%s），不再提醒。", year, p.Name, workflow.FormatDate(now, b.Location))
		if res.Record.OverrideReason != "" {
			msg += fmt.Sprintf("\n未通过的%d项校验及理由已一并记录。", len(res.Problems))
		} else if confirmed && strings.TrimSpace(reason) != "" {
			msg += "\n校验已通过，无需说明理由，理由未作记录。"
		}
	case PublishedBefore:
		msg = fmt.Sprintf("%d年度报告已于%s由%s登记为已发布，无需重复登记。",
			year, workflow.FormatDate(res.Record.DoneAt, b.Location), b.Name(res.Record.DoneBy))
	case PublishNotAllowed:
		msg = "年度报告由综合办公室审核人员查看和登记。如有需要，请联系" + b.OfficeNames() + "。"
	case PublishYearOpen:
		msg = fmt.Sprintf("%d年度尚未结束，年度报告应在%d年1月31日前发布后再登记。", year, year+1)
	case PublishChecksFail:
		msg = fmt.Sprintf("%d年度报告的数据校验未通过，暂不能登记为已发布：\n%s\n请核对后更正（「年度报告 录入」或联系系统管理员）；如确认按已公开的报告登记，请发送「年度报告 %d 已发布 确认 理由：说明」。",
			year, listProblems(res.Problems), year)
	case PublishNoReason:
		msg = fmt.Sprintf("请写明按未通过校验的数据发布的理由，如「年度报告 %d 已发布 确认 理由：上年结转数以原系统台账为准」。", year)
	case PublishBadReason:
		msg = res.Problem
	}
	return b.Text(ctx, t, p.UserID, msg)
}

// showAnnualReport answers 「年度报告 2026」: the year's main figures, the
// checks, the sections still drafts, whether it was published, and the
// printable page's link.
func (b *Flow) showAnnualReport(ctx context.Context, t *chat.Turn, year int) error {
	now := t.Now.In(b.Location)
	r, err := annualreport.Build(ctx, t.Tx, year, b.Location)
	if err != nil {
		return err
	}
	t2, t3, t4 := r.T2, r.T3, r.T4
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d年度政府信息公开工作年度报告", year)
	if year >= now.Year() {
		fmt.Fprintf(&sb, "（%d年尚未结束，数据截至%s）", year, workflow.FormatDate(now, b.Location))
	}
	sb.WriteString("\n表二 主动公开：")
	fmt.Fprintf(&sb, "规章 本年制发%d件、现行有效%d件；行政规范性文件 本年制发%d件、废止%d件、现行有效%d件；",
		t2.Regulation.Made.Total(), t2.Regulation.InForce(), t2.Normative.Made.Total(), t2.Normative.Repealed.Total(), t2.Normative.InForce())
	fmt.Fprintf(&sb, "行政许可%d件，行政处罚%d件，行政强制%d件，行政事业性收费%s万元。",
		t2.Licensing.Total(), t2.Penalty.Total(), t2.Enforcement.Total(), t2.FeeWan())
	total := workflow.Table3Total
	fmt.Fprintf(&sb, "\n表三 依申请公开：本年新收%d件，上年结转%d件，本年办结%d件，结转下年度%d件。",
		t3.New[total], t3.CarriedIn[total], t3.Results[total], t3.CarriedOut[total])
	fmt.Fprintf(&sb, "\n表四 复议诉讼：行政复议%d件，未经复议直接起诉%d件，复议后起诉%d件。",
		t4[workflow.Review][workflow.ReviewTotal], t4[workflow.SuitDirect][workflow.ReviewTotal], t4[workflow.SuitAfterReview][workflow.ReviewTotal])
	if r.OK() {
		sb.WriteString("\n校验：通过。")
	} else {
		fmt.Fprintf(&sb, "\n校验：未通过（%d项）：\n%s", len(r.Problems), listProblems(r.Problems))
	}
	if drafts := r.Drafts(); len(drafts) > 0 {
		fmt.Fprintf(&sb, "\n文字部分：第%s部分仍为系统草稿，请审阅修改。", strings.Join(drafts, "、"))
	}
	switch rec, err := storage.GetAnnualReport(ctx, t.Tx, year); {
	case err == nil:
		fmt.Fprintf(&sb, "\n状态：已于%s由%s登记为已发布", workflow.FormatDate(rec.DoneAt, b.Location), b.Name(rec.DoneBy))
		if rec.OverrideReason != "" {
			fmt.Fprintf(&sb, "（%d项校验未通过，理由：%s）", len(rec.Problems), rec.OverrideReason)
		}
		sb.WriteString("。")
	case errors.Is(err, storage.ErrNotFound):
		if year < now.Year() {
			fmt.Fprintf(&sb, "\n状态：未登记发布。发布后请发送「年度报告 %d 已发布」。", year)
		}
	default:
		return err
	}
	fmt.Fprintf(&sb, "\n全文（可打印）：%s\n链接%d天内有效。", b.AnnualLink(year, t.Now), int(annualreport.LinkValidity.Hours()/24))
	fmt.Fprintf(&sb, "\n在办公桌上修改文字部分、登记发布：%s", b.PublicURL+AnnualDeskPath(year))
	return b.Text(ctx, t, t.Person.UserID, sb.String())
}

// listProblems numbers the first problems and counts the rest (a chat
// message has to stay short; the CLI lists them all).
func listProblems(problems []string) string {
	var sb strings.Builder
	for i, p := range problems {
		if i == maxShownProblems {
			fmt.Fprintf(&sb, "……另有%d项未列出。", len(problems)-i)
			break
		}
		fmt.Fprintf(&sb, "%d. %s\n", i+1, p)
	}
	return strings.TrimSuffix(sb.String(), "\n")
}
