package desk

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/zwgk-bot/zwgk/applications"
	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/webauth"
	"github.com/zwgk-bot/zwgk/workflow"
)

// ApplicationPath is a 政府信息公开申请's own page: /desk/application/{id};
// its actions are posted to ApplicationPath/{id}/act.
const ApplicationPath = "/desk/application"

func applicationPath(id int64) string { return ApplicationPath + "/" + strconv.FormatInt(id, 10) }

// applicationActions are the visitor's actions on an application, with
// what a refused post had entered (kept, so that nothing typed is lost).
type applicationActions struct {
	*applications.PageActions
	Path, CSRF string
	TypedFor   string            // the action refused
	Typed      map[string]string // its answers
	Ticked     map[string]bool   // its 保密审查 checks
}

// ReplyValue is the 拟写答复 form's value of key: what a refused post typed,
// else the draft a 驳回 sent back.
func (x *applicationActions) ReplyValue(key string) string {
	if x.TypedFor == applications.PageReply {
		return x.Typed[key]
	}
	return x.Draft[key]
}

// Kept is what was typed into the answer key of action, if that was the
// post refused.
func (x *applicationActions) Kept(action, key string) string {
	if x.TypedFor != action {
		return ""
	}
	return x.Typed[key]
}

// applicationAnswers are the form's fields that answer a step's
// questions, named as the chat's conversation names them.
var applicationAnswers = []string{"reason", "days", "items", "due", "on", "kind", "party", "sent", "which", "answer",
	"outcome", "text", "basis", "how", "tracking"}

// serveApplication is an application's page, for whoever may view it
// (applications.MayView, as 「申请 编号」).
func (d *Desk) serveApplication(w http.ResponseWriter, r *http.Request, v *webauth.Visitor) {
	id, ok := pageID(w, r, "申请")
	if !ok {
		return
	}
	done := webauth.Done(r, v)
	if done == applications.PageReturn {
		// Returned to the office, it is no longer the section head's to
		// see: what they just did is all the page may say.
		a, err := storage.ApplicationByID(r.Context(), d.DB, id)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			d.fail(w, r, "open application", err)
			return
		}
		if err == nil && !d.Applications.MayView(a, v.Person) {
			webauth.Refuse(w, http.StatusOK, "已退回", d.Applications.DoneNote(a, done)+"该申请已不在您的办理范围内，请返回办公桌。")
			return
		}
	}
	rec, a, ok := d.applicationRecord(w, r, v, id)
	if !ok {
		return
	}
	if done != "" {
		rec.Notice = d.Applications.DoneNote(a, done)
	}
	d.Auth.Render(w, d.pages, http.StatusOK, "record", v, "政府信息公开申请 "+rec.Number, rec)
}

// applicationRecord builds the page of application id for v; false when
// it has answered (not found, not v's to see, or a failure).
func (d *Desk) applicationRecord(w http.ResponseWriter, r *http.Request, v *webauth.Visitor, id int64) (*record, *storage.Application, bool) {
	ctx := r.Context()
	a, err := storage.ApplicationByID(ctx, d.DB, id)
	if errors.Is(err, storage.ErrNotFound) {
		webauth.Refuse(w, http.StatusNotFound, "未找到", "没有找到该申请，请返回办公桌核对。")
		return nil, nil, false
	}
	if err != nil {
		d.fail(w, r, "open application", err)
		return nil, nil, false
	}
	if !d.Applications.MayView(a, v.Person) {
		webauth.Refuse(w, http.StatusForbidden, "无权查看", a.Number()+" 不在您的办理范围内。如需查看，请联系综合办公室。")
		return nil, nil, false
	}
	rec, err := d.buildApplicationRecord(ctx, v, a)
	if err != nil {
		d.fail(w, r, "open application", err)
		return nil, nil, false
	}
	return rec, a, true
}

func (d *Desk) buildApplicationRecord(ctx context.Context, v *webauth.Visitor, a *storage.Application) (*record, error) {
	pg, err := d.Applications.PageFor(ctx, d.DB, a, v.Person, d.Now())
	if err != nil {
		return nil, err
	}
	trail, err := storage.AuditTrail(ctx, d.DB, storage.EntityApplication, a.Number())
	if err != nil {
		return nil, err
	}
	rec := &record{
		Kind: "政府信息公开申请", Number: a.Number(), Fields: pg.Fields, State: pg.Where, Deadline: pg.Clock,
		Left: pg.Left, Overdue: pg.Overdue, PrintLink: pg.RecordLink, PrintText: "打开办理审批表（可打印）",
	}
	if pg.RecordLink == "" {
		rec.PrintText = "办理审批表仅供综合办公室和主要负责人查看。"
	}
	rec.Links = pg.Letters
	if len(pg.Letters) > 0 {
		rec.LinksNote = "文书可打印；链接含有效期，请勿转发给无关人员。"
	}
	// Its papers and the reply's are on their own page (documents.go).
	rec.Links = append(rec.Links, chat.PageLink{Label: "附件：申请材料和答复材料", URL: applicationDocsPath(a.ID)})
	for _, e := range trail {
		who, what, _ := d.Applications.Sentence(e)
		rec.Timeline = append(rec.Timeline, event{At: workflow.FormatDateTime(e.At, d.Location), Text: who + what})
	}
	x, err := d.Applications.PageActionsFor(ctx, d.DB, v.Person, a, d.Now())
	if err != nil {
		return nil, err
	}
	if x != nil {
		rec.Application = &applicationActions{PageActions: x, Path: applicationPath(a.ID) + "/act", CSRF: v.CSRF}
	}
	return rec, nil
}

// serveApplicationAct takes an action posted from an application's page:
// in a turn of the visitor's, through the flow's function the card's click
// runs, against the application as the page showed it.
func (d *Desk) serveApplicationAct(w http.ResponseWriter, r *http.Request, v *webauth.Visitor) {
	id, ok := pageID(w, r, "申请")
	if !ok {
		return
	}
	f := r.PostForm
	act := applications.PageAction{ApplicationID: id, Mark: f.Get("mark"), Action: f.Get("action"), Section: f.Get("section"), Handler: f.Get("handler"),
		Checks: f["check"], Answers: map[string]string{}}
	for _, k := range applicationAnswers {
		if x := f.Get(k); x != "" {
			act.Answers[k] = x
		}
	}
	if act.Mark == "" || act.Action == "" {
		webauth.Refuse(w, http.StatusBadRequest, "操作未执行", "页面内容不完整，操作未执行。请返回办公桌重新打开该申请。")
		return
	}
	var res chat.PageResult
	err := d.Applications.Act(r.Context(), v.Person, func(ctx context.Context, t *chat.Turn) error {
		var err error
		res, err = d.Applications.ActOnPage(ctx, t, act)
		return err
	})
	if err != nil {
		d.fail(w, r, "act on application", err)
		return
	}
	answerAction(w, r, res, webauth.DoneQuery(v, applicationPath(id), act.Action), func(status int) {
		rec, _, ok := d.applicationRecord(w, r, v, id)
		if !ok {
			return
		}
		rec.Notice, rec.NoticeBad = res.Text, res.Outcome != chat.PageRepeat
		if res.Outcome == chat.PageBadInput && rec.Application != nil {
			rec.Application.TypedFor, rec.Application.Typed = act.Action, act.Answers
			rec.Application.Ticked = map[string]bool{}
			for _, c := range act.Checks {
				rec.Application.Ticked[c] = true
			}
		}
		d.Auth.Render(w, d.pages, status, "record", v, "政府信息公开申请 "+rec.Number, rec)
	})
}
