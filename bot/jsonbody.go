package bot

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// MarshalBody encodes v as a request body for WeCom and the 公众号:
// without any \uXXXX escape. Both servers refuse such escapes (errcode
// 40033 不合法的请求字符, 「不能包含\uxxxx格式的字符」: WeCom's error-code
// page 90313 as crawled in xen0n/go-workwx errcodes, and the 公众号's in
// binarywang/WxJava WxMpErrorMsgEnum), and where a message is accepted
// anyway, the escape is shown literally: a link with \u0026 for & no
// longer works. encoding/json escapes <, > and & by default, so, like
// silenceper's util.PostJSONContext and PowerWeChat's kernel/power
// JsonEncoder, HTML escaping is turned off. What encoding/json still
// escapes is written raw (U+2028, U+2029, and U+FFFD for invalid UTF-8,
// which JSON allows unescaped) or dropped (C0 control characters other
// than \b \f \n \r \t, which JSON does not allow raw and which have no
// visible form in a chat message).
func MarshalBody(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if !bytes.Contains(b, []byte(`\u`)) {
		return b, nil
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			out = append(out, b[i])
			continue
		}
		if b[i+1] != 'u' || i+6 > len(b) {
			// Another escape (\\, \", \n, ...): keep it whole, so that an
			// escaped backslash followed by "u" is not taken for \u.
			out = append(out, b[i], b[i+1])
			i++
			continue
		}
		r, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 16)
		if err != nil {
			out = append(out, b[i], b[i+1])
			i++
			continue
		}
		if r >= 0x20 {
			out = utf8.AppendRune(out, rune(r))
		}
		i += 5
	}
	return out, nil
}

// HasUnicodeEscape reports whether the JSON text b contains a \uXXXX
// escape inside a string, which WeCom and the 公众号 refuse (40033). An
// escaped backslash (\\u0026 is a backslash and the text u0026) is not one.
// The sandbox uses it so that a client that escapes fails a test.
func HasUnicodeEscape(b []byte) bool {
	for i := 0; i+1 < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if b[i+1] == 'u' {
			return true
		}
		i++ // skip the escaped character
	}
	return false
}
