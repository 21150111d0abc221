package notices

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

// Routes mounts the public pages behind the notices' links:
//
//	GET /notices/{id}       a published form (public information)
//	GET /notices/answer     a 12345 answer, by signed link only
func (s *Service) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /notices/{id}", s.ServeNotice)
	mux.HandleFunc("GET /notices/answer", s.ServeAnswer)
}

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Heading}}{{with .Bureau}} - {{.}}{{end}}</title>
<style>
body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:40em;margin:0 auto;padding:1.2em;color:#222;line-height:1.7}
h1{font-size:1.3em;margin:.2em 0 .6em}.kicker{color:#b22;font-weight:600;font-size:.9em}
.org{font-weight:600;font-size:1.05em;border-bottom:2px solid #b22;padding-bottom:.3em;margin-bottom:.8em}
dl{display:grid;grid-template-columns:6em 1fr;gap:.2em .6em;margin:1em 0}dt{color:#666}dd{margin:0}
.body{white-space:pre-wrap;border-top:1px solid #ddd;padding-top:.8em}footer{color:#888;font-size:.8em;margin-top:2em}.sign{text-align:right;margin-top:.6em}
</style></head><body>
{{with .Bureau}}<header class="org">{{.}}</header>{{end}}
<div class="kicker">{{.Kicker}}</div>
<h1>{{.Heading}}</h1>
<dl>{{range .Facts}}<dt>{{.Name}}</dt><dd>{{if .Link}}<a href="{{.Link}}">{{.Value}}</a>{{else}}{{.Value}}{{end}}</dd>{{end}}</dl>
{{if .Body}}<div class="body">{{.Body}}</div>{{end}}
<footer>{{.Footer}}{{with .Bureau}}<div class="sign">{{.}}</div>{{end}}</footer>
</body></html>`))

type fact struct {
	Name, Value string
	Link        template.URL
}

type page struct {
	Kicker, Heading, Body, Footer string
	Facts                         []fact
	// Bureau names who publishes: a public page of government information
	// must say whose it is. From BUREAU_NAME; empty names none.
	Bureau string
}

func (s *Service) render(w http.ResponseWriter, status int, p page) {
	p.Bureau = s.Config.Bureau
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	pageTmpl.Execute(w, p)
}

func (s *Service) notFound(w http.ResponseWriter, status int, text string) {
	s.render(w, status, page{Kicker: "政务公开", Heading: text, Footer: "如有疑问，请通过公众号留言。"})
}

// ServeNotice shows a published form: what the notice announced, and
// where it was published (with the link the publisher recorded).
func (s *Service) ServeNotice(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.notFound(w, http.StatusNotFound, "未找到该公开信息。")
		return
	}
	f, err := storage.GetForm(r.Context(), s.DB, id)
	// Only what the 公众号 announced is shown: a form not yet published, or
	// published without “双微”公众号 (依申请公开 answers, for one), is not
	// this page's to show, and its id must not reveal it.
	if errors.Is(err, storage.ErrNotFound) || err == nil && (f.State != string(workflow.StatePublished) || !f.NoticeDue) {
		s.notFound(w, http.StatusNotFound, "未找到该公开信息。")
		return
	}
	if err != nil {
		s.Log.ErrorContext(r.Context(), "notice page", "form", id, "err", err)
		s.notFound(w, http.StatusInternalServerError, "系统暂时无法显示，请稍后再试。")
		return
	}
	pubs, err := storage.Publications(r.Context(), s.DB, id)
	if err != nil {
		s.Log.ErrorContext(r.Context(), "notice page", "form", id, "err", err)
		s.notFound(w, http.StatusInternalServerError, "系统暂时无法显示，请稍后再试。")
		return
	}
	facts := []fact{{Name: "编号", Value: workflow.FormatSerial(f.Year, f.Seq)}}
	var published time.Time
	for _, p := range pubs {
		if p.PublishedAt.After(published) {
			published = p.PublishedAt
		}
	}
	if !published.IsZero() {
		facts = append(facts, fact{Name: "公开日期", Value: workflow.FormatDate(published, s.loc())})
	}
	facts = append(facts, fact{Name: "公开栏目", Value: f.Column}, fact{Name: "公开方式", Value: f.Mode})
	for _, p := range pubs {
		v := "已发布"
		fc := fact{Name: p.Platform}
		if ref := strings.TrimSpace(p.Reference); ref != "" {
			v = ref
			if u, err := url.Parse(ref); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
				fc.Link = template.URL(u.String())
				v = "查看原文"
			}
		}
		fc.Value = v
		facts = append(facts, fc)
	}
	s.render(w, http.StatusOK, page{
		Kicker: "政府信息公开", Heading: f.Title, Facts: facts, Body: f.Summary,
		Footer: "本页面内容已依法主动公开。订阅或退订公开通知，请在公众号内发送「订阅」或「退订」。",
	})
}

// ServeAnswer shows a 12345 answer to the complainant who holds the link.
func (s *Service) ServeAnswer(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ref := q.Get("ref")
	switch verifyAnswerLink(s.LinkSecret, ref, q.Get("exp"), q.Get("sig"), s.Now()) {
	case nil:
	case errLinkExpired:
		s.notFound(w, http.StatusForbidden, "链接已过期。")
		return
	default:
		s.notFound(w, http.StatusForbidden, "链接无效。")
		return
	}
	n, err := storage.GetNotice(r.Context(), s.DB, kindAnswer, ref)
	if errors.Is(err, storage.ErrNotFound) {
		s.notFound(w, http.StatusNotFound, "未找到该答复。")
		return
	}
	var d answerDetail
	if err == nil {
		err = json.Unmarshal(n.Detail, &d)
	}
	if err != nil {
		s.Log.ErrorContext(r.Context(), "answer page", "ref", ref, "err", err)
		s.notFound(w, http.StatusInternalServerError, "系统暂时无法显示，请稍后再试。")
		return
	}
	s.render(w, http.StatusOK, page{
		Kicker: "12345热线诉求办理结果", Heading: "您反映的问题已办结",
		Facts: []fact{{Name: "工单号", Value: d.TicketNo}, {Name: "办结时间", Value: workflow.FormatDateTime(d.ClosedAt, s.loc())}},
		Body:  d.Summary, Footer: "感谢您对生态环境工作的关心和支持。",
	})
}

var (
	errLinkInvalid = errors.New("answer link invalid")
	errLinkExpired = errors.New("answer link expired")
)

// signAnswerLink returns the path and query of the answer page for ref,
// valid until exp: HMAC-SHA256 over "answer:{ref}:{exp}", like the form
// links of handlers.
func signAnswerLink(secret []byte, ref string, exp time.Time) string {
	e := strconv.FormatInt(exp.Unix(), 10)
	return "/notices/answer?" + url.Values{"ref": {ref}, "exp": {e}, "sig": {hex.EncodeToString(answerMAC(secret, ref, e))}}.Encode()
}

func verifyAnswerLink(secret []byte, ref, expParam, sigParam string, now time.Time) error {
	if len(secret) == 0 || ref == "" {
		return errLinkInvalid
	}
	exp, err := strconv.ParseInt(expParam, 10, 64)
	if err != nil || strconv.FormatInt(exp, 10) != expParam {
		return errLinkInvalid
	}
	sig, err := hex.DecodeString(sigParam)
	if err != nil || !hmac.Equal(sig, answerMAC(secret, ref, expParam)) {
		return errLinkInvalid
	}
	if !now.Before(time.Unix(exp, 0)) {
		return errLinkExpired
	}
	return nil
}

func answerMAC(secret []byte, ref, exp string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("answer:" + ref + ":" + exp))
	return m.Sum(nil)
}
