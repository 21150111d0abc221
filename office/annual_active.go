package office

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/zwgk-bot/zwgk/annualreport"
	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// 「年度报告 录入 2026 行政处罚 35 理由：…」: the office enters a figure of
// table 二 (主动公开) that zwgk cannot know — decisions made outside it, the
// months before it was used, the documents in force when the year began.
// The entry is the part outside zwgk: the table adds the 审批单s' own. A
// later entry for the same cell and year replaces the earlier one; every
// entry is kept and audited with who and why (storage.AddActiveEntry).

// maxEntryReason is the longest reason of an entry, in characters.
const maxEntryReason = 200

const msgEntryUsage = "请按「年度报告 录入 年度 项目 数值 理由：说明」发送，如：年度报告 录入 2026 行政处罚 35 理由：2026年1至11月在原系统办理。\n" +
	"项目可为：行政许可、行政处罚、行政强制（件数）；行政事业性收费（万元）；规范性文件 或 规章 加 制发、废止、上年末现行有效（件数）。\n" +
	"录入的是审批单以外的数量，年度报告将其与审批单的记录相加；同一项目再次录入即替代前一次。"

// enterActive handles 「年度报告 录入 …」 (arg is what follows 录入).
func (b *Flow) enterActive(ctx context.Context, t *chat.Turn, arg string) error {
	p := t.Person
	if !p.Has(config.RoleOffice) {
		return b.Text(ctx, t, p.UserID, "年度报告的数据由综合办公室审核人员录入。如需录入，请联系"+b.OfficeNames()+"。")
	}
	head, reason, ok := cutReason(arg)
	fields := strings.Fields(head)
	if !ok || len(fields) < 3 {
		if len(fields) >= 3 && !ok {
			return b.Text(ctx, t, p.UserID, "请在最后写明录入理由，如「理由：2026年1至11月在原系统办理」。\n"+msgEntryUsage)
		}
		return b.Text(ctx, t, p.UserID, msgEntryUsage)
	}
	now := t.Now.In(b.Location)
	year, err := strconv.Atoi(fields[0])
	if err != nil || year < annualreport.FirstYear || year > now.Year() {
		return b.Text(ctx, t, p.UserID, fmt.Sprintf("年度「%s」有误：请填写%d至%d之间的年度，如 %d。\n%s", chat.Clip(fields[0], 10), annualreport.FirstYear, now.Year(), now.Year()-1, msgEntryUsage))
	}
	cell, rest, ok := workflow.ParseTableTwoCell(fields[1:])
	if !ok || len(rest) != 1 {
		return b.Text(ctx, t, p.UserID, "没有识别出录入的项目「"+chat.Clip(strings.Join(fields[1:], " "), 30)+"」。\n"+msgEntryUsage)
	}
	value, err := workflow.ParseCellValue(cell, rest[0])
	if err != nil {
		return b.Text(ctx, t, p.UserID, err.Error())
	}
	reason, err = workflow.CheckChars("录入理由", reason)
	if err != nil {
		return b.Text(ctx, t, p.UserID, err.Error())
	}
	if n := utf8.RuneCountInString(reason); n == 0 || n > maxEntryReason {
		return b.Text(ctx, t, p.UserID, fmt.Sprintf("录入理由应为1至%d字，请重新发送。", maxEntryReason))
	}
	before, err := storage.ActiveDisclosureFigures(ctx, t.Tx, year, b.Location)
	if err != nil {
		return err
	}
	if _, err := storage.AddActiveEntry(ctx, t.Tx, storage.ActiveEntry{
		Year: year, Cell: string(cell), Value: value, EnteredBy: p.UserID, EnteredAt: t.Now, Reason: reason,
	}); err != nil {
		return err
	}
	after, err := storage.ActiveDisclosureFigures(ctx, t.Tx, year, b.Location)
	if err != nil {
		return err
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "已录入%d年度报告表二：%s %s（理由：%s）。", year, cell.Label(), cell.Show(value), reason)
	if old := before.Cell(cell); old.Entered {
		fmt.Fprintf(&sb, "\n替代%s由%s录入的%s。", workflow.FormatDate(old.Entry.EnteredAt, b.Location), b.Name(old.Entry.EnteredBy), cell.Show(old.Manual))
	}
	sb.WriteString("\n" + b.entrySum(cell, after))
	for _, pr := range after.Problems() {
		sb.WriteString("\n请注意：" + pr + "。")
	}
	if rec, err := storage.GetAnnualReport(ctx, t.Tx, year); err == nil {
		fmt.Fprintf(&sb, "\n请注意：%d年度报告已于%s由%s登记为已发布，本次录入不改变已公开的报告；如已公开的数据有误，请按规定更正后重新公开。",
			year, workflow.FormatDate(rec.DoneAt, b.Location), b.Name(rec.DoneBy))
	} else if !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	return b.Text(ctx, t, p.UserID, sb.String())
}

// entrySum says what the cell of the table now holds.
func (b *Flow) entrySum(cell workflow.TableTwoCell, t workflow.TableTwoFigures) string {
	if row := documentRow(cell, t); row != nil {
		return fmt.Sprintf("%s 现行有效件数 = 上年末%d + 本年制发%d − 本年废止%d = %d件（本年制发、废止中审批单记录%d件、%d件）。",
			cell.Category(), row.InForceAtStart.Total(), row.Made.Total(), row.Repealed.Total(), row.InForce(), row.Made.Records, row.Repealed.Records)
	}
	f := t.Cell(cell)
	return fmt.Sprintf("%s合计%s：审批单记录%s，录入%s。", cell.Label(), cell.Show(f.Total()), cell.Show(f.Records), cell.Show(f.Manual))
}

func documentRow(cell workflow.TableTwoCell, t workflow.TableTwoFigures) *workflow.DocumentRow {
	switch cell.Category() {
	case workflow.CategoryRegulation:
		return &t.Regulation
	case workflow.CategoryNormative:
		return &t.Normative
	}
	return nil
}

// cutReason splits 「… 理由：说明」 at its last 理由; ok is false without one.
func cutReason(s string) (head, reason string, ok bool) {
	for _, sep := range []string{"理由：", "理由:"} {
		if i := strings.LastIndex(s, sep); i >= 0 {
			return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+len(sep):]), true
		}
	}
	return s, "", false
}
