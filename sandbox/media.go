package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
)

// Temporary media: what a member's picture becomes in WeCom. The client
// uploads it, the callback names it by MediaId (and a PicUrl to show it),
// and the app fetches the bytes with media/get while it lives: 3 days
// (「media_id有效期只有3天」, 获取临时素材,
// https://developer.work.weixin.qq.com/document/path/90254). After that,
// or for an id never issued, media/get answers 40007 「invalid media_id」
// as JSON with HTTP 200, as WeCom does.

// MediaLifetime is how long a temporary media_id can be fetched.
const MediaLifetime = bot.MediaLifetime

// MaxImage is the largest picture the sandbox's client sends. WeCom's
// client compresses photos well below it; the bot's own limit is the
// documents' 20 MB.
const MaxImage = 20 << 20

const errInvalidMediaID = 40007

type tempMedia struct {
	content     []byte
	contentType string
	ext         string
	created     time.Time
}

// Errors of SendImage: what the client would not send.
var (
	ErrImageEmpty    = errors.New("sandbox: empty image")
	ErrImageTooLarge = fmt.Errorf("sandbox: image over %d bytes", MaxImage)
)

// addMedia keeps content as temporary media and returns its media_id,
// random like WeCom's (and never repeating across runs).
func (c *Corp) addMedia(content []byte, contentType string) string {
	var b [33]byte
	rand.Read(b[:])
	id := "1" + base64.RawURLEncoding.EncodeToString(b[:])
	ext := ".jpg"
	switch contentType {
	case "image/png":
		ext = ".png"
	case "image/gif":
		ext = ".gif"
	}
	c.mu.Lock()
	if c.media == nil {
		c.media = map[string]*tempMedia{}
	}
	c.media[id] = &tempMedia{content: content, contentType: contentType, ext: ext, created: c.sb.Now()}
	c.mu.Unlock()
	return id
}

// SendImage sends a picture to the app: kept as temporary media, then the
// image callback with PicUrl, MediaId and MsgId. It returns the bot's
// final HTTP status and the media_id.
func (u *User) SendImage(ctx context.Context, content []byte) (int, string, error) {
	m, err := u.image(content)
	if err != nil {
		return 0, "", err
	}
	status, err := u.c.post(ctx, m)
	return status, m.MediaID.Value, err
}

// ImageCallback keeps content as temporary media and returns the
// decrypted image callback that names it, unsent: tests post it with
// PostPlain, as often as WeCom's retries would.
func (u *User) ImageCallback(content []byte) (plain []byte, mediaID string, err error) {
	m, err := u.image(content)
	if err != nil {
		return nil, "", err
	}
	plain, err = xml.Marshal(m)
	return plain, m.MediaID.Value, err
}

// MediaCallback is the image callback naming mediaID, which the sandbox
// may never have issued: what a replay days late, or a forger, sends.
func (u *User) MediaCallback(mediaID string) ([]byte, error) {
	m := u.base("image")
	m.PicURL, m.MediaID, m.MsgID = cd("https://wework.qpic.cn/wwpic/"+mediaID+"/0"), cd(mediaID), newMsgID()
	return xml.Marshal(m)
}

func (u *User) image(content []byte) (callbackXML, error) {
	switch {
	case len(content) == 0:
		return callbackXML{}, ErrImageEmpty
	case len(content) > MaxImage:
		return callbackXML{}, ErrImageTooLarge
	}
	id := u.c.addMedia(content, http.DetectContentType(content))
	m := u.base("image")
	m.PicURL = cd("https://wework.qpic.cn/wwpic/" + id[:16] + "/0")
	m.MediaID = cd(id)
	m.MsgID = newMsgID()
	return m, nil
}

// apiGetMedia serves media/get: the bytes with WeCom's headers, or 40007.
func (c *Corp) apiGetMedia(w http.ResponseWriter, r *http.Request, _ []byte) {
	id := r.URL.Query().Get("media_id")
	c.mu.Lock()
	m, ok := c.media[id]
	c.mu.Unlock()
	if !ok || !c.sb.Now().Before(m.created.Add(MediaLifetime)) {
		writeErr(w, errInvalidMediaID, "invalid media_id")
		return
	}
	h := w.Header()
	h.Set("Content-Type", m.contentType)
	h.Set("Content-disposition", `attachment; filename="`+id+m.ext+`"`)
	h.Set("Cache-Control", "no-cache, must-revalidate")
	h.Set("Content-Length", strconv.Itoa(len(m.content)))
	w.Write(m.content)
}
