package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"baobei"
	"baobei/internal/metrics"

	"golang.org/x/time/rate"
)

// OutboxStore is the queue of pushes.
type OutboxStore interface {
	LeaseOutbox(ctx context.Context, now, until time.Time, owner string, limit int, lowest baobei.Priority) ([]baobei.OutboxItem, error)
	RenewOutbox(ctx context.Context, until time.Time, owner string, ids []int64) error
	OutboxSent(ctx context.Context, now time.Time, ids []int64) (int, error)
	OutboxDefer(ctx context.Context, at time.Time, owner string, ids []int64) error
	OutboxFailed(ctx context.Context, now time.Time, owner string, id int64, next *time.Time, cause string) error
	// QueueDue queues the pushes that fell due by now (the gathered notices
	// of refused reports, see store/attempts.go); the pusher calls it on
	// every poll and before a Flush.
	QueueDue(ctx context.Context, now time.Time) (int, error)
}

// Limits are what a platform allows: API calls a second (Rate, Burst), how
// many messages one user or one group chat may get per window (beyond which
// WeCom drops them without an error), and the text size that texts for one
// recipient are merged up to.
type Limits struct {
	Rate      rate.Limit
	Burst     int
	PerUser   []Window
	PerChat   []Window
	TextBytes int
}

// Window is "at most N messages in any Per".
type Window struct {
	N   int
	Per time.Duration
}

// Limited is an adapter that knows its platform's limits.
type Limited interface{ Limits() Limits }

// CodedError is a platform's refusal with its error code (for the
// metrics); RateLimited says the code means "too fast".
type CodedError interface {
	error
	ErrorCode() string
	RateLimited() bool
}

// Pusher delivers queued pushes through an adapter, on its own loop: woken
// when rows are queued, it leases due rows in batches (replies first, then
// notices, then bulk) and sends them with at most Concurrency calls in
// flight, within the platform's rate (slowed down when the platform says
// too fast) and each recipient's windows. A recipient's pushes are sent in
// order by one goroutine at a time, and texts due together are merged into
// one message. A failed send is tried again with exponential backoff (10s,
// 20s, … capped at 1h); after MaxAttempts the push is kept as dead. Each
// poll, and each Flush, first has the store queue what fell due by the
// clock (QueueDue: the hour's gathered report attempts).
//
// Webhook deliveries are outbox rows too: each webhook is a recipient (its
// deliveries go in order), posted by Hooks outside the platform's limits,
// and retried with the same backoff for ever (never dead).
type Pusher struct {
	store   OutboxStore
	adapter Adapter
	clock   baobei.Clock
	log     *slog.Logger
	owner   string
	wake    chan struct{}
	limits  Limits
	api     *rate.Limiter

	Concurrency int
	Lease       time.Duration
	Poll        time.Duration
	MaxAttempts int
	Grace       time.Duration // on stop, how long started sends may take
	Hooks       HookSender    // posts webhook deliveries

	mu      sync.Mutex
	cond    *sync.Cond
	busy    map[string][]baobei.OutboxItem // recipients with a sender, with what is queued for it
	senders int                            // senders started and not finished
	active  int                            // senders sending (at most Concurrency)
	held    heldSet                        // leased rows not finished
	waiting map[baobei.Priority]int        // senders waiting for a slot, by priority
	waitFor map[string]baobei.Priority     // the priority each waiting sender waits with
	people  map[string]*recipient
}

// recipient is one recipient's rate windows.
type recipient struct {
	windows []*window
	used    time.Time
}

// NewPusher returns a pusher for one adapter; perSecond > 0 overrides the
// platform's API rate.
func NewPusher(s OutboxStore, a Adapter, clock baobei.Clock, log *slog.Logger, perSecond float64) *Pusher {
	l := Limits{Rate: rate.Inf}
	if la, ok := a.(Limited); ok {
		l = la.Limits()
	}
	if perSecond > 0 {
		l.Rate, l.Burst = rate.Limit(perSecond), max(l.Burst, int(perSecond/4), 1)
	}
	p := &Pusher{store: s, adapter: a, clock: clock, log: log, owner: token(), wake: make(chan struct{}, 1),
		limits: l, api: rate.NewLimiter(l.Rate, max(l.Burst, 1)),
		Concurrency: 8, Lease: 10 * time.Second, Poll: time.Second, MaxAttempts: 12, Grace: 10 * time.Second,
		busy: map[string][]baobei.OutboxItem{}, waiting: map[baobei.Priority]int{}, waitFor: map[string]baobei.Priority{}, people: map[string]*recipient{}}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// Wake makes the pusher look for due rows now (something was queued).
func (p *Pusher) Wake() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Run sends until ctx ends, then lets the sends already started finish
// (within Grace).
func (p *Pusher) Run(ctx context.Context) error {
	work, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	beat := heartbeat(work, p.Lease/3, &p.held, func(ctx context.Context, ids []int64) error {
		return p.store.RenewOutbox(ctx, p.clock.Now().Add(p.Lease), p.owner, ids)
	}, p.log, "outbox")
	poll := time.NewTicker(p.Poll)
	defer poll.Stop()
	for ctx.Err() == nil {
		if _, err := p.dispatch(ctx, work); err != nil && ctx.Err() == nil {
			p.log.Error("outbox lease", "err", err)
		}
		select {
		case <-ctx.Done():
		case <-p.wake:
		case <-poll.C:
			if _, err := p.store.QueueDue(ctx, p.clock.Now()); err != nil && ctx.Err() == nil {
				p.log.Error("outbox queue due", "err", err)
			}
		}
	}
	done := make(chan struct{})
	go func() { p.idle(); close(done) }()
	select {
	case <-done:
	case <-time.After(p.Grace):
		cancel()
		<-done
	}
	cancel()
	<-beat
	return nil
}

// Flush sends everything due now and returns when it was sent (the console
// answers after its pushes are in their inboxes).
func (p *Pusher) Flush(ctx context.Context) error {
	if _, err := p.store.QueueDue(ctx, p.clock.Now()); err != nil {
		return err
	}
	for {
		n, err := p.dispatch(ctx, ctx)
		p.idle()
		if err != nil || n == 0 {
			return err
		}
	}
}

// idle waits until no send is in flight.
func (p *Pusher) idle() {
	p.mu.Lock()
	for p.senders > 0 {
		p.cond.Wait()
	}
	p.mu.Unlock()
}

// dispatch leases due rows while there is room and starts their sends
// (under work); it returns how many rows it leased.
func (p *Pusher) dispatch(ctx, work context.Context) (int, error) {
	total := 0
	batch := p.Concurrency * 16 // large leases let a recipient's texts merge
	for {
		// Held rows are capped; replies are leased past the cap, so a
		// backlog of bulk never keeps a reply in the table.
		limit, lowest := min(p.Concurrency*64-p.held.len(), batch), baobei.PriorityBulk
		if limit <= 0 {
			limit, lowest = p.Concurrency*4, baobei.PriorityReply
		}
		now := p.clock.Now()
		items, err := p.store.LeaseOutbox(ctx, now, now.Add(p.Lease), p.owner, limit, lowest)
		total += len(items)
		if err != nil {
			return total, err
		}
		p.start(work, items)
		if len(items) < limit || lowest == baobei.PriorityReply {
			return total, nil
		}
	}
}

// start queues items behind their recipients and starts a sender for each
// recipient that has none, at most Concurrency at once; the others wait
// their turn in order.
func (p *Pusher) start(ctx context.Context, items []baobei.OutboxItem) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, it := range items {
		p.held.add(it.ID)
		key := recipientKey(it.Notice)
		queue, sending := p.busy[key]
		p.busy[key] = append(queue, it)
		if !sending {
			p.senders++
			go p.sender(ctx, key)
		} else if old, waits := p.waitFor[key]; waits && it.Notice.Priority > old {
			// A reply queued behind a waiting digest: its sender now waits as a reply.
			p.waiting[old]--
			p.waiting[it.Notice.Priority]++
			p.waitFor[key] = it.Notice.Priority
			p.cond.Broadcast()
		}
	}
}

// sender sends a recipient's queue until it is empty. It waits for one of
// the Concurrency slots, and while senders of a higher priority wait it
// lets them go first: a reply overtakes a backlog of digests.
func (p *Pusher) sender(ctx context.Context, key string) {
	p.mu.Lock()
	p.waitSlot(key)
	p.active++
	var after time.Time // once a push was put back, the rest follow it, in order
	for {
		queue := p.busy[key]
		if len(queue) == 0 {
			delete(p.busy, key)
			break
		}
		p.busy[key] = nil
		p.mu.Unlock()
		if after.IsZero() {
			after = p.sendAll(ctx, key, queue)
		} else {
			p.defer_(ctx, queue, after)
		}
		p.mu.Lock()
		for _, it := range queue {
			p.held.remove(it.ID)
		}
	}
	p.active--
	p.senders--
	p.cond.Broadcast()
	p.mu.Unlock()
}

// waitSlot waits (holding p.mu) until key's sender may take a slot: one is
// free and no sender of a higher priority waits. start raises the priority
// a waiting sender waits with when a more urgent push joins its queue.
func (p *Pusher) waitSlot(key string) {
	prio := baobei.PriorityBulk
	for _, it := range p.busy[key] {
		prio = max(prio, it.Notice.Priority)
	}
	p.waitFor[key] = prio
	p.waiting[prio]++
	for p.active >= p.Concurrency || p.higherWaiting(p.waitFor[key]) {
		p.cond.Wait()
	}
	p.waiting[p.waitFor[key]]--
	delete(p.waitFor, key)
}

func recipientKey(n baobei.Notice) string {
	if n.Webhook != 0 {
		return fmt.Sprintf("hook:%d", n.Webhook)
	}
	if n.ToChat != "" {
		return "chat:" + n.ToChat
	}
	return "user:" + n.ToUser
}

func (p *Pusher) higherWaiting(prio baobei.Priority) bool {
	for q, n := range p.waiting {
		if q > prio && n > 0 {
			return true
		}
	}
	return false
}

// sendAll sends one recipient's pushes in order, merging texts. When the
// recipient's windows say not yet, or a send fails, or the pusher stops, the
// rest are put back with it; sendAll returns when they are due again (zero
// when all were sent).
func (p *Pusher) sendAll(ctx context.Context, key string, queue []baobei.OutboxItem) time.Time {
	for len(queue) > 0 {
		if ctx.Err() != nil { // stopping: another replica (or the next start) sends them
			return p.defer_(ctx, queue, p.clock.Now())
		}
		n := p.merged(queue)
		batch := queue[:n]
		prio := baobei.PriorityBulk
		for _, it := range batch {
			prio = max(prio, it.Notice.Priority)
		}
		if wait := p.reserve(key, batch[0].Notice, prio); wait > 0 {
			return p.defer_(ctx, queue, p.clock.Now().Add(wait))
		}
		if err := p.send(ctx, batch); err != nil {
			now := p.clock.Now()
			if ctx.Err() != nil { // cut off by the stop, not refused: no attempt counted
				return p.defer_(ctx, queue, now)
			}
			for _, it := range batch {
				p.failed(ctx, now, it, err)
			}
			// Keep the order: the rest go with the failed one's retry.
			return p.defer_(ctx, queue[n:], now.Add(Backoff(batch[0].Attempts)))
		}
		queue = queue[n:]
	}
	return time.Time{}
}

// merged is how many of the queue's first pushes go out as one message:
// plain texts (or markdown texts) that together fit the platform's limit.
func (p *Pusher) merged(queue []baobei.OutboxItem) int {
	first := queue[0].Notice
	if !mergeable(first) || p.limits.TextBytes == 0 {
		return 1
	}
	size, n := len(first.Text), 1
	for _, it := range queue[1:] {
		if !mergeable(it.Notice) || it.Notice.Markdown != first.Markdown || size+2+len(it.Notice.Text) > p.limits.TextBytes {
			break
		}
		size += 2 + len(it.Notice.Text)
		n++
	}
	return n
}

func mergeable(n baobei.Notice) bool {
	return len(n.Card) == 0 && n.Update == "" && len(n.Image) == 0 && n.Webhook == 0
}

// reserve counts one message against the recipient's windows, or says
// how long to wait until one is free. Card updates are not messages to
// anyone. Notices and bulk use at most half of each window, so a rep who got
// the digest can still be answered at once.
func (p *Pusher) reserve(key string, n baobei.Notice, prio baobei.Priority) time.Duration {
	windows := p.limits.PerUser
	if n.ToChat != "" {
		windows = p.limits.PerChat
	}
	if n.Update != "" || n.Webhook != 0 || len(windows) == 0 {
		return 0
	}
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.people[key]
	if r == nil {
		if len(p.people) > 10000 {
			p.prune(now)
		}
		r = &recipient{}
		for _, w := range windows {
			r.windows = append(r.windows, &window{Window: w})
		}
		p.people[key] = r
	}
	r.used = now
	var wait time.Duration
	for _, w := range r.windows {
		limit := w.N
		if prio < baobei.PriorityReply {
			limit = max(w.N/2, 1)
		}
		wait = max(wait, w.wait(now, limit))
	}
	if wait == 0 {
		for _, w := range r.windows {
			w.sent = append(w.sent, now)
		}
	}
	return wait
}

// window remembers when the last messages of its window went out: never
// more than N in any span of Per, as WeCom counts.
type window struct {
	Window
	sent []time.Time // oldest first, within the last Per
}

// wait is how long until fewer than limit messages went out in the last Per.
func (w *window) wait(now time.Time, limit int) time.Duration {
	i := 0
	for i < len(w.sent) && now.Sub(w.sent[i]) >= w.Per {
		i++
	}
	w.sent = w.sent[i:]
	if len(w.sent) < limit {
		return 0
	}
	return w.sent[len(w.sent)-limit].Add(w.Per).Sub(now)
}

// prune forgets recipients not sent to for an hour (their windows are full again).
func (p *Pusher) prune(now time.Time) {
	for k, r := range p.people {
		if now.Sub(r.used) > time.Hour {
			delete(p.people, k)
		}
	}
}

// send delivers pushes merged into one message; a success is recorded here,
// a failure by the caller.
func (p *Pusher) send(ctx context.Context, batch []baobei.OutboxItem) error {
	if batch[0].Notice.Webhook != 0 {
		return p.sendHook(ctx, batch[0])
	}
	o, err := OutOf(batch[0].Notice)
	for _, it := range batch[1:] {
		o.Text += "\n\n" + it.Notice.Text
	}
	platform := p.adapter.Name()
	if err == nil {
		if err = p.api.Wait(ctx); err == nil {
			err = StripURLQueries(p.adapter.Send(ctx, o))
		}
	}
	if err == nil {
		p.recover()
		metrics.Pushes.WithLabelValues(platform, "sent").Add(float64(len(batch)))
		p.sent(ctx, batch)
		return nil
	}
	code := "network"
	var ce CodedError
	if errors.As(err, &ce) {
		code = ce.ErrorCode()
		if ce.RateLimited() {
			p.slowDown()
		}
	}
	metrics.PlatformErrors.WithLabelValues(platform, code).Inc()
	return err
}

// sent marks pushes delivered.
func (p *Pusher) sent(ctx context.Context, batch []baobei.OutboxItem) {
	ids := make([]int64, len(batch))
	for i, it := range batch {
		ids[i] = it.ID
	}
	n, err := p.store.OutboxSent(context.WithoutCancel(ctx), p.clock.Now(), ids)
	if err != nil {
		p.log.Error("outbox: sent but not marked; it will be sent again", "outbox_ids", ids, "err", err)
	} else if n < len(ids) {
		p.log.Warn("outbox: sent after its lease ran out; another replica may have sent it too", "outbox_ids", ids, "marked", n)
	}
}

// sendHook posts one webhook delivery.
func (p *Pusher) sendHook(ctx context.Context, it baobei.OutboxItem) error {
	err := errors.New("no webhook sender configured")
	if p.Hooks != nil {
		err = StripURLQueries(p.Hooks.Deliver(ctx, it.Notice.Webhook, it.Notice.Body))
	}
	if err != nil {
		return err
	}
	metrics.WebhookDeliveries.WithLabelValues("sent").Inc()
	p.sent(ctx, []baobei.OutboxItem{it})
	return nil
}

func (p *Pusher) failed(ctx context.Context, now time.Time, it baobei.OutboxItem, err error) {
	var next *time.Time
	result := "dead"
	hook := it.Notice.Webhook != 0
	if (hook && !errors.Is(err, ErrWebhookGone)) || (!hook && it.Attempts+1 < p.MaxAttempts) {
		t := now.Add(Backoff(it.Attempts))
		next, result = &t, "retry"
	}
	if hook {
		metrics.WebhookDeliveries.WithLabelValues(result).Inc()
	} else {
		metrics.Pushes.WithLabelValues(p.adapter.Name(), result).Inc()
	}
	p.log.Warn("push failed", "outbox_id", it.ID, "attempt", it.Attempts+1, "dead", next == nil, "err", err)
	if ferr := p.store.OutboxFailed(context.WithoutCancel(ctx), now, p.owner, it.ID, next, err.Error()); ferr != nil {
		p.log.Error("outbox: failure not recorded; the lease will run out", "outbox_id", it.ID, "err", ferr)
	}
}

// defer_ puts pushes back until at, without counting an attempt, and
// returns at.
func (p *Pusher) defer_(ctx context.Context, items []baobei.OutboxItem, at time.Time) time.Time {
	if len(items) == 0 {
		return at
	}
	ids, hooks := make([]int64, len(items)), 0
	for i, it := range items {
		ids[i] = it.ID
		if it.Notice.Webhook != 0 {
			hooks++
		}
	}
	if n := len(ids) - hooks; n > 0 {
		metrics.Pushes.WithLabelValues(p.adapter.Name(), "deferred").Add(float64(n))
	}
	if hooks > 0 {
		metrics.WebhookDeliveries.WithLabelValues("deferred").Add(float64(hooks))
	}
	if err := p.store.OutboxDefer(context.WithoutCancel(ctx), at, p.owner, ids); err != nil {
		p.log.Error("outbox defer; the lease will run out", "err", err)
	}
	return at
}

// Rate is the API rate the pusher keeps to now.
func (p *Pusher) Rate() rate.Limit { return p.api.Limit() }

// slowDown halves the API rate after the platform said too fast (never
// below one call a second); recover wins it back by 1% a success.
func (p *Pusher) slowDown() {
	if p.limits.Rate == rate.Inf {
		return
	}
	l := max(p.api.Limit()/2, 1)
	p.api.SetLimit(l)
	p.log.Warn("platform rate limit: sending slower", "platform", p.adapter.Name(), "per_second", fmt.Sprintf("%.1f", float64(l)))
}

func (p *Pusher) recover() {
	if l := p.api.Limit(); l < p.limits.Rate {
		p.api.SetLimit(min(l*1.01+0.1, p.limits.Rate))
	}
}

// Backoff is the wait after the given number of failed attempts.
func Backoff(attempts int) time.Duration {
	d := 10 * time.Second << min(attempts, 9)
	return min(d, time.Hour)
}
