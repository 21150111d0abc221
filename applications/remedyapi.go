package applications

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zwgk-bot/zwgk/api"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// The machine API of 行政复议 and 行政诉讼 (table 四), for the office's own
// tools: a case recorded against an application by its register number
// (依申请〔2026〕5号, percent-encoded, or 2026-5), and its result later. A
// post is retried safely: a case by its client_key, a result by being
// the same result.

// remedyRoutes registers the routes on mux behind the token.
func (b *Flow) remedyRoutes(mux *http.ServeMux, token string) {
	mux.HandleFunc("POST /api/v1/applications/{number}/remedies", api.Guard(token, b.apiRecordRemedy))
	mux.HandleFunc("GET /api/v1/applications/{number}/remedies", api.Guard(token, b.apiListRemedies))
	mux.HandleFunc("POST /api/v1/applications/{number}/remedies/{id}/result", api.Guard(token, b.apiDecideRemedy))
}

// RemedyInput is a case as the API posts it.
type RemedyInput struct {
	ClientKey  string `json:"client_key"`  // required: the caller's key of this post; a retry returns the stored case
	Kind       string `json:"kind"`        // review, suit_direct, suit_after_review (or 行政复议, 未经复议直接起诉, 复议后起诉)
	FiledOn    string `json:"filed_on"`    // YYYY-MM-DD: the 复议 applied for, the suit filed
	Note       string `json:"note"`        // optional: 复议机关 or 法院, 案号
	Result     string `json:"result"`      // upheld, corrected, other, pending (or 维持, 纠正, 其他, 尚未审结); empty: pending
	DecidedOn  string `json:"decided_on"`  // YYYY-MM-DD, with a result other than pending
	RecordedBy string `json:"recorded_by"` // userid of the office member recording it
}

// RemedyResultInput is a case's result as the API posts it.
type RemedyResultInput struct {
	Result     string `json:"result"`      // upheld, corrected, other (or 维持, 纠正, 其他)
	DecidedOn  string `json:"decided_on"`  // YYYY-MM-DD
	RecordedBy string `json:"recorded_by"` // userid of the office member recording it
}

var remedyLabels = map[string]string{
	"client_key": "客户端编号", "kind": "类别", "filed_on": "提起日期", "note": "复议机关（法院）和案号",
	"result": "结果", "decided_on": "审结日期", "recorded_by": "登记人",
}

// RemedyView is a case as the API shows it.
type RemedyView struct {
	ID          int64  `json:"id"`
	Application string `json:"application"`
	ClientKey   string `json:"client_key,omitempty"`
	Kind        string `json:"kind"`
	KindLabel   string `json:"kind_label"`
	FiledOn     string `json:"filed_on"`
	Result      string `json:"result"`
	ResultLabel string `json:"result_label"`
	DecidedOn   string `json:"decided_on,omitempty"`
	Note        string `json:"note,omitempty"`
	RecordedBy  string `json:"recorded_by"`
	DecidedBy   string `json:"decided_by,omitempty"`
	// Ignored, on a repeat of a known client_key, names the fields the
	// repeat sent otherwise than stored: they were not taken.
	Ignored []string `json:"ignored_fields,omitempty"`
}

func remedyViewOf(r *storage.Remedy, number string) RemedyView {
	return RemedyView{
		ID: r.ID, Application: number, ClientKey: r.ClientKey.String, Kind: r.Kind, KindLabel: workflow.RemedyName(r.Kind),
		FiledOn: r.FiledD.Format(time.DateOnly), Result: r.Result, ResultLabel: workflow.ReviewResultLabel(r.Result),
		DecidedOn: dayOrEmpty(r.DecidedD), Note: r.Note, RecordedBy: r.RecordedBy, DecidedBy: r.DecidedBy,
	}
}

// apiApplication is the application of the path's number; false (and 404
// written) when there is none.
func (b *Flow) apiApplication(w http.ResponseWriter, r *http.Request) (*storage.Application, bool) {
	year, seq, ok := ParseNumber(r.PathValue("number"))
	if !ok {
		api.WriteError(w, http.StatusNotFound, "no such application: the path names it by its register number (依申请〔2026〕5号 or 2026-5)")
		return nil, false
	}
	a, err := storage.ApplicationBySerial(r.Context(), b.DB, year, seq)
	if errors.Is(err, storage.ErrNotFound) {
		api.WriteError(w, http.StatusNotFound, "no such application: "+storage.ApplicationNumber(year, seq))
		return nil, false
	}
	if err != nil {
		b.Log.ErrorContext(r.Context(), "api remedy application", "err", err)
		api.WriteError(w, http.StatusServiceUnavailable, "try again")
		return nil, false
	}
	return a, true
}

// apiDay reads a YYYY-MM-DD field.
func (b *Flow) apiDay(errs *api.FieldErrors, field, v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	d, err := time.ParseInLocation(time.DateOnly, v, b.Location)
	switch {
	case err == nil:
		return d, true
	case isoDay.MatchString(v):
		errs.Add(field, remedyLabels[field]+"「"+v+"」不是有效的日期，请核对。")
	default:
		errs.Add(field, remedyLabels[field]+"应为 YYYY-MM-DD 格式，如 2026-12-01。")
	}
	return time.Time{}, false
}

// apiRecorder checks recorded_by: an office member of the roster.
func (b *Flow) apiRecorder(errs *api.FieldErrors, id string) string {
	id = strings.TrimSpace(id)
	p, ok := b.Roster.Person(id)
	switch {
	case id == "":
		errs.Add("recorded_by", "请填写登记人（综合办公室人员的 userid）。")
	case !ok:
		errs.Add("recorded_by", "登记人「"+id+"」不在人员名单中。")
	case !p.Has(config.RoleOffice):
		errs.Add("recorded_by", "行政复议、行政诉讼由综合办公室登记，登记人应为"+b.OfficeNames()+"之一。")
	}
	return id
}

// validateRemedy checks a posted case against a and today, every field at
// once.
func (b *Flow) validateRemedy(in RemedyInput, a *storage.Application, reviews []time.Time, now time.Time) (*storage.Remedy, api.FieldErrors) {
	var errs api.FieldErrors
	for _, f := range []struct{ name, value string }{{"client_key", in.ClientKey}, {"kind", in.Kind}, {"filed_on", in.FiledOn},
		{"note", in.Note}, {"result", in.Result}, {"decided_on", in.DecidedOn}, {"recorded_by", in.RecordedBy}} {
		if msg := api.TextProblem(f.value); msg != "" {
			errs.Add(f.name, remedyLabels[f.name]+msg)
		}
	}
	r := &storage.Remedy{ApplicationID: a.ID}
	switch key := strings.TrimSpace(in.ClientKey); {
	case key == "":
		errs.Add("client_key", "请提供客户端编号（client_key），重复提交时据此识别同一案件，不会重复登记。")
	case utf8.RuneCountInString(key) > maxExternal:
		errs.Add("client_key", "客户端编号不能超过64个字符。")
	default:
		r.ClientKey = sql.NullString{String: key, Valid: true}
	}
	r.RecordedBy = b.apiRecorder(&errs, in.RecordedBy)
	kind, err := workflow.ParseRemedyKind(strings.TrimSpace(in.Kind))
	if err != nil {
		errs.Add("kind", err.Error()+"（review、suit_direct 或 suit_after_review）。")
	}
	r.Kind = kind
	today := b.today(now)
	filed, ok := b.apiDay(&errs, "filed_on", in.FiledOn)
	if ok {
		if err := workflow.CheckRemedyFiled(kind, filed, storage.Day(a.ReceivedD, b.Location), today, b.Location); err != nil {
			errs.Add("filed_on", err.Error())
		} else if kind == workflow.SuitAfterReview {
			if err := workflow.CheckSuitAfterReview(filed, reviews, b.Location); err != nil {
				errs.Add("filed_on", err.Error())
			}
		}
	}
	r.FiledD = filed
	if note, err := checkRemedyNote(in.Note); err != nil {
		errs.Add("note", err.Error())
	} else {
		r.Note = note
	}
	result, err := workflow.ParseReviewResult(strings.TrimSpace(in.Result))
	if err != nil {
		errs.Add("result", err.Error())
	}
	r.Result = result
	switch {
	case result == workflow.ResultPending && strings.TrimSpace(in.DecidedOn) != "":
		errs.Add("decided_on", "尚未审结的案件没有审结日期；已审结的请同时填写结果（result）。")
	case result != workflow.ResultPending && err == nil && strings.TrimSpace(in.DecidedOn) == "":
		errs.Add("decided_on", "已审结的案件请填写审结日期（decided_on）。")
	case result != workflow.ResultPending && err == nil:
		if d, ok := b.apiDay(&errs, "decided_on", in.DecidedOn); ok {
			if !filed.IsZero() {
				if err := workflow.CheckRemedyDecided(kind, d, filed, today, b.Location); err != nil {
					errs.Add("decided_on", err.Error())
				}
			}
			r.DecidedD = sql.NullTime{Time: d, Valid: true}
		}
	}
	return r, errs
}

func (b *Flow) apiRecordRemedy(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, ok := b.apiApplication(w, r)
	if !ok {
		return
	}
	var in RemedyInput
	if !api.ReadInput(w, r, &in, remedyLabels) {
		return
	}
	now := b.Now()
	reviews, err := b.reviewDays(ctx, b.DB, a)
	if err != nil {
		b.Log.ErrorContext(ctx, "remedy api", "application", a.ID, "err", err)
		api.WriteError(w, http.StatusInternalServerError, "系统繁忙，请稍后重试。")
		return
	}
	posted, fe := b.validateRemedy(in, a, reviews, now)
	if len(fe) > 0 {
		api.WriteFieldErrors(w, fe)
		return
	}
	var got *storage.Remedy
	var created bool
	err = b.DB.WithTx(ctx, func(tx *storage.Tx) error {
		p := *posted
		var err error
		got, created, err = storage.RecordRemedy(ctx, tx, a, &p, now)
		return err
	})
	switch {
	case errors.Is(err, storage.ErrRemedyRecorded):
		v := remedyViewOf(got, a.Number())
		api.WriteJSON(w, http.StatusConflict, map[string]any{
			"error":  fmt.Sprintf("%s 的%s（%s提起）已登记（编号 %d），未重复登记。", a.Number(), workflow.RemedyName(got.Kind), b.day(got.FiledD), got.ID),
			"remedy": v,
		})
		return
	case err != nil:
		b.Log.ErrorContext(ctx, "api record remedy", "application", a.Number(), "client_key", in.ClientKey, "err", err)
		api.WriteError(w, http.StatusServiceUnavailable, "the case could not be stored; try again")
		return
	}
	v := remedyViewOf(got, a.Number())
	if !created {
		v.Ignored = changedRemedyFields(posted, got)
	}
	api.WriteStored(w, created, v)
}

// changedRemedyFields are the fields of posted that differ from stored.
func changedRemedyFields(posted, stored *storage.Remedy) []string {
	var out []string
	for _, f := range []struct{ name, a, b string }{
		{"kind", posted.Kind, stored.Kind},
		{"filed_on", posted.FiledD.Format(time.DateOnly), stored.FiledD.Format(time.DateOnly)},
		{"note", posted.Note, stored.Note},
		{"result", posted.Result, stored.Result},
		{"decided_on", dayOrEmpty(posted.DecidedD), dayOrEmpty(stored.DecidedD)},
	} {
		if f.a != f.b {
			out = append(out, f.name)
		}
	}
	return out
}

func (b *Flow) apiListRemedies(w http.ResponseWriter, r *http.Request) {
	a, ok := b.apiApplication(w, r)
	if !ok {
		return
	}
	rs, err := storage.Remedies(r.Context(), b.DB, a.ID)
	if err != nil {
		b.Log.ErrorContext(r.Context(), "api list remedies", "err", err)
		api.WriteError(w, http.StatusServiceUnavailable, "try again")
		return
	}
	out := []RemedyView{}
	for i := range rs {
		out = append(out, remedyViewOf(&rs[i], a.Number()))
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"application": a.Number(), "remedies": out})
}

func (b *Flow) apiDecideRemedy(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, ok := b.apiApplication(w, r)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		api.WriteError(w, http.StatusNotFound, "no such case of "+a.Number())
		return
	}
	var in RemedyResultInput
	if !api.ReadInput(w, r, &in, remedyLabels) {
		return
	}
	stored, err := storage.RemedyByID(ctx, b.DB, id)
	if errors.Is(err, storage.ErrNotFound) || err == nil && stored.ApplicationID != a.ID {
		api.WriteError(w, http.StatusNotFound, "no such case of "+a.Number())
		return
	}
	if err != nil {
		b.Log.ErrorContext(ctx, "api remedy", "id", id, "err", err)
		api.WriteError(w, http.StatusServiceUnavailable, "try again")
		return
	}
	var errs api.FieldErrors
	for _, f := range []struct{ name, value string }{{"result", in.Result}, {"decided_on", in.DecidedOn}, {"recorded_by", in.RecordedBy}} {
		if msg := api.TextProblem(f.value); msg != "" {
			errs.Add(f.name, remedyLabels[f.name]+msg)
		}
	}
	actor := b.apiRecorder(&errs, in.RecordedBy)
	result, err := workflow.ParseReviewResult(strings.TrimSpace(in.Result))
	switch {
	case strings.TrimSpace(in.Result) == "":
		errs.Add("result", "请填写结果：upheld（维持）、corrected（纠正）或 other（其他）。")
	case err != nil:
		errs.Add("result", err.Error())
	case result == workflow.ResultPending:
		errs.Add("result", "尚未审结的无需登记结果；审结后请填写 upheld（维持）、corrected（纠正）或 other（其他）。")
	}
	now := b.Now()
	var on time.Time
	if strings.TrimSpace(in.DecidedOn) == "" {
		errs.Add("decided_on", "请填写审结日期（decided_on）。")
	} else if d, ok := b.apiDay(&errs, "decided_on", in.DecidedOn); ok {
		if err := workflow.CheckRemedyDecided(stored.Kind, d, storage.Day(stored.FiledD, b.Location), b.today(now), b.Location); err != nil {
			errs.Add("decided_on", err.Error())
		}
		on = d
	}
	if len(errs) > 0 {
		api.WriteFieldErrors(w, errs)
		return
	}
	var got *storage.Remedy
	err = b.DB.WithTx(ctx, func(tx *storage.Tx) error {
		var err error
		got, err = storage.DecideRemedyOnce(ctx, tx, a, id, result, on, actor, now)
		return err
	})
	switch {
	case errors.Is(err, storage.ErrStale) && got.Result == result && dayOrEmpty(got.DecidedD) == on.Format(time.DateOnly):
		api.WriteJSON(w, http.StatusOK, remedyViewOf(got, a.Number())) // a retry: recorded already, as posted
	case errors.Is(err, storage.ErrStale):
		api.WriteJSON(w, http.StatusConflict, map[string]any{"error": b.decidedAlready(a, got), "remedy": remedyViewOf(got, a.Number())})
	case errors.Is(err, storage.ErrNotFound):
		api.WriteError(w, http.StatusNotFound, "no such case of "+a.Number())
	case err != nil:
		b.Log.ErrorContext(ctx, "api decide remedy", "id", id, "err", err)
		api.WriteError(w, http.StatusServiceUnavailable, "the result could not be stored; try again")
	default:
		api.WriteJSON(w, http.StatusOK, remedyViewOf(got, a.Number()))
	}
}
