package documents_test

import (
	"archive/zip"
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/zwgk-bot/zwgk/documents"
)

// tinyPDF is a whole one-page PDF.
const tinyPDF = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
	"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

// zipOf is a zip with the named parts.
func zipOf(t *testing.T, parts map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range parts {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const docxTypes = `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
	`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`

const docmTypes = `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
	`<Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>`

// DOCXFile is a minimal Word document: its content types and its body.
func DOCXFile(t *testing.T) []byte {
	return zipOf(t, map[string]string{"[Content_Types].xml": docxTypes,
		"word/document.xml": `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>公示</w:t></w:r></w:p></w:body></w:document>`})
}

// ole is an OLE compound file's header and one directory sector with the
// named entries (each 128 bytes, its name in UTF-16LE and its length).
func ole(names ...string) []byte {
	b := make([]byte, 512+512)
	copy(b, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	for i, n := range names {
		at := 512 + 128*i
		u := []byte{}
		for _, r := range n {
			u = append(u, byte(r), byte(r>>8))
		}
		copy(b[at:], u)
		l := len(u) + 2
		b[at+64], b[at+65] = byte(l), byte(l>>8)
	}
	return b
}

func img(t *testing.T, enc func(*bytes.Buffer, image.Image) error) []byte {
	m := image.NewRGBA(image.Rect(0, 0, 4, 4))
	m.Set(1, 1, color.RGBA{200, 0, 0, 255})
	var buf bytes.Buffer
	if err := enc(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDetectAccepts(t *testing.T) {
	t.Parallel()
	pngFile := img(t, func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) })
	jpegFile := img(t, func(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) })
	xlsx := zipOf(t, map[string]string{"[Content_Types].xml": strings.ReplaceAll(docxTypes, "word/document", "xl/workbook"), "xl/workbook.xml": "<workbook/>"})
	ofd := zipOf(t, map[string]string{"OFD.xml": `<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"/>`, "Doc_0/Document.xml": "<ofd:Document/>"})
	for _, c := range []struct {
		name    string
		content []byte
		want    documents.Type
	}{
		{"公示.pdf", []byte(tinyPDF), documents.PDF},
		{"公示.PDF", []byte(tinyPDF), documents.PDF},
		{"正文.docx", DOCXFile(t), documents.DOCX},
		{"统计.xlsx", xlsx, documents.XLSX},
		{"批复.ofd", ofd, documents.OFD},
		{"旧稿.doc", ole("Root Entry", "WordDocument"), documents.DOC},
		{"旧表.xls", ole("Root Entry", "Workbook"), documents.XLS},
		{"文稿.wps", ole("Root Entry", "WordDocument"), documents.WPS},
		{"身份证.jpg", jpegFile, documents.JPEG},
		{"身份证.jpeg", jpegFile, documents.JPEG},
		{"扫描件.png", pngFile, documents.PNG},
		// "Macros" in a document's text is not a VBA project's entry.
		{"宏观.doc", append(ole("Root Entry", "WordDocument"), append([]byte{0, 0, 0}, append([]byte("M\x00a\x00c\x00r\x00o\x00s\x00"), 0, 0)...)...), documents.DOC},
	} {
		got, err := documents.Detect(c.name, c.content)
		if err != nil || got.MIME != c.want.MIME {
			t.Errorf("Detect(%s) = %+v, %v; want %s", c.name, got, err, c.want.MIME)
		}
	}
}

func TestDetectRefuses(t *testing.T) {
	t.Parallel()
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00"), make([]byte, 200)...)
	docm := zipOf(t, map[string]string{"[Content_Types].xml": docmTypes, "word/document.xml": "<w:document/>"})
	docxWithVBA := zipOf(t, map[string]string{"[Content_Types].xml": docxTypes, "word/document.xml": "<w:document/>", "word/vbaProject.bin": "x"})
	xlsm := zipOf(t, map[string]string{"[Content_Types].xml": strings.ReplaceAll(docmTypes, "word/document", "xl/workbook"), "xl/workbook.xml": "<workbook/>"})
	pptx := zipOf(t, map[string]string{"[Content_Types].xml": docxTypes, "ppt/presentation.xml": "<p/>"})
	plainZip := zipOf(t, map[string]string{"a.txt": "hello"})
	big := append([]byte(tinyPDF), make([]byte, documents.MaxBytes)...)
	for _, c := range []struct {
		name    string
		content []byte
		want    string
	}{
		{"通知.pdf", exe, "仅接受 " + documents.AllowedText},
		{"setup.exe", exe, "仅接受"},
		{"正文.docm", docm, "含有宏"},
		{"正文.docx", docm, "含有宏"},
		{"正文.docx", docxWithVBA, "含有宏"},
		{"表.xlsm", xlsm, "含有宏"},
		{"旧稿.doc", ole("Root Entry", "WordDocument", "Macros"), "含有宏"},
		{"旧表.xls", ole("Root Entry", "Workbook", "_VBA_PROJECT_CUR"), "含有宏"},
		{"汇报.pptx", pptx, "仅接受"},
		{"材料.zip", plainZip, "仅接受"},
		{"说明.txt", []byte("纯文本"), "仅接受"},
		{"网页.html", []byte("<html><script>alert(1)</script>"), "仅接受"},
		{"损坏.docx", []byte("PK\x03\x04garbage"), "损坏"},
		{"正文.pdf", DOCXFile(t), "扩展名应为 .docx"},
		{"公示.docx", []byte(tinyPDF), "扩展名应为 .pdf"},
		{"旧稿.pdf", ole("Root Entry", "WordDocument"), "扩展名与内容不符"},
		{"空.pdf", nil, "文件为空"},
		{"大.pdf", big, "超过20MB"},
	} {
		got, err := documents.Detect(c.name, c.content)
		text, ok := documents.IsRefusal(err)
		if !ok || !strings.Contains(text, c.want) {
			t.Errorf("Detect(%s) = %+v, %v; want a refusal with %q", c.name, got, err, c.want)
		}
	}
}

func TestCleanName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"公示.pdf":                      "公示.pdf",
		`C:\Users\李娜\Desktop\正文.docx`: "正文.docx",
		"  a/b/../c.pdf ":             "c.pdf",
	} {
		if got, err := documents.CleanName(in); err != nil || got != want {
			t.Errorf("CleanName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"":                                "请选择",
		"  ":                              "请选择",
		"无扩展名":                            "缺少扩展名",
		".pdf":                            "缺少扩展名",
		"a\x00b.pdf":                      "无法识别的字符",
		"\xff.pdf":                        "无法识别的字符",
		strings.Repeat("长", 101) + ".pdf": "文件名过长",
	} {
		if got, err := documents.CleanName(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CleanName(%q) = %q, %v; want a refusal with %q", in, got, err, want)
		}
	}
}
