-- +goose Up
-- The first-contact rule: one row each time a new lead gets an owner
-- (assigned, claimed before anyone followed it up, reported), with when it
-- is due and when its manager is told; contacted_at is its first follow-up,
-- ended_at when the lead changed hands before that (a miss when past due).
CREATE TABLE first_contacts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  started_at DATETIME NOT NULL,
  due_at DATETIME NOT NULL,
  escalate_at DATETIME NOT NULL,
  contacted_at DATETIME NULL,
  ended_at DATETIME NULL,
  reminded_at DATETIME NULL,
  escalated_at DATETIME NULL
);
CREATE INDEX ix_first_contacts_customer ON first_contacts (customer_id);
CREATE INDEX ix_first_contacts_open ON first_contacts (contacted_at, escalated_at, due_at);
CREATE INDEX ix_first_contacts_user ON first_contacts (user_id, started_at);

-- +goose Down
DROP TABLE first_contacts;
