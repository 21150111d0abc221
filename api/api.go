package api

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxBody bounds a request body of the machine API.
const MaxBody = 64 << 10

// FieldError names a field and what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// FieldErrors is every problem of one input.
type FieldErrors []FieldError

func (fe FieldErrors) Error() string {
	var parts []string
	for _, e := range fe {
		parts = append(parts, e.Field+": "+e.Message)
	}
	return strings.Join(parts, "; ")
}

// Add records a problem of field, unless one is already recorded: the
// first found says the most.
func (fe *FieldErrors) Add(field, msg string) {
	for _, e := range *fe {
		if e.Field == field {
			return
		}
	}
	*fe = append(*fe, FieldError{field, msg})
}

// Has reports whether field has a problem recorded.
func (fe FieldErrors) Has(field string) bool {
	for _, e := range fe {
		if e.Field == field {
			return true
		}
	}
	return false
}

// AsFieldErrors extracts FieldErrors from err.
func AsFieldErrors(err error) (FieldErrors, bool) {
	var fe FieldErrors
	ok := errors.As(err, &fe)
	return fe, ok
}

// TextProblem says what is wrong with s as text, after the field's label,
// or "" if nothing is. Text Postgres cannot store (NUL, invalid UTF-8)
// must be refused before the INSERT, where failing looks like an outage
// to the caller; other control characters are no part of what anyone
// wrote either.
func TextProblem(s string) string {
	if !utf8.ValidString(s) {
		return "含有无法识别的字符（不是有效的 UTF-8 文本），请检查后重新提交。"
	}
	for _, r := range s {
		if r == '\t' || r == '\n' || r == '\r' {
			continue
		}
		if unicode.IsControl(r) {
			return "含有不可见的控制字符，请删除后重新提交。"
		}
	}
	return ""
}

// WriteJSON writes v as the response.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// WriteError writes {"error": msg}.
func WriteError(w http.ResponseWriter, status int, msg string) {
	WriteJSON(w, status, map[string]string{"error": msg})
}

// WriteFieldErrors answers 400 with every problem of the input.
func WriteFieldErrors(w http.ResponseWriter, fe FieldErrors) {
	WriteJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid fields", "errors": fe})
}

// Guard lets a request through only with the bearer token.
func Guard(token string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="zwgk"`)
			WriteError(w, http.StatusUnauthorized, "a valid bearer token is required")
			return
		}
		h(w, r)
	}
}

// Deprecated answers as h does, and tells the client (RFC 9745) that the
// path is deprecated since the Unix time since and where its successor is.
func Deprecated(since int64, successor string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Deprecation", "@"+strconv.FormatInt(since, 10))
		w.Header().Set("Link", "<"+successor+`>; rel="successor-version"`)
		h(w, r)
	}
}

// ReadBody reads a request body of at most MaxBody bytes; false (and the
// answer written) when it is larger.
func ReadBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		WriteError(w, http.StatusRequestEntityTooLarge, "the body must be at most 64 KiB")
		return nil, false
	}
	return body, true
}

// WriteBadBody answers a body that is not one JSON object of the
// documented fields.
func WriteBadBody(w http.ResponseWriter, err error) {
	WriteJSON(w, http.StatusBadRequest, map[string]any{"error": "the body must be one JSON object with the documented fields", "detail": err.Error()})
}

// ReadInput reads the request body into in (a pointer to the endpoint's
// input struct, its fields' labels for the messages) and answers a body
// that is too large, not one JSON object of the documented fields, or
// wrong in a field's type; false when it has answered.
func ReadInput(w http.ResponseWriter, r *http.Request, in any, labels map[string]string) bool {
	body, ok := ReadBody(w, r)
	if !ok {
		return false
	}
	fe, err := Decode(body, in, labels)
	if err != nil {
		WriteBadBody(w, err)
		return false
	}
	if len(fe) > 0 {
		WriteFieldErrors(w, fe)
		return false
	}
	return true
}

// WriteStored answers a create: 201 with v when this request stored it,
// 200 when a repeat found it stored already.
func WriteStored(w http.ResponseWriter, created bool, v any) {
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	WriteJSON(w, status, v)
}
