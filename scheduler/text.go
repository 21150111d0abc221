package scheduler

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// maxListed is how many forms a reminder lists before it says 等.
const maxListed = 10

func (s *Scheduler) name(userID string) string {
	if p, ok := s.roster.Person(userID); ok {
		return p.Name
	}
	return userID
}

func (s *Scheduler) names(ids []string) string {
	var out []string
	for _, id := range ids {
		out = append(out, s.name(id))
	}
	return strings.Join(out, "、")
}

// withRole lists the userids holding role.
func (s *Scheduler) withRole(r config.Role) []string {
	var out []string
	for _, p := range s.roster.WithRole(r) {
		out = append(out, p.UserID)
	}
	return out
}

func serial(f *storage.Form) string { return workflow.FormatSerial(f.Year, f.Seq) }

// day shows a date with its year, 2026年2月13日: a reminder read in late
// December names dates in January, and 1月5日 alone would not say which.
func (s *Scheduler) day(t time.Time) string { return workflow.FormatDate(t, s.loc) }

// clip shortens s to n characters with an ellipsis.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// isActive reports whether f is 主动公开, the mode with a statutory deadline.
func isActive(f *storage.Form) bool { return f.Mode == string(workflow.ModeActive) }

// pending reports whether f waits for an approver or a publisher.
func pending(f *storage.Form) bool {
	return f.State == string(workflow.StateReview) || f.State == string(workflow.StatePublishing)
}

// waiters are the people who must act on an open form next: the stage's
// assignees, or the submitter of a rejected form (to revise or withdraw).
func waiters(f *storage.Form) []string {
	if f.State == string(workflow.StateRejected) {
		return []string{f.Submitter}
	}
	return slices.Clone([]string(f.Assignees))
}

// where says what a form waits for: 待办公室审核（陈立新、林晓燕）.
func (s *Scheduler) where(f *storage.Form) string {
	if f.State == string(workflow.StateRejected) {
		return "已驳回，待承办人" + s.name(f.Submitter) + "修改或撤回"
	}
	return "待" + workflow.Stage(f.Stage).Label() + "（" + s.names(f.Assignees) + "）"
}

// serials lists form numbers, at most maxListed of them.
func serials(forms []*storage.Form) string {
	var out []string
	for i, f := range forms {
		if i == maxListed {
			return strings.Join(out, "、") + fmt.Sprintf(" 等%d件", len(forms))
		}
		out = append(out, serial(f))
	}
	return strings.Join(out, "、")
}

// union merges lists of userids, keeping the first order and no repeats.
func union(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		for _, id := range l {
			if id != "" && !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

// stageLabel is the name of the stage a form waits at: 办公室审核.
func stageLabel(f *storage.Form) string { return workflow.Stage(f.Stage).Label() }

// perPerson collects, for each recipient in the order first met, the full
// text of each of their reminders and its one-line form for a list.
type perPerson struct {
	users []string
	texts map[string][]string
	lines map[string][]string
}

func (p *perPerson) add(to []string, text, line string) {
	if p.texts == nil {
		p.texts, p.lines = map[string][]string{}, map[string][]string{}
	}
	for _, u := range to {
		if _, ok := p.texts[u]; !ok {
			p.users = append(p.users, u)
		}
		p.texts[u] = append(p.texts[u], text)
		p.lines[u] = append(p.lines[u], line)
	}
}

// queue sends each person one text: a single reminder in full, several as
// a list under header (with %d for how many) closed by footer. A person
// gets one message a run, however many orders are due: WeCom drops what
// passes 30 a minute.
func (p *perPerson) queue(ctx context.Context, t *Tick, header, footer string) error {
	for _, u := range p.users {
		text := p.texts[u][0]
		if len(p.lines[u]) > 1 {
			text = listText(fmt.Sprintf(header, len(p.lines[u])), p.lines[u], footer)
		}
		if err := t.Text(ctx, u, text); err != nil {
			return err
		}
	}
	return nil
}

// listText is header, then the lines (at most maxListed, then how many in
// all), then footer.
func listText(header string, lines []string, footer string) string {
	var sb strings.Builder
	sb.WriteString(header)
	for i, l := range lines {
		if i == maxListed {
			fmt.Fprintf(&sb, "\n……共%d件", len(lines))
			break
		}
		sb.WriteString("\n" + l)
	}
	sb.WriteString("\n" + footer)
	return sb.String()
}
