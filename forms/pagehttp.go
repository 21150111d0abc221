package forms

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// ServeForm answers GET /forms/{id}?exp=…&sig=…: the printable 审批单, for
// whoever holds a link signed by the bot. A bad or expired link gets 403.
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
	v, err := b.formView(r, f)
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

// formView gathers what the page shows: the current version's signature
// blocks and the whole timeline.
func (b *Flow) formView(r *http.Request, f *storage.Form) (FormView, error) {
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
		FormedOn: f.FormedOn, State: workflow.State(f.State).Label(), Version: f.Version,
	}
	if f.Deadline.Valid {
		v.Deadline = f.Deadline.Time
	}
	blocks := map[string]int{string(workflow.StageSection): 0, string(workflow.StageOffice): 1, string(workflow.StageLeader): 2}
	for _, d := range ds {
		i, ok := blocks[d.Stage]
		if !ok || d.Version != f.Version {
			continue
		}
		v.Signatures[i] = Signature{Name: b.Name(d.Approver), Decision: workflow.Verdict(d.Verdict).Label(), Reason: d.Reason, At: d.DecidedAt}
	}
	past := f.State == string(workflow.StatePublishing) || f.State == string(workflow.StatePublished)
	if past && v.Signatures[2].Name == "" {
		v.Signatures[2].Decision = "不适用（非重大事项）"
	}
	for _, e := range trail {
		who, what, _ := b.Sentence(e)
		v.History = append(v.History, HistoryLine{At: e.At, Who: who, What: what})
	}
	return v, nil
}
