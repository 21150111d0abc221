package webauth_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/zwgk-bot/zwgk/webauth"
)

// Upload takes the CSRF token from a multipart body (which Form's
// ParseForm would not read), refuses a body over the limit with 413, and
// refuses anything without the token, or not multipart, with 403.
func TestUploadCSRFAndLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const limit = 64 << 10
	var mu sync.Mutex
	var got []string
	f.mux.HandleFunc("POST /desk/up", f.auth.Upload(limit, "文件太大", func(w http.ResponseWriter, r *http.Request, v *webauth.Visitor) {
		file, h, err := r.FormFile("file")
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		b, _ := io.ReadAll(file)
		mu.Lock()
		defer mu.Unlock()
		got = append(got, fmt.Sprintf("%s:%s:%d", v.Person.UserID, h.Filename, len(b)))
		io.WriteString(w, "ok")
	}))
	f.login(t, "chen")
	page := f.get(t, f.app.URL+"/desk")
	token := page.body[strings.Index(page.body, "csrf=")+5:]

	post := func(fields map[string]string, size int, ctype string) answer {
		t.Helper()
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, v := range fields {
			mw.WriteField(k, v)
		}
		fw, _ := mw.CreateFormFile("file", "正文.pdf")
		fw.Write(bytes.Repeat([]byte("x"), size))
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, f.app.URL+"/desk/up", &body)
		if ctype == "" {
			ctype = mw.FormDataContentType()
		}
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Origin", f.app.URL)
		return f.do(t, req)
	}
	if a := post(map[string]string{"csrf": token}, 1000, ""); a.status != http.StatusOK || a.body != "ok" {
		t.Fatalf("an upload with the token = %d %q", a.status, a.body)
	}
	for name, a := range map[string]answer{
		"no token":      post(nil, 1000, ""),
		"wrong token":   post(map[string]string{"csrf": strings.Repeat("0", len(token))}, 1000, ""),
		"not multipart": post(map[string]string{"csrf": token}, 1000, "application/x-www-form-urlencoded"),
	} {
		if a.status != http.StatusForbidden || !strings.Contains(a.body, webauth.MsgCSRF) {
			t.Errorf("%s: %d %q, want 403", name, a.status, a.body)
		}
	}
	if a := post(map[string]string{"csrf": token}, limit, ""); a.status != http.StatusRequestEntityTooLarge || !strings.Contains(a.body, "文件太大") {
		t.Errorf("a body over the limit = %d %q, want 413", a.status, a.body)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0] != "chen:正文.pdf:1000" {
		t.Errorf("the handler ran for %v, want the one good upload", got)
	}
}
