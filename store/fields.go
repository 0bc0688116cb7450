package store

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

// ActFields is the audit action of a follow-up that set custom field
// values (detail "面积=120 户型=三居").
const ActFields = "fields"

// fieldRow is one custom field value of a customer.
type fieldRow struct {
	id       int64
	key, val string
}

// rowsOf lists vals as rows of customer id, in key order.
func rowsOf(id int64, vals map[string]string) []fieldRow {
	out := make([]fieldRow, 0, len(vals))
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		out = append(out, fieldRow{id, k, vals[k]})
	}
	return out
}

// insertFields inserts values that customers do not have yet.
func insertFields(ctx context.Context, tx *sqlx.Tx, now time.Time, rows []fieldRow) error {
	for len(rows) > 0 {
		part := rows[:min(len(rows), 500)]
		rows = rows[len(part):]
		args := make([]any, 0, 4*len(part))
		for _, r := range part {
			args = append(args, r.id, r.key, r.val, ts(now))
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO customer_fields (customer_id, field_key, value, updated_at) VALUES "+placeholders(len(part), 4), args...); err != nil {
			return err
		}
	}
	return nil
}

// setFields writes vals on customer id: over the values it has, or, with
// keep, only where it has none (a report taking over a customer).
func setFields(ctx context.Context, tx *sqlx.Tx, now time.Time, id int64, vals map[string]string, keep bool) error {
	if len(vals) == 0 {
		return nil
	}
	have, err := fieldsOf(ctx, tx, id)
	if err != nil {
		return err
	}
	rows := rowsOf(id, vals)
	for _, r := range rows {
		if _, ok := have[r.key]; ok && !keep {
			if _, err := tx.ExecContext(ctx, "DELETE FROM customer_fields WHERE customer_id = ? AND field_key = ?", id, r.key); err != nil {
				return err
			}
		}
	}
	if keep {
		rows = slices.DeleteFunc(rows, func(r fieldRow) bool { _, ok := have[r.key]; return ok })
	}
	return insertFields(ctx, tx, now, rows)
}

// fieldsOf loads the custom field values of customer id.
func fieldsOf(ctx context.Context, q querier, id int64) (map[string]string, error) {
	all, err := fieldsByCustomer(ctx, q, []int64{id})
	if all[id] == nil {
		return map[string]string{}, err
	}
	return all[id], err
}

// FieldsOf returns the custom field values of customers, by customer and
// key (a customer without any is absent).
func (s *Store) FieldsOf(ctx context.Context, ids []int64) (map[int64]map[string]string, error) {
	return fieldsByCustomer(ctx, s.q(), ids)
}

func fieldsByCustomer(ctx context.Context, q querier, ids []int64) (map[int64]map[string]string, error) {
	out := map[int64]map[string]string{}
	for len(ids) > 0 {
		part := ids[:min(len(ids), 500)]
		ids = ids[len(part):]
		query, args, err := sqlx.In("SELECT customer_id, field_key, value FROM customer_fields WHERE customer_id IN (?)", part)
		if err != nil {
			return nil, err
		}
		var rows []struct {
			ID  int64  `db:"customer_id"`
			Key string `db:"field_key"`
			Val string `db:"value"`
		}
		if err := q.SelectContext(ctx, &rows, q.Rebind(query), args...); err != nil {
			return nil, err
		}
		for _, r := range rows {
			if out[r.ID] == nil {
				out[r.ID] = map[string]string{}
			}
			out[r.ID][r.Key] = r.Val
		}
	}
	return out, nil
}

// followUpFields stores the values a follow-up set, with an audit row.
func followUpFields(ctx context.Context, tx *sqlx.Tx, now time.Time, actor *baobei.User, c *baobei.Customer, vals map[string]string) error {
	if len(vals) == 0 {
		return nil
	}
	if err := setFields(ctx, tx, now, c.ID, vals, false); err != nil {
		return err
	}
	var parts []string
	for _, r := range rowsOf(c.ID, vals) {
		parts = append(parts, r.key+"="+r.val)
	}
	return audit(ctx, tx, now, c.ID, actor.ID, ActFields, c.OwnerID, c.OwnerID, strings.Join(parts, " "))
}

// checkStage is baobei.CheckStage with c's custom field values loaded,
// which a stage may require.
func checkStage(ctx context.Context, tx *sqlx.Tx, c *baobei.Customer, f baobei.FollowUpDraft) error {
	if f.Stage != "" && f.Stage != c.Stage && len(f.Stage.Required()) > 0 {
		var err error
		if c.Custom, err = fieldsOf(ctx, tx, c.ID); err != nil {
			return err
		}
	}
	if err := baobei.CheckStage(c, f); err != nil {
		return err
	}
	return nil
}

// fieldsJSON is the SQL of a customer's custom field values as one JSON
// object, for the export.
func (s *Store) fieldsJSON() string {
	agg := map[string]string{SQLite: "json_group_object", MySQL: "JSON_OBJECTAGG"}[s.dialect]
	return "COALESCE((SELECT " + agg + "(cf.field_key, cf.value) FROM customer_fields cf WHERE cf.customer_id = c.id), '{}')"
}

// decodeFields reads fieldsJSON's column.
func decodeFields(s string) (map[string]string, error) {
	out := map[string]string{}
	if s == "" || s == "{}" {
		return out, nil
	}
	return out, json.Unmarshal([]byte(s), &out)
}
