-- +goose Up
ALTER TABLE customers ADD COLUMN last_activity DATETIME NULL;
UPDATE customers SET last_activity = CASE WHEN last_followup_at IS NOT NULL AND last_followup_at > COALESCE(owned_since, reported_at)
  THEN last_followup_at ELSE COALESCE(owned_since, reported_at) END;
CREATE INDEX ix_customers_idle ON customers (status, locked, last_activity);

-- +goose Down
DROP INDEX ix_customers_idle;
ALTER TABLE customers DROP COLUMN last_activity;
