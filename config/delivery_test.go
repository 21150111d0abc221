package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestMPOffByDefault(t *testing.T) {
	t.Parallel()
	env := validEnv()
	env["MP_TOKEN"] = "ignored while MP_APP_ID is empty"
	c, err := Load(getenv(env))
	if err != nil {
		t.Fatal(err)
	}
	if c.MP.Enabled() || c.MP != (MPConfig{}) {
		t.Fatalf("MP = %+v, want off and empty", c.MP)
	}
	if c.MP.BaseURL() != "https://api.weixin.qq.com" {
		t.Errorf("BaseURL = %q", c.MP.BaseURL())
	}
	if m, h := c.RecipientRates(); m != 25 || h != 900 {
		t.Errorf("recipient rates %d/m %d/h, want 25 and 900", m, h)
	}
	rates := c.APIRates()
	if rates["message/send"] != (Rate{2400, time.Minute}) || rates["mass/sendall"] != (Rate{10, time.Minute}) {
		t.Errorf("default rates %v", rates)
	}
}

func TestMPConfigured(t *testing.T) {
	t.Parallel()
	env := validEnv()
	env["MP_APP_ID"] = "wx0123456789abcdef"
	env["MP_APP_SECRET"] = "mpSecretValue0123"
	env["MP_TOKEN"] = "mpTok3n"
	env["MP_AES_KEY"] = tencentAESKey
	env["MP_API_BASE"] = "http://127.0.0.1:9999/"
	env["MP_TEMPLATE_ID"] = "tplNotice"
	env["MP_TEMPLATE_FIELDS"] = "title=thing1; serial=character_string3;date=time2"
	env["BUREAU_NAME"] = " 某市某区生态环境分局 "
	env["OUTBOX_RATES"] = "message/send=20/s;template/send=100/m"
	env["OUTBOX_RECIPIENT_RATE"] = "20/m"
	c, err := Load(getenv(env))
	if err != nil {
		t.Fatal(err)
	}
	want := MPConfig{AppID: "wx0123456789abcdef", AppSecret: "mpSecretValue0123", Token: "mpTok3n", AESKey: tencentAESKey,
		APIBase: "http://127.0.0.1:9999", TemplateID: "tplNotice", TemplateFieldsSpec: "title=thing1; serial=character_string3;date=time2",
		Bureau: "某市某区生态环境分局"}
	if c.MP != want {
		t.Fatalf("MP = %+v\nwant %+v", c.MP, want)
	}
	if got := c.MP.TemplateFields(); !slices.Equal(got, []TemplateField{{"title", "thing1"}, {"serial", "character_string3"}, {"date", "time2"}}) {
		t.Errorf("fields %v", got)
	}
	if got := c.MP.AnswerFields(); len(got) != 3 || got[0] != (TemplateField{"ticket", "character_string1"}) {
		t.Errorf("answer fields %v", got)
	}
	if r := c.APIRates(); r["message/send"] != (Rate{20, time.Second}) || r["template/send"] != (Rate{100, time.Minute}) || r["custom/send"] != (Rate{600, time.Minute}) {
		t.Errorf("rates %v", r)
	}
	if m, h := c.RecipientRates(); m != 20 || h != 0 {
		t.Errorf("recipient rates %d/m %d/h", m, h)
	}
	s := c.String()
	for _, secret := range []string{"mpSecretValue0123", "mpTok3n", tencentAESKey} {
		if strings.Contains(s, secret) {
			t.Errorf("String() reveals %q", secret)
		}
	}
	if !strings.Contains(s, `MP_APP_ID="wx0123456789abcdef"`) || !strings.Contains(s, `MP_APP_SECRET="****"`) {
		t.Errorf("String() = %s", s)
	}
}

func TestMPProblems(t *testing.T) {
	t.Parallel()
	base := map[string]string{"MP_APP_ID": "wxabc", "MP_APP_SECRET": "sec", "MP_TOKEN": "tok", "MP_TEMPLATE_ID": "tpl"}
	tests := []struct {
		set  map[string]string
		want string
	}{
		{map[string]string{"MP_APP_SECRET": ""}, "MP_APP_SECRET: required when MP_APP_ID is set"},
		{map[string]string{"MP_TOKEN": ""}, "MP_TOKEN: required when MP_APP_ID is set"},
		{map[string]string{"MP_TOKEN": "a b"}, "MP_TOKEN: must be 3 to 32 letters or digits"},
		{map[string]string{"MP_AES_KEY": "short"}, "MP_AES_KEY: must be 43 base64 characters"},
		{map[string]string{"MP_TEMPLATE_ID": ""}, "MP_TEMPLATE_ID: required when MP_APP_ID is set and MP_BROADCAST_TAG is not"},
		{map[string]string{"MP_BROADCAST_TAG": "abc"}, `MP_BROADCAST_TAG: must be a tag id, a positive integer, got "abc"`},
		{map[string]string{"MP_TEMPLATE_FIELDS": "headline=thing1"}, `MP_TEMPLATE_FIELDS: unknown name "headline"`},
		{map[string]string{"MP_TEMPLATE_FIELDS": "title=thing1;date=thing1"}, "MP_TEMPLATE_FIELDS: keyword thing1 is used twice"},
		{map[string]string{"MP_ANSWER_TEMPLATE_FIELDS": "ticket=工单号"}, `MP_ANSWER_TEMPLATE_FIELDS: "工单号" is not a template keyword`},
		{map[string]string{"MP_API_BASE": "api.weixin.qq.com"}, "MP_API_BASE: must be an absolute http or https URL"},
		{map[string]string{"MP_ACCOUNT_TYPE": "服务号"}, `MP_ACCOUNT_TYPE: must be service (服务号) or subscription (订阅号), got "服务号"`},
		{map[string]string{"MP_ACCOUNT_TYPE": "Service"}, `MP_ACCOUNT_TYPE: must be service (服务号) or subscription (订阅号), got "Service"`},
		{map[string]string{"MP_ACCOUNT_TYPE": "subscription", "MP_TEMPLATE_ID": ""}, "MP_BROADCAST_TAG: required when MP_ACCOUNT_TYPE=subscription"},
		{map[string]string{"MP_ACCOUNT_TYPE": "subscription", "MP_BROADCAST_TAG": "7"}, "MP_TEMPLATE_ID: must be empty when MP_ACCOUNT_TYPE=subscription"},
		{map[string]string{"MP_ACCOUNT_TYPE": "subscription", "MP_TEMPLATE_ID": "", "MP_BROADCAST_TAG": "7", "MP_ANSWER_TEMPLATE_ID": "tplA"},
			"MP_ANSWER_TEMPLATE_ID: must be empty when MP_ACCOUNT_TYPE=subscription"},
		{map[string]string{"OUTBOX_RATES": "message/send=fast"}, `OUTBOX_RATES: "fast": want a rate such as 20/s`},
		{map[string]string{"OUTBOX_RATES": "gettoken=1/s"}, `OUTBOX_RATES: unknown api "gettoken"`},
		{map[string]string{"OUTBOX_RECIPIENT_RATE": "2/s"}, "OUTBOX_RECIPIENT_RATE: \"2/s\": give a rate per minute (/m) or per hour (/h)"},
		{map[string]string{"BUREAU_NAME": "某区\n生态环境分局"}, "BUREAU_NAME: must be text without control characters"},
		{map[string]string{"BUREAU_NAME": strings.Repeat("局", 41)}, "BUREAU_NAME: must be at most 40 characters, got 41"},
	}
	for _, tt := range tests {
		env := validEnv()
		for k, v := range base {
			env[k] = v
		}
		for k, v := range tt.set {
			env[k] = v
		}
		_, err := Load(getenv(env))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want %q", tt.set, err, tt.want)
		}
	}
	// The broadcast tag stands in for the template.
	env := validEnv()
	for k, v := range base {
		env[k] = v
	}
	env["MP_TEMPLATE_ID"] = ""
	env["MP_BROADCAST_TAG"] = "101"
	if c, err := Load(getenv(env)); err != nil || c.MP.BroadcastTag != 101 || c.MP.Subscription() {
		t.Fatalf("broadcast tag: %+v, %v", c.MP, err)
	}
	// A 订阅号 announces by 群发 only.
	env["MP_ACCOUNT_TYPE"] = "subscription"
	c, err := Load(getenv(env))
	if err != nil || !c.MP.Subscription() || c.MP.AccountType != MPSubscription {
		t.Fatalf("subscription account: %+v, %v", c.MP, err)
	}
	if s := c.String(); !strings.Contains(s, `MP_ACCOUNT_TYPE="subscription"`) {
		t.Errorf("String() = %s", s)
	}
	// The default is a 服务号, and saying so changes nothing.
	env["MP_ACCOUNT_TYPE"] = "service"
	if c, err := Load(getenv(env)); err != nil || c.MP.Subscription() || !strings.Contains(c.String(), `MP_ACCOUNT_TYPE="service"`) {
		t.Fatalf("service account: %+v, %v", c.MP, err)
	}
}
