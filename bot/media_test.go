package bot_test

import (
	"context"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
)

// The image message of WeCom's 接收消息 page (消息格式 → 图片消息).
const imageXML = `<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName>` +
	`<CreateTime>1348831860</CreateTime><MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[https://wework.qpic.cn/wwpic/1/0]]></PicUrl>` +
	`<MediaId><![CDATA[1G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0]]></MediaId><MsgId>1234567890123456</MsgId><AgentID>1</AgentID></xml>`

func TestParseImageMessage(t *testing.T) {
	t.Parallel()
	m, err := bot.ParseMessage([]byte(imageXML))
	if err != nil {
		t.Fatal(err)
	}
	if m.MsgType != bot.MsgImage || m.MediaID != "1G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0" ||
		m.PicURL != "https://wework.qpic.cn/wwpic/1/0" || m.MsgID != "1234567890123456" || m.FromUserName != "fromUser" {
		t.Fatalf("parsed %+v", m)
	}
	if m.DedupKey() != "msg:1234567890123456" {
		t.Fatalf("DedupKey = %q", m.DedupKey())
	}
	// The fast parser and encoding/xml agree.
	var slow bot.Message
	if err := xml.Unmarshal([]byte(imageXML), &slow); err != nil {
		t.Fatal(err)
	}
	if slow.MediaID != m.MediaID || slow.PicURL != m.PicURL {
		t.Fatalf("encoding/xml read %+v", slow)
	}
}

// mediaServer answers gettoken, and media/get with body under the given
// Content-Type, as a server that mislabels its answers would.
func mediaClient(t *testing.T, contentType, body string) *bot.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/cgi-bin/gettoken" {
			io.WriteString(w, `{"errcode":0,"errmsg":"ok","access_token":"tok","expires_in":7200}`)
			return
		}
		w.Header().Set("Content-Type", contentType)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	hc, err := bot.NewHTTPClient(map[string]string{bot.WeComHost: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return bot.NewClient("ww", 1, "s", hc, storagetest.NewRedis(t), slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func TestGetMediaTellsWeComErrorsFromFilesByTheBody(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// An error labelled as an image is still the error.
	_, err := mediaClient(t, "image/jpeg", `{"errcode":40007,"errmsg":"invalid media_id"}`).GetMedia(ctx, "m", 1<<20)
	if !bot.IsInvalidMedia(err) {
		t.Fatalf("JSON error under image/jpeg: %v", err)
	}
	// A file that is JSON without an errcode is a file.
	m, err := mediaClient(t, "application/json", `{"a":1}`).GetMedia(ctx, "m", 1<<20)
	if err != nil || string(m.Content) != `{"a":1}` {
		t.Fatalf("a JSON file: %v", err)
	}
	// errcode 0 is no error either.
	if _, err := mediaClient(t, "text/plain", `{"errcode":0}`).GetMedia(ctx, "m", 1<<20); err != nil {
		t.Fatalf("errcode 0: %v", err)
	}
}
