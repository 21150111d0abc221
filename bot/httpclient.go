package bot

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Real API hosts. Requests are always built against these names and the
// transport sends them wherever configuration says (the sandbox in tests
// and the demo), so no call can slip past the redirection.
const (
	WeComHost = "qyapi.weixin.qq.com"
	MPHost    = "api.weixin.qq.com"
)

// NewHTTPClient returns a client with timeouts whose transport sends
// requests for each host in routes to the base URL given for it (scheme,
// host and path prefix). Hosts not in routes pass through unchanged.
//
// silenceper's util.DefaultHTTPClient has no timeout and its URI modifier is
// skipped by some calls; main installs this client there too.
func NewHTTPClient(routes map[string]string) (*http.Client, error) {
	parsed := make(map[string]*url.URL, len(routes))
	for host, base := range routes {
		u, err := url.Parse(strings.TrimSuffix(base, "/"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("route for %s: %q is not an absolute http(s) URL", host, base)
		}
		parsed[host] = u
	}
	base := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 10 * time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   16,
	}
	return &http.Client{
		Timeout:   15 * time.Second,
		Transport: &routingTransport{routes: parsed, next: base},
	}, nil
}

type routingTransport struct {
	routes map[string]*url.URL
	next   http.RoundTripper
}

func (t *routingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	to, ok := t.routes[req.URL.Host]
	if !ok {
		return t.next.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	r.URL.Scheme = to.Scheme
	r.URL.Host = to.Host
	r.URL.Path = to.Path + req.URL.Path
	// Join the escaped forms too: a decoded prefix in front of the raw path
	// is not a valid encoding, and Go would then drop escapes such as %2F.
	r.URL.RawPath = to.EscapedPath() + req.URL.EscapedPath()
	r.Host = to.Host
	return t.next.RoundTrip(r)
}
