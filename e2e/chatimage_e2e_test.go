package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

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
	if a := strings.Join(audited, ","); !strings.Contains(a, "chat_image_received") || !strings.Contains(a, "document_upload") {
		t.Fatalf("form's audit trail: %s", a)
	}

	// On the 办公桌: the reviewer sees and downloads it; another
	// section's 承办人 may not.
	zw := h.deskAs("zhangwei")
	status, body := zw.get("/desk/form/" + strconv.FormatInt(f.ID, 10))
	if status != 200 || !strings.Contains(body, v.Name) {
		t.Fatalf("张伟's form page = %d, without %q", status, v.Name)
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
