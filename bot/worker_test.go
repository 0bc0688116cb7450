package bot_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"baobei"
	"baobei/bot"
	"baobei/store"
	"baobei/store/storetest"
)

// stuck holds every batch until its context ends, like a database that stalls.
type stuck struct{ entered atomic.Int32 }

func (p *stuck) Process(ctx context.Context, items []bot.Inbound) ([]*bot.Result, error) {
	p.entered.Add(1)
	<-ctx.Done()
	return nil, ctx.Err()
}

// One user's flood fills one lane while its batch stalls: stopping the
// worker must still end within Grace, and every message stays pending.
func TestWorkerStopsWhileOneLaneStalls(t *testing.T) {
	ctx := context.Background()
	s := storetest.OpenSQLite(t, baobei.DefaultPolicy())
	proc := &stuck{}
	w := bot.NewWorker(s, proc, &baobei.OffsetClock{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	w.Lanes, w.Batch, w.Grace, w.Poll = 4, 8, 200*time.Millisecond, 10*time.Millisecond
	const n = 200 // > a lane's share of the held rows
	for i := range n {
		if _, err := w.Accept(ctx, bot.Message{Platform: "wecom", ID: fmt.Sprint("m", i), UserID: "zhangsan", Text: "查询 #1"}); err != nil {
			t.Fatal(err)
		}
	}
	run, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(run) }()
	for proc.entered.Load() == 0 || leased(t, s) < 2*w.Lanes*w.Batch {
		time.Sleep(time.Millisecond)
	}
	stop()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after its context ended (a lane hand-over blocked)")
	}
	if pending, _ := s.Count(ctx, "SELECT COUNT(*) FROM inbound WHERE status = 'pending'"); pending != n {
		t.Fatalf("pending = %d, want all %d given back", pending, n)
	}
}

func leased(t *testing.T, s *store.Store) int {
	n, err := s.Count(context.Background(), "SELECT COUNT(*) FROM inbound WHERE lease_owner <> ''")
	if err != nil {
		t.Fatal(err)
	}
	return n
}
