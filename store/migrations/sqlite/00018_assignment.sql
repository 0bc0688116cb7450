-- +goose Up
-- Assignment of new leads: where a lead is (matched by the rules), who is
-- away (请假), and each team's round-robin cursor (the last rep assigned).
ALTER TABLE customers ADD COLUMN region VARCHAR(200) NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN away_until DATETIME NULL;
ALTER TABLE teams ADD COLUMN rr_last BIGINT NOT NULL DEFAULT 0;
CREATE INDEX ix_audit_assignee ON audit_events (to_owner, action, at);

-- +goose Down
DROP INDEX ix_audit_assignee;
ALTER TABLE teams DROP COLUMN rr_last;
ALTER TABLE users DROP COLUMN away_until;
ALTER TABLE customers DROP COLUMN region;
