package main

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"baobei/bot/wecom/wecomtest"
	"baobei/store/storetest"
)

// syncBuffer collects log lines from the pusher's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// wecomAt serves the fake WeCom on addr, the address baobei calls.
func wecomAt(t *testing.T, addr string) *wecomtest.Fake {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return wecomtest.StartOn(l)
}

// A push fails twice: while WeCom is down before a token was fetched (the
// gettoken URL carries corpsecret) and after (the message/send URL carries
// access_token). Neither the secret nor the token appears in the log, in
// outbox.last_error or in the 系统状态 reply that lists the dead pushes.
func TestWeComFailedPushLeaksNoSecret(t *testing.T) {
	const secret = "corp-secret-7f3a9c"
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			reserve, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := reserve.Addr().String()
			reserve.Close() // WeCom is down
			logs := &syncBuffer{}
			e := wireWeCom(t, b, nil, "http://"+addr, secret, slog.New(slog.NewTextHandler(logs, nil)))
			e.app.pusher.MaxAttempts = 1 // the first failure is final, and shows in 系统状态
			say := func(from, text, id string) {
				t.Helper()
				if code := e.deliver(wecomtest.Text(testCorp, from, text, id, e.at)); code != http.StatusOK {
					t.Fatalf("callback %q: %d", text, code)
				}
				if err := e.app.worker.Drain(context.Background()); err != nil {
					t.Fatal(err)
				}
				e.app.pusher.Flush(context.Background()) // fails while WeCom is down
			}
			say("zhangsan", "帮助", "s1") // gettoken?corpid=…&corpsecret=… fails
			fake := wecomAt(t, addr)
			say("zhangsan", "帮助", "s2") // a token is fetched, the reply sent
			fake.Close()
			say("zhangsan", "帮助", "s3") // message/send?access_token=token-0 fails
			fake = wecomAt(t, addr)
			defer fake.Close()
			say("admin", "系统状态", "s4")

			status := lastText(fake.Texts("admin"))
			wantHas(t, status, "发送失败(已放弃) 2", "/cgi-bin/gettoken", "/cgi-bin/message/send")
			var stored []string
			if err := e.app.store.DB().Select(&stored, "SELECT last_error FROM outbox WHERE status = 'dead'"); err != nil || len(stored) != 2 {
				t.Fatalf("dead pushes %q: %v", stored, err)
			}
			for where, text := range map[string]string{"log": logs.String(), "outbox.last_error": strings.Join(stored, "\n"), "系统状态": status} {
				for _, leak := range []string{secret, "token-0", "corpsecret", "access_token="} {
					if strings.Contains(text, leak) {
						t.Errorf("%s contains %q:\n%s", where, leak, text)
					}
				}
			}
			if !strings.Contains(logs.String(), "push failed") {
				t.Fatalf("the failures were not logged:\n%s", logs.String())
			}
		})
	}
}

// A validly signed callback sealed 10 minutes ago, or carrying a message
// created 10 minutes ago, is refused with 403 and recorded nowhere, so a
// captured callback cannot be replayed once its dedupe record is gone.
func TestWeComCallbackTenMinutesOldRefused(t *testing.T) {
	wecomBackends(t, nil, func(t *testing.T, e *wecomEnv) {
		old := time.Now().Add(-10 * time.Minute).Unix()
		post := func(sealedAt, createdAt int64, id string) int {
			q, body := wecomtest.Seal(testToken, testAESKey, testCorp, wecomtest.Text(testCorp, "zhangsan", "报备 13800138000 张先生", id, createdAt), sealedAt)
			resp, err := http.Post(e.srv.URL+"/wecom/callback?"+q.Encode(), "text/xml", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if code := post(old, old, "7001"); code != http.StatusForbidden {
			t.Errorf("callback sealed 10 minutes ago: %d, want 403", code)
		}
		if code := post(time.Now().Unix(), old, "7002"); code != http.StatusForbidden {
			t.Errorf("fresh callback of a message created 10 minutes ago: %d, want 403", code)
		}
		if n := e.app.countOf(t, "SELECT COUNT(*) FROM inbound"); n != 0 {
			t.Fatalf("stale callbacks recorded: %d", n)
		}
		if code := post(time.Now().Unix(), time.Now().Unix(), "7003"); code != http.StatusOK {
			t.Fatalf("fresh callback: %d", code)
		}
	})
}

// With a platform configured, start-up fails without BAOBEI_SECRET, before
// the database is created, and says how to make one.
func TestPlatformWithoutBAOBEISecretDoesNotStart(t *testing.T) {
	dir := t.TempDir()
	wecomFile := filepath.Join(dir, "wecom.yaml")
	if err := os.WriteFile(wecomFile, []byte("wecom:\n  corp_id: "+testCorp+"\n  agent_id: 1000002\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "baobei.db")
	for name, env := range map[string]map[string]string{
		"wecom": {"BAOBEI_CONFIG": wecomFile, "BAOBEI_WECOM_SECRET": "s", "BAOBEI_WECOM_TOKEN": testToken, "BAOBEI_WECOM_AES_KEY": testAESKey},
		"dingtalk": {"BAOBEI_CONFIG": filepath.Join(dir, "none.yaml"), "BAOBEI_DINGTALK_CLIENT_ID": "dingbaobeitest",
			"BAOBEI_DINGTALK_CLIENT_SECRET": "fake-secret"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv("BAOBEI_SECRET", "")
			t.Setenv("BAOBEI_DB", "sqlite://"+db)
			t.Setenv("BAOBEI_ADDR", "127.0.0.1:0")
			for k, v := range env {
				t.Setenv(k, v)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := run(ctx, []string{"serve"})
			if err == nil || !strings.Contains(err.Error(), "BAOBEI_SECRET") || !strings.Contains(err.Error(), "openssl rand -hex 32") {
				t.Fatalf("serve without BAOBEI_SECRET = %v", err)
			}
			if _, err := os.Stat(db); !os.IsNotExist(err) {
				t.Fatalf("the database was created before the refusal: %v", err)
			}
		})
	}
}
