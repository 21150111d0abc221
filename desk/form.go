package desk

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/forms"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/webauth"
	"github.com/zwgk-bot/zwgk/workflow"
)

// FormPath is a 审批单's own page: /desk/form/{id}; its decisions are
// posted to FormPath/{id}/decide, its publication and 撤回 to
// FormPath/{id}/act.
const FormPath = forms.DeskPath

// record is a record's own page, whatever its kind: its particulars, where
// it stands, its timeline, its printable version and its documents, and
// the visitor's actions on it (one field per kind, nil when none).
type record struct {
	Kind, Number string
	Notice       string // the outcome of what the visitor just did
	NoticeBad    bool
	Fields       []forms.PageField
	State        string // where it stands and who holds it
	Deadline     string
	Left         string
	Overdue      bool
	Timeline     []event
	PrintLink    string
	PrintText    string
	ActionNote   string // why there is nothing to do here, when it helps
	Form         *formActions
	recordBlocks              // the other kinds' (record.go)
	Documents    []docSection // its 附件 (documents.go)
}

// event is a line of the timeline.
type event struct{ At, Text string }

// formActions are the visitor's decisions on a 审批单, with what a refused
// post had entered (kept, so that nothing typed is lost).
type formActions struct {
	*forms.PageActions
	Path, ActPath, CSRF string
	Reason              string
	Ticked              map[string]bool
	// A refused publication's platform and link or 期号; a refused 撤回's tick.
	Platform, Reference string
	Confirmed           bool
}

func formPath(id int64) string { return FormPath + "/" + strconv.FormatInt(id, 10) }

// formID reads the page's id; false answers 404.
func formID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		webauth.Refuse(w, http.StatusNotFound, "未找到", "没有找到该审批单，请返回办公桌核对。")
		return 0, false
	}
	return id, true
}

// serveForm is a 审批单's page, for whoever may see it (forms' rule).
func (d *Desk) serveForm(w http.ResponseWriter, r *http.Request, v *webauth.Visitor) {
	id, ok := formID(w, r)
	if !ok {
		return
	}
	rec, ok := d.formRecord(w, r, v, id)
	if !ok {
		return
	}
	if done := webauth.Done(r, v); done != "" {
		f, err := storage.GetForm(r.Context(), d.DB, id)
		if err != nil {
			d.fail(w, r, "open form", err)
			return
		}
		rec.Notice = d.Forms.DoneNote(f, done)
	}
	if note, rid := d.uploadedNote(r.Context(), r.URL.Query(), storage.DocForm); rid == id {
		rec.Notice = note
	}
	d.Auth.Render(w, d.pages, http.StatusOK, "record", v, "审批单 "+rec.Number, rec)
}

// formRecord builds the page of form id for v; false when it has answered
// (not found, not v's to see, or a failure).
func (d *Desk) formRecord(w http.ResponseWriter, r *http.Request, v *webauth.Visitor, id int64) (*record, bool) {
	ctx := r.Context()
	f, err := storage.GetForm(ctx, d.DB, id)
	if errors.Is(err, storage.ErrNotFound) {
		webauth.Refuse(w, http.StatusNotFound, "未找到", "没有找到该审批单，请返回办公桌核对。")
		return nil, false
	}
	if err != nil {
		d.fail(w, r, "open form", err)
		return nil, false
	}
	ds, err := storage.Decisions(ctx, d.DB, f.ID)
	if err != nil {
		d.fail(w, r, "open form", err)
		return nil, false
	}
	if !d.Forms.MaySee(v.Person, f, ds) {
		webauth.Refuse(w, http.StatusForbidden, "无权查看", "您无权查看该审批单。如有需要，请联系综合办公室。")
		return nil, false
	}
	rec, err := d.buildFormRecord(ctx, v, f)
	if err != nil {
		d.fail(w, r, "open form", err)
		return nil, false
	}
	return rec, true
}

func (d *Desk) buildFormRecord(ctx context.Context, v *webauth.Visitor, f *storage.Form) (*record, error) {
	fields, err := d.Forms.PageFields(ctx, d.DB, f)
	if err != nil {
		return nil, err
	}
	trail, err := storage.AuditTrail(ctx, d.DB, "form", strconv.FormatInt(f.ID, 10))
	if err != nil {
		return nil, err
	}
	row := d.formRow(f)
	rec := &record{
		Kind: "审批单", Number: row.Number, Fields: fields, State: d.Forms.Where(f), Left: row.Left, Overdue: row.Overdue,
		PrintLink: d.Forms.FormLink(f, d.Now()), PrintText: "打开可打印的审批单",
	}
	for _, e := range trail {
		who, what, _ := d.Forms.Sentence(e)
		rec.Timeline = append(rec.Timeline, event{At: workflow.FormatDateTime(e.At, d.Location), Text: who + what})
	}
	docs, err := d.formDocuments(ctx, v, f)
	if err != nil {
		return nil, err
	}
	rec.Documents = []docSection{docs}
	a, err := d.Forms.PageActionsFor(ctx, d.DB, v.Person, f)
	if err != nil {
		return nil, err
	}
	if a != nil {
		rec.Form = &formActions{PageActions: a, Path: formPath(f.ID) + "/decide", ActPath: formPath(f.ID) + "/act", CSRF: v.CSRF}
	}
	return rec, nil
}

// serveFormDecide takes a decision posted from a 审批单's page: in a turn
// of the visitor's, through the flow's one way of deciding, against the
// version and stage the page was rendered with.
func (d *Desk) serveFormDecide(w http.ResponseWriter, r *http.Request, v *webauth.Visitor) {
	id, ok := formID(w, r)
	if !ok {
		return
	}
	version, err := strconv.Atoi(r.PostForm.Get("version"))
	stage := r.PostForm.Get("stage")
	if err != nil || version <= 0 || stage == "" {
		webauth.Refuse(w, http.StatusBadRequest, "操作未执行", "页面内容不完整，操作未执行。请返回办公桌重新打开该审批单。")
		return
	}
	dec := forms.PageDecision{FormID: id, Version: version, Stage: stage, Verdict: r.PostForm.Get("verdict"),
		Reason: r.PostForm.Get("reason"), Checks: r.PostForm["check"]}
	var res forms.PageResult
	err = d.Forms.Act(r.Context(), v.Person, func(ctx context.Context, t *chat.Turn) error {
		var err error
		res, err = d.Forms.DecideOnPage(ctx, t, dec)
		return err
	})
	if err != nil {
		d.fail(w, r, "decide form", err)
		return
	}
	status := http.StatusOK
	switch res.Outcome {
	case forms.PageDecided:
		// Post/redirect/get: reloading the page then posts nothing.
		http.Redirect(w, r, webauth.DoneQuery(v, formPath(id), dec.Verdict), http.StatusSeeOther)
		return
	case forms.PageNotFound:
		webauth.Refuse(w, http.StatusNotFound, "未找到", res.Text)
		return
	case forms.PageForbidden:
		webauth.Refuse(w, http.StatusForbidden, "操作未执行", res.Text)
		return
	case forms.PageStale:
		status = http.StatusConflict
	case forms.PageBadInput:
		status = http.StatusBadRequest
	}
	rec, ok := d.formRecord(w, r, v, id)
	if !ok {
		return
	}
	rec.Notice, rec.NoticeBad = res.Text, res.Outcome != forms.PageRepeat
	if res.Outcome == forms.PageBadInput && rec.Form != nil {
		rec.Form.Reason = dec.Reason
		rec.Form.Ticked = map[string]bool{}
		for _, c := range dec.Checks {
			rec.Form.Ticked[c] = true
		}
	}
	d.Auth.Render(w, d.pages, status, "record", v, "审批单 "+rec.Number, rec)
}

// serveFormAct takes a publication or a 撤回 posted from a 审批单's page:
// in a turn of the visitor's, through the flow's function the card's
// click runs, against the version and stage the page was rendered with.
func (d *Desk) serveFormAct(w http.ResponseWriter, r *http.Request, v *webauth.Visitor) {
	id, ok := formID(w, r)
	if !ok {
		return
	}
	p := r.PostForm
	version, err := strconv.Atoi(p.Get("version"))
	act := forms.PageAction{FormID: id, Version: version, Stage: p.Get("stage"), Action: p.Get("action"),
		Platform: p.Get("platform"), Reference: p.Get("reference"), Confirm: p.Get("confirm") != ""}
	if err != nil || version <= 0 || act.Action == "" {
		webauth.Refuse(w, http.StatusBadRequest, "操作未执行", "页面内容不完整，操作未执行。请返回办公桌重新打开该审批单。")
		return
	}
	var res forms.PageResult
	err = d.Forms.Act(r.Context(), v.Person, func(ctx context.Context, t *chat.Turn) error {
		var err error
		res, err = d.Forms.ActOnPage(ctx, t, act)
		return err
	})
	if err != nil {
		d.fail(w, r, "act on form", err)
		return
	}
	done := act.Action
	if done == forms.PagePublish {
		done += ":" + act.Platform
	}
	answerAction(w, r, res, webauth.DoneQuery(v, formPath(id), done), func(status int) {
		rec, ok := d.formRecord(w, r, v, id)
		if !ok {
			return
		}
		rec.Notice, rec.NoticeBad = res.Text, res.Outcome != forms.PageRepeat
		if res.Outcome == forms.PageBadInput && rec.Form != nil {
			rec.Form.Platform, rec.Form.Reference, rec.Form.Confirmed = act.Platform, act.Reference, act.Confirm
		}
		d.Auth.Render(w, d.pages, status, "record", v, "审批单 "+rec.Number, rec)
	})
}
