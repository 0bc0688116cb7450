-- +goose Up
-- The HTTP API's bearer tokens (only their SHA-256 is kept) and the
-- Idempotency-Key of each lead a token posted, with the customer it made.
CREATE TABLE api_tokens (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(64) NOT NULL,
  hash CHAR(64) NOT NULL,
  prefix VARCHAR(16) NOT NULL,
  scopes VARCHAR(200) NOT NULL,
  created_at DATETIME NOT NULL,
  last_used_at DATETIME NULL,
  revoked_at DATETIME NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE UNIQUE INDEX uq_api_tokens_hash ON api_tokens (hash);
CREATE TABLE api_idempotency (
  token_id BIGINT NOT NULL,
  idem_key VARCHAR(200) NOT NULL,
  customer_id BIGINT NOT NULL,
  created_at DATETIME NOT NULL,
  PRIMARY KEY (token_id, idem_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE api_idempotency;
DROP TABLE api_tokens;
