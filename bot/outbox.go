package bot

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"baobei"
)

// OutboxStore is the queue of pushes.
type OutboxStore interface {
	DueOutbox(ctx context.Context, now time.Time, limit int) ([]baobei.OutboxItem, error)
	OutboxLease(ctx context.Context, now, until time.Time, id int64) (bool, error)
	OutboxSent(ctx context.Context, now time.Time, id int64) error
	OutboxFailed(ctx context.Context, now time.Time, id int64, next *time.Time, cause string) error
}

// Pusher delivers queued pushes through an adapter. A failed send is tried
// again with exponential backoff (10s, 20s, … capped at 1h); after MaxAttempts
// the push is kept as dead, never dropped.
type Pusher struct {
	store       OutboxStore
	adapter     Adapter
	clock       baobei.Clock
	log         *slog.Logger
	MaxAttempts int
	mu          sync.Mutex // one flush at a time per process
}

// NewPusher returns a pusher for one adapter.
func NewPusher(s OutboxStore, a Adapter, clock baobei.Clock, log *slog.Logger) *Pusher {
	return &Pusher{store: s, adapter: a, clock: clock, log: log, MaxAttempts: 12}
}

// Flush sends everything that is due now.
func (p *Pusher) Flush(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		now := p.clock.Now()
		items, err := p.store.DueOutbox(ctx, now, 100)
		if err != nil || len(items) == 0 {
			return err
		}
		for _, it := range items {
			if err := p.send(ctx, now, it); err != nil {
				return err
			}
		}
		if len(items) < 100 {
			return nil
		}
	}
}

func (p *Pusher) send(ctx context.Context, now time.Time, it baobei.OutboxItem) error {
	if mine, err := p.store.OutboxLease(ctx, now, now.Add(time.Minute), it.ID); err != nil || !mine {
		return err // another replica is sending it
	}
	o, err := OutOf(it.Notice)
	if err == nil {
		err = p.adapter.Send(ctx, o)
	}
	if err == nil {
		return p.store.OutboxSent(ctx, now, it.ID)
	}
	var next *time.Time
	if it.Attempts+1 < p.MaxAttempts {
		t := now.Add(Backoff(it.Attempts))
		next = &t
	}
	p.log.Warn("push failed", "outbox_id", it.ID, "attempt", it.Attempts+1, "dead", next == nil, "err", err)
	return p.store.OutboxFailed(ctx, now, it.ID, next, err.Error())
}

// Backoff is the wait after the given number of failed attempts.
func Backoff(attempts int) time.Duration {
	d := 10 * time.Second << min(attempts, 9)
	return min(d, time.Hour)
}

// Run flushes every interval until ctx ends.
func (p *Pusher) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := p.Flush(ctx); err != nil && ctx.Err() == nil {
				p.log.Error("outbox flush", "err", err)
			}
		}
	}
}
