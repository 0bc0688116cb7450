// Package dingtalktest is a fake DingTalk on 127.0.0.1 that speaks the
// real wire formats, for tests and for pointing a running baobei at it
// (dingtalk.api_base): the stream gateway (connections/open and a
// websocket that pushes downstream frames and reads the ACKs), the
// OpenAPI (oauth2/accessToken, robot oToMessages/batchSend and
// groupMessages/send, card/instances/createAndDeliver and PUT
// card/instances), session webhooks and custom robots' signed webhooks.
// It records what baobei sends and can be told to fail.
//
// It does not use the SDK: its frames are written from DingTalk's
// protocol, so the adapter's use of the SDK is tested against them.
package dingtalktest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"time"

	"baobei/internal/fakecli"
)

// Fake is the fake DingTalk. Set the credentials before baobei connects.
type Fake struct {
	URL          string
	ClientID     string // the app's AppKey the gateway and accessToken accept
	ClientSecret string
	RobotSecret  string // a custom robot's signing secret; "" accepts unsigned posts

	mu      sync.Mutex
	srv     *httptest.Server
	gen     int              // the valid access token is "token-<gen>"
	issued  int              // accessToken calls that issued a token
	fail    map[string][]int // HTTP statuses for the next calls to a path ("" any)
	calls   []Call
	refused []Call // calls refused for their token or signature
	stream  streamState
}

// Call is one request baobei made.
type Call struct {
	Method string
	Path   string
	Query  url.Values
	Token  string // x-acs-dingtalk-access-token
	Body   map[string]any
}

// Start serves the fake on a free port of 127.0.0.1; Close stops it.
func Start() *Fake { return StartOn(nil) }

// StartOn serves the fake on l (a free port of 127.0.0.1 when nil).
func StartOn(l net.Listener) *Fake {
	f := &Fake{ClientID: "dingbaobeitest", ClientSecret: "fake-secret"}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1.0/gateway/connections/open", f.open)
	mux.HandleFunc("GET /gateway", f.connect)
	mux.HandleFunc("POST /v1.0/oauth2/accessToken", f.accessToken)
	mux.HandleFunc("POST /v1.0/robot/oToMessages/batchSend", f.api(map[string]any{"processQueryKey": "pqk", "invalidStaffIdList": []string{}, "flowControlledStaffIdList": []string{}}))
	mux.HandleFunc("POST /v1.0/robot/groupMessages/send", f.api(map[string]any{"processQueryKey": "pqk"}))
	mux.HandleFunc("POST /v1.0/card/instances/createAndDeliver", f.api(map[string]any{"success": true, "result": map[string]any{"deliverResults": []map[string]any{{"success": true}}}}))
	mux.HandleFunc("PUT /v1.0/card/instances", f.api(map[string]any{"success": true, "result": true}))
	mux.HandleFunc("POST /robot/sendBySession", f.sessionWebhook)
	mux.HandleFunc("POST /robot/send", f.customRobot)
	mux.HandleFunc("POST /_fake/push", f.pushText)
	f.srv = fakecli.Serve(mux, l)
	f.URL = f.srv.URL
	return f
}

// Close drops the stream connections and stops the server.
func (f *Fake) Close() {
	f.Drop()
	f.srv.Close()
}

// FailNext makes the next OpenAPI or webhook calls answer these HTTP statuses.
func (f *Fake) FailNext(statuses ...int) { f.FailNextOn("", statuses...) }

// FailNextOn makes the next calls to path answer these HTTP statuses.
func (f *Fake) FailNextOn(path string, statuses ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail == nil {
		f.fail = map[string][]int{}
	}
	f.fail[path] = append(f.fail[path], statuses...)
}

// ExpireToken invalidates the access token handed out so far.
func (f *Fake) ExpireToken() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gen++
}

// Tokens is how many access tokens were issued.
func (f *Fake) Tokens() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.issued
}

// Calls returns the accepted calls to a path ("" for all), oldest first.
func (f *Fake) Calls(path string) []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Call
	for _, c := range f.calls {
		if path == "" || c.Path == path {
			out = append(out, c)
		}
	}
	return out
}

// Rejected returns the calls refused for a bad token or signature.
func (f *Fake) Rejected() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Call(nil), f.refused...)
}

func (f *Fake) accessToken(w http.ResponseWriter, r *http.Request) {
	body := decode(r)
	f.mu.Lock()
	defer f.mu.Unlock()
	if body["appKey"] != f.ClientID || body["appSecret"] != f.ClientSecret {
		reply(w, http.StatusBadRequest, map[string]any{"code": "invalidClientIdOrSecret", "message": "无效的clientId或者clientSecret"})
		return
	}
	f.issued++
	reply(w, http.StatusOK, map[string]any{"accessToken": "token-" + strconv.Itoa(f.gen), "expireIn": 7200})
}

// api answers an OpenAPI call with ok after checking the access token.
func (f *Fake) api(ok map[string]any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := record(r)
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.failing(w, c.Path) {
			return
		}
		if c.Token != "token-"+strconv.Itoa(f.gen) {
			f.refused = append(f.refused, c)
			reply(w, http.StatusUnauthorized, map[string]any{"code": "InvalidAuthentication", "message": "不合法的access_token"})
			return
		}
		f.calls = append(f.calls, c)
		reply(w, http.StatusOK, ok)
	}
}

func (f *Fake) sessionWebhook(w http.ResponseWriter, r *http.Request) {
	c := record(r)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failing(w, c.Path) {
		return
	}
	f.calls = append(f.calls, c)
	reply(w, http.StatusOK, map[string]any{"errcode": 0, "errmsg": "ok"})
}

// customRobot checks the signature of a custom robot's webhook the way
// DingTalk documents it, computed here independently of the adapter.
func (f *Fake) customRobot(w http.ResponseWriter, r *http.Request) {
	c := record(r)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failing(w, c.Path) {
		return
	}
	if f.RobotSecret != "" && !signedNow(c.Query, f.RobotSecret) {
		f.refused = append(f.refused, c)
		reply(w, http.StatusOK, map[string]any{"errcode": 310000, "errmsg": "sign not match"})
		return
	}
	f.calls = append(f.calls, c)
	reply(w, http.StatusOK, map[string]any{"errcode": 0, "errmsg": "ok"})
}

func signedNow(q url.Values, secret string) bool {
	ts, err := strconv.ParseInt(q.Get("timestamp"), 10, 64)
	if err != nil || time.Since(time.UnixMilli(ts)).Abs() > time.Hour {
		return false
	}
	return q.Get("sign") == Signature(secret, q.Get("timestamp"))
}

// Signature is DingTalk's documented signature of a timestamp (in
// milliseconds): base64(HMAC-SHA256(key secret, "timestamp\nsecret")). The
// outgoing robot puts it in the sign header; custom robots' webhooks
// expect it in the sign parameter.
func Signature(secret, timestamp string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// failing answers the next scripted failure for path, if any (the caller holds mu).
func (f *Fake) failing(w http.ResponseWriter, path string) bool {
	for _, p := range []string{path, ""} {
		if len(f.fail[p]) > 0 {
			status := f.fail[p][0]
			f.fail[p] = f.fail[p][1:]
			reply(w, status, map[string]any{"code": "Throttling", "message": "fake failure"})
			return true
		}
	}
	return false
}

func record(r *http.Request) Call {
	return Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Token: r.Header.Get("x-acs-dingtalk-access-token"), Body: decode(r)}
}

func decode(r *http.Request) map[string]any {
	m := map[string]any{}
	json.NewDecoder(r.Body).Decode(&m)
	return m
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
