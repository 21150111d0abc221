package bot

import (
	"context"
	"errors"

	"net/http"
	"net/url"
	"strconv"

	"github.com/silenceper/wechat/v2/util"
)

// WeCom 网页授权 for a self-built app (构造网页授权链接, 获取访问用户身份):
// the browser is sent to AuthorizeURL, WeCom's client adds who is looking
// and sends it back to redirect_uri?code=CODE&state=STATE, and the server
// trades the code for the userid with GET /cgi-bin/auth/getuserinfo.

// AuthorizePath is where the authorize page lives under the OAuth base
// (WECOM_OAUTH_BASE, https://open.weixin.qq.com in production).
const AuthorizePath = "/connect/oauth2/authorize"

// ScopeBase is 静默授权: the member's UserId only, no consent page.
const ScopeBase = "snsapi_base"

// MaxStateLen is the documented limit of state: 「企业可以填写a-zA-Z0-9的参数
// 值，长度不可超过128个字节」.
const MaxStateLen = 128

// ErrInvalidCode is getuserinfo's 40029 「invalid code」: a code that is
// unknown, used already (a code works once) or older than five minutes.
const ErrInvalidCode = 40029

// ErrRedirectDomain is getuserinfo's 50001: the redirect domain is not
// the access token's app's 可信域名.
const ErrRedirectDomain = 50001

// AuthorizeURL is the 网页授权 link for corpID's app agentID: WeCom sends
// the browser back to redirect with a code and state. base is the OAuth
// base without trailing slash. The parameters are in the documented order,
// and #wechat_redirect tells WeCom's client to add the identity.
func AuthorizeURL(base, corpID string, agentID int64, redirect, state string) string {
	return base + AuthorizePath + "?appid=" + url.QueryEscape(corpID) +
		"&redirect_uri=" + url.QueryEscape(redirect) +
		"&response_type=code&scope=" + ScopeBase +
		"&state=" + url.QueryEscape(state) +
		"&agentid=" + strconv.FormatInt(agentID, 10) + "#wechat_redirect"
}

// ValidState reports whether s is a state WeCom carries: a-zA-Z0-9, at
// most MaxStateLen bytes.
func ValidState(s string) bool {
	if len(s) > MaxStateLen {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Visitor is who opened a page, as getuserinfo says: a member's UserID, or
// a non-member's OpenID (one of them is set).
type Visitor struct {
	UserID string
	OpenID string
}

// GetUserInfo trades a 网页授权 code for the visitor (获取访问用户身份).
// A code works once: ErrInvalidCode comes back as an *APIError for a
// used, expired or forged one, and is never retried.
func (c *Client) GetUserInfo(ctx context.Context, code string) (Visitor, error) {
	if code == "" || len(code) > 512 {
		return Visitor{}, &APIError{API: "auth/getuserinfo", Code: ErrInvalidCode, Message: "invalid code"}
	}
	var res struct {
		util.CommonError
		UserID         string `json:"userid"`
		OpenID         string `json:"openid"`
		ExternalUserID string `json:"external_userid"`
	}
	if err := c.callWith(ctx, http.MethodGet, "auth/getuserinfo", url.Values{"code": {code}}, nil, &res); err != nil {
		return Visitor{}, err
	}
	if res.UserID == "" && res.OpenID == "" {
		return Visitor{}, errors.New("wecom auth/getuserinfo: neither userid nor openid")
	}
	return Visitor{UserID: res.UserID, OpenID: res.OpenID}, nil
}

// IsInvalidCode reports getuserinfo's refusal of the code itself.
func IsInvalidCode(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == ErrInvalidCode
}
