package bot_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
)

// recordingReceiver records what the callback hands over. With err set it
// refuses every message, as a Postgres outage would.
type recordingReceiver struct {
	mu    sync.Mutex
	msgs  []*bot.Message
	calls int
	err   error
}

func (r *recordingReceiver) Receive(_ context.Context, m *bot.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.err != nil {
		return r.err
	}
	r.msgs = append(r.msgs, m)
	return nil
}

func (r *recordingReceiver) received() ([]*bot.Message, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*bot.Message(nil), r.msgs...), r.calls
}

// tencentAgentID is the AgentID inside Tencent's POST vector.
const tencentAgentID = "218"

// newCallback returns Tencent's sample app as a Callback for agentID whose
// clock stands still at now.
func newCallback(t testing.TB, now time.Time, agentID string) (*bot.Callback, *recordingReceiver) {
	t.Helper()
	rec := &recordingReceiver{}
	return &bot.Callback{
		Crypto:   tencentCrypto(t),
		AgentID:  agentID,
		Receiver: rec,
		Now:      func() time.Time { return now },
		Log:      slog.New(slog.DiscardHandler),
	}, rec
}

// unix parses a decimal timestamp.
func unix(t testing.TB, ts string) time.Time {
	t.Helper()
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return time.Unix(sec, 0)
}

// callbackURL is the callback path with its query, URL-encoded as WeCom
// sends it.
func callbackURL(signature, timestamp, nonce string, extra ...string) string {
	q := url.Values{"msg_signature": {signature}, "timestamp": {timestamp}, "nonce": {nonce}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return "/wecom/callback?" + q.Encode()
}

// envelope is the outer XML of a callback POST.
func envelope(encrypt, agentID string) []byte {
	return fmt.Appendf(nil, "<xml><ToUserName><![CDATA[%s]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt><AgentID><![CDATA[%s]]></AgentID></xml>",
		tencentReceiveID, encrypt, agentID)
}

// seal encrypts and signs plain as WeCom would and returns the POST target
// and body.
func seal(t testing.TB, c *bot.Crypto, timestamp, nonce, plain, agentID string) (target string, body []byte) {
	t.Helper()
	enc, err := c.Encrypt([]byte(plain))
	if err != nil {
		t.Fatal(err)
	}
	return callbackURL(c.Signature(timestamp, nonce, enc), timestamp, nonce), envelope(enc, agentID)
}

func serve(h http.Handler, method, target string, body []byte) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, target, rd))
	return w
}

func tencentPost() (target string, body []byte) {
	return callbackURL(tencentPostSignature, tencentPostTimestamp, tencentPostNonce), envelope(tencentPostEncrypt, tencentAgentID)
}

func TestCallbackURLVerificationAnswersRawPlaintext(t *testing.T) {
	t.Parallel()
	h, rec := newCallback(t, unix(t, tencentVerifyTimestamp).Add(2*time.Second), tencentAgentID)
	srv := httptest.NewServer(h)
	defer srv.Close()

	target := callbackURL(tencentVerifySignature, tencentVerifyTimestamp, tencentVerifyNonce, "echostr", tencentEchoStr)
	resp, err := srv.Client().Get(srv.URL + target)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET = %d %q, want 200", resp.StatusCode, body)
	}
	if string(body) != tencentEchoPlain {
		t.Errorf("GET body = %q, want exactly %q", body, tencentEchoPlain)
	}
	if _, calls := rec.received(); calls != 0 {
		t.Errorf("URL verification reached the receiver %d times", calls)
	}
}

func TestCallbackURLVerificationRefusals(t *testing.T) {
	t.Parallel()
	ts := unix(t, tencentVerifyTimestamp)
	c := tencentCrypto(t)
	garbage := "bm90IGEgY2lwaGVydGV4dA=="
	cases := []struct {
		name   string
		now    time.Time
		target string
		want   int
	}{
		{"bad signature", ts, callbackURL("0"+tencentVerifySignature[1:], tencentVerifyTimestamp, tencentVerifyNonce, "echostr", tencentEchoStr), http.StatusForbidden},
		{"other nonce", ts, callbackURL(tencentVerifySignature, tencentVerifyTimestamp, "263014781", "echostr", tencentEchoStr), http.StatusForbidden},
		{"11 minutes old", ts.Add(11 * time.Minute), callbackURL(tencentVerifySignature, tencentVerifyTimestamp, tencentVerifyNonce, "echostr", tencentEchoStr), http.StatusForbidden},
		{"non-numeric timestamp", ts, callbackURL(tencentVerifySignature, "14096595xx", tencentVerifyNonce, "echostr", tencentEchoStr), http.StatusBadRequest},
		{"signed echostr that does not decrypt", ts, callbackURL(c.Signature(tencentVerifyTimestamp, tencentVerifyNonce, garbage), tencentVerifyTimestamp, tencentVerifyNonce, "echostr", garbage), http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, _ := newCallback(t, tc.now, tencentAgentID)
			w := serve(h, http.MethodGet, tc.target, nil)
			if w.Code != tc.want {
				t.Errorf("GET = %d, want %d", w.Code, tc.want)
			}
			if bytes.Contains(w.Body.Bytes(), []byte(tencentEchoPlain)) {
				t.Errorf("refused GET leaked the plaintext: %q", w.Body)
			}
		})
	}
}

func TestCallbackPostOfTencentVectorReachesReceiver(t *testing.T) {
	t.Parallel()
	h, rec := newCallback(t, unix(t, tencentPostTimestamp).Add(3*time.Second), tencentAgentID)
	target, body := tencentPost()
	w := serve(h, http.MethodPost, target, body)
	if w.Code != http.StatusOK {
		t.Fatalf("POST = %d %q, want 200", w.Code, w.Body)
	}
	if w.Body.Len() != 0 {
		t.Errorf("POST answered %q, want an empty body (no passive reply)", w.Body)
	}
	msgs, _ := rec.received()
	if len(msgs) != 1 {
		t.Fatalf("receiver got %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.FromUserName != "mycreate" || m.MsgType != bot.MsgText || m.Content != "hello" ||
		m.MsgID != "4561255354251345929" || m.AgentID != tencentAgentID || m.CreateTime != 1409659813 {
		t.Errorf("received %+v", *m)
	}
}

func TestCallbackAcceptsTimestampWithinTenMinutes(t *testing.T) {
	t.Parallel()
	// The control for the 11-minute refusals below.
	for _, skew := range []time.Duration{-9 * time.Minute, 9 * time.Minute, bot.MaxClockSkew, -bot.MaxClockSkew} {
		h, rec := newCallback(t, unix(t, tencentPostTimestamp).Add(skew), tencentAgentID)
		target, body := tencentPost()
		if w := serve(h, http.MethodPost, target, body); w.Code != http.StatusOK {
			t.Errorf("clock off by %v: POST = %d, want 200", skew, w.Code)
		}
		if msgs, _ := rec.received(); len(msgs) != 1 {
			t.Errorf("clock off by %v: receiver got %d messages, want 1", skew, len(msgs))
		}
	}
}

func TestCallbackRefusesBadPostsAndReceivesNothing(t *testing.T) {
	t.Parallel()
	ts := unix(t, tencentPostTimestamp)
	c := tencentCrypto(t)
	target, body := tencentPost()

	otherApp, err := bot.NewCrypto(tencentToken, tencentAESKey, "wwffffffffffffffff")
	if err != nil {
		t.Fatal(err)
	}
	msg := func(agentID string) string {
		return "<xml><ToUserName><![CDATA[" + tencentReceiveID + "]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>" +
			"<CreateTime>1409659813</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content>" +
			"<MsgId>1234567890123456</MsgId><AgentID>" + agentID + "</AgentID></xml>"
	}
	foreignTarget, foreignBody := seal(t, c, tencentPostTimestamp, "1", msg("219"), "219")
	notXMLTarget, notXMLBody := seal(t, c, tencentPostTimestamp, "2", "hello, not xml", tencentAgentID)
	noFromTarget, noFromBody := seal(t, c, tencentPostTimestamp, "3", "<xml><MsgType>text</MsgType><AgentID>218</AgentID></xml>", tencentAgentID)
	wrongIDTarget, wrongIDBody := seal(t, otherApp, tencentPostTimestamp, "4", msg(tencentAgentID), tencentAgentID)
	undecryptable := "bm90IGEgY2lwaGVydGV4dA=="
	undecryptableTarget := callbackURL(c.Signature(tencentPostTimestamp, "5", undecryptable), tencentPostTimestamp, "5")

	cases := []struct {
		name    string
		now     time.Time
		agentID string
		method  string
		target  string
		body    []byte
		want    int
	}{
		{"bad signature", ts, tencentAgentID, http.MethodPost, callbackURL("0"+tencentPostSignature[1:], tencentPostTimestamp, tencentPostNonce), body, http.StatusForbidden},
		{"missing signature", ts, tencentAgentID, http.MethodPost, "/wecom/callback?timestamp=" + tencentPostTimestamp + "&nonce=" + tencentPostNonce, body, http.StatusForbidden},
		{"timestamp 11 minutes old", ts.Add(11 * time.Minute), tencentAgentID, http.MethodPost, target, body, http.StatusForbidden},
		{"timestamp 11 minutes in the future", ts.Add(-11 * time.Minute), tencentAgentID, http.MethodPost, target, body, http.StatusForbidden},
		{"non-numeric timestamp", ts, tencentAgentID, http.MethodPost, callbackURL(tencentPostSignature, "abc", tencentPostNonce), body, http.StatusBadRequest},
		{"missing timestamp", ts, tencentAgentID, http.MethodPost, "/wecom/callback?msg_signature=" + tencentPostSignature + "&nonce=" + tencentPostNonce, body, http.StatusBadRequest},
		{"body over 64 KiB", ts, tencentAgentID, http.MethodPost, target, padBody(body, bot.MaxCallbackBody+1), http.StatusRequestEntityTooLarge},
		{"malformed envelope XML", ts, tencentAgentID, http.MethodPost, target, []byte("<xml><Encrypt>abc"), http.StatusBadRequest},
		{"empty body", ts, tencentAgentID, http.MethodPost, target, []byte{}, http.StatusBadRequest},
		{"envelope without Encrypt", ts, tencentAgentID, http.MethodPost, target, []byte("<xml><ToUserName>wx5823bf96d3bd56c7</ToUserName><AgentID>218</AgentID></xml>"), http.StatusBadRequest},
		{"signed Encrypt that does not decrypt", ts, tencentAgentID, http.MethodPost, undecryptableTarget, envelope(undecryptable, tencentAgentID), http.StatusBadRequest},
		{"decrypted payload is not XML", ts, tencentAgentID, http.MethodPost, notXMLTarget, notXMLBody, http.StatusBadRequest},
		{"decrypted message has no FromUserName", ts, tencentAgentID, http.MethodPost, noFromTarget, noFromBody, http.StatusBadRequest},
		{"message for another AgentID", ts, tencentAgentID, http.MethodPost, foreignTarget, foreignBody, http.StatusForbidden},
		{"Tencent's message sent to another app", ts, "1000002", http.MethodPost, target, body, http.StatusForbidden},
		{"wrong receive id", ts, tencentAgentID, http.MethodPost, wrongIDTarget, wrongIDBody, http.StatusForbidden},
		{"PUT method", ts, tencentAgentID, http.MethodPut, target, body, http.StatusMethodNotAllowed},
		{"DELETE method", ts, tencentAgentID, http.MethodDelete, target, nil, http.StatusMethodNotAllowed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, rec := newCallback(t, tc.now, tc.agentID)
			w := serve(h, tc.method, tc.target, tc.body)
			if w.Code != tc.want {
				t.Errorf("%s = %d %q, want %d", tc.method, w.Code, w.Body, tc.want)
			}
			if msgs, calls := rec.received(); calls != 0 || len(msgs) != 0 {
				t.Errorf("refused callback reached the receiver: %d calls, %d messages", calls, len(msgs))
			}
			if tc.want == http.StatusMethodNotAllowed {
				if allow := w.Header().Get("Allow"); allow != "GET, POST" {
					t.Errorf("Allow = %q, want %q", allow, "GET, POST")
				}
			}
		})
	}
}

// padBody pads an envelope with trailing whitespace to n bytes; the XML
// decoder ignores what follows the root element, so only the size differs.
func padBody(body []byte, n int) []byte {
	return append(bytes.Clone(body), bytes.Repeat([]byte(" "), n-len(body))...)
}

func TestCallbackAcceptsBodyOfExactly64KiB(t *testing.T) {
	t.Parallel()
	// The control for the 413 case: the padding alone is harmless.
	h, rec := newCallback(t, unix(t, tencentPostTimestamp), tencentAgentID)
	target, body := tencentPost()
	if w := serve(h, http.MethodPost, target, padBody(body, bot.MaxCallbackBody)); w.Code != http.StatusOK {
		t.Errorf("POST of %d bytes = %d %q, want 200", bot.MaxCallbackBody, w.Code, w.Body)
	}
	if msgs, _ := rec.received(); len(msgs) != 1 {
		t.Errorf("receiver got %d messages, want 1", len(msgs))
	}
}

func TestCallbackAnswers503WhenReceiverFails(t *testing.T) {
	t.Parallel()
	h, rec := newCallback(t, unix(t, tencentPostTimestamp), tencentAgentID)
	rec.err = errors.New("postgres is down")
	target, body := tencentPost()
	w := serve(h, http.MethodPost, target, body)
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("POST with failing receiver = %d, want 503", w.Code)
	}
	if _, calls := rec.received(); calls != 1 {
		t.Errorf("receiver called %d times, want 1", calls)
	}
}

// WeCom's event XML, as in its 接收事件 documents.
const (
	clickEventXML = `<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>
<FromUserName><![CDATA[lisi]]></FromUserName>
<CreateTime>1700000000</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[click]]></Event>
<EventKey><![CDATA[#sendmsg#_0_0#7599826290302196]]></EventKey>
<AgentID>1000002</AgentID>
</xml>`
	enterAgentXML = `<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>
<FromUserName><![CDATA[lisi]]></FromUserName>
<CreateTime>1700000000</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[enter_agent]]></Event>
<EventKey><![CDATA[]]></EventKey>
<AgentID>1000002</AgentID>
</xml>`
	cardEventXML = `<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>
<FromUserName><![CDATA[lisi]]></FromUserName>
<CreateTime>1700000000</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[template_card_event]]></Event>
<EventKey><![CDATA[%s]]></EventKey>
<TaskId><![CDATA[form-42@stage-2]]></TaskId>
<CardType><![CDATA[vote_interaction]]></CardType>
<ResponseCode><![CDATA[ResponseCode_abc123]]></ResponseCode>
<AgentID>1000002</AgentID>
<SelectedItems>
<SelectedItem>
<QuestionKey><![CDATA[reviewers]]></QuestionKey>
<OptionIds>
<OptionId><![CDATA[wangwu]]></OptionId>
<OptionId><![CDATA[zhaoliu]]></OptionId>
<OptionId><![CDATA[sunqi]]></OptionId>
</OptionIds>
</SelectedItem>
<SelectedItem>
<QuestionKey><![CDATA[urgency]]></QuestionKey>
<OptionIds>
<OptionId><![CDATA[high]]></OptionId>
</OptionIds>
</SelectedItem>
</SelectedItems>
</xml>`
)

// postEvent sends plain through the whole HTTP path and returns what the
// receiver got.
func postEvent(t *testing.T, plain string) *bot.Message {
	t.Helper()
	const ts = "1700000000"
	h, rec := newCallback(t, unix(t, ts), "1000002")
	target, body := seal(t, h.Crypto, ts, "nonce-"+t.Name(), plain, "1000002")
	w := serve(h, http.MethodPost, target, body)
	if w.Code != http.StatusOK {
		t.Fatalf("POST = %d %q, want 200", w.Code, w.Body)
	}
	msgs, _ := rec.received()
	if len(msgs) != 1 {
		t.Fatalf("receiver got %d messages, want 1", len(msgs))
	}
	return msgs[0]
}

func TestCallbackParsesClickEvent(t *testing.T) {
	t.Parallel()
	m := postEvent(t, clickEventXML)
	if m.MsgType != bot.MsgEvent || m.Event != bot.EventClick || m.EventKey != "#sendmsg#_0_0#7599826290302196" ||
		m.FromUserName != "lisi" || m.CreateTime != 1700000000 || m.AgentID != "1000002" || m.MsgID != "" {
		t.Errorf("click event parsed as %+v", *m)
	}
}

func TestCallbackParsesEnterAgentEvent(t *testing.T) {
	t.Parallel()
	m := postEvent(t, enterAgentXML)
	if m.MsgType != bot.MsgEvent || m.Event != bot.EventEnterAgent || m.EventKey != "" || m.FromUserName != "lisi" {
		t.Errorf("enter_agent event parsed as %+v", *m)
	}
}

func TestCallbackParsesTemplateCardEventWithSelectedItems(t *testing.T) {
	t.Parallel()
	m := postEvent(t, fmt.Sprintf(cardEventXML, "submit"))
	if m.MsgType != bot.MsgEvent || m.Event != bot.EventTemplateCard || m.EventKey != "submit" ||
		m.TaskID != "form-42@stage-2" || m.CardType != bot.CardVoteInteraction || m.ResponseCode != "ResponseCode_abc123" {
		t.Errorf("card event parsed as %+v", *m)
	}
	want := []bot.SelectedItem{
		{QuestionKey: "reviewers", OptionIDs: []string{"wangwu", "zhaoliu", "sunqi"}},
		{QuestionKey: "urgency", OptionIDs: []string{"high"}},
	}
	if !reflect.DeepEqual(m.SelectedItems.Items, want) {
		t.Errorf("SelectedItems = %+v, want %+v", m.SelectedItems.Items, want)
	}
	if got := m.Selected("reviewers"); !reflect.DeepEqual(got, want[0].OptionIDs) {
		t.Errorf("Selected(reviewers) = %q", got)
	}
	if got := m.Selected("nope"); got != nil {
		t.Errorf("Selected(nope) = %q, want nil", got)
	}
}

func TestParseMessageLowercasesEvent(t *testing.T) {
	t.Parallel()
	m, err := bot.ParseMessage([]byte(`<xml><FromUserName>o1</FromUserName><MsgType>event</MsgType><Event>CLICK</Event><EventKey>K</EventKey></xml>`))
	if err != nil {
		t.Fatal(err)
	}
	if m.Event != bot.EventClick {
		t.Errorf("Event = %q, want %q", m.Event, bot.EventClick)
	}
}

func TestParseMessageRejectsIncompleteMessages(t *testing.T) {
	t.Parallel()
	for name, plain := range map[string]string{
		"empty":           ``,
		"not xml":         `hello`,
		"other root":      `<msg><FromUserName>a</FromUserName><MsgType>text</MsgType></msg>`,
		"no FromUserName": `<xml><MsgType>text</MsgType></xml>`,
		"no MsgType":      `<xml><FromUserName>a</FromUserName></xml>`,
		"event no Event":  `<xml><FromUserName>a</FromUserName><MsgType>event</MsgType></xml>`,
		"bad CreateTime":  `<xml><FromUserName>a</FromUserName><MsgType>text</MsgType><CreateTime>soon</CreateTime></xml>`,
	} {
		if m, err := bot.ParseMessage([]byte(plain)); !errors.Is(err, bot.ErrMalformed) || m != nil {
			t.Errorf("ParseMessage(%s) = %v, %v; want ErrMalformed", name, m, err)
		}
	}
}

func TestDedupKeyOfMessageIsItsMsgID(t *testing.T) {
	t.Parallel()
	c := tencentCrypto(t)
	plain, err := c.Decrypt(tencentPostEncrypt)
	if err != nil {
		t.Fatal(err)
	}
	m, err := bot.ParseMessage(plain)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.DedupKey(), "msg:4561255354251345929"; got != want {
		t.Errorf("DedupKey = %q, want %q", got, want)
	}
	// A redelivery is the same message whatever else differs.
	again := *m
	again.CreateTime++
	again.Content = "edited"
	if again.DedupKey() != m.DedupKey() {
		t.Errorf("same MsgId, different keys: %q, %q", again.DedupKey(), m.DedupKey())
	}
	other := *m
	other.MsgID = "4561255354251345930"
	if other.DedupKey() == m.DedupKey() {
		t.Errorf("different MsgIds share the key %q", m.DedupKey())
	}
}

func TestDedupKeyOfEventChangesWithEachIdentifyingField(t *testing.T) {
	t.Parallel()
	click := bot.Message{FromUserName: "lisi", CreateTime: 1700000000, MsgType: bot.MsgEvent, Event: bot.EventClick, EventKey: "menu_todo", AgentID: "1000002"}
	card := bot.Message{FromUserName: "lisi", CreateTime: 1700000000, MsgType: bot.MsgEvent, Event: bot.EventTemplateCard, EventKey: "approve", TaskID: "form-42", ResponseCode: "rc1", AgentID: "1000002"}
	cases := map[string]struct {
		base   bot.Message
		change func(*bot.Message)
	}{
		"click: user":           {click, func(m *bot.Message) { m.FromUserName = "wangwu" }},
		"click: second":         {click, func(m *bot.Message) { m.CreateTime++ }},
		"click: event":          {click, func(m *bot.Message) { m.Event = bot.EventEnterAgent }},
		"click: key":            {click, func(m *bot.Message) { m.EventKey = "menu_new" }},
		"card: user":            {card, func(m *bot.Message) { m.FromUserName = "wangwu" }},
		"card: second":          {card, func(m *bot.Message) { m.CreateTime++ }},
		"card: task":            {card, func(m *bot.Message) { m.TaskID = "form-43" }},
		"card: button":          {card, func(m *bot.Message) { m.EventKey = "reject" }},
		"card: becomes a click": {card, func(m *bot.Message) { m.Event = bot.EventClick }},
	}
	for name, tc := range cases {
		changed := tc.base
		tc.change(&changed)
		if tc.base.DedupKey() == changed.DedupKey() {
			t.Errorf("%s: key %q did not change", name, changed.DedupKey())
		}
	}
}

func TestDedupKeySeparatesTwoButtonsOfOneCardInOneSecond(t *testing.T) {
	t.Parallel()
	approve := postEvent(t, fmt.Sprintf(cardEventXML, "approve"))
	reject := postEvent(t, fmt.Sprintf(cardEventXML, "reject"))
	if approve.DedupKey() == reject.DedupKey() {
		t.Errorf("two buttons of one card at one second share the key %q", approve.DedupKey())
	}
	retry := postEvent(t, fmt.Sprintf(cardEventXML, "approve"))
	if retry.DedupKey() != approve.DedupKey() {
		t.Errorf("a redelivered click got a new key: %q vs %q", retry.DedupKey(), approve.DedupKey())
	}
}
