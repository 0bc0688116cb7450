-- +goose Up
-- One unit of work per message: the dedupe record keeps the replies it
-- caused, for a replay. Leases name their holder, so a heartbeat renews only
-- its own. The outbox is served by priority (reply, notice, bulk).
ALTER TABLE processed_messages ADD COLUMN replies MEDIUMTEXT NULL;
ALTER TABLE inbound ADD COLUMN lease_owner VARCHAR(40) NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN priority INT NOT NULL DEFAULT 0,
  ADD COLUMN lease_owner VARCHAR(40) NOT NULL DEFAULT '',
  ADD KEY ix_outbox_prio (status, priority, id);

-- +goose Down
ALTER TABLE outbox DROP KEY ix_outbox_prio, DROP COLUMN lease_owner, DROP COLUMN priority;
ALTER TABLE inbound DROP COLUMN lease_owner;
ALTER TABLE processed_messages DROP COLUMN replies;
