package bot_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/zwgk-bot/zwgk/bot"
)

// seenRequest is what a test server saw of one request.
type seenRequest struct {
	method, requestURI, host, body string
}

// recordingServer answers 200 and records every request.
func recordingServer(t *testing.T) (*httptest.Server, func() []seenRequest) {
	t.Helper()
	var (
		mu   sync.Mutex
		seen []seenRequest
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, seenRequest{r.Method, r.RequestURI, r.Host, string(b)})
		mu.Unlock()
		io.WriteString(w, `{"errcode":0}`)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []seenRequest {
		mu.Lock()
		defer mu.Unlock()
		return append([]seenRequest(nil), seen...)
	}
}

func do(t *testing.T, c *http.Client, req *http.Request) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: status %d", req.Method, req.URL, resp.StatusCode)
	}
}

func TestHTTPClientRoutesWeComHostToBaseWithPrefix(t *testing.T) {
	t.Parallel()
	for _, suffix := range []string{"/sandbox", "/sandbox/"} {
		t.Run(suffix, func(t *testing.T) {
			t.Parallel()
			srv, seen := recordingServer(t)
			c, err := bot.NewHTTPClient(map[string]string{bot.WeComHost: srv.URL + suffix})
			if err != nil {
				t.Fatal(err)
			}
			if c.Timeout <= 0 {
				t.Errorf("client has no overall timeout")
			}
			req, _ := http.NewRequest(http.MethodGet, "https://qyapi.weixin.qq.com/cgi-bin/x?y=1", nil)
			do(t, c, req)
			post, _ := http.NewRequest(http.MethodPost, "https://qyapi.weixin.qq.com/cgi-bin/message/send?access_token=T%2B1&debug=1", strings.NewReader(`{"touser":"a"}`))
			do(t, c, post)
			escaped, _ := http.NewRequest(http.MethodGet, "https://qyapi.weixin.qq.com/cgi-bin/a%2Fb?y=1", nil)
			do(t, c, escaped)

			got := seen()
			host := strings.TrimPrefix(srv.URL, "http://")
			want := []seenRequest{
				{http.MethodGet, "/sandbox/cgi-bin/x?y=1", host, ""},
				{http.MethodPost, "/sandbox/cgi-bin/message/send?access_token=T%2B1&debug=1", host, `{"touser":"a"}`},
				{http.MethodGet, "/sandbox/cgi-bin/a%2Fb?y=1", host, ""},
			}
			if len(got) != len(want) {
				t.Fatalf("server saw %d requests, want %d: %+v", len(got), len(want), got)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("request %d: server saw %+v, want %+v", i, got[i], want[i])
				}
			}
			if req.URL.String() != "https://qyapi.weixin.qq.com/cgi-bin/x?y=1" {
				t.Errorf("routing changed the caller's request URL to %s", req.URL)
			}
		})
	}
}

func TestHTTPClientRoutesToBaseWithoutPrefix(t *testing.T) {
	t.Parallel()
	srv, seen := recordingServer(t)
	c, err := bot.NewHTTPClient(map[string]string{bot.MPHost: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, "https://api.weixin.qq.com/cgi-bin/token?grant_type=client_credential", nil)
	do(t, c, req)
	if got := seen(); len(got) != 1 || got[0].requestURI != "/cgi-bin/token?grant_type=client_credential" {
		t.Errorf("server saw %+v", got)
	}
}

func TestHTTPClientLeavesUnroutedHostAlone(t *testing.T) {
	t.Parallel()
	srv, seen := recordingServer(t)
	elsewhere, elsewhereSeen := recordingServer(t)
	// Routes exist, but not for srv's host.
	c, err := bot.NewHTTPClient(map[string]string{bot.WeComHost: elsewhere.URL + "/sandbox", bot.MPHost: elsewhere.URL + "/mp"})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/direct/path?z=2", nil)
	do(t, c, req)
	if got := seen(); len(got) != 1 || got[0].requestURI != "/direct/path?z=2" || got[0].host != strings.TrimPrefix(srv.URL, "http://") {
		t.Errorf("unrouted server saw %+v, want one request for /direct/path?z=2", got)
	}
	if got := elsewhereSeen(); len(got) != 0 {
		t.Errorf("unrouted request was sent to a route: %+v", got)
	}
}

func TestNewHTTPClientRejectsBadBaseURLs(t *testing.T) {
	t.Parallel()
	for _, base := range []string{
		"",
		"sandbox",
		"/sandbox",
		"localhost:8080",
		"ftp://example.org/x",
		"http://",
		"http:///path",
		"https://[::1",
		"://example.org",
	} {
		if c, err := bot.NewHTTPClient(map[string]string{bot.WeComHost: base}); err == nil || c != nil {
			t.Errorf("NewHTTPClient(%q) = %v, %v; want an error", base, c, err)
		}
	}
	if _, err := bot.NewHTTPClient(nil); err != nil {
		t.Errorf("NewHTTPClient(nil) = %v, want a pass-through client", err)
	}
}

func TestHTTPClientKeepsEscapesOfPrefixAndPath(t *testing.T) {
	t.Parallel()
	srv, seen := recordingServer(t)
	c, err := bot.NewHTTPClient(map[string]string{bot.WeComHost: srv.URL + "/sand%20box"})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/cgi-bin/x", "/cgi-bin/a%2Fb"} {
		req, _ := http.NewRequest(http.MethodGet, "https://qyapi.weixin.qq.com"+path+"?y=1", nil)
		do(t, c, req)
	}
	got := seen()
	want := []string{"/sand%20box/cgi-bin/x?y=1", "/sand%20box/cgi-bin/a%2Fb?y=1"}
	if len(got) != len(want) {
		t.Fatalf("server saw %d requests, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].requestURI != want[i] {
			t.Errorf("server saw %s, want %s", got[i].requestURI, want[i])
		}
	}
}
