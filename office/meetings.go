package office

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/zwgk-bot/zwgk/chat"

	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// maxMeetingTopic is the longest topic of a recorded meeting, in characters.
const maxMeetingTopic = 100

const (
	msgMeetingUsage = "请按「会议 登记 日期 主题」发送，如：会议 登记 2026-06-28 研究部署全年政务公开工作。"
)

// Records handles the yearly records the reminders ask for:
// 「年度报告 …」 (annual_report.go) and 「会议 登记 日期 主题」. It reports false when text is
// neither, so the caller goes on.
func (b *Flow) Records(ctx context.Context, t *chat.Turn, text string) (bool, error) {
	if arg, ok := chat.CutCommand(text, "年度报告"); ok {
		if rest, ok := chat.CutCommand(arg, "录入"); ok {
			return true, b.enterActive(ctx, t, rest)
		}
		return true, b.annualReport(ctx, t, arg)
	}
	if arg, ok := chat.CutCommand(text, "会议"); ok {
		rest, ok := chat.CutCommand(arg, "登记")
		if !ok {
			return true, b.Text(ctx, t, t.Person.UserID, msgMeetingUsage)
		}
		return true, b.recordMeeting(ctx, t, rest)
	}
	return false, nil
}

// recordMeeting records a 政务公开专题工作会议 for the office, a leader or
// the supervisor.
func (b *Flow) recordMeeting(ctx context.Context, t *chat.Turn, arg string) error {
	p := t.Person
	if !p.Has(config.RoleOffice) && !p.Has(config.RoleLeader) && !p.Has(config.RoleSupervisor) {
		return b.Text(ctx, t, p.UserID, "专题工作会议由综合办公室、主要负责人或纪检监督人员登记。如需登记，请联系"+b.OfficeNames()+"。")
	}
	fields := strings.Fields(arg)
	if len(fields) < 2 {
		return b.Text(ctx, t, p.UserID, msgMeetingUsage)
	}
	held, err := workflow.ParseDate(fields[0], t.Now, b.Location, workflow.DatePast)
	switch {
	case errors.Is(err, workflow.ErrDateFuture):
		return b.Text(ctx, t, p.UserID, "会议日期不能晚于今天（您填写的是"+workflow.FormatDate(held, b.Location)+"），请在会议召开后登记。")
	case err != nil:
		return b.Text(ctx, t, p.UserID, workflow.DateRefusal(err, "没有识别出会议日期「"+chat.Clip(fields[0], 20)+"」。请按 2026-06-28 或 6月28日 的格式填写。")+"\n"+msgMeetingUsage)
	}
	topic := strings.Join(fields[1:], " ")
	if utf8.RuneCountInString(topic) > maxMeetingTopic {
		return b.Text(ctx, t, p.UserID, fmt.Sprintf("会议主题不能超过%d个字，请精简后重新发送。", maxMeetingTopic))
	}
	ms, err := storage.MeetingsIn(ctx, t.Tx, held.Year())
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.HeldOn.Format("2006-01-02") == held.Format("2006-01-02") && m.Topic == topic {
			return b.Text(ctx, t, p.UserID, "该会议已于"+workflow.FormatDate(m.RecordedAt, b.Location)+"由"+b.Name(m.RecordedBy)+"登记，无需重复登记。")
		}
	}
	id, err := storage.InsertMeeting(ctx, t.Tx, storage.Meeting{HeldOn: held, Topic: topic, RecordedBy: p.UserID, RecordedAt: t.Now})
	if err != nil {
		return err
	}
	if err := storage.Audit(ctx, t.Tx, p.UserID, "meeting_record", "meeting", strconv.FormatInt(id, 10),
		map[string]any{"held_on": held.Format("2006-01-02"), "topic": topic}); err != nil {
		return err
	}
	return b.Text(ctx, t, p.UserID, fmt.Sprintf("已登记政务公开专题工作会议：%s「%s」。%d年共登记%d次。",
		workflow.FormatDate(held, b.Location), topic, held.Year(), len(ms)+1))
}
