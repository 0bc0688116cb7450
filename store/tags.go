package store

import (
	"context"
	"slices"
	"strings"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

// ActTag is the audit action of a tag change (detail "+高意向 -老客户").
const ActTag = "tag"

// SetTags adds and removes people's tags of a customer, in one transaction
// with its audit row, and returns the customer and all its tags. System
// tags (segments) cannot be removed by hand; a customer carries at most
// baobei.MaxTags of people's tags.
func (s *Store) SetTags(ctx context.Context, now time.Time, actor *baobei.User, ref baobei.CustomerRef, add, remove []string) (*baobei.Customer, []string, error) {
	var c *baobei.Customer
	var tags []string
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if c, err = resolve(ctx, tx, ref); err != nil {
			return err
		}
		if err := baobei.CheckTag(c, actor); err != nil {
			return err
		}
		var have []struct {
			Tag  string `db:"tag"`
			Kind string `db:"kind"`
		}
		if err := tx.SelectContext(ctx, &have, "SELECT tag, kind FROM customer_tags WHERE customer_id = ?", c.ID); err != nil {
			return err
		}
		kind, user := map[string]string{}, 0
		for _, h := range have {
			kind[h.Tag] = h.Kind
			if h.Kind == baobei.TagUser {
				user++
			}
		}
		var detail []string
		for _, t := range remove {
			switch kind[t] {
			case baobei.TagSystem:
				return baobei.Errorf(baobei.EINVALID, "「%s」是系统标签（按客户的消费自动打上），不能手动删除。", t)
			case "":
				continue
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM customer_tags WHERE customer_id = ? AND tag = ?", c.ID, t); err != nil {
				return err
			}
			user--
			detail = append(detail, "-"+t)
		}
		for _, t := range add {
			if kind[t] != "" || slices.Contains(remove, t) {
				continue
			}
			if _, ok := s.policy.RFM.Named(t); ok {
				return baobei.Errorf(baobei.EINVALID, "「%s」是系统标签（按客户的消费自动打上），不能手动添加。换个名字，例如：标签 #%d 重点维护", t, c.ID)
			}
			if user >= baobei.MaxTags {
				return baobei.Errorf(baobei.ELIMIT, "#%d 已有 %d 个标签，最多 %d 个。先删掉不用的：标签 #%d -旧标签", c.ID, user, baobei.MaxTags, c.ID)
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO customer_tags (customer_id, tag, kind, created_at) VALUES (?, ?, ?, ?)",
				c.ID, t, baobei.TagUser, ts(now)); err != nil {
				return err
			}
			kind[t] = baobei.TagUser
			user++
			detail = append(detail, "+"+t)
		}
		if len(detail) > 0 {
			if err := audit(ctx, tx, now, c.ID, actor.ID, ActTag, nil, nil, strings.Join(detail, " ")); err != nil {
				return err
			}
		}
		tags, err = tagsOf(ctx, tx, []int64{c.ID})
		return err
	})
	return c, tags, err
}

func tagsOf(ctx context.Context, q querier, ids []int64) ([]string, error) {
	m, err := tagsByCustomer(ctx, q, ids)
	return m[ids[0]], err
}

// TagsOf is the tags of each customer, system tags first, then by name.
func (s *Store) TagsOf(ctx context.Context, ids []int64) (map[int64][]string, error) {
	return tagsByCustomer(ctx, s.q(), ids)
}

func tagsByCustomer(ctx context.Context, q querier, ids []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(ids) == 0 {
		return out, nil
	}
	query, args, err := sqlx.In("SELECT customer_id, tag FROM customer_tags WHERE customer_id IN (?) ORDER BY customer_id, CASE WHEN kind = 'system' THEN 0 ELSE 1 END, tag", ids)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		ID  int64  `db:"customer_id"`
		Tag string `db:"tag"`
	}
	if err := q.SelectContext(ctx, &rows, q.Rebind(query), args...); err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.ID] = append(out[r.ID], r.Tag)
	}
	return out, nil
}
