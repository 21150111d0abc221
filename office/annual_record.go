package office

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zwgk-bot/zwgk/annualreport"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/webauth"
	"github.com/zwgk-bot/zwgk/workflow"
)

// The annual report's changes, whoever asks for them: the chat's
// 「年度报告 2026 已发布」 and the desk's page (desk/annual.go) both call
// these, and only phrase the outcome their own way.

// MayEditAnnual reports whether p may change the year's report: write its
// text sections and record it published. The office's reviewers do, as
// the chat has it.
func (b *Flow) MayEditAnnual(p config.Person) bool { return p.Has(config.RoleOffice) }

// MayReadAnnual reports whether p may read the report on the desk: the
// office, and the 主要负责人, who answers for what the bureau publishes
// but writes through the office.
func (b *Flow) MayReadAnnual(p config.Person) bool {
	return b.MayEditAnnual(p) || p.Has(config.RoleLeader)
}

// ReportYear is the year whose report is being prepared at now: until
// the end of March last year's (due 31 January; the county government's
// by 31 March), after it this year's.
func (b *Flow) ReportYear(now time.Time) int {
	now = now.In(b.Location)
	if now.Month() > reportMonths {
		return now.Year()
	}
	return now.Year() - 1
}

// AnnualDeskPath is the desk's page of year's report.
func AnnualDeskPath(year int) string { return webauth.HomePath + "/annual/" + strconv.Itoa(year) }

// MaxOverrideReason is the longest reason for publishing past failed
// checks, in characters (for a form's hint).
const MaxOverrideReason = maxOverrideReason

// PublishOutcome is what RecordPublished did.
type PublishOutcome int

// The outcomes of RecordPublished.
const (
	// Published: recorded now (Record).
	Published PublishOutcome = iota
	// PublishedBefore: recorded already (Record is the earlier record).
	PublishedBefore
	// PublishNotAllowed: the person may not record it.
	PublishNotAllowed
	// PublishYearOpen: the year has not ended.
	PublishYearOpen
	// PublishChecksFail: checks fail (Problems) and publishing anyway was
	// not confirmed.
	PublishChecksFail
	// PublishNoReason: confirmed without a reason.
	PublishNoReason
	// PublishBadReason: the reason cannot be kept (Problem says why).
	PublishBadReason
)

// PublishResult is RecordPublished's answer.
type PublishResult struct {
	Outcome  PublishOutcome
	Record   *storage.AnnualReport
	Problems []string
	Problem  string
}

// RecordPublished records, in tx, that by published year's report at
// at: refused before the year has ended, and while the checks fail unless
// confirm is set with a reason (kept with the record, as are the
// problems it overrode). A second record of a year changes nothing and
// reports the first. The record is audited.
func (b *Flow) RecordPublished(ctx context.Context, tx *storage.Tx, by config.Person, year int, at time.Time, confirm bool, reason string) (PublishResult, error) {
	if !b.MayEditAnnual(by) {
		return PublishResult{Outcome: PublishNotAllowed}, nil
	}
	if year >= at.In(b.Location).Year() {
		return PublishResult{Outcome: PublishYearOpen}, nil
	}
	if prev, err := storage.GetAnnualReport(ctx, tx, year); err == nil {
		return PublishResult{Outcome: PublishedBefore, Record: prev}, nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return PublishResult{}, err
	}
	problems, err := annualreport.Problems(ctx, tx, year, b.Location)
	if err != nil {
		return PublishResult{}, err
	}
	if len(problems) == 0 {
		reason = "" // nothing to override
	} else {
		switch r, err := workflow.CheckChars("理由", strings.TrimSpace(reason)); {
		case !confirm:
			return PublishResult{Outcome: PublishChecksFail, Problems: problems}, nil
		case err != nil:
			return PublishResult{Outcome: PublishBadReason, Problems: problems, Problem: err.Error()}, nil
		case r == "":
			return PublishResult{Outcome: PublishNoReason, Problems: problems}, nil
		case utf8.RuneCountInString(r) > maxOverrideReason:
			return PublishResult{Outcome: PublishBadReason, Problems: problems, Problem: fmt.Sprintf("理由应为1至%d字，请精简后重新提交。", maxOverrideReason)}, nil
		default:
			reason = r
		}
	}
	rec := storage.AnnualReport{Year: year, DoneBy: by.UserID, DoneAt: at, Problems: problems, OverrideReason: reason}
	fresh, prev, err := storage.MarkAnnualReport(ctx, tx, rec)
	if err != nil {
		return PublishResult{}, err
	}
	if !fresh { // marked in a concurrent transaction
		return PublishResult{Outcome: PublishedBefore, Record: prev}, nil
	}
	var detail any // nil: {}
	if reason != "" {
		detail = map[string]any{"problems": problems, "override_reason": reason}
	}
	if err := storage.Audit(ctx, tx, by.UserID, "annual_report_done", storage.EntityAnnualReport, strconv.Itoa(year), detail); err != nil {
		return PublishResult{}, err
	}
	return PublishResult{Outcome: Published, Record: &rec, Problems: problems}, nil
}

// TextOutcome is what SaveText did.
type TextOutcome int

// The outcomes of SaveText.
const (
	// TextSaved: the text is the section's new version.
	TextSaved TextOutcome = iota
	// TextUnchanged: it was the section's text already (or, restoring,
	// the section was the draft): nothing stored.
	TextUnchanged
	// TextStale: the section changed since the version the editor saw
	// (Current is the version now); nothing stored.
	TextStale
	// TextBad: the text cannot be the section's (Problem says why).
	TextBad
	// TextNotAllowed: the person may not write the report.
	TextNotAllowed
)

// TextResult is SaveText's answer.
type TextResult struct {
	Outcome TextOutcome
	Current *storage.AnnualText
	Problem string
}

// SaveText stores body as section's text of year's report, by by at at,
// or with restore puts the section back to zwgk's draft (body unused):
// checked as the CLI checks it (storage.NormalizeAnnualText, then
// annualreport.TextProblem), and refused when the section's latest
// version is no longer seen (the version the editor loaded; 0 for none),
// so that nobody overwrites a colleague's text unseen. The same text
// again, or restoring a draft, changes nothing whatever the version.
func (b *Flow) SaveText(ctx context.Context, tx *storage.Tx, by config.Person, year int, section, body string, restore bool, seen int64, at time.Time) (TextResult, error) {
	if !b.MayEditAnnual(by) {
		return TextResult{Outcome: TextNotAllowed}, nil
	}
	if !restore {
		body = storage.NormalizeAnnualText(body)
		if p := annualreport.TextProblem(body); p != "" {
			return TextResult{Outcome: TextBad, Problem: p}, nil
		}
	}
	cur, err := storage.LatestAnnualText(ctx, tx, year, section)
	if err != nil {
		return TextResult{}, err
	}
	draft := cur == nil || cur.Cleared
	switch {
	case restore && draft, !restore && !draft && cur.Body == body:
		return TextResult{Outcome: TextUnchanged, Current: cur}, nil
	case cur != nil && cur.ID != seen:
		return TextResult{Outcome: TextStale, Current: cur}, nil
	}
	var changed bool
	if restore {
		changed, err = storage.ClearAnnualText(ctx, tx, year, section, by.UserID, at)
	} else {
		changed, err = storage.SetAnnualText(ctx, tx, year, section, body, by.UserID, at)
	}
	if errors.Is(err, storage.ErrAnnualText) {
		// TextProblem passed: the section or the year is not one.
		return TextResult{Outcome: TextBad, Problem: "该部分不能修改，请返回年度报告页面核对。"}, nil
	}
	if err != nil {
		return TextResult{}, err
	}
	if !changed {
		return TextResult{Outcome: TextUnchanged, Current: cur}, nil
	}
	return TextResult{Outcome: TextSaved}, nil
}
