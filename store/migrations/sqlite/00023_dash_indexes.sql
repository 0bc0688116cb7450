-- +goose Up
-- The dashboard's period counts (看板 overview and people, 统计) read a
-- period's rows through these instead of scanning whole tables: follow-ups
-- by time (with the rep and the kind, so that a team's, a rep's or
-- everyone's count and kinds read only the index), audit rows by action and
-- time (wins and releases in a period, whoever the actor), visits by report
-- time. Before, each overview scanned every follow-up twice and people once.
CREATE INDEX ix_followups_created ON followups (created_at, user_id, kind);
CREATE INDEX ix_audit_action_at ON audit_events (action, at);
CREATE INDEX ix_visits_reported ON visits (reported_at, user_id);

-- +goose Down
DROP INDEX ix_visits_reported;
DROP INDEX ix_audit_action_at;
DROP INDEX ix_followups_created;
