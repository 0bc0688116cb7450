package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

// Visit audit actions.
const (
	ActVisitPlan    = "visit_plan"    // detail: the planned time
	ActVisitMove    = "visit_move"    // detail "12月2日 14:00→12月4日 10:00"
	ActVisitCancel  = "visit_cancel"  // detail: the reason
	ActVisitCheckIn = "visit_checkin" // detail: the place
	ActVisitReport  = "visit_report"  // detail: the visit number
	ActVisitMissed  = "visit_missed"  // by the scheduler
	visitSelect     = `SELECT v.id, v.customer_id, c.name AS customer_name, c.grade AS customer_grade, v.user_id, u.name AS user_name, u.uid AS user_uid, u.team_id,
	v.companion_id, COALESCE(cu.name, '') AS companion_name, COALESCE(cu.uid, '') AS companion_uid, v.planned_at, v.goal, v.address, v.status,
	v.checkin_at, v.checkin_lat, v.checkin_lng, v.checkin_label, v.reported_at, v.report, v.cancel_reason, v.created_at, v.version
	FROM visits v JOIN customers c ON c.id = v.customer_id JOIN users u ON u.id = v.user_id LEFT JOIN users cu ON cu.id = v.companion_id `
)

func getVisit(ctx context.Context, q querier, id int64) (*baobei.Visit, error) {
	var v baobei.Visit
	err := q.GetContext(ctx, &v, visitSelect+"WHERE v.id = ?", id)
	if notFound(err) {
		return nil, baobei.Errorf(baobei.ENOTFOUND, "没有编号为 V%d 的拜访。发「拜访计划」查看你的拜访。", id)
	}
	return &v, err
}

// PlanVisit plans a visit of a customer the actor may work (its owner, or a
// manager of the owner's team), with an audit row; an invited colleague is
// told in the same transaction.
func (s *Store) PlanVisit(ctx context.Context, now time.Time, actor *baobei.User, ref baobei.CustomerRef, d baobei.VisitDraft) (*baobei.Visit, error) {
	var out *baobei.Visit
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		c, err := resolve(ctx, tx, ref)
		if err != nil {
			return err
		}
		if err := baobei.CheckWork(c, actor, now, s.policy); err != nil {
			return err
		}
		if err := baobei.CheckVisitPlan(d, actor, now); err != nil {
			return err
		}
		var companion *int64
		if d.Companion != nil {
			companion = &d.Companion.ID
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO visits (customer_id, user_id, companion_id, planned_at, goal, address, status, report, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, '', ?)`, c.ID, actor.ID, companion, ts(d.At), d.Goal, d.Address, baobei.VisitPlanned, ts(now))
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		if err := audit(ctx, tx, now, c.ID, actor.ID, ActVisitPlan, c.OwnerID, c.OwnerID, s.policy.DateTime(d.At)); err != nil {
			return err
		}
		if err := touchVisits(ctx, tx, c.ID); err != nil {
			return err
		}
		if out, err = getVisit(ctx, tx, id); err != nil {
			return err
		}
		return enqueue(ctx, tx, now, baobei.NoticeVisitInvite(out, s.policy)...)
	})
	return out, err
}

// touchVisits sets a customer's last_visit_at: the latest visit planned or
// made, not cancelled or missed (visits.cadence counts from it).
func touchVisits(ctx context.Context, tx *sqlx.Tx, customerID int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE customers SET last_visit_at = (SELECT MAX(planned_at) FROM visits
		WHERE customer_id = ? AND status NOT IN (?, ?)) WHERE id = ?`, customerID, baobei.VisitCancelled, baobei.VisitMissed, customerID)
	return err
}

// changeVisit loads visit id for a change by actor: the planner or the
// invited colleague, and not when it is reported or cancelled.
func changeVisit(ctx context.Context, tx *sqlx.Tx, actor *baobei.User, id int64) (*baobei.Visit, error) {
	v, err := getVisit(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := baobei.CheckVisitActor(v, actor); err != nil {
		return nil, err
	}
	return v, baobei.CheckVisitOpen(v)
}

// updateVisit runs a conditional update of v (by its version) and writes
// the audit row; it returns v reloaded.
func updateVisit(ctx context.Context, tx *sqlx.Tx, now time.Time, actor *baobei.User, v *baobei.Visit, action, detail, set string, args ...any) (*baobei.Visit, error) {
	args = append(args, v.ID, v.Version)
	if err := affected(tx.ExecContext(ctx, "UPDATE visits SET "+set+", version = version + 1 WHERE id = ? AND version = ?", args...)); err != nil {
		return nil, err
	}
	if err := audit(ctx, tx, now, v.CustomerID, actor.ID, action, nil, nil, detail); err != nil {
		return nil, err
	}
	if err := touchVisits(ctx, tx, v.CustomerID); err != nil {
		return nil, err
	}
	return getVisit(ctx, tx, v.ID)
}

// MoveVisit reschedules a visit (拜访 V3 改到 周五 10:00); the reminders
// go out again for the new time.
func (s *Store) MoveVisit(ctx context.Context, now time.Time, actor *baobei.User, id int64, at time.Time) (*baobei.Visit, error) {
	var out *baobei.Visit
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		v, err := changeVisit(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if err := baobei.CheckVisitPlan(baobei.VisitDraft{At: at}, actor, now); err != nil {
			return err
		}
		out, err = updateVisit(ctx, tx, now, actor, v, ActVisitMove, s.policy.DateTime(v.PlannedAt)+"→"+s.policy.DateTime(at),
			"planned_at = ?, status = ?, checkin_at = NULL, checkin_lat = NULL, checkin_lng = NULL, checkin_label = '', reminded_at = NULL, report_reminded_at = NULL, escalated_at = NULL",
			ts(at), baobei.VisitPlanned)
		if err != nil {
			return err
		}
		return enqueue(ctx, tx, now, baobei.NoticeVisitMoved(out, actor, s.policy)...)
	})
	return out, err
}

// CancelVisit cancels a visit with a reason; the other one going is told.
func (s *Store) CancelVisit(ctx context.Context, now time.Time, actor *baobei.User, id int64, reason string) (*baobei.Visit, error) {
	var out *baobei.Visit
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		v, err := changeVisit(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if reason == "" {
			return baobei.Errorf(baobei.EINVALID, "取消拜访要写原因，例如：取消拜访 V%d 原因:客户临时出差", v.ID)
		}
		if out, err = updateVisit(ctx, tx, now, actor, v, ActVisitCancel, reason, "status = ?, cancel_reason = ?", baobei.VisitCancelled, reason); err != nil {
			return err
		}
		return enqueue(ctx, tx, now, baobei.NoticeVisitCancelled(out, actor, s.policy)...)
	})
	return out, err
}

// VisitCandidates lists the actor's open visits (planned by them or with
// them) whose check-in window holds now, earliest first.
func (s *Store) VisitCandidates(ctx context.Context, now time.Time, actor *baobei.User) ([]baobei.Visit, error) {
	p := s.policy.Visits
	var vs []baobei.Visit
	err := s.q().SelectContext(ctx, &vs, visitSelect+`WHERE (v.user_id = ? OR v.companion_id = ?) AND v.status = ?
		AND v.planned_at >= ? AND v.planned_at <= ? ORDER BY v.planned_at, v.id`, actor.ID, actor.ID, baobei.VisitPlanned,
		ts(now.Add(-time.Duration(p.CheckinAfter)*time.Hour)), ts(now.Add(time.Duration(p.CheckinBefore)*time.Hour)))
	return vs, err
}

// CheckIn checks the actor in to a visit, by location (loc) or by text
// (address), with an audit row. Outside the visit's window it is refused.
func (s *Store) CheckIn(ctx context.Context, now time.Time, actor *baobei.User, id int64, loc *baobei.Location, address string) (*baobei.Visit, error) {
	var out *baobei.Visit
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		v, err := changeVisit(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if v.CheckinAt != nil {
			return baobei.Errorf(baobei.ECONFLICT, "V%d 已于 %s 签到。拜访后请发「拜访报告 V%d 参会:… 痛点:… 下一步:…」。", v.ID, s.policy.DateTime(*v.CheckinAt), v.ID)
		}
		if !s.policy.Visits.InWindow(v, now) {
			return baobei.Errorf(baobei.EINVALID, "V%d 计划在 %s，签到时间是前 %d 小时到后 %d 小时。时间有变请先改期：拜访 V%d 改到 明天 10:00",
				v.ID, s.policy.DateTime(v.PlannedAt), s.policy.Visits.CheckinBefore, s.policy.Visits.CheckinAfter, v.ID)
		}
		var lat, lng *float64
		label := clipRunes(address, s.policy.FieldMaxRunes)
		if loc != nil {
			lat, lng = &loc.Lat, &loc.Lng
			if label == "" {
				label = clipRunes(loc.Label, s.policy.FieldMaxRunes)
			}
		}
		out, err = updateVisit(ctx, tx, now, actor, v, ActVisitCheckIn, label,
			"status = ?, checkin_at = ?, checkin_lat = ?, checkin_lng = ?, checkin_label = ?", baobei.VisitCheckedIn, ts(now), lat, lng, label)
		return err
	})
	return out, err
}

// ReportVisit files a visit report: the visit is reported, a 拜访
// follow-up is logged (it resets the idle clock, may move the stage and
// makes the earliest dated next step the next follow-up), and the customer
// keeps the report's budget, decision chain and competitors; one
// transaction, audited.
func (s *Store) ReportVisit(ctx context.Context, now time.Time, actor *baobei.User, id int64, r baobei.VisitReport) (*baobei.Visit, *baobei.CustomerChange, error) {
	var v *baobei.Visit
	var cu *baobei.CustomerChange
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if v, err = changeVisit(ctx, tx, actor, id); err != nil {
			return err
		}
		if err := baobei.CheckVisitReport(v, r, s.policy.Visits); err != nil {
			return err
		}
		c, err := getCustomer(ctx, tx, v.CustomerID)
		if err != nil {
			return err
		}
		if err := baobei.CheckVisitReportable(v, c, actor, now, s.policy); err != nil {
			return err
		}
		f := baobei.FollowUpDraft{Kind: baobei.KindVisit, Content: "拜访报告 V" + strconv.FormatInt(v.ID, 10) + "\n" + r.Text(), Stage: r.Stage, StageExplicit: r.StageExplicit, NextAt: r.FirstDue()}
		if err := checkStage(ctx, tx, c, f); err != nil {
			return err
		}
		if v, err = updateVisit(ctx, tx, now, actor, v, ActVisitReport, "V"+strconv.FormatInt(v.ID, 10), "status = ?, reported_at = ?, report = ?", baobei.VisitReported, ts(now), r.Text()); err != nil {
			return err
		}
		if err := s.applyFollowUp(ctx, tx, now, actor, c, f); err != nil {
			return err
		}
		if c.Stage.After(f.Stage) {
			if err := audit(ctx, tx, now, c.ID, actor.ID, ActStageBack, c.OwnerID, c.OwnerID, string(c.Stage)+"→"+string(f.Stage)); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE customers SET budget = CASE WHEN ? = '' THEN budget ELSE ? END,
			decision_chain = CASE WHEN ? = '' THEN decision_chain ELSE ? END, competitors = CASE WHEN ? = '' THEN competitors ELSE ? END WHERE id = ?`,
			r.Budget, r.Budget, r.DecisionChain, r.DecisionChain, r.Competitors, r.Competitors, c.ID); err != nil {
			return err
		}
		if err := queueHooks(ctx, tx, now, []hookEvent{visitHook(actor, v)}); err != nil {
			return err
		}
		cu, err = changed(ctx, tx, c)
		return err
	})
	return v, cu, err
}

// VisitsOf lists the visits user plans or goes along to between from and
// to (cancelled ones left out), by time.
func (s *Store) VisitsOf(ctx context.Context, user *baobei.User, from, to time.Time) ([]baobei.Visit, error) {
	var vs []baobei.Visit
	err := s.q().SelectContext(ctx, &vs, visitSelect+`WHERE (v.user_id = ? OR v.companion_id = ?) AND v.status <> ?
		AND v.planned_at >= ? AND v.planned_at < ? ORDER BY v.planned_at, v.id`, user.ID, user.ID, baobei.VisitCancelled, ts(from), ts(to))
	return vs, err
}

// VisitDuties runs the visit rules at now: the reminder before a planned
// visit (remind_before_minutes ahead, in the hourly run before it), the
// rep's reminder when the report is due, the managers' notice
// escalate_hours later, and marking missed a visit with no check-in and
// no report by the end of the day after the planned day. Each visit's
// step is one transaction that sets its mark (so each goes once) and
// queues its messages; it returns how many steps ran.
func (s *Store) VisitDuties(ctx context.Context, now time.Time) (int, error) {
	p := s.policy.Visits
	report := time.Duration(p.ReportHours) * time.Hour
	escalate := report + time.Duration(p.EscalateHours)*time.Hour
	open := []any{baobei.VisitPlanned, baobei.VisitCheckedIn, baobei.VisitMissed}
	remindUntil := now.Add(time.Duration(p.RemindMinutes)*time.Minute + time.Hour)
	if p.RemindMinutes == 0 {
		remindUntil = now // no reminders
	}
	steps := []struct {
		where string
		args  []any
		still func(v *baobei.Visit) bool // the condition, checked again on the row as the transaction reads it
		do    func(tx *sqlx.Tx, v *baobei.Visit) error
	}{
		{"v.status = ? AND v.reminded_at IS NULL AND v.planned_at >= ? AND v.planned_at < ?",
			[]any{baobei.VisitPlanned, ts(now), ts(remindUntil)},
			func(v *baobei.Visit) bool {
				return v.Status == baobei.VisitPlanned && !v.PlannedAt.Before(now) && v.PlannedAt.Before(remindUntil)
			},
			func(tx *sqlx.Tx, v *baobei.Visit) error {
				return s.markVisit(ctx, tx, now, v, "reminded_at", baobei.NoticeVisitSoon(v, s.policy)...)
			}},
		{"v.status IN (?, ?, ?) AND v.report_reminded_at IS NULL AND COALESCE(v.checkin_at, v.planned_at) <= ?",
			append(slices.Clone(open), ts(now.Add(-report))),
			func(v *baobei.Visit) bool { return v.Status.Open() && !p.ReportDue(v).After(now) },
			func(tx *sqlx.Tx, v *baobei.Visit) error {
				return s.markVisit(ctx, tx, now, v, "report_reminded_at", baobei.NoticeVisitReportDue(v, s.policy)...)
			}},
		{"v.status IN (?, ?, ?) AND v.escalated_at IS NULL AND COALESCE(v.checkin_at, v.planned_at) <= ?",
			append(slices.Clone(open), ts(now.Add(-escalate))),
			func(v *baobei.Visit) bool {
				return v.Status.Open() && !p.ReportDue(v).Add(time.Duration(p.EscalateHours)*time.Hour).After(now)
			},
			func(tx *sqlx.Tx, v *baobei.Visit) error {
				var ms []baobei.User
				if v.TeamID != nil {
					if err := tx.SelectContext(ctx, &ms, "SELECT "+userCols+" FROM users WHERE team_id = ? AND role = ? AND active = ? AND id <> ?",
						*v.TeamID, baobei.RoleManager, true, v.UserID); err != nil {
						return err
					}
				}
				return s.markVisit(ctx, tx, now, v, "escalated_at", baobei.NoticeVisitOverdue(v, ms, s.policy)...)
			}},
		{"v.status = ? AND v.planned_at < ?", []any{baobei.VisitPlanned, ts(s.policy.DayStart(now).AddDate(0, 0, -1))},
			func(v *baobei.Visit) bool { return v.Status == baobei.VisitPlanned },
			func(tx *sqlx.Tx, v *baobei.Visit) error {
				if err := done(tx.ExecContext(ctx, "UPDATE visits SET status = ?, version = version + 1 WHERE id = ? AND status = ?",
					baobei.VisitMissed, v.ID, baobei.VisitPlanned)); err != nil {
					return err
				}
				if err := audit(ctx, tx, now, v.CustomerID, 0, ActVisitMissed, nil, nil, "V"+strconv.FormatInt(v.ID, 10)); err != nil {
					return err
				}
				return touchVisits(ctx, tx, v.CustomerID)
			}},
	}
	n := 0
	for _, st := range steps {
		var vs []baobei.Visit
		if err := s.db.SelectContext(ctx, &vs, visitSelect+"WHERE "+st.where+" ORDER BY v.id LIMIT 1000", st.args...); err != nil {
			return n, err
		}
		for i := range vs {
			err := s.tx(ctx, func(tx *sqlx.Tx) error {
				v, err := getVisit(ctx, tx, vs[i].ID)
				if err != nil {
					return err
				}
				if !st.still(v) {
					return errDone // reported, cancelled or moved meanwhile
				}
				return st.do(tx, v)
			})
			switch {
			case err == nil:
				n++
			case !errors.Is(err, errDone): // errDone: another run (or a change) got there first
				return n, err
			}
		}
	}
	return n, nil
}

// markVisit sets one of v's reminder marks, if still unset and v unchanged,
// and queues ns.
func (s *Store) markVisit(ctx context.Context, tx *sqlx.Tx, now time.Time, v *baobei.Visit, mark string, ns ...baobei.Notice) error {
	if err := done(tx.ExecContext(ctx, "UPDATE visits SET "+mark+" = ? WHERE id = ? AND "+mark+" IS NULL", ts(now), v.ID)); err != nil {
		return err
	}
	return enqueue(ctx, tx, now, ns...)
}

// errDone: a duty's conditional write found it done already.
var errDone = errors.New("visit duty done already")

// done is affected for duties: no row matched means done already.
func done(res sql.Result, err error) error {
	if err = affected(res, err); errors.Is(err, errStale) {
		return errDone
	}
	return err
}

// clipRunes cuts s to n characters.
func clipRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}
