package applications

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// The office records each 行政复议 and 行政诉讼 brought about an
// application, for table 四 of the 年度报告: 「复议 编号」 or 「诉讼 编号」
// asks what is missing and stores it on 确认; 「复议结果 编号」 records the
// result of one still pending. The API does the same (remedyapi.go).
const (
	kindRemedy       = "application_remedy"        // 复议 / 诉讼 编号
	kindRemedyResult = "application_remedy_result" // 复议结果 编号
)

// maxRemedyNote bounds the note (复议机关 or 法院, 案号), in characters.
const maxRemedyNote = 200

// openRemedy is a pending case offered to 复议结果.
type openRemedy struct {
	ID    int64  `json:"id"`
	Kind  string `json:"kind"`
	Filed string `json:"filed"`
}

// msgRemedyOffice refuses someone outside the office and names whom to
// tell.
func (b *Flow) msgRemedyOffice() string {
	return "行政复议、行政诉讼由综合办公室登记（计入政府信息公开工作年度报告）。如申请人提起了复议或诉讼，请告知" + b.OfficeNames() + "。"
}

// remedyApplication finds the application a 复议 / 诉讼 command names;
// nil once it has told the user what to fix.
func (b *Flow) remedyApplication(ctx context.Context, t *chat.Turn, word, arg string) (*storage.Application, error) {
	to := t.Person.UserID
	arg = strings.TrimSpace(arg)
	usage := "请发送「" + word + " 申请编号」，如：" + word + " 依申请〔2026〕5号。"
	if arg == "" {
		return nil, b.Text(ctx, t, to, usage)
	}
	year, seq, ok := ParseNumber(arg)
	if !ok {
		return nil, b.Text(ctx, t, to, "没有识别出申请编号「"+chat.Clip(arg, 30)+"」。"+usage)
	}
	a, err := storage.ApplicationBySerial(ctx, t.Tx, year, seq)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, b.Text(ctx, t, to, "没有找到 "+storage.ApplicationNumber(year, seq)+"，请核对编号。")
	}
	return a, err
}

// StartRemedy answers 「复议 编号」 (suit false) and 「诉讼 编号」 for the
// office: a short conversation for the case, then its summary.
func (b *Flow) StartRemedy(ctx context.Context, t *chat.Turn, suit bool, arg string) error {
	to := t.Person.UserID
	if !t.Person.Has(config.RoleOffice) {
		return b.Text(ctx, t, to, b.msgRemedyOffice())
	}
	word, remedy := "复议", workflow.Review
	if suit {
		word, remedy = "诉讼", "suit"
	}
	a, err := b.remedyApplication(ctx, t, word, arg)
	if a == nil || err != nil {
		return err
	}
	c := &convo{Kind: kindRemedy, AppID: a.ID, Since: storage.Day(a.ReceivedD, b.Location).Format(time.DateOnly), Remedy: remedy}
	if err := b.Text(ctx, t, to, fmt.Sprintf("登记 %s（%s）的%s，计入政府信息公开工作年度报告表四。随时发送「取消」放弃，「上一步」返回。",
		a.Number(), a.ApplicantName, workflow.RemedyName(remedy))); err != nil {
		return err
	}
	return b.StartWizard(ctx, t, b.remedySpec(c), &c.Wizard)
}

// The words of 复议结果: each names the cases it records the result of.
const (
	ResultOfReview = "复议结果"   // 行政复议 only
	ResultOfSuit   = "诉讼结果"   // 行政诉讼 only
	ResultOfEither = "复议诉讼结果" // both
)

// StartRemedyResult answers 「复议结果 编号」 (word ResultOfReview,
// ResultOfSuit or ResultOfEither): the result of a pending case of the kind
// the word names, chosen by its short number when there are several. The
// office's 「诉讼结果」 is about a 诉讼: offered the application's 复议
// instead, they would record a result on the wrong case.
func (b *Flow) StartRemedyResult(ctx context.Context, t *chat.Turn, word, arg string) error {
	to := t.Person.UserID
	if !t.Person.Has(config.RoleOffice) {
		return b.Text(ctx, t, to, b.msgRemedyOffice())
	}
	a, err := b.remedyApplication(ctx, t, word, arg)
	if a == nil || err != nil {
		return err
	}
	all, err := storage.Remedies(ctx, t.Tx, a.ID)
	if err != nil {
		return err
	}
	named := func(kind string) bool {
		switch word {
		case ResultOfReview:
			return kind == workflow.Review
		case ResultOfSuit:
			return kind != workflow.Review
		}
		return true
	}
	var rs, others []storage.Remedy
	for _, r := range all {
		if named(r.Kind) {
			rs = append(rs, r)
		} else {
			others = append(others, r)
		}
	}
	what := map[string]string{ResultOfReview: "行政复议", ResultOfSuit: "行政诉讼"}[word]
	c := &convo{Kind: kindRemedyResult, AppID: a.ID}
	for _, r := range rs {
		if !r.DecidedD.Valid {
			c.Pending = append(c.Pending, openRemedy{ID: r.ID, Kind: r.Kind, Filed: r.FiledD.Format(time.DateOnly)})
		}
	}
	switch {
	case len(all) == 0:
		return b.Text(ctx, t, to, fmt.Sprintf("%s 没有登记过行政复议或行政诉讼。如申请人提起了，请先发送「复议 %s」或「诉讼 %s」登记。", a.Number(), a.Number(), a.Number()))
	case len(rs) == 0:
		register, other := "复议", ResultOfSuit
		if word == ResultOfSuit {
			register, other = "诉讼", ResultOfReview
		}
		return b.Text(ctx, t, to, fmt.Sprintf("%s 没有登记过%s。如申请人提起了，请先发送「%s %s」登记。\n该申请登记的是：\n%s\n登记其结果请发送「%s %s」。",
			a.Number(), what, register, a.Number(), b.remediesLines(others), other, a.Number()))
	case len(c.Pending) == 0:
		if what == "" {
			what = "行政复议、行政诉讼"
		}
		return b.Text(ctx, t, to, a.Number()+" 的"+what+"均已登记结果：\n"+b.remediesLines(rs))
	}
	if what == "" {
		what = "复议或诉讼"
	}
	if err := b.Text(ctx, t, to, "登记 "+a.Number()+" 的"+what+"结果。随时发送「取消」放弃。"); err != nil {
		return err
	}
	return b.StartWizard(ctx, t, b.remedySpec(c), &c.Wizard)
}

// today is the turn's day in the bureau's zone.
func (b *Flow) today(now time.Time) time.Time { return storage.Day(now.In(b.Location), b.Location) }

// parseDay reads a stored YYYY-MM-DD (zero when it is none).
func (b *Flow) parseDay(v string) time.Time {
	d, _ := time.ParseInLocation(time.DateOnly, v, b.Location)
	return d
}

// typedDay reads a date typed in the chat and checks it with check, which
// sees the date and today.
func (b *Flow) typedDay(t *chat.Turn, s string, check func(d, today time.Time) error) (string, error) {
	d, err := workflow.ParseDate(s, t.Now, b.Location, workflow.DatePast)
	if err != nil && !errors.Is(err, workflow.ErrDateFuture) {
		return "", chat.Wrong(workflow.DateRefusal(err, "没有识别出日期，请回复「今天」「昨天」，或输入如 2026-12-01、12月1日。"))
	}
	if err := check(d, b.today(t.Now)); err != nil {
		return "", chat.Wrong(err.Error())
	}
	return d.Format(time.DateOnly), nil
}

// resultButtons are the results to choose from; pending adds 尚未审结.
func resultButtons(pending bool) func() []bot.CardButton {
	return func() []bot.CardButton {
		out := []bot.CardButton{{Text: "维持", Key: "r_0", Style: 2}, {Text: "纠正", Key: "r_1", Style: 2}, {Text: "其他", Key: "r_2", Style: 2}}
		if pending {
			out = append(out, bot.CardButton{Text: "尚未审结", Key: "r_3", Style: 2})
		}
		return out
	}
}

// remedySpec is the conversation of c: a new case, or a pending case's
// result.
func (b *Flow) remedySpec(c *convo) *chat.WizardSpec {
	spec := &chat.WizardSpec{
		Source: "依申请公开 · 复议诉讼", CardHint: "也可以直接回复文字",
		Save:      func(t *chat.Turn, _ *chat.Wizard) { b.Save(t, c.Kind, c) },
		SubmitKey: "rem_submit", EditKey: "rem_edit", CancelKey: "rem_cancel", SubmitText: "确认",
		Cancelled:   "已取消，未登记。",
		EditAll:     "请逐项修改：每一步发送「保留」即沿用已填内容。",
		ConfirmHint: "请点击「确认」「修改」或「取消」，也可以直接回复。",
		InProgress:  "请先完成当前的填写，或发送「取消」放弃。",
		Help:        "您正在登记行政复议或行政诉讼（年度报告表四）。请回答下面的问题；发送「取消」放弃，发送「上一步」返回。",
		Summary: func(ctx context.Context, t *chat.Turn, _ *chat.Wizard) (bot.TemplateCard, error) {
			return b.remedySummary(ctx, t, c)
		},
		Submit: func(ctx context.Context, t *chat.Turn, _ *chat.Wizard) error {
			return b.remedySubmit(ctx, t, c)
		},
	}
	kind := func() string {
		if c.Kind == kindRemedyResult {
			if p := c.pendingChosen(); p != nil {
				return p.Kind
			}
			return ""
		}
		return c.Vals["kind"]
	}
	decided := chat.Field{Key: "decided", Label: "审结日期",
		Ask: func(t *chat.Turn, _ *chat.Wizard) string {
			return "请输入" + workflow.RemedyDecidedLabel(kind()) + "（回复「今天」「昨天」，或如 " + b.today(t.Now).AddDate(0, 0, -1).Format(time.DateOnly) + "）。"
		},
		Check: func(t *chat.Turn, w *chat.Wizard, s string) (string, error) {
			filed := w.Vals["filed"]
			if p := c.pendingChosen(); c.Kind == kindRemedyResult && p != nil {
				filed = p.Filed
			}
			return b.typedDay(t, s, func(d, today time.Time) error {
				return workflow.CheckRemedyDecided(kind(), d, b.parseDay(filed), today, b.Location)
			})
		},
		Show: b.showDay,
		Echo: func(_ *chat.Turn, _, v string) string {
			return workflow.RemedyDecidedLabel(kind()) + "：" + b.showDay(v) + "。"
		},
	}
	if c.Kind == kindRemedyResult {
		spec.Help = "您正在登记复议或诉讼的结果（年度报告表四）。发送「取消」放弃，发送「上一步」返回。"
		spec.Fields = []chat.Field{
			{Key: "which", Label: "案件", Ask: func(*chat.Turn, *chat.Wizard) string {
				var sb strings.Builder
				fmt.Fprintf(&sb, "有%d件尚未审结，请回复序号：", len(c.Pending))
				for i, p := range c.Pending {
					fmt.Fprintf(&sb, "\n%d %s，%s提起", i+1, workflow.RemedyName(p.Kind), b.showDay(p.Filed))
				}
				return sb.String()
			}, Auto: func() (string, bool) {
				if len(c.Pending) == 1 {
					return "1", true
				}
				return "", false
			}, Check: func(_ *chat.Turn, _ *chat.Wizard, s string) (string, error) {
				n, err := strconv.Atoi(strings.TrimSpace(s))
				if err != nil || n < 1 || n > len(c.Pending) {
					return "", chat.Wrong(fmt.Sprintf("请回复 1 到 %d 的序号。", len(c.Pending)))
				}
				return strconv.Itoa(n), nil
			}, Show: func(v string) string {
				n, _ := strconv.Atoi(v)
				if n < 1 || n > len(c.Pending) {
					return v
				}
				return workflow.RemedyName(c.Pending[n-1].Kind) + "，" + b.showDay(c.Pending[n-1].Filed) + "提起"
			}},
			{Key: "result", Label: "结果", Ask: asking("请选择结果：维持、纠正或其他。"), Buttons: resultButtons(false),
				Check: func(_ *chat.Turn, _ *chat.Wizard, s string) (string, error) {
					r, err := workflow.ParseReviewResult(s)
					switch {
					case err != nil:
						return "", chat.Wrong("请选择维持、纠正或其他。")
					case r == workflow.ResultPending:
						return "", chat.Wrong("尚未审结的无需登记；审结后再发送「复议结果 编号」。请选择维持、纠正或其他，或发送「取消」。")
					}
					return r, nil
				}, Show: workflow.ReviewResultLabel},
			decided,
		}
		return spec
	}
	spec.Fields = []chat.Field{
		{Key: "kind", Label: "类别", Ask: asking("申请人是未经复议直接起诉，还是复议后起诉？"), Buttons: func() []bot.CardButton {
			return []bot.CardButton{{Text: "未经复议直接起诉", Key: "r_0", Style: 2}, {Text: "复议后起诉", Key: "r_1", Style: 2}}
		}, Auto: func() (string, bool) {
			if c.Remedy == workflow.Review {
				return workflow.Review, true
			}
			return "", false
		}, Check: func(_ *chat.Turn, _ *chat.Wizard, s string) (string, error) {
			k, err := workflow.ParseRemedyKind(s)
			if err != nil || k == workflow.Review {
				return "", chat.Wrong("请选择「未经复议直接起诉」或「复议后起诉」。登记行政复议请先发送「取消」，再发送「复议 编号」。")
			}
			return k, nil
		}, Show: workflow.ReviewKindLabel},
		{Key: "filed", Label: "提起日期", Show: b.showDay,
			Ask: func(t *chat.Turn, _ *chat.Wizard) string {
				what := "申请人申请行政复议的日期"
				if kind() != workflow.Review {
					what = "申请人向人民法院起诉的日期"
				}
				return "请输入" + what + "（回复「今天」「昨天」，或如 " + b.today(t.Now).AddDate(0, 0, -1).Format(time.DateOnly) + "）。"
			},
			Check: func(t *chat.Turn, _ *chat.Wizard, s string) (string, error) {
				return b.typedDay(t, s, func(d, today time.Time) error {
					return workflow.CheckRemedyFiled(kind(), d, b.parseDay(c.Since), today, b.Location)
				})
			},
			Echo: func(_ *chat.Turn, _, v string) string {
				return workflow.RemedyFiledLabel(kind()) + "：" + b.showDay(v) + "。"
			}},
		{Key: "note", Label: "复议机关/法院及案号", Optional: true,
			Ask: func(*chat.Turn, *chat.Wizard) string {
				if kind() == workflow.Review {
					return "请输入复议机关和案号，如「某区人民政府 某府复〔2026〕3号」（没有可回复「无」）。"
				}
				return "请输入人民法院和案号，如「某区人民法院 （2026）某0102行初5号」（没有可回复「无」）。"
			},
			Check: func(_ *chat.Turn, _ *chat.Wizard, s string) (string, error) {
				if s == "无" || s == "没有" {
					return "", nil
				}
				if b.IsCommand(s) {
					return "", chat.Wrong(msgCommandAsAnswer("复议机关（法院）和案号"))
				}
				return checkRemedyNote(s)
			}, Show: chat.OrDash},
		{Key: "result", Label: "结果", Ask: asking("结果是否已经知道？请选择维持、纠正、其他，尚未审结的选「尚未审结」。"), Buttons: resultButtons(true),
			Check: func(_ *chat.Turn, _ *chat.Wizard, s string) (string, error) {
				r, err := workflow.ParseReviewResult(s)
				if err != nil {
					return "", chat.Wrong("请选择维持、纠正、其他或尚未审结。")
				}
				return r, nil
			}, Show: workflow.ReviewResultLabel},
		decided,
	}
	spec.Fields[4].Auto = func() (string, bool) {
		r := c.Vals["result"]
		return "", r == "" || r == workflow.ResultPending
	}
	return spec
}

// checkRemedyNote checks the note as the API does.
func checkRemedyNote(s string) (string, error) {
	v, err := workflow.CheckChars("复议机关（法院）和案号", strings.TrimSpace(s))
	if err != nil {
		return "", chat.Wrong(err.Error())
	}
	if utf8.RuneCountInString(v) > maxRemedyNote {
		return "", chat.Wrong(fmt.Sprintf("复议机关（法院）和案号不能超过%d字。", maxRemedyNote))
	}
	return v, nil
}

// pendingChosen is the pending case 复议结果 chose; nil before.
func (c *convo) pendingChosen() *openRemedy {
	n, err := strconv.Atoi(c.Vals["which"])
	if err != nil || n < 1 || n > len(c.Pending) {
		return nil
	}
	return &c.Pending[n-1]
}

// remedyFromConvo is the case the answers of a new one describe, checked
// against the application and today; a Fix names the answer to change.
func (b *Flow) remedyFromConvo(c *convo, a *storage.Application, reviews []time.Time, now time.Time) (*storage.Remedy, error) {
	v := c.Vals
	today := b.today(now)
	kind := v["kind"]
	if c.Remedy == workflow.Review {
		kind = workflow.Review
	}
	if kind == "" {
		return nil, chat.Fix{Field: "kind", Msg: "请选择诉讼类别。"}
	}
	filed := b.parseDay(v["filed"])
	if filed.IsZero() {
		return nil, chat.Fix{Field: "filed", Msg: "请输入" + workflow.RemedyFiledLabel(kind) + "。"}
	}
	if err := workflow.CheckRemedyFiled(kind, filed, storage.Day(a.ReceivedD, b.Location), today, b.Location); err != nil {
		return nil, chat.Fix{Field: "filed", Msg: err.Error()}
	}
	if kind == workflow.SuitAfterReview {
		if err := workflow.CheckSuitAfterReview(filed, reviews, b.Location); err != nil {
			return nil, chat.Fix{Field: "filed", Msg: err.Error()}
		}
	}
	r := &storage.Remedy{ApplicationID: a.ID, Kind: kind, FiledD: filed, Result: v["result"], Note: v["note"]}
	if r.Result == "" {
		return nil, chat.Fix{Field: "result", Msg: "请选择结果。"}
	}
	if r.Result != workflow.ResultPending {
		d := b.parseDay(v["decided"])
		if d.IsZero() {
			return nil, chat.Fix{Field: "decided", Msg: "已审结的请输入" + workflow.RemedyDecidedLabel(kind) + "。"}
		}
		if err := workflow.CheckRemedyDecided(kind, d, filed, today, b.Location); err != nil {
			return nil, chat.Fix{Field: "decided", Msg: err.Error()}
		}
		r.DecidedD = sql.NullTime{Time: d, Valid: true}
	}
	return r, nil
}

// reviewDays are the days the 复议 recorded for a were brought, for a
// 复议后起诉's check.
func (b *Flow) reviewDays(ctx context.Context, q sqlx.QueryerContext, a *storage.Application) ([]time.Time, error) {
	rs, err := storage.Remedies(ctx, q, a.ID)
	if err != nil {
		return nil, err
	}
	var out []time.Time
	for _, r := range rs {
		if r.Kind == workflow.Review {
			out = append(out, storage.Day(r.FiledD, b.Location))
		}
	}
	return out, nil
}

// tableCell says where a case counts: table 四 of the year it was
// brought, under its result as of that year's 31 December.
func tableCell(kind string, filed time.Time, result string, decided sql.NullTime) string {
	if !decided.Valid || decided.Time.Year() > filed.Year() {
		result = workflow.ResultPending
	}
	return fmt.Sprintf("%d年度报告表四：%s · %s", filed.Year(), workflow.RemedyName(kind), workflow.ReviewResultLabel(result))
}

func (b *Flow) remedySummary(ctx context.Context, t *chat.Turn, c *convo) (bot.TemplateCard, error) {
	a, err := storage.ApplicationByID(ctx, t.Tx, c.AppID)
	if err != nil {
		return bot.TemplateCard{}, err
	}
	card := bot.TemplateCard{Source: &bot.CardSource{Desc: "依申请公开 · 请核对"}}
	field := func(k, v string) {
		card.HorizontalContentList = append(card.HorizontalContentList, bot.CardField{KeyName: k, Value: v})
	}
	if c.Kind == kindRemedyResult {
		p := c.pendingChosen()
		if p == nil {
			return bot.TemplateCard{}, chat.Fix{Field: "which", Msg: "请选择案件。"}
		}
		d := b.parseDay(c.Vals["decided"])
		if err := workflow.CheckRemedyDecided(p.Kind, d, b.parseDay(p.Filed), b.today(t.Now), b.Location); err != nil {
			return bot.TemplateCard{}, chat.Fix{Field: "decided", Msg: err.Error()}
		}
		card.MainTitle = &bot.CardTitle{Title: "登记结果 " + a.Number(), Desc: workflow.RemedyName(p.Kind) + " · " + a.ApplicantName}
		field(workflow.RemedyFiledLabel(p.Kind), b.showDay(p.Filed))
		field("结果", workflow.ReviewResultLabel(c.Vals["result"]))
		field(workflow.RemedyDecidedLabel(p.Kind), b.showDay(c.Vals["decided"]))
		card.SubTitleText = "计入" + tableCell(p.Kind, b.parseDay(p.Filed), c.Vals["result"], sql.NullTime{Time: d, Valid: true})
		return card, nil
	}
	reviews, err := b.reviewDays(ctx, t.Tx, a)
	if err != nil {
		return bot.TemplateCard{}, err
	}
	r, err := b.remedyFromConvo(c, a, reviews, t.Now)
	if err != nil {
		return bot.TemplateCard{}, err
	}
	card.MainTitle = &bot.CardTitle{Title: workflow.RemedyName(r.Kind) + " " + a.Number(), Desc: a.ApplicantName}
	field(workflow.RemedyFiledLabel(r.Kind), b.showDay(r.FiledD.Format(time.DateOnly)))
	field("复议机关/法院", chat.OrDash(chat.Clip(r.Note, 40)))
	field("结果", workflow.ReviewResultLabel(r.Result))
	if r.DecidedD.Valid {
		field(workflow.RemedyDecidedLabel(r.Kind), b.day(r.DecidedD.Time))
	}
	card.SubTitleText = "计入" + tableCell(r.Kind, r.FiledD, r.Result, r.DecidedD)
	return card, nil
}

// remedySubmit stores what was confirmed, once: the case (RecordRemedy
// refuses the same case twice) or its result (DecideRemedyOnce, guarded by
// its being pending).
func (b *Flow) remedySubmit(ctx context.Context, t *chat.Turn, c *convo) error {
	to := t.Person.UserID
	b.End(t)
	a, err := storage.ApplicationByID(ctx, t.Tx, c.AppID)
	if err != nil {
		return err
	}
	if c.Kind == kindRemedyResult {
		p := c.pendingChosen()
		if p == nil {
			return b.Text(ctx, t, to, chat.MsgCardExpired)
		}
		on := b.parseDay(c.Vals["decided"])
		if err := workflow.CheckRemedyDecided(p.Kind, on, b.parseDay(p.Filed), b.today(t.Now), b.Location); err != nil {
			return b.Text(ctx, t, to, err.Error()+"本次未登记，请重新发送「复议结果 "+a.Number()+"」。")
		}
		r, err := storage.DecideRemedyOnce(ctx, t.Tx, a, p.ID, c.Vals["result"], on, to, t.Now)
		switch {
		case errors.Is(err, storage.ErrStale):
			return b.Text(ctx, t, to, b.decidedAlready(a, r))
		case err != nil:
			return err
		}
		return b.Text(ctx, t, to, fmt.Sprintf("已登记 %s 的%s（%s提起）的结果：%s，%s%s。计入%s。", a.Number(), workflow.RemedyName(r.Kind),
			b.day(r.FiledD), workflow.ReviewResultLabel(r.Result), workflow.RemedyDecidedLabel(r.Kind), b.day(r.DecidedD.Time),
			tableCell(r.Kind, r.FiledD, r.Result, r.DecidedD)))
	}
	reviews, err := b.reviewDays(ctx, t.Tx, a)
	if err != nil {
		return err
	}
	r, err := b.remedyFromConvo(c, a, reviews, t.Now)
	var fix chat.Fix
	if errors.As(err, &fix) { // a day became wrong meanwhile (past midnight)
		return b.Text(ctx, t, to, fix.Msg+"本次未登记，请重新发送「"+remedyWord(c.Remedy)+" "+a.Number()+"」。")
	}
	if err != nil {
		return err
	}
	r.RecordedBy = to
	got, _, err := storage.RecordRemedy(ctx, t.Tx, a, r, t.Now)
	switch {
	case errors.Is(err, storage.ErrRemedyRecorded):
		return b.Text(ctx, t, to, fmt.Sprintf("%s 的%s（%s提起）已于%s由%s登记，未重复登记。发送「申请 %s」查看。", a.Number(), workflow.RemedyName(got.Kind),
			b.day(got.FiledD), workflow.FormatDateTime(got.CreatedAt, b.Location), b.Name(got.RecordedBy), a.Number()))
	case err != nil:
		return err
	}
	msg := fmt.Sprintf("已登记 %s 的%s：%s提起，%s。计入%s。", a.Number(), workflow.RemedyName(got.Kind), b.day(got.FiledD),
		remedyResult(got.Result, dayOrEmpty(got.DecidedD)), tableCell(got.Kind, got.FiledD, got.Result, got.DecidedD))
	if !got.DecidedD.Valid {
		msg += "审结后请发送「" + remedyWord(got.Kind) + "结果 " + a.Number() + "」登记结果。"
	}
	return b.Text(ctx, t, to, msg)
}

// remedyWord is the command that starts a case of kind (workflow.Review,
// or any suit).
func remedyWord(remedy string) string {
	if remedy == workflow.Review {
		return "复议"
	}
	return "诉讼"
}

func dayOrEmpty(d sql.NullTime) string {
	if !d.Valid {
		return ""
	}
	return d.Time.Format(time.DateOnly)
}

// decidedAlready says what result of r was recorded, by whom and when.
func (b *Flow) decidedAlready(a *storage.Application, r *storage.Remedy) string {
	msg := fmt.Sprintf("%s 的%s（%s提起）的结果已登记为%s（%s%s）", a.Number(), workflow.RemedyName(r.Kind), b.day(r.FiledD),
		workflow.ReviewResultLabel(r.Result), workflow.RemedyDecidedLabel(r.Kind), b.day(r.DecidedD.Time))
	if r.DecidedBy != "" && r.DecidedAt.Valid {
		msg += "，登记人" + b.Name(r.DecidedBy) + "，" + workflow.FormatDateTime(r.DecidedAt.Time, b.Location)
	}
	return msg + "，未重复登记。"
}

// remediesLines lists an application's cases, one a line.
func (b *Flow) remediesLines(rs []storage.Remedy) string {
	var lines []string
	for _, r := range rs {
		line := fmt.Sprintf("· %s：%s提起，%s", workflow.RemedyName(r.Kind), b.day(r.FiledD), remedyResult(r.Result, dayOrEmpty(r.DecidedD)))
		if r.Note != "" {
			line += "；" + chat.Clip(r.Note, 60)
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// remediesText is the lookup's part on the cases brought about a; empty
// when there are none.
func (b *Flow) remediesText(ctx context.Context, t *chat.Turn, a *storage.Application) (string, error) {
	rs, err := storage.Remedies(ctx, t.Tx, a.ID)
	if err != nil || len(rs) == 0 {
		return "", err
	}
	return "\n行政复议、行政诉讼：\n" + b.remediesLines(rs), nil
}
