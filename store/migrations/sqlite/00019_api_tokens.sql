-- +goose Up
-- The HTTP API's bearer tokens (only their SHA-256 is kept) and the
-- Idempotency-Key of each lead a token posted, with the customer it made.
CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name VARCHAR(64) NOT NULL,
  hash CHAR(64) NOT NULL,
  prefix VARCHAR(16) NOT NULL,
  scopes VARCHAR(200) NOT NULL,
  created_at DATETIME NOT NULL,
  last_used_at DATETIME NULL,
  revoked_at DATETIME NULL
);
CREATE UNIQUE INDEX uq_api_tokens_hash ON api_tokens (hash);
CREATE TABLE api_idempotency (
  token_id BIGINT NOT NULL,
  idem_key VARCHAR(200) NOT NULL,
  customer_id BIGINT NOT NULL,
  created_at DATETIME NOT NULL,
  PRIMARY KEY (token_id, idem_key)
);

-- +goose Down
DROP TABLE api_idempotency;
DROP TABLE api_tokens;
