package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
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

// TestOrderAPIRefusesBadInput: input Postgres cannot store, or that
// encoding/json would silently repair or drop, is a 400 naming the field
// (never a 503 that makes a client retry forever), and nothing is stored.
func TestOrderAPIRefusesBadInput(t *testing.T) {
	t.Parallel()
	const token = "api-token-for-tests-0123456789"
	h := newHarness(t, func(env map[string]string) { env["API_TOKEN"] = token })
	url := h.base + "/api/v1/orders"
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
	if err := h.db.GetContext(context.Background(), &n, `SELECT count(*) FROM orders`); err != nil {
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

// TestOrderCSVImportRefusesBadText: a NUL or a file not in UTF-8 is
// reported with its line and cause by the dry run and the import alike,
// and the dry run runs the import itself, rolled back.
func TestOrderCSVImportRefusesBadText(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := newCursor(h)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := dir + "/" + name
		if err := writeFile(p, body); err != nil {
			t.Fatal(err)
		}
		return p
	}
	count := func(table string) int {
		var n int
		if err := h.db.GetContext(context.Background(), &n, `SELECT count(*) FROM `+table); err != nil {
			t.Fatal(err)
		}
		return n
	}
	importFile := func(file string, dry bool) (string, error) {
		args := []string{"import", "orders", file}
		if dry {
			args = append(args, "--dry-run")
		}
		var out strings.Builder
		err := run(context.Background(), args, h.getenv, &out, io.Discard)
		return out.String(), err
	}

	nul := write("nul.csv", "ticket_no,category,content,section,caller_name\n"+
		"CSV-N1,投诉,噪声扰民,综合一股,王先生\n"+
		"CSV-N2,投诉,噪声\x00扰民,综合一股,\n"+
		"CSV-N3,咨询,排污许可,综合二股,李\x00女士\n")
	// 投诉 / 噪声扰民 / 综合一股 in GBK, as Excel saves a CSV on a Chinese
	// Windows; line 3 is UTF-8.
	gbk := write("gbk.csv", "ticket_no,category,content,section\n"+
		"CSV-G1,\xcd\xb6\xcb\xdf,\xd4\xeb\xc9\xf9\xc8\xc5\xc3\xf1,\xd7\xdb\xba\xcf\xd2\xbb\xb9\xc9\n"+
		"CSV-G2,投诉,噪声扰民,综合一股\n")
	for _, dry := range []bool{true, false} {
		out, err := importFile(nul, dry)
		if err == nil {
			t.Fatalf("dry %v: a file with NUL passed:\n%s", dry, out)
		}
		for _, want := range []string{"nul.csv:3: content: 诉求内容含有不可见的控制字符", "nul.csv:4: caller_name: 来电人含有不可见的控制字符"} {
			if !strings.Contains(out, want) {
				t.Errorf("dry %v: report lacks %q:\n%s", dry, want, out)
			}
		}
		out, err = importFile(gbk, dry)
		if err == nil {
			t.Fatalf("dry %v: a GBK file passed:\n%s", dry, out)
		}
		if want := "gbk.csv:2: 文件不是 UTF-8 编码"; !strings.Contains(out, want) || !strings.Contains(out, "另存为 UTF-8") {
			t.Errorf("dry %v: report lacks %q and the hint to save as UTF-8:\n%s", dry, want, out)
		}
		if strings.Contains(out, "category") || strings.Contains(out, "section") || strings.Contains(out, "gbk.csv:3") {
			t.Errorf("dry %v: a GBK line is reported as bad fields, or a good line as bad:\n%s", dry, out)
		}
	}
	if n := count("orders"); n != 0 {
		t.Fatalf("%d orders written from bad files", n)
	}

	// The dry run goes through the import's own writes, rolled back: it
	// tells which orders are known, and leaves no order, card or audit row.
	good := write("good.csv", "ticket_no,category,content,section\n"+
		"CSV-10,投诉,噪声扰民,综合一股\n"+
		"CSV-11,咨询,排污许可办理流程,综合二股\n")
	if out, err := importFile(good, false); err != nil || !strings.Contains(out, "2 orders registered") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	c.card(head)
	c.card(head2)
	more := write("more.csv", "ticket_no,category,content,section\n"+
		"CSV-10,投诉,噪声扰民,综合一股\n"+
		"CSV-12,建议,增设监测点,综合一股\n")
	before := []int{count("orders"), count("outbox"), count("audit_log")}
	out, err := importFile(more, true)
	if err != nil {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	for _, want := range []string{"more.csv:2: ticket_no CSV-10 was already registered", "2 rows are good", "1 new, 1 already known", "nothing written"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	if after := []int{count("orders"), count("outbox"), count("audit_log")}; !slices.Equal(before, after) {
		t.Fatalf("dry run changed complaints/outbox/audit_log from %v to %v", before, after)
	}
	c.none(head)
}
