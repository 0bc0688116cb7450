-- +goose Up
CREATE TABLE approvals (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind VARCHAR(16) NOT NULL,
  customer_id BIGINT NOT NULL,
  requester_id BIGINT NOT NULL,
  status VARCHAR(16) NOT NULL,
  reason VARCHAR(500) NOT NULL DEFAULT '',
  days INT NOT NULL DEFAULT 0,
  target_id BIGINT NULL,
  decided_by BIGINT NULL,
  decided_at DATETIME NULL,
  note VARCHAR(500) NOT NULL DEFAULT '',
  created_at DATETIME NOT NULL,
  KEY ix_approvals_customer (customer_id, kind, status),
  KEY ix_approvals_status (status, id),
  KEY ix_approvals_requester (requester_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE approvals;
