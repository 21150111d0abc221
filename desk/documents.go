package desk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/documents"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/webauth"
	"github.com/zwgk-bot/zwgk/workflow"
)

// Paths of the documents.
const (
	// DocumentsPath/{id} downloads a version of a document, for whoever
	// may see its record.
	// (ApplicationPath/{id}/documents is an application's documents, the
	// application's papers and its reply's.)
	DocumentsPath = "/desk/documents"
)

// uploadLimit bounds an upload's body while it is read: the file and the
// form's few fields around it. A file just over documents.MaxBytes is
// read whole and refused by its size, with the same words.
const uploadLimit = documents.MaxBytes + 64<<10

// acceptTypes is the file picker's hint; the server decides by content.
const acceptTypes = ".pdf,.docx,.doc,.wps,.xlsx,.xls,.ofd,.jpg,.jpeg,.png"

// docSection is a record's documents of one kind on a page.
type docSection struct {
	ID, Title, Empty, Note string
	Rows                   []docRow
	Upload                 *docUpload // nil: the visitor may not upload
}

// docRow is a version: the latest of each document first, then its older
// ones (Older).
type docRow struct {
	Name            string
	Version         int
	Size, Who, When string
	Link            string
	Older           bool
}

type docUpload struct {
	Path, CSRF, Kind, Allowed, Accept string
}

func documentPath(id int64) string { return DocumentsPath + "/" + strconv.FormatInt(id, 10) }

// sizeText is a file's size as people say it.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", (n+512)>>10)
	}
	return fmt.Sprintf("%d 字节", n)
}

// docSection lists the versions of the record's documents of kind.
func (d *Desk) docSection(ctx context.Context, kind string, recordID int64) (docSection, error) {
	vs, err := storage.DocumentVersions(ctx, d.DB, recordID, kind)
	if err != nil {
		return docSection{}, err
	}
	s := docSection{}
	for i, v := range vs {
		s.Rows = append(s.Rows, docRow{Name: v.Name, Version: v.Version, Size: sizeText(v.Size), Who: d.Forms.Name(v.UploadedBy),
			When: workflow.FormatDateTime(v.UploadedAt, d.Location), Link: documentPath(v.ID),
			Older: i > 0 && vs[i-1].DocumentID == v.DocumentID})
	}
	return s, nil
}

// formDocuments is a 审批单's 附件 section, with the upload form for those
// who may change it (forms' rule).
func (d *Desk) formDocuments(ctx context.Context, v *webauth.Visitor, f *storage.Form) (docSection, error) {
	s, err := d.docSection(ctx, storage.DocForm, f.ID)
	if err != nil {
		return s, err
	}
	s.ID, s.Title, s.Empty = "attachments", "附件", "暂无附件。"
	if d.Forms.MayAttach(v.Person, f) {
		s.Upload = &docUpload{Path: formPath(f.ID) + "/documents", CSRF: v.CSRF, Kind: storage.DocForm, Allowed: documents.AllowedText, Accept: acceptTypes}
	} else if len(s.Rows) == 0 {
		s.Empty = "暂无附件。承办人（审批单办结前）和综合办公室可上传公开文本等材料。"
	}
	return s, nil
}

// upload is a file posted with an upload form, read and checked.
type upload struct {
	name, declared string
	content        []byte
	typ            documents.Type
}

// readUpload takes the posted file; false when it has answered the
// refusal (status and words), through refuse.
func readUpload(r *http.Request, refuse func(status int, text string)) (upload, bool) {
	var fh *multipart.FileHeader
	if r.MultipartForm != nil && len(r.MultipartForm.File["file"]) > 0 {
		fh = r.MultipartForm.File["file"][0]
	}
	if fh == nil || fh.Filename == "" {
		refuse(http.StatusBadRequest, "请选择要上传的文件。")
		return upload{}, false
	}
	if fh.Size > documents.MaxBytes {
		refuse(http.StatusRequestEntityTooLarge, documents.TooLargeText)
		return upload{}, false
	}
	name, err := documents.CleanName(fh.Filename)
	if text, ok := documents.IsRefusal(err); ok {
		refuse(http.StatusBadRequest, text)
		return upload{}, false
	}
	f, err := fh.Open()
	if err != nil {
		refuse(http.StatusBadRequest, "文件未能完整上传，请重试。")
		return upload{}, false
	}
	defer f.Close()
	content, err := io.ReadAll(io.LimitReader(f, documents.MaxBytes+1))
	if err != nil {
		refuse(http.StatusBadRequest, "文件未能完整上传，请重试。")
		return upload{}, false
	}
	typ, err := documents.Detect(name, content)
	if text, ok := documents.IsRefusal(err); ok {
		status := http.StatusUnsupportedMediaType
		if len(content) > documents.MaxBytes {
			status = http.StatusRequestEntityTooLarge
		}
		refuse(status, text)
		return upload{}, false
	}
	declared := fh.Header.Get("Content-Type")
	if len(declared) > 200 {
		declared = declared[:200]
	}
	return upload{name: name, declared: declared, content: content, typ: typ}, true
}

// uploadedNote is the notice after an upload: the version stored, or
// that the same file was there already. It rides the redirect signed for
// the session that uploaded (uploadedQuery): a link with ?uploaded=…
// passed to a colleague, or made up, announces nothing.
func (d *Desk) uploadedNote(ctx context.Context, q url.Values, kinds ...string) (string, int64) {
	note := webauth.Note(ctx, q, "uploaded")
	idText, same := strings.CutSuffix(note, sameSuffix)
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 {
		return "", 0
	}
	v, err := storage.DocumentVersionByID(ctx, d.DB, id)
	if err != nil {
		return "", 0
	}
	for _, k := range kinds {
		if v.Kind == k {
			if same {
				return fmt.Sprintf("「%s」与其第%d版内容相同，未新增版本。", v.Name, v.Version), v.RecordID
			}
			return fmt.Sprintf("已上传「%s」（第%d版，%s）。", v.Name, v.Version, sizeText(v.Size)), v.RecordID
		}
	}
	return "", 0
}

// sameSuffix marks an upload that stored no new version.
const sameSuffix = "-same"

// uploadedQuery is the query an upload's redirect carries, signed for
// who uploaded.
func uploadedQuery(who *webauth.Visitor, v storage.DocumentVersion, added bool) string {
	note := strconv.FormatInt(v.ID, 10)
	if !added {
		note += sameSuffix
	}
	return "?" + webauth.NoteQuery(who, "uploaded", note)
}

// serveFormUpload takes a file posted to a 审批单's 附件, for the one who
// may change it, in a transaction with the form locked (its state may
// have moved since the page was drawn) and the upload audited.
func (d *Desk) serveFormUpload(w http.ResponseWriter, r *http.Request, v *webauth.Visitor) {
	id, ok := formID(w, r)
	if !ok {
		return
	}
	rec, ok := d.formRecord(w, r, v, id)
	if !ok {
		return
	}
	refuse := func(status int, text string) {
		rec.Notice, rec.NoticeBad = text, true
		d.Auth.Render(w, d.pages, status, "record", v, "审批单 "+rec.Number, rec)
	}
	up, ok := readUpload(r, refuse)
	if !ok {
		return
	}
	ctx := r.Context()
	var ver storage.DocumentVersion
	var added, allowed bool
	err := d.DB.WithTx(ctx, func(tx *storage.Tx) error {
		f, err := storage.LockForm(ctx, tx, id)
		if err != nil {
			return err
		}
		if allowed = d.Forms.MayAttach(v.Person, f); !allowed {
			return nil
		}
		ver, added, err = storage.AttachDocument(ctx, tx, storage.NewDocumentVersion{Kind: storage.DocForm, RecordID: f.ID, Name: up.name,
			DeclaredType: up.declared, DetectedType: up.typ.MIME, Content: up.content, By: v.Person.UserID, At: d.Now(), AuditEntityID: strconv.FormatInt(f.ID, 10)})
		return err
	})
	if err != nil {
		d.fail(w, r, "upload to form", err)
		return
	}
	if !allowed {
		webauth.Refuse(w, http.StatusForbidden, "未上传", "您无权为该审批单上传附件：审批单办结前由承办人或综合办公室上传。")
		return
	}
	d.Log.InfoContext(ctx, "desk upload", "user", v.Person.UserID, "form", id, "document", ver.DocumentID, "version", ver.Version, "added", added)
	http.Redirect(w, r, formPath(id)+uploadedQuery(v, ver, added)+"#attachments", http.StatusSeeOther)
}

// serveDocument downloads a version, for whoever may see its record (the
// flows' rule): always as an attachment, with the type its content was
// found to be, never sniffed, in a sandbox, so that nothing uploaded runs
// as a page of ours.
func (d *Desk) serveDocument(w http.ResponseWriter, r *http.Request, v *webauth.Visitor) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	notFound := func() {
		webauth.Refuse(w, http.StatusNotFound, "未找到", "没有找到该文件，请返回办公桌核对。")
	}
	if err != nil || id <= 0 {
		notFound()
		return
	}
	ctx := r.Context()
	ver, err := storage.DocumentVersionByID(ctx, d.DB, id)
	if errors.Is(err, storage.ErrNotFound) {
		notFound()
		return
	}
	if err != nil {
		d.fail(w, r, "document", err)
		return
	}
	may, found, err := d.maySeeRecord(ctx, v.Person, ver.Kind, ver.RecordID)
	switch {
	case err != nil:
		d.fail(w, r, "document", err)
		return
	case !found:
		notFound()
		return
	case !may:
		webauth.Refuse(w, http.StatusForbidden, "无权查看", "您无权查看该文件。如有需要，请联系综合办公室。")
		return
	}
	content, err := storage.DocumentContent(ctx, d.DB, id)
	if err != nil {
		d.fail(w, r, "document content", err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", ver.DetectedType)
	h.Set("Content-Length", strconv.Itoa(len(content)))
	h.Set("Content-Disposition", contentDisposition(ver.Name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(content)
	}
}

// contentDisposition names the file for the download: RFC 6266's
// filename* in UTF-8 for every browser since 2011, and an ASCII filename
// for the few that read only that.
func contentDisposition(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == ';' || r == '%' {
			return '_'
		}
		return r
	}, name)
	return `attachment; filename="` + ascii + `"; filename*=UTF-8''` + extValue(name)
}

// extValue percent-encodes s as RFC 5987's value-chars: every byte but
// attr-char.
func extValue(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// maySeeRecord asks the record's flow whether p may see it.
func (d *Desk) maySeeRecord(ctx context.Context, p config.Person, kind string, id int64) (may, found bool, err error) {
	switch kind {
	case storage.DocForm:
		f, err := storage.GetForm(ctx, d.DB, id)
		if errors.Is(err, storage.ErrNotFound) {
			return false, false, nil
		}
		if err != nil {
			return false, false, err
		}
		ds, err := storage.Decisions(ctx, d.DB, f.ID)
		if err != nil {
			return false, false, err
		}
		return d.Forms.MaySee(p, f, ds), true, nil
	case storage.DocApplication, storage.DocReply:
		a, err := storage.ApplicationByID(ctx, d.DB, id)
		if errors.Is(err, storage.ErrNotFound) {
			return false, false, nil
		}
		if err != nil {
			return false, false, err
		}
		return d.Applications.MayView(a, p), true, nil
	}
	return false, false, nil
}

func (d *Desk) documentRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+DocumentsPath+"/{id}", d.Auth.Page(d.serveDocument))
	mux.HandleFunc("POST "+FormPath+"/{id}/documents", d.Auth.Upload(uploadLimit, documents.TooLargeText, d.serveFormUpload))
	mux.HandleFunc("GET "+ApplicationPath+"/{id}/documents", d.Auth.Page(d.serveApplicationDocuments))
	mux.HandleFunc("POST "+ApplicationPath+"/{id}/documents", d.Auth.Upload(uploadLimit, documents.TooLargeText, d.serveApplicationUpload))
}

func applicationDocsPath(id int64) string {
	return ApplicationPath + "/" + strconv.FormatInt(id, 10) + "/documents"
}

// docPage is an application's documents page.
type docPage struct {
	Kind, Number, Summary string
	RecordLink            string
	Notice                string
	NoticeBad             bool
	Documents             []docSection
}

// applicationDocs builds the documents page of application id for v;
// false when it has answered (not found, not v's to see, a failure).
func (d *Desk) applicationDocs(w http.ResponseWriter, r *http.Request, v *webauth.Visitor) (*docPage, *storage.Application, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		webauth.Refuse(w, http.StatusNotFound, "未找到", "没有找到该申请，请返回办公桌核对。")
		return nil, nil, false
	}
	ctx := r.Context()
	a, err := storage.ApplicationByID(ctx, d.DB, id)
	if errors.Is(err, storage.ErrNotFound) {
		webauth.Refuse(w, http.StatusNotFound, "未找到", "没有找到该申请，请返回办公桌核对。")
		return nil, nil, false
	}
	if err != nil {
		d.fail(w, r, "application documents", err)
		return nil, nil, false
	}
	if !d.Applications.MayView(a, v.Person) {
		webauth.Refuse(w, http.StatusForbidden, "无权查看", "您无权查看该申请的材料。如有需要，请联系综合办公室。")
		return nil, nil, false
	}
	pg := &docPage{Kind: "政府信息公开申请", Number: a.Number(), Summary: "申请内容：" + clip(strings.TrimSpace(a.Content), 120)}
	if _, ok := d.Applications.RecordLinkFor(a, v.Person, d.Now()); ok {
		pg.RecordLink = OpenPath + "/application/" + strconv.FormatInt(a.ID, 10)
	}
	for _, k := range []struct{ kind, id, title, empty string }{
		{storage.DocApplication, "application-documents", "申请材料", "暂无申请材料（申请书、身份证明等）。"},
		{storage.DocReply, "reply-documents", "答复材料", "暂无答复材料（答复书及其附件）。"},
	} {
		s, err := d.docSection(ctx, k.kind, a.ID)
		if err != nil {
			d.fail(w, r, "application documents", err)
			return nil, nil, false
		}
		s.ID, s.Title, s.Empty = k.id, k.title, k.empty
		if d.Applications.MayAttach(a, v.Person, k.kind) {
			s.Upload = &docUpload{Path: applicationDocsPath(a.ID), CSRF: v.CSRF, Kind: k.kind, Allowed: documents.AllowedText, Accept: acceptTypes}
		}
		pg.Documents = append(pg.Documents, s)
	}
	return pg, a, true
}

func (d *Desk) serveApplicationDocuments(w http.ResponseWriter, r *http.Request, v *webauth.Visitor) {
	pg, a, ok := d.applicationDocs(w, r, v)
	if !ok {
		return
	}
	if note, rid := d.uploadedNote(r.Context(), r.URL.Query(), storage.DocApplication, storage.DocReply); rid == a.ID {
		pg.Notice = note
	}
	d.Auth.Render(w, d.pages, http.StatusOK, "documents", v, a.Number()+" 的材料", pg)
}

// serveApplicationUpload takes a file posted to an application's papers
// or its reply's, as serveFormUpload does for a form.
func (d *Desk) serveApplicationUpload(w http.ResponseWriter, r *http.Request, v *webauth.Visitor) {
	pg, a, ok := d.applicationDocs(w, r, v)
	if !ok {
		return
	}
	refuse := func(status int, text string) {
		pg.Notice, pg.NoticeBad = text, true
		d.Auth.Render(w, d.pages, status, "documents", v, a.Number()+" 的材料", pg)
	}
	kind := r.PostForm.Get("kind")
	if kind != storage.DocApplication && kind != storage.DocReply {
		refuse(http.StatusBadRequest, "页面内容不完整，未上传。请刷新页面后重试。")
		return
	}
	up, ok := readUpload(r, refuse)
	if !ok {
		return
	}
	ctx := r.Context()
	var ver storage.DocumentVersion
	var added, allowed bool
	err := d.DB.WithTx(ctx, func(tx *storage.Tx) error {
		a, err := storage.LockApplication(ctx, tx, a.ID)
		if err != nil {
			return err
		}
		if allowed = d.Applications.MayAttach(a, v.Person, kind); !allowed {
			return nil
		}
		ver, added, err = storage.AttachDocument(ctx, tx, storage.NewDocumentVersion{Kind: kind, RecordID: a.ID, Name: up.name,
			DeclaredType: up.declared, DetectedType: up.typ.MIME, Content: up.content, By: v.Person.UserID, At: d.Now(), AuditEntityID: a.Number()})
		return err
	})
	if err != nil {
		d.fail(w, r, "upload to application", err)
		return
	}
	if !allowed {
		webauth.Refuse(w, http.StatusForbidden, "未上传", "您无权上传该申请的这类材料：申请材料由综合办公室登记，答复材料由承办股室或综合办公室上传；办结后不再上传。")
		return
	}
	d.Log.InfoContext(ctx, "desk upload", "user", v.Person.UserID, "application", a.ID, "kind", kind, "document", ver.DocumentID, "version", ver.Version, "added", added)
	http.Redirect(w, r, applicationDocsPath(a.ID)+uploadedQuery(v, ver, added)+"#"+map[string]string{storage.DocApplication: "application-documents", storage.DocReply: "reply-documents"}[kind], http.StatusSeeOther)
}
