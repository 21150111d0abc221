package annualreport

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// FirstYear is the first year with a report in this format: the 条例 as
// revised in 2019 (国办公开办函〔2019〕60号, then 〔2021〕30号). The chat,
// the desk and the printable page take the same years.
const FirstYear = 2019

// Report is one year's 政府信息公开工作年度报告 as zwgk knows it: the three
// tables, the office's own entries in them, the figures the text sections
// quote, and one list of what the checks found. Everything that shows the
// report (zwgk report annual, the printable page, the chat's 「年度报告
// 2026」) reads this one model, made by Build, so they cannot disagree.
type Report struct {
	Year int
	Tables
	// RegisterCarriedIn is table 三's 二、上年结转 as the register counts it,
	// before the office's figures replaced any column.
	RegisterCarriedIn workflow.Table3Row
	// Figures are the office's cells of tables 三 and 四 (they replace
	// the register's); Entries its entries for table 二, oldest first,
	// replaced ones included (the latest of a cell counts).
	Figures []storage.AnnualFigure
	Entries []storage.ActiveEntry
	Facts   Facts
	// Sections are the six sections in order: 一, 五 and 六 with their
	// text (the office's, or zwgk's draft), 二, 三 and 四 the tables.
	Sections []Section
	// Problems are the checks' findings, tables 二, 三 and 四 together, each
	// naming its cells in the table's words; empty when the year balances.
	Problems []string
}

// Facts are the year's figures zwgk knows for the text of the report.
type Facts struct {
	// FormsPublished counts the 主动公开 审批单 that finished publishing in
	// the year; ByPlatform the same forms per platform (a form on two
	// platforms counts on each), most used first.
	FormsPublished int
	ByPlatform     []storage.PlatformCount
	// Orders are the 12345 work orders received in the year, answered by
	// its end and answered on time.
	Orders storage.OrderYear
	// Meetings are the 政务公开专题工作会议 recorded for the year.
	Meetings []storage.Meeting
	// The applications of table 三: received in the year (一), carried in
	// (二), closed in it (三（七）) and carried into the next (四), 总计
	// column.
	ApplicationsReceived, ApplicationsCarriedIn, ApplicationsClosed, ApplicationsCarriedOut int
}

// OK reports whether every check held.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// Build assembles year's report from the records: tables 二 (the 主动公开
// 审批单 and the office's entries), 三 and 四 (the register, its 复议 and
// 诉讼 and the office's figures), the facts for the text, the sections
// (the office's texts, else zwgk's drafts) and the checks.
// loc is the bureau's zone (chat.Bot.Location), where its years begin. q
// may be a pool or a transaction; Build only reads.
func Build(ctx context.Context, q sqlx.QueryerContext, year int, loc *time.Location) (*Report, error) {
	at, err := storage.AnnualReportTables(ctx, q, year)
	if err != nil {
		return nil, err
	}
	t2, err := storage.ActiveDisclosureFigures(ctx, q, year, loc)
	if err != nil {
		return nil, err
	}
	r := &Report{Year: year, Tables: Tables{T2: t2, T3: at.T3, T4: at.T4}, RegisterCarriedIn: at.RegisterCarriedIn, Figures: at.Figures}
	if r.Entries, err = storage.ActiveEntries(ctx, q, year); err != nil {
		return nil, err
	}
	f := &r.Facts
	for _, n := range t2.Forms {
		f.FormsPublished += n
	}
	if f.ByPlatform, err = storage.ActivePublicationsByPlatform(ctx, q, year, loc); err != nil {
		return nil, err
	}
	if f.Orders, err = storage.OrdersOfYear(ctx, q, year, loc); err != nil {
		return nil, err
	}
	if f.Meetings, err = storage.MeetingsIn(ctx, q, year); err != nil {
		return nil, err
	}
	f.ApplicationsReceived, f.ApplicationsCarriedIn = at.T3.New[workflow.Table3Total], at.T3.CarriedIn[workflow.Table3Total]
	f.ApplicationsClosed, f.ApplicationsCarriedOut = at.T3.Results[workflow.Table3Total], at.T3.CarriedOut[workflow.Table3Total]
	texts, err := storage.AnnualTexts(ctx, q, year)
	if err != nil {
		return nil, err
	}
	r.sections(texts)
	r.Problems = Check(r.Tables)
	return r, nil
}

// Check is every check of the three tables in one list: table 二's (no
// 现行有效件数 below zero), then workflow.CheckTables' of 三 and 四. Each
// problem begins with its table (表二, 表三, 表四) and names its cells.
func Check(t Tables) []string {
	var out []string
	for _, p := range t.T2.Problems() {
		out = append(out, "表二 "+p)
	}
	return append(out, workflow.CheckTables(t.T3, t.T4).Problems...)
}

// Problems is what the checks of year's report find (Build's Problems):
// for marking the report 已发布, which the checks must allow first.
func Problems(ctx context.Context, q sqlx.QueryerContext, year int, loc *time.Location) ([]string, error) {
	r, err := Build(ctx, q, year, loc)
	if err != nil {
		return nil, err
	}
	return r.Problems, nil
}
