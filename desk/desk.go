// Package desk is the 办公桌: the web pages inside WeCom that give the
// whole picture the chat cannot — what waits for me, and for the office
// every open 审批单, 12345 order and 政府信息公开申请, filterable and paged.
// Who is looking comes from webauth; what they may see is the flows' rule
// (forms' 查询, applications' 申请 编号, orders' 超期工单), asked of the
// flows, never decided here. Each row opens the record's own page
// (form.go, order.go, application.go): its particulars, timeline and
// printable version, and for whoever holds it the card's main actions,
// done through the flow's function a click runs.
package desk

import (
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/zwgk-bot/zwgk/applications"
	"github.com/zwgk-bot/zwgk/forms"
	"github.com/zwgk-bot/zwgk/office"
	"github.com/zwgk-bot/zwgk/orders"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/webauth"
	"github.com/zwgk-bot/zwgk/workflow"
)

//go:embed templates/*.html
var pageFiles embed.FS

// Paths of the desk's pages.
const (
	AllPath  = "/desk/all"  // 全部在办, for those who oversee the registers
	OpenPath = "/desk/open" // /desk/open/{kind}/{id}: a record's page
)

// Desk serves the pages.
type Desk struct {
	Auth         *webauth.Auth
	DB           *storage.DB
	Forms        *forms.Flow
	Orders       *orders.Flow
	Applications *applications.Flow
	Office       *office.Flow // the 年度报告 (annual.go)
	Calendar     *workflow.Calendar
	Location     *time.Location
	Now          func() time.Time
	Log          *slog.Logger

	pages  *template.Template
	static statics
}

// Routes mounts the desk's pages (and the login's) on mux.
func (d *Desk) Routes(mux *http.ServeMux) error {
	t, err := webauth.NewTemplates(template.FuncMap{}, pageFiles, "templates/*.html")
	if err != nil {
		return err
	}
	d.pages = t
	if d.static, err = loadStatics(); err != nil {
		return err
	}
	d.Auth.Routes(mux)
	mux.HandleFunc("GET "+webauth.HomePath, d.Auth.Page(d.serveHome))
	mux.HandleFunc("GET "+webauth.HomePath+"/{$}", d.Auth.Page(d.serveHome))
	mux.HandleFunc("GET "+AllPath, d.Auth.Page(d.serveAll))
	mux.HandleFunc("GET "+OpenPath+"/{kind}/{id}", d.Auth.Page(d.serveOpen))
	mux.HandleFunc("GET "+StatsPath, d.Auth.Page(d.serveStats))
	mux.HandleFunc("GET "+ExportPath, d.Auth.Page(d.serveExport))
	mux.HandleFunc("GET "+StaticPath+"{hash}/{name...}", d.static.serve)
	mux.HandleFunc("GET "+FormPath+"/{id}", d.Auth.Page(d.serveForm))
	mux.HandleFunc("POST "+FormPath+"/{id}/decide", d.Auth.Form(d.serveFormDecide))
	mux.HandleFunc("POST "+FormPath+"/{id}/act", d.Auth.Form(d.serveFormAct))
	mux.HandleFunc("GET "+OrderPath+"/{id}", d.Auth.Page(d.serveOrder))
	mux.HandleFunc("POST "+OrderPath+"/{id}/act", d.Auth.Form(d.serveOrderAct))
	mux.HandleFunc("GET "+ApplicationPath+"/{id}", d.Auth.Page(d.serveApplication))
	mux.HandleFunc("POST "+ApplicationPath+"/{id}/act", d.Auth.Form(d.serveApplicationAct))
	d.documentRoutes(mux)
	d.annualRoutes(mux)
	return nil
}

func (d *Desk) fail(w http.ResponseWriter, r *http.Request, what string, err error) {
	d.Log.ErrorContext(r.Context(), "desk: "+what, "err", err)
	webauth.Refuse(w, http.StatusInternalServerError, "系统繁忙", "系统暂时无法处理，请稍后重试。")
}

// badField answers a bad query parameter with 400, naming the field, and
// links back to the page without it (back, in words backText) and to the
// 办公桌.
func badField(w http.ResponseWriter, field, fix, back, backText string) {
	webauth.RefuseWith(w, http.StatusBadRequest, "筛选条件有误", "「"+field+"」"+fix,
		webauth.Link{Href: back, Text: backText}, webauth.Link{Href: webauth.HomePath, Text: "返回办公桌"})
}

// without is path with q less the keys named: the address of the page the
// person came from, without the filter that was refused.
func without(path string, q url.Values, keys ...string) string {
	q2 := url.Values{}
	for k, v := range q {
		if !slices.Contains(keys, k) {
			q2[k] = v
		}
	}
	if len(q2) == 0 {
		return path
	}
	return path + "?" + q2.Encode()
}

// serveOpen opens a record's own page: a 审批单's (FormPath), a 12345
// order's (OrderPath), an application's (ApplicationPath).
func (d *Desk) serveOpen(w http.ResponseWriter, r *http.Request, v *webauth.Visitor) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		webauth.Refuse(w, http.StatusNotFound, "未找到", "没有找到该事项，请返回办公桌核对。")
		return
	}
	ctx := r.Context()
	switch r.PathValue("kind") {
	case "form":
		f, err := storage.GetForm(ctx, d.DB, id)
		if errors.Is(err, storage.ErrNotFound) {
			webauth.Refuse(w, http.StatusNotFound, "未找到", "没有找到该审批单，请返回办公桌核对。")
			return
		}
		if err != nil {
			d.fail(w, r, "open form", err)
			return
		}
		ds, err := storage.Decisions(ctx, d.DB, f.ID)
		if err != nil {
			d.fail(w, r, "open form", err)
			return
		}
		if !d.Forms.MaySee(v.Person, f, ds) {
			webauth.Refuse(w, http.StatusForbidden, "无权查看", "您无权查看该审批单。如有需要，请联系综合办公室。")
			return
		}
		http.Redirect(w, r, formPath(f.ID), http.StatusSeeOther)
	case "order":
		// The order's and the application's pages ask their flows who may
		// see them, and answer 404 and 403 themselves.
		http.Redirect(w, r, orderPath(id), http.StatusSeeOther)
	case "application":
		http.Redirect(w, r, applicationPath(id), http.StatusSeeOther)
	default:
		webauth.Refuse(w, http.StatusNotFound, "未找到", "没有找到该页面，请返回办公桌。")
	}
}
