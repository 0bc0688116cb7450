package store

import (
	"context"
	"fmt"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

const approvalSelect = `SELECT a.id, a.kind, a.customer_id, a.requester_id, a.status, a.reason, a.days, a.target_id,
	a.decided_by, a.decided_at, a.note, a.created_at,
	COALESCE(r.name, '') AS requester_name, COALESCE(r.uid, '') AS requester_uid, r.team_id AS requester_team_id,
	COALESCE(d.name, '') AS decider_name, COALESCE(t.name, '') AS target_name, COALESCE(c.name, '') AS customer_name
	FROM approvals a LEFT JOIN users r ON r.id = a.requester_id LEFT JOIN users d ON d.id = a.decided_by
	LEFT JOIN users t ON t.id = a.target_id LEFT JOIN customers c ON c.id = a.customer_id `

func getApproval(ctx context.Context, q querier, id int64) (*baobei.Approval, error) {
	var a baobei.Approval
	err := q.GetContext(ctx, &a, approvalSelect+"WHERE a.id = ?", id)
	if notFound(err) {
		return nil, baobei.Errorf(baobei.ENOTFOUND, "没有编号为 A%d 的审批。发「审批」查看待审批的编号。", id)
	}
	return &a, err
}

// RequestReport reports a customer that needs approval: it is stored as
// pending with its keys reserved, so nobody else can report it meanwhile,
// and the approvers are asked. A taken key takes the usual path of Report.
func (s *Store) RequestReport(ctx context.Context, now time.Time, actor *baobei.User, d baobei.CustomerDraft, cards baobei.ApprovalNotices) (*baobei.ReportResult, error) {
	keys := d.Keys(s.policy)
	var res *baobei.ReportResult
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		taker, err := s.taker(ctx, tx, now, actor)
		if err != nil {
			return err
		}
		r, err := tx.ExecContext(ctx, `INSERT INTO customers (name, phone, wechat, company, source, demand, grade, stage, status,
			owner_id, reporter_id, reported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.Name, d.Phone, d.Wechat, d.Company, d.Source, d.Demand, d.Grade, baobei.StageNew, baobei.StatusPending, actor.ID, actor.ID, ts(now))
		if err != nil {
			return err
		}
		id, err := r.LastInsertId()
		if err != nil {
			return err
		}
		if err := insertFields(ctx, tx, now, rowsOf(id, d.Custom)); err != nil {
			return err
		}
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, "INSERT INTO customer_keys (kind, value, customer_id) VALUES (?, ?, ?)", k.Kind, k.Value, id); err != nil {
				return err
			}
		}
		if herr := baobei.CheckHeld(taker.Held, s.policy); herr != nil {
			return herr // a new customer (its keys were free): refused, undone
		}
		approvers, err := approversFor(ctx, tx, actor)
		if err != nil {
			return err
		}
		a, c, err := s.request(ctx, tx, now, actor, approvers, id, baobei.ApproveReport, 0, nil, "", cards)
		res = &baobei.ReportResult{Customer: c, Approval: a}
		return err
	})
	if isDuplicate(err) {
		return s.Report(ctx, now, actor, d)
	}
	return res, err
}

// RequestExtend asks to move the protection end of actor's customer.
func (s *Store) RequestExtend(ctx context.Context, now time.Time, actor *baobei.User, ref baobei.CustomerRef, days int, reason string, cards baobei.ApprovalNotices) (*baobei.Approval, error) {
	var out *baobei.Approval
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		c, err := resolve(ctx, tx, ref)
		if err != nil {
			return err
		}
		approved, pending, err := extensions(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		if err := baobei.CheckExtend(c, actor, days, approved, pending, now, s.policy); err != nil {
			return err
		}
		approvers, err := approversFor(ctx, tx, actor)
		if err != nil {
			return err
		}
		out, _, err = s.request(ctx, tx, now, actor, approvers, c.ID, baobei.ApproveExtend, days, nil, reason, cards)
		return err
	})
	return out, err
}

func extensions(ctx context.Context, tx *sqlx.Tx, customerID int64) (approved, pending int, err error) {
	err = tx.GetContext(ctx, &approved, "SELECT COUNT(*) FROM approvals WHERE customer_id = ? AND kind = ? AND status = ?",
		customerID, baobei.ApproveExtend, baobei.ApprovalApproved)
	if err == nil {
		err = tx.GetContext(ctx, &pending, "SELECT COUNT(*) FROM approvals WHERE customer_id = ? AND kind = ? AND status = ?",
			customerID, baobei.ApproveExtend, baobei.ApprovalPending)
	}
	return
}

// RequestTransfer asks to give actor's customer to a colleague; the
// approvers' transfer rule is checked now and again on approval.
func (s *Store) RequestTransfer(ctx context.Context, now time.Time, actor *baobei.User, ref baobei.CustomerRef, to *baobei.User, reason string, cards baobei.ApprovalNotices) (*baobei.Approval, error) {
	var out *baobei.Approval
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		c, err := resolve(ctx, tx, ref)
		if err != nil {
			return err
		}
		approvers, err := approversOf(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := baobei.CheckTransferRequest(c, actor, to, approvers, now); err != nil {
			return err
		}
		out, _, err = s.request(ctx, tx, now, actor, approvers, c.ID, baobei.ApproveTransfer, 0, &to.ID, reason, cards)
		return err
	})
	return out, err
}

// request inserts an approval and asks its approvers (approversFor)
// through the outbox.
func (s *Store) request(ctx context.Context, tx *sqlx.Tx, now time.Time, actor *baobei.User, approvers []baobei.User, customerID int64,
	kind baobei.ApprovalKind, days int, target *int64, reason string, cards baobei.ApprovalNotices) (*baobei.Approval, *baobei.Customer, error) {
	r, err := tx.ExecContext(ctx, `INSERT INTO approvals (kind, customer_id, requester_id, status, reason, days, target_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, kind, customerID, actor.ID, baobei.ApprovalPending, reason, days, target, ts(now))
	if err != nil {
		return nil, nil, err
	}
	id, err := r.LastInsertId()
	if err != nil {
		return nil, nil, err
	}
	a, err := getApproval(ctx, tx, id)
	if err != nil {
		return nil, nil, err
	}
	c, err := getCustomer(ctx, tx, customerID)
	if err != nil {
		return nil, nil, err
	}
	return a, c, enqueue(ctx, tx, now, cards(a, c, approvers)...)
}

// approversOf lists who is asked to decide requests of u: the other
// managers of u's team, or the other admins when the team has none. It
// never lists u: nobody decides their own request.
func approversOf(ctx context.Context, q querier, u *baobei.User) ([]baobei.User, error) {
	var us []baobei.User
	if u.TeamID != nil {
		if err := q.SelectContext(ctx, &us, "SELECT "+userCols+" FROM users WHERE team_id = ? AND role = ? AND active = ? AND id <> ? ORDER BY id",
			*u.TeamID, baobei.RoleManager, true, u.ID); err != nil || len(us) > 0 {
			return us, err
		}
	}
	err := q.SelectContext(ctx, &us, "SELECT "+userCols+" FROM users WHERE role = ? AND active = ? AND id <> ? ORDER BY id", baobei.RoleAdmin, true, u.ID)
	return us, err
}

// approversFor is approversOf, refusing a request nobody else could decide.
func approversFor(ctx context.Context, q querier, u *baobei.User) ([]baobei.User, error) {
	us, err := approversOf(ctx, q, u)
	if err != nil {
		return nil, err
	}
	if err := baobei.CheckApprovers(us); err != nil {
		return nil, err
	}
	return us, nil
}

// Decide approves or rejects a pending request, applies it and tells the
// requester, in one transaction with an audit row. Of concurrent decisions
// exactly one wins; the others are told who decided.
func (s *Store) Decide(ctx context.Context, now time.Time, actor *baobei.User, id int64, approve bool, note string) (*baobei.Approval, *baobei.Customer, error) {
	var a *baobei.Approval
	var c *baobei.Customer
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if a, err = getApproval(ctx, tx, id); err != nil {
			return err
		}
		if err := baobei.CheckDecide(a, actor, s.policy); err != nil {
			return err
		}
		if c, err = getCustomer(ctx, tx, a.CustomerID); err != nil {
			return err
		}
		status, err := s.apply(ctx, tx, now, actor, a, c, approve)
		if err != nil {
			return err
		}
		if err := affected(tx.ExecContext(ctx, `UPDATE approvals SET status = ?, decided_by = ?, decided_at = ?, note = ?
			WHERE id = ? AND status = ?`, status, actor.ID, ts(now), note, id, baobei.ApprovalPending)); err != nil {
			return err
		}
		if a, err = getApproval(ctx, tx, id); err != nil {
			return err
		}
		if c, err = getCustomer(ctx, tx, a.CustomerID); err != nil {
			return err
		}
		return enqueue(ctx, tx, now, baobei.NoticeDecision(a, c, s.policy))
	})
	return a, c, err
}

// apply carries out a decision and returns the approval's new status:
// cancelled when the request no longer applies (the customer changed hands).
func (s *Store) apply(ctx context.Context, tx *sqlx.Tx, now time.Time, actor *baobei.User, a *baobei.Approval, c *baobei.Customer, approve bool) (string, error) {
	detail := fmt.Sprintf("A%d %s", a.ID, a.Kind)
	if !approve {
		if err := dropReport(ctx, tx, a, c); err != nil {
			return "", err
		}
		return baobei.ApprovalRejected, audit(ctx, tx, now, c.ID, actor.ID, ActReject, nil, nil, detail)
	}
	if owner, owned := c.Owner(now); a.Kind != baobei.ApproveReport && (!owned || owner != a.RequesterID) {
		return baobei.ApprovalCancelled, audit(ctx, tx, now, c.ID, actor.ID, ActApprove, nil, nil, detail+" cancelled: owner changed")
	}
	switch a.Kind {
	case baobei.ApproveReport:
		return s.approveReport(ctx, tx, now, actor, a, c, detail)
	case baobei.ApproveExtend:
		return s.approveExtend(ctx, tx, now, actor, a, c, detail)
	}
	return s.approveTransfer(ctx, tx, now, actor, a, c, detail)
}

// dropReport voids the pending customer of a report request that was
// rejected or expired, and frees its keys.
func dropReport(ctx context.Context, tx *sqlx.Tx, a *baobei.Approval, c *baobei.Customer) error {
	if a.Kind != baobei.ApproveReport {
		return nil
	}
	if err := affected(tx.ExecContext(ctx, "UPDATE customers SET status = ?, owner_id = NULL, version = version + 1 WHERE id = ? AND status = ?",
		baobei.StatusRejected, c.ID, baobei.StatusPending)); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, "DELETE FROM customer_keys WHERE customer_id = ?", c.ID)
	return err
}

// ExpireApprovals expires the requests nobody decided within expire_days:
// each in one transaction with an audit row and the requester's notice; an
// expired report frees its keys.
func (s *Store) ExpireApprovals(ctx context.Context, now time.Time) (int, error) {
	if s.policy.Approval.ExpireDays <= 0 {
		return 0, nil // requests never expire
	}
	var ids []int64
	cutoff := now.AddDate(0, 0, -s.policy.Approval.ExpireDays)
	if err := s.q().SelectContext(ctx, &ids, "SELECT id FROM approvals WHERE status = ? AND created_at <= ? ORDER BY id",
		baobei.ApprovalPending, ts(cutoff)); err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		expired := false
		err := s.tx(ctx, func(tx *sqlx.Tx) error {
			expired = false
			a, err := getApproval(ctx, tx, id)
			if err != nil || a.Status != baobei.ApprovalPending {
				return err // decided meanwhile
			}
			c, err := getCustomer(ctx, tx, a.CustomerID)
			if err != nil {
				return err
			}
			if err := dropReport(ctx, tx, a, c); err != nil {
				return err
			}
			if err := affected(tx.ExecContext(ctx, "UPDATE approvals SET status = ?, decided_at = ? WHERE id = ? AND status = ?",
				baobei.ApprovalExpired, ts(now), id, baobei.ApprovalPending)); err != nil {
				return err
			}
			if err := audit(ctx, tx, now, c.ID, 0, ActExpire, nil, nil, fmt.Sprintf("A%d %s", a.ID, a.Kind)); err != nil {
				return err
			}
			a.Status, expired = baobei.ApprovalExpired, true
			return enqueue(ctx, tx, now, baobei.NoticeDecision(a, c, s.policy))
		})
		if err != nil {
			return n, err
		}
		if expired {
			n++
		}
	}
	return n, nil
}

func (s *Store) approveReport(ctx context.Context, tx *sqlx.Tx, now time.Time, actor *baobei.User, a *baobei.Approval, c *baobei.Customer, detail string) (string, error) {
	if err := affected(tx.ExecContext(ctx, `UPDATE customers SET status = ?, protected_until = ?, owned_since = ?, last_activity = ?, version = version + 1
		WHERE id = ? AND status = ?`, baobei.StatusOwned, ts(now.Add(s.policy.Protection())), ts(now), ts(now), c.ID, baobei.StatusPending)); err != nil {
		return "", err
	}
	if err := startContacts(ctx, tx, s.policy, now, []contactStart{{c.ID, a.RequesterID}}); err != nil {
		return "", err
	}
	return baobei.ApprovalApproved, audit(ctx, tx, now, c.ID, actor.ID, ActApprove, nil, &a.RequesterID, detail)
}

func (s *Store) approveExtend(ctx context.Context, tx *sqlx.Tx, now time.Time, actor *baobei.User, a *baobei.Approval, c *baobei.Customer, detail string) (string, error) {
	approved, _, err := extensions(ctx, tx, c.ID)
	if err != nil {
		return "", err
	}
	if approved >= s.policy.Approval.MaxExtensions {
		return "", baobei.Errorf(baobei.ELIMIT, "#%d 已延期 %d 次，达到上限，不能再批准。请发「驳回 A%d 原因:…」。", c.ID, approved, a.ID)
	}
	until := c.ProtectedUntil.Add(time.Duration(a.Days) * 24 * time.Hour)
	if err := affected(tx.ExecContext(ctx, "UPDATE customers SET protected_until = ?, extended_until = ?, version = version + 1 WHERE id = ? AND version = ?",
		ts(until), ts(until), c.ID, c.Version)); err != nil {
		return "", err
	}
	return baobei.ApprovalApproved, audit(ctx, tx, now, c.ID, actor.ID, ActApprove, c.OwnerID, c.OwnerID, fmt.Sprintf("%s +%dd", detail, a.Days))
}

func (s *Store) approveTransfer(ctx context.Context, tx *sqlx.Tx, now time.Time, actor *baobei.User, a *baobei.Approval, c *baobei.Customer, detail string) (string, error) {
	to, err := s.getUserTx(ctx, tx, *a.TargetID)
	if err != nil {
		return "", err
	}
	if err := baobei.CheckTransfer(c, actor, to, now); err != nil {
		return "", baobei.Errorf(err.Code, "%s\nA%d 仍待审批；不能同意时请发「驳回 A%d 原因:…」。", err.Message, a.ID, a.ID)
	}
	if err := s.assign(ctx, tx, now, c, to.ID, baobei.CustomerDraft{}); err != nil {
		return "", err
	}
	if err := audit(ctx, tx, now, c.ID, actor.ID, ActTransfer, c.OwnerID, &to.ID, detail+" "+a.Reason); err != nil {
		return "", err
	}
	if err := startContacts(ctx, tx, s.policy, now, []contactStart{{c.ID, to.ID}}); err != nil {
		return "", err
	}
	moved, err := getCustomer(ctx, tx, c.ID)
	if err != nil {
		return "", err
	}
	held, err := heldBy(ctx, tx, now, to.ID)
	if err != nil {
		return "", err
	}
	return baobei.ApprovalApproved, enqueue(ctx, tx, now, baobei.NoticesTransfer(moved, "", actor, to, held, s.policy)...)
}

func (s *Store) getUserTx(ctx context.Context, q querier, id int64) (*baobei.User, error) {
	var u baobei.User
	err := q.GetContext(ctx, &u, "SELECT "+userCols+" FROM users WHERE id = ?", id)
	return &u, err
}

// PendingApprovals lists the pending requests actor may decide, oldest first.
func (s *Store) PendingApprovals(ctx context.Context, actor *baobei.User) ([]baobei.Approval, error) {
	var as []baobei.Approval
	q, args := approvalSelect+"WHERE a.status = ? ", []any{baobei.ApprovalPending}
	switch {
	case actor.Role == baobei.RoleAdmin:
	case actor.Role == baobei.RoleManager && actor.TeamID != nil:
		q, args = q+"AND r.team_id = ? ", append(args, *actor.TeamID)
	default:
		return nil, nil
	}
	q, args = q+"AND a.requester_id <> ? ", append(args, actor.ID) // nobody decides their own
	err := s.q().SelectContext(ctx, &as, q+"ORDER BY a.id LIMIT 50", args...)
	return as, err
}

// RequestsBy lists a user's requests, newest first.
func (s *Store) RequestsBy(ctx context.Context, userID int64) ([]baobei.Approval, error) {
	var as []baobei.Approval
	err := s.q().SelectContext(ctx, &as, approvalSelect+"WHERE a.requester_id = ? ORDER BY a.id DESC LIMIT 20", userID)
	return as, err
}

// TeamName is the name of u's team, or "".
func (s *Store) TeamName(ctx context.Context, u *baobei.User) (string, error) {
	if u.TeamID == nil {
		return "", nil
	}
	var name string
	err := s.q().GetContext(ctx, &name, "SELECT name FROM teams WHERE id = ?", *u.TeamID)
	if notFound(err) {
		return "", nil
	}
	return name, err
}
