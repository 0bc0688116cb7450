package bot_test

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"baobei"
	"baobei/bot"
	"baobei/store"
	"baobei/store/storetest"
)

// The vector was computed with
// printf '1700000000.{"id":"evt_1"}' | openssl dgst -sha256 -hmac secret
func TestSignWebhook(t *testing.T) {
	got := baobei.SignWebhook("secret", "1700000000", []byte(`{"id":"evt_1"}`))
	if want := "sha256=af784f27423c462e20039559cd4264140f7b7ed4c9090e26fd663faa5eeb8dda"; got != want {
		t.Fatalf("signature = %s, want %s", got, want)
	}
}

// receiver is a webhook endpoint on 127.0.0.1 that answers 500 to its
// first fail requests and checks every signature.
type receiver struct {
	mu     sync.Mutex
	fail   int
	secret string
	bodies []string
	bad    []string
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	stamp, sig := req.Header.Get("X-Baobei-Timestamp"), req.Header.Get("X-Baobei-Signature")
	if !hmac.Equal([]byte(sig), []byte(baobei.SignWebhook(r.secret, stamp, body))) || stamp == "" {
		r.bad = append(r.bad, sig)
	}
	r.bodies = append(r.bodies, string(body))
	if r.fail > 0 {
		r.fail--
		http.Error(w, "not ready", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func hookFixture(t *testing.T, r *receiver) (*store.Store, *baobei.Webhook, *baobei.User) {
	t.Helper()
	ctx := context.Background()
	s := storetest.OpenSQLite(t, baobei.DefaultPolicy())
	if err := s.SyncOrg(ctx, baobei.DemoOrg(), storetest.T0); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	w, err := s.AddWebhook(ctx, storetest.T0, srv.URL+"/hooks", []string{baobei.EventCustomerReported})
	if err != nil {
		t.Fatal(err)
	}
	r.secret = w.Secret
	u, err := s.UserByUID(ctx, "zhangsan")
	if err != nil {
		t.Fatal(err)
	}
	return s, w, u
}

// A receiver that fails first gets the same signed body again after the
// backoff, however many attempts it takes (never dead), until it answers 2xx.
func TestWebhookRetriedUntilDelivered(t *testing.T) {
	ctx := context.Background()
	r := &receiver{fail: 3}
	s, w, zs := hookFixture(t, r)
	clock := &fixedClock{t: storetest.T0}
	p := bot.NewPusher(s, &flaky{}, clock, slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
	p.Hooks = &bot.Webhooks{Store: s}
	p.MaxAttempts = 2 // chat pushes die after 2 attempts; deliveries do not
	if _, err := s.Report(ctx, clock.t, zs, baobei.CustomerDraft{Phone: "13800138000", Name: "张先生"}); err != nil {
		t.Fatal(err)
	}
	steps := []time.Duration{0, bot.Backoff(0) - time.Second, time.Second, bot.Backoff(1), bot.Backoff(2), time.Hour}
	want := []int{1, 1, 2, 3, 4, 4} // requests seen after each step
	for i, step := range steps {
		clock.t = clock.t.Add(step)
		if err := p.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		r.mu.Lock()
		n := len(r.bodies)
		r.mu.Unlock()
		if n != want[i] {
			t.Fatalf("after step %d: %d requests, want %d", i, n, want[i])
		}
	}
	if len(r.bad) != 0 {
		t.Fatalf("bad signatures: %v", r.bad)
	}
	var ev baobei.WebhookEvent
	if err := json.Unmarshal([]byte(r.bodies[0]), &ev); err != nil || ev.Type != baobei.EventCustomerReported || ev.Customer.Phone != "13800138000" {
		t.Fatalf("body %s: %v", r.bodies[0], err)
	}
	for _, b := range r.bodies[1:] {
		if b != r.bodies[0] {
			t.Fatalf("retry posted another body: %s", b)
		}
	}
	if n, _ := s.Count(ctx, "SELECT COUNT(*) FROM outbox WHERE webhook_id = ? AND status = ? AND attempts = 4", w.ID, store.OutboxSent); n != 1 {
		t.Fatalf("delivery not marked sent after 4 attempts")
	}
}

// While a receiver fails, its later deliveries wait behind the failed one
// (in order, one request per backoff); a removed webhook's are kept as dead.
func TestWebhookOrderAndRemoved(t *testing.T) {
	ctx := context.Background()
	r := &receiver{fail: 1}
	s, w, zs := hookFixture(t, r)
	clock := &fixedClock{t: storetest.T0}
	p := bot.NewPusher(s, &flaky{}, clock, slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
	p.Hooks = &bot.Webhooks{Store: s}
	for _, phone := range []string{"13800138000", "13900139000"} {
		if _, err := s.Report(ctx, clock.t, zs, baobei.CustomerDraft{Phone: phone, Name: "客户"}); err != nil {
			t.Fatal(err)
		}
	}
	p.Flush(ctx)
	if len(r.bodies) != 1 {
		t.Fatalf("requests = %d, want 1: the second waits behind the failed first", len(r.bodies))
	}
	clock.t = clock.t.Add(bot.Backoff(0))
	p.Flush(ctx)
	var phones []string
	for _, b := range r.bodies {
		var ev baobei.WebhookEvent
		json.Unmarshal([]byte(b), &ev)
		phones = append(phones, ev.Customer.Phone)
	}
	if len(phones) != 3 || phones[0] != "13800138000" || phones[1] != "13800138000" || phones[2] != "13900139000" {
		t.Fatalf("delivered in order %v", phones)
	}

	r.fail = 100
	if _, err := s.Report(ctx, clock.t, zs, baobei.CustomerDraft{Phone: "13700137000", Name: "客户"}); err != nil {
		t.Fatal(err)
	}
	p.Flush(ctx)
	if err := s.RemoveWebhook(ctx, clock.t, w.ID); err != nil {
		t.Fatal(err)
	}
	clock.t = clock.t.Add(time.Hour)
	p.Flush(ctx)
	if len(r.bodies) != 4 {
		t.Fatalf("requests = %d: a removed webhook was posted to", len(r.bodies))
	}
	if n, _ := s.Count(ctx, "SELECT COUNT(*) FROM outbox WHERE webhook_id = ? AND status = ?", w.ID, store.OutboxDead); n != 1 {
		t.Fatalf("removed webhook's delivery not kept as dead")
	}
}
