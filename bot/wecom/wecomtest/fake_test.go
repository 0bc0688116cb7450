package wecomtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func post(t *testing.T, url, body string) map[string]any {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	m := map[string]any{}
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestLatencyAndLog(t *testing.T) {
	f := Start()
	defer f.Close()
	f.SetLatency(50 * time.Millisecond)
	start := time.Now()
	resp, err := http.Get(f.URL + "/cgi-bin/gettoken?corpid=c&corpsecret=s")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("gettoken answered after %v, want ≥ 50ms", d)
	}
	before := time.Now()
	if m := post(t, f.URL+"/cgi-bin/message/send?access_token=token-0", `{"touser":"zhangsan","msgtype":"text","text":{"content":"报备成功 13800138000"}}`); m["errcode"] != 0.0 {
		t.Fatalf("send: %v", m)
	}
	after := time.Now()
	if after.Sub(before) < 50*time.Millisecond {
		t.Fatalf("message/send answered after %v", after.Sub(before))
	}
	post(t, f.URL+"/cgi-bin/webhook/send?key=k1", `{"msgtype":"markdown","markdown":{"content":"**周报**"}}`)
	post(t, f.URL+"/cgi-bin/message/send?access_token=stale", `{"touser":"lisi","msgtype":"text","text":{"content":"refused"}}`)

	log := f.Log(0)
	if len(log) != 2 {
		t.Fatalf("log = %+v, want the send and the robot post (not the refused send)", log)
	}
	e := log[0]
	if e.Seq != 0 || e.API != "message/send" || e.To != "zhangsan" || e.MsgType != "text" || e.Text != "报备成功 13800138000" {
		t.Fatalf("entry = %+v", e)
	}
	if e.At.Before(before) || !e.At.Before(before.Add(40*time.Millisecond)) {
		t.Fatalf("arrival %v is not the time the request arrived (sent at %v)", e.At, before)
	}
	if log[1].Seq != 1 || log[1].To != "k1" || log[1].Text != "**周报**" {
		t.Fatalf("robot entry = %+v", log[1])
	}

	resp, err = http.Get(f.URL + "/fake/log?from=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page LogPage
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	if page.Next != 2 || len(page.Entries) != 1 || page.Entries[0].API != "webhook/send" {
		t.Fatalf("page = %+v", page)
	}
}
