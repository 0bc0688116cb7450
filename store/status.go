package store

import (
	"context"

	"baobei"
)

// Status is the health an admin sees with 系统状态.
func (s *Store) Status(ctx context.Context) (*baobei.SystemStatus, error) {
	st := &baobei.SystemStatus{}
	counts := []struct {
		dst *int
		q   string
	}{
		{&st.OutboxPending, "SELECT COUNT(*) FROM outbox WHERE status = 'pending'"},
		{&st.OutboxDead, "SELECT COUNT(*) FROM outbox WHERE status = 'dead'"},
		{&st.InboundPending, "SELECT COUNT(*) FROM inbound WHERE status = 'pending'"},
		{&st.InboundDead, "SELECT COUNT(*) FROM inbound WHERE status = 'dead'"},
		{&st.Customers, "SELECT COUNT(*) FROM customers WHERE status IN ('owned', 'won', 'pool', 'pending')"},
		{&st.PendingApprovals, "SELECT COUNT(*) FROM approvals WHERE status = 'pending'"},
	}
	for _, c := range counts {
		if err := s.q().GetContext(ctx, c.dst, c.q); err != nil {
			return nil, err
		}
	}
	if err := s.q().SelectContext(ctx, &st.DeadPushes, `SELECT to_user, to_chat, attempts, last_error FROM outbox
		WHERE status = 'dead' ORDER BY id DESC LIMIT 5`); err != nil {
		return nil, err
	}
	// The slot column itself, not MAX(slot): SQLite types an aggregate as text.
	if err := s.q().SelectContext(ctx, &st.Jobs, `SELECT r.job, r.slot FROM job_runs r
		WHERE r.status = ? AND r.slot = (SELECT MAX(slot) FROM job_runs WHERE job = r.job AND status = ?) ORDER BY r.job`,
		SlotDone, SlotDone); err != nil {
		return nil, err
	}
	// Per job, its oldest slot not done yet, when it failed FailingAfter times or more.
	if err := s.q().SelectContext(ctx, &st.FailingJobs, `SELECT r.job, r.slot, r.failures, r.failed_at, r.last_error FROM job_runs r
		WHERE r.status <> ? AND r.failures >= ? AND r.slot = (SELECT MIN(slot) FROM job_runs WHERE job = r.job AND status <> ?)
		ORDER BY r.job`, SlotDone, FailingAfter, SlotDone); err != nil {
		return nil, err
	}
	var err error
	st.FailingWebhooks, err = s.WebhookFailures(ctx)
	return st, err
}
