-- +goose Up
-- Every time a rep loses a customer (its protection ended, it was released,
-- lost, transferred or handed over away) one row, written in the transaction
-- of the change: the reclaim cooldown counts from each rep's own loss.
-- Rows before this migration come from the audit trail.
CREATE TABLE ownership_history (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  lost_at DATETIME NOT NULL,
  reason VARCHAR(32) NOT NULL DEFAULT ''
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX ix_ownership_history ON ownership_history (customer_id, user_id, lost_at);
INSERT INTO ownership_history (customer_id, user_id, lost_at, reason)
  SELECT customer_id, from_owner, at, action FROM audit_events
  WHERE customer_id IS NOT NULL AND from_owner IS NOT NULL AND (to_owner IS NULL OR to_owner <> from_owner)
    AND action IN ('release', 'transfer', 'handover');
-- The protection end an approved 延期 set: while it is the customer's
-- protection end, the idle rule is suspended.
ALTER TABLE customers ADD COLUMN extended_until DATETIME NULL;
UPDATE customers SET extended_until = protected_until WHERE status = 'owned' AND EXISTS (
  SELECT 1 FROM approvals a WHERE a.customer_id = customers.id AND a.kind = 'extend' AND a.status = 'approved'
    AND a.decided_at >= COALESCE(customers.owned_since, customers.reported_at));

-- +goose Down
ALTER TABLE customers DROP COLUMN extended_until;
DROP INDEX ix_ownership_history ON ownership_history;
DROP TABLE ownership_history;
