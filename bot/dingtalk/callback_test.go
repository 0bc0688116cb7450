package dingtalk

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"baobei"
	"baobei/bot"
	"baobei/store"
	"baobei/store/storetest"

	"github.com/gin-gonic/gin"
)

const (
	vectorSecret = "SECbaobei0123456789abcdef0123456789abcdef0123456789abcdef"
	vectorTS     = 1700000000000
	vectorSign   = "79evi4qvIKWI4/xzp+E9+wYkCpvIMi1m8HDGem4UxW0=" // derived once with Python's hmac
)

// documentedSign is DingTalk's algorithm written out again, independently of Sign.
func documentedSign(secret string, ts int64) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(ts, 10) + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func TestSignKnownVector(t *testing.T) {
	if got := Sign(vectorSecret, vectorTS); got != vectorSign || got != documentedSign(vectorSecret, vectorTS) {
		t.Fatalf("Sign = %q, want %q", got, vectorSign)
	}
	hook := "https://oapi.dingtalk.com/robot/send?access_token=abc"
	got := SignedURL(hook, vectorSecret, time.UnixMilli(vectorTS))
	want := hook + "&timestamp=1700000000000&sign=79evi4qvIKWI4%2Fxzp%2BE9%2BwYkCpvIMi1m8HDGem4UxW0%3D"
	if got != want {
		t.Fatalf("SignedURL =\n%s\nwant\n%s", got, want)
	}
	u, _ := url.Parse(got)
	if u.Query().Get("sign") != vectorSign || u.Query().Get("access_token") != "abc" {
		t.Fatalf("signed URL does not parse back: %v", u.Query())
	}
	if got := SignedURL("http://127.0.0.1/robot", "s", time.UnixMilli(1)); !strings.HasPrefix(got, "http://127.0.0.1/robot?timestamp=1&sign=") {
		t.Fatalf("SignedURL without a query = %s", got)
	}
}

const appSecret = "app-secret-for-tests"

// httpModeServer serves an HTTP-mode adapter whose signature log is s (a
// fresh SQLite store when nil), as one replica of the service.
func httpModeServer(t *testing.T, now time.Time, s *store.Store) (*httptest.Server, *recorder, *Adapter) {
	gin.SetMode(gin.ReleaseMode)
	rec := &recorder{}
	log, _ := newLog()
	a := New(Config{ClientID: "ding", ClientSecret: appSecret, Mode: ModeHTTP}, rec, log)
	a.now = func() time.Time { return now }
	if s == nil {
		s = storetest.OpenSQLite(t, baobei.DefaultPolicy())
	}
	a.Signatures = s
	e := gin.New()
	a.Mount(e, nil)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv, rec, a
}

const outgoingBody = `{"conversationId":"cidP","conversationType":"1","msgId":"msgH1","msgtype":"text","text":{"content":"帮助"},` +
	`"senderNick":"张三","senderStaffId":"zhangsan","sessionWebhook":"http://127.0.0.1:1/robot/sendBySession?session=x","sessionWebhookExpiredTime":1772449200000}`

func postCallback(t *testing.T, srv *httptest.Server, ts, sign, body string) int {
	req, _ := http.NewRequest("POST", srv.URL+"/dingtalk/callback", strings.NewReader(body))
	if ts != "" {
		req.Header.Set("timestamp", ts)
		req.Header.Set("sign", sign)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestHTTPModeCallback(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	srv, rec, _ := httpModeServer(t, now, nil)
	ms := func(d time.Duration) int64 { return now.Add(d).UnixMilli() }
	ts := func(d time.Duration) string { return strconv.FormatInt(ms(d), 10) }
	refused := []struct{ name, ts, sign, body string }{
		{"stale", ts(-time.Hour - time.Second), documentedSign(appSecret, ms(-time.Hour-time.Second)), outgoingBody},
		{"future", ts(time.Hour + time.Second), documentedSign(appSecret, ms(time.Hour+time.Second)), outgoingBody},
		{"wrong secret", ts(-time.Minute), documentedSign("another-secret", ms(-time.Minute)), outgoingBody},
		{"other timestamp", ts(-time.Minute), documentedSign(appSecret, ms(-2*time.Minute)), outgoingBody},
		{"no signature", "", "", outgoingBody},
		{"garbage timestamp", "yesterday", documentedSign(appSecret, ms(0)), outgoingBody},
	}
	for _, tc := range refused {
		if code := postCallback(t, srv, tc.ts, tc.sign, tc.body); code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", tc.name, code)
		}
	}
	if got := rec.messages(); len(got) != 0 {
		t.Fatalf("refused callbacks reached the inbox: %+v", got)
	}
	if code := postCallback(t, srv, ts(-time.Minute), documentedSign(appSecret, ms(-time.Minute)), "{not json"); code != http.StatusBadRequest {
		t.Errorf("malformed signed body: %d, want 400", code)
	}
	if code := postCallback(t, srv, ts(-59*time.Minute), documentedSign(appSecret, ms(-59*time.Minute)), outgoingBody); code != http.StatusOK {
		t.Fatalf("valid callback: %d", code)
	}
	want := bot.Message{Platform: "dingtalk", ID: "msgH1", UserID: "zhangsan", UserName: "张三", Text: "帮助"}
	if got := rec.messages(); len(got) != 1 || got[0] != want {
		t.Fatalf("accepted %+v, want %+v", got, want)
	}
}

func TestStreamModeMountsNoCallback(t *testing.T) {
	log, _ := newLog()
	a := New(Config{ClientID: "ding", ClientSecret: appSecret}, &recorder{}, log)
	e := gin.New()
	a.Mount(e, nil)
	w := httptest.NewRecorder()
	e.ServeHTTP(w, httptest.NewRequest("POST", "/dingtalk/callback", strings.NewReader(outgoingBody)))
	if w.Code != http.StatusNotFound {
		t.Fatalf("stream mode served the callback: %d", w.Code)
	}
}

// A captured timestamp/sign pair is valid for an hour with any body
// (DingTalk signs only the timestamp): it is taken again with the body it
// came with (a redelivery) and refused with any other, on every replica.
func TestHTTPModeRefusesASignatureReusedWithAnotherBody(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			s := b.Open(t, baobei.DefaultPolicy())
			srv, rec, a := httpModeServer(t, now, s)
			other, otherRec, _ := httpModeServer(t, now, s) // a second replica on the same database
			ts, sign := strconv.FormatInt(now.UnixMilli(), 10), documentedSign(appSecret, now.UnixMilli())
			for i := 0; i < 2; i++ {
				if code := postCallback(t, srv, ts, sign, outgoingBody); code != http.StatusOK {
					t.Fatalf("DingTalk's callback (delivery %d): %d", i+1, code)
				}
			}
			hijack := `{"conversationType":"1","msgId":"msgF1","msgtype":"text","text":{"content":"待办"},"senderNick":"王经理","senderStaffId":"wangjl",` +
				`"sessionWebhook":"https://oapi.dingtalk.com/robot/sendBySession?session=attacker","sessionWebhookExpiredTime":` +
				strconv.FormatInt(now.Add(240*time.Hour).UnixMilli(), 10) + `}`
			asZhangsan := strings.Replace(outgoingBody, `"msgId":"msgH1"`, `"msgId":"msgF2"`, 1)
			asZhangsan = strings.Replace(asZhangsan, "帮助", "流失 #1 原因:测试", 1)
			for name, body := range map[string]string{"as 王经理": hijack, "as 张三": asZhangsan} {
				for _, target := range []*httptest.Server{srv, other} {
					if code := postCallback(t, target, ts, sign, body); code != http.StatusForbidden {
						t.Errorf("forged body %s with a reused signature: %d, want 403", name, code)
					}
				}
			}
			if got := rec.messages(); len(got) != 2 || got[0].UserID != "zhangsan" || got[1].Text != "帮助" || len(otherRec.messages()) != 0 {
				t.Fatalf("accepted %+v and %+v, want DingTalk's message twice", got, otherRec.messages())
			}
			if hook := a.sessions.get(userKey("wangjl"), now); hook != "" {
				t.Fatalf("a forged body registered 王经理's session webhook %s", hook)
			}
		})
	}
}
