package bot

import (
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrMalformed reports a callback body or message that does not parse.
var ErrMalformed = errors.New("malformed callback")

// Message types and events the bot understands.
const (
	MsgText  = "text"
	MsgEvent = "event"
	// MsgImage is a picture sent in the app chat: PicUrl and MediaId (see
	// media.go for how its bytes are fetched).
	MsgImage = "image"

	EventClick        = "click"
	EventEnterAgent   = "enter_agent"
	EventTemplateCard = "template_card_event"
)

// Envelope is the outer XML of a callback POST.
type Envelope struct {
	XMLName    xml.Name `xml:"xml"`
	ToUserName string   `xml:"ToUserName"`
	AgentID    string   `xml:"AgentID"`
	Encrypt    string   `xml:"Encrypt"`
}

// Message is a decrypted callback: a user's message or an event. MsgID and
// AgentID stay strings: MsgId is sometimes base64-like and AgentID can
// exceed int32.
type Message struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string   `xml:"ToUserName"`
	FromUserName string   `xml:"FromUserName"`
	CreateTime   int64    `xml:"CreateTime"`
	MsgType      string   `xml:"MsgType"`
	Content      string   `xml:"Content"`
	PicURL       string   `xml:"PicUrl"`
	MediaID      string   `xml:"MediaId"`
	MsgID        string   `xml:"MsgId"`
	AgentID      string   `xml:"AgentID"`

	Event         string        `xml:"Event"`
	EventKey      string        `xml:"EventKey"`
	TaskID        string        `xml:"TaskId"`
	CardType      string        `xml:"CardType"`
	ResponseCode  string        `xml:"ResponseCode"`
	SelectedItems SelectedItems `xml:"SelectedItems"`
}

// SelectedItems carries the answers of a vote or multiple-choice card.
type SelectedItems struct {
	Items []SelectedItem `xml:"SelectedItem"`
}

// SelectedItem is one question's answer on a card.
type SelectedItem struct {
	QuestionKey string   `xml:"QuestionKey"`
	OptionIDs   []string `xml:"OptionIds>OptionId"`
}

// ParseEnvelope parses the outer XML of a callback POST.
func ParseEnvelope(body []byte) (Envelope, error) {
	e, err := parseEnvelopeFast(body)
	if err != nil {
		e = Envelope{}
		if err := xml.Unmarshal(body, &e); err != nil {
			return Envelope{}, fmt.Errorf("%w: envelope: %v", ErrMalformed, err)
		}
	}
	if e.Encrypt == "" {
		return Envelope{}, fmt.Errorf("%w: envelope has no Encrypt", ErrMalformed)
	}
	return e, nil
}

// ParseMessage parses a decrypted message and checks the fields every
// message must have.
func ParseMessage(plain []byte) (*Message, error) {
	m, err := parseMessageFast(plain)
	if err != nil {
		m = &Message{}
		if err := xml.Unmarshal(plain, m); err != nil {
			return nil, fmt.Errorf("%w: message: %v", ErrMalformed, err)
		}
	}
	m.Event = strings.ToLower(m.Event)
	switch {
	case m.FromUserName == "":
		return nil, fmt.Errorf("%w: message has no FromUserName", ErrMalformed)
	case m.MsgType == "":
		return nil, fmt.Errorf("%w: message has no MsgType", ErrMalformed)
	case m.MsgType == MsgEvent && m.Event == "":
		return nil, fmt.Errorf("%w: event has no Event", ErrMalformed)
	}
	return m, nil
}

// DedupKey is the key under which a callback is recorded once. Messages have
// a MsgId; events do not, so they are keyed on who, when and what (keying
// events on MsgId or MsgType alone drops real events).
func (m *Message) DedupKey() string {
	if m.MsgType != MsgEvent && m.MsgID != "" {
		return "msg:" + m.MsgID
	}
	ts := strconv.FormatInt(m.CreateTime, 10)
	if m.Event == EventTemplateCard {
		return "card:" + m.FromUserName + ":" + ts + ":" + m.TaskID + ":" + m.EventKey
	}
	return "event:" + m.FromUserName + ":" + ts + ":" + m.Event + ":" + m.EventKey
}

// Selected returns the option ids chosen for questionKey on a card.
func (m *Message) Selected(questionKey string) []string {
	for _, it := range m.SelectedItems.Items {
		if it.QuestionKey == questionKey {
			return it.OptionIDs
		}
	}
	return nil
}
