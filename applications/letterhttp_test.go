package applications

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/applications/letters"
	"github.com/zwgk-bot/zwgk/storage"
	"github.com/zwgk-bot/zwgk/storage/storagetest"
	"github.com/zwgk-bot/zwgk/workflow"
)

// letterServer serves the letter routes of a Flow on its own database
// holding one application, 依申请〔2026〕1号, received 2026-11-27 with no
// 补正 asked; clock is what the handler reads as now.
func letterServer(t *testing.T, clock *testClock) (*Flow, *storage.Application, *httptest.Server) {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, storagetest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	b := letterFlow(testLetters)
	b.DB, b.Log, b.Now = db, slog.New(slog.NewTextHandler(io.Discard, nil)), clock.now
	a := &storage.Application{Channel: string(workflow.ChannelInPerson), ReceivedD: on("2026-11-27"),
		ApplicantName: "张三", ApplicantType: "自然人", Content: "2025年度环评批复<script>x</script>",
		ProvideForm: string(workflow.ProvideElectronic), State: string(workflow.ApplicationRegistered),
		Registrar: "wanglin", DueD: on("2026-12-25"), Source: "chat", CreatedAt: clock.now()}
	if err := db.WithTx(ctx, func(tx *storage.Tx) error {
		_, err := storage.InsertApplication(ctx, tx, a)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /applications/{id}/letters/{kind}", b.ServeLetter)
	mux.HandleFunc("GET /applications/{id}/letters/{kind}/{n}", b.ServeLetter)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return b, a, srv
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(body)
}

func TestServeLetter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, workflow.DefaultCalendar().Location())
	clock := &testClock{at: now}
	b, a, srv := letterServer(t, clock)
	receipt := LetterRef{Kind: letters.KindReceipt}
	link := b.letterLink(a, receipt, now)
	if !strings.HasPrefix(link, "https://zwgk.example.gov.cn/applications/") {
		t.Fatalf("link %q", link)
	}
	path := strings.TrimPrefix(link, b.PublicURL)

	st, body := get(t, srv.URL+path)
	if st != http.StatusOK || !strings.Contains(body, "政府信息公开申请接收回执") || !strings.Contains(body, "依申请〔2026〕1号") ||
		!strings.Contains(body, "2026年12月25日") || strings.Contains(body, "<script>x") {
		t.Fatalf("receipt: %d\n%s", st, body)
	}

	// A bad signature, another letter's, another application's: 403, and
	// the page says how to get a good link.
	sig := path[strings.Index(path, "sig=")+4:]
	flipped := "0"
	if sig[0] == '0' {
		flipped = "1"
	}
	supplementPath := LetterPath(a.ID, LetterRef{Kind: letters.KindSupplement})
	for _, bad := range []string{
		strings.Replace(path, "sig="+sig[:1], "sig="+flipped, 1),
		strings.Replace(path, "/receipt?", "/reply?", 1),
		supplementPath + path[strings.Index(path, "?"):],
		strings.Replace(path, "/applications/"+itoa(a.ID)+"/", "/applications/"+itoa(a.ID+1)+"/", 1),
		LetterPath(a.ID, receipt),
	} {
		st, body := get(t, srv.URL+bad)
		if st != http.StatusForbidden || !strings.Contains(body, "链接无效") || !strings.Contains(body, "「申请 编号」") {
			t.Errorf("%s: %d %q, want 403", bad, st, body)
		}
	}

	// A signed link to a letter the case has not (yet): 404 saying so.
	sup := strings.TrimPrefix(b.letterLink(a, LetterRef{Kind: letters.KindSupplement}, now), b.PublicURL)
	if st, body := get(t, srv.URL+sup); st != http.StatusNotFound || !strings.Contains(body, "未告知补正") {
		t.Errorf("supplement not asked: %d %q", st, body)
	}
	rep := strings.TrimPrefix(b.letterLink(a, LetterRef{Kind: letters.KindReply}, now), b.PublicURL)
	if st, body := get(t, srv.URL+rep); st != http.StatusNotFound || !strings.Contains(body, "答复书尚未形成") {
		t.Errorf("reply not approved: %d %q", st, body)
	}
	// Addresses that name no letter.
	for _, bad := range []string{
		"/applications/" + itoa(a.ID) + "/letters/notice" + path[strings.Index(path, "?"):],
		"/applications/" + itoa(a.ID) + "/letters/receipt/1" + path[strings.Index(path, "?"):],
		"/applications/x/letters/receipt" + path[strings.Index(path, "?"):],
		LetterPath(a.ID, LetterRef{Kind: letters.KindConsultParty}) + "/01",
		LetterPath(a.ID, LetterRef{Kind: letters.KindConsultParty}) + "/0",
	} {
		if st, _ := get(t, srv.URL+bad); st != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", bad, st)
		}
	}

	// The consultation's number is signed: /2's link does not open /1.
	c2 := strings.TrimPrefix(b.letterLink(a, LetterRef{Kind: letters.KindConsultParty, N: 2}, now), b.PublicURL)
	if !strings.Contains(c2, "/letters/consult_party/2?") {
		t.Fatalf("consultation 2's link %q", c2)
	}
	if st, _ := get(t, srv.URL+strings.Replace(c2, "/2?", "/1?", 1)); st != http.StatusForbidden {
		t.Errorf("consultation 2's signature opened consultation 1: %d", st)
	}
	if st, _ := get(t, srv.URL+c2); st != http.StatusNotFound {
		t.Errorf("consultation 2, none recorded: %d, want 404", st)
	}

	// Expired: 403, naming the command with the application's number.
	clock.set(now.Add(letterLinkValidity))
	if st, body := get(t, srv.URL+path); st != http.StatusForbidden || !strings.Contains(body, "链接已过期") ||
		!strings.Contains(body, "「申请 依申请〔2026〕1号」") {
		t.Errorf("expired: %d %q", st, body)
	}
	clock.set(now.Add(letterLinkValidity - time.Second))
	if st, _ := get(t, srv.URL+path); st != http.StatusOK {
		t.Errorf("a second before expiry: %d", st)
	}

	// A setting the letter needs is missing: 503, naming it.
	bot := *b.Bot
	bot.Letters.ContactPhone = ""
	rec := httptest.NewRecorder()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /applications/{id}/letters/{kind}", (&Flow{Bot: &bot}).ServeLetter)
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "OFFICE_CONTACT_PHONE") {
		t.Errorf("no phone: %d %q", rec.Code, rec.Body.String())
	}
}

// testClock is a settable clock, safe for the server's goroutines.
type testClock struct {
	mu sync.Mutex
	at time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.at }

func (c *testClock) set(t time.Time) { c.mu.Lock(); c.at = t; c.mu.Unlock() }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
