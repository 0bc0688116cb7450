package bot

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"baobei"
)

// InboundStore keeps platform messages between the callback that delivers
// them and the worker that processes them.
type InboundStore interface {
	InboundAdd(ctx context.Context, now time.Time, platform, msgID string, payload []byte) (bool, int64, error)
	InboundDue(ctx context.Context, now time.Time, limit int) ([]baobei.InboundItem, error)
	InboundLease(ctx context.Context, now, until time.Time, id int64) (bool, error)
	InboundFinish(ctx context.Context, id int64, status string) error
	Notify(ctx context.Context, now time.Time, ns ...baobei.Notice) error
}

// Worker lets platform callbacks be acknowledged in milliseconds: Accept
// records the message durably, the platform gets its answer, and the worker
// dispatches the message and queues the replies in the outbox, which the
// pusher delivers (with retries). Messages of one user are processed in
// order; different users in parallel.
type Worker struct {
	store       InboundStore
	d           Dispatcher
	pusher      *Pusher
	clock       baobei.Clock
	log         *slog.Logger
	wake        chan struct{}
	Lease       time.Duration // how long a worker may take before another retries
	MaxAttempts int
}

// NewWorker returns a worker; Run must be started for messages to flow.
func NewWorker(s InboundStore, d Dispatcher, p *Pusher, clock baobei.Clock, log *slog.Logger) *Worker {
	return &Worker{store: s, d: d, pusher: p, clock: clock, log: log, wake: make(chan struct{}, 1), Lease: time.Minute, MaxAttempts: 5}
}

// Accept records m; false when the platform delivered it before. m.ID must
// identify the message on its platform.
func (w *Worker) Accept(ctx context.Context, m Message) (bool, error) {
	if m.ID == "" {
		return false, errors.New("inbound message without an id")
	}
	b, err := json.Marshal(m)
	if err != nil {
		return false, err
	}
	added, _, err := w.store.InboundAdd(ctx, w.clock.Now(), m.Platform, m.ID, b)
	if added {
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
	return added, err
}

// Run processes messages until ctx ends: when woken by Accept, and every
// few seconds for leases that ran out.
func (w *Worker) Run(ctx context.Context) {
	for {
		if err := w.Drain(ctx); err != nil && ctx.Err() == nil {
			w.log.Error("inbound drain", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-time.After(3 * time.Second):
		}
	}
}

// Drain processes every message that is due now.
func (w *Worker) Drain(ctx context.Context) error {
	for {
		items, err := w.store.InboundDue(ctx, w.clock.Now(), 64)
		if err != nil || len(items) == 0 {
			return err
		}
		var wg sync.WaitGroup
		for _, group := range byUser(items) {
			wg.Add(1)
			go func(group []baobei.InboundItem) {
				defer wg.Done()
				for _, it := range group {
					w.process(ctx, it)
				}
			}(group)
		}
		wg.Wait()
		if err := w.pusher.Flush(ctx); err != nil {
			return err
		}
		if len(items) < 64 {
			return nil
		}
	}
}

func byUser(items []baobei.InboundItem) map[string][]baobei.InboundItem {
	groups := map[string][]baobei.InboundItem{}
	for _, it := range items {
		var m Message
		json.Unmarshal([]byte(it.Payload), &m)
		groups[m.Platform+"/"+m.UserID] = append(groups[m.Platform+"/"+m.UserID], it)
	}
	return groups
}

func (w *Worker) process(ctx context.Context, it baobei.InboundItem) {
	now := w.clock.Now()
	if ok, err := w.store.InboundLease(ctx, now, now.Add(w.Lease), it.ID); !ok || err != nil {
		return // another worker has it, or the store is down: it stays due
	}
	var m Message
	if err := json.Unmarshal([]byte(it.Payload), &m); err != nil {
		w.log.Error("inbound payload", "inbound_id", it.ID, "err", err)
		w.finish(ctx, it.ID, baobei.InboundDead)
		return
	}
	outs, err := w.handle(ctx, m)
	if err == nil {
		err = w.queue(ctx, outs)
	}
	if err != nil {
		w.log.Error("inbound message", "platform", m.Platform, "inbound_id", it.ID, "attempt", it.Attempts+1, "err", err)
		if it.Attempts+1 >= w.MaxAttempts {
			w.finish(ctx, it.ID, baobei.InboundDead)
		}
		return // the lease runs out and the message is tried again
	}
	w.finish(ctx, it.ID, baobei.InboundDone)
}

// handle dispatches m and returns what to deliver: the replies, an answer to
// a stranger, and the update of a tapped card.
func (w *Worker) handle(ctx context.Context, m Message) ([]Out, error) {
	if m.Canned != "" {
		return []Out{{ToUser: m.UserID, ToChat: m.ChatID, Text: m.Canned}}, nil
	}
	res, err := w.d.Dispatch(ctx, m)
	if errors.Is(err, ErrUnknownUser) {
		return []Out{{ToUser: m.UserID, Text: "你还不在报备助手的成员名单里。请联系管理员把你加入组织后再试。"}}, nil
	}
	if err != nil || res.Replayed {
		return nil, err
	}
	outs := res.Replies
	if m.CardRef != "" {
		outcome := res.Outcome
		if outcome == "" {
			outcome = "已处理"
		}
		outs = append(outs, Out{ToUser: m.UserID, Update: m.CardRef, Text: outcome})
	}
	return outs, nil
}

func (w *Worker) queue(ctx context.Context, outs []Out) error {
	ns := make([]baobei.Notice, 0, len(outs))
	for _, o := range outs {
		n, err := o.Notice()
		if err != nil {
			return err
		}
		ns = append(ns, n)
	}
	return w.store.Notify(ctx, w.clock.Now(), ns...)
}

func (w *Worker) finish(ctx context.Context, id int64, status string) {
	if err := w.store.InboundFinish(ctx, id, status); err != nil {
		w.log.Error("inbound finish", "inbound_id", id, "err", err)
	}
}
