package forms

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/zwgk-bot/zwgk/config"

	"github.com/jmoiron/sqlx"
	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// A 依申请公开 审批单 usually discloses in answer to a 政府信息公开申请 of
// the register. Linked to it, the form's deadline is the application's
// reply deadline (条例 Art. 33) instead of 不适用: forms.deadline holds a
// copy, taken at submission and kept in step by the register
// (storage.SyncLinkedFormDeadlines), so that cards, the page and the
// reminders read it like a 主动公开 form's.

// stepApplication is the wizard's 关联申请 question, asked after 公开形式
// only for 依申请公开.
const stepApplication = "application"

const askApplication = "请输入对应的政府信息公开申请编号，如 依申请〔2026〕5号（没有可回复「跳过」）"

// applicationField is the 关联申请 question. The wizard spec is built for
// one call with its ctx, and Check needs it for the register.
func (b *Flow) applicationField(ctx context.Context, c *convo) chat.Field {
	return chat.Field{
		Key: stepApplication, Label: "关联申请", Optional: true,
		Ask: func(*chat.Turn, *chat.Wizard) string { return askApplication },
		// A 主动公开 form answers no application: not asked, left empty.
		Auto: func() (string, bool) { return "", c.Vals[stepMode] != string(workflow.ModeRequest) },
		Check: func(t *chat.Turn, _ *chat.Wizard, s string) (string, error) {
			return b.checkApplication(ctx, t, c, s)
		},
		Echo: func(_ *chat.Turn, _, v string) string {
			if v == "" || c.app == nil {
				return "未关联申请，公开时限为「不适用」。"
			}
			return "关联申请：" + c.app.Number() + "（" + b.linkNote(c.app) + "）。"
		},
	}
}

// checkApplication takes a register number that names an application of
// the register, in the register's spelling. A closed application is
// taken too: a form may document what was disclosed in an answer already
// given.
func (b *Flow) checkApplication(ctx context.Context, t *chat.Turn, c *convo, text string) (string, error) {
	year, seq, ok := workflow.ParseApplicationNumber(text)
	if !ok {
		return "", chat.Wrong("没有识别出申请编号「" + chat.Clip(text, 30) + "」，请按 依申请〔2026〕5号 的格式输入；没有对应的申请可回复「跳过」。")
	}
	a, err := storage.ApplicationBySerial(ctx, t.Tx, year, seq)
	if errors.Is(err, storage.ErrNotFound) {
		return "", chat.Wrong("没有找到 " + storage.ApplicationNumber(year, seq) + "，请核对编号后重新输入；没有对应的申请可回复「跳过」。")
	}
	if err != nil {
		return "", err
	}
	// The same who-may-see rule as the register's lookup: a form names
	// only an application of the submitter's section, one they handle or
	// registered, or any for the office.
	p := t.Person
	if !(p.Has(config.RoleOffice) || a.Section != "" && a.Section == p.Section || a.Handler == p.UserID || a.Registrar == p.UserID) {
		return "", chat.Wrong(a.Number() + " 不在您所在股室的办理范围内，不能关联；如有疑问请联系综合办公室，或回复「跳过」。")
	}
	c.app = a
	return a.Number(), nil
}

// linkNote says what a linked application means for the form's deadline.
func (b *Flow) linkNote(a *storage.Application) string {
	due, ok := b.replyDeadline(a)
	switch {
	case !ok:
		return "待申请人补正，答复期限自收到补正之日起重新计算"
	case a.State == string(workflow.ApplicationClosed):
		return "该申请已办结，答复期限" + workflow.FormatDate(due, b.Location)
	}
	return "答复期限" + workflow.FormatDate(due, b.Location)
}

// replyDeadline is the deadline a form linked to a takes: the end of the
// day of its reply deadline, as every deadline is kept. false while the
// applicant's 补正 is awaited: no reply clock runs, and due_on then holds
// the 补正期限, which is no deadline of the form's.
func (b *Flow) replyDeadline(a *storage.Application) (time.Time, bool) {
	if a.State == string(workflow.ApplicationSupplement) {
		return time.Time{}, false
	}
	// 0 working days on is the end of that very day; it needs no holidays.
	due, err := b.Calendar.AddWorkingDays(storage.Day(a.DueD, b.Location), 0)
	return due, err == nil
}

// replyDeadlineText is a linked form's deadline on cards and in 查询.
func (b *Flow) replyDeadlineText(number string, due sql.NullTime) string {
	if !due.Valid {
		return "答复期限待定（" + number + "待申请人补正）"
	}
	return "答复期限" + workflow.FormatDate(due.Time, b.Location) + "（" + number + "）"
}

// linkedApplication is the application f answers; nil when it names none
// (or is no longer 依申请公开).
func (b *Flow) linkedApplication(ctx context.Context, q sqlx.QueryerContext, f *storage.Form) (*storage.Application, error) {
	if f.Mode != string(workflow.ModeRequest) || !f.ApplicationID.Valid {
		return nil, nil
	}
	a, err := storage.ApplicationByID(ctx, q, f.ApplicationID.Int64)
	if err != nil {
		return nil, fmt.Errorf("application of form %d: %w", f.ID, err)
	}
	return a, nil
}

// applicationByNumber finds the application a draft or a snapshot names;
// nil when it names none, ErrNotFound when the register has no such one.
func (b *Flow) applicationByNumber(ctx context.Context, q sqlx.QueryerContext, number string) (*storage.Application, error) {
	if number == "" {
		return nil, nil
	}
	year, seq, ok := workflow.ParseApplicationNumber(number)
	if !ok {
		return nil, fmt.Errorf("application %q: %w", number, storage.ErrNotFound)
	}
	return storage.ApplicationBySerial(ctx, q, year, seq)
}
