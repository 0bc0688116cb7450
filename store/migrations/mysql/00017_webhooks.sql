-- +goose Up
-- Outgoing webhooks: subscriptions, and their deliveries as outbox rows of
-- their own kind (webhook_id set, payload the JSON body to post).
CREATE TABLE webhooks (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  url VARCHAR(500) NOT NULL,
  events VARCHAR(500) NOT NULL,
  secret VARCHAR(128) NOT NULL,
  active TINYINT(1) NOT NULL DEFAULT 1,
  created_at DATETIME NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
ALTER TABLE outbox ADD COLUMN webhook_id BIGINT NULL,
  ADD KEY ix_outbox_webhook (webhook_id, status);

-- +goose Down
ALTER TABLE outbox DROP KEY ix_outbox_webhook, DROP COLUMN webhook_id;
DROP TABLE webhooks;
