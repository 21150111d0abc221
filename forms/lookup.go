package forms

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/chat"

	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// MyForms lists the user's forms with their state and where they wait.
func (b *Flow) MyForms(ctx context.Context, t *chat.Turn) error {
	to := t.Person.UserID
	forms, err := storage.FormsBySubmitter(ctx, t.Tx, to, 10)
	if err != nil {
		return err
	}
	if len(forms) == 0 {
		return b.Text(ctx, t, to, "您还没有提交过公开申请。发送「提交」开始填写。")
	}
	var sb strings.Builder
	sb.WriteString("您最近的公开申请：")
	for _, f := range forms {
		fmt.Fprintf(&sb, "\n· %s「%s」：%s", serial(&f), chat.Clip(f.Title, 24), b.where(&f))
	}
	sb.WriteString("\n发送「查询 编号」可查看完整过程。")
	return b.Text(ctx, t, to, sb.String())
}

// Todo re-sends every pending approval or publication as a live card.
//
// others is what else waits for the person (another flow's, in a
// sentence), said after the forms; empty when nothing does.
func (b *Flow) Todo(ctx context.Context, t *chat.Turn, others string) error {
	to := t.Person.UserID
	forms, err := storage.FormsWaitingFor(ctx, t.Tx, to)
	if err != nil {
		return err
	}
	if len(forms) == 0 {
		if others != "" {
			return b.Text(ctx, t, to, others)
		}
		return b.Text(ctx, t, to, "您目前没有待办事项。")
	}
	if err := b.Text(ctx, t, to, fmt.Sprintf("您有 %d 件待办（审批单），卡片如下：", len(forms))); err != nil {
		return err
	}
	for i := range forms {
		if err := b.sendStageCardTo(ctx, t, &forms[i], to); err != nil {
			return err
		}
	}
	if others != "" {
		return b.Text(ctx, t, to, others)
	}
	return nil
}

// Query shows the full timeline of one form to those entitled to see it.
func (b *Flow) Query(ctx context.Context, t *chat.Turn, arg string) error {
	to := t.Person.UserID
	if arg == "" {
		return b.Text(ctx, t, to, "请发送「查询 编号」，如：查询 公开审〔2026〕1号。")
	}
	year, seq, ok := workflow.ParseSerial(arg)
	if !ok {
		return b.Text(ctx, t, to, "没有识别出编号「"+chat.Clip(arg, 30)+"」。请按「查询 公开审〔2026〕1号」的格式发送。")
	}
	f, err := storage.FormBySerial(ctx, t.Tx, year, seq)
	if errors.Is(err, storage.ErrNotFound) {
		return b.Text(ctx, t, to, "没有找到 "+workflow.FormatSerial(year, seq)+"，请核对编号。")
	}
	if err != nil {
		return err
	}
	ds, err := storage.Decisions(ctx, t.Tx, f.ID)
	if err != nil {
		return err
	}
	if !b.maySee(t.Person, f, ds) {
		return b.Text(ctx, t, to, "您无权查看该审批单。如有需要，请联系综合办公室。")
	}
	trail, err := storage.AuditTrail(ctx, t.Tx, "form", strconv.FormatInt(f.ID, 10))
	if err != nil {
		return err
	}
	app, err := b.linkedApplication(ctx, t.Tx, f)
	if err != nil {
		return err
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s「%s」\n承办：%s %s\n状态：%s\n公开时限：%s", serial(f), f.Title, f.Section, b.Name(f.Submitter), b.where(f), b.deadlineOf(f, app))
	if f.Mode == string(workflow.ModeActive) {
		fmt.Fprintf(&sb, "\n信息类别：%s", f.InfoCategory().Label())
	}
	sb.WriteString("\n办理过程：")
	for _, e := range trail {
		fmt.Fprintf(&sb, "\n%s %s", workflow.FormatDateTime(e.At, b.Location), b.sentence(e))
	}
	fmt.Fprintf(&sb, "\n审批单：%s", b.formLink(f, t.Now))
	return b.Text(ctx, t, to, sb.String())
}

// maySee: the submitter, the form's section head, anyone who acted on it,
// and the office, leaders, publishers and the supervisor.
func (b *Flow) maySee(p config.Person, f *storage.Form, ds []storage.Decision) bool {
	if p.UserID == f.Submitter || slices.Contains(f.Assignees, p.UserID) {
		return true
	}
	for _, r := range []config.Role{config.RoleOffice, config.RoleLeader, config.RolePublisher, config.RoleSupervisor} {
		if p.Has(r) {
			return true
		}
	}
	if head, ok := b.Roster.HeadOf(f.Section); ok && head.UserID == p.UserID {
		return true
	}
	return slices.ContainsFunc(ds, func(d storage.Decision) bool { return d.Approver == p.UserID })
}

// Withdraw handles 撤回 <编号>.
func (b *Flow) Withdraw(ctx context.Context, t *chat.Turn, arg string) error {
	to := t.Person.UserID
	year, seq, ok := workflow.ParseSerial(arg)
	if !ok {
		return b.Text(ctx, t, to, "请发送「撤回 编号」，如：撤回 公开审〔2026〕1号。")
	}
	f, err := storage.FormBySerial(ctx, t.Tx, year, seq)
	if errors.Is(err, storage.ErrNotFound) {
		return b.Text(ctx, t, to, "没有找到 "+workflow.FormatSerial(year, seq)+"，请核对编号。")
	}
	if err != nil {
		return err
	}
	f, err = storage.LockForm(ctx, t.Tx, f.ID)
	if err != nil {
		return err
	}
	return b.withdraw(ctx, t, f)
}

// MaySee reports whether p may see f (查询, the 办公桌): the rule of 查询.
func (b *Flow) MaySee(p config.Person, f *storage.Form, ds []storage.Decision) bool {
	return b.maySee(p, f, ds)
}

// FormLink is the signed address of f's printable 审批单.
func (b *Flow) FormLink(f *storage.Form, now time.Time) string { return b.formLink(f, now) }

// Where is where f stands, in words: its state, and while it is open, the
// stage it waits at and who holds it.
func (b *Flow) Where(f *storage.Form) string { return b.where(f) }
