package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

// ActSegment is the audit action of a customer entering or leaving an RFM
// segment (detail "新客户→潜在流失", "+高价值客户", "-新客户").
const ActSegment = "segment"

// segmentBatch is how many customers one transaction of the nightly
// recompute changes.
const segmentBatch = 2000

// rfmRow is one customer's purchases summed: in all and within the window.
type rfmRow struct {
	ID          int64   `db:"customer_id"`
	Last        aggTime `db:"last"`
	N           int     `db:"n"`
	Cents       int64   `db:"cents"`
	WindowN     int     `db:"wn"`
	WindowCents int64   `db:"wcents"`
}

// rfmSums is the aggregate behind rfmRow; its two arguments are the
// window's start.
const rfmSums = `SELECT customer_id, MAX(bought_at) AS last, COUNT(*) AS n, SUM(amount_cents) AS cents,
	SUM(CASE WHEN bought_at >= ? THEN 1 ELSE 0 END) AS wn, SUM(CASE WHEN bought_at >= ? THEN amount_cents ELSE 0 END) AS wcents
	FROM purchases `

func (s *Store) rfmOf(r rfmRow, now time.Time) baobei.RFM {
	return s.policy.RFM.Score(now.In(s.policy.Loc), r.Last.Time, r.WindowN, r.WindowCents, r.N, r.Cents)
}

func (s *Store) windowStart(now time.Time) time.Time {
	return ts(now.AddDate(0, 0, -s.policy.RFM.Window))
}

// segmentOf is the segment r puts a customer in, "" for none.
func (s *Store) segmentOf(r rfmRow, now time.Time) string {
	seg, _ := s.policy.RFM.Segment(s.rfmOf(r, now))
	return seg.Name
}

// Resegment is the nightly RFM: it sums every customer's purchases, finds
// those whose segment is not the one their system tag says, and moves them
// in batches (resegment), each one transaction. It returns how many moved.
func (s *Store) Resegment(ctx context.Context, now time.Time) (int, error) {
	ids, err := s.segmentDrift(ctx, now)
	if err != nil {
		return 0, err
	}
	n := 0
	for rest := ids; len(rest) > 0; {
		batch := rest[:min(len(rest), segmentBatch)]
		rest = rest[len(batch):]
		err := s.tx(ctx, func(tx *sqlx.Tx) error {
			k, err := s.resegment(ctx, tx, now, batch, baobei.PriorityBulk)
			n += k
			return err
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// segmentDrift streams the purchase sums and the system tags, both in
// customer order, and lists the customers whose tag differs from their
// segment (a tag without purchases included).
func (s *Store) segmentDrift(ctx context.Context, now time.Time) ([]int64, error) {
	tags, err := s.db.QueryxContext(ctx, "SELECT customer_id, tag FROM customer_tags WHERE kind = ? ORDER BY customer_id", baobei.TagSystem)
	if err != nil {
		return nil, err
	}
	defer tags.Close()
	var tag struct {
		ID  int64  `db:"customer_id"`
		Tag string `db:"tag"`
	}
	more := tags.Next()
	next := func() error {
		if err := tags.StructScan(&tag); err != nil {
			return err
		}
		return nil
	}
	if more {
		if err := next(); err != nil {
			return nil, err
		}
	}
	var drift []int64
	// tagOf consumes the tags of customers up to id; it returns id's tag and
	// lists as drifted the tagged customers before id (no purchases).
	tagOf := func(id int64) (string, error) {
		cur := ""
		for more && tag.ID <= id {
			if tag.ID < id && (len(drift) == 0 || drift[len(drift)-1] != tag.ID) {
				drift = append(drift, tag.ID)
			}
			if tag.ID == id {
				cur += "," + tag.Tag
			}
			if more = tags.Next(); more {
				if err := next(); err != nil {
					return "", err
				}
			}
		}
		return strings.TrimPrefix(cur, ","), tags.Err()
	}
	start := s.windowStart(now)
	err = eachRow(ctx, s.db, rfmSums+"GROUP BY customer_id ORDER BY customer_id", []any{start, start}, func(r *rfmRow) error {
		cur, err := tagOf(r.ID)
		if err != nil {
			return err
		}
		if cur != s.segmentOf(*r, now) {
			drift = append(drift, r.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, err := tagOf(1<<62 - 1); err != nil { // the tagged customers after the last purchase
		return nil, err
	}
	slices.Sort(drift)
	return slices.Compact(drift), nil
}

// segmentRow is a customer being moved, locked for the move.
type segmentRow struct {
	ID       int64      `db:"id"`
	Name     string     `db:"name"`
	Status   string     `db:"status"`
	OwnerID  *int64     `db:"owner_id"`
	OwnerUID string     `db:"owner_uid"`
	Next     *time.Time `db:"next_followup_at"`
}

// resegment recomputes the customers' segments from their purchases,
// under their row locks, and moves those whose segment changed: the system
// tag, an audit row, and — entering a segment with remind — a follow-up
// due today for the owner and a message saying why (at priority prio).
// A purchase calls it in its own transaction, the nightly recompute in
// batches. It returns how many moved.
func (s *Store) resegment(ctx context.Context, tx *sqlx.Tx, now time.Time, ids []int64, prio baobei.Priority) (int, error) {
	rows, err := s.lockSegmentRows(ctx, tx, ids)
	if err != nil {
		return 0, err
	}
	sums := map[int64]rfmRow{}
	start := s.windowStart(now)
	q, args, err := sqlx.In(rfmSums+"WHERE customer_id IN (?) GROUP BY customer_id", start, start, ids)
	if err != nil {
		return 0, err
	}
	if err := eachRow(ctx, tx, tx.Rebind(q), args, func(r *rfmRow) error { sums[r.ID] = *r; return nil }); err != nil {
		return 0, err
	}
	current, err := systemTags(ctx, tx, ids)
	if err != nil {
		return 0, err
	}
	var moved []int64
	var entered []baobei.SegmentEntry
	var events []auditEvent
	var tags []any
	for _, r := range rows {
		from, to := current[r.ID], ""
		if sum, ok := sums[r.ID]; ok && r.Status == string(baobei.StatusWon) {
			to = s.segmentOf(sum, now)
			if seg, _ := s.policy.RFM.Named(to); seg.Remind && to != from && r.OwnerID != nil {
				entered = append(entered, baobei.SegmentEntry{UID: r.OwnerUID, ID: r.ID, Name: r.Name, Segment: to, RFM: s.rfmOf(sum, now)})
			}
		}
		if from == to {
			continue
		}
		moved = append(moved, r.ID)
		events = append(events, auditEvent{customer: r.ID, action: ActSegment, detail: segmentDetail(from, to)})
		if to != "" {
			tags = append(tags, r.ID, to, baobei.TagSystem, ts(now))
		}
	}
	if len(moved) == 0 {
		return 0, nil
	}
	if err := s.moveTags(ctx, tx, moved, tags); err != nil {
		return 0, err
	}
	if err := audits(ctx, tx, now, events); err != nil {
		return 0, err
	}
	return len(moved), s.remindEntered(ctx, tx, now, entered, prio)
}

// lockSegmentRows locks the customers' rows (not their owners': the
// assignment of leads locks users) and reads them with their owners.
func (s *Store) lockSegmentRows(ctx context.Context, tx *sqlx.Tx, ids []int64) ([]segmentRow, error) {
	if s.dialect == MySQL { // SQLite's write transaction holds the whole database
		q, args, err := sqlx.In("SELECT id FROM customers WHERE id IN (?) FOR UPDATE", ids)
		if err != nil {
			return nil, err
		}
		var locked []int64
		if err := tx.SelectContext(ctx, &locked, q, args...); err != nil {
			return nil, err
		}
	}
	q, args, err := sqlx.In(`SELECT c.id, c.name, c.status, c.owner_id, COALESCE(u.uid, '') AS owner_uid, c.next_followup_at
		FROM customers c LEFT JOIN users u ON u.id = c.owner_id WHERE c.id IN (?) ORDER BY c.id`, ids)
	if err != nil {
		return nil, err
	}
	var rows []segmentRow
	return rows, tx.SelectContext(ctx, &rows, tx.Rebind(q), args...)
}

// systemTags is each customer's system tags, joined by commas.
func systemTags(ctx context.Context, q querier, ids []int64) (map[int64]string, error) {
	query, args, err := sqlx.In("SELECT customer_id, tag FROM customer_tags WHERE kind = ? AND customer_id IN (?) ORDER BY customer_id, tag", baobei.TagSystem, ids)
	if err != nil {
		return nil, err
	}
	out := map[int64]string{}
	err = eachRow(ctx, q, q.Rebind(query), args, func(r *struct {
		ID  int64  `db:"customer_id"`
		Tag string `db:"tag"`
	}) error {
		if out[r.ID] != "" {
			out[r.ID] += ","
		}
		out[r.ID] += r.Tag
		return nil
	})
	return out, err
}

// moveTags replaces the system tags of the moved customers by tags (rows
// of customer_id, tag, kind, created_at); a person's tag of the same name
// gives way.
func (s *Store) moveTags(ctx context.Context, tx *sqlx.Tx, moved []int64, tags []any) error {
	q, args, err := sqlx.In("DELETE FROM customer_tags WHERE kind = ? AND customer_id IN (?)", baobei.TagSystem, moved)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, tx.Rebind(q), args...); err != nil {
		return err
	}
	if len(tags) == 0 {
		return nil
	}
	// A user tag of a segment's name (from before the segment was
	// configured) gives way; one statement per segment, by primary key.
	entering := map[any][]any{}
	for i := 0; i < len(tags); i += 4 {
		entering[tags[i+1]] = append(entering[tags[i+1]], tags[i])
	}
	for seg, ids := range entering {
		q, args, err := sqlx.In("DELETE FROM customer_tags WHERE tag = ? AND customer_id IN (?)", seg, ids)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(q), args...); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO customer_tags (customer_id, tag, kind, created_at) VALUES "+placeholders(len(tags)/4, 4), tags...)
	return err
}

// remindEntered gives each customer that entered a remind segment a
// follow-up due now (unless one is due sooner) and tells each owner once.
func (s *Store) remindEntered(ctx context.Context, tx *sqlx.Tx, now time.Time, entered []baobei.SegmentEntry, prio baobei.Priority) error {
	if len(entered) == 0 {
		return nil
	}
	ids := make([]int64, len(entered))
	for i, e := range entered {
		ids[i] = e.ID
	}
	q, args, err := sqlx.In("UPDATE customers SET next_followup_at = ?, version = version + 1 WHERE id IN (?) AND (next_followup_at IS NULL OR next_followup_at > ?)",
		ts(now), ids, ts(now))
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, tx.Rebind(q), args...); err != nil {
		return err
	}
	ns := baobei.NoticeSegmentEntries(entered, s.policy)
	for i := range ns {
		ns[i].Priority = prio
	}
	return enqueue(ctx, tx, now, ns...)
}

func segmentDetail(from, to string) string {
	switch {
	case from == "":
		return "+" + to
	case to == "":
		return "-" + from
	}
	return from + "→" + to
}

// RFMOf is a customer's RFM at now, false when it has no purchases.
func (s *Store) RFMOf(ctx context.Context, now time.Time, id int64) (baobei.RFM, bool, error) {
	var rs []rfmRow
	start := s.windowStart(now)
	if err := s.q().SelectContext(ctx, &rs, rfmSums+"WHERE customer_id = ? GROUP BY customer_id", start, start, id); err != nil || len(rs) == 0 {
		return baobei.RFM{}, false, err
	}
	return s.rfmOf(rs[0], now), true, nil
}

// aggTime scans a time that an aggregate returned: SQLite types MAX(t) as
// text.
type aggTime struct{ time.Time }

func (t *aggTime) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		t.Time = x
		return nil
	case []byte:
		return t.parse(string(x))
	case string:
		return t.parse(x)
	}
	return fmt.Errorf("aggTime: cannot scan %T", v)
}

func (t *aggTime) parse(s string) error {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05", time.RFC3339Nano} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return fmt.Errorf("aggTime: cannot parse %q", s)
}

// Segmented lists the won customers of scope (by owner) in the segments,
// longest since their last purchase first, up to limit, with their RFM,
// and how many there are in all.
func (s *Store) Segmented(ctx context.Context, now time.Time, scope baobei.Scope, segments []string, limit int) ([]baobei.SegmentCustomer, int, error) {
	if len(segments) == 0 {
		return nil, 0, nil
	}
	owner, oargs := scopeWhere("c.owner_id", scope)
	from := ` FROM customer_tags t JOIN customers c ON c.id = t.customer_id LEFT JOIN users u ON u.id = c.owner_id
		WHERE t.kind = ? AND t.tag IN (?) AND c.status = ? AND ` + owner
	args := append([]any{baobei.TagSystem, segments, baobei.StatusWon}, oargs...)
	var n int
	q, qargs, err := sqlx.In("SELECT COUNT(*)"+from, args...)
	if err != nil {
		return nil, 0, err
	}
	if err := s.q().GetContext(ctx, &n, s.q().Rebind(q), qargs...); err != nil || n == 0 {
		return nil, n, err
	}
	q, qargs, err = sqlx.In("SELECT c.id, c.name, COALESCE(u.name, '') AS owner_name, t.tag"+from+" ORDER BY c.last_purchase_at, c.id LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, 0, err
	}
	var cs []baobei.SegmentCustomer
	if err := s.q().SelectContext(ctx, &cs, s.q().Rebind(q), qargs...); err != nil {
		return nil, 0, err
	}
	for i := range cs {
		if cs[i].RFM, _, err = s.RFMOf(ctx, now, cs[i].ID); err != nil {
			return nil, 0, err
		}
	}
	return cs, n, nil
}
