-- +goose Up
CREATE TABLE approvals (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
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
  created_at DATETIME NOT NULL
);
CREATE INDEX ix_approvals_customer ON approvals (customer_id, kind, status);
CREATE INDEX ix_approvals_status ON approvals (status, id);
CREATE INDEX ix_approvals_requester ON approvals (requester_id, id);

-- +goose Down
DROP TABLE approvals;
