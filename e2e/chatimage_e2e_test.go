package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/lib/pq"

	"github.com/zwgk-bot/zwgk/chat"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/workflow"
)

func pictures(t *testing.T) (pngBytes, jpegBytes []byte) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 6))
	var p, j bytes.Buffer
	if err := png.Encode(&p, img); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&j, img, nil); err != nil {
		t.Fatal(err)
	}
	return p.Bytes(), j.Bytes()
}

// chatVersions are the chat images stored on the form.
func (h *harness) chatVersions(formID int64) []storage.DocumentVersion {
	h.t.Helper()
	vs, err := storage.DocumentVersions(context.Background(), h.db, formID, storage.DocForm)
	if err != nil {
		h.t.Fatal(err)
	}
	return vs
}

var deskDocLink = regexp.MustCompile(`/desk/documents/(\d+)`)

// 李娜 opens her form in the chat (查询) and sends a PNG: the callback
// only queues it, the worker fetches it with media/get and it is the
// form's 附件, byte for byte, from the chat, which she is told with the
// desk's link; 张伟, who reviews the form, sees and downloads it there,
// while 杨帆 of another section may not. The same image callback posted
// twice at once (WeCom's retry) is one version and one answer. A media_id
// WeCom no longer has (expired or unknown) is told politely, with where to
// upload instead, and stores nothing. A voice message is still answered
// as unsupported, and someone with no open record is told how to choose.
func TestChatImageAttachesToTheOpenedForm(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	c := newCursor(h)
	f := seedDeskForm(t, h.env["DATABASE_URL"])
	serial := workflow.FormatSerial(f.Year, f.Seq)
	pngBytes, jpegBytes := pictures(t)
	u := h.corp.User("lina")

	c.say("lina", "查询 "+serial)
	c.text("lina", serial, f.Title)
	st, media, err := u.SendImage(ctx, pngBytes)
	if err != nil || st != 200 {
		t.Fatalf("send the image: %d, %v", st, err)
	}
	told := c.text("lina", "图片已附加到"+serial, "附件", "/desk/form/"+strconv.FormatInt(f.ID, 10))
	vs := h.chatVersions(f.ID)
	if len(vs) != 1 {
		t.Fatalf("the form has %d document versions, want 1: %+v", len(vs), vs)
	}
	v := vs[0]
	if v.Source != storage.DocSourceChat || v.MediaID != media || v.DetectedType != "image/png" || v.UploadedBy != "lina" ||
		!strings.HasSuffix(v.Name, ".png") || !strings.Contains(told, v.Name) {
		t.Fatalf("stored %+v; told %q", v, told)
	}
	content, err := storage.DocumentContent(ctx, h.db, v.ID)
	if err != nil || !bytes.Equal(content, pngBytes) {
		t.Fatalf("stored bytes differ from the image sent (%v)", err)
	}
	trail, err := storage.AuditTrail(ctx, h.db, storage.EntityForm, strconv.FormatInt(f.ID, 10))
	if err != nil {
		t.Fatal(err)
	}
	var audited []string
	for _, e := range trail {
		audited = append(audited, e.Action)
	}
	if a := strings.Join(audited, ","); !strings.Contains(a, "document_upload") {
		t.Fatalf("form's audit trail: %s", a)
	}

	// On the 办公桌: the reviewer sees and downloads it; another
	// section's 承办人 may not.
	zw := h.deskAs("zhangwei")
	status, body := zw.get("/desk/form/" + strconv.FormatInt(f.ID, 10))
	if status != 200 || !strings.Contains(body, v.Name) || !strings.Contains(body, "李娜在企业微信中发送图片，存为附件「"+v.Name+"」。") {
		t.Fatalf("张伟's form page = %d, without %q or its line in the 办理过程", status, v.Name)
	}
	link := "/desk/documents/" + strconv.FormatInt(v.ID, 10)
	if m := deskDocLink.FindAllString(body, -1); !strings.Contains(strings.Join(m, " "), link) {
		t.Fatalf("form page has no download link %s (has %v)", link, m)
	}
	resp, err := zw.http.Get(h.base + link)
	if err != nil {
		t.Fatal(err)
	}
	var dl bytes.Buffer
	dl.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !bytes.Equal(dl.Bytes(), pngBytes) {
		t.Fatalf("张伟's download = %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), dl.Len())
	}
	if status, _ := h.deskAs("yangfan").get(link); status == 200 {
		t.Fatalf("杨帆 of 综合二股 downloaded the form's image")
	}

	// WeCom posts the same callback again while the first is handled.
	plain, media2, err := u.ImageCallback(jpegBytes)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if st, err := h.corp.PostPlain(ctx, plain); err != nil || st != 200 {
				t.Errorf("post the image callback: %d, %v", st, err)
			}
		})
	}
	wg.Wait()
	c.text("lina", "图片已附加到"+serial, ".jpg")
	c.none("lina")
	n := 0
	for _, v := range h.chatVersions(f.ID) {
		if v.MediaID == media2 {
			n++
			if v.DetectedType != "image/jpeg" {
				t.Errorf("the JPEG was stored as %s", v.DetectedType)
			}
		}
	}
	if n != 1 {
		t.Fatalf("the image posted twice is %d versions, want 1", n)
	}

	// An image whose media WeCom no longer has.
	gone, err := u.MediaCallback("3days-old-media-id")
	if err != nil {
		t.Fatal(err)
	}
	if st, err := h.corp.PostPlain(ctx, gone); err != nil || st != 200 {
		t.Fatalf("post the stale image: %d, %v", st, err)
	}
	c.text("lina", "已无法从企业微信取回", "3天", "请在办公桌上传", "/desk/form/")
	if got := len(h.chatVersions(f.ID)); got != 2 {
		t.Fatalf("the form has %d versions after the stale image, want 2", got)
	}
	ims, err := storage.ChatImages(ctx, h.db, "lina")
	if err != nil {
		t.Fatal(err)
	}
	if len(ims) != 3 || ims[2].Status != storage.ChatImageFailed || ims[2].VersionID.Valid {
		t.Fatalf("chat images: %+v", ims)
	}

	// Voice is still not taken.
	voice := fmt.Sprintf(`<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[lina]]></FromUserName><CreateTime>%d</CreateTime>`+
		`<MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[voice-media]]></MediaId><Format><![CDATA[amr]]></Format><MsgId>%d</MsgId><AgentID>1000002</AgentID></xml>`,
		h.env["WECOM_CORP_ID"], f.CreatedAt.Unix(), f.ID*1000+7)
	if st, err := h.corp.PostPlain(ctx, []byte(voice)); err != nil || st != 200 {
		t.Fatalf("post the voice message: %d, %v", st, err)
	}
	c.text("lina", chat.MsgUnsupported)

	// 杨帆 has no open record and opened none.
	if st, _, err := h.corp.User("yangfan").SendImage(ctx, pngBytes); err != nil || st != 200 {
		t.Fatalf("杨帆 sends an image: %d, %v", st, err)
	}
	c.text("yangfan", "没有找到可以附加图片的事项", "查询 编号")

	// A draft being filled in is no record yet: its images come after.
	c.say("yangfan", "提交")
	c.text("yangfan", "开始填写")
	c.text("yangfan", "第1步")
	if st, _, err := h.corp.User("yangfan").SendImage(ctx, pngBytes); err != nil || st != 200 {
		t.Fatalf("杨帆 sends an image while drafting: %d, %v", st, err)
	}
	c.text("yangfan", "尚未提交", "再发送图片")
	c.say("yangfan", "关于丁项目环评结果的公示")
	c.text("yangfan", "第2步") // the draft goes on where it was
	if ims, err := storage.ChatImages(ctx, h.db, "yangfan"); err != nil || len(ims) != 0 {
		t.Fatalf("杨帆's images queued: %+v, %v", ims, err)
	}
}

// 刘洋 handles an application and has a form of his own in review: an
// image is not guessed between them — he is told both and how to choose.
// Once he opens the application (申请 编号), his image is the reply's
// material, on the application's documents page.
func TestChatImageGoesToTheApplicationOpened(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	c := newCursor(h)
	loc := businessLocation()
	now := time.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	a := &storage.Application{Channel: "当面", ReceivedD: today.AddDate(0, 0, -1), ApplicantName: "赵图片", ApplicantType: "公民",
		Content: "申请公开某企业的排污许可信息", ProvideForm: "纸质", State: "accepted", Registrar: "chenlixin", Section: "综合一股",
		Handler: "liuyang", DueD: today.AddDate(0, 0, 28), Source: "chat", CreatedAt: now}
	f := &storage.Form{Year: today.Year(), Seq: 912, Version: 1, State: "review", Stage: "section", Assignees: pq.StringArray{"zhangwei"},
		Section: "综合一股", Submitter: "liuyang", Title: "关于戊项目环评结果的公示", Summary: "戊项目。", FormedOn: today.AddDate(0, 0, -2),
		Mode: "主动公开", Column: "环境保护", Platforms: pq.StringArray{"政府网站"},
		Deadline: sql.NullTime{Time: today.AddDate(0, 0, 20), Valid: true}, CreatedAt: now}
	err := h.db.WithTx(ctx, func(tx *storage.Tx) error {
		if _, err := storage.InsertForm(ctx, tx, f); err != nil {
			return err
		}
		if _, err := storage.InsertApplication(ctx, tx, a); err != nil {
			return err
		}
		// The handler is assigned after registration, never at it.
		_, err := tx.ExecContext(ctx, `UPDATE applications SET handler = $2 WHERE id = $1`, a.ID, a.Handler)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	pngBytes, _ := pictures(t)
	u := h.corp.User("liuyang")
	if st, _, err := u.SendImage(ctx, pngBytes); err != nil || st != 200 {
		t.Fatalf("send: %d, %v", st, err)
	}
	c.text("liuyang", "您有2件办理中的事项", a.Number(), workflow.FormatSerial(f.Year, f.Seq), "申请 编号")

	c.say("liuyang", "申请 "+a.Number())
	c.text("liuyang", a.Number(), "赵图片")
	st, media, err := u.SendImage(ctx, pngBytes)
	if err != nil || st != 200 {
		t.Fatalf("send: %d, %v", st, err)
	}
	docs := "/desk/application/" + strconv.FormatInt(a.ID, 10) + "/documents"
	c.text("liuyang", "图片已附加到"+a.Number()+"的答复材料", docs)
	vs, err := storage.DocumentVersions(ctx, h.db, a.ID, storage.DocReply)
	if err != nil || len(vs) != 1 || vs[0].MediaID != media || vs[0].Source != storage.DocSourceChat {
		t.Fatalf("the reply's documents: %+v, %v", vs, err)
	}
	if fv, _ := storage.DocumentVersions(ctx, h.db, f.ID, storage.DocForm); len(fv) != 0 {
		t.Fatalf("the form got %d documents too", len(fv))
	}
	if status, body := h.deskAs("liuyang").get(docs); status != 200 || !strings.Contains(body, vs[0].Name) {
		t.Fatalf("刘洋's documents page = %d, without %q", status, vs[0].Name)
	}
}

// In the demo's web chat, 李娜 opens her form and picks a picture with
// the 图片 button: her conversation shows it, the app answers that it is
// the form's 附件, the 协议日志 shows the bot's media/get with WeCom's
// headers, and 张伟 downloads it from the form's page, byte for byte.
func TestBrowserChatImage(t *testing.T) {
	t.Parallel()
	d := startDemo(t)
	f := seedDeskForm(t, d.dbURL)
	serial := workflow.FormatSerial(f.Year, f.Seq)
	pngBytes, _ := pictures(t)
	file := filepath.Join(t.TempDir(), "现场照片.png")
	if err := os.WriteFile(file, pngBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	p := newPage(t, d.base)
	p.chatAs("lina", "李娜")
	p.say("查询 "+serial, f.Title)
	n := p.incoming()
	p.do(chromedp.SetUploadFiles(chromedp.CSS(`#image`), []string{file}))
	told := p.waitIncoming(n, "图片已附加到"+serial)
	waitJS[bool](p, "the picture in 李娜's conversation", `(() => {
		const i = document.querySelector('#conv .msg.out img.sent-image');
		return !!i && i.complete && i.naturalWidth === 8;
	})()`)
	p.openLog("接口", "media/get")
	if log := eval[string](p, `document.querySelector('#log details.tx[open]').innerText`); !strings.Contains(log, `Content-disposition: attachment; filename=`) ||
		!strings.Contains(log, "image/png") {
		t.Errorf("the 协议日志 of media/get:\n%s", log)
	}
	p.shot("chat-image-01-attached")

	p.desk("zhangwei", "张伟")
	path := "/desk/form/" + strconv.FormatInt(f.ID, 10)
	p.visit(path)
	rows := p.docRows("#attachments")
	if len(rows) != 1 || !strings.HasSuffix(rows[0].Name, ".png") || !strings.Contains(told, rows[0].Name) {
		t.Fatalf("the 附件 on the form's page: %+v; told %q", rows, told)
	}
	if dl := p.download(rows[0].Href); dl.Status != 200 || dl.SHA != sha(pngBytes) || dl.Type != "image/png" {
		t.Fatalf("张伟's download: %+v", dl)
	}
}

// The form just submitted is the conversation's current one: 李娜, with
// another form of hers already in review, submits a second and sends a
// photo straight after — it goes to the form she has just submitted,
// without her opening it with 查询.
func TestChatImageAfterSubmitGoesToTheNewForm(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	c := newCursor(h)
	first := c.submit("lina", ordinary)
	second := c.submit("lina", draft{title: "关于某污水处理厂排污许可的公示", summary: "某污水处理厂排污许可证核发情况。",
		mode: "mode_active", platforms: []string{"p0"}})
	c.none("lina")
	pngBytes, _ := pictures(t)
	if st, _, err := h.corp.User("lina").SendImage(ctx, pngBytes); err != nil || st != 200 {
		t.Fatalf("send the image: %d, %v", st, err)
	}
	told := c.text("lina", "图片已附加到"+second)
	if strings.Contains(told, first) {
		t.Fatalf("told %q", told)
	}
	year, seq, _ := workflow.ParseSerial(second)
	f, err := storage.FormBySerial(ctx, h.db, year, seq)
	if err != nil {
		t.Fatal(err)
	}
	if vs := h.chatVersions(f.ID); len(vs) != 1 || vs[0].Source != storage.DocSourceChat {
		t.Fatalf("the new form's documents %+v", vs)
	}
}

// An image sent after 「工单 工单号」 is about that 12345 order, which takes
// no documents: it is refused, naming the order, rather than filed on the
// form the person had submitted before.
func TestChatImageAfterAnOrderIsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	c := newCursor(h)
	serial := c.submit("lina", ordinary)
	ticket := "2026120100077"
	c.register(registrar, ticket, false, "r_1")
	c.say("lina", "工单 "+ticket)
	c.text("lina", ticket)
	pngBytes, _ := pictures(t)
	if st, _, err := h.corp.User("lina").SendImage(ctx, pngBytes); err != nil || st != 200 {
		t.Fatalf("send the image: %d, %v", st, err)
	}
	told := c.text("lina", "12345工单 "+ticket+" 不接收图片附件", "图片未附加")
	if strings.Contains(told, serial) {
		t.Fatalf("told %q", told)
	}
	year, seq, _ := workflow.ParseSerial(serial)
	f, err := storage.FormBySerial(ctx, h.db, year, seq)
	if err != nil {
		t.Fatal(err)
	}
	if vs := h.chatVersions(f.ID); len(vs) != 0 {
		t.Fatalf("the form got the order's image: %+v", vs)
	}
}
