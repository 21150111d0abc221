package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// apiRaw sends body exactly as given (apiCall marshals, which would
// repair the very bytes these tests are about).
func apiRaw(t *testing.T, method, url, token, body string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// errorFields lists the fields named in a 400 answer's errors.
func errorFields(out map[string]any) []string {
	var fields []string
	list, _ := out["errors"].([]any)
	for _, e := range list {
		m, _ := e.(map[string]any)
		f, _ := m["field"].(string)
		fields = append(fields, f)
	}
	return fields
}

// TestComplaintAPIRefusesBadInput: input Postgres cannot store, or that
// encoding/json would silently repair or drop, is a 400 naming the field
// (never a 503 that makes a client retry forever), and nothing is stored.
func TestComplaintAPIRefusesBadInput(t *testing.T) {
	t.Parallel()
	const token = "api-token-for-tests-0123456789"
	h := newHarness(t, func(env map[string]string) { env["API_TOKEN"] = token })
	url := h.base + "/api/v1/complaints"
	// obj is a good order with extra members spliced in raw.
	obj := func(ticket, extra string) string {
		return `{"ticket_no":"` + ticket + `","category":"投诉","section":"综合一股","received_at":"2026-11-27T10:00:00+08:00"` + extra + `}`
	}
	cases := []struct {
		name, body string
		fields     []string // empty: a body-level 400
	}{
		{"NUL in content", obj("BAD-1", `,"content":"噪声\u0000扰民"`), []string{"content"}},
		{"NUL in caller_name", obj("BAD-2", `,"content":"噪声扰民","caller_name":"王\u0000先生"`), []string{"caller_name"}},
		{"invalid UTF-8 in content", obj("BAD-3", `,"content":"噪声`+"\xff\xfe"+`扰民"`), []string{"content"}},
		{"lone high surrogate", obj("BAD-4", `,"content":"噪声扰民","caller_name":"王\ud800"`), []string{"caller_name"}},
		{"lone low surrogate", obj("BAD-5", `,"content":"\udc00噪声扰民"`), []string{"content"}},
		{"reversed surrogate pair", obj("BAD-6", `,"content":"\ude00\ud83d"`), []string{"content"}},
		{"duplicate key", obj("BAD-7", `,"content":"噪声扰民","content":"别的内容"`), []string{"content"}},
		{"duplicate key in another case", obj("BAD-8", `,"content":"噪声扰民","Content":"别的内容"`), []string{"content"}},
		{"year 1 and year 9999", `{"ticket_no":"BAD-9","category":"投诉","content":"噪声扰民","section":"综合一股","received_at":"0001-01-01T00:00:00Z","due_at":"9999-12-31T23:59:59Z"}`, []string{"received_at", "due_at"}},
		{"received before 2000", `{"ticket_no":"BAD-10","category":"投诉","content":"噪声扰民","section":"综合一股","received_at":"1999-12-31T23:59:59+08:00"}`, []string{"received_at"}},
		{"due more than a year after receipt", obj("BAD-11", `,"content":"噪声扰民","due_at":"2027-11-28T10:00:00+08:00"`), []string{"due_at"}},
		{"trailing garbage", obj("BAD-12", `,"content":"噪声扰民"`) + ` x`, nil},
		{"a second object", obj("BAD-13", `,"content":"噪声扰民"`) + obj("BAD-14", `,"content":"噪声扰民"`), nil},
	}
	for _, tc := range cases {
		st, out := apiRaw(t, "POST", url, token, tc.body)
		if st != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400: %v", tc.name, st, out)
			continue
		}
		got := errorFields(out)
		if len(tc.fields) == 0 {
			if out["error"] == nil {
				t.Errorf("%s: no error in %v", tc.name, out)
			}
			continue
		}
		if strings.Join(got, ",") != strings.Join(tc.fields, ",") {
			t.Errorf("%s: fields %v, want %v: %v", tc.name, got, tc.fields, out)
		}
		for _, e := range out["errors"].([]any) {
			if msg, _ := e.(map[string]any)["message"].(string); !strings.HasSuffix(msg, "。") {
				t.Errorf("%s: message %q is not a Chinese sentence", tc.name, msg)
			}
		}
	}
	var n int
	if err := h.db.GetContext(context.Background(), &n, `SELECT count(*) FROM complaints`); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d orders stored from bad input", n)
	}

	// What is near the bad cases but fine still goes through: a real
	// surrogate pair (an emoji), a literal U+FFFD, a due time a day short
	// of a year.
	st, out := apiRaw(t, "POST", url, token, obj("OK-1", `,"content":"噪声扰民\ud83d\ude00 �","due_at":"2027-11-26T10:00:00+08:00"`))
	if st != http.StatusCreated || out["content"] != "噪声扰民😀 �" {
		t.Fatalf("good order: %d %v", st, out)
	}

	// A ticket_no that cannot exist is not found; Postgres never sees it.
	for _, p := range []string{"/a%00b", "/a%ffb", "/" + strings.Repeat("x", 41)} {
		if st, out := apiRaw(t, "GET", url+p, token, ""); st != http.StatusNotFound {
			t.Errorf("GET %s: %d %v, want 404", p, st, out)
		}
	}
}
