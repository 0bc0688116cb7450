-- +goose Up
CREATE TABLE inbound (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  platform VARCHAR(16) NOT NULL,
  msg_id VARCHAR(200) NOT NULL,
  payload MEDIUMTEXT NOT NULL,
  status VARCHAR(16) NOT NULL,
  attempts INT NOT NULL DEFAULT 0,
  lease_until DATETIME NOT NULL,
  created_at DATETIME NOT NULL,
  UNIQUE KEY uq_inbound_msg (platform, msg_id),
  KEY ix_inbound_due (status, lease_until)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE inbound;
