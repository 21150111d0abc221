package bot_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/zwgk-bot/zwgk/bot"
)

// fuzzMessageXML is a decrypted text message for the sample app.
const fuzzMessageXML = `<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName><![CDATA[mycreate]]></FromUserName>` +
	`<CreateTime>1409659813</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content>` +
	`<MsgId>4561255354251345929</MsgId><AgentID>218</AgentID></xml>`

// hostilePlaintexts are the bad frames of TestDecryptRejectsHostileInput,
// unpadded or padded as noted, for seeding the fuzzers.
func hostilePlaintexts() [][]byte {
	withPad := func(padByte byte) []byte {
		b := frame(5, "hello", tencentReceiveID)
		b = append(b, make([]byte, 64-len(b))...)
		b[len(b)-1] = padByte
		return b
	}
	return [][]byte{
		withPad(0),
		withPad(33),
		withPad(255),
		append(make([]byte, 19), bytes.Repeat([]byte{13}, 13)...),
		pad32(frame(100, "hello", tencentReceiveID)),
		pad32(frame(0xFFFFFFFF, "hello", tencentReceiveID)),
		pad32(frame(0xFFFFFFEC, "hello", tencentReceiveID)),
		pad32(frame(uint32(5+len(tencentReceiveID)), "hello"+tencentReceiveID, "")),
		pad32(frame(5, "hello", "wx5823bf96d3bd56c8")),
		pad32(frame(uint32(len(fuzzMessageXML)), fuzzMessageXML, tencentReceiveID)),
	}
}

// knownError reports whether err is one of the sentinels the callback maps
// to a 4xx answer.
func knownError(err error) bool {
	for _, target := range []error{bot.ErrMalformed, bot.ErrSignature, bot.ErrDecrypt, bot.ErrReceiveID, bot.ErrForeignAgent} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

func FuzzCallbackOpen(f *testing.F) {
	c := tencentCrypto(f)
	key := tencentKey(f)
	h := &bot.Callback{
		Crypto:   c,
		AgentID:  tencentAgentID,
		Receiver: &recordingReceiver{},
		Now:      func() time.Time { return time.Unix(1409659813, 0) },
		Log:      slog.New(slog.DiscardHandler),
	}

	f.Add(tencentPostSignature, tencentPostTimestamp, tencentPostNonce, envelope(tencentPostEncrypt, tencentAgentID))
	f.Add("0"+tencentPostSignature[1:], tencentPostTimestamp, tencentPostNonce, envelope(tencentPostEncrypt, tencentAgentID))
	f.Add(tencentPostSignature, tencentPostTimestamp, tencentPostNonce, []byte("<xml><Encrypt>abc"))
	f.Add(tencentPostSignature, tencentPostTimestamp, tencentPostNonce, []byte("<xml><ToUserName>x</ToUserName></xml>"))
	f.Add("", "", "", []byte{})
	for i, plain := range hostilePlaintexts() {
		enc := rawEncrypt(f, key, plain)
		nonce := string(rune('a' + i))
		f.Add(c.Signature("1", nonce, enc), "1", nonce, envelope(enc, tencentAgentID))
	}
	for _, plain := range []string{"not xml", fuzzMessageXML, strings.Replace(fuzzMessageXML, "218", "219", 1), "<xml><MsgType>event</MsgType><FromUserName>u</FromUserName><AgentID>218</AgentID></xml>"} {
		enc := c.EncryptWithRandom([16]byte{}, []byte(plain))
		f.Add(c.Signature("2", "n", enc), "2", "n", envelope(enc, tencentAgentID))
	}

	f.Fuzz(func(t *testing.T, signature, timestamp, nonce string, body []byte) {
		m, err := h.Open(signature, timestamp, nonce, body)
		if err != nil {
			if m != nil {
				t.Fatalf("Open returned a message with error %v", err)
			}
			if !knownError(err) {
				t.Fatalf("Open returned an unclassified error: %v", err)
			}
			return
		}
		if m == nil {
			t.Fatal("Open returned neither message nor error")
		}
		if m.FromUserName == "" || m.MsgType == "" {
			t.Fatalf("Open accepted a message without FromUserName or MsgType: %+v", *m)
		}
		if m.AgentID != h.AgentID {
			t.Fatalf("Open accepted AgentID %q for agent %q", m.AgentID, h.AgentID)
		}
		env, err := bot.ParseEnvelope(body)
		if err != nil {
			t.Fatalf("Open accepted a body ParseEnvelope refuses: %v", err)
		}
		if err := c.Verify(signature, timestamp, nonce, env.Encrypt); err != nil {
			t.Fatalf("Open accepted a bad signature")
		}
		if _, err := c.Decrypt(env.Encrypt); err != nil {
			t.Fatalf("Open accepted an Encrypt that Decrypt refuses: %v", err)
		}
	})
}

// referenceOpen is WeCom's frame layout read straight from the protocol
// notes: PKCS#7 to 32 bytes, 16 random bytes, a big-endian length, the
// message and the receive id. It reports which sentinel Decrypt must give.
func referenceOpen(buf []byte, receiveID string) ([]byte, error) {
	if len(buf) == 0 || len(buf)%32 != 0 {
		return nil, bot.ErrDecrypt
	}
	pad := int(buf[len(buf)-1])
	if pad == 0 || pad > 32 || !bytes.Equal(buf[len(buf)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		return nil, bot.ErrDecrypt
	}
	plain := buf[:len(buf)-pad]
	if len(plain) < 20 {
		return nil, bot.ErrDecrypt
	}
	n := binary.BigEndian.Uint32(plain[16:20])
	rest := plain[20:]
	if int64(n) > int64(len(rest)) {
		return nil, bot.ErrDecrypt
	}
	if string(rest[n:]) != receiveID {
		return nil, bot.ErrReceiveID
	}
	return rest[:n], nil
}

// checkParse checks ParseMessage's contract on whatever Decrypt gave.
func checkParse(t *testing.T, msg []byte) {
	t.Helper()
	m, err := bot.ParseMessage(msg)
	if err != nil {
		if m != nil || !errors.Is(err, bot.ErrMalformed) {
			t.Fatalf("ParseMessage = %v, %v; want nil and ErrMalformed", m, err)
		}
		return
	}
	if m.FromUserName == "" || m.MsgType == "" {
		t.Fatalf("ParseMessage accepted a message without FromUserName or MsgType: %+v", *m)
	}
	if m.MsgType == bot.MsgEvent && m.Event == "" {
		t.Fatalf("ParseMessage accepted an event without Event: %+v", *m)
	}
	if m.Event != strings.ToLower(m.Event) {
		t.Fatalf("Event %q is not lowercased", m.Event)
	}
	_ = m.DedupKey()
}

func FuzzDecryptParse(f *testing.F) {
	c := tencentCrypto(f)
	key := tencentKey(f)

	f.Add(tencentPostEncrypt, []byte(fuzzMessageXML), true)
	f.Add(tencentEchoStr, pad32(frame(uint32(len(fuzzMessageXML)), fuzzMessageXML, tencentReceiveID)), false)
	f.Add("", []byte{}, false)
	f.Add("not base64!", []byte("<xml>"), true)
	for _, plain := range hostilePlaintexts() {
		f.Add(rawEncrypt(f, key, plain), plain, false)
	}

	f.Fuzz(func(t *testing.T, encrypted string, plain []byte, padded bool) {
		// (a) Arbitrary Encrypt text.
		msg, err := c.Decrypt(encrypted)
		if err != nil {
			if msg != nil || !(errors.Is(err, bot.ErrDecrypt) || errors.Is(err, bot.ErrReceiveID)) {
				t.Fatalf("Decrypt(%q) = %q, %v", encrypted, msg, err)
			}
		} else {
			// Decrypt the same text by hand: it must end in our receive id
			// and hold msg where the length field says.
			raw, derr := base64.StdEncoding.DecodeString(encrypted)
			if derr != nil || len(raw) == 0 || len(raw)%32 != 0 {
				t.Fatalf("Decrypt accepted %q, which is not 32-byte blocks of base64", encrypted)
			}
			want, werr := referenceOpen(rawDecrypt(t, key, encrypted), tencentReceiveID)
			if werr != nil || !bytes.Equal(msg, want) {
				t.Fatalf("Decrypt(%q) = %q, reference gives %q, %v", encrypted, msg, want, werr)
			}
			checkParse(t, msg)
		}

		// (b) A plaintext frame we encrypt, so the fuzzer controls the
		// length field, the receive id and (unless padded) the padding.
		buf := bytes.Clone(plain)
		if padded {
			buf = pad32(buf)
		} else if r := len(buf) % 32; r != 0 {
			buf = append(buf, make([]byte, 32-r)...)
		}
		if len(buf) == 0 {
			return
		}
		msg, err = c.Decrypt(rawEncrypt(t, key, buf))
		want, werr := referenceOpen(buf, tencentReceiveID)
		switch {
		case werr != nil:
			if err == nil || !errors.Is(err, werr) || msg != nil {
				t.Fatalf("Decrypt(frame %q) = %q, %v; want error %v", buf, msg, err, werr)
			}
		case err != nil:
			t.Fatalf("Decrypt(frame %q) = %v, want %q", buf, err, want)
		default:
			if !bytes.Equal(msg, want) {
				t.Fatalf("Decrypt(frame %q) = %q, want %q", buf, msg, want)
			}
			pad := int(buf[len(buf)-1])
			if !bytes.HasSuffix(buf[:len(buf)-pad], []byte(tencentReceiveID)) {
				t.Fatalf("Decrypt accepted frame %q without the receive id", buf)
			}
			checkParse(t, msg)
		}
	})
}
