package letters

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/printtest"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/zwgk-bot/zwgk/workflow"
)

// The print tests follow forms/formprint_test.go: Debian's chromium,
// headless, prints each page to PDF with the browser's own header and
// footer switched on (as a user's print dialog may have them), and the
// PDF's text is read back page by page.

// letterPrinter serves letters over HTTP at secret addresses, as the bot
// would, and prints them in one headless Chromium (a tab each).
type letterPrinter struct {
	ctx context.Context
	srv *httptest.Server
	mu  sync.Mutex
	pgs map[string][]byte // path → page
}

func newLetterPrinter(t *testing.T) *letterPrinter {
	t.Helper()
	p := &letterPrinter{pgs: map[string][]byte{}}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		b, ok := p.pgs[r.URL.RequestURI()]
		p.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(b)
	}))
	t.Cleanup(p.srv.Close)

	p.ctx = printtest.Browser(t, "the print tests")
	return p
}

// printedLetter is one letter as Chromium printed it.
type printedLetter struct {
	url    string
	secret string
	pdf    []byte
	pages  []printtest.Page
	tab    context.Context
}

// print renders l, serves it at a fresh secret address, opens it in a new
// tab and prints it to PDF with the browser's header and footer on.
func (p *letterPrinter) print(t *testing.T, l Letter) printedLetter {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, l); err != nil {
		t.Fatalf("Render: %v", err)
	}
	raw := make([]byte, 12)
	if _, err := rand.Read(raw); err != nil {
		t.Fatal(err)
	}
	secret := hex.EncodeToString(raw)
	path := "/letters/" + secret + "?sig=" + secret
	p.mu.Lock()
	p.pgs[path] = b.Bytes()
	p.mu.Unlock()

	tab, cancel := chromedp.NewContext(p.ctx)
	t.Cleanup(cancel)
	if err := chromedp.Do(tab, chromedp.Navigate(p.srv.URL+path)); err != nil {
		t.Fatalf("open the letter: %v", err)
	}
	// Navigate waits for the load event; the fonts may come a little later.
	if _, err := chromedp.Run(tab, chromedp.Poll[bool](`document.fonts.status === "loaded"`, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(time.Minute))); err != nil {
		t.Fatalf("waiting for the fonts: %v", err)
	}
	pdf, err := chromedp.Run(tab, chromedp.PrintToPDF(func(pp *cdppage.PrintToPDFParams) {
		on := true
		pp.DisplayHeaderFooter = &on
		pp.PreferCSSPageSize = &on
	}))
	if err != nil {
		t.Fatalf("print to PDF: %v", err)
	}
	pages, err := printtest.ReadPDF(pdf)
	if err != nil {
		t.Fatalf("reading the PDF: %v", err)
	}
	return printedLetter{url: p.srv.URL + path, secret: secret, pdf: pdf, pages: pages, tab: tab}
}

// flat is the text of the letter's pages in a row, without page numbers
// (a paragraph running onto the next page reads on), and no whitespace.
func (pr printedLetter) flat() string {
	var b strings.Builder
	for _, p := range pr.pages {
		for _, r := range p.Runs {
			if r.Y < typeArea.bottom-2 && folioPart(r.Text) {
				continue
			}
			b.WriteString(r.Text)
		}
	}
	return strings.Join(strings.Fields(b.String()), "")
}

// The 版心 of GB/T 9704 in points from the page's bottom left: 28mm from
// the left, 26mm from the right, 37mm from the top, 35mm from the bottom.
const mm = 72 / 25.4

var typeArea = struct{ left, right, top, bottom float64 }{28 * mm, (210 - 26) * mm, (297 - 37) * mm, 35 * mm}

// inTypeArea checks that every run starts inside the 版心, but for the
// page number under it: no text in the margins, no line pushed past the
// foot of a page. A run's Y is its baseline, which lies within a line of
// the 版心's top edge (a 3号 line is 28.9pt).
func inTypeArea(t *testing.T, pr printedLetter) {
	t.Helper()
	const slack = 2.0 // rounding, and glyphs' side bearings
	for i, p := range pr.pages {
		for _, r := range p.Runs {
			if r.Y < typeArea.bottom-slack && r.Y > 5*mm && folioPart(r.Text) {
				continue // the page number, checked by pageNumbers
			}
			if r.X < typeArea.left-slack || r.X > typeArea.right || r.Y > typeArea.top || r.Y < typeArea.bottom-slack {
				t.Errorf("page %d: %q at (%.1fmm, %.1fmm from the bottom) is outside the 版心", i+1, r.Text, r.X/mm, r.Y/mm)
			}
		}
	}
}

// folioPart reports whether s can be part of a page number: — 1 —.
func folioPart(s string) bool { return strings.Trim(s, "— 0123456789") == "" }

// folio is the page number printed under the 版心 of p, spaces dropped.
func folio(p printtest.Page) string {
	var b strings.Builder
	for _, r := range p.Runs {
		if r.Y < typeArea.bottom-2 && folioPart(r.Text) {
			b.WriteString(r.Text)
		}
	}
	return strings.Join(strings.Fields(b.String()), "")
}

// noAddress checks that nothing of the page's address was printed: the
// browser's header and footer stay off the paper.
func noAddress(t *testing.T, pr printedLetter) {
	t.Helper()
	host := strings.TrimPrefix(pr.url, "http://")
	host = host[:strings.Index(host, "/")]
	for i, p := range pr.pages {
		for _, bad := range []string{host, "/letters/", "sig=", pr.secret[:12], "127.0.0.1"} {
			if strings.Contains(p.Text(), bad) {
				t.Errorf("page %d prints %q (the address):\n%s", i+1, bad, p.Text())
			}
		}
	}
	if bytes.Contains(pr.pdf, []byte(pr.secret[:12])) {
		t.Errorf("the PDF holds the address (a link annotation?)")
	}
}

// pageNumbers checks that page n prints — n — under its 版心.
func pageNumbers(t *testing.T, pr printedLetter) {
	t.Helper()
	for i, p := range pr.pages {
		if got, want := folio(p), fmt.Sprintf("—%d—", i+1); got != want {
			t.Errorf("page %d is numbered %q, want %q", i+1, got, want)
		}
	}
}

// keep writes the PDF where ZWGK_SCREENSHOTS says (the browser test's
// folder for pictures), to look at; nothing when it is not set.
func (pr printedLetter) keep(t *testing.T, name string) {
	t.Helper()
	dir := os.Getenv("ZWGK_SCREENSHOTS")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".pdf"), pr.pdf, 0o644); err != nil {
		t.Fatal(err)
	}
}

// signedOnLast checks that the title is on the first page only and the
// 落款 (bureau, date, seal) together on the last page only.
func signedOnLast(t *testing.T, pr printedLetter, title, date string) {
	t.Helper()
	last := len(pr.pages) - 1
	for i, p := range pr.pages {
		f := p.Flat()
		if on := strings.Contains(f, title); on != (i == 0) {
			t.Errorf("page %d: title printed = %v", i+1, on)
		}
		for _, part := range []string{"（印章）", bureau + date} {
			if on := strings.Contains(f, part); on != (i == last) {
				t.Errorf("page %d: %q printed = %v (want it on the last page only)", i+1, part, on)
			}
		}
	}
}

func TestPrinted(t *testing.T) {
	pr := newLetterPrinter(t)

	t.Run("short receipt is one page", func(t *testing.T) {
		t.Parallel()
		l := sample(KindReceipt)
		p := pr.print(t, l)
		p.keep(t, "letter-receipt")
		if len(p.pages) != 1 {
			t.Fatalf("%d pages, want 1:\n%s", len(p.pages), p.flat())
		}
		noAddress(t, p)
		inTypeArea(t, p)
		pageNumbers(t, p)
		signedOnLast(t, p, "政府信息公开申请接收回执", "2026年12月7日")
		f := p.flat()
		for _, want := range []string{register, "2026年12月1日", "2026年12月29日前作出答复", "本机关签收之日为收到申请之日", strings.Join(strings.Fields(request), ""), "0475-8123456"} {
			if !strings.Contains(f, want) {
				t.Errorf("the printed receipt lacks %q", want)
			}
		}
		// The title is set large, the body in 3号.
		var title, body bool
		for _, r := range p.pages[0].Runs {
			title = title || (r.Text == "政府信息公开申请接收回执" && r.Size >= 21)
			body = body || (strings.HasPrefix(r.Text, "李明") && r.Size >= 15.5 && r.Size <= 16.5)
		}
		if !title || !body {
			t.Errorf("title in 2号 %v, body in 3号 %v:\n%+v", title, body, p.pages[0].Runs)
		}
	})

	t.Run("long supplement flows onto further pages", func(t *testing.T) {
		t.Parallel()
		l := sample(KindSupplement)
		l.Supplement.Items = nil
		for i := range 60 {
			item := fmt.Sprintf("第%d项：请明确所申请的%d号排污口%s年度自行监测数据的具体监测因子（如化学需氧量、氨氮、总磷）及时间范围。", i+1, i+1, "2026")
			switch i % 7 {
			case 3:
				// An address longer than a line: it must break, not overflow.
				item = fmt.Sprintf("第%d项：请核对申请中所引的网址https://www.example.gov.cn/zwgk/hjbh/2026/zdpwdw/jdxjc/report-%04d-final-version.html是否正确。", i+1, i)
			case 5:
				item = fmt.Sprintf("第%d项：请说明。", i+1)
			}
			l.Supplement.Items = append(l.Supplement.Items, item)
		}
		p := pr.print(t, l)
		p.keep(t, "letter-supplement-long")
		if len(p.pages) < 2 {
			t.Fatalf("%d page(s): 60 items should run on", len(p.pages))
		}
		noAddress(t, p)
		inTypeArea(t, p)
		pageNumbers(t, p)
		signedOnLast(t, p, "政府信息公开申请补正告知书", "2026年12月7日")
		f := p.flat()
		for i, item := range l.Supplement.Items {
			if want := fmt.Sprintf("%d．", i+1) + strings.Join(strings.Fields(item), ""); !strings.Contains(f, want) {
				t.Errorf("item %d is not printed whole: %q", i+1, want)
			}
		}
		// A point moves to the next page whole: every page after the first
		// opens with a point's number (or, once the list is done, with the
		// paragraph after it).
		for i, pg := range p.pages[1:] {
			for _, r := range pg.Runs {
				if r.Y < typeArea.bottom-2 && folioPart(r.Text) {
					continue
				}
				if !regexp.MustCompile(`^(\d+．|请于)`).MatchString(r.Text) {
					t.Errorf("page %d opens with %q, not with a point", i+2, r.Text)
				}
				break
			}
		}
		// The items keep their order across the pages.
		at := 0
		for i := range l.Supplement.Items {
			j := strings.Index(f[at:], fmt.Sprintf("%d．第%d项", i+1, i+1))
			if j < 0 {
				t.Errorf("item %d is out of order", i+1)
				break
			}
			at += j
		}
		for _, want := range []string{"2026年12月21日前", "视为放弃申请"} {
			if !strings.Contains(f, want) {
				t.Errorf("the printed letter lacks %q", want)
			}
		}
	})

	t.Run("withhold reply", func(t *testing.T) {
		t.Parallel()
		l := reply(workflow.OutcomeWithhold, workflow.ReasonProcess)
		p := pr.print(t, l)
		p.keep(t, "letter-reply-withhold")
		noAddress(t, p)
		inTypeArea(t, p)
		pageNumbers(t, p)
		signedOnLast(t, p, "政府信息公开申请答复书", "2026年12月7日")
		f := p.flat()
		for _, want := range []string{register, "第十六条第二款、第三十六条第（三）项", "本机关决定不予公开", priorReview, "特此答复。"} {
			if !strings.Contains(f, want) {
				t.Errorf("the printed reply lacks %q", want)
			}
		}
		if strings.Contains(f, ordinary) {
			t.Errorf("the printed 不予公开 reply offers a direct suit")
		}
	})
}
