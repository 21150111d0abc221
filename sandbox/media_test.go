package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/documents"
	"github.com/zwgk-bot/zwgk/sandbox"
)

func testPNG(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 3, 2))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// getMedia calls media/get over plain HTTP, to see WeCom's headers.
func (f *fixture) getMedia(t *testing.T, mediaID string) (*http.Response, []byte) {
	t.Helper()
	tok, err := f.client.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(f.srv.URL + "/cgi-bin/media/get?access_token=" + tok + "&media_id=" + mediaID)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestImageCallbackAndMediaGetServeTheBytesWithWeComHeaders(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pic := testPNG(t)
	plain, id, err := f.corp.User("a").ImageCallback(pic)
	if err != nil {
		t.Fatal(err)
	}
	m, err := bot.ParseMessage(plain)
	if err != nil {
		t.Fatal(err)
	}
	if m.MsgType != bot.MsgImage || m.MediaID != id || m.PicURL == "" || m.MsgID == "" || m.FromUserName != "a" {
		t.Fatalf("image callback parsed as %+v", m)
	}
	resp, body := f.getMedia(t, id)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" ||
		resp.Header.Get("Content-Disposition") != `attachment; filename="`+id+`.png"` || !bytes.Equal(body, pic) {
		t.Fatalf("media/get answered %d %v with %d bytes", resp.StatusCode, resp.Header, len(body))
	}
	got, err := f.client.GetMedia(context.Background(), id, documents.MaxBytes)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Content, pic) || got.ContentType != "image/png" || got.Filename != id+".png" {
		t.Fatalf("GetMedia = %q %q %d bytes", got.ContentType, got.Filename, len(got.Content))
	}
	// The protocol log names the call and the file, not its bytes.
	var logged *sandbox.TrafficEntry
	for _, e := range f.corp.Traffic(0) {
		if e.Summary == "media/get" {
			logged = &e
			break
		}
	}
	if logged == nil || !strings.Contains(logged.Response, "Content-disposition") || strings.Contains(logged.Response, "PNG") {
		t.Fatalf("protocol log of media/get: %+v", logged)
	}
}

func TestMediaGetAnswers40007ForUnknownAndExpiredMedia(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, id, err := f.corp.User("a").ImageCallback(testPNG(t))
	if err != nil {
		t.Fatal(err)
	}
	// WeCom's error is JSON with HTTP 200.
	resp, body := f.getMedia(t, "no-such-media")
	var e struct {
		Errcode int    `json:"errcode"`
		Errmsg  string `json:"errmsg"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &e) != nil || e.Errcode != 40007 || e.Errmsg != "invalid media_id" {
		t.Fatalf("unknown media: %d %s", resp.StatusCode, body)
	}
	ctx := context.Background()
	if _, err := f.client.GetMedia(ctx, "no-such-media", documents.MaxBytes); !bot.IsInvalidMedia(err) {
		t.Fatalf("GetMedia of unknown media: %v, want 40007", err)
	}
	f.clock.Advance(sandbox.MediaLifetime - time.Second)
	if _, err := f.client.GetMedia(ctx, id, documents.MaxBytes); err != nil {
		t.Fatalf("media a second before its 3 days: %v", err)
	}
	f.clock.Advance(time.Second)
	if _, err := f.client.GetMedia(ctx, id, documents.MaxBytes); !bot.IsInvalidMedia(err) {
		t.Fatalf("media after 3 days: %v, want 40007", err)
	}
}

func TestGetMediaRefreshesARevokedTokenAndBoundsTheSize(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pic := testPNG(t)
	_, id, err := f.corp.User("a").ImageCallback(pic)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := f.client.Token(ctx); err != nil {
		t.Fatal(err)
	}
	f.corp.RevokeTokens()
	if got, err := f.client.GetMedia(ctx, id, documents.MaxBytes); err != nil || !bytes.Equal(got.Content, pic) {
		t.Fatalf("GetMedia after the token was revoked: %v", err)
	}
	if f.corp.TokenFetches() != 2 {
		t.Fatalf("token fetched %d times, want 2", f.corp.TokenFetches())
	}
	if _, err := f.client.GetMedia(ctx, id, int64(len(pic)-1)); !errors.Is(err, bot.ErrMediaTooLarge) {
		t.Fatalf("GetMedia over the limit: %v", err)
	}
}

func TestUserAPISendsAnImage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "a")
	api := f.corp.UserAPI()
	for _, c := range []struct {
		body []byte
		want int
	}{{nil, 400}, {make([]byte, sandbox.MaxImage+1), 413}} {
		req, _ := http.NewRequest("POST", "/users/a/image", bytes.NewReader(c.body))
		w := httptest.NewRecorder()
		api.ServeHTTP(w, req)
		if w.Code != c.want {
			t.Errorf("image of %d bytes: status %d, want %d", len(c.body), w.Code, c.want)
		}
	}
}
