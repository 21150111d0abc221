package cli

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zwgk-bot/zwgk/annualreport"
	"github.com/zwgk-bot/zwgk/app"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

const reportAnnualUsage = "usage: zwgk report annual --year YYYY [--xlsx FILE] [--csv FILE]"

// ErrChecksFailed: the year's tables do not balance; the problems were
// printed.
var ErrChecksFailed = errors.New("the annual report's checks failed")

const annualDetail = `Tables 二, 三 and 四 of the year's 政府信息公开工作年度报告 (国办公开办函〔2021〕30号),
from the 审批单, the register and the office's own figures (and its table 二
entries, each with who, when and why), then the checks the template
implies (一 + 二 = 三（七） + 四 per column, every row's 总计, each group's
sub-rows, no negative cell), each problem naming its cells. Exits 1 when a
check fails, and then writes no file. --xlsx FILE writes the tables as the
published reports lay them out (one sheet each: 表二, 表三, 表四, merged
headings); --csv FILE the same cells. Needs DATABASE_URL only.

Table 二 (year Y): the 主动公开 审批单 finished publishing in Y, by their
信息类别, plus the office's latest entry of each cell ('年度报告 录入' in chat);
现行有效件数 is the office's 上年末 figure + 制发 − 废止; the fee in 万元.
Table 三: 一 received in Y; 二 received before Y
and open on 1 January Y, or the office's figure for the column ('zwgk annual
figure'); 三 closed (送达, or closed as 逾期不补正) in Y, whenever received;
四 received by 31 December Y and not closed by it. Table 四: the 复议 and 诉讼
filed in Y ('zwgk annual remedy'), by their result on 31 December Y (decided
later: 尚未审结), or the office's figure for a cell.`

// cmdReportAnnual: zwgk report annual --year 2026 [--xlsx FILE] [--csv FILE].
func cmdReportAnnual(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("report annual", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	year := fs.Int("year", 0, "the report year, required")
	xlsx := fs.String("xlsx", "", "write the tables to this .xlsx file")
	csvFile := fs.String("csv", "", "write the tables' cells to this CSV file")
	if err := fs.Parse(args); err != nil {
		return ErrUsage
	}
	if *year < 2008 || *year > 9998 || fs.NArg() > 0 {
		return errors.New(reportAnnualUsage)
	}
	db, err := openDB(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	return writeAnnualReport(ctx, db, *year, time.Now(), *xlsx, *csvFile, e.stdout)
}

func openDB(ctx context.Context, e *env) (*storage.DB, error) {
	url := e.getenv("DATABASE_URL")
	if url == "" {
		return nil, errors.New("DATABASE_URL: required")
	}
	return storage.Open(ctx, url)
}

// writeAnnualReport prints the year's report as annualreport.Build
// assembles it (the tables, the office's entries and figures in them, the
// figures of the text, the checks); it writes the files only when the
// checks pass.
func writeAnnualReport(ctx context.Context, db *storage.DB, year int, now time.Time, xlsx, csvFile string, out io.Writer) error {
	loc := app.BusinessLocation()
	r, err := annualreport.Build(ctx, db, year, loc)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d年政府信息公开工作年度报告 表二、表三、表四（据审批单、依申请公开登记簿及综合办公室填报数，%s 生成）\n\n", year, now.In(loc).Format("2006-01-02 15:04"))
	if err := annualreport.WriteText(out, r.Tables); err != nil {
		return err
	}
	if len(r.Entries) > 0 {
		fmt.Fprintln(out, "\n综合办公室录入数（表二，与审批单统计相加；同一项目以最后一次录入为准）：")
		for _, e := range r.Entries {
			cell := workflow.TableTwoCell(e.Cell)
			fig := r.T2.Cell(cell)
			note := ""
			if fig == nil || fig.Entry.EnteredAt != e.EnteredAt || fig.Entry.EnteredBy != e.EnteredBy || fig.Entry.Value != e.Value {
				note = "；已被后一次录入替代"
			} else if cell != workflow.CellRegulationInForceAt && cell != workflow.CellNormativeInForceAt {
				note = "；审批单统计 " + cell.Show(fig.Records)
			}
			fmt.Fprintf(out, "  %s = %s（%s 于 %s 录入，理由：%s%s）\n", cell.Label(), cell.Show(e.Value), e.EnteredBy, e.EnteredAt.In(loc).Format("2006-01-02 15:04"), e.Reason, note)
		}
	}
	if len(r.Figures) > 0 {
		fmt.Fprintln(out, "\n综合办公室填报数（替代登记簿统计）：")
		for _, f := range r.Figures {
			reg := ""
			if f.Table == storage.AnnualTable3 {
				reg = fmt.Sprintf("，登记簿统计 %d", r.RegisterCarriedIn[workflow.ApplicantColumn(workflow.ApplicantType(f.Column))])
			}
			fmt.Fprintf(out, "  %s = %d%s（%s 于 %s 填报，理由：%s）\n", f.Cell(), f.Value, reg, f.EnteredBy, f.EnteredAt.In(loc).Format("2006-01-02 15:04"), f.Reason)
		}
	}
	writeFacts(out, r.Facts)
	fmt.Fprintln(out, "\n正文：")
	for _, sec := range r.Sections {
		switch {
		case !sec.Editable:
		case sec.Draft:
			fmt.Fprintf(out, "  %s：系统生成的草稿，请审阅修改（zwgk annual text）\n", sec.Title)
		default:
			fmt.Fprintf(out, "  %s：综合办公室文本（%s 于 %s 保存）\n", sec.Title, sec.By, sec.At.In(loc).Format("2006-01-02 15:04"))
		}
	}
	if !r.OK() {
		fmt.Fprintf(out, "\n校验未通过（%d 处），未生成文件：\n", len(r.Problems))
		for _, p := range r.Problems {
			fmt.Fprintln(out, "  "+p)
		}
		return ErrChecksFailed
	}
	fmt.Fprintln(out, "\n校验通过：表二现行有效件数无负数；表三各列 一 + 二 = 三（七） + 四，各行总计等于各列之和，各项之和相符；表四各项总计相符；无负数。")
	for _, file := range []struct {
		name  string
		write func(io.Writer, annualreport.Tables) error
	}{{xlsx, annualreport.WriteXLSX}, {csvFile, annualreport.WriteCSV}} {
		if file.name == "" {
			continue
		}
		var buf bytes.Buffer
		if err := file.write(&buf, r.Tables); err != nil {
			return err
		}
		if err := os.WriteFile(file.name, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("annual report: %w", err)
		}
		fmt.Fprintf(out, "已写入 %s\n", file.name)
	}
	return nil
}

// writeFacts prints the figures the text of the report quotes.
func writeFacts(out io.Writer, f annualreport.Facts) {
	fmt.Fprintln(out, "\n正文所用数据：")
	platforms := ""
	for i, p := range f.ByPlatform {
		if i > 0 {
			platforms += "、"
		}
		platforms += fmt.Sprintf("%s %d 条", p.Platform, p.Forms)
	}
	if platforms != "" {
		platforms = "（" + platforms + "）"
	}
	fmt.Fprintf(out, "  主动公开审批单 %d 件已公开%s\n", f.FormsPublished, platforms)
	fmt.Fprintf(out, "  12345工单 收到 %d 件，年内办结 %d 件，其中按时办结 %d 件\n", f.Orders.Received, f.Orders.Answered, f.Orders.OnTime)
	fmt.Fprintf(out, "  政务公开专题工作会议 %d 次\n", len(f.Meetings))
	fmt.Fprintf(out, "  政府信息公开申请 新收 %d 件，上年结转 %d 件，办结 %d 件，结转下年度 %d 件\n",
		f.ApplicationsReceived, f.ApplicationsCarriedIn, f.ApplicationsClosed, f.ApplicationsCarriedOut)
}

const annualArgs = "figure|remedy|text ..."

const annualEntryDetail = `The office's entries for the annual report, each audited with who and why.

  zwgk annual figure --year Y --table 三 --column 自然人 --value N --by USERID --reason TEXT
      the office's own 二、上年结转 of a column of table 三, for a year zwgk only
      saw part of; it replaces the register's figure (--clear drops it again).
  zwgk annual figure --year Y --table 四 --row 行政复议 --column 结果维持 --value N --by USERID --reason TEXT
      a cell of table 四 (rows 行政复议, 未经复议直接起诉, 复议后起诉; columns
      结果维持, 结果纠正, 其他结果, 尚未审结): replaces the recorded cases' count.
  zwgk annual remedy --application 依申请〔2026〕5号 --kind 复议|直接起诉|复议后起诉 --filed YYYY-MM-DD
        [--result 维持|纠正|其他 --decided YYYY-MM-DD] --by USERID [--note TEXT]
      records a 行政复议 or 行政诉讼 about an application (table 四 counts it in
      the year it was filed).
  zwgk annual remedy --decide ID --result 维持|纠正|其他 --decided YYYY-MM-DD --by USERID
      records the result of a pending one.
  zwgk annual text --year Y --section 一|五|六 --file FILE --by USERID
      the office's text of section 一、总体情况, 五、存在的主要问题及改进情况 or
      六、其他需要报告的事项 (UTF-8; paragraphs separated by a blank line): it
      replaces zwgk's draft in the report; every version is kept.
  zwgk annual text --year Y --section 一|五|六 --clear --by USERID
      back to zwgk's draft (the office's versions stay in the record).
--by is recorded as given. Needs DATABASE_URL only.`

// cmdAnnual: zwgk annual figure|remedy ...
func cmdAnnual(ctx context.Context, e *env, args []string) error {
	if len(args) < 1 || args[0] != "figure" && args[0] != "remedy" && args[0] != "text" {
		return errors.New("usage: zwgk annual figure|remedy|text ... (see 'zwgk help annual')")
	}
	db, err := openDB(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "figure":
		return annualFigure(ctx, db, args[1:], time.Now(), e)
	case "text":
		return annualText(ctx, db, args[1:], time.Now(), e)
	}
	return annualRemedy(ctx, db, args[1:], time.Now(), e)
}

func annualFigure(ctx context.Context, db *storage.DB, args []string, now time.Time, e *env) error {
	fs := flag.NewFlagSet("annual figure", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	year := fs.Int("year", 0, "the report year")
	table := fs.String("table", "三", "三 (上年结转) or 四")
	row := fs.String("row", "", "table 四: 行政复议, 未经复议直接起诉 or 复议后起诉")
	column := fs.String("column", "", "table 三: the applicant type; table 四: the result")
	value := fs.Int("value", -1, "the figure")
	by := fs.String("by", "", "userid of the office member entering it")
	reason := fs.String("reason", "", "why the register's figure does not do")
	clear := fs.Bool("clear", false, "drop the figure: the register's counts again")
	if err := fs.Parse(args); err != nil {
		return ErrUsage
	}
	f := storage.AnnualFigure{Year: *year, Value: *value, EnteredBy: strings.TrimSpace(*by), Reason: strings.TrimSpace(*reason), EnteredAt: now}
	switch strings.TrimPrefix(*table, "表") {
	case "三", "3", storage.AnnualTable3:
		t, err := workflow.ParseApplicantType(*column)
		if err != nil {
			return err
		}
		f.Table, f.Row, f.Column = storage.AnnualTable3, "carried_in", string(t)
	case "四", "4", storage.AnnualTable4:
		kind, err := workflow.ParseReviewKind(*row)
		if err != nil {
			return err
		}
		result, err := workflow.ParseReviewResult(*column)
		if err != nil || *column == "" {
			return errors.New("--column: 结果维持、结果纠正、其他结果 或 尚未审结")
		}
		f.Table, f.Row, f.Column = storage.AnnualTable4, kind, result
	default:
		return errors.New("--table: 三 or 四")
	}
	if *year < 2008 || f.EnteredBy == "" || f.Reason == "" || !*clear && f.Value < 0 {
		return errors.New("--year, --by, --reason and (without --clear) --value >= 0 are required")
	}
	err := db.WithTx(ctx, func(tx *storage.Tx) error {
		if *clear {
			return storage.ClearAnnualFigure(ctx, tx, f)
		}
		return storage.SetAnnualFigure(ctx, tx, f)
	})
	if err != nil {
		return err
	}
	if *clear {
		fmt.Fprintf(e.stdout, "%d年 %s 的填报数已删除，恢复按登记簿统计。\n", f.Year, f.Cell())
	} else {
		fmt.Fprintf(e.stdout, "%d年 %s = %d 已记录。\n", f.Year, f.Cell(), f.Value)
	}
	return nil
}

func annualRemedy(ctx context.Context, db *storage.DB, args []string, now time.Time, e *env) error {
	fs := flag.NewFlagSet("annual remedy", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	number := fs.String("application", "", "the application's number, e.g. 依申请〔2026〕5号")
	kindS := fs.String("kind", "", "复议, 直接起诉 or 复议后起诉")
	filedS := fs.String("filed", "", "the day the 复议 was applied for or the suit filed (YYYY-MM-DD)")
	resultS := fs.String("result", "", "维持, 纠正 or 其他; empty: 尚未审结")
	decidedS := fs.String("decided", "", "the day of the decision or judgment (YYYY-MM-DD), with --result")
	decide := fs.Int64("decide", 0, "record the result of this pending case (its id)")
	by := fs.String("by", "", "userid of the office member recording it")
	note := fs.String("note", "", "case number, court or 复议机关, anything else")
	if err := fs.Parse(args); err != nil {
		return ErrUsage
	}
	loc := app.BusinessLocation()
	actor := strings.TrimSpace(*by)
	if actor == "" {
		return errors.New("--by: required")
	}
	result, err := workflow.ParseReviewResult(*resultS)
	if err != nil {
		return err
	}
	var decided sql.NullTime
	if *decidedS != "" {
		d, err := time.ParseInLocation(time.DateOnly, *decidedS, loc)
		if err != nil {
			return errors.New("--decided: YYYY-MM-DD")
		}
		decided = sql.NullTime{Time: d, Valid: true}
	}
	if decided.Valid != (result != workflow.ResultPending) {
		return errors.New("--result and --decided go together (neither: 尚未审结)")
	}
	if *decide != 0 {
		if !decided.Valid {
			return errors.New("--decide needs --result and --decided")
		}
		return db.WithTx(ctx, func(tx *storage.Tx) error {
			var appID int64
			if err := tx.GetContext(ctx, &appID, `SELECT application_id FROM application_remedies WHERE id = $1`, *decide); err != nil {
				return fmt.Errorf("remedy %d: %w", *decide, err)
			}
			a, err := storage.ApplicationByID(ctx, tx, appID)
			if err != nil {
				return err
			}
			if err := storage.DecideRemedy(ctx, tx, *decide, result, decided.Time, actor, a.Number(), now); err != nil {
				if errors.Is(err, storage.ErrStale) {
					return fmt.Errorf("remedy %d of %s was decided already", *decide, a.Number())
				}
				return err
			}
			fmt.Fprintf(e.stdout, "%s 的复议/诉讼（编号 %d）结果已记录：%s。\n", a.Number(), *decide, workflow.ReviewResultLabel(result))
			return nil
		})
	}
	y, seq, ok := workflow.ParseApplicationNumber(*number)
	if !ok {
		return errors.New("--application: the application's number, e.g. 依申请〔2026〕5号")
	}
	kind, err := workflow.ParseReviewKind(*kindS)
	if err != nil {
		return err
	}
	filed, err := time.ParseInLocation(time.DateOnly, *filedS, loc)
	if err != nil {
		return errors.New("--filed: YYYY-MM-DD")
	}
	if decided.Valid && decided.Time.Before(filed) {
		return errors.New("--decided is before --filed")
	}
	return db.WithTx(ctx, func(tx *storage.Tx) error {
		a, err := storage.ApplicationBySerial(ctx, tx, y, seq)
		if errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("%s is not in the register", storage.ApplicationNumber(y, seq))
		}
		if err != nil {
			return err
		}
		r := &storage.Remedy{ApplicationID: a.ID, Kind: kind, FiledD: filed, Result: result, DecidedD: decided, Note: *note, RecordedBy: actor}
		if err := storage.InsertRemedy(ctx, tx, r, a.Number(), now); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s：%s已记录（编号 %s，%s）。\n", a.Number(), workflow.ReviewKindLabel(kind), strconv.FormatInt(r.ID, 10), workflow.ReviewResultLabel(result))
		return nil
	})
}

// annualText: zwgk annual text --year Y --section 一 --file F --by U
// [--clear].
func annualText(ctx context.Context, db *storage.DB, args []string, now time.Time, e *env) error {
	fs := flag.NewFlagSet("annual text", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	year := fs.Int("year", 0, "the report year")
	section := fs.String("section", "", "一, 五 or 六")
	file := fs.String("file", "", "the section's text, UTF-8")
	by := fs.String("by", "", "userid of the office member")
	clear := fs.Bool("clear", false, "back to zwgk's draft")
	if err := fs.Parse(args); err != nil {
		return ErrUsage
	}
	actor := strings.TrimSpace(*by)
	sec := strings.TrimSuffix(strings.TrimSpace(*section), "、")
	title := annualreport.SectionTitle(sec)
	switch {
	case *year < 2008 || *year > 9998 || fs.NArg() > 0:
		return errors.New("--year: the report year, e.g. 2026")
	case sec != "一" && sec != "五" && sec != "六":
		return errors.New("--section: 一, 五 or 六 (二, 三 and 四 are the tables)")
	case actor == "":
		return errors.New("--by: required")
	case *clear == (*file != ""):
		return errors.New("either --file FILE or --clear")
	}
	var body string
	if !*clear {
		raw, err := os.ReadFile(*file)
		if err != nil {
			return fmt.Errorf("--file: %w", err)
		}
		body = storage.NormalizeAnnualText(string(raw))
		if p := annualreport.TextProblem(body); p != "" {
			return fmt.Errorf("--file %s: %s", *file, p)
		}
	}
	var changed bool
	err := db.WithTx(ctx, func(tx *storage.Tx) error {
		var err error
		if *clear {
			changed, err = storage.ClearAnnualText(ctx, tx, *year, sec, actor, now)
		} else {
			changed, err = storage.SetAnnualText(ctx, tx, *year, sec, body, actor, now)
		}
		return err
	})
	if err != nil {
		return err
	}
	switch {
	case *clear && changed:
		fmt.Fprintf(e.stdout, "%d年度报告 %s 已恢复为系统生成的草稿（此前的文本仍保留在记录中）。\n", *year, title)
	case *clear:
		fmt.Fprintf(e.stdout, "%d年度报告 %s 本就是系统生成的草稿，未作改动。\n", *year, title)
	case changed:
		fmt.Fprintf(e.stdout, "%d年度报告 %s 已保存（%d字），报告中以此文本替代草稿。\n", *year, title, utf8.RuneCountInString(body))
	default:
		fmt.Fprintf(e.stdout, "%d年度报告 %s 与已保存的文本相同，未重复保存。\n", *year, title)
	}
	return nil
}
