package store

import (
	"context"
	"errors"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

// New customers are written by writeBatch, which takes several at once with
// multi-row statements (one 报备 is a batch of one). A batch never decides
// a race: reports whose keys are taken, or that collide inside the batch,
// are left out and take the takeover path.

type reportJob struct {
	now   time.Time
	actor *baobei.User
	d     baobei.CustomerDraft
	keys  []baobei.Key

	id int64 // set inside the batch transaction
}

// insertNew stores a new customer; nil when one of its keys exists (the
// unique index has decided who was first; the caller takes the takeover
// path). A reporter at max_held is refused a new customer; the lock taken
// on their users row keeps concurrent reports from passing the cap together.
func (s *Store) insertNew(ctx context.Context, now time.Time, actor *baobei.User, d baobei.CustomerDraft, keys []baobei.Key) (*baobei.Customer, error) {
	j := &reportJob{now: now, actor: actor, d: d, keys: keys}
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		j.id = 0
		taker, err := s.taker(ctx, tx, now, actor)
		if err != nil {
			return err
		}
		if herr := baobei.CheckHeld(taker.Held, s.policy); herr != nil {
			fresh, err := freeJobs(ctx, tx, []*reportJob{j})
			if err != nil || len(fresh) == 0 {
				return err // a key is taken: the takeover path decides
			}
			return herr
		}
		_, err = writeBatch(ctx, tx, s.policy, []*reportJob{j})
		return err
	})
	if isDuplicate(err) || (err == nil && j.id == 0) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.newCustomer(j), nil
}

func (s *Store) newCustomer(j *reportJob) *baobei.Customer {
	until := ts(j.now.Add(s.policy.Protection()))
	return &baobei.Customer{ID: j.id, Name: j.d.Name, Phone: j.d.Phone, Wechat: j.d.Wechat, Company: j.d.Company,
		Source: j.d.Source, Demand: j.d.Demand, Grade: j.d.Grade, Stage: baobei.StageNew, Status: baobei.StatusOwned,
		OwnerID: &j.actor.ID, ProtectedUntil: &until, ReporterID: j.actor.ID, ReportedAt: ts(j.now), Version: 1,
		OwnerName: j.actor.Name, OwnerUID: j.actor.UID, OwnerTeam: j.actor.TeamID}
}

// writeBatch inserts the jobs whose keys are all free and distinct, with
// their keys and audit rows, and sets their ids (and clears those of the
// others: a rerun after a deadlock starts afresh).
func writeBatch(ctx context.Context, tx *sqlx.Tx, p baobei.Policy, batch []*reportJob) ([]*reportJob, error) {
	for _, j := range batch {
		j.id = 0
	}
	fresh, err := freeJobs(ctx, tx, batch)
	if err != nil || len(fresh) == 0 {
		return fresh, err
	}
	if err := insertCustomers(ctx, tx, p, fresh); err != nil {
		return nil, err
	}
	var fields []fieldRow
	for _, j := range fresh {
		fields = append(fields, rowsOf(j.id, j.d.Custom)...)
	}
	if err := insertFields(ctx, tx, fresh[0].now, fields); err != nil {
		return nil, err
	}
	var keyArgs []any
	var events []auditEvent
	nkeys := 0
	for _, j := range fresh {
		for _, k := range j.keys {
			keyArgs = append(keyArgs, k.Kind, k.Value, j.id)
			nkeys++
		}
		events = append(events, auditEvent{customer: j.id, actor: j.actor.ID, action: ActReport, to: &j.actor.ID, detail: "new", at: j.now})
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO customer_keys (kind, value, customer_id) VALUES "+placeholders(nkeys, 3), keyArgs...); err != nil {
		return nil, err
	}
	starts := make([]contactStart, len(fresh))
	for i, j := range fresh {
		starts[i] = contactStart{j.id, j.actor.ID}
	}
	if err := newContacts(ctx, tx, p, fresh[0].now, starts); err != nil {
		return nil, err
	}
	return fresh, audits(ctx, tx, fresh[0].now, events)
}

// freeJobs drops the jobs with a key that exists or that an earlier job of
// the batch uses.
func freeJobs(ctx context.Context, tx *sqlx.Tx, batch []*reportJob) ([]*reportJob, error) {
	byKind := map[string][]any{} // one indexed IN per key kind
	for _, j := range batch {
		for _, k := range j.keys {
			byKind[k.Kind] = append(byKind[k.Kind], k.Value)
		}
	}
	var taken []baobei.Key
	for kind, values := range byKind {
		q, args, err := sqlx.In("SELECT kind, value FROM customer_keys WHERE kind = ? AND value IN (?)", kind, values)
		if err != nil {
			return nil, err
		}
		var some []baobei.Key
		if err := tx.SelectContext(ctx, &some, q, args...); err != nil {
			return nil, err
		}
		taken = append(taken, some...)
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
