package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"baobei"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
)

// RunUnits runs the units of work of several incoming messages in one
// transaction, each in a savepoint of its own: a unit that fails is undone
// alone and reported in its result, the others commit. With each unit
// commit its dedupe record (with its replies, for a replay), everything it
// changed, every notice it queued, its replies in the outbox and its inbound
// row marked done. A unit whose message was recorded before is undone and
// replayed: its result carries the replies stored the first time.
//
// The error is for the transaction as a whole (it could not begin, commit,
// or the database aborted it): then no unit committed.
func (s *Store) RunUnits(ctx context.Context, now time.Time, units []baobei.Unit) ([]baobei.UnitResult, error) {
	var results []baobei.UnitResult
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if results, err = s.runUnits(ctx, now, units); err == nil || !aborted(err) {
			break
		}
	}
	return results, err
}

func (s *Store) runUnits(ctx context.Context, now time.Time, units []baobei.Unit) ([]baobei.UnitResult, error) {
	// Each statement sees what committed before it, so a unit that lost an
	// optimistic race can run again in the same transaction.
	tx, err := s.db.BeginTxx(ctx, s.readCommitted())
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var broken error
	bound := *s
	bound.unit, bound.broken = tx, &broken
	results := make([]baobei.UnitResult, len(units))
	var replies []baobei.Notice
	var done []int64
	for i, u := range units {
		r := bound.runUnit(ctx, tx, now, u)
		if broken != nil {
			return nil, broken
		}
		if aborted(r.Err) {
			return nil, r.Err
		}
		results[i] = r
		if r.Err == nil {
			if !r.Replayed {
				replies = append(replies, r.Replies...)
			}
			if u.Inbound != 0 {
				done = append(done, u.Inbound)
			}
		}
	}
	if err := enqueue(ctx, tx, now, replies...); err != nil {
		return nil, err
	}
	if err := finishInbound(ctx, tx, done); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	s.wake()
	return results, nil
}

// runUnit runs one unit in a savepoint; a lost optimistic race runs it again.
func (s *Store) runUnit(ctx context.Context, tx *sqlx.Tx, now time.Time, u baobei.Unit) baobei.UnitResult {
	var r baobei.UnitResult
	for attempt := 0; attempt < 5; attempt++ {
		r = baobei.UnitResult{}
		r.Err = savepoint(ctx, tx, "unit", func() error {
			ns, err := u.Do(ctx, s)
			if *s.broken != nil {
				return *s.broken // whatever Do made of it
			}
			if err != nil {
				return err
			}
			for i := range ns {
				ns[i].Priority = baobei.PriorityReply
			}
			r.Replies = ns
			return recordMessage(ctx, tx, now, u.Claim, ns)
		})
		if errors.Is(r.Err, errReplay) {
			return s.replay(ctx, tx, u.Claim)
		}
		if !errors.Is(r.Err, errStale) {
			break
		}
	}
	return r
}

// errReplay: the message was recorded before; its unit is undone.
var errReplay = errors.New("message handled before")

// recordMessage writes the dedupe record with the replies; errReplay when
// the message was recorded before (the unique key decides, so two
// processes handling the same message cannot both commit).
func recordMessage(ctx context.Context, tx *sqlx.Tx, now time.Time, c baobei.MessageClaim, replies []baobei.Notice) error {
	if c.ID == "" {
		return nil
	}
	b, err := json.Marshal(replies)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO processed_messages (platform, msg_id, created_at, replies) VALUES (?, ?, ?, ?)",
		c.Platform, c.ID, ts(now), string(b))
	if isDuplicate(err) {
		return errReplay
	}
	return err
}

// replay returns the replies stored when the message was first handled.
func (s *Store) replay(ctx context.Context, tx *sqlx.Tx, c baobei.MessageClaim) baobei.UnitResult {
	var stored sql.NullString
	err := tx.GetContext(ctx, &stored, "SELECT replies FROM processed_messages WHERE platform = ? AND msg_id = ?", c.Platform, c.ID)
	r := baobei.UnitResult{Replayed: true, Err: err}
	if err == nil && stored.Valid {
		r.Err = json.Unmarshal([]byte(stored.String), &r.Replies)
	}
	if err != nil {
		r.Err = fmt.Errorf("replay %s/%s: %w", c.Platform, c.ID, err)
	}
	return r
}

// aborted reports whether the database rolled back the whole transaction
// (a deadlock on MySQL), so that no savepoint is left to return to.
func aborted(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1213
}
