package bot

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"baobei"
	"baobei/internal/metrics"
)

// InboundStore keeps platform messages between the callback that delivers
// them and the worker that processes them.
type InboundStore interface {
	InboundAdd(ctx context.Context, now time.Time, platform, msgID string, payload []byte) (bool, int64, error)
	LeaseInbound(ctx context.Context, now, until time.Time, owner string, limit int) ([]baobei.InboundItem, error)
	RenewInbound(ctx context.Context, until time.Time, owner string, ids []int64) error
	InboundRetry(ctx context.Context, at time.Time, owner string, id int64) error
	InboundFinish(ctx context.Context, id int64, status string) error
}

// Processor handles a batch of messages as units of work (the Router).
type Processor interface {
	Process(ctx context.Context, items []Inbound) ([]*Result, error)
}

// Errors of Accept, which the adapters answer with a status the platform
// understands (a 503 is delivered again; a 400 is not).
var (
	ErrBusy     = errors.New("the message could not be recorded in time")
	ErrTooLong  = errors.New("an id of the message is longer than baobei keeps")
	ErrNoID     = errors.New("inbound message without an id")
	errStopping = errors.New("worker stopping")
)

// AcceptStatus is the HTTP status a callback answers when Accept failed:
// 400 for a message baobei can never keep (the platform must not deliver it
// again), else 503 (it is delivered again).
func AcceptStatus(err error) int {
	if errors.Is(err, ErrTooLong) || errors.Is(err, ErrNoID) {
		return http.StatusBadRequest
	}
	return http.StatusServiceUnavailable
}

// Column sizes of the ids a message carries (inbound.msg_id, users.uid,
// outbox.to_chat).
const (
	maxMsgID  = 200
	maxUserID = 128
)

// Worker lets platform callbacks be acknowledged in milliseconds: Accept
// records the message durably, the platform gets its answer, and the worker
// leases recorded messages in batches and hands them to lanes. A user's
// messages always go to the same lane, which processes them in order; each
// lane runs a batch as one transaction of units (Router.Process). Leases are
// short and renewed by a heartbeat while the work runs, so messages that a
// crashed process held are taken up again within seconds.
type Worker struct {
	store InboundStore
	proc  Processor
	clock baobei.Clock
	log   *slog.Logger
	owner string
	wake  chan struct{}

	Lease       time.Duration // renewed every Lease/3 while held
	Poll        time.Duration // look for due messages this often without a wake-up
	Lanes       int
	Batch       int // messages per transaction
	MaxAttempts int // the last attempt answers a failure with an incident number
	AckTimeout  time.Duration
	Grace       time.Duration // on stop, how long leased work may take to finish
	RetryBase   time.Duration // a failed message waits RetryBase << attempts (at most 30 s)

	held     heldSet
	stopping atomic.Bool
}

// NewWorker returns a worker; Run must be started for messages to flow.
func NewWorker(s InboundStore, p Processor, clock baobei.Clock, log *slog.Logger) *Worker {
	return &Worker{store: s, proc: p, clock: clock, log: log, owner: token(), wake: make(chan struct{}, 1),
		Lease: 10 * time.Second, Poll: time.Second, Lanes: 8, Batch: 32, MaxAttempts: 5,
		AckTimeout: 2 * time.Second, Grace: 10 * time.Second, RetryBase: time.Second}
}

// token is a random lease holder name.
func token() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Accept records m within AckTimeout; false when the platform delivered it
// before. An id longer than its column is hashed to fit (a message id) or
// refused with ErrTooLong (a user or chat id, which must stay readable).
func (w *Worker) Accept(ctx context.Context, m Message) (bool, error) {
	if m.ID == "" {
		return false, ErrNoID
	}
	if len(m.UserID) > maxUserID || len(m.ChatID) > maxUserID {
		metrics.InboundRejected.WithLabelValues(m.Platform, "too_long").Inc()
		return false, ErrTooLong
	}
	if len(m.ID) > maxMsgID {
		sum := sha256.Sum256([]byte(m.ID))
		m.ID = "sha256:" + hex.EncodeToString(sum[:])
	}
	b, err := json.Marshal(m)
	if err != nil {
		return false, err
	}
	ctx, cancel := context.WithTimeout(ctx, w.AckTimeout)
	defer cancel()
	added, _, err := w.store.InboundAdd(ctx, w.clock.Now(), m.Platform, m.ID, b)
	if err != nil {
		reason := "store"
		if ctx.Err() != nil {
			reason, err = "timeout", fmt.Errorf("%w: %v", ErrBusy, err)
		}
		metrics.InboundRejected.WithLabelValues(m.Platform, reason).Inc()
		return false, err
	}
	if added {
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
	return added, nil
}

// leased is a message taken by this worker.
type leased struct {
	baobei.InboundItem
	msg Message
}

// Run processes messages until ctx ends, then lets the work in progress
// finish (within Grace) and gives back what was leased but not started.
func (w *Worker) Run(ctx context.Context) error {
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	lanes := make([]chan leased, w.Lanes)
	var wg sync.WaitGroup
	for i := range lanes {
		lanes[i] = make(chan leased, w.maxHeld()) // room for all held: handing over never blocks
		wg.Go(func() { w.lane(work, lanes[i]) })
	}
	beat := heartbeat(work, w.Lease/3, &w.held, func(ctx context.Context, ids []int64) error {
		return w.store.RenewInbound(ctx, w.clock.Now().Add(w.Lease), w.owner, ids)
	}, w.log, "inbound")
	poll := time.NewTicker(w.Poll)
	defer poll.Stop()
	for ctx.Err() == nil {
		w.lease(ctx, lanes)
		select {
		case <-ctx.Done():
		case <-w.wake:
		case <-poll.C:
		}
	}
	w.stopping.Store(true)
	for _, l := range lanes {
		close(l)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(w.Grace):
		w.log.Warn("inbound: work still running at the stop deadline; it is rolled back and retried later")
		cancelWork()
		<-done
	}
	cancelWork()
	<-beat
	return nil
}

// Drain processes every message that is due now, lane by lane, and returns
// when none is left (tests and tools; Run does this continuously).
func (w *Worker) Drain(ctx context.Context) error {
	for {
		now := w.clock.Now()
		items, err := w.store.LeaseInbound(ctx, now, now.Add(w.Lease), w.owner, w.Batch*w.Lanes)
		if err != nil || len(items) == 0 {
			return err
		}
		lanes := make([][]leased, w.Lanes)
		for _, it := range w.take(ctx, items) {
			i := laneOf(it.msg, w.Lanes)
			lanes[i] = append(lanes[i], it)
		}
		var wg sync.WaitGroup
		for _, lane := range lanes {
			wg.Go(func() {
				for len(lane) > 0 {
					n := min(len(lane), w.Batch)
					w.process(ctx, lane[:n])
					lane = lane[n:]
				}
			})
		}
		wg.Wait()
	}
}

// lease takes due messages while there is room and hands them to lanes.
func (w *Worker) lease(ctx context.Context, lanes []chan leased) {
	for {
		room := w.maxHeld() - w.held.len()
		if room <= 0 {
			return
		}
		now := w.clock.Now()
		items, err := w.store.LeaseInbound(ctx, now, now.Add(w.Lease), w.owner, min(room, w.Batch*w.Lanes))
		if err != nil {
			if ctx.Err() == nil {
				w.log.Error("inbound lease", "err", err)
			}
			return
		}
		for _, it := range w.take(ctx, items) {
			lanes[laneOf(it.msg, len(lanes))] <- it // never blocks: a lane's buffer holds every held message
		}
		if len(items) < w.Batch {
			return
		}
	}
}

// maxHeld is how many leased messages the worker holds at most.
func (w *Worker) maxHeld() int { return w.Lanes * w.Batch * 2 }

// take decodes leased rows and holds them; an unreadable one is dead.
func (w *Worker) take(ctx context.Context, items []baobei.InboundItem) []leased {
	out := make([]leased, 0, len(items))
	for _, it := range items {
		var m Message
		if err := json.Unmarshal([]byte(it.Payload), &m); err != nil {
			w.log.Error("inbound payload unreadable", "inbound_id", it.ID, "err", err)
			w.store.InboundFinish(ctx, it.ID, baobei.InboundDead)
			continue
		}
		w.held.add(it.ID)
		out = append(out, leased{it, m})
	}
	return out
}

func laneOf(m Message, n int) int {
	h := fnv.New32a()
	h.Write([]byte(m.Platform + "/" + m.UserID))
	return int(h.Sum32() % uint32(n))
}

// lane processes its messages in order, a batch per transaction.
func (w *Worker) lane(ctx context.Context, in chan leased) {
	for first := range in {
		batch := []leased{first}
	fill:
		for len(batch) < w.Batch {
			select {
			case it, ok := <-in:
				if !ok {
					break fill
				}
				batch = append(batch, it)
			default:
				break fill
			}
		}
		if w.stopping.Load() || ctx.Err() != nil {
			w.release(batch, errStopping)
			continue
		}
		w.process(ctx, batch)
	}
}

func (w *Worker) process(ctx context.Context, batch []leased) {
	items := make([]Inbound, len(batch))
	for i, it := range batch {
		items[i] = Inbound{Msg: it.msg, ID: it.ID, Last: it.Attempts >= w.MaxAttempts}
	}
	results, err := w.proc.Process(ctx, items)
	if err != nil {
		w.release(batch, err)
		return
	}
	var failed []leased
	for i, r := range results {
		if r.Err != nil {
			failed = append(failed, batch[i])
			w.log.Error("inbound message", "platform", batch[i].msg.Platform, "inbound_id", batch[i].ID, "attempt", batch[i].Attempts, "err", r.Err)
			continue
		}
		w.held.remove(batch[i].ID)
	}
	w.release(failed, nil)
}

// release gives messages back, due again after a backoff (at once when the
// worker stops, so another replica can take them).
func (w *Worker) release(batch []leased, cause error) {
	if cause != nil && !errors.Is(cause, errStopping) {
		w.log.Error("inbound batch", "messages", len(batch), "err", cause)
	}
	ctx := context.Background()
	for _, it := range batch {
		at := w.clock.Now()
		if !errors.Is(cause, errStopping) {
			at = at.Add(min(w.RetryBase<<min(it.Attempts, 5), 30*time.Second))
		}
		if err := w.store.InboundRetry(ctx, at, w.owner, it.ID); err != nil {
			w.log.Warn("inbound release; the lease will run out instead", "inbound_id", it.ID, "err", err)
		}
		w.held.remove(it.ID)
	}
}
