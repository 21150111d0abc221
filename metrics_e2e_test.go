package main

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// scrape reads url's metrics and returns the value of the series that
// matches name and labels (a regexp over the label text), or -1.
func scrape(t *testing.T, url, name, labels string) float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	series := name
	if labels != "" {
		series += `\{` + labels + `\}`
	}
	re := regexp.MustCompile(`(?m)^` + series + ` (\S+)$`)
	m := re.FindSubmatch(body)
	if m == nil {
		return -1
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestMetricsOnTheirOwnListener: with METRICS_ADDR, a callback and its
// delivery show in /metrics there, the outbox backlog is read at scrape
// time, and the public address does not serve them.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	t.Parallel()
	maddr := freeAddr(t)
	h := newHarness(t, func(env map[string]string) { env["METRICS_ADDR"] = maddr })
	c := newCursor(h)
	c.say(staff, "帮助")
	c.text(staff, "提交")
	murl := "http://" + maddr + "/metrics"

	if n := scrape(t, murl, "zwgk_callbacks_total", `outcome="ok",source="wecom"`); n < 1 {
		t.Errorf("zwgk_callbacks_total ok = %v, want ≥ 1", n)
	}
	if n := scrape(t, murl, "zwgk_callback_duration_seconds_count", `source="wecom"`); n < 1 {
		t.Errorf("callback duration count = %v", n)
	}
	// The delivery is recorded just after WeCom accepted the message.
	deadline := time.Now().Add(5 * time.Second)
	for scrape(t, murl, "zwgk_outbox_deliveries_total", `kind="message",result="sent"`) < 1 {
		if time.Now().After(deadline) {
			t.Fatal("no zwgk_outbox_deliveries_total{kind=message,result=sent}")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if up := scrape(t, murl, "zwgk_outbox_up", ``); up != 1 {
		t.Errorf("zwgk_outbox_up = %v", up)
	}
	if n := scrape(t, murl, "zwgk_outbox_rows", `status="sent"`); n < 1 {
		t.Errorf("zwgk_outbox_rows sent = %v", n)
	}
	// A forged callback is counted as refused.
	resp, err := http.Post(h.base+"/wecom/callback?msg_signature=x&timestamp=1&nonce=n", "text/xml", strings.NewReader("<xml/>"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := scrape(t, murl, "zwgk_callbacks_total", `outcome="refused",source="wecom"`); n != 1 {
		t.Errorf("refused = %v, want 1", n)
	}

	resp, err = http.Get(h.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics on HTTP_ADDR: %d, want 404", resp.StatusCode)
	}
}
