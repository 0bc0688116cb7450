package wecom

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"baobei/bot"
	"baobei/cards"

	"github.com/gin-gonic/gin"
)

// WeCom's official sample (加解密方案说明): token, key, CorpID and vectors.
const (
	sampleToken  = "QDG6eK"
	sampleAESKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	sampleCorpID = "wx5823bf96d3bd56c7"

	getSig   = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
	getTS    = "1409659589"
	getNonce = "263014780"
	getEcho  = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="

	postSig     = "477715d11cdb4164915debcba66cb864d751f3e6"
	postTS      = "1409659813"
	postNonce   = "1372623149"
	postEncrypt = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)

// recorder stands in for the worker: it records what the adapter accepts.
type recorder struct{ got []bot.Message }

func (r *recorder) Accept(_ context.Context, m bot.Message) (bool, error) {
	r.got = append(r.got, m)
	return true, nil
}

// sampleTime is when the official sample was sealed (between getTS and postTS).
var sampleTime = time.Unix(1409659700, 0)

func sampleServer(t *testing.T, corpID string) (*httptest.Server, *recorder) {
	return sampleServerAt(t, corpID, sampleTime)
}

// sampleServerAt serves the sample's adapter with its clock at now.
func sampleServerAt(t *testing.T, corpID string, now time.Time) (*httptest.Server, *recorder) {
	gin.SetMode(gin.ReleaseMode)
	rec := &recorder{}
	a := New(Config{CorpID: corpID, AgentID: 218, Token: sampleToken, AESKey: sampleAESKey}, rec, slog.New(slog.NewTextHandler(io.Discard, nil)))
	a.now = func() time.Time { return now }
	e := gin.New()
	a.Mount(e, nil)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv, rec
}

func query(sig, ts, nonce string, extra ...string) string {
	q := url.Values{"msg_signature": {sig}, "timestamp": {ts}, "nonce": {nonce}}
	if len(extra) == 2 {
		q.Set(extra[0], extra[1])
	}
	return "/wecom/callback?" + q.Encode()
}

func postBody(enc string) string {
	return "<xml><ToUserName><![CDATA[" + sampleCorpID + "]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>"
}

func TestOfficialVectors(t *testing.T) {
	srv, rec := sampleServer(t, sampleCorpID)
	resp, err := http.Get(srv.URL + query(getSig, getTS, getNonce, "echostr", getEcho))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "1616140317555161061" {
		t.Fatalf("URL verification: %d %q", resp.StatusCode, body)
	}
	resp, err = http.Post(srv.URL+query(postSig, postTS, postNonce), "text/xml", strings.NewReader(postBody(postEncrypt)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := bot.Message{Platform: "wecom", ID: "4561255354251345929", UserID: "mycreate", Text: "hello"}
	if resp.StatusCode != http.StatusOK || len(rec.got) != 1 || rec.got[0] != want {
		t.Fatalf("callback: %d, accepted %+v", resp.StatusCode, rec.got)
	}
}

// A validly signed callback is taken only within 5 minutes of its
// timestamp, either way: a captured one cannot be replayed later.
func TestCallbacksOutsideTheTimeWindowAreRefused(t *testing.T) {
	post, _ := strconv.ParseInt(postTS, 10, 64)
	for _, tc := range []struct {
		off  time.Duration
		want int
	}{{-4 * time.Minute, http.StatusOK}, {4 * time.Minute, http.StatusOK}, {10 * time.Minute, http.StatusForbidden},
		{-10 * time.Minute, http.StatusForbidden}, {6 * 365 * 24 * time.Hour, http.StatusForbidden}} {
		srv, rec := sampleServerAt(t, sampleCorpID, time.Unix(post, 0).Add(tc.off))
		resp, err := http.Post(srv.URL+query(postSig, postTS, postNonce), "text/xml", strings.NewReader(postBody(postEncrypt)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want || (tc.want != http.StatusOK) != (len(rec.got) == 0) {
			t.Errorf("callback seen %v after it was sealed: %d, accepted %d, want %d", tc.off, resp.StatusCode, len(rec.got), tc.want)
		}
	}
}

func TestTamperedCallbacksAreRefused(t *testing.T) {
	srv, rec := sampleServer(t, sampleCorpID)
	flipped := postEncrypt[:40] + "A" + postEncrypt[41:]
	cases := []struct{ name, method, path, body string }{
		{"GET bad signature", "GET", query("0"+getSig[1:], getTS, getNonce, "echostr", getEcho), ""},
		{"GET other timestamp", "GET", query(getSig, "1409659590", getNonce, "echostr", getEcho), ""},
		{"POST bad signature", "POST", query("0"+postSig[1:], postTS, postNonce), postBody(postEncrypt)},
		{"POST other timestamp", "POST", query(postSig, "1409659814", postNonce), postBody(postEncrypt)},
		{"POST other nonce", "POST", query(postSig, postTS, "1"), postBody(postEncrypt)},
		{"POST tampered body", "POST", query(postSig, postTS, postNonce), postBody(flipped)},
		{"POST no body", "POST", query(postSig, postTS, postNonce), ""},
		{"POST no signature", "POST", "/wecom/callback", postBody(postEncrypt)},
	}
	for _, tc := range cases {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", tc.name, resp.StatusCode)
		}
	}
	if len(rec.got) != 0 {
		t.Fatalf("refused callbacks reached the worker: %+v", rec.got)
	}
}

func TestWrongReceiverIsRefused(t *testing.T) {
	srv, rec := sampleServer(t, "ww-another-corp")
	resp, err := http.Post(srv.URL+query(postSig, postTS, postNonce), "text/xml", strings.NewReader(postBody(postEncrypt)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || len(rec.got) != 0 {
		t.Fatalf("message for another CorpID: %d, accepted %+v", resp.StatusCode, rec.got)
	}
}

func TestEventsBecomeMessages(t *testing.T) {
	card := event{FromUserName: "wangjl", CreateTime: 1700000000, MsgType: "event", Event: "template_card_event",
		EventKey: "tok.sig", TaskID: "bb1", ResponseCode: "rc-1"}
	m := card.message()
	again := card
	again.EventKey = "other.sig"
	if m.Action != "tok.sig" || m.CardRef != "rc-1" || !strings.HasPrefix(m.ID, "evt:") || len(m.ID) > 64 ||
		m.ID != card.message().ID || m.ID == again.message().ID {
		t.Fatalf("card event = %+v", m)
	}
	if m := (event{FromUserName: "u", MsgType: "event", Event: "enter_agent"}).message(); m.Canned != welcome {
		t.Fatalf("enter_agent = %+v", m)
	}
	if m := (event{FromUserName: "u", MsgType: "image", MsgID: "9"}).message(); m.Canned != unsupported || m.ID != "9" {
		t.Fatalf("image = %+v", m)
	}
}

var update = flag.Bool("update", false, "rewrite golden files")

func TestTemplateCardGolden(t *testing.T) {
	c := cards.New("公海（12）")
	c.Add("#3 张先生", "138****8000 · 新线索").Add("#2 李女士", "139****9000 · 已流失")
	c.Buttons = []cards.Button{{Label: "领取 #3", Action: "eyJjIjoi6aKG5Y-WICMzIn0.c2ln"}, {Label: "领取 #2", Action: "eyJjIjoi6aKG5Y-WICMyIn0.c2ln"}}
	got, err := json.MarshalIndent(TemplateCard(c, "bb0123456789abcdef01234567"), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := "testdata/template_card.json"
	if *update {
		os.WriteFile(path, got, 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil || string(want) != string(got) {
		t.Fatalf("template card differs from %s (run with -update after checking):\n%s", path, got)
	}
}
