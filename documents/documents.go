// Package documents is what a document attached to a record may be: the
// size limit, the file name as it is kept, and the type whitelist, decided
// by the content (magic bytes, and for the zip formats the parts inside),
// never by the name alone. It does no I/O; storage keeps the bytes and the
// desk serves them.
//
// WeCom's app chat delivers no files, so a Word or PDF document reaches
// zwgk only by upload (and an image sent in chat, by media/get). What the
// bureau attaches — the text being published, an application's letter and
// ID copy, the reply — is PDF, Word (DOCX, DOC), WPS, Excel (XLSX, XLS),
// OFD (the national e-document format) or a scan (JPEG, PNG). Everything
// else is refused, macro-enabled Office files (docm, xlsm, and DOC/XLS
// carrying a VBA project) included: a whitelist of types that carry no
// code is the bureau's virus protection, since the office opens these
// files on its own computers.
package documents

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxBytes is the largest document accepted: 20 MB holds a long scanned
// letter or a report's PDF, and keeps a whole file in memory and in one
// Postgres row without strain.
const MaxBytes = 20 << 20

// MaxNameRunes bounds a file's name as kept and shown.
const MaxNameRunes = 100

// AllowedText names the accepted types, for the refusals and the upload
// form.
const AllowedText = "PDF、Word（DOCX、DOC）、WPS、Excel（XLSX、XLS）、OFD、JPG、PNG"

// TooLargeText is the refusal of a file over MaxBytes.
const TooLargeText = "文件超过20MB，未上传。请压缩或拆分后重新上传。"

// Type is a detected document type.
type Type struct {
	// MIME is the content type downloads are served with.
	MIME string
	// Label is how the page names it.
	Label string
	// Exts are the file-name extensions that agree with it.
	Exts []string
}

// The accepted types.
var (
	PDF  = Type{"application/pdf", "PDF", []string{".pdf"}}
	DOCX = Type{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word", []string{".docx"}}
	XLSX = Type{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel", []string{".xlsx"}}
	OFD  = Type{"application/ofd", "OFD", []string{".ofd"}}
	DOC  = Type{"application/msword", "Word", []string{".doc"}}
	XLS  = Type{"application/vnd.ms-excel", "Excel", []string{".xls"}}
	WPS  = Type{"application/vnd.ms-works", "WPS", []string{".wps"}}
	JPEG = Type{"image/jpeg", "图片", []string{".jpg", ".jpeg"}}
	PNG  = Type{"image/png", "图片", []string{".png"}}
)

// Refusal is why a file is not accepted, in words for the uploader.
type Refusal struct{ Text string }

func (r *Refusal) Error() string { return r.Text }

// IsRefusal reports whether err is a *Refusal, and its text.
func IsRefusal(err error) (string, bool) {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Text, true
	}
	return "", false
}

func refuse(format string, a ...any) error { return &Refusal{Text: fmt.Sprintf(format, a...)} }

var notAllowed = "该文件类型不允许上传。仅接受 " + AllowedText + " 格式的文件。"

// CleanName is the name a file is kept under: its last path element (old
// browsers send the whole path), trimmed, without control characters; a
// name that is empty, too long or has no extension is refused.
func CleanName(name string) (string, error) {
	name = strings.ReplaceAll(name, "\\", "/")
	name = strings.TrimSpace(path.Base(strings.TrimSpace(name)))
	if name == "." || name == "/" || name == "" {
		return "", refuse("请选择要上传的文件。")
	}
	if !utf8.ValidString(name) || strings.IndexFunc(name, func(r rune) bool { return unicode.IsControl(r) }) >= 0 {
		return "", refuse("文件名含有无法识别的字符，请重命名后上传。")
	}
	if utf8.RuneCountInString(name) > MaxNameRunes {
		return "", refuse("文件名过长（不超过%d个字），请重命名后上传。", MaxNameRunes)
	}
	if ext := path.Ext(name); ext == "" || ext == name {
		return "", refuse("文件名缺少扩展名（如 .pdf、.docx），请重命名后上传。")
	}
	return name, nil
}

// Magic numbers.
var (
	magicPDF  = []byte("%PDF-")
	magicZip  = []byte("PK\x03\x04")
	magicOLE  = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	magicJPEG = []byte{0xFF, 0xD8, 0xFF}
	magicPNG  = []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}
)

// Detect is the type of content, a file named name (cleaned), or a
// *Refusal: an empty or too large file, a type not on the whitelist, a
// macro-enabled Office file, or a name whose extension disagrees with the
// content (a PDF must be called .pdf, so that it opens as one).
func Detect(name string, content []byte) (Type, error) {
	if len(content) == 0 {
		return Type{}, refuse("文件为空，未上传。")
	}
	if len(content) > MaxBytes {
		return Type{}, &Refusal{Text: TooLargeText}
	}
	t, err := sniff(content)
	if err != nil {
		return Type{}, err
	}
	ext := strings.ToLower(path.Ext(name))
	if t.MIME == magicOLEType {
		// An OLE compound file is a DOC, an XLS or a WPS: its name says
		// which, its directory whether it carries macros.
		if hasVBA(content) {
			return Type{}, refuse("该文件含有宏，不允许上传。请另存为不含宏的文档（如 .docx、.xlsx 或 PDF）后上传。")
		}
		for _, ot := range []Type{DOC, XLS, WPS} {
			if ext == ot.Exts[0] {
				return ot, nil
			}
		}
		return Type{}, refuse("文件的扩展名与内容不符：该文件是 Word、Excel 或 WPS 文档（.doc、.xls、.wps），请改正扩展名后上传。")
	}
	for _, e := range t.Exts {
		if ext == e {
			return t, nil
		}
	}
	return Type{}, refuse("文件的扩展名与内容不符：该文件是 %s 文件，扩展名应为 %s。请改正后上传。", t.Label, strings.Join(t.Exts, " 或 "))
}

// magicOLEType marks an OLE compound file until the name decides.
const magicOLEType = "application/x-ole-storage"

func sniff(b []byte) (Type, error) {
	switch {
	case bytes.HasPrefix(b, magicPDF):
		return PDF, nil
	case bytes.HasPrefix(b, magicPNG):
		return PNG, nil
	case bytes.HasPrefix(b, magicJPEG):
		return JPEG, nil
	case bytes.HasPrefix(b, magicOLE):
		return Type{MIME: magicOLEType}, nil
	case bytes.HasPrefix(b, magicZip):
		return sniffZip(b)
	}
	return Type{}, &Refusal{Text: notAllowed}
}

// maxContentTypes bounds what is read of [Content_Types].xml: a zip's
// sizes are the zip's word, so nothing is decompressed unbounded.
const maxContentTypes = 1 << 20

// sniffZip tells an Office Open XML document or an OFD from any other
// zip, by the parts it has.
func sniffZip(b []byte) (Type, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return Type{}, refuse("文件已损坏或不完整，无法识别，未上传。")
	}
	parts := map[string]*zip.File{}
	for _, f := range zr.File {
		n := strings.ToLower(strings.TrimPrefix(f.Name, "/"))
		parts[n] = f
		if strings.HasSuffix(n, "vbaproject.bin") {
			return Type{}, refuse("该文件含有宏，不允许上传。请另存为不含宏的文档（如 .docx、.xlsx 或 PDF）后上传。")
		}
	}
	if _, ok := parts["ofd.xml"]; ok {
		return OFD, nil
	}
	ct, ok := parts["[content_types].xml"]
	if !ok {
		return Type{}, &Refusal{Text: notAllowed}
	}
	rc, err := ct.Open()
	if err != nil {
		return Type{}, refuse("文件已损坏或不完整，无法识别，未上传。")
	}
	defer rc.Close()
	types, err := io.ReadAll(io.LimitReader(rc, maxContentTypes))
	if err != nil {
		return Type{}, refuse("文件已损坏或不完整，无法识别，未上传。")
	}
	if bytes.Contains(bytes.ToLower(types), []byte("macroenabled")) {
		return Type{}, refuse("该文件含有宏，不允许上传。请另存为不含宏的文档（如 .docx、.xlsx 或 PDF）后上传。")
	}
	switch {
	case parts["word/document.xml"] != nil:
		return DOCX, nil
	case parts["xl/workbook.xml"] != nil:
		return XLSX, nil
	}
	// A PowerPoint, or a zip of something else.
	return Type{}, &Refusal{Text: notAllowed}
}

// hasVBA reports whether an OLE compound file has a VBA project: its
// directory then holds an entry called Macros (Word), _VBA_PROJECT_CUR
// (Excel) or _VBA_PROJECT. Directory entries are 128 bytes, aligned to
// 128 in the file (sectors are 512 or 4096 bytes after a 512-byte header),
// the name in UTF-16LE with its byte length, terminator included, at
// offset 64: a match there is an entry, not the document's text.
func hasVBA(b []byte) bool {
	for _, n := range []string{"Macros", "_VBA_PROJECT_CUR", "_VBA_PROJECT"} {
		name := append(utf16le(n), 0, 0)
		for i := 0; ; {
			j := bytes.Index(b[i:], name)
			if j < 0 {
				break
			}
			at := i + j
			if at%128 == 0 && at+66 <= len(b) && int(b[at+64])|int(b[at+65])<<8 == len(name) {
				return true
			}
			i = at + 1
		}
	}
	return false
}

func utf16le(s string) []byte {
	out := make([]byte, 0, 2*len(s))
	for _, r := range s {
		out = append(out, byte(r), byte(r>>8))
	}
	return out
}

// UploadAction is the audit log's action of an upload (storage.AttachDocument).
const UploadAction = "document_upload"

// Sentence is an upload's line in a record's 办理过程, from its audit
// detail: 「上传附件「正文.pdf」（第2版）。」, and for an image sent in chat
// 「在企业微信中发送图片，存为附件「…」。」.
func Sentence(detail []byte) string {
	var d struct {
		Name    string `json:"document"`
		Version int    `json:"document_version"`
		Kind    string `json:"kind"`
		Source  string `json:"source"`
	}
	json.Unmarshal(detail, &d) // a detail it cannot read says less, nothing wrong
	what := "附件"
	if d.Kind == "reply" {
		what = "答复材料"
	}
	ver := ""
	if d.Version > 1 {
		ver = fmt.Sprintf("（第%d版）", d.Version)
	}
	name := ""
	if d.Name != "" {
		name = "「" + d.Name + "」"
	}
	if d.Source == "chat" {
		return "在企业微信中发送图片，存为" + what + name + ver + "。"
	}
	return "上传" + what + name + ver + "。"
}
