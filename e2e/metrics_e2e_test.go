package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/sandbox"
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

// waitMetric waits until the series is at least min: the parts record
// just after the event a test can see (an answer, a delivery).
func waitMetric(t *testing.T, url, name, labels string, min float64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		v := scrape(t, url, name, labels)
		if v >= min {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s{%s} = %v, want ≥ %v", name, labels, v, min)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestMetricsOnTheirOwnListener: with METRICS_ADDR, callbacks (handled,
// duplicate, refused), API calls and deliveries show in /metrics there,
// the outbox backlog is read at scrape time, the public address does not
// serve them, and the listener goes with the rest at shutdown.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	t.Parallel()
	maddr := freeAddr(t)
	// Registered before the harness, so it runs after the harness stopped.
	t.Cleanup(func() {
		if c, err := net.DialTimeout("tcp", maddr, time.Second); err == nil {
			c.Close()
			t.Errorf("METRICS_ADDR %s still accepts after shutdown", maddr)
		}
	})
	var mp *sandbox.MP
	h := newHarness(t, withMP(t, false, &mp), func(env map[string]string) { env["METRICS_ADDR"] = maddr })
	murl := "http://" + maddr + "/metrics"

	// Before anything happened: every outcome of both endpoints at zero,
	// the backlog read, the Go runtime's and the process's metrics.
	for _, src := range []string{"wecom", "mp"} {
		for _, o := range []string{"handled", "duplicate", "failed", "refused"} {
			if n := scrape(t, murl, "zwgk_callbacks_total", fmt.Sprintf(`outcome="%s",source="%s"`, o, src)); n != 0 {
				t.Errorf("zwgk_callbacks_total{%s,%s} = %v at start, want 0", src, o, n)
			}
		}
	}
	for _, series := range []struct{ name, labels string }{
		{"zwgk_outbox_up", ""},
		{"zwgk_outbox_rows", `status="pending"`},
		{"zwgk_outbox_rows", `status="failed"`},
		{"zwgk_outbox_oldest_pending_age_seconds", ""},
		{"go_goroutines", ""},
		{"process_resident_memory_bytes", ""},
	} {
		if v := scrape(t, murl, series.name, series.labels); v < 0 {
			t.Errorf("%s{%s} missing", series.name, series.labels)
		}
	}
	if up := scrape(t, murl, "zwgk_outbox_up", ""); up != 1 {
		t.Errorf("zwgk_outbox_up = %v", up)
	}

	c := newCursor(h)
	c.say(staff, "帮助")
	c.text(staff, "提交")
	waitMetric(t, murl, "zwgk_callbacks_total", `outcome="handled",source="wecom"`, 1)
	waitMetric(t, murl, "zwgk_callback_duration_seconds_count", `source="wecom"`, 1)
	// The delivery is recorded just after WeCom accepted the message.
	waitMetric(t, murl, "zwgk_outbox_deliveries_total", `kind="message",result="sent"`, 1)
	waitMetric(t, murl, "zwgk_outbox_delivery_lag_seconds_count", `kind="message"`, 1)
	waitMetric(t, murl, "zwgk_api_calls_total", `api="gettoken",class="ok",platform="wecom"`, 1)
	waitMetric(t, murl, "zwgk_api_calls_total", `api="message/send",class="ok",platform="wecom"`, 1)

	// WeCom posts a callback again: the second is a duplicate.
	plain := []byte(`<xml><ToUserName>` + h.env["WECOM_CORP_ID"] + `</ToUserName><FromUserName>` + staff + `</FromUserName>` +
		fmt.Sprintf(`<CreateTime>%d</CreateTime>`, time.Now().Unix()) +
		`<MsgType>text</MsgType><Content>帮助</Content><MsgId>880001</MsgId><AgentID>1000002</AgentID></xml>`)
	q, body, err := h.corp.Seal(plain)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if st, err := h.corp.PostRaw(context.Background(), q, body); err != nil || st != http.StatusOK {
			t.Fatalf("post = %d, %v", st, err)
		}
	}
	if n := scrape(t, murl, "zwgk_callbacks_total", `outcome="duplicate",source="wecom"`); n != 1 {
		t.Errorf("duplicate = %v, want 1", n)
	}
	c.text(staff, "提交")
	c.none(staff)

	// A forged callback is counted as refused.
	resp, err := http.Post(h.base+"/wecom/callback?msg_signature=x&timestamp=1&nonce=n", "text/xml", strings.NewReader("<xml/>"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := scrape(t, murl, "zwgk_callbacks_total", `outcome="refused",source="wecom"`); n != 1 {
		t.Errorf("refused = %v, want 1", n)
	}

	// The 公众号: a follower follows and is welcomed with a 客服 message.
	mpDo(t, "follow", mp.Follower("oMetrics").Follow)
	mpWait(t, mp, "oMetrics", 1)
	waitMetric(t, murl, "zwgk_callbacks_total", `outcome="handled",source="mp"`, 1)
	waitMetric(t, murl, "zwgk_api_calls_total", `api="stable_token",class="ok",platform="mp"`, 1)
	waitMetric(t, murl, "zwgk_api_calls_total", `api="message/custom/send",class="ok",platform="mp"`, 1)
	waitMetric(t, murl, "zwgk_outbox_deliveries_total", `kind="mp_custom",result="sent"`, 1)
	mpPlain := []byte(`<xml><ToUserName><![CDATA[gh_x]]></ToUserName><FromUserName><![CDATA[oMetrics]]></FromUserName>` +
		fmt.Sprintf(`<CreateTime>%d</CreateTime>`, time.Now().Unix()) +
		`<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[订阅]]></Content><MsgId>990001</MsgId></xml>`)
	for range 2 {
		mpDo(t, "订阅", func(ctx context.Context) (int, error) { return mp.PostPlain(ctx, mpPlain) })
	}
	if n := scrape(t, murl, "zwgk_callbacks_total", `outcome="duplicate",source="mp"`); n != 1 {
		t.Errorf("mp duplicate = %v, want 1", n)
	}
	mpWait(t, mp, "oMetrics", 2) // the welcome and one answer to 订阅

	// Delivered: nothing pending, nothing failed.
	if n := scrape(t, murl, "zwgk_outbox_rows", `status="failed"`); n != 0 {
		t.Errorf("failed rows = %v", n)
	}

	for _, path := range []string{"/metrics", "/metrics/"} {
		resp, err = http.Get(h.base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s on HTTP_ADDR: %d, want 404", path, resp.StatusCode)
		}
	}
}
