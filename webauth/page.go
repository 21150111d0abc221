package webauth

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"

	"github.com/zwgk-bot/zwgk/config"
)

//go:embed templates/*.html
var shellFiles embed.FS

// shell is the page shell alone, for the refusal pages.
var shell = template.Must(template.ParseFS(shellFiles, "templates/*.html"))

// PageData is what every page's template gets: the title, the visitor
// (nil on refusal pages) and the page's own data.
type PageData struct {
	Title   string
	Visitor *Visitor
	// Roles is the visitor's roles as the header shows them.
	Roles string
	Body  any
}

// NewTemplates parses a set of pages with the shell: each page's template
// calls {{template "head" .}} and {{template "foot" .}} around its body.
func NewTemplates(funcs template.FuncMap, fsys fs.FS, patterns ...string) (*template.Template, error) {
	t, err := template.New("").Funcs(funcs).ParseFS(shellFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	return t.ParseFS(fsys, patterns...)
}

// The pages' CSP: no script at all, or (scriptCSP) only this origin's
// script files — never an inline script, never another host's.
const (
	pageCSP   = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	scriptCSP = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

// Render executes the page name of t into a buffer first, so that a
// template error never leaves half a page: it is logged and answered 500.
func (a *Auth) Render(w http.ResponseWriter, t *template.Template, status int, name string, v *Visitor, title string, body any) {
	a.render(w, t, status, name, v, title, body, pageCSP)
}

// RenderScripts is Render for a page that runs its own script files
// (统计's charts): its CSP allows script-src 'self', nothing inline.
func (a *Auth) RenderScripts(w http.ResponseWriter, t *template.Template, status int, name string, v *Visitor, title string, body any) {
	a.render(w, t, status, name, v, title, body, scriptCSP)
}

func (a *Auth) render(w http.ResponseWriter, t *template.Template, status int, name string, v *Visitor, title string, body any, csp string) {
	var buf bytes.Buffer
	data := PageData{Title: title, Visitor: v, Body: body}
	if v != nil {
		data.Roles = a.RoleText(v.Person)
	}
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		if a.Log != nil {
			a.Log.Error("render page", "page", name, "err", err)
		}
		Refuse(w, http.StatusInternalServerError, "系统繁忙", "系统暂时无法处理，请稍后重试。")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", csp)
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

type messageBody struct {
	Text, Link, LinkText string
	// Links are the ways on from a refusal, after Link.
	Links []Link
	// Kept is what the visitor typed into a refused form, shown to copy.
	Kept []string
}

// Refuse answers with a short page saying why, with the status.
func Refuse(w http.ResponseWriter, status int, title, text string) {
	message(w, status, title, messageBody{Text: text})
}

// Link is a way on from a refusal page: an address of ours and its words.
type Link struct{ Href, Text string }

// RefuseWith is Refuse with the ways on: a page refused for what was
// asked of it (a bad filter) links back to itself without the fault, so
// that the person is not left to edit the address.
func RefuseWith(w http.ResponseWriter, status int, title, text string, links ...Link) {
	message(w, status, title, messageBody{Text: text, Links: links})
}

func message(w http.ResponseWriter, status int, title string, body messageBody) {
	var buf bytes.Buffer
	if err := shell.ExecuteTemplate(&buf, "message", PageData{Title: title, Body: body}); err != nil {
		slog.Error("render message page", "err", err)
		http.Error(w, body.Text, status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// RoleText is p's roles as the header names them, a section head's
// included (the roster keeps that on the section).
func (a *Auth) RoleText(p config.Person) string {
	var out []string
	for _, s := range a.Roster.Sections {
		if s.Head == p.UserID {
			out = append(out, s.Name+"负责人")
		}
	}
	for _, r := range p.Roles {
		out = append(out, RoleLabel(r))
	}
	if len(out) == 0 && p.Section != "" {
		out = append(out, p.Section)
	}
	return strings.Join(out, "、")
}

// RoleLabel is a roster role in the bureau's words.
func RoleLabel(r config.Role) string {
	switch r {
	case config.RoleOffice:
		return "办公室审核"
	case config.RolePublisher:
		return "办公室发布"
	case config.RoleLeader:
		return "主要负责人"
	case config.RoleSupervisor:
		return "纪检监督"
	}
	return string(r)
}
