package bot

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// heldSet is the rows a process leased and has not finished with.
type heldSet struct {
	mu sync.Mutex
	m  map[int64]bool
}

func (h *heldSet) add(id int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil {
		h.m = map[int64]bool{}
	}
	h.m[id] = true
}

func (h *heldSet) remove(id int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.m, id)
}

func (h *heldSet) len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.m)
}

func (h *heldSet) ids() []int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	ids := make([]int64, 0, len(h.m))
	for id := range h.m {
		ids = append(ids, id)
	}
	return ids
}

// heartbeat renews the leases of what h holds every `every` until ctx
// ends, so that work in progress keeps its rows while a crashed process's
// rows come due again; the channel closes when it stopped.
func heartbeat(ctx context.Context, every time.Duration, h *heldSet, renew func(context.Context, []int64) error, log *slog.Logger, what string) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		beat(ctx, every, h, renew, log, what)
	}()
	return done
}

func beat(ctx context.Context, every time.Duration, h *heldSet, renew func(context.Context, []int64) error, log *slog.Logger, what string) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if ids := h.ids(); len(ids) > 0 {
			if err := renew(ctx, ids); err != nil && ctx.Err() == nil {
				log.Warn(what+" lease renewal", "err", err)
			}
		}
	}
}
