package bot

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
)

// Errors returned by Crypto. Callers map all of them to a 4xx answer.
var (
	ErrSignature = errors.New("msg_signature does not match")
	ErrDecrypt   = errors.New("cannot decrypt message")
	ErrReceiveID = errors.New("receive id does not match")
)

// blockSize is WeCom's PKCS#7 block: 32 bytes, not AES's 16.
const blockSize = 32

// Crypto signs, verifies, encrypts and decrypts WeCom callback payloads
// (WXBizMsgCrypt). It is safe for concurrent use.
//
// silenceper's util.DecryptMsg is correct on the checks we need but decodes
// the key on every call and reports errors by recovering from panics; this
// type decodes once and checks every field explicitly, which the callback's
// hot path and the fuzz target both want.
type Crypto struct {
	token     string
	receiveID string
	key       []byte
	block     cipher.Block
}

// DecodeAESKey decodes a 43-character EncodingAESKey. The decoding is not
// strict: Tencent's own published keys carry non-zero trailing bits.
func DecodeAESKey(encodingAESKey string) ([]byte, error) {
	if len(encodingAESKey) != 43 {
		return nil, fmt.Errorf("EncodingAESKey must be 43 characters, got %d", len(encodingAESKey))
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil {
		return nil, fmt.Errorf("EncodingAESKey is not base64: %w", err)
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("EncodingAESKey decodes to %d bytes, want 32", len(key))
	}
	return key, nil
}

// NewCrypto returns a Crypto for one app. receiveID is the CorpID for a
// self-built WeCom app and the AppID for a 公众号.
func NewCrypto(token, encodingAESKey, receiveID string) (*Crypto, error) {
	key, err := DecodeAESKey(encodingAESKey)
	if err != nil {
		return nil, err
	}
	if receiveID == "" {
		return nil, errors.New("receive id is empty")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("aes key: %w", err)
	}
	return &Crypto{token: token, receiveID: receiveID, key: key, block: block}, nil
}

// Signature computes msg_signature: the hex SHA-1 of token, timestamp, nonce
// and the encrypted text, sorted bytewise and concatenated.
func (c *Crypto) Signature(timestamp, nonce, encrypted string) string {
	return Signature(c.token, timestamp, nonce, encrypted)
}

// Signature is the SHA-1 signature WeCom and the 公众号 use: the hex digest of
// the sorted, concatenated parts. It equals silenceper's util.Signature
// without its fmt round trip.
func Signature(parts ...string) string {
	var arr [4]string
	s := arr[:0]
	s = append(s, parts...)
	slices.Sort(s)
	h := sha1.New()
	for _, p := range s {
		h.Write([]byte(p))
	}
	var sum [sha1.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0]))
}

// Verify reports whether signature is the msg_signature of the parts, in
// constant time.
func (c *Crypto) Verify(signature, timestamp, nonce, encrypted string) error {
	want := c.Signature(timestamp, nonce, encrypted)
	if len(signature) != len(want) || subtle.ConstantTimeCompare([]byte(signature), []byte(want)) != 1 {
		return ErrSignature
	}
	return nil
}

// Decrypt decodes and decrypts the Encrypt field and returns the message,
// after checking the padding, the length field and the receive id. It never
// panics on hostile input.
func (c *Crypto) Decrypt(encrypted string) ([]byte, error) {
	if encrypted == "" {
		return nil, fmt.Errorf("%w: empty", ErrDecrypt)
	}
	buf := make([]byte, base64.StdEncoding.DecodedLen(len(encrypted)))
	n, err := base64.StdEncoding.Decode(buf, []byte(encrypted))
	if err != nil {
		return nil, fmt.Errorf("%w: not base64", ErrDecrypt)
	}
	buf = buf[:n]
	if len(buf) == 0 || len(buf)%blockSize != 0 {
		return nil, fmt.Errorf("%w: ciphertext length %d is not a multiple of %d", ErrDecrypt, len(buf), blockSize)
	}
	cipher.NewCBCDecrypter(c.block, c.key[:aes.BlockSize]).CryptBlocks(buf, buf)

	pad := int(buf[len(buf)-1])
	if pad < 1 || pad > blockSize {
		return nil, fmt.Errorf("%w: bad padding", ErrDecrypt)
	}
	for _, b := range buf[len(buf)-pad:] {
		if int(b) != pad {
			return nil, fmt.Errorf("%w: bad padding", ErrDecrypt)
		}
	}
	plain := buf[:len(buf)-pad]
	if len(plain) < 20 {
		return nil, fmt.Errorf("%w: plaintext too short", ErrDecrypt)
	}
	// Compare in uint64 so that lengths near 2^32 cannot wrap.
	msgLen := uint64(binary.BigEndian.Uint32(plain[16:20]))
	if msgLen > uint64(len(plain)-20) {
		return nil, fmt.Errorf("%w: length field %d exceeds the message", ErrDecrypt, msgLen)
	}
	msg := plain[20 : 20+msgLen]
	if rid := plain[20+msgLen:]; string(rid) != c.receiveID {
		return nil, ErrReceiveID
	}
	return msg, nil
}

// Encrypt encrypts msg with a fresh random prefix and returns the base64
// text for an Encrypt field.
func (c *Crypto) Encrypt(msg []byte) (string, error) {
	var random [16]byte
	if _, err := rand.Read(random[:]); err != nil {
		return "", fmt.Errorf("random prefix: %w", err)
	}
	return c.EncryptWithRandom(random, msg), nil
}

// EncryptWithRandom is Encrypt with a caller-chosen prefix, for reproducible
// test vectors.
func (c *Crypto) EncryptWithRandom(random [16]byte, msg []byte) string {
	n := 20 + len(msg) + len(c.receiveID)
	pad := blockSize - n%blockSize
	buf := make([]byte, n+pad)
	copy(buf, random[:])
	binary.BigEndian.PutUint32(buf[16:20], uint32(len(msg)))
	copy(buf[20:], msg)
	copy(buf[20+len(msg):], c.receiveID)
	for i := n; i < len(buf); i++ {
		buf[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(c.block, c.key[:aes.BlockSize]).CryptBlocks(buf, buf)
	return base64.StdEncoding.EncodeToString(buf)
}
