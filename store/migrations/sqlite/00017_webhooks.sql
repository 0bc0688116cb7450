-- +goose Up
-- Outgoing webhooks: subscriptions, and their deliveries as outbox rows of
-- their own kind (webhook_id set, payload the JSON body to post).
CREATE TABLE webhooks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  url VARCHAR(500) NOT NULL,
  events VARCHAR(500) NOT NULL,
  secret VARCHAR(128) NOT NULL,
  active TINYINT(1) NOT NULL DEFAULT 1,
  created_at DATETIME NOT NULL
);
ALTER TABLE outbox ADD COLUMN webhook_id BIGINT NULL;
CREATE INDEX ix_outbox_webhook ON outbox (webhook_id, status);

-- +goose Down
DROP INDEX ix_outbox_webhook;
ALTER TABLE outbox DROP COLUMN webhook_id;
DROP TABLE webhooks;
