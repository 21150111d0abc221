package desk

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/webauth"
	"github.com/zwgk-bot/zwgk/workflow"
)

// Paths of 统计.
const (
	StatsPath  = "/desk/stats"             // the page: charts, each with its table
	ExportPath = "/desk/stats/export.xlsx" // the same tables as a workbook
)

// firstYear is the earliest year 统计 offers: 申请统计's too.
const firstYear = 2019

// Periods of 统计, the period parameter's values.
const (
	periodThisMonth = "this-month"
	periodMonth     = "month"
	periodYear      = "year"
	periodRange     = "range"
)

// period is the span 统计 counts: the days first to last, both included,
// in the bureau's zone, with the inputs as the form shows them.
type period struct {
	Kind                  string
	Month, Year, From, To string
	first, last           time.Time
}

// bounds are the period's moments: [from, to).
func (p period) bounds() (time.Time, time.Time) { return p.first, p.last.AddDate(0, 0, 1) }

// unit is the step of 受理量's line: a day within one month, else a month.
func (p period) unit() string {
	if p.first.Year() == p.last.Year() && p.first.Month() == p.last.Month() {
		return "day"
	}
	return "month"
}

// parsePeriod reads 统计's query: no period is this month. A bad field is
// named (field, fix); only the fields the period uses are read.
func (d *Desk) parsePeriod(q url.Values) (p period, field, fix string) {
	now := d.Now().In(d.Location)
	thisMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, d.Location)
	p = period{Kind: strings.TrimSpace(q.Get("period")), Month: strings.TrimSpace(q.Get("month")), Year: strings.TrimSpace(q.Get("year")),
		From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to"))}
	if p.Kind == "" {
		p.Kind = periodThisMonth
	}
	switch p.Kind {
	case periodThisMonth:
		p.first = thisMonth
		p.last = thisMonth.AddDate(0, 1, -1)
	case periodMonth:
		m, err := time.ParseInLocation("2006-01", p.Month, d.Location)
		if err != nil {
			var y, mm int
			if n, _ := fmt.Sscanf(p.Month, "%4d-%d", &y, &mm); n == 2 && (mm < 1 || mm > 12) {
				return p, "月份", fmt.Sprintf("%d年%d月不存在，请核对。", y, mm)
			}
			return p, "月份", "应为年月，如 " + now.Format("2006-01") + "。"
		}
		if m.Year() < firstYear || m.After(thisMonth) {
			return p, "月份", fmt.Sprintf("应在%d年1月至%d年%d月之间。", firstYear, now.Year(), int(now.Month()))
		}
		p.first, p.last = m, m.AddDate(0, 1, -1)
	case periodYear:
		y, err := strconv.Atoi(strings.TrimSuffix(p.Year, "年"))
		if err != nil || y < firstYear || y > now.Year() {
			return p, "年份", fmt.Sprintf("应为%d至%d之间的年份，如 %d。", firstYear, now.Year(), now.Year())
		}
		p.first = time.Date(y, 1, 1, 0, 0, 0, 0, d.Location)
		p.last = p.first.AddDate(1, 0, -1)
	case periodRange:
		var fix string
		if p.first, fix = d.rangeDay(p.From, thisMonth, false); fix != "" {
			return p, "起始日期", fix
		}
		// The end may be still to come, as 本月's and 某年's are: the
		// figures run to today, and the tables say so.
		if p.last, fix = d.rangeDay(p.To, now, true); fix != "" {
			return p, "截止日期", fix
		}
		if p.first.After(p.last) {
			return p, "日期范围", "截止日期" + workflow.FormatDate(p.last, d.Location) + "早于起始日期" + workflow.FormatDate(p.first, d.Location) + "，请调换。"
		}
		// At most a year, as 某年 is: longer is most likely a slip of the
		// year, and several years are read year by year.
		if p.last.After(p.first.AddDate(1, 0, -1)) {
			return p, "日期范围", fmt.Sprintf("%s至%s超过一年。日期范围最长一年，请缩短，或按年份统计。",
				workflow.FormatDate(p.first, d.Location), workflow.FormatDate(p.last, d.Location))
		}
		// The inputs and the export's link show the days as read.
		p.From, p.To = p.first.Format(time.DateOnly), p.last.Format(time.DateOnly)
	default:
		return p, "统计期间", "应为本月、某月、某年或日期范围之一。"
	}
	// The inputs show the period chosen, and sensible values for the rest.
	if p.Kind != periodMonth {
		p.Month = thisMonth.Format("2006-01")
		if p.Kind == periodThisMonth {
			p.Month = p.first.Format("2006-01")
		}
	}
	if p.Kind != periodYear {
		p.Year = strconv.Itoa(now.Year())
	}
	if p.Kind != periodRange {
		p.From, p.To = p.first.Format(time.DateOnly), p.last.Format(time.DateOnly)
	}
	return p, "", ""
}

// rangeDay reads a day of 统计's date range: what is wrong with it, with
// its year, else the day. example is the day the refusal offers; ahead
// allows a day after today.
func (d *Desk) rangeDay(s string, example time.Time, ahead bool) (time.Time, string) {
	now := d.Now()
	t, err := workflow.ParseDate(s, now, d.Location, workflow.DatePast)
	switch {
	case errors.Is(err, workflow.ErrDateFuture) && ahead:
		return t, ""
	case errors.Is(err, workflow.ErrDateFuture):
		return t, workflow.FormatDate(t, d.Location) + "晚于今天（" + workflow.FormatDate(now, d.Location) + "），尚无数据，请改为今天或以前的日期。"
	case err != nil:
		return t, workflow.DateRefusal(err, "应为日期，如 "+example.Format(time.DateOnly)+"。")
	case t.Year() < firstYear:
		return t, fmt.Sprintf("%s早于%d年，统计自%d年1月1日起。", workflow.FormatDate(t, d.Location), firstYear, firstYear)
	}
	return t, ""
}

// query is the period as 统计's query string, for the export's link.
func (p period) query() string {
	q := url.Values{"period": {p.Kind}}
	switch p.Kind {
	case periodMonth:
		q.Set("month", p.Month)
	case periodYear:
		q.Set("year", p.Year)
	case periodRange:
		q.Set("from", p.From)
		q.Set("to", p.To)
	}
	return q.Encode()
}

// words is the period in words, each date with its year.
func (d *Desk) words(p period) string {
	span := workflow.FormatDate(p.first, d.Location) + "至" + workflow.FormatDate(p.last, d.Location)
	switch p.Kind {
	case periodThisMonth:
		return fmt.Sprintf("本月（%s）", span)
	case periodMonth:
		return fmt.Sprintf("%d年%d月（%s）", p.first.Year(), int(p.first.Month()), span)
	case periodYear:
		return fmt.Sprintf("%d年（%s）", p.first.Year(), span)
	}
	return span
}

// cell is one cell of a statistics table: Text as the page shows it, and
// Value as the workbook stores it (int, float64 hours, a rate, or nil for
// a text cell).
type cell struct {
	Text  string
	Value any
}

// rate is a share, a percentage on the page and in the workbook; it has
// none when nothing was counted.
type rate struct{ Part, Total int }

func (r rate) ok() bool       { return r.Total > 0 }
func (r rate) share() float64 { return float64(r.Part) / float64(r.Total) }
func (r rate) percent() *float64 { // for the charts: one decimal, null for none
	if !r.ok() {
		return nil
	}
	v := math.Round(r.share()*1000) / 10
	return &v
}

func textCell(s string) cell { return cell{Text: s} }
func numCell(n int) cell     { return cell{Text: strconv.Itoa(n), Value: n} }
func rateCell(part, total int) cell {
	return cell{Text: workflow.Rate(part, total), Value: rate{part, total}}
}
func hoursCell(d time.Duration) cell {
	h := math.Round(d.Hours()*10) / 10
	return cell{Text: strconv.FormatFloat(h, 'f', 1, 64), Value: h}
}

// table is one of 统计's tables: what the page shows under its chart, what
// prints, and one sheet of the workbook.
type table struct {
	ID      string // the table's element id, and its chart's
	Title   string
	Sheet   string // the workbook's sheet name (at most 31 characters)
	Note    string
	Columns []string
	Rows    [][]cell
	Chart   *chart // nil: no chart (a summary, or nothing to draw)
}

// chart is what static/stats.js draws: a bar, line or pie chart of the
// table's figures.
type chart struct {
	ID     string   `json:"id"`
	Kind   string   `json:"kind"` // bar, line, pie
	X      []string `json:"x"`
	Series []series `json:"series"`
	Unit   string   `json:"unit"`          // after each value: %, 件, 小时
	Max    *float64 `json:"max,omitempty"` // the value axis's top (100 for rates)
	Label  string   `json:"label"`         // the chart in words, for its container
}

type series struct {
	Name string     `json:"name"`
	Data []*float64 `json:"data"`
}

func num(n int) *float64 { v := float64(n); return &v }
func hours(d time.Duration) *float64 {
	h := math.Round(d.Hours()*10) / 10
	return &h
}

// chartData is the page's JSON block for static/stats.js.
type chartData struct {
	Charts []chart `json:"charts"`
}

// section is a part of the page: the 12345 orders, the 审批单, the
// applications.
type section struct {
	ID, Title string
	Tables    []table
}

// statsBody is 统计's page.
type statsBody struct {
	Period     period
	Periods    []option
	Words      string
	AsOf       string
	Sections   []section
	ChartData  chartData
	ExportLink string
	ThisYear   int
	MaxMonth   string
	EChartsURL string
	ScriptURL  string
}

// figures reads the period's figures from the registers, as the chat's
// 统计 and 申请统计 and the 年度报告 count them, and lays them out as the
// page's sections.
func (d *Desk) figures(ctx context.Context, p period) ([]section, error) {
	from, to := p.bounds()
	now := d.Now()
	var total []storage.OrderStat
	groups := map[string][]storage.OrderStat{}
	for _, by := range []string{"", "section", "category"} {
		rows, err := storage.OrderStats(ctx, d.DB, from, to, now, by)
		if err != nil {
			return nil, err
		}
		if by == "" {
			total = rows
		}
		groups[by] = rows
	}
	if len(total) == 0 {
		total = []storage.OrderStat{{}}
	}
	steps, err := storage.OrderCounts(ctx, d.DB, from, to, p.unit(), d.Location)
	if err != nil {
		return nil, err
	}
	formsDone, platforms, err := storage.PublishedForms(ctx, d.DB, from, to, "")
	if err != nil {
		return nil, err
	}
	stages, err := storage.FormStageTimes(ctx, d.DB, from, to)
	if err != nil {
		return nil, err
	}
	apps, err := storage.ApplicationStatsBetween(ctx, d.DB, p.first, p.last, storage.Day(now, d.Location))
	if err != nil {
		return nil, err
	}

	t := total[0]
	orders := section{ID: "orders", Title: "12345政务服务便民热线工单"}
	orders.Tables = append(orders.Tables, table{ID: "orders-total", Title: "工单总体情况", Sheet: "12345工单总体情况",
		Note:    "按受理日期统计；处理率＝已答复÷受理，按时率＝按期答复÷受理，与对话中「统计」的口径相同。",
		Columns: []string{"项目", "受理（件）", "已答复（件）", "按期答复（件）", "超期（件）", "在办（件）", "处理率", "按时率"},
		Rows: [][]cell{{textCell("合计"), numCell(t.Received), numCell(t.Answered), numCell(t.OnTime), numCell(t.Overdue), numCell(t.Open),
			rateCell(t.Answered, t.Received), rateCell(t.OnTime, t.Received)}}})
	for _, g := range []struct{ by, id, name, title string }{
		{"section", "orders-section", "股室", "按股室的处理率和按时率"}, {"category", "orders-category", "类别", "按类别的处理率和按时率"},
	} {
		tb := table{ID: g.id, Title: g.title, Sheet: "12345工单按" + g.name,
			Columns: []string{g.name, "受理（件）", "已答复（件）", "按期答复（件）", "超期（件）", "处理率", "按时率"}}
		c := chart{ID: "chart-" + g.id, Kind: "bar", Unit: "%", Max: num(100), Label: "12345工单" + g.title + "柱状图",
			Series: []series{{Name: "处理率"}, {Name: "按时率"}}}
		for _, r := range groups[g.by] {
			name := r.Group
			if name == "" {
				name = "（未分办）"
			}
			tb.Rows = append(tb.Rows, []cell{textCell(name), numCell(r.Received), numCell(r.Answered), numCell(r.OnTime), numCell(r.Overdue),
				rateCell(r.Answered, r.Received), rateCell(r.OnTime, r.Received)})
			c.X = append(c.X, name)
			c.Series[0].Data = append(c.Series[0].Data, rate{r.Answered, r.Received}.percent())
			c.Series[1].Data = append(c.Series[1].Data, rate{r.OnTime, r.Received}.percent())
		}
		if len(c.X) > 0 {
			tb.Chart = &c
		}
		orders.Tables = append(orders.Tables, tb)
	}
	orders.Tables = append(orders.Tables, d.stepsTable(p, steps))

	forms := section{ID: "forms", Title: "信息公开审批单"}
	pt := table{ID: "forms-platform", Title: "各平台发布的审批单", Sheet: "审批单按发布平台",
		Note:    fmt.Sprintf("本期间发布完成的审批单共%d件（主动公开和依申请公开均计入），一件在几个平台发布的，每个平台各计一件。", formsDone),
		Columns: []string{"发布平台", "审批单（件）"}}
	pc := chart{ID: "chart-forms-platform", Kind: "bar", Unit: "件", Label: "各平台发布的审批单柱状图", Series: []series{{Name: "审批单"}}}
	for _, r := range platforms {
		pt.Rows = append(pt.Rows, []cell{textCell(r.Platform), numCell(r.Forms)})
		pc.X = append(pc.X, r.Platform)
		pc.Series[0].Data = append(pc.Series[0].Data, num(r.Forms))
	}
	if len(pc.X) > 0 {
		pt.Chart = &pc
	}
	st := table{ID: "forms-stages", Title: "各审批环节用时", Sheet: "审批环节用时",
		Note:    "按环节办结（同意、驳回或全部平台发布）的时间统计，用时为自然时间：从送达该环节（提交或上一环节办结）到办结；本人即审批人而自动跳过的环节不计。",
		Columns: []string{"审批环节", "办结（件次）", "平均用时（小时）", "最长用时（小时）"}}
	sc := chart{ID: "chart-forms-stages", Kind: "bar", Unit: "小时", Label: "各审批环节平均和最长用时柱状图",
		Series: []series{{Name: "平均用时"}, {Name: "最长用时"}}}
	for _, r := range stages {
		label := workflow.Stage(r.Stage).Label()
		st.Rows = append(st.Rows, []cell{textCell(label), numCell(r.Count), hoursCell(r.Average), hoursCell(r.Longest)})
		sc.X = append(sc.X, label)
		sc.Series[0].Data = append(sc.Series[0].Data, hours(r.Average))
		sc.Series[1].Data = append(sc.Series[1].Data, hours(r.Longest))
	}
	if len(sc.X) > 0 {
		st.Chart = &sc
	}
	forms.Tables = append(forms.Tables, pt, st)

	applications := section{ID: "applications", Title: "政府信息公开申请"}
	applications.Tables = append(applications.Tables, table{ID: "applications-total", Title: "申请总体情况", Sheet: "申请总体情况",
		Note:    "按收到申请的日期统计；按期答复率＝按期答复÷已办结，与对话中「申请统计」的口径相同。",
		Columns: []string{"项目", "收到（件）", "已办结（件）", "办理中（件）", "其中超期（件）", "按期答复（件）", "按期答复率"},
		Rows: [][]cell{{textCell("合计"), numCell(apps.Received), numCell(apps.Closed), numCell(apps.Open), numCell(apps.Overdue),
			numCell(apps.OnTime), rateCell(apps.OnTime, apps.Closed)}}})
	ot := table{ID: "applications-outcome", Title: "已办结申请的办理结果", Sheet: "申请办理结果",
		Note: "办理结果按年度报告表三的分类。", Columns: []string{"办理结果", "件数", "占比"}}
	oc := chart{ID: "chart-applications-outcome", Kind: "pie", Unit: "件", Label: "已办结申请的办理结果饼图", Series: []series{{Name: "办理结果"}}}
	for _, o := range workflow.Outcomes() {
		n := apps.ByOutcome[string(o)]
		ot.Rows = append(ot.Rows, []cell{textCell(o.Label()), numCell(n), rateCell(n, apps.Closed)})
		oc.X = append(oc.X, o.Label())
		oc.Series[0].Data = append(oc.Series[0].Data, num(n))
	}
	if apps.Closed > 0 {
		ot.Chart = &oc
	}
	applications.Tables = append(applications.Tables, ot)
	return []section{orders, forms, applications}, nil
}

// stepsTable is 受理量 per month (or per day within a month), every step
// of the period up to today shown, those without orders as 0; the days
// still to come are not listed, since a 0 there would read as a day
// without orders.
func (d *Desk) stepsTable(p period, steps []storage.OrderCount) table {
	unit, label := p.unit(), "月份"
	title := "每月受理量"
	if unit == "day" {
		label, title = "日期", "每日受理量"
	}
	tb := table{ID: "orders-steps", Title: title, Sheet: "12345工单" + title, Columns: []string{label, "受理（件）", "已答复（件）", "按期答复（件）"}}
	c := chart{ID: "chart-orders-steps", Kind: "line", Unit: "件", Label: "12345工单" + title + "折线图",
		Series: []series{{Name: "受理"}, {Name: "已答复"}}}
	at := map[string]storage.OrderCount{}
	for _, s := range steps {
		at[s.Start.Format(time.DateOnly)] = s
	}
	start := time.Date(p.first.Year(), p.first.Month(), 1, 0, 0, 0, 0, d.Location)
	if unit == "day" {
		start = p.first
	}
	last := p.last
	if today := storage.Day(d.Now().In(d.Location), d.Location); today.Before(last) {
		last = today
		tb.Note = "今天（" + workflow.FormatDate(today, d.Location) + "）以后的" + map[string]string{"day": "日期", "month": "月份"}[unit] + "尚未到来，不列出。"
	}
	for s := start; !s.After(last); {
		r := at[s.Format(time.DateOnly)]
		name := fmt.Sprintf("%d年%d月", s.Year(), int(s.Month()))
		if unit == "day" {
			name = workflow.FormatDate(s, d.Location)
		}
		tb.Rows = append(tb.Rows, []cell{textCell(name), numCell(r.Received), numCell(r.Answered), numCell(r.OnTime)})
		c.X = append(c.X, name)
		c.Series[0].Data = append(c.Series[0].Data, num(r.Received))
		c.Series[1].Data = append(c.Series[1].Data, num(r.Answered))
		if unit == "day" {
			s = s.AddDate(0, 0, 1)
		} else {
			s = s.AddDate(0, 1, 0)
		}
	}
	tb.Chart = &c
	return tb
}

// mayStats is 统计's rule, the chat's: the office, the leaders and the
// supervisor (orders' Overseer, who may send 统计 and 申请统计).
func (d *Desk) mayStats(w http.ResponseWriter, v *webauth.Visitor) bool {
	if d.Orders.Overseer(v.Person) {
		return true
	}
	webauth.Refuse(w, http.StatusForbidden, "无权查看", "统计仅向综合办公室、主要负责人和纪检监督人员提供。您的待办事项请见办公桌首页。")
	return false
}

// periodFigures is what 统计's page and its workbook both start with: the
// visitor may see the figures, the period asked for reads, and its
// figures; false when it has answered instead.
func (d *Desk) periodFigures(w http.ResponseWriter, r *http.Request, v *webauth.Visitor) (period, []section, bool) {
	if !d.mayStats(w, v) {
		return period{}, nil, false
	}
	p, field, fix := d.parsePeriod(r.URL.Query())
	if field != "" {
		// 统计's fields hang together (a month means nothing without its
		// period): the way back is this month's page.
		badField(w, field, fix, StatsPath, "返回统计（本月）")
		return p, nil, false
	}
	secs, err := d.figures(r.Context(), p)
	if err != nil {
		d.fail(w, r, "stats", err)
		return p, nil, false
	}
	return p, secs, true
}

// serveStats is 统计: the period's figures as charts, each with its table.
func (d *Desk) serveStats(w http.ResponseWriter, r *http.Request, v *webauth.Visitor) {
	p, secs, ok := d.periodFigures(w, r, v)
	if !ok {
		return
	}
	now := d.Now().In(d.Location)
	body := statsBody{Period: p, Words: d.words(p), AsOf: workflow.FormatDateTime(now, d.Location), Sections: secs,
		ExportLink: ExportPath + "?" + p.query(), ThisYear: now.Year(), MaxMonth: now.Format("2006-01"),
		EChartsURL: d.static.url(echartsFile), ScriptURL: d.static.url(statsScript)}
	for _, o := range []option{{periodThisMonth, "本月", false}, {periodMonth, "某月", false}, {periodYear, "某年", false}, {periodRange, "日期范围", false}} {
		o.Selected = o.Value == p.Kind
		body.Periods = append(body.Periods, o)
	}
	for _, s := range secs {
		for _, t := range s.Tables {
			if t.Chart != nil {
				body.ChartData.Charts = append(body.ChartData.Charts, *t.Chart)
			}
		}
	}
	d.Auth.RenderScripts(w, d.pages, http.StatusOK, "stats", v, "统计", body)
}
