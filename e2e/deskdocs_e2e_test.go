package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/zwgk-bot/zwgk/documents"
	"github.com/zwgk-bot/zwgk/storage"
)

// docFiles are the files the office uploads, written to disk for the
// browser's file picker.
type docFiles struct {
	dir                        string
	pdf1, pdf2, docx, big, exe []byte
}

func makeDocFiles(t *testing.T) docFiles {
	t.Helper()
	pdf := func(text string) []byte {
		return []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n% " + text + "\ntrailer<</Root 1 0 R>>\n%%EOF\n")
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"word/document.xml": `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>丙项目公示说明</w:t></w:r></w:p></w:body></w:document>`,
	} {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	zw.Close()
	f := docFiles{dir: t.TempDir(), pdf1: pdf("first version"), pdf2: pdf("second version, revised"), docx: buf.Bytes(),
		big: append(pdf("big"), make([]byte, documents.MaxBytes)...), exe: append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 4096)...)}
	for name, b := range map[string][]byte{"v1/公示正文.pdf": f.pdf1, "v2/公示正文.pdf": f.pdf2, "审批说明.docx": f.docx, "大文件.pdf": f.big, "程序.pdf": f.exe} {
		p := filepath.Join(f.dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// upload picks file in the page's upload form of kind and submits it; it
// returns the page that answers.
func (p *page) upload(kind, file string) string {
	p.t.Helper()
	p.do(chromedp.SetUploadFiles(chromedp.CSS(`#file-`+kind), []string{file}))
	return p.submitPage(`#upload-button-` + kind)
}

// docRows are the page's document rows: name, version and download path.
type docRow struct {
	Name, Version, Href string
}

func (p *page) docRows(section string) []docRow {
	p.t.Helper()
	js := `JSON.stringify([...document.querySelectorAll(` + jsString(section+` tr.doc`) + `)].map((tr) => ({Name: tr.dataset.name, Version: tr.dataset.version, Href: tr.querySelector('a.download').getAttribute('href')})))`
	var rows []docRow
	if err := json.Unmarshal([]byte(eval[string](p, js)), &rows); err != nil {
		p.t.Fatal(err)
	}
	return rows
}

// download is what the browser gets for a document's address.
type download struct {
	Status                          int
	SHA, Type, Disposition, Nosniff string
	CSP                             string
}

// download fetches path with the browser's cookies (from /healthz: the
// desk's pages allow no script to connect) and digests the body.
func (p *page) download(path string) download {
	p.t.Helper()
	p.do(chromedp.Navigate(p.base + "/healthz"))
	js := `fetch(` + jsString(path) + `, {credentials: 'same-origin', redirect: 'manual'}).then(async (r) => {
		const d = new Uint8Array(await crypto.subtle.digest('SHA-256', await r.arrayBuffer()));
		return JSON.stringify({Status: r.status, SHA: [...d].map((x) => x.toString(16).padStart(2, '0')).join(''),
			Type: r.headers.get('content-type') || '', Disposition: r.headers.get('content-disposition') || '',
			Nosniff: r.headers.get('x-content-type-options') || '', CSP: r.headers.get('content-security-policy') || ''});
	})`
	out, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("fetch %s: %v", path, err)
	}
	var d download
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		p.t.Fatal(err)
	}
	return d
}

// postFile posts a multipart body with fields and a file from the
// browser (from /healthz), and returns the status.
func (p *page) postFile(path string, fields map[string]string, name string, content string) int {
	p.t.Helper()
	p.do(chromedp.Navigate(p.base + "/healthz"))
	fj, _ := json.Marshal(fields)
	js := `(() => { const fd = new FormData(); const f = ` + string(fj) + `; for (const k in f) fd.append(k, f[k]);
		fd.append('file', new Blob([` + jsString(content) + `], {type: 'application/pdf'}), ` + jsString(name) + `);
		return fetch(` + jsString(path) + `, {method: 'POST', body: fd, credentials: 'same-origin', redirect: 'manual'}).then((r) => r.status); })()`
	st, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](js, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("post %s: %v", path, err)
	}
	return st
}

// The office finds a form on /desk/all, opens it and uploads a PDF and a
// Word file; the approver opens the form's card in the chat, follows its
// 查看附件 link to the form's page and downloads both, byte for byte. A
// second upload of the same name is version 2, version 1 still
// downloads; a file too large or of a refused type is refused, saying
// why; a 承办人 of another section may not download; an upload without
// the CSRF token is refused.
func TestBrowserDeskDocuments(t *testing.T) {
	t.Parallel()
	d := startDemo(t)
	f := seedDeskForm(t, d.dbURL)
	id := strconv.FormatInt(f.ID, 10)
	path := "/desk/form/" + id
	serial := "公开审〔" + strconv.Itoa(f.Year) + "〕911号"
	files := makeDocFiles(t)
	p := newPage(t, d.base)

	// 陈立新 finds the form among everything open and opens it.
	p.desk("chenlixin", "陈立新")
	p.visit("/desk/all?q=" + url.QueryEscape("丙项目"))
	p.do(chromedp.Navigate(eval[string](p, `document.querySelector('#results tr.row[data-number="`+serial+`"] a.open').href`)))
	p.waitAcrossNavigation("the form's page", `location.pathname === `+jsString(path)+` && !!document.querySelector('#attachments')`)
	if txt := eval[string](p, `document.querySelector('#attachments').innerText`); !strings.Contains(txt, "暂无附件") || !strings.Contains(txt, documents.AllowedText) {
		t.Errorf("the 附件 before any upload:\n%s", txt)
	}

	txt := p.upload("form", filepath.Join(files.dir, "v1/公示正文.pdf"))
	if n := eval[string](p, `document.querySelector('#notice').innerText`); !strings.Contains(n, "已上传「公示正文.pdf」（第1版") {
		t.Errorf("the notice after the PDF's upload: %q\n%s", n, txt)
	}
	p.upload("form", filepath.Join(files.dir, "审批说明.docx"))
	if n := eval[string](p, `document.querySelector('#notice').innerText`); !strings.Contains(n, "已上传「审批说明.docx」（第1版") {
		t.Errorf("the notice after the Word file's upload: %q", n)
	}
	rows := p.docRows("#attachments")
	if len(rows) != 2 || rows[0].Name != "公示正文.pdf" || rows[1].Name != "审批说明.docx" {
		t.Fatalf("the 附件 after two uploads: %+v", rows)
	}
	att := eval[string](p, `document.querySelector('#attachments').innerText`)
	for _, want := range []string{"第1版", "陈立新", "141 字节"} {
		if !strings.Contains(att, want) {
			t.Errorf("the 附件 list lacks %q:\n%s", want, att)
		}
	}
	if tl := eval[string](p, `document.querySelector('#timeline').innerText`); !strings.Contains(tl, "陈立新上传附件「公示正文.pdf」。") || !strings.Contains(tl, "陈立新上传附件「审批说明.docx」。") {
		t.Errorf("the timeline lacks the uploads:\n%s", tl)
	}
	pdfV1, docx := rows[0].Href, rows[1].Href
	p.shot("desk-docs-01-uploaded")

	// Refused: a file over 20 MB, an .exe called .pdf, the same name's
	// refused file leaving the list as it was.
	txt = p.upload("form", filepath.Join(files.dir, "大文件.pdf"))
	if n := eval[string](p, `document.querySelector('#notice').innerText`); !strings.Contains(n, documents.TooLargeText) {
		t.Errorf("the too large file's notice: %q\n%s", n, txt)
	}
	p.upload("form", filepath.Join(files.dir, "程序.pdf"))
	if n := eval[string](p, `document.querySelector('#notice').innerText`); !strings.Contains(n, "该文件类型不允许上传") || !strings.Contains(n, documents.AllowedText) {
		t.Errorf("the .exe's notice: %q", n)
	}
	p.shot("desk-docs-02-refused")
	if rows := p.docRows("#attachments"); len(rows) != 2 {
		t.Fatalf("the 附件 after the refusals: %+v", rows)
	}
	// Without the CSRF token: refused, nothing stored.
	if st := p.postFile(path+"/documents", map[string]string{"kind": "form"}, "无令牌.pdf", "%PDF-1.4 x"); st != http.StatusForbidden {
		t.Errorf("an upload without the CSRF token = %d, want 403", st)
	}
	p.visit(path)
	if rows := p.docRows("#attachments"); len(rows) != 2 {
		t.Fatalf("the 附件 after the CSRF-less upload: %+v", rows)
	}

	// The same name again: version 2, version 1 kept.
	p.upload("form", filepath.Join(files.dir, "v2/公示正文.pdf"))
	if n := eval[string](p, `document.querySelector('#notice').innerText`); !strings.Contains(n, "已上传「公示正文.pdf」（第2版") {
		t.Errorf("the notice after the second version: %q", n)
	}
	rows = p.docRows("#attachments")
	if len(rows) != 3 || rows[0].Version != "2" || rows[1].Name != "公示正文.pdf" || rows[1].Version != "1" || rows[1].Href != pdfV1 {
		t.Fatalf("the 附件 with two versions: %+v", rows)
	}
	pdfV2 := rows[0].Href
	// The notice rides the redirect signed for this session: the same
	// address unsigned (a link made up) announces nothing.
	notice := func() string {
		return eval[string](p, `(() => { const n = document.querySelector('#notice'); return n ? n.innerText : ''; })()`)
	}
	uploadedLink := eval[string](p, `location.pathname + location.search`)
	signedQ, _ := url.ParseQuery(strings.SplitN(uploadedLink, "?", 2)[1])
	if signedQ.Get("uploaded") == "" || signedQ.Get("uploaded_sig") == "" {
		t.Fatalf("the upload's redirect carries no signed notice: %s", uploadedLink)
	}
	p.visit(path + "?uploaded=" + url.QueryEscape(signedQ.Get("uploaded")))
	if n := notice(); strings.Contains(n, "已上传") {
		t.Errorf("an unsigned ?uploaded= announces %q", n)
	}
	if p.visit(uploadedLink); !strings.Contains(notice(), "已上传「公示正文.pdf」（第2版") {
		t.Errorf("the signed link in its own session: %q", notice())
	}

	// An application's papers and reply, on its documents page.
	app := &storage.Application{Channel: "当面", ReceivedD: f.FormedOn, ApplicantName: "钱材料", ApplicantType: "公民",
		Content: "申请公开丙项目环评文件", ProvideForm: "纸质", State: "registered", Registrar: "chenlixin", DueD: f.Deadline.Time, Source: "chat", CreatedAt: f.CreatedAt}
	withDemoDB(t, d.dbURL, func(ctx context.Context, tx *storage.Tx) error {
		_, err := storage.InsertApplication(ctx, tx, app)
		return err
	})
	appDocs := "/desk/application/" + strconv.FormatInt(app.ID, 10) + "/documents"
	if txt := p.visit(appDocs); !strings.Contains(txt, "申请材料") || !strings.Contains(txt, "答复材料") || !strings.Contains(txt, app.Content) {
		t.Errorf("the application's documents page:\n%s", txt)
	}
	p.upload("reply", filepath.Join(files.dir, "审批说明.docx"))
	if n := eval[string](p, `document.querySelector('#notice').innerText`); !strings.Contains(n, "已上传「审批说明.docx」（第1版") {
		t.Errorf("the notice after the reply's upload: %q", n)
	}
	if rows := p.docRows("#reply-documents"); len(rows) != 1 || len(p.docRows("#application-documents")) != 0 {
		t.Fatalf("the application's documents after the upload: %+v", rows)
	}
	replyDoc := p.docRows("#reply-documents")[0].Href
	if got := p.download(replyDoc); got.Status != http.StatusOK || got.SHA != sha(files.docx) {
		t.Errorf("the reply's download = %+v", got)
	}
	p.visit("/desk")
	p.logoutDesk()

	// 张伟 has the form's card; its link opens the form's page with the
	// documents.
	p.chatAs("zhangwei", "张伟")
	p.say("待办", "待办")
	task := p.cardAbout(f.Title)
	link := eval[string](p, `(() => { const a = [...document.querySelectorAll('#conv .card[data-task=`+jsString(task)+`] .card-jumps a')].find((a) => a.textContent.includes('查看附件')); return a ? a.textContent + '|' + a.href : ''; })()`)
	title, href, _ := strings.Cut(link, "|")
	if title != "查看附件（共2份）" || !strings.HasSuffix(href, path) {
		t.Fatalf("the card's link to the documents: %q", link)
	}
	p.shot("desk-docs-03-card")
	p.do(chromedp.Navigate(href))
	p.waitAcrossNavigation("the form's page for 张伟", `location.pathname === `+jsString(path)+` && !!document.querySelector('#who') && document.querySelector('#who').textContent.includes('张伟') && !!document.querySelector('#attachments')`)
	if rows := p.docRows("#attachments"); len(rows) != 3 {
		t.Fatalf("the approver's 附件: %+v", rows)
	}
	if eval[bool](p, `!!document.querySelector('#upload-form')`) {
		t.Error("the approver is offered the upload form")
	}
	// The uploader's link, passed on, announces nothing to another.
	if p.visit(uploadedLink); strings.Contains(notice(), "已上传") {
		t.Errorf("陈立新's upload link announces to 张伟: %q", notice())
	}
	p.shot("desk-docs-04-approver")
	for _, c := range []struct {
		href, name, typ string
		want            []byte
	}{
		{pdfV2, "公示正文.pdf", "application/pdf", files.pdf2},
		{pdfV1, "公示正文.pdf", "application/pdf", files.pdf1},
		{docx, "审批说明.docx", documents.DOCX.MIME, files.docx},
	} {
		got := p.download(c.href)
		if got.Status != http.StatusOK || got.SHA != sha(c.want) || got.Type != c.typ || got.Nosniff != "nosniff" ||
			!strings.Contains(got.Disposition, "attachment;") || !strings.Contains(got.Disposition, "filename*=UTF-8''"+extValueForTest(c.name)) ||
			!strings.Contains(got.CSP, "sandbox") {
			t.Errorf("download %s (%s) = %+v, want its bytes as %s", c.href, c.name, got, c.typ)
		}
	}
	// Another section's 承办人 may not.
	p.visit("/desk")
	p.logoutDesk()
	p.deskAgain("huanglei", "黄磊")
	if got := p.download(pdfV1); got.Status != http.StatusForbidden {
		t.Errorf("黄磊's download = %d, want 403", got.Status)
	}
	if got := p.download(replyDoc); got.Status != http.StatusForbidden {
		t.Errorf("黄磊's download of the reply = %d, want 403", got.Status)
	}
	if st := p.status("GET", appDocs, ""); st != http.StatusForbidden {
		t.Errorf("黄磊's view of the application's documents = %d, want 403", st)
	}
	if st := p.status("GET", "/desk/documents/999999", ""); st != http.StatusNotFound {
		t.Errorf("a missing document = %d, want 404", st)
	}
}

// extValueForTest is RFC 5987's encoding of a name as the server writes
// it, for the file names of this test (Chinese and .ext).
func extValueForTest(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 {
			b.WriteByte(c)
			continue
		}
		b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
	}
	return b.String()
}
