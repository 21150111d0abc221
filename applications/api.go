package applications

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/api"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// APIRoutes registers the register's machine API (the website's online
// application form posts here) on mux, guarded by the bearer token. With
// an empty token the API is not served at all.
func (b *Flow) APIRoutes(mux *http.ServeMux, token string) {
	if token == "" {
		return
	}
	mux.HandleFunc("POST /api/v1/applications", api.Guard(token, b.apiCreate))
	mux.HandleFunc("GET /api/v1/applications/{external_id}", api.Guard(token, b.apiGet))
	b.remedyRoutes(mux, token)
}

// View is an application as the API shows it. The applicant's ID number
// is not echoed: the caller sent it and has no need to read it back.
type View struct {
	Number      string `json:"number"`
	ExternalID  string `json:"external_id,omitempty"`
	Channel     string `json:"channel"`
	ReceivedOn  string `json:"received_on"`
	DueOn       string `json:"due_on"`
	Applicant   string `json:"applicant_name"`
	Type        string `json:"applicant_type"`
	Content     string `json:"content"`
	ProvideForm string `json:"provide_form"`
	Section     string `json:"section,omitempty"`
	State       string `json:"state"`
	StateLabel  string `json:"state_label"`
	Outcome     string `json:"outcome,omitempty"`
	// Ignored, on a repeat of a known external_id, names the fields the
	// repeat sent otherwise than stored: they were not taken.
	Ignored []string `json:"ignored_fields,omitempty"`
}

func viewOf(a *storage.Application) View {
	return View{
		Number: a.Number(), ExternalID: a.ExternalID.String, Channel: a.Channel,
		ReceivedOn: a.ReceivedD.Format(time.DateOnly), DueOn: a.DueD.Format(time.DateOnly),
		Applicant: a.ApplicantName, Type: a.ApplicantType, Content: a.Content, ProvideForm: a.ProvideForm,
		Section: a.Section, State: a.State, StateLabel: workflow.ApplicationState(a.State).Label(), Outcome: a.Outcome,
	}
}

func (b *Flow) apiCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var in Input
	if !api.ReadInput(w, r, &in, fieldLabels) {
		return
	}
	now := b.Now()
	if strings.TrimSpace(in.ReceivedOn) == "" {
		// An online application is received when the platform confirms
		// it to the applicant (Art. 31: 双方确认之日), which is the post.
		in.ReceivedOn = now.In(b.Location).Format(time.DateOnly)
	}
	a, err := b.Validate(in, now)
	fe, _ := api.AsFieldErrors(err)
	if strings.TrimSpace(in.ExternalID) == "" {
		// The website retries a post that timed out; without its own id the
		// retry would register the application twice.
		fe = append(api.FieldErrors{{Field: "external_id", Message: "请提供网上申请平台的申请编号（external_id），重复提交时据此识别同一申请。"}}, fe...)
	}
	if len(fe) > 0 {
		api.WriteFieldErrors(w, fe)
		return
	}
	if err != nil {
		b.Log.ErrorContext(ctx, "api validate application", "err", err)
		api.WriteError(w, http.StatusInternalServerError, "internal error")
		return
	}
	a.Source = "api"
	var created bool
	var queued int
	posted := *a
	err = b.DB.WithTx(ctx, func(tx *storage.Tx) error {
		var err error
		created, queued, err = b.Register(ctx, tx, a, now)
		return err
	})
	if errors.Is(err, storage.ErrExternalConflict) {
		// The same external id posted twice at once: the other post
		// stored it; answer as for a repeat.
		var got *storage.Application
		got, err = storage.ApplicationByExternal(ctx, b.DB, a.ExternalID.String)
		if err == nil {
			a, created = got, false
		}
	}
	if err != nil {
		b.Log.ErrorContext(ctx, "api register application", "external_id", in.ExternalID, "err", err)
		api.WriteError(w, http.StatusServiceUnavailable, "the application could not be stored; try again")
		return
	}
	if queued > 0 && b.Queued != nil {
		b.Queued()
	}
	v := viewOf(a)
	if !created {
		// A repeat returns what is stored; fields the repeat changed are
		// named, so that the website sees they were not taken (a changed
		// application is a new one, with its own id).
		v.Ignored = changedFields(&posted, a)
	}
	api.WriteStored(w, created, v)
}

// changedFields are the fields of posted that differ from stored.
func changedFields(posted, stored *storage.Application) []string {
	var out []string
	for _, f := range []struct {
		name string
		a, b string
	}{
		{"channel", posted.Channel, stored.Channel},
		{"received_on", posted.ReceivedD.Format(time.DateOnly), stored.ReceivedD.Format(time.DateOnly)},
		{"applicant_name", posted.ApplicantName, stored.ApplicantName},
		{"applicant_type", posted.ApplicantType, stored.ApplicantType},
		{"applicant_id_no", posted.ApplicantIDNo, stored.ApplicantIDNo},
		{"applicant_phone", posted.ApplicantPhone, stored.ApplicantPhone},
		{"applicant_address", posted.ApplicantAddress, stored.ApplicantAddress},
		{"content", posted.Content, stored.Content},
		{"provide_form", posted.ProvideForm, stored.ProvideForm},
	} {
		if f.a != f.b {
			out = append(out, f.name)
		}
	}
	return out
}

func (b *Flow) apiGet(w http.ResponseWriter, r *http.Request) {
	ext := r.PathValue("external_id")
	if api.TextProblem(ext) != "" || len(ext) > 4*maxExternal {
		api.WriteError(w, http.StatusNotFound, "no such external_id")
		return
	}
	a, err := storage.ApplicationByExternal(r.Context(), b.DB, ext)
	if errors.Is(err, storage.ErrNotFound) {
		api.WriteError(w, http.StatusNotFound, "no such external_id")
		return
	}
	if err != nil {
		b.Log.ErrorContext(r.Context(), "api get application", "err", err)
		api.WriteError(w, http.StatusServiceUnavailable, "try again")
		return
	}
	api.WriteJSON(w, http.StatusOK, viewOf(a))
}
