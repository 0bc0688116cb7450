package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"baobei"
	"baobei/store"
	"baobei/store/storetest"
)

// hookReceiver is a webhook endpoint on 127.0.0.1; it answers status and
// keeps what it got.
type hookReceiver struct {
	mu     sync.Mutex
	status int
	got    []hookRequest
}

type hookRequest struct {
	stamp, sig string
	body       []byte
}

func (r *hookReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, hookRequest{req.Header.Get("X-Baobei-Timestamp"), req.Header.Get("X-Baobei-Signature"), body})
	w.WriteHeader(r.status)
}

func (r *hookReceiver) requests() []hookRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hookRequest(nil), r.got...)
}

// testDSN is a fresh database of backend b that the CLI and the service share.
func testDSN(t *testing.T, b storetest.Backend) string {
	if b.Name == store.SQLite {
		return "sqlite://" + t.TempDir() + "/baobei.db"
	}
	dsn, drop, err := storetest.CreateMySQL()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	return dsn
}

func hookCLI(t *testing.T, dsn string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := webhookCmd(context.Background(), append(append(args[:1:1], "--db", dsn), args[1:]...), &out)
	return out.String(), err
}

// The CLI adds a webhook and prints its secret once; a 报备 in the console
// is posted signed with it; a failing receiver shows in 系统状态 and the
// metrics and gets the same event after the backoff; test, list and remove
// work on the same database.
func TestWebhookEndToEnd(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dsn := testDSN(t, b)
			recv := &hookReceiver{status: http.StatusInternalServerError}
			srv := httptest.NewServer(recv)
			defer srv.Close()

			if _, err := hookCLI(t, dsn, "add", "--url", srv.URL+"/h?token=t0k", "--events", "customer.reported,customer.signed"); err == nil ||
				!strings.Contains(err.Error(), "未知事件") {
				t.Fatalf("unknown event: %v", err)
			}
			out, err := hookCLI(t, dsn, "add", "--url", srv.URL+"/h?token=t0k", "--events", "customer.reported,customer.won")
			if err != nil {
				t.Fatal(err)
			}
			m := regexp.MustCompile(`签名密钥.*：([0-9a-f]{64})`).FindStringSubmatch(out)
			if m == nil || !strings.Contains(out, "W1") {
				t.Fatalf("add printed %q", out)
			}
			secret := m[1]

			cfg := defaultConfig()
			if err := cfg.finish(); err != nil {
				t.Fatal(err)
			}
			s, err := store.Open(context.Background(), dsn, cfg.Policy)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			a, err := wire(context.Background(), cfg, s, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			web := httptest.NewServer(a.handler)
			defer web.Close()
			c := &consoleClient{t: t, srv: web, app: a}

			wantHas(t, c.say("zhangsan", "报备 13800138000 张先生"), "报备成功")
			status := c.say("admin", "系统状态")
			wantHas(t, status, "✗ Webhook W1 "+srv.URL+"/h：1 条待投递，已尝试 1 次", "HTTP 500", "baobei webhook test")
			if strings.Contains(status, "t0k") {
				t.Fatalf("系统状态 shows the URL's token: %s", status)
			}
			wantHas(t, scrape(t, web.URL), "baobei_webhooks_failing 1", `baobei_webhook_deliveries_total{result="retry"}`)

			recv.mu.Lock()
			recv.status = http.StatusOK
			recv.mu.Unlock()
			c.advance("1h")
			c.say("zhangsan", "帮助") // the console sends what is due after each message
			if got := c.say("admin", "系统状态"); strings.Contains(got, "Webhook W1") {
				t.Fatalf("delivered webhook still failing: %s", got)
			}
			reqs := recv.requests()
			if len(reqs) != 2 || !bytes.Equal(reqs[0].body, reqs[1].body) {
				t.Fatalf("requests = %d, want the same event twice", len(reqs))
			}
			for _, r := range reqs {
				if !hmac.Equal([]byte(r.sig), []byte(baobei.SignWebhook(secret, r.stamp, r.body))) {
					t.Fatalf("signature %q does not verify with the printed secret", r.sig)
				}
			}
			var ev baobei.WebhookEvent
			if err := json.Unmarshal(reqs[0].body, &ev); err != nil || ev.Type != baobei.EventCustomerReported || ev.Actor.UID != "zhangsan" {
				t.Fatalf("event %s: %v", reqs[0].body, err)
			}

			out, err = hookCLI(t, dsn, "test", "W1")
			if err != nil || !strings.Contains(out, "W1 测试成功：HTTP 200") {
				t.Fatalf("test: %q %v", out, err)
			}
			if last := recv.requests()[2]; !strings.Contains(string(last.body), `"type":"webhook.test"`) ||
				last.sig != baobei.SignWebhook(secret, last.stamp, last.body) {
				t.Fatalf("test event %s", last.body)
			}
			out, err = hookCLI(t, dsn, "list")
			if err != nil || !strings.Contains(out, "W1 "+srv.URL+"/h 事件 customer.reported,customer.won") || strings.Contains(out, "t0k") {
				t.Fatalf("list: %q %v", out, err)
			}
			if out, err = hookCLI(t, dsn, "remove", "1"); err != nil || !strings.Contains(out, "已删除 webhook W1") {
				t.Fatalf("remove: %q %v", out, err)
			}
			if _, err = hookCLI(t, dsn, "remove", "1"); baobei.ErrorCode(err) != baobei.ENOTFOUND {
				t.Fatalf("remove again: %v", err)
			}
			wantHas(t, c.say("zhangsan", "报备 13900139000 李女士"), "报备成功")
			if n := len(recv.requests()); n != 3 {
				t.Fatalf("a removed webhook got %d requests", n)
			}
		})
	}
}

func scrape(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
