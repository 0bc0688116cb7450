package store

import (
	"context"
	"errors"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

// New customers are inserted in batches: concurrent reports waiting for the
// database are written by one transaction with multi-row statements, which
// is what lets the 报备 pipeline keep up with the raw insert rate. A batch
// never decides a race: reports whose keys are taken, or that collide inside
// the batch, leave it and take the takeover path, and when the batch
// fails each report is retried alone.

const (
	batchWorkers = 2
	batchMax     = 64
)

type reportJob struct {
	ctx   context.Context
	now   time.Time
	actor *baobei.User
	d     baobei.CustomerDraft
	keys  []baobei.Key
	claim *baobei.MessageClaim
	done  chan jobResult

	id int64 // set inside the batch transaction
}

// jobResult: the created customer, or taken=true when a key already exists.
type jobResult struct {
	c     *baobei.Customer
	taken bool
	err   error
}

func (s *Store) startBatcher() {
	s.jobs = make(chan *reportJob, batchMax)
	s.quit = make(chan struct{})
	for i := 0; i < batchWorkers; i++ {
		go s.batchWorker()
	}
}

func (s *Store) batchWorker() {
	for {
		var batch []*reportJob
		select {
		case <-s.quit:
			return
		case j := <-s.jobs:
			batch = append(batch, j)
		}
	drain:
		for len(batch) < batchMax {
			select {
			case j := <-s.jobs:
				batch = append(batch, j)
			default:
				break drain
			}
		}
		s.runBatch(batch)
	}
}

// insertNew queues a new customer and waits for its batch.
func (s *Store) insertNew(ctx context.Context, now time.Time, actor *baobei.User, d baobei.CustomerDraft, keys []baobei.Key) jobResult {
	j := &reportJob{ctx: ctx, now: now, actor: actor, d: d, keys: keys, claim: baobei.MessageClaimFrom(ctx), done: make(chan jobResult, 1)}
	select {
	case s.jobs <- j:
	case <-ctx.Done():
		return jobResult{err: ctx.Err()}
	case <-s.quit:
		return jobResult{err: errClosed}
	}
	select {
	case r := <-j.done:
		return r
	case <-s.quit: // the batch may still commit: only at shutdown, after HTTP drained
		return jobResult{err: errClosed}
	}
}

var errClosed = errors.New("store closed")

// runBatch writes a batch in one transaction, or each job alone when the
// batch fails (a race on a key, a message seen before, a deadlock).
func (s *Store) runBatch(batch []*reportJob) {
	var fresh []*reportJob
	err := s.tx(context.Background(), func(tx *sqlx.Tx) error {
		var err error
		fresh, err = s.writeBatch(tx, batch)
		return err
	})
	if err == nil {
		for _, j := range fresh {
			if j.claim != nil {
				j.claim.MarkDone()
			}
		}
		for _, j := range batch {
			j.done <- s.result(j)
		}
		return
	}
	if len(batch) == 1 {
		if isDuplicate(err) {
			batch[0].done <- jobResult{taken: true}
		} else {
			batch[0].done <- jobResult{err: err}
		}
		return
	}
	for _, j := range batch {
		s.runBatch([]*reportJob{j})
	}
}

func (s *Store) result(j *reportJob) jobResult {
	if j.id == 0 {
		return jobResult{taken: true}
	}
	until := ts(j.now.Add(s.policy.Protection()))
	return jobResult{c: &baobei.Customer{ID: j.id, Name: j.d.Name, Phone: j.d.Phone, Wechat: j.d.Wechat, Company: j.d.Company,
		Source: j.d.Source, Demand: j.d.Demand, Grade: j.d.Grade, Stage: baobei.StageNew, Status: baobei.StatusOwned,
		OwnerID: &j.actor.ID, ProtectedUntil: &until, ReporterID: j.actor.ID, ReportedAt: ts(j.now), Version: 1,
		OwnerName: j.actor.Name, OwnerUID: j.actor.UID, OwnerTeam: j.actor.TeamID}}
}

// writeBatch inserts the jobs whose keys are all free and distinct, with
// their keys, audit rows and message records, and sets their ids (and
// clears those of the others: a rerun after a deadlock starts afresh).
func (s *Store) writeBatch(tx *sqlx.Tx, batch []*reportJob) ([]*reportJob, error) {
	ctx := context.Background()
	for _, j := range batch {
		j.id = 0
	}
	fresh, err := freeJobs(ctx, tx, batch)
	if err != nil || len(fresh) == 0 {
		return fresh, err
	}
	var claims []*baobei.MessageClaim
	for _, j := range fresh {
		if j.claim != nil && !j.claim.Done() {
			claims = append(claims, j.claim)
		}
	}
	if err := recordMessages(ctx, tx, time.Now(), claims...); err != nil {
		return nil, err
	}
	if err := insertCustomers(ctx, tx, s.policy, fresh); err != nil {
		return nil, err
	}
	var keyArgs, auditArgs []any
	nkeys := 0
	for _, j := range fresh {
		for _, k := range j.keys {
			keyArgs = append(keyArgs, k.Kind, k.Value, j.id)
			nkeys++
		}
		auditArgs = append(auditArgs, j.id, j.actor.ID, ActReport, j.actor.ID, ts(j.now), "new")
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO customer_keys (kind, value, customer_id) VALUES "+placeholders(nkeys, 3), keyArgs...); err != nil {
		return nil, err
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO audit_events (customer_id, actor_id, action, to_owner, at, detail) VALUES "+
		placeholders(len(fresh), 6), auditArgs...)
	return fresh, err
}

// freeJobs drops the jobs with a key that exists or that an earlier job of
// the batch uses.
func freeJobs(ctx context.Context, tx *sqlx.Tx, batch []*reportJob) ([]*reportJob, error) {
	var where []byte
	var args []any
	for _, j := range batch {
		for _, k := range j.keys {
			if len(args) > 0 {
				where = append(where, " OR "...)
			}
			where = append(where, "(kind = ? AND value = ?)"...)
			args = append(args, k.Kind, k.Value)
		}
	}
	var taken []baobei.Key
	if err := tx.SelectContext(ctx, &taken, "SELECT kind, value FROM customer_keys WHERE "+string(where), args...); err != nil {
		return nil, err
	}
	used := map[baobei.Key]bool{}
	for _, k := range taken {
		used[k] = true
	}
	var fresh []*reportJob
	for _, j := range batch {
		free := true
		for _, k := range j.keys {
			free = free && !used[k]
		}
		for _, k := range j.keys {
			used[k] = true
		}
		if free {
			fresh = append(fresh, j)
		}
	}
	return fresh, nil
}

// insertCustomers inserts the rows with one statement and reads their ids
// back by phone: the phones are free keys, so only this transaction's rows
// carry them.
func insertCustomers(ctx context.Context, tx *sqlx.Tx, p baobei.Policy, fresh []*reportJob) error {
	args := make([]any, 0, 15*len(fresh))
	phones := make([]any, 0, len(fresh))
	for _, j := range fresh {
		d := j.d
		args = append(args, d.Name, d.Phone, d.Wechat, d.Company, d.Source, d.Demand, d.Grade, baobei.StageNew, baobei.StatusOwned,
			j.actor.ID, ts(j.now.Add(p.Protection())), j.actor.ID, ts(j.now), ts(j.now), ts(j.now))
		phones = append(phones, d.Phone)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO customers (name, phone, wechat, company, source, demand, grade, stage, status,
		owner_id, protected_until, reporter_id, reported_at, owned_since, last_activity) VALUES `+placeholders(len(fresh), 15), args...); err != nil {
		return err
	}
	var rows []struct {
		ID    int64  `db:"id"`
		Phone string `db:"phone"`
	}
	q, qargs, err := sqlx.In("SELECT id, phone FROM customers WHERE phone IN (?)", phones)
	if err != nil {
		return err
	}
	if err := tx.SelectContext(ctx, &rows, q, qargs...); err != nil {
		return err
	}
	ids := make(map[string]int64, len(rows))
	for _, r := range rows {
		ids[r.Phone] = r.ID
	}
	for _, j := range fresh {
		if j.id = ids[j.d.Phone]; j.id == 0 {
			return errors.New("batch: inserted customer not found")
		}
	}
	return nil
}
