-- +goose Up
-- Refused reports of a customer someone else holds. The first in an hour is
-- told to the owner at once (sent_at = at); the later ones of that hour
-- wait (sent_at NULL) until window_end, when one notice lists them all and
-- marks them sent in the same transaction. Cleanup drops sent rows after
-- the sent-push days.
CREATE TABLE report_attempts (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id BIGINT NOT NULL,
  owner_id BIGINT NOT NULL,
  actor_id BIGINT NOT NULL,
  at DATETIME NOT NULL,
  window_end DATETIME NOT NULL,
  sent_at DATETIME NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX ix_report_attempts_window ON report_attempts (customer_id, owner_id, window_end);
CREATE INDEX ix_report_attempts_due ON report_attempts (sent_at, window_end);

-- +goose Down
DROP INDEX ix_report_attempts_due ON report_attempts;
DROP INDEX ix_report_attempts_window ON report_attempts;
DROP TABLE report_attempts;
