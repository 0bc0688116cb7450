package store

import (
	"context"
	"errors"
	"strconv"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

// ActImport is the audit action of a customer created by an import.
const ActImport = "import"

// errDryRun undoes a dry run's transaction after its results are known.
var errDryRun = errors.New("dry run")

// ImportCustomers stores a batch of imported rows in one transaction: each
// row whose keys (phone, WeChat, company) are free in the store and not
// used by an earlier row becomes a customer — owned from now for a
// protection period when it has an owner, else in the pool — with its keys
// and an audit row; the others are reported as duplicates, naming the
// customer (or the earlier row) that has the key. dryRun decides the same
// and writes nothing. Rows of one batch are decided in order, so that
// batches in file order deduplicate the file exactly.
func (s *Store) ImportCustomers(ctx context.Context, now time.Time, rows []baobei.ImportRow, dryRun bool) ([]baobei.ImportResult, error) {
	var out []baobei.ImportResult
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if out, err = s.importBatch(ctx, tx, now, rows); err != nil {
			return err
		}
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return out, err
}

func (s *Store) importBatch(ctx context.Context, tx *sqlx.Tx, now time.Time, rows []baobei.ImportRow) ([]baobei.ImportResult, error) {
	out := make([]baobei.ImportResult, len(rows))
	jobs := make([]*reportJob, len(rows))
	for i, r := range rows {
		out[i] = baobei.ImportResult{Line: r.Line}
		jobs[i] = &reportJob{now: now, d: r.Draft, keys: r.DedupKeys(s.policy)}
	}
	if len(rows) == 0 {
		return out, nil
	}
	fresh, err := freeJobs(ctx, tx, jobs)
	if err != nil {
		return nil, err
	}
	isFresh := map[*reportJob]bool{}
	for _, j := range fresh {
		isFresh[j] = true
	}
	byKey := map[baobei.Key]int{} // key → index of the fresh row that takes it
	var add []int
	for i, j := range jobs {
		if isFresh[j] {
			for _, k := range j.keys {
				byKey[k] = i
			}
			add = append(add, i)
			continue
		}
		if err := s.duplicateOf(ctx, tx, now, j.keys, byKey, rows, &out[i]); err != nil {
			return nil, err
		}
	}
	if len(add) == 0 {
		return out, nil
	}
	ids, err := s.insertImported(ctx, tx, now, rows, add)
	if err != nil {
		return nil, err
	}
	var keyArgs []any
	var events []auditEvent
	nkeys := 0
	for n, i := range add {
		r := rows[i]
		out[i].Status, out[i].CustomerID = baobei.ImportImported, ids[n]
		var owner *int64
		if r.Owner != nil {
			owner, out[i].Owner = &r.Owner.ID, r.Owner.Name
		}
		for _, k := range jobs[i].keys {
			keyArgs = append(keyArgs, k.Kind, k.Value, ids[n])
			nkeys++
		}
		action, detail := ActImport, "line "+strconv.Itoa(r.Line)
		if r.Via != "" {
			action, detail = ActLead, r.Via
		}
		events = append(events, auditEvent{customer: ids[n], action: action, to: owner, detail: detail, at: now})
	}
	for len(keyArgs) > 0 { // at most 3 keys a row: 1,000 rows a statement
		chunk := keyArgs[:min(len(keyArgs), 3000*3)]
		keyArgs = keyArgs[len(chunk):]
		if _, err := tx.ExecContext(ctx, "INSERT INTO customer_keys (kind, value, customer_id) VALUES "+placeholders(len(chunk)/3, 3), chunk...); err != nil {
			return nil, err
		}
	}
	return out, audits(ctx, tx, now, events)
}

// duplicateOf fills res for a row with a taken key: the earlier row of the
// batch that took it, or the stored customer that has it.
func (s *Store) duplicateOf(ctx context.Context, tx *sqlx.Tx, now time.Time, keys []baobei.Key, byKey map[baobei.Key]int, rows []baobei.ImportRow, res *baobei.ImportResult) error {
	res.Status = baobei.ImportDuplicate
	for _, k := range keys {
		if i, ok := byKey[k]; ok {
			res.Key, res.DupOfLine = baobei.KeyLabel(k.Kind), rows[i].Line
			if rows[i].Owner != nil {
				res.Owner = rows[i].Owner.Name
			}
			return nil
		}
	}
	c, k, err := customerByKeys(ctx, tx, keys)
	if err != nil {
		return err
	}
	res.Key, res.CustomerID = baobei.KeyLabel(k.Kind), c.ID
	if owner, ok := c.Owner(now); ok && owner != 0 {
		res.Owner = c.OwnerName
	}
	return nil
}

// insertImported inserts rows[add] with multi-row statements and returns
// their ids, read back by phone (free keys: only this transaction has them).
func (s *Store) insertImported(ctx context.Context, tx *sqlx.Tx, now time.Time, rows []baobei.ImportRow, add []int) ([]int64, error) {
	const cols = 20
	ids := make([]int64, 0, len(add))
	for len(add) > 0 {
		part := add[:min(len(add), 1000)]
		add = add[len(part):]
		args := make([]any, 0, cols*len(part))
		phones := make([]any, 0, len(part))
		for _, i := range part {
			r := rows[i]
			d := r.Draft
			stage := r.Stage
			if stage == "" {
				stage = baobei.StageNew
			}
			reported := now
			if r.ReportedAt != nil && r.ReportedAt.Before(now) {
				reported = *r.ReportedAt
			}
			var owner *int64
			var until, released *time.Time
			status, why := baobei.StatusPool, ActImport
			if r.Owner != nil {
				owner, status, why = &r.Owner.ID, baobei.StatusOwned, ""
				until = tsp(ptr(now.Add(s.policy.Protection())))
			} else {
				released = tsp(&now)
			}
			args = append(args, d.Name, d.Phone, d.Wechat, d.Company, d.Source, d.Demand, d.Grade, stage, status,
				owner, until, ownerOr0(owner), ts(reported), ownedSince(owner, now), ts(now), tsp(r.NextAt), released, why, 0, d.Region)
			phones = append(phones, d.Phone)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO customers (name, phone, wechat, company, source, demand, grade, stage, status,
			owner_id, protected_until, reporter_id, reported_at, owned_since, last_activity, next_followup_at, released_at, release_reason, amount_cents, region)
			VALUES `+placeholders(len(part), cols), args...); err != nil {
			return nil, err
		}
		var got []struct {
			ID    int64  `db:"id"`
			Phone string `db:"phone"`
		}
		q, qargs, err := sqlx.In("SELECT id, phone FROM customers WHERE phone IN (?)", phones)
		if err != nil {
			return nil, err
		}
		if err := tx.SelectContext(ctx, &got, q, qargs...); err != nil {
			return nil, err
		}
		byPhone := make(map[string]int64, len(got))
		for _, g := range got {
			byPhone[g.Phone] = g.ID
		}
		var fields []fieldRow
		for _, i := range part {
			id := byPhone[rows[i].Draft.Phone]
			if id == 0 {
				return nil, errors.New("import: inserted customer not found")
			}
			ids = append(ids, id)
			fields = append(fields, rowsOf(id, rows[i].Draft.Custom)...)
		}
		if err := insertFields(ctx, tx, now, fields); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

func ptr[T any](v T) *T { return &v }

func ownerOr0(owner *int64) int64 {
	if owner == nil {
		return 0
	}
	return *owner
}

func ownedSince(owner *int64, now time.Time) *time.Time {
	if owner == nil {
		return nil
	}
	return tsp(&now)
}
