package main

import (
	"context"
	"database/sql/driver"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"baobei/bot/wecom"
	"baobei/bot/wecom/wecomtest"
	"baobei/store"
	"baobei/store/storetest"
)

// faultyWeCom is the service on a store whose database fails on demand.
func faultyWeCom(t *testing.T, fake *wecomtest.Fake, s *store.Store) *wecomEnv {
	cfg := defaultConfig()
	cfg.WeCom = wecom.Config{CorpID: testCorp, AgentID: 1000002, Secret: "appsecret", Token: testToken, AESKey: testAESKey, APIBase: fake.URL}
	cfg.secret = testSecret
	if err := cfg.finish(); err != nil {
		t.Fatal(err)
	}
	a, err := wire(context.Background(), cfg, s, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	a.worker.RetryBase, a.worker.Grace = 10*time.Millisecond, 200*time.Millisecond
	srv := httptest.NewServer(a.handler)
	t.Cleanup(srv.Close)
	return &wecomEnv{t: t, fake: fake, app: a, srv: srv, at: time.Now().Unix()}
}

// accept delivers a message the way WeCom does: again while it is not
// answered 200.
func (e *wecomEnv) accept(from, text, msgID string) {
	e.t.Helper()
	for i := 0; ; i++ {
		code := e.deliver(wecomtest.Text(testCorp, from, text, msgID, e.at))
		if code == http.StatusOK {
			return
		}
		if code != http.StatusServiceUnavailable || i > 100 {
			e.t.Fatalf("callback %q: %d", text, code)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// settle runs the worker and the pusher until every phone has its reply
// (or 20 s passed).
func (e *wecomEnv) settle(phones []string) {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		e.app.worker.Drain(context.Background())
		e.app.pusher.Flush(context.Background())
		if n, _ := e.app.store.Count(context.Background(), "SELECT COUNT(*) FROM inbound WHERE status = 'pending'"); n == 0 {
			if replied(e.fake, phones) == len(phones) {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func replied(fake *wecomtest.Fake, phones []string) int {
	n := 0
	for _, p := range phones {
		if countReplies(fake, p) > 0 {
			n++
		}
	}
	return n
}

// countReplies counts the 报备 replies for phone (texts due together are
// merged into one message, so a message may hold several).
func countReplies(fake *wecomtest.Fake, phone string) int {
	n := 0
	for _, text := range fake.Texts("zhangsan") {
		n += strings.Count(text, " "+phone+"，保护期至")
	}
	return n
}

// Whatever the database does — a failed outbox write, a failed commit, a
// lost connection, a stall, an outage — every accepted message ends with
// its effect and exactly one reply.
func TestFaultsEveryMessageOneReply(t *testing.T) {
	cases := []struct {
		name   string
		inject func(f *storetest.Faults)
	}{
		{"outbox write fails", func(f *storetest.Faults) { f.Fail("INSERT INTO outbox", 3, nil) }},
		{"commit fails", func(f *storetest.Faults) { f.Fail("COMMIT", 3, nil) }},
		{"connection lost", func(f *storetest.Faults) { f.Fail("INSERT INTO processed_messages", 3, driver.ErrBadConn) }},
		{"dedupe write fails", func(f *storetest.Faults) { f.Fail("INSERT INTO processed_messages", 4, nil) }},
		{"database down", func(f *storetest.Faults) { f.Down(1500 * time.Millisecond) }},
	}
	for _, kind := range backendKinds(t) {
		for _, tc := range cases {
			t.Run(kind+"/"+tc.name, func(t *testing.T) {
				fake := wecomtest.Start()
				t.Cleanup(fake.Close)
				faults := &storetest.Faults{}
				s, _ := storetest.OpenFaulty(t, kind, defaultConfig().Policy, faults)
				e := faultyWeCom(t, fake, s)
				if tc.name == "database down" {
					tc.inject(faults) // callbacks meet it too: 503, delivered again
				}
				var phones []string
				for i := 0; i < 10; i++ {
					phone := fmt.Sprintf("1390000%04d", i)
					phones = append(phones, phone)
					e.accept("zhangsan", "报备 "+phone+" 客户"+fmt.Sprint(i), fmt.Sprint(5000+i))
				}
				if tc.name != "database down" {
					tc.inject(faults)
				}
				e.settle(phones)
				checkOneReplyEach(t, e, phones, faults)
			})
		}
	}
}

// A worker stopped in the middle of a message (its context cancelled) and a
// new process on the same database: the message is done once.
func TestFaultsWorkerStoppedMidMessage(t *testing.T) {
	for _, kind := range backendKinds(t) {
		t.Run(kind, func(t *testing.T) {
			fake := wecomtest.Start()
			t.Cleanup(fake.Close)
			faults := &storetest.Faults{}
			s, dsn := storetest.OpenFaulty(t, kind, defaultConfig().Policy, faults)
			e := faultyWeCom(t, fake, s)
			phones := []string{"13900000001", "13900000002", "13900000003"}
			for i, p := range phones {
				e.accept("zhangsan", "报备 "+p+" 客户", fmt.Sprint(7000+i))
			}
			faults.Stall("INSERT INTO outbox", 1)
			ctx, cancel := context.WithCancel(context.Background())
			stopped := make(chan error, 1)
			go func() { stopped <- e.app.worker.Run(ctx) }()
			for faults.Hits.Load() == 0 {
				time.Sleep(5 * time.Millisecond)
			}
			cancel() // mid-message: the unit is rolled back
			if err := <-stopped; err != nil {
				t.Fatal(err)
			}
			// A new process on the same database takes over.
			s2, err := storetest.OpenDSN(dsn, defaultConfig().Policy)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s2.Close() })
			e2 := faultyWeCom(t, fake, s2)
			e2.settle(phones)
			checkOneReplyEach(t, e2, phones, faults)
		})
	}
}

func checkOneReplyEach(t *testing.T, e *wecomEnv, phones []string, faults *storetest.Faults) {
	t.Helper()
	if faults.Hits.Load() == 0 {
		t.Fatal("no fault was injected")
	}
	ctx := context.Background()
	if n, _ := e.app.store.Count(ctx, "SELECT COUNT(*) FROM customers"); n != len(phones) {
		t.Fatalf("customers = %d, want %d", n, len(phones))
	}
	if n, _ := e.app.store.Count(ctx, "SELECT COUNT(*) FROM audit_events"); n != len(phones) {
		t.Fatalf("audit rows = %d, want %d", n, len(phones))
	}
	for _, p := range phones {
		if n := countReplies(e.fake, p); n != 1 {
			t.Fatalf("%s: %d replies, want exactly 1 (all texts: %q)", p, n, e.fake.Texts("zhangsan"))
		}
	}
}

func backendKinds(t *testing.T) []string {
	var kinds []string
	for _, b := range storetest.Backends(t) {
		kinds = append(kinds, b.Name)
	}
	return kinds
}

// Recording a callback has a deadline: a stalled database is answered 503
// within about 2 s (WeCom gives up after 5 s and delivers again); ids too
// long for their columns are hashed to fit or refused with 400, never 500.
func TestCallbackAckBounded(t *testing.T) {
	for _, kind := range backendKinds(t) {
		t.Run(kind, func(t *testing.T) {
			fake := wecomtest.Start()
			t.Cleanup(fake.Close)
			faults := &storetest.Faults{}
			s, _ := storetest.OpenFaulty(t, kind, defaultConfig().Policy, faults)
			e := faultyWeCom(t, fake, s)
			faults.Stall("INSERT INTO inbound", 1)
			start := time.Now()
			if code := e.deliver(wecomtest.Text(testCorp, "zhangsan", "报备 13900000001 客户", "9001", e.at)); code != http.StatusServiceUnavailable {
				t.Fatalf("stalled database: %d, want 503", code)
			}
			if d := time.Since(start); d > 4*time.Second {
				t.Fatalf("stalled database answered after %v", d) // a bound, not a speed target: 2 s deadline
			}
			e.accept("zhangsan", "报备 13900000001 客户", "9001") // the redelivery goes through
			long := strings.Repeat("m", 300)
			e.accept("zhangsan", "报备 13900000002 客户", long)
			if code := e.deliver(wecomtest.Text(testCorp, strings.Repeat("u", 129), "帮助", "9003", e.at)); code != http.StatusBadRequest {
				t.Fatalf("a 129-byte userid: %d, want 400", code)
			}
			e.settle([]string{"13900000001", "13900000002"})
			checkOneReplyEach(t, e, []string{"13900000001", "13900000002"}, faults)
		})
	}
}

// Two replicas on one database, both running their worker and pusher:
// every message is handled once and every reply sent once.
func TestTwoReplicasOneReplyEach(t *testing.T) {
	for _, kind := range backendKinds(t) {
		t.Run(kind, func(t *testing.T) {
			fake := wecomtest.Start()
			t.Cleanup(fake.Close)
			s1, dsn := storetest.OpenFaulty(t, kind, defaultConfig().Policy, &storetest.Faults{})
			s2, err := storetest.OpenDSN(dsn, defaultConfig().Policy)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s2.Close() })
			e1, e2 := faultyWeCom(t, fake, s1), faultyWeCom(t, fake, s2)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{}, 4)
			for _, e := range []*wecomEnv{e1, e2} {
				go func() { e.app.worker.Run(ctx); done <- struct{}{} }()
				go func() { e.app.pusher.Run(ctx); done <- struct{}{} }()
			}
			var phones []string
			for i := 0; i < 40; i++ {
				phone := fmt.Sprintf("1391111%04d", i)
				phones = append(phones, phone)
				e := []*wecomEnv{e1, e2}[i%2] // the load balancer alternates
				e.accept("zhangsan", "报备 "+phone+" 客户", fmt.Sprint(8000+i))
			}
			deadline := time.Now().Add(30 * time.Second)
			for replied(fake, phones) < len(phones) && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			cancel()
			for range 4 {
				<-done
			}
			ctxb := context.Background()
			if n, _ := s1.Count(ctxb, "SELECT COUNT(*) FROM customers"); n != len(phones) {
				t.Fatalf("customers = %d", n)
			}
			for _, p := range phones {
				if n := countReplies(fake, p); n != 1 {
					t.Fatalf("%s: %d replies, want 1", p, n)
				}
			}
		})
	}
}

// A sender lookup that keeps failing ends like any failed message: on the
// last attempt the user is told, with an incident number, once.
func TestFaultsLookupFailsLastAttemptAnswers(t *testing.T) {
	for _, kind := range backendKinds(t) {
		t.Run(kind, func(t *testing.T) {
			fake := wecomtest.Start()
			t.Cleanup(fake.Close)
			faults := &storetest.Faults{}
			s, _ := storetest.OpenFaulty(t, kind, defaultConfig().Policy, faults)
			e := faultyWeCom(t, fake, s)
			faults.Fail("FROM users WHERE uid = ?", 1000, nil)
			e.accept("zhangsan", "报备 13900001111 王先生", "7001")
			deadline := time.Now().Add(20 * time.Second)
			for len(fake.Texts("zhangsan")) == 0 && time.Now().Before(deadline) {
				e.app.worker.Drain(context.Background())
				e.app.pusher.Flush(context.Background())
				time.Sleep(20 * time.Millisecond)
			}
			texts := fake.Texts("zhangsan")
			if len(texts) != 1 || !strings.Contains(texts[0], "系统繁忙") {
				t.Fatalf("replies = %q, want one 系统繁忙 reply with an incident number", texts)
			}
			if n, _ := s.Count(context.Background(), "SELECT COUNT(*) FROM inbound WHERE status = 'pending'"); n != 0 {
				t.Fatalf("%d messages still pending: a failed lookup is retried forever", n)
			}
		})
	}
}
