-- +goose Up
CREATE TABLE teams (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  code VARCHAR(64) NOT NULL,
  name VARCHAR(64) NOT NULL,
  chat_id VARCHAR(128) NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX uq_teams_code ON teams (code);

CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  uid VARCHAR(128) NOT NULL,
  name VARCHAR(64) NOT NULL,
  role VARCHAR(16) NOT NULL,
  team_id BIGINT NULL,
  active BOOLEAN NOT NULL DEFAULT 1,
  created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_users_uid ON users (uid);
CREATE INDEX ix_users_team ON users (team_id);

CREATE TABLE customers (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name VARCHAR(64) NOT NULL,
  phone VARCHAR(20) NOT NULL,
  wechat VARCHAR(200) NOT NULL DEFAULT '',
  company VARCHAR(200) NOT NULL DEFAULT '',
  source VARCHAR(200) NOT NULL DEFAULT '',
  demand VARCHAR(1000) NOT NULL DEFAULT '',
  grade VARCHAR(4) NOT NULL DEFAULT '',
  stage VARCHAR(16) NOT NULL,
  status VARCHAR(16) NOT NULL,
  owner_id BIGINT NULL,
  protected_until DATETIME NULL,
  reporter_id BIGINT NOT NULL,
  reported_at DATETIME NOT NULL,
  last_followup_at DATETIME NULL,
  next_followup_at DATETIME NULL,
  amount_cents BIGINT NOT NULL DEFAULT 0,
  lost_reason VARCHAR(200) NOT NULL DEFAULT '',
  prev_owner_id BIGINT NULL,
  released_at DATETIME NULL,
  release_reason VARCHAR(32) NOT NULL DEFAULT '',
  version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX ix_customers_owner ON customers (owner_id, status);
CREATE INDEX ix_customers_status ON customers (status, protected_until);
CREATE INDEX ix_customers_name ON customers (name);
CREATE INDEX ix_customers_phone ON customers (phone);

CREATE TABLE customer_keys (
  kind VARCHAR(16) NOT NULL,
  value VARCHAR(200) NOT NULL,
  customer_id BIGINT NOT NULL,
  PRIMARY KEY (kind, value)
);
CREATE INDEX ix_customer_keys_customer ON customer_keys (customer_id);

CREATE TABLE followups (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  content TEXT NOT NULL,
  stage_from VARCHAR(16) NOT NULL,
  stage_to VARCHAR(16) NOT NULL,
  next_at DATETIME NULL,
  created_at DATETIME NOT NULL
);
CREATE INDEX ix_followups_customer ON followups (customer_id, id);

CREATE TABLE audit_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id BIGINT NULL,
  actor_id BIGINT NULL,
  action VARCHAR(32) NOT NULL,
  from_owner BIGINT NULL,
  to_owner BIGINT NULL,
  at DATETIME NOT NULL,
  detail VARCHAR(500) NOT NULL DEFAULT ''
);
CREATE INDEX ix_audit_customer ON audit_events (customer_id, id);
CREATE INDEX ix_audit_actor ON audit_events (actor_id, action, at);

CREATE TABLE processed_messages (
  platform VARCHAR(16) NOT NULL,
  msg_id VARCHAR(200) NOT NULL,
  created_at DATETIME NOT NULL,
  PRIMARY KEY (platform, msg_id)
);

CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  to_user VARCHAR(128) NOT NULL DEFAULT '',
  to_chat VARCHAR(128) NOT NULL DEFAULT '',
  payload TEXT NOT NULL,
  status VARCHAR(16) NOT NULL,
  attempts INT NOT NULL DEFAULT 0,
  next_attempt_at DATETIME NOT NULL,
  last_error VARCHAR(500) NOT NULL DEFAULT '',
  created_at DATETIME NOT NULL,
  sent_at DATETIME NULL
);
CREATE INDEX ix_outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE console_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  to_user VARCHAR(128) NOT NULL DEFAULT '',
  to_chat VARCHAR(128) NOT NULL DEFAULT '',
  msg_id VARCHAR(200) NOT NULL DEFAULT '',
  payload TEXT NOT NULL,
  created_at DATETIME NOT NULL
);
CREATE INDEX ix_console_msg ON console_messages (msg_id);
CREATE INDEX ix_console_user ON console_messages (to_user, id);
CREATE INDEX ix_console_chat ON console_messages (to_chat, id);

CREATE TABLE settings (
  name VARCHAR(64) NOT NULL PRIMARY KEY,
  value TEXT NOT NULL
);

-- +goose Down
DROP TABLE settings;
DROP TABLE console_messages;
DROP TABLE outbox;
DROP TABLE processed_messages;
DROP TABLE audit_events;
DROP TABLE followups;
DROP TABLE customer_keys;
DROP TABLE customers;
DROP TABLE users;
DROP TABLE teams;
