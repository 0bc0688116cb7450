-- +goose Up
CREATE TABLE teams (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code VARCHAR(64) NOT NULL,
  name VARCHAR(64) NOT NULL,
  chat_id VARCHAR(128) NOT NULL DEFAULT '',
  UNIQUE KEY uq_teams_code (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE users (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  uid VARCHAR(128) NOT NULL,
  name VARCHAR(64) NOT NULL,
  role VARCHAR(16) NOT NULL,
  team_id BIGINT NULL,
  active TINYINT(1) NOT NULL DEFAULT 1,
  created_at DATETIME NOT NULL,
  UNIQUE KEY uq_users_uid (uid),
  KEY ix_users_team (team_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE customers (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
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
  version BIGINT NOT NULL DEFAULT 1,
  KEY ix_customers_owner (owner_id, status),
  KEY ix_customers_status (status, protected_until),
  KEY ix_customers_name (name),
  KEY ix_customers_phone (phone)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE customer_keys (
  kind VARCHAR(16) NOT NULL,
  value VARCHAR(200) NOT NULL,
  customer_id BIGINT NOT NULL,
  PRIMARY KEY (kind, value),
  KEY ix_customer_keys_customer (customer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE followups (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  content TEXT NOT NULL,
  stage_from VARCHAR(16) NOT NULL,
  stage_to VARCHAR(16) NOT NULL,
  next_at DATETIME NULL,
  created_at DATETIME NOT NULL,
  KEY ix_followups_customer (customer_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE audit_events (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id BIGINT NULL,
  actor_id BIGINT NULL,
  action VARCHAR(32) NOT NULL,
  from_owner BIGINT NULL,
  to_owner BIGINT NULL,
  at DATETIME NOT NULL,
  detail VARCHAR(500) NOT NULL DEFAULT '',
  KEY ix_audit_customer (customer_id, id),
  KEY ix_audit_actor (actor_id, action, at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE processed_messages (
  platform VARCHAR(16) NOT NULL,
  msg_id VARCHAR(200) NOT NULL,
  created_at DATETIME NOT NULL,
  PRIMARY KEY (platform, msg_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE outbox (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  to_user VARCHAR(128) NOT NULL DEFAULT '',
  to_chat VARCHAR(128) NOT NULL DEFAULT '',
  payload MEDIUMTEXT NOT NULL,
  status VARCHAR(16) NOT NULL,
  attempts INT NOT NULL DEFAULT 0,
  next_attempt_at DATETIME NOT NULL,
  last_error VARCHAR(500) NOT NULL DEFAULT '',
  created_at DATETIME NOT NULL,
  sent_at DATETIME NULL,
  KEY ix_outbox_due (status, next_attempt_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE console_messages (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  to_user VARCHAR(128) NOT NULL DEFAULT '',
  to_chat VARCHAR(128) NOT NULL DEFAULT '',
  msg_id VARCHAR(200) NOT NULL DEFAULT '',
  payload MEDIUMTEXT NOT NULL,
  created_at DATETIME NOT NULL,
  KEY ix_console_msg (msg_id),
  KEY ix_console_user (to_user, id),
  KEY ix_console_chat (to_chat, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE settings (
  name VARCHAR(64) NOT NULL PRIMARY KEY,
  value TEXT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

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
