package bot

import (
	"encoding/xml"
	"reflect"
	"testing"
)

// FuzzFlatXML is a differential check: whenever the fast scanner accepts
// a message, encoding/xml must accept it too and read the same fields.
func FuzzFlatXML(f *testing.F) {
	for _, s := range []string{
		`<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[u]]></FromUserName><CreateTime>1409659813</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content><MsgId>4561255354251345929</MsgId><AgentID>218</AgentID></xml>`,
		`<xml><FromUserName>a&amp;b</FromUserName><MsgType>event</MsgType><Event>click</Event><EventKey>k&lt;1&gt;</EventKey><CreateTime> 7 </CreateTime></xml>`,
		"<xml>\n  <Content>line1\nline2</Content>\n</xml>",
		`<xml><Content><![CDATA[a]]]]><![CDATA[>b]]></Content></xml>`,
		`<xml><Content>x</Content><Content>y</Content></xml>`,
		`<xml><SelectedItems><SelectedItem><QuestionKey>q</QuestionKey></SelectedItem></SelectedItems></xml>`,
		`<xml><Content>&#20320;</Content></xml>`,
		`<xml><Unknown>1</Unknown><MsgType>text</MsgType></xml>`,
		"<xml><Content>a\r\nb</Content></xml>",
		`<xml><Content>]]></Content></xml>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, err := parseMessageFast(data)
		if err != nil {
			return // the slow path decides
		}
		var slow Message
		if err := xml.Unmarshal(data, &slow); err != nil {
			t.Fatalf("fast path accepted what encoding/xml refuses (%v): %q", err, data)
		}
		if !reflect.DeepEqual(*fast, slow) {
			t.Fatalf("fast and encoding/xml differ for %q:\nfast %+v\nslow %+v", data, *fast, slow)
		}
		env, err := parseEnvelopeFast(data)
		if err != nil {
			t.Fatalf("envelope scan refused what the message scan took: %v", err)
		}
		var slowEnv Envelope
		if err := xml.Unmarshal(data, &slowEnv); err != nil || !reflect.DeepEqual(env, slowEnv) {
			t.Fatalf("envelope differs for %q: %+v vs %+v (%v)", data, env, slowEnv, err)
		}
	})
}
