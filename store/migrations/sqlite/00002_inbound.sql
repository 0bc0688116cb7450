-- +goose Up
CREATE TABLE inbound (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  platform VARCHAR(16) NOT NULL,
  msg_id VARCHAR(200) NOT NULL,
  payload TEXT NOT NULL,
  status VARCHAR(16) NOT NULL,
  attempts INT NOT NULL DEFAULT 0,
  lease_until DATETIME NOT NULL,
  created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_inbound_msg ON inbound (platform, msg_id);
CREATE INDEX ix_inbound_due ON inbound (status, lease_until);

-- +goose Down
DROP TABLE inbound;
