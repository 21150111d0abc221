package forms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// ServeForm answers GET /forms/{id}?exp=…&sig=…: the printable 审批单, for
// whoever holds a link signed by the bot. A bad or expired link gets 403.
// With &v=N the same link shows an earlier version of the form, stamped as
// superseded (the signature is for the form, and its versions are part of
// its record, as its timeline already tells); an unknown version is 404.
func (b *Flow) ServeForm(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		http.Error(w, "链接无效。", http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	if err := VerifyFormLink(b.LinkSecret, id, q.Get("exp"), q.Get("sig"), b.Now()); err != nil {
		msg := "链接无效，请从企业微信消息中重新打开。"
		if errors.Is(err, ErrLinkExpired) {
			msg = "链接已过期，请在企业微信中发送「查询 编号」获取新链接。"
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(msg))
		return
	}
	ctx := r.Context()
	f, err := storage.GetForm(ctx, b.DB, id)
	if errors.Is(err, storage.ErrNotFound) {
		http.Error(w, "审批单不存在。", http.StatusNotFound)
		return
	}
	if err != nil {
		b.Log.ErrorContext(ctx, "form page", "form", id, "err", err)
		http.Error(w, "系统繁忙，请稍后再试。", http.StatusInternalServerError)
		return
	}
	version := f.Version
	if vs := q.Get("v"); vs != "" {
		n, err := strconv.Atoi(vs)
		if err != nil || strconv.Itoa(n) != vs || n < 1 || n > f.Version {
			http.Error(w, "该审批单没有这一版本。", http.StatusNotFound)
			return
		}
		version = n
	}
	v, err := b.formView(r, f, version)
	if err != nil {
		b.Log.ErrorContext(ctx, "form page", "form", id, "err", err)
		http.Error(w, "系统繁忙，请稍后再试。", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := RenderForm(&buf, v); err != nil {
		b.Log.ErrorContext(ctx, "form page", "form", id, "err", err)
		http.Error(w, "系统繁忙，请稍后再试。", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(buf.Bytes())
}

// formView gathers what the page shows: the signature blocks of the
// version shown and the whole timeline. The current version is the form's
// row; an earlier one is the snapshot kept when it was submitted, with its
// own signature blocks, stamped as replaced by the next.
func (b *Flow) formView(r *http.Request, f *storage.Form, version int) (FormView, error) {
	ctx := r.Context()
	ds, err := storage.Decisions(ctx, b.DB, f.ID)
	if err != nil {
		return FormView{}, err
	}
	trail, err := storage.AuditTrail(ctx, b.DB, "form", strconv.FormatInt(f.ID, 10))
	if err != nil {
		return FormView{}, err
	}
	v := FormView{
		Serial: serial(f), FiledOn: f.CreatedAt, Section: f.Section, Submitter: b.Name(f.Submitter),
		Title: f.Title, Summary: f.Summary, Mode: f.Mode, Column: f.Column, Platforms: f.Platforms,
		FormedOn: f.FormedOn, State: workflow.State(f.State).Label(), Version: version,
	}
	if f.Deadline.Valid {
		v.Deadline = f.Deadline.Time
	}
	v.Category = pageCategory(f.Mode, f.InfoCategory())
	app, err := b.linkedApplication(ctx, b.DB, f)
	if err != nil {
		return FormView{}, err
	}
	if app != nil {
		v.Application = app.Number()
	}
	if version != f.Version {
		if err := b.pastVersion(ctx, f, version, &v); err != nil {
			return FormView{}, err
		}
	}
	reviews, err := storage.SecrecyReviews(ctx, b.DB, storage.EntityForm, strconv.FormatInt(f.ID, 10))
	if err != nil {
		return FormView{}, err
	}
	blocks := map[string]int{string(workflow.StageSection): 0, string(workflow.StageOffice): 1, string(workflow.StageLeader): 2}
	for _, d := range ds {
		i, ok := blocks[d.Stage]
		if !ok || d.Version != version {
			continue
		}
		v.Signatures[i] = Signature{Name: b.Name(d.Approver), Decision: workflow.Verdict(d.Verdict).Label(), Reason: d.Reason, At: d.DecidedAt}
		if d.Stage == string(workflow.StageOffice) && d.Verdict != string(workflow.VerdictSelf) {
			v.Signatures[i].Review = reviewAt(reviews, d.Version, d.Stage)
		}
	}
	past := f.State == string(workflow.StatePublishing) || f.State == string(workflow.StatePublished)
	if version == f.Version && past && v.Signatures[2].Name == "" {
		v.Signatures[2].Decision = "不适用（非重大事项）"
	}
	withdrawn := f.State == string(workflow.StateWithdrawn) && version == f.Version
	for _, e := range trail {
		who, what, _ := b.Sentence(e)
		v.History = append(v.History, HistoryLine{At: e.At, Who: who, What: what})
		var d struct {
			Version int `json:"version"`
		}
		json.Unmarshal(e.Detail, &d)
		switch {
		case withdrawn && e.Action == "withdraw":
			v.VoidBy, v.VoidAt = b.Name(e.Actor), e.At
		case version < f.Version && e.Action == "resubmit" && d.Version == version+1:
			v.VoidBy, v.VoidAt = b.Name(e.Actor), e.At
		}
	}
	v.Withdrawn = withdrawn
	if version < f.Version {
		// Only a 驳回 lets a form be resubmitted: an earlier version was
		// rejected, and the next one replaced it.
		v.State, v.SupersededBy = workflow.StateRejected.Label(), version+1
	}
	if f.Version > 1 {
		q := r.URL.Query()
		for n := 1; n <= f.Version; n++ {
			l := VersionLink{Version: n, Shown: n == version}
			link := url.Values{"exp": {q.Get("exp")}, "sig": {q.Get("sig")}}
			if n < f.Version {
				link.Set("v", strconv.Itoa(n))
				l.Note = fmt.Sprintf("已被第%d版取代", n+1)
			} else {
				l.Note = "当前版本，" + workflow.State(f.State).Label()
			}
			l.Href = "?" + link.Encode()
			v.Versions = append(v.Versions, l)
		}
	}
	return v, nil
}

// pastVersion puts what was submitted as an earlier version of f into v.
func (b *Flow) pastVersion(ctx context.Context, f *storage.Form, version int, v *FormView) error {
	fv, err := storage.GetFormVersion(ctx, b.DB, f.ID, version)
	if err != nil {
		return err
	}
	var d draftForm
	if err := json.Unmarshal(fv.Snapshot, &d); err != nil {
		return fmt.Errorf("version %d of form %d: %w", version, f.ID, err)
	}
	v.Title, v.Summary, v.Mode, v.Column, v.Platforms = d.Title, d.Summary, d.Mode, d.Column, d.Platforms
	v.FiledOn, v.Deadline, v.Application = fv.CreatedAt, time.Time{}, ""
	v.Category = pageCategory(d.Mode, d.infoCategory())
	if formed, err := time.ParseInLocation(time.DateOnly, d.FormedOn, b.Location); err == nil {
		v.FormedOn = formed
		if d.Mode == string(workflow.ModeActive) {
			if due, err := b.Calendar.AddWorkingDays(formed, workflow.ActiveDisclosureDays); err == nil {
				v.Deadline = due
			}
		}
	}
	if d.Mode == string(workflow.ModeRequest) && d.Application != "" {
		// The application's deadline as it is now: it is the
		// application's, whichever version of the form is printed.
		v.Application = d.Application
		app, err := b.applicationByNumber(ctx, b.DB, d.Application)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		if app != nil {
			if due, ok := b.replyDeadline(app); ok {
				v.Deadline = due
			}
		}
	}
	return nil
}

// reviewAt is the 保密审查 of a version's stage in words; a decision made
// before reviews were recorded says so rather than nothing.
func reviewAt(reviews []storage.SecrecyReview, version int, stage string) string {
	for _, r := range reviews {
		if r.Round == version && r.Stage == stage {
			return chat.SecrecyReviewOf(r).Summary()
		}
	}
	return "未记录。"
}
