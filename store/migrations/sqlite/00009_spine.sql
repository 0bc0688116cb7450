-- +goose Up
-- See the MySQL migration of the same number.
ALTER TABLE processed_messages ADD COLUMN replies TEXT NULL;
ALTER TABLE inbound ADD COLUMN lease_owner VARCHAR(40) NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN priority INT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN lease_owner VARCHAR(40) NOT NULL DEFAULT '';
CREATE INDEX ix_outbox_prio ON outbox (status, priority, id);

-- +goose Down
DROP INDEX ix_outbox_prio;
ALTER TABLE outbox DROP COLUMN lease_owner;
ALTER TABLE outbox DROP COLUMN priority;
ALTER TABLE inbound DROP COLUMN lease_owner;
ALTER TABLE processed_messages DROP COLUMN replies;
