package workflow

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// What a text typed into the bureau's record may hold.
//
// A 标题 or 简要内容, a 驳回理由, a 12345 reason or answer is typed on a
// phone or pasted from a document, and may bring characters that no paper
// form carries: emoji from the phone's keyboard, private-use characters
// from a document's symbol fonts, invisible formatting characters. The
// rule, the same for every such field:
//
//   - What the user can see and paper cannot carry (emoji, private use) is
//     refused, with the field named and what to remove. Only the user can
//     say what to write instead (「❤️」 is not a word); nothing typed is lost,
//     since the text stays in the chat to copy, and the question is asked
//     again.
//   - What nobody can see is dropped: a refusal would send the user looking
//     for a character they cannot find, and without it the text prints the
//     same.
//   - Everything else stays, notably CJK punctuation, full-width forms, ①②,
//     ℃, ㎡, ×, ± and traditional Mongolian.
//
// Emoji, as Unicode defines them (UTS #51; the data is in emoji_tables.go):
//
//   - a character with Emoji_Presentation: 😀 👍 ✅ ⭐ ⚡ 🀄, a skin tone
//     alone, a regional indicator (two of them make a flag, 🇨🇳);
//   - an emoji presentation sequence: a character with Emoji followed by
//     U+FE0F, the emoji variation selector (❤️ ☑️ ©️);
//   - a keycap: 0–9, # or * with U+20E3, usually after U+FE0F (1️⃣);
//   - a pictograph beyond the BMP (Extended_Pictographic, as 🌡 🖥), with
//     or without U+FE0F: it is drawn from an emoji font or not at all;
//   - with what joins it into one picture: variation selectors, skin tones
//     (👍🏻), tag characters (the flags of regions), and U+200D with the next
//     emoji (👨‍👩‍👧).
//
// A character with Emoji but not Emoji_Presentation, alone, is text: ☑ ✔
// ★ © ™ ❤ ☎ ♀ ↔ ℹ Ⓜ 〽 ㊙ print as symbols and stay.
//
// Private use (U+E000–U+F8FF, planes 15 and 16) is refused: no font of the
// printer draws it. Word's Wingdings bullets paste as U+F0xx, and some
// rare 汉字 of old GB18030 mappings sit there, which should be typed as
// their standard character instead.
//
// Invisible, dropped: U+200B zero-width space, U+2060 word joiner, U+FEFF
// byte-order mark, U+00AD soft hyphen, the bidirectional marks, embeddings,
// overrides and isolates, the invisible operators U+2061–U+2064, the
// interlinear annotation characters, tag characters and U+FE0E/U+FE0F
// outside an emoji, and control characters other than tab and line breaks.
// U+200C and U+200D outside an emoji, U+180E and the Mongolian variation
// selectors stay: traditional Mongolian script, written beside Chinese in
// Inner Mongolia, needs them to shape its letters.

const (
	vs15    = '\uFE0E' // text presentation selector
	vs16    = '\uFE0F' // emoji presentation selector
	zwj     = '\u200D'
	keycap  = '\u20E3' // combining enclosing keycap
	shownAt = 3        // how many emoji a refusal names
)

// CharsError is a text refused for what paper cannot carry. Its Error is
// the polite explanation the user sees.
type CharsError struct {
	Field   string   // the field, as the user knows it: 标题, 驳回理由
	Emoji   []string // the emoji found, each whole, without repeats
	Private bool     // private-use characters were found
	Before  string   // the few characters before the first of them
}

func (e *CharsError) Error() string {
	var what string
	switch {
	case len(e.Emoji) > 0:
		shown := strings.Join(e.Emoji[:min(len(e.Emoji), shownAt)], "、")
		if len(e.Emoji) > shownAt {
			shown += "等"
		}
		what = fmt.Sprintf("%s中含有表情符号（%s）", e.Field, shown)
		if e.Private {
			what += "和无法显示的特殊字符"
		}
	case e.Before != "":
		what = fmt.Sprintf("%s中“%s”之后有无法显示的特殊字符（常见于从文档复制的项目符号）", e.Field, e.Before)
	default:
		what = e.Field + "开头有无法显示的特殊字符（常见于从文档复制的项目符号）"
	}
	return what + "，请删除后重新输入。"
}

// CheckChars prepares a text typed for field: it drops the invisible
// characters, trims the spaces around it, and refuses emoji and
// private-use characters with a *CharsError naming field (see above for
// what each is).
func CheckChars(field, s string) (string, error) {
	rs := []rune(s)
	var out strings.Builder
	bad := CharsError{Field: field}
	for i := 0; i < len(rs); i++ {
		if n := emojiAt(rs, i); n > 0 {
			if e := string(rs[i : i+n]); !slices.Contains(bad.Emoji, e) {
				bad.Emoji = append(bad.Emoji, e)
			}
			i += n - 1
			continue
		}
		switch r := rs[i]; {
		case unicode.Is(unicode.Co, r):
			if !bad.Private {
				bad.Private, bad.Before = true, lastWords(out.String())
			}
		case invisible(r):
		default:
			out.WriteRune(r)
		}
	}
	if len(bad.Emoji) > 0 || bad.Private {
		return "", &bad
	}
	return strings.TrimSpace(out.String()), nil
}

// emojiAt is the length in runes of the emoji that starts at rs[i], with
// what joins to it, or 0 when none does.
func emojiAt(rs []rune, i int) int {
	at := func(j int) rune {
		if j < len(rs) {
			return rs[j]
		}
		return -1
	}
	r, j := rs[i], i+1
	switch {
	case r == '#' || r == '*' || r >= '0' && r <= '9':
		if at(j) == vs16 {
			j++
		}
		if at(j) != keycap {
			return 0 // a digit, with a stray selector at most
		}
		j++
	case r == keycap:
		return 1 // a keycap mark on something else: still a keycap
	case unicode.Is(emojiPresentation, r), unicode.Is(pictographs, r):
		if regional(r) && regional(at(j)) {
			j++ // a flag
		}
	case unicode.Is(emojiText, r) && at(j) == vs16:
		j++
	default:
		return 0
	}
	for j < len(rs) {
		switch c := rs[j]; {
		case c == vs15, c == vs16, c == keycap, skinTone(c), tag(c):
			j++
		case c == zwj:
			if n := emojiAt(rs, j+1); n > 0 {
				j += 1 + n
			} else if unicode.Is(emojiText, at(j+1)) {
				j += 2 // ⚕ in 👨‍⚕ typed without its selector
			} else {
				return j - i
			}
		default:
			return j - i
		}
	}
	return j - i
}

func regional(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }
func skinTone(r rune) bool { return r >= 0x1F3FB && r <= 0x1F3FF }
func tag(r rune) bool      { return r == 0xE0001 || r >= 0xE0020 && r <= 0xE007F }

// invisible reports the characters dropped as invisible (see above).
func invisible(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return false
	case r < 0x20 || r >= 0x7F && r < 0xA0: // C0, DEL and C1 controls
		return true
	case r == 0x00AD, r == 0x200B, r == 0x200E, r == 0x200F, r >= 0x202A && r <= 0x202E,
		r >= 0x2060 && r <= 0x2064, r >= 0x2066 && r <= 0x2069, r == 0xFEFF, r >= 0xFFF9 && r <= 0xFFFB,
		r == vs15, r == vs16, tag(r):
		return true
	}
	return false
}

// lastWords is the end of s, at most six characters of its last line that
// is not blank: what a refused character follows.
func lastWords(s string) string {
	s = strings.TrimRightFunc(s, unicode.IsSpace)
	if i := strings.LastIndexAny(s, "\r\n"); i >= 0 {
		s = s[i+1:]
	}
	rs := []rune(strings.TrimSpace(s))
	return string(rs[max(0, len(rs)-6):])
}
