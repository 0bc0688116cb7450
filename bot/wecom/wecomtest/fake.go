// Package wecomtest is a fake WeCom API on 127.0.0.1 that speaks the real
// wire format (gettoken, message/send, update_template_card, user/get,
// webhook/send), and seals callbacks the way WeCom does, for tests and for
// pointing a running baobei at it (wecom.api_base).
//
// Every delivered push is also kept in a log with the time it arrived
// (Log, and GET /fake/log?from=N for a process outside the tests), and every
// API answer can be delayed like a real network round trip (SetLatency).
package wecomtest

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"time"

	"baobei/internal/fakecli"

	"github.com/silenceper/wechat/v2/util"
)

// Fake records what baobei sends and can be told to fail. Like WeCom, it
// refuses a content over the size limits with errcode 45002.
type Fake struct {
	URL string

	mu      sync.Mutex
	srv     *httptest.Server
	gen     int               // the valid token is "token-<gen>"; 42001 expires it
	issued  int               // gettoken calls
	fail    []int             // errcodes for the next message/send or webhook/send calls
	Sent    []map[string]any  // message/send bodies that succeeded
	Updates []map[string]any  // update_template_card bodies
	Robot   []map[string]any  // webhook/send bodies, with "key" added
	Names   map[string]string // user/get answers
	log     []Entry
	latency time.Duration
}

// Entry is one delivered push as the fake received it: a message/send, an
// update_template_card or a webhook/send that succeeded.
type Entry struct {
	Seq     int       `json:"seq"`     // 0, 1, 2, … in the order of arrival
	At      time.Time `json:"at"`      // when the request arrived (before any latency)
	API     string    `json:"api"`     // message/send, update_template_card, webhook/send
	To      string    `json:"to"`      // touser, or the robot key for webhook/send
	MsgType string    `json:"msgtype"` // text, markdown, template_card, image, …
	Text    string    `json:"text"`    // the text or markdown content; a card's JSON
}

// SetLatency delays every API answer by d from the arrival of the request,
// like a network round trip to WeCom.
func (f *Fake) SetLatency(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency = d
}

// Log returns the entries from sequence number from on (0: all).
func (f *Fake) Log(from int) []Entry {
	f.mu.Lock()
	defer f.mu.Unlock()
	if from < 0 || from > len(f.log) {
		from = len(f.log)
	}
	return append([]Entry(nil), f.log[from:]...)
}

// LogPage is the answer of GET /fake/log?from=N: the entries from N on, and
// the from to ask for next.
type LogPage struct {
	Entries []Entry `json:"entries"`
	Next    int     `json:"next"`
}

func (f *Fake) serveLog(w http.ResponseWriter, r *http.Request) {
	from, _ := strconv.Atoi(r.URL.Query().Get("from"))
	es := f.Log(from)
	reply(w, LogPage{Entries: es, Next: from + len(es)})
}

// record logs a delivered push (the caller holds mu).
func (f *Fake) record(r *http.Request, api, to string, body map[string]any) {
	typ, _ := body["msgtype"].(string)
	text := ""
	switch part := body[typ].(type) {
	case map[string]any:
		if c, ok := part["content"].(string); ok {
			text = c
		} else {
			b, _ := json.Marshal(part)
			text = string(b)
		}
	}
	if api == "update_template_card" {
		b, _ := json.Marshal(body)
		text = string(b)
	}
	at, ok := r.Context().Value(arrivalKey{}).(time.Time)
	if !ok {
		at = time.Now()
	}
	f.log = append(f.log, Entry{Seq: len(f.log), At: at, API: api, To: to, MsgType: typ, Text: text})
}

type arrivalKey struct{}

// delayed notes when a request arrived and holds its answer back until the
// latency has passed since then.
func (f *Fake) delayed(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		f.mu.Lock()
		d := f.latency
		f.mu.Unlock()
		r = r.WithContext(context.WithValue(r.Context(), arrivalKey{}, at))
		if d <= 0 {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		time.Sleep(time.Until(at.Add(d)))
		maps.Copy(w.Header(), rec.Header())
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
}

// Start serves the fake on a free port of 127.0.0.1; Close stops it.
func Start() *Fake { return StartOn(nil) }

// StartOn serves the fake on l (a free port of 127.0.0.1 when nil).
func StartOn(l net.Listener) *Fake {
	f := &Fake{Names: map[string]string{}}
	api := http.NewServeMux()
	api.HandleFunc("/cgi-bin/gettoken", f.gettoken)
	api.HandleFunc("/cgi-bin/message/send", f.send)
	api.HandleFunc("/cgi-bin/message/update_template_card", f.update)
	api.HandleFunc("/cgi-bin/user/get", f.userGet)
	api.HandleFunc("/cgi-bin/webhook/send", f.webhook)
	mux := http.NewServeMux()
	mux.Handle("/cgi-bin/", f.delayed(api))
	mux.HandleFunc("GET /fake/log", f.serveLog)
	f.srv = fakecli.Serve(mux, l)
	f.URL = f.srv.URL
	return f
}

// Close stops the server.
func (f *Fake) Close() { f.srv.Close() }

// FailNext makes the next message/send or webhook/send calls answer these errcodes.
func (f *Fake) FailNext(codes ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = append(f.fail, codes...)
}

// Tokens is how many times baobei asked for an access token.
func (f *Fake) Tokens() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.issued
}

// Messages returns a copy of the message/send bodies so far.
func (f *Fake) Messages() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.Sent...)
}

// Posts returns a copy of the webhook/send bodies so far.
func (f *Fake) Posts() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.Robot...)
}

// Texts lists the text messages sent to a user, in order.
func (f *Fake) Texts(user string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, m := range f.Sent {
		if m["touser"] == user && m["msgtype"] == "text" {
			out = append(out, m["text"].(map[string]any)["content"].(string))
		}
	}
	return out
}

// Cards lists the template cards sent to a user.
func (f *Fake) Cards(user string) []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []map[string]any
	for _, m := range f.Sent {
		if m["touser"] == user && m["msgtype"] == "template_card" {
			out = append(out, m["template_card"].(map[string]any))
		}
	}
	return out
}

func (f *Fake) gettoken(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.issued++
	n := f.gen
	f.mu.Unlock()
	reply(w, map[string]any{"errcode": 0, "errmsg": "ok", "access_token": "token-" + strconv.Itoa(n), "expires_in": 7200})
}

// current reports whether the request carries the newest token.
func (f *Fake) current(r *http.Request) bool {
	return r.URL.Query().Get("access_token") == "token-"+strconv.Itoa(f.gen)
}

// failing answers the next scripted failure, if any (the caller holds mu).
func (f *Fake) failing(w http.ResponseWriter) bool {
	if len(f.fail) == 0 {
		return false
	}
	code := f.fail[0]
	f.fail = f.fail[1:]
	if code == 42001 {
		f.gen++ // the token expired: gettoken now hands out a new one
	}
	reply(w, map[string]any{"errcode": code, "errmsg": "fake failure"})
	return true
}

func (f *Fake) send(w http.ResponseWriter, r *http.Request) {
	body := decode(r)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failing(w) {
		return
	}
	if !f.current(r) {
		reply(w, map[string]any{"errcode": 42001, "errmsg": "access_token expired"})
		return
	}
	if tooLong(body, 2048) {
		reply(w, map[string]any{"errcode": 45002, "errmsg": "content size out of limit"})
		return
	}
	f.Sent = append(f.Sent, body)
	to, _ := body["touser"].(string)
	f.record(r, "message/send", to, body)
	reply(w, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": "m" + strconv.Itoa(len(f.Sent)), "response_code": "rc-sent"})
}

func (f *Fake) update(w http.ResponseWriter, r *http.Request) {
	body := decode(r)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Updates = append(f.Updates, body)
	f.record(r, "update_template_card", "", body)
	reply(w, map[string]any{"errcode": 0, "errmsg": "ok"})
}

func (f *Fake) userGet(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	name, ok := f.Names[r.URL.Query().Get("userid")]
	f.mu.Unlock()
	if !ok {
		reply(w, map[string]any{"errcode": 60111, "errmsg": "userid not found"})
		return
	}
	reply(w, map[string]any{"errcode": 0, "errmsg": "ok", "userid": r.URL.Query().Get("userid"), "name": name})
}

func (f *Fake) webhook(w http.ResponseWriter, r *http.Request) {
	body := decode(r)
	body["key"] = r.URL.Query().Get("key")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failing(w) {
		return
	}
	if tooLong(body, 4096) {
		reply(w, map[string]any{"errcode": 45002, "errmsg": "content size out of limit"})
		return
	}
	f.Robot = append(f.Robot, body)
	f.record(r, "webhook/send", body["key"].(string), body)
	reply(w, map[string]any{"errcode": 0, "errmsg": "ok"})
}

// tooLong reports a text content over 2048 bytes or a markdown content
// over markdownLimit bytes, which WeCom refuses with errcode 45002: 2048
// for app messages, 4096 for group robots.
func tooLong(body map[string]any, markdownLimit int) bool {
	content := func(field string) string {
		m, _ := body[field].(map[string]any)
		s, _ := m["content"].(string)
		return s
	}
	switch body["msgtype"] {
	case "text":
		return len(content("text")) > 2048
	case "markdown":
		return len(content("markdown")) > markdownLimit
	}
	return false
}

func decode(r *http.Request) map[string]any {
	m := map[string]any{}
	json.NewDecoder(r.Body).Decode(&m)
	return m
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// Seal encrypts and signs a callback as WeCom does: it returns the query
// (msg_signature, timestamp, nonce) and the XML body to POST.
func Seal(token, aesKey, corpID, plainXML string, timestamp int64) (url.Values, string) {
	random := make([]byte, 16)
	rand.Read(random)
	for i := range random {
		random[i] = 'a' + random[i]%26
	}
	enc, err := util.EncryptMsg(random, []byte(plainXML), corpID, aesKey)
	if err != nil {
		panic(err)
	}
	ts, nonce := strconv.FormatInt(timestamp, 10), strconv.Itoa(int(random[0])*1000+int(random[1]))
	q := url.Values{"msg_signature": {util.Signature(token, ts, nonce, string(enc))}, "timestamp": {ts}, "nonce": {nonce}}
	body := fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>", corpID, enc)
	return q, body
}

// Text is the plaintext XML of a user's text message.
func Text(corpID, from, content, msgID string, at int64) string {
	return fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName><CreateTime>%d</CreateTime>"+
		"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content><MsgId>%s</MsgId><AgentID>1000002</AgentID></xml>",
		corpID, from, at, content, msgID)
}

// CardEvent is the plaintext XML of a tap on a template card button.
func CardEvent(corpID, from, key, taskID, responseCode string, at int64) string {
	return fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName><CreateTime>%d</CreateTime>"+
		"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[%s]]></EventKey>"+
		"<TaskId><![CDATA[%s]]></TaskId><CardType><![CDATA[button_interaction]]></CardType><ResponseCode><![CDATA[%s]]></ResponseCode>"+
		"<AgentID>1000002</AgentID></xml>", corpID, from, at, key, taskID, responseCode)
}

// Location is the plaintext XML of a user's location message.
func Location(corpID, from string, lat, lng float64, label, msgID string, at int64) string {
	return fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName><CreateTime>%d</CreateTime>"+
		"<MsgType><![CDATA[location]]></MsgType><Location_X>%g</Location_X><Location_Y>%g</Location_Y><Scale>15</Scale>"+
		"<Label><![CDATA[%s]]></Label><MsgId>%s</MsgId><AgentID>1000002</AgentID></xml>", corpID, from, at, lat, lng, label, msgID)
}
