// Package api holds what zwgk's machine API endpoints share: the bearer
// guard, JSON bodies read strictly, field errors named for the caller.
package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// errTrailingData: something follows the JSON object of a request body.
var errTrailingData = errors.New("trailing data after the JSON object")

// jsonNames are the JSON names of the struct v points to, in order.
func jsonNames(v any) []string {
	var names []string
	t := reflect.TypeOf(v).Elem()
	for i := range t.NumField() {
		names = append(names, strings.Split(t.Field(i).Tag.Get("json"), ",")[0])
	}
	return names
}

// Decode reads body as exactly one JSON object of the struct in points
// to, whose fields are all strings; labels name the fields in messages
// to people.
// A non-nil error is a body that is not such an object (a syntax error,
// an unknown field, a wrong type, trailing data); FieldErrors are members
// that encoding/json would accept but not as sent: it silently turns
// invalid UTF-8 and lone surrogates (\ud800) into U+FFFD and lets the last
// of two keys win (matching names case-insensitively), so the order stored
// would differ from the caller's without anyone noticing. Those are found
// in the raw bytes, token by token.
func Decode(body []byte, in any, labels map[string]string) (FieldErrors, error) {
	inputFields := jsonNames(in)
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(in); err != nil {
		return nil, err
	}
	// Decode stops after the first value; {...} x or {...}{...} would
	// otherwise pass as the first object.
	if _, err := dec.Token(); err != io.EOF {
		return nil, errTrailingData
	}

	// Decode succeeded, so the body is {"key": string-or-null, ...}: the
	// tokens alternate key, value after the opening brace.
	var errs FieldErrors
	bad := func(field, msg string) {
		for _, e := range errs {
			if e.Field == field {
				return
			}
		}
		errs = append(errs, FieldError{field, msg})
	}
	seen := map[string]bool{}
	dec = json.NewDecoder(bytes.NewReader(body))
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	field := ""
	for key := true; ; key = !key {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		if _, ok := tok.(json.Delim); ok { // the closing }
			break
		}
		if key {
			// Decode matched it to a field, as bytes.EqualFold does.
			name, _ := tok.(string)
			field = ""
			for _, f := range inputFields {
				if strings.EqualFold(name, f) {
					field = f
				}
			}
			if seen[field] {
				bad(field, labels[field]+"（"+field+"）重复出现，请只填写一次。")
			}
			seen[field] = true
			continue
		}
		if _, ok := tok.(string); ok && !faithfulString(body[start:dec.InputOffset()]) {
			bad(field, labels[field]+"含有无法识别的字符（不是有效的 UTF-8 文本），请检查后重新提交。")
		}
	}
	return errs, nil
}

// faithfulString reports whether raw, a JSON string literal possibly
// preceded by whitespace, a colon or a comma, is valid UTF-8 and its
// \u escapes are whole UTF-16 surrogate pairs, so that decoding it loses
// nothing.
func faithfulString(raw []byte) bool {
	if !utf8.Valid(raw) {
		return false
	}
	hex := func(i int) (rune, bool) {
		if i+6 > len(raw) || raw[i] != '\\' || raw[i+1] != 'u' {
			return 0, false
		}
		var r rune
		for _, c := range raw[i+2 : i+6] {
			switch {
			case '0' <= c && c <= '9':
				r = r<<4 | rune(c-'0')
			case 'a' <= c && c <= 'f':
				r = r<<4 | rune(c-'a'+10)
			case 'A' <= c && c <= 'F':
				r = r<<4 | rune(c-'A'+10)
			default:
				return 0, false
			}
		}
		return r, true
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		r, ok := hex(i)
		if !ok {
			i++ // \" \\ \n ...: skip the escaped byte
			continue
		}
		i += 5
		if !utf16.IsSurrogate(r) {
			continue
		}
		r2, ok := hex(i + 1)
		if !ok || utf16.DecodeRune(r, r2) == utf8.RuneError {
			return false // a lone or reversed half
		}
		i += 6
	}
	return true
}
