package bot_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"baobei"
	"baobei/bot"
	"baobei/store/storetest"

	"github.com/gin-gonic/gin"
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
