package bot_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/silenceper/wechat/v2/util"

	"github.com/zwgk-bot/zwgk/bot"
)

// Tencent's published WXBizMsgCrypt sample (wecom-protocol.md §1).
const (
	tencentToken     = "QDG6eK"
	tencentAESKey    = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	tencentReceiveID = "wx5823bf96d3bd56c7"

	tencentVerifyTimestamp = "1409659589"
	tencentVerifyNonce     = "263014780"
	tencentVerifySignature = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
	tencentEchoStr         = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
	tencentEchoPlain       = "1616140317555161061"

	tencentPostTimestamp = "1409659813"
	tencentPostNonce     = "1372623149"
	tencentPostSignature = "477715d11cdb4164915debcba66cb864d751f3e6"
	tencentPostEncrypt   = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)

// tencentCrypto returns a Crypto for Tencent's sample app.
func tencentCrypto(t testing.TB) *bot.Crypto {
	t.Helper()
	c, err := bot.NewCrypto(tencentToken, tencentAESKey, tencentReceiveID)
	if err != nil {
		t.Fatalf("NewCrypto(Tencent sample): %v", err)
	}
	return c
}

// tencentKey is the decoded AES key of Tencent's sample.
func tencentKey(t testing.TB) []byte {
	t.Helper()
	key, err := bot.DecodeAESKey(tencentAESKey)
	if err != nil {
		t.Fatalf("DecodeAESKey(Tencent sample): %v", err)
	}
	return key
}

// rawEncrypt encrypts plain, which must be a multiple of 16 bytes, with
// WeCom's key and IV rules (AES-256-CBC, IV = key[:16]) and no padding of
// its own, so that Decrypt sees exactly plain.
func rawEncrypt(t testing.TB, key, plain []byte) string {
	t.Helper()
	if len(plain)%aes.BlockSize != 0 {
		t.Fatalf("rawEncrypt: %d bytes is not a multiple of %d", len(plain), aes.BlockSize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, key[:aes.BlockSize]).CryptBlocks(out, plain)
	return base64.StdEncoding.EncodeToString(out)
}

// rawDecrypt is rawEncrypt's inverse: the plaintext including padding.
func rawDecrypt(t testing.TB, key []byte, encrypted string) []byte {
	t.Helper()
	ct, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		t.Fatalf("rawDecrypt: bad ciphertext (%d bytes, %v)", len(ct), err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, key[:aes.BlockSize]).CryptBlocks(out, ct)
	return out
}

// frame builds random(16) ‖ length(4) ‖ msg ‖ receiveID with an arbitrary
// length field, unpadded.
func frame(length uint32, msg, receiveID string) []byte {
	b := make([]byte, 20, 20+len(msg)+len(receiveID)+32)
	copy(b, "0123456789abcdef")
	binary.BigEndian.PutUint32(b[16:20], length)
	b = append(b, msg...)
	return append(b, receiveID...)
}

// pad32 appends WeCom's PKCS#7 padding to a 32-byte block.
func pad32(b []byte) []byte {
	n := 32 - len(b)%32
	return append(b, bytes.Repeat([]byte{byte(n)}, n)...)
}

func TestTencentURLVerificationVectorVerifiesAndDecrypts(t *testing.T) {
	t.Parallel()
	c := tencentCrypto(t)
	if err := c.Verify(tencentVerifySignature, tencentVerifyTimestamp, tencentVerifyNonce, tencentEchoStr); err != nil {
		t.Fatalf("Verify(Tencent echostr) = %v, want nil", err)
	}
	if got := c.Signature(tencentVerifyTimestamp, tencentVerifyNonce, tencentEchoStr); got != tencentVerifySignature {
		t.Errorf("Signature = %s, want %s", got, tencentVerifySignature)
	}
	plain, err := c.Decrypt(tencentEchoStr)
	if err != nil {
		t.Fatalf("Decrypt(Tencent echostr): %v", err)
	}
	if string(plain) != tencentEchoPlain {
		t.Errorf("Decrypt(Tencent echostr) = %q, want %q", plain, tencentEchoPlain)
	}
}

func TestTencentPostVectorVerifiesDecryptsAndParses(t *testing.T) {
	t.Parallel()
	c := tencentCrypto(t)
	if err := c.Verify(tencentPostSignature, tencentPostTimestamp, tencentPostNonce, tencentPostEncrypt); err != nil {
		t.Fatalf("Verify(Tencent post) = %v, want nil", err)
	}
	plain, err := c.Decrypt(tencentPostEncrypt)
	if err != nil {
		t.Fatalf("Decrypt(Tencent post): %v", err)
	}
	m, err := bot.ParseMessage(plain)
	if err != nil {
		t.Fatalf("ParseMessage: %v\n%s", err, plain)
	}
	want := bot.Message{
		XMLName:      m.XMLName,
		ToUserName:   tencentReceiveID,
		FromUserName: "mycreate",
		CreateTime:   1409659813,
		MsgType:      bot.MsgText,
		Content:      "hello",
		MsgID:        "4561255354251345929",
		AgentID:      "218",
	}
	if m.XMLName.Local != "xml" {
		t.Errorf("XMLName = %q, want xml", m.XMLName.Local)
	}
	if !reflect.DeepEqual(*m, want) {
		t.Errorf("ParseMessage =\n%+v\nwant\n%+v", *m, want)
	}
}

func TestEncryptWithRandomReproducesTencentCiphertexts(t *testing.T) {
	t.Parallel()
	c := tencentCrypto(t)
	key := tencentKey(t)
	for _, enc := range []string{tencentEchoStr, tencentPostEncrypt} {
		plain, err := c.Decrypt(enc)
		if err != nil {
			t.Fatal(err)
		}
		var random [16]byte
		copy(random[:], rawDecrypt(t, key, enc))
		if got := c.EncryptWithRandom(random, plain); got != enc {
			t.Errorf("EncryptWithRandom(Tencent prefix, %.20q…) =\n%s\nwant\n%s", plain, got, enc)
		}
	}
}

func TestVerifyRejectsAnyChangedPart(t *testing.T) {
	t.Parallel()
	c := tencentCrypto(t)
	sig, ts, nonce, enc := tencentPostSignature, tencentPostTimestamp, tencentPostNonce, tencentPostEncrypt
	cases := map[string][4]string{
		"empty signature":     {"", ts, nonce, enc},
		"uppercase signature": {strings.ToUpper(sig), ts, nonce, enc},
		"truncated signature": {sig[:39], ts, nonce, enc},
		"longer signature":    {sig + "0", ts, nonce, enc},
		"changed signature":   {"5" + sig[1:], ts, nonce, enc},
		"changed timestamp":   {sig, "1409659814", nonce, enc},
		"changed nonce":       {sig, ts, "1372623148", enc},
		"changed encrypt":     {sig, ts, nonce, "A" + enc[1:]},
	}
	for name, p := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := c.Verify(p[0], p[1], p[2], p[3]); !errors.Is(err, bot.ErrSignature) {
				t.Errorf("Verify = %v, want ErrSignature", err)
			}
		})
	}
	t.Run("other token", func(t *testing.T) {
		t.Parallel()
		other, err := bot.NewCrypto("QDG6eL", tencentAESKey, tencentReceiveID)
		if err != nil {
			t.Fatal(err)
		}
		if err := other.Verify(sig, ts, nonce, enc); !errors.Is(err, bot.ErrSignature) {
			t.Errorf("Verify with another token = %v, want ErrSignature", err)
		}
	})
}

func TestDecryptRejectsHostileInput(t *testing.T) {
	t.Parallel()
	c := tencentCrypto(t)
	key := tencentKey(t)
	enc := func(plain []byte) string { return rawEncrypt(t, key, plain) }

	// A valid plaintext whose padding is 5 bytes, then spoiled.
	inconsistent := pad32(frame(5, "hello", tencentReceiveID))
	if p := inconsistent[len(inconsistent)-1]; p < 2 {
		t.Fatalf("test setup: padding of %d bytes cannot be made inconsistent", p)
	}
	inconsistent[len(inconsistent)-2]--

	withPad := func(padByte byte) []byte {
		b := frame(5, "hello", tencentReceiveID) // 43 bytes
		b = append(b, make([]byte, 64-len(b))...)
		b[len(b)-1] = padByte
		return b
	}
	short := append(make([]byte, 19), bytes.Repeat([]byte{13}, 13)...) // 19 bytes + 13 bytes of padding

	otherApp, err := bot.NewCrypto(tencentToken, tencentAESKey, "wx5823bf96d3bd56c8")
	if err != nil {
		t.Fatal(err)
	}
	wrongID, err := otherApp.Encrypt([]byte("<xml/>"))
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name      string
		encrypted string
		want      error
	}{
		{"empty input", "", bot.ErrDecrypt},
		{"not base64", "this is *not* base64!", bot.ErrDecrypt},
		{"base64 with bad padding", tencentEchoStr[:len(tencentEchoStr)-1], bot.ErrDecrypt},
		{"only padding characters", "====", bot.ErrDecrypt},
		{"16 bytes: one AES block, not a multiple of 32", enc(make([]byte, 16)), bot.ErrDecrypt},
		{"48 bytes: not a multiple of 32", enc(make([]byte, 48)), bot.ErrDecrypt},
		{"31 bytes of base64 garbage", base64.StdEncoding.EncodeToString(make([]byte, 31)), bot.ErrDecrypt},
		{"pad byte 0", enc(withPad(0)), bot.ErrDecrypt},
		{"pad byte 33", enc(withPad(33)), bot.ErrDecrypt},
		{"pad byte 255", enc(withPad(255)), bot.ErrDecrypt},
		{"inconsistent padding bytes", enc(inconsistent), bot.ErrDecrypt},
		{"all 32 bytes padding: empty plaintext", enc(bytes.Repeat([]byte{32}, 32)), bot.ErrDecrypt},
		{"plaintext of 19 bytes", enc(short), bot.ErrDecrypt},
		{"length field beyond the buffer", enc(pad32(frame(100, "hello", tencentReceiveID))), bot.ErrDecrypt},
		{"length field one beyond the buffer", enc(pad32(frame(uint32(5+len(tencentReceiveID)+1), "hello", tencentReceiveID))), bot.ErrDecrypt},
		{"length field 0xFFFFFFFF", enc(pad32(frame(0xFFFFFFFF, "hello", tencentReceiveID))), bot.ErrDecrypt},
		// 20 + 0xFFFFFFEC wraps to 0 in 32-bit arithmetic.
		{"length field 0xFFFFFFEC", enc(pad32(frame(0xFFFFFFEC, "hello", tencentReceiveID))), bot.ErrDecrypt},
		{"length field 0x80000000", enc(pad32(frame(0x80000000, "hello", tencentReceiveID))), bot.ErrDecrypt},
		{"wrong receive id", wrongID, bot.ErrReceiveID},
		{"empty receive id: message fills the plaintext", enc(pad32(frame(uint32(5+len(tencentReceiveID)), "hello"+tencentReceiveID, ""))), bot.ErrReceiveID},
		{"receive id truncated", enc(pad32(frame(5, "hello", tencentReceiveID[:len(tencentReceiveID)-1]))), bot.ErrReceiveID},
		{"receive id with a suffix", enc(pad32(frame(5, "hello", tencentReceiveID+"x"))), bot.ErrReceiveID},
		{"length field too small", enc(pad32(frame(3, "hello", tencentReceiveID))), bot.ErrReceiveID},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var (
				msg []byte
				err error
			)
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("Decrypt panicked: %v", r)
					}
				}()
				msg, err = c.Decrypt(tc.encrypted)
			}()
			if !errors.Is(err, tc.want) {
				t.Errorf("Decrypt = %q, %v; want error %v", msg, err, tc.want)
			}
			if msg != nil {
				t.Errorf("Decrypt returned %q with an error", msg)
			}
		})
	}
}

func TestDecryptAcceptsHandBuiltFrame(t *testing.T) {
	t.Parallel()
	// The control for TestDecryptRejectsHostileInput: the same builders with
	// correct fields give a message, so the rejections are about the fields.
	c := tencentCrypto(t)
	for _, msg := range []string{"", "hello", strings.Repeat("x", 12), strings.Repeat("y", 45)} {
		got, err := c.Decrypt(rawEncrypt(t, tencentKey(t), pad32(frame(uint32(len(msg)), msg, tencentReceiveID))))
		if err != nil || string(got) != msg {
			t.Errorf("Decrypt(frame %q) = %q, %v; want the message", msg, got, err)
		}
	}
}

func TestEncryptDecryptRoundTripsEveryLength(t *testing.T) {
	t.Parallel()
	c := tencentCrypto(t)
	msgs := make([][]byte, 0, 102)
	for n := 0; n <= 100; n++ {
		m := make([]byte, n)
		for i := range m {
			m[i] = byte(i*7 + n)
		}
		msgs = append(msgs, m)
	}
	msgs = append(msgs, bytes.Repeat([]byte("十KB<xml/>"), 10<<10/11+1)) // 11 bytes × 932 ≥ 10 KiB
	for _, m := range msgs {
		enc, err := c.Encrypt(m)
		if err != nil {
			t.Fatalf("Encrypt(%d bytes): %v", len(m), err)
		}
		if ct, _ := base64.StdEncoding.DecodeString(enc); len(ct)%32 != 0 {
			t.Errorf("Encrypt(%d bytes): ciphertext of %d bytes is not a multiple of 32", len(m), len(ct))
		}
		got, err := c.Decrypt(enc)
		if err != nil {
			t.Fatalf("Decrypt(Encrypt(%d bytes)): %v", len(m), err)
		}
		if !bytes.Equal(got, m) {
			t.Errorf("round trip of %d bytes gave %d different bytes", len(m), len(got))
		}
	}
}

func TestEncryptUsesFreshRandomPrefix(t *testing.T) {
	t.Parallel()
	c := tencentCrypto(t)
	a, err := c.Encrypt([]byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Encrypt([]byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Errorf("two Encrypt calls gave the same ciphertext %s", a)
	}
}

func TestEncryptWithRandomIsDeterministic(t *testing.T) {
	t.Parallel()
	c := tencentCrypto(t)
	random := [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	msg := []byte("<xml><Content>确定</Content></xml>")
	a, b := c.EncryptWithRandom(random, msg), c.EncryptWithRandom(random, msg)
	if a != b {
		t.Errorf("EncryptWithRandom not deterministic:\n%s\n%s", a, b)
	}
	random[15]++
	if d := c.EncryptWithRandom(random, msg); d == a {
		t.Errorf("EncryptWithRandom ignores the random prefix")
	}
	if got, err := c.Decrypt(a); err != nil || !bytes.Equal(got, msg) {
		t.Errorf("Decrypt(EncryptWithRandom) = %q, %v", got, err)
	}
}

func TestOurCiphertextDecryptsWithSilenceper(t *testing.T) {
	t.Parallel()
	c := tencentCrypto(t)
	for _, m := range []string{"x", "hello", tencentEchoPlain, strings.Repeat("<xml>审批</xml>", 300)} {
		enc, err := c.Encrypt([]byte(m))
		if err != nil {
			t.Fatal(err)
		}
		_, got, err := util.DecryptMsg(tencentReceiveID, enc, tencentAESKey)
		if err != nil {
			t.Fatalf("util.DecryptMsg(our %d bytes): %v", len(m), err)
		}
		if string(got) != m {
			t.Errorf("util.DecryptMsg(our Encrypt(%.20q…)) = %.20q…", m, got)
		}
	}
}

func TestSilenceperCiphertextDecryptsWithOurs(t *testing.T) {
	t.Parallel()
	c := tencentCrypto(t)
	for _, m := range []string{"", "x", "hello", strings.Repeat("<xml>审批</xml>", 300)} {
		enc, err := util.EncryptMsg([]byte("0123456789abcdef"), []byte(m), tencentReceiveID, tencentAESKey)
		if err != nil {
			t.Fatalf("util.EncryptMsg: %v", err)
		}
		got, err := c.Decrypt(string(enc))
		if err != nil {
			t.Fatalf("Decrypt(silenceper's %d bytes): %v", len(m), err)
		}
		if string(got) != m {
			t.Errorf("Decrypt(util.EncryptMsg(%.20q…)) = %.20q…", m, got)
		}
		var random [16]byte
		copy(random[:], "0123456789abcdef")
		if ours := c.EncryptWithRandom(random, []byte(m)); ours != string(enc) {
			t.Errorf("EncryptWithRandom differs from util.EncryptMsg for %.20q…", m)
		}
	}
}

func TestSignatureEqualsSilenceper(t *testing.T) {
	t.Parallel()
	c := tencentCrypto(t)
	sets := [][]string{
		{tencentVerifyTimestamp, tencentVerifyNonce, tencentEchoStr},
		{tencentPostTimestamp, tencentPostNonce, tencentPostEncrypt},
		{"", "", ""},
		{"1", "1", "1"},
		{"b", "a", "审批"},
	}
	for _, s := range sets {
		want := util.Signature(tencentToken, s[0], s[1], s[2])
		if got := c.Signature(s[0], s[1], s[2]); got != want {
			t.Errorf("Crypto.Signature(%q) = %s, util.Signature = %s", s, got, want)
		}
	}
	// The package function, with a part count other than four.
	for _, s := range [][]string{{}, {"a"}, {"c", "b", "a", "e", "d"}} {
		want := util.Signature(append([]string(nil), s...)...)
		if got := bot.Signature(s...); got != want {
			t.Errorf("Signature(%q) = %s, util.Signature = %s", s, got, want)
		}
	}
}

func TestDecodeAESKeyAcceptsTencentKeyThatFailsStrictBase64(t *testing.T) {
	t.Parallel()
	if _, err := base64.StdEncoding.Strict().DecodeString(tencentAESKey + "="); err == nil {
		t.Fatal("test premise: Tencent's key was expected to fail strict base64")
	}
	key, err := bot.DecodeAESKey(tencentAESKey)
	if err != nil {
		t.Fatalf("DecodeAESKey(Tencent key): %v", err)
	}
	if len(key) != 32 {
		t.Errorf("DecodeAESKey gave %d bytes, want 32", len(key))
	}
	want, _ := base64.StdEncoding.DecodeString(tencentAESKey + "=")
	if !bytes.Equal(key, want) {
		t.Errorf("DecodeAESKey = %x, want %x", key, want)
	}
}

func TestDecodeAESKeyRejectsBadKeys(t *testing.T) {
	t.Parallel()
	for name, k := range map[string]string{
		"empty":                  "",
		"42 characters":          tencentAESKey[:42],
		"44 characters":          tencentAESKey + "A",
		"44 characters with pad": tencentAESKey + "=",
		"43 non-base64":          strings.Repeat("!", 43),
		"43 with one bad char":   tencentAESKey[:20] + "*" + tencentAESKey[21:],
		"43 url-safe alphabet":   strings.Repeat("-", 43),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if key, err := bot.DecodeAESKey(k); err == nil {
				t.Errorf("DecodeAESKey(%q) = %x, want an error", k, key)
			}
			if c, err := bot.NewCrypto(tencentToken, k, tencentReceiveID); err == nil || c != nil {
				t.Errorf("NewCrypto(%q) = %v, %v; want an error", k, c, err)
			}
		})
	}
}

func TestNewCryptoRejectsEmptyReceiveID(t *testing.T) {
	t.Parallel()
	if c, err := bot.NewCrypto(tencentToken, tencentAESKey, ""); err == nil || c != nil {
		t.Errorf("NewCrypto with empty receive id = %v, %v; want an error", c, err)
	}
}
