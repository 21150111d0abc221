package bot

// Images sent in the app chat, and media/get.
//
// The image callback (接收消息与事件 → 消息格式 → 图片消息,
// https://developer.work.weixin.qq.com/document/path/90239) carries
// ToUserName, FromUserName, CreateTime, MsgType "image", PicUrl, MediaId,
// MsgId and AgentID. PicUrl is a CDN address for display; the bytes are
// fetched by MediaId through 获取临时素材 (media/get,
// https://developer.work.weixin.qq.com/document/path/90254):
//
//	GET /cgi-bin/media/get?access_token=ACCESS_TOKEN&media_id=MEDIA_ID
//
// Success is the file itself, as any HTTP download: 200 with Content-Type
// (image/jpeg) and Content-disposition: attachment; filename="MEDIA_ID.jpg".
// Failure is a JSON body {"errcode": 40007, "errmsg": "invalid media_id"},
// also with 200, so the status says nothing: the body decides. A media_id
// lives 3 days (「media_id有效期只有3天，注意要及时获取」); after that it
// answers 40007 too. Larger files answer 830002 and want Range requests,
// which no chat image (at most 2 MB by the client's limits) needs.
// silenceper/wechat/v2 work/material (getTempFile) calls the same URL.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ErrInvalidMediaID is WeCom's 40007: an unknown or expired media_id.
const ErrInvalidMediaID = 40007

// MediaLifetime is how long a temporary media_id can be fetched.
const MediaLifetime = 72 * time.Hour

// Media is a file fetched by media/get.
type Media struct {
	Content     []byte
	ContentType string // as WeCom declared it
	Filename    string // from Content-disposition, "" when none
}

// ErrMediaTooLarge reports a file over the caller's limit.
var ErrMediaTooLarge = errors.New("wecom media/get: file over the size limit")

// IsInvalidMedia reports whether err is 40007: the media is gone for good
// (never existed or older than 3 days), so retrying cannot help.
func IsInvalidMedia(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == ErrInvalidMediaID
}

// GetMedia fetches a temporary media file of at most limit bytes. A body
// that is JSON with an errcode is WeCom's error (*APIError), whatever the
// Content-Type says; a rejected token is refreshed once, as for the other
// calls.
func (c *Client) GetMedia(ctx context.Context, mediaID string, limit int64) (*Media, error) {
	const api = "media/get"
	for attempt := 0; ; attempt++ {
		tok, err := c.Token(ctx)
		if err != nil {
			return nil, fmt.Errorf("wecom %s: %w", api, err)
		}
		m, err := c.getMedia(ctx, url.Values{"access_token": {tok}, "media_id": {mediaID}}, limit)
		var ae *APIError
		if attempt == 0 && errors.As(err, &ae) && ae.tokenInvalid() {
			c.log.WarnContext(ctx, "wecom token rejected, refreshing", "api", api, "errcode", ae.Code)
			c.forget(tok)
			if derr := c.token.drop(ctx, tok); derr != nil {
				return nil, fmt.Errorf("wecom %s: drop token: %w", api, derr)
			}
			continue
		}
		return m, err
	}
}

func (c *Client) getMedia(ctx context.Context, q url.Values, limit int64) (m *Media, err error) {
	const api = "media/get"
	if c.Observe != nil {
		defer func() { c.Observe(api, callClass(err)) }()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+WeComHost+"/cgi-bin/"+api+"?"+q.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("wecom %s: %w", api, err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // drop the URL and its token
		}
		return nil, fmt.Errorf("wecom %s: %w", api, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &HTTPError{API: api, Status: resp.StatusCode}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("wecom %s: read: %w", api, err)
	}
	if ae := mediaError(data); ae != nil {
		return nil, ae
	}
	if int64(len(data)) > limit {
		return nil, ErrMediaTooLarge
	}
	m = &Media{Content: data, ContentType: resp.Header.Get("Content-Type")}
	if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err == nil {
		m.Filename = params["filename"]
	}
	return m, nil
}

// mediaError reads WeCom's error answer out of a media/get body: JSON
// with an errcode. A file that happens to start with '{' but is no such
// object is a file.
func mediaError(data []byte) *APIError {
	trimmed := strings.TrimSpace(string(data[:min(len(data), 16)]))
	if !strings.HasPrefix(trimmed, "{") || len(data) > 64<<10 {
		return nil
	}
	var e struct {
		Code    *int64 `json:"errcode"`
		Message string `json:"errmsg"`
	}
	if json.Unmarshal(data, &e) != nil || e.Code == nil || *e.Code == 0 {
		return nil
	}
	return &APIError{API: "media/get", Code: *e.Code, Message: e.Message}
}
