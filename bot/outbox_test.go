package bot_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"baobei"
	"baobei/bot"
	"baobei/store/storetest"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// flaky fails its first n sends.
type flaky struct {
	n    int
	sent []bot.Out
}

func (f *flaky) Name() string                      { return "flaky" }
func (f *flaky) Mount(gin.IRouter, bot.Dispatcher) {}
func (f *flaky) Send(_ context.Context, o bot.Out) error {
	if f.n > 0 {
		f.n--
		return errors.New("503 from platform")
	}
	f.sent = append(f.sent, o)
	return nil
}

type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time { return c.t }

func TestPusherRetriesWithBackoffAndKeepsDead(t *testing.T) {
	ctx := context.Background()
	s := storetest.OpenSQLite(t, baobei.DefaultPolicy())
	clock := &fixedClock{t: storetest.T0}
	a := &flaky{n: 2}
	p := bot.NewPusher(s, a, clock, slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
	if err := s.Notify(ctx, clock.t, baobei.Notice{ToUser: "zhangsan", Text: "提醒"}); err != nil {
		t.Fatal(err)
	}
	for _, step := range []time.Duration{0, bot.Backoff(0) - time.Second, time.Second, bot.Backoff(1)} {
		clock.t = clock.t.Add(step)
		if err := p.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if len(a.sent) != 1 || a.sent[0].Text != "提醒" {
		t.Fatalf("sent = %+v, want the push once after two failures", a.sent)
	}

	p.MaxAttempts = 2
	a.n = 10
	s.Notify(ctx, clock.t, baobei.Notice{ToChat: "sales1", Text: "群消息"})
	for i := 0; i < 5; i++ {
		clock.t = clock.t.Add(time.Hour)
		p.Flush(ctx)
	}
	if n, _ := s.Count(ctx, "SELECT COUNT(*) FROM outbox WHERE status = 'dead' AND attempts = 2"); n != 1 {
		t.Fatalf("dead pushes = %d, want 1 kept after 2 attempts", n)
	}
}

func TestBackoff(t *testing.T) {
	if bot.Backoff(0) != 10*time.Second || bot.Backoff(1) != 20*time.Second || bot.Backoff(30) != time.Hour {
		t.Fatal(bot.Backoff(0), bot.Backoff(1), bot.Backoff(30))
	}
}

// Two replicas flushing one outbox at once send every push exactly once.
func TestTwoPushersSendOnce(t *testing.T) {
	ctx := context.Background()
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			s := b.Open(t, baobei.DefaultPolicy())
			clock := &fixedClock{t: storetest.T0}
			for i := 0; i < 50; i++ {
				if err := s.Notify(ctx, clock.t, baobei.Notice{ToUser: "zhangsan", Text: "提醒"}); err != nil {
					t.Fatal(err)
				}
			}
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			a1, a2 := &countingAdapter{}, &countingAdapter{}
			done := make(chan error, 2)
			for _, a := range []*countingAdapter{a1, a2} {
				go func(a *countingAdapter) { done <- bot.NewPusher(s, a, clock, log, 0).Flush(ctx) }(a)
			}
			if err := errors.Join(<-done, <-done); err != nil {
				t.Fatal(err)
			}
			if a1.n.Load()+a2.n.Load() != 50 {
				t.Fatalf("sent %d + %d, want 50 in all", a1.n.Load(), a2.n.Load())
			}
		})
	}
}

type countingAdapter struct{ n atomic.Int64 }

func (c *countingAdapter) Name() string                      { return "counting" }
func (c *countingAdapter) Mount(gin.IRouter, bot.Dispatcher) {}
func (c *countingAdapter) Send(context.Context, bot.Out) error {
	c.n.Add(1)
	return nil
}

// slowAdapter answers after a delay, like a platform far away, and records
// the order of what it was sent.
type slowAdapter struct {
	delay  time.Duration
	limits bot.Limits
	mu     sync.Mutex
	sent   []bot.Out
	fail   func(o bot.Out) error
}

func (a *slowAdapter) Name() string                      { return "slow" }
func (a *slowAdapter) Mount(gin.IRouter, bot.Dispatcher) {}
func (a *slowAdapter) Limits() bot.Limits                { return a.limits }
func (a *slowAdapter) Send(_ context.Context, o bot.Out) error {
	time.Sleep(a.delay)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fail != nil {
		if err := a.fail(o); err != nil {
			return err
		}
	}
	a.sent = append(a.sent, o)
	return nil
}

func (a *slowAdapter) texts() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, o := range a.sent {
		out = append(out, o.Text)
	}
	return out
}

// A reply queued behind thousands of bulk pushes goes out next, not last.
func TestReplyOvertakesBulk(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := storetest.OpenSQLite(t, baobei.DefaultPolicy())
	clock := &fixedClock{t: storetest.T0}
	var bulk []baobei.Notice
	for i := 0; i < 2000; i++ {
		bulk = append(bulk, baobei.Notice{ToUser: fmt.Sprintf("rep%d", i), Text: "日报", Priority: baobei.PriorityBulk})
	}
	if err := s.Notify(ctx, clock.t, bulk...); err != nil {
		t.Fatal(err)
	}
	a := &slowAdapter{delay: 5 * time.Millisecond, limits: bot.Limits{Rate: rate.Inf}}
	p := bot.NewPusher(s, a, clock, slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
	s.OnQueued(p.Wake)
	go p.Run(ctx)
	for len(a.texts()) < 100 { // the digest is going out
		time.Sleep(time.Millisecond)
	}
	if err := s.Notify(ctx, clock.t, baobei.Notice{ToUser: "zhangsan", Text: "报备成功", Priority: baobei.PriorityReply}); err != nil {
		t.Fatal(err)
	}
	for {
		texts := a.texts()
		for i, text := range texts {
			if text == "报备成功" {
				// Ahead of it may go what the senders had started and what the
				// lease running when it came took (8 × 16 rows), not the backlog.
				if behind := i - 100; behind > 200 {
					t.Fatalf("the reply went out after %d bulk pushes queued before it", behind)
				}
				return
			}
		}
		if len(texts) == 2000 {
			t.Fatal("the reply was not sent before the bulk")
		}
		time.Sleep(time.Millisecond)
	}
}

// rateLimited is WeCom's 45009.
type rateLimited struct{}

func (rateLimited) Error() string     { return "errcode=45009 api freq out of limit" }
func (rateLimited) ErrorCode() string { return "45009" }
func (rateLimited) RateLimited() bool { return true }

// A rate-limit answer halves the pusher's rate; the push is sent on a
// later attempt.
func TestPusherSlowsDownOnRateLimit(t *testing.T) {
	ctx := context.Background()
	s := storetest.OpenSQLite(t, baobei.DefaultPolicy())
	clock := &fixedClock{t: storetest.T0}
	fails := 2
	a := &slowAdapter{limits: bot.Limits{Rate: 100, Burst: 10}, fail: func(bot.Out) error {
		if fails > 0 {
			fails--
			return rateLimited{}
		}
		return nil
	}}
	p := bot.NewPusher(s, a, clock, slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
	if err := s.Notify(ctx, clock.t, baobei.Notice{ToUser: "zhangsan", Text: "提醒"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := p.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		clock.t = clock.t.Add(time.Hour)
	}
	if got := p.Rate(); got < 25 || got > 26 {
		t.Fatalf("rate after two 45009s and a success = %v, want 25 (100 halved twice) and a little back", got)
	}
	if texts := a.texts(); len(texts) != 1 {
		t.Fatalf("sent %q, want the push once", texts)
	}
}

// Texts due together for one recipient go out as one message, in order;
// past the recipient's window the rest wait, merged, for later.
func TestPusherMergesAndKeepsRecipientWindows(t *testing.T) {
	ctx := context.Background()
	s := storetest.OpenSQLite(t, baobei.DefaultPolicy())
	clock := &fixedClock{t: storetest.T0}
	a := &slowAdapter{limits: bot.Limits{Rate: rate.Inf, TextBytes: 40, PerUser: []bot.Window{{N: 3, Per: time.Hour}}}}
	p := bot.NewPusher(s, a, clock, slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
	var ns []baobei.Notice
	for i := 0; i < 12; i++ {
		ns = append(ns, baobei.Notice{ToUser: "zhangsan", Text: fmt.Sprintf("第%d条", i)}) // 8 bytes each
	}
	if err := s.Notify(ctx, clock.t, ns...); err != nil {
		t.Fatal(err)
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	texts := a.texts()
	// Window of 3 an hour, of which notices may use 1; 4 texts of 8 bytes + separators fit 40 bytes.
	if len(texts) != 1 || texts[0] != "第0条\n\n第1条\n\n第2条\n\n第3条" {
		t.Fatalf("sent %q", texts)
	}
	if n, _ := s.Count(ctx, "SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND attempts = 0"); n != 8 {
		t.Fatalf("deferred = %d, want 8 waiting for the window", n)
	}
}

// Bulk leaves half of a recipient's window to replies: after a digest that
// would have used it up, the rep's reply still goes out at once.
func TestBulkLeavesWindowForReplies(t *testing.T) {
	ctx := context.Background()
	s := storetest.OpenSQLite(t, baobei.DefaultPolicy())
	clock := &fixedClock{t: storetest.T0}
	a := &slowAdapter{limits: bot.Limits{Rate: rate.Inf, PerUser: []bot.Window{{N: 30, Per: time.Minute}}}} // no merging
	p := bot.NewPusher(s, a, clock, slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
	var bulk []baobei.Notice
	for i := 0; i < 20; i++ {
		bulk = append(bulk, baobei.Notice{ToUser: "zhangsan", Text: fmt.Sprint("日报", i), Priority: baobei.PriorityBulk})
	}
	if err := s.Notify(ctx, clock.t, bulk...); err != nil {
		t.Fatal(err)
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(a.texts()); n != 15 {
		t.Fatalf("bulk sent %d of a window of 30, want half", n)
	}
	if err := s.Notify(ctx, clock.t, baobei.Notice{ToUser: "zhangsan", Text: "报备成功", Priority: baobei.PriorityReply}); err != nil {
		t.Fatal(err)
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if texts := a.texts(); texts[len(texts)-1] != "报备成功" {
		t.Fatalf("the reply waited: %q", texts)
	}
}

// gated records what it sends; a text with a gate waits for it (or for the
// context), then sends, or fails with the gate's error.
type gated struct {
	mu      sync.Mutex
	sent    []string
	entered chan string
	gates   map[string]chan error
}

func newGated(gates ...string) *gated {
	g := &gated{entered: make(chan string, 100), gates: map[string]chan error{}}
	for _, text := range gates {
		g.gates[text] = make(chan error, 1)
	}
	return g
}

func (g *gated) Name() string                      { return "gated" }
func (g *gated) Mount(gin.IRouter, bot.Dispatcher) {}
func (g *gated) Send(ctx context.Context, o bot.Out) error {
	g.entered <- o.Text
	if gate := g.gates[o.Text]; gate != nil {
		select {
		case err := <-gate:
			if err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sent = append(g.sent, o.Text)
	return nil
}

func (g *gated) texts() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.sent...)
}

// runPusher runs p until the returned stop is called; stop returns when Run did.
func runPusher(t *testing.T, p *bot.Pusher) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	return func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("the pusher did not stop")
		}
	}
}

func waitLeased(t *testing.T, s interface {
	Count(context.Context, string, ...any) (int, error)
}, text string) {
	for {
		n, err := s.Count(context.Background(), "SELECT COUNT(*) FROM outbox WHERE lease_owner <> '' AND payload LIKE ?", `%"`+text+`"%`)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// Stopping puts back what was not sent, queued or cut off, without
// counting an attempt: nothing goes dead because the process stopped.
func TestPusherStopPutsBackWithoutAttempts(t *testing.T) {
	ctx := context.Background()
	s := storetest.OpenSQLite(t, baobei.DefaultPolicy())
	var ns []baobei.Notice
	for i := range 20 {
		ns = append(ns, baobei.Notice{ToUser: fmt.Sprint("rep", i), Text: "日报"})
	}
	if err := s.Notify(ctx, storetest.T0, ns...); err != nil {
		t.Fatal(err)
	}
	a := newGated("日报")
	p := bot.NewPusher(s, a, &fixedClock{t: storetest.T0}, slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
	p.Concurrency, p.Grace = 2, 50*time.Millisecond
	stop := runPusher(t, p)
	<-a.entered
	stop()
	if n, _ := s.Count(ctx, "SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND attempts = 0 AND lease_owner = ''"); n != 20 {
		t.Fatalf("put back without an attempt: %d of 20", n)
	}
}

// A reply that joins a recipient's queue while its digest waits for a slot
// makes that sender wait as a reply: it goes before other notices.
func TestReplyRaisesWaitingSender(t *testing.T) {
	ctx := context.Background()
	s := storetest.OpenSQLite(t, baobei.DefaultPolicy())
	clock := &fixedClock{t: storetest.T0}
	a := newGated("A")
	p := bot.NewPusher(s, a, clock, slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
	p.Concurrency = 1
	s.OnQueued(p.Wake)
	defer runPusher(t, p)()
	notify := func(n baobei.Notice) {
		if err := s.Notify(ctx, clock.t, n); err != nil {
			t.Fatal(err)
		}
		waitLeased(t, s, n.Text)
	}
	notify(baobei.Notice{ToUser: "a", Text: "A", Priority: baobei.PriorityReply})
	<-a.entered // A holds the only slot
	notify(baobei.Notice{ToUser: "b", Text: "B日报", Priority: baobei.PriorityBulk})
	notify(baobei.Notice{ToUser: "c", Text: "C提醒"})
	notify(baobei.Notice{ToUser: "b", Text: "B回复", Priority: baobei.PriorityReply})
	for bot.Queued(p, "user:b") < 2 {
		time.Sleep(time.Millisecond)
	}
	a.gates["A"] <- nil
	for len(a.texts()) < 4 {
		time.Sleep(time.Millisecond)
	}
	if got := fmt.Sprint(a.texts()); got != "[A B日报 B回复 C提醒]" {
		t.Fatalf("order = %s, want b's queue (now with a reply) before c's notice", got)
	}
}

// After a failed send a recipient's later pushes wait behind it, even the
// ones queued while it was failing.
func TestFailedSendKeepsRecipientOrder(t *testing.T) {
	ctx := context.Background()
	s := storetest.OpenSQLite(t, baobei.DefaultPolicy())
	clock := &fixedClock{t: storetest.T0}
	a := newGated("1")
	p := bot.NewPusher(s, a, clock, slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
	s.OnQueued(p.Wake)
	stop := runPusher(t, p)
	if err := s.Notify(ctx, clock.t, baobei.Notice{ToUser: "x", Text: "1"}); err != nil {
		t.Fatal(err)
	}
	<-a.entered
	if err := s.Notify(ctx, clock.t, baobei.Notice{ToUser: "x", Text: "2"}); err != nil {
		t.Fatal(err)
	}
	waitLeased(t, s, "2")
	a.gates["1"] <- errors.New("503 from platform")
	stop()
	if sent := a.texts(); len(sent) != 0 {
		t.Fatalf("sent %q ahead of the failed push", sent)
	}
	var due []time.Time
	if err := s.DB().SelectContext(ctx, &due, "SELECT next_attempt_at FROM outbox ORDER BY id"); err != nil {
		t.Fatal(err)
	}
	if len(due) != 2 || !due[1].Equal(due[0]) || !due[0].Equal(clock.t.Add(bot.Backoff(0))) {
		t.Fatalf("due = %v, want both at the failed push's retry", due)
	}
}
