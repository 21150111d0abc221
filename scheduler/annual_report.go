package scheduler

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zwgk-bot/zwgk/annualreport"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
)

// The 年度报告 reminder window: from 2 January until the report is marked
// done, but not past the end of March. By then the county government's own
// report (due 31 March) has been compiled, and a reminder about January's
// duty would only be noise in a system installed later in the year.
const (
	reportFirstDay  = 2          // January
	reportLastMonth = time.March // reminders end with March
)

// annualReportJob: the office is reminded weekly that last year's
// 政府信息公开工作年度报告 is due on 31 January (条例 Art. 49), until one
// of them sends 「年度报告 YYYY 已发布」. The job checks daily and sends on the
// first working day of each ISO week.
func (s *Scheduler) annualReportJob() Job {
	return Job{
		Name:     "annual_report",
		Summary:  "年度报告：1月2日起每周提醒办公室1月31日前报送上一年度报告，直至登记「年度报告 已发布」",
		Schedule: "45 9 * * *",
		MaxAge:   8 * time.Hour,
		Run:      s.annualReport,
	}
}

// ReportYear is the year whose 年度报告 is due in the year of now.
func ReportYear(now time.Time) int { return now.Year() - 1 }

func (s *Scheduler) annualReport(ctx context.Context, t *Tick) error {
	y := t.Now.Year()
	first := time.Date(y, time.January, reportFirstDay, 0, 0, 0, 0, s.loc)
	end := time.Date(y, reportLastMonth+1, 1, 0, 0, 0, 0, s.loc)
	if t.Now.Before(first) || !t.Now.Before(end) {
		return nil
	}
	report := ReportYear(t.Now)
	_, err := storage.GetAnnualReport(ctx, t.Tx, report)
	if err == nil {
		return nil // done
	}
	if !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	office := s.withRole(config.RoleOffice)
	fresh, err := t.Claim(ctx, fmt.Sprintf("report:%d", report), t.Week(), office)
	if err != nil || !fresh {
		return err
	}
	due := time.Date(y, time.January, 31, 23, 59, 59, 0, s.loc)
	var text string
	if !t.Now.After(due) {
		left := int(due.Sub(t.Now).Hours() / 24)
		text = fmt.Sprintf("【年度报告提醒】%d年度政府信息公开工作年度报告应于%d年1月31日前报送本级政府信息公开工作主管部门并向社会公开（条例第四十九条），距截止还有%d天。",
			report, y, left)
	} else {
		text = fmt.Sprintf("【年度报告提醒】%d年度政府信息公开工作年度报告的报送时限（%d年1月31日）已过，尚未登记完成，请尽快报送并向社会公开（条例第四十九条）。",
			report, y)
	}
	problems, err := annualreport.Problems(ctx, t.Tx, report, s.loc)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		text += fmt.Sprintf("目前报告数据有%d项校验未通过，请核对。", len(problems))
	}
	if s.report != nil {
		text += "报告草稿（可打印）：" + s.report(report, t.Now) + "。"
	}
	text += fmt.Sprintf("发送「年度报告 %d」可查看报告数据和校验结果；发布后请发送「年度报告 %d 已发布」，本提醒即停止。", report, report)
	for _, to := range office {
		if err := t.Text(ctx, to, text); err != nil {
			return err
		}
	}
	return nil
}
