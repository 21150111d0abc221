package bot

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// WeCom's callbacks are flat XML: one <xml> element whose children are
// simple elements holding text or one CDATA section. encoding/xml spends
// about a hundred allocations on such a message; the scanner below reads
// the flat shape in a handful and hands anything else (nested elements
// such as SelectedItems, comments, processing instructions, attributes)
// back to encoding/xml, so correctness never depends on the fast path.
// FuzzFlatXML checks that both agree.

var errNotFlat = errors.New("not flat xml")

// flatFields scans <xml><Name>value</Name>...</xml> and calls set for each
// child. It returns errNotFlat for any shape it does not handle.
func flatFields(data []byte, set func(name string, value []byte) error) error {
	d := bytes.TrimSpace(data)
	d, ok := bytes.CutPrefix(d, []byte("<xml>"))
	if !ok {
		return errNotFlat
	}
	d, ok = bytes.CutSuffix(d, []byte("</xml>"))
	if !ok {
		return errNotFlat
	}
	for {
		d = bytes.TrimLeft(d, " \t\r\n")
		if len(d) == 0 {
			return nil
		}
		if d[0] != '<' {
			return errNotFlat
		}
		end := bytes.IndexByte(d, '>')
		if end < 2 {
			return errNotFlat
		}
		name := d[1:end]
		if !isXMLName(name) {
			return errNotFlat // closing tag, comment, attribute, self-closing...
		}
		d = d[end+1:]
		var value []byte
		if rest, ok := bytes.CutPrefix(d, []byte("<![CDATA[")); ok {
			i := bytes.Index(rest, []byte("]]>"))
			if i < 0 {
				return errNotFlat
			}
			value, d = rest[:i], rest[i+3:]
		} else {
			i := bytes.IndexByte(d, '<')
			if i < 0 {
				return errNotFlat
			}
			raw := d[:i]
			if bytes.Contains(raw, []byte("]]>")) {
				return errNotFlat // not allowed outside CDATA
			}
			if bytes.IndexByte(raw, '&') >= 0 {
				v, err := unescapeXML(raw)
				if err != nil {
					return errNotFlat
				}
				value = v
			} else {
				value = raw
			}
			d = d[i:]
		}
		closing := len(name) + 3
		if len(d) < closing || d[0] != '<' || d[1] != '/' || !bytes.Equal(d[2:2+len(name)], name) || d[2+len(name)] != '>' {
			return errNotFlat
		}
		d = d[closing:]
		if !plainText(value) {
			return errNotFlat // line-end normalisation and invalid characters: encoding/xml's job
		}
		if err := set(string(name), value); err != nil {
			return err
		}
	}
}

// plainText reports whether v is valid UTF-8 without the characters XML
// treats specially (CR, which it normalises, and other control characters,
// which it refuses).
func plainText(v []byte) bool {
	for _, c := range v {
		if c < 0x20 && c != '\t' && c != '\n' {
			return false
		}
	}
	return utf8.Valid(v)
}

func isXMLName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for i, c := range b {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// unescapeXML decodes the five predefined entities and character
// references; anything else is not handled here.
func unescapeXML(b []byte) ([]byte, error) {
	var out []byte
	for len(b) > 0 {
		i := bytes.IndexByte(b, '&')
		if i < 0 {
			out = append(out, b...)
			break
		}
		out = append(out, b[:i]...)
		b = b[i:]
		j := bytes.IndexByte(b, ';')
		if j < 0 {
			return nil, errNotFlat
		}
		ent := string(b[1:j])
		b = b[j+1:]
		switch ent {
		case "lt":
			out = append(out, '<')
		case "gt":
			out = append(out, '>')
		case "amp":
			out = append(out, '&')
		case "quot":
			out = append(out, '"')
		case "apos":
			out = append(out, '\'')
		default:
			return nil, errNotFlat // character references: leave them to encoding/xml
		}
	}
	return out, nil
}

// parseEnvelopeFast reads the outer XML of a callback.
func parseEnvelopeFast(body []byte) (Envelope, error) {
	var e Envelope
	err := flatFields(body, func(name string, v []byte) error {
		switch name {
		case "ToUserName":
			e.ToUserName = string(v)
		case "AgentID":
			e.AgentID = string(v)
		case "Encrypt":
			e.Encrypt = string(v)
		}
		return nil
	})
	if err != nil {
		return Envelope{}, err
	}
	e.XMLName.Local = "xml"
	return e, nil
}

// parseMessageFast reads a decrypted flat message; SelectedItems and other
// nested shapes make it return errNotFlat.
func parseMessageFast(plain []byte) (*Message, error) {
	var m Message
	err := flatFields(plain, func(name string, v []byte) error {
		switch name {
		case "ToUserName":
			m.ToUserName = string(v)
		case "FromUserName":
			m.FromUserName = string(v)
		case "CreateTime":
			// encoding/xml trims spaces around numbers; so do we.
			n, err := strconv.ParseInt(strings.TrimSpace(string(v)), 10, 64)
			if err != nil {
				return errNotFlat
			}
			m.CreateTime = n
		case "MsgType":
			m.MsgType = string(v)
		case "Content":
			m.Content = string(v)
		case "PicUrl":
			m.PicURL = string(v)
		case "MediaId":
			m.MediaID = string(v)
		case "MsgId":
			m.MsgID = string(v)
		case "AgentID":
			m.AgentID = string(v)
		case "Event":
			m.Event = string(v)
		case "EventKey":
			m.EventKey = string(v)
		case "TaskId":
			m.TaskID = string(v)
		case "CardType":
			m.CardType = string(v)
		case "ResponseCode":
			m.ResponseCode = string(v)
		case "SelectedItems":
			return errNotFlat
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	m.XMLName.Local = "xml"
	return &m, nil
}
