-- +goose Up
-- Field visits (拜访): planned by a rep (with an invited colleague), checked
-- in by location or 签到, reported by 拜访报告. The *_at marks say which
-- reminder went out, so that each goes once.
CREATE TABLE visits (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  companion_id BIGINT NULL,
  planned_at DATETIME NOT NULL,
  goal VARCHAR(200) NOT NULL DEFAULT '',
  address VARCHAR(200) NOT NULL DEFAULT '',
  status VARCHAR(16) NOT NULL DEFAULT 'planned',
  checkin_at DATETIME NULL,
  checkin_lat REAL NULL,
  checkin_lng REAL NULL,
  checkin_label VARCHAR(200) NOT NULL DEFAULT '',
  reported_at DATETIME NULL,
  report TEXT NOT NULL DEFAULT '',
  cancel_reason VARCHAR(200) NOT NULL DEFAULT '',
  reminded_at DATETIME NULL,
  report_reminded_at DATETIME NULL,
  escalated_at DATETIME NULL,
  created_at DATETIME NOT NULL,
  version BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX ix_visits_user ON visits (user_id, planned_at);
CREATE INDEX ix_visits_companion ON visits (companion_id, planned_at);
CREATE INDEX ix_visits_status ON visits (status, planned_at);
CREATE INDEX ix_visits_customer ON visits (customer_id, planned_at);
-- The latest visit report's budget, decision chain and competitors.
ALTER TABLE customers ADD COLUMN budget VARCHAR(200) NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN decision_chain VARCHAR(200) NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN competitors VARCHAR(200) NOT NULL DEFAULT '';
-- The latest visit planned or made (not cancelled, not missed): visits.cadence_days counts from it.
ALTER TABLE customers ADD COLUMN last_visit_at DATETIME NULL;

-- +goose Down
ALTER TABLE customers DROP COLUMN last_visit_at;
ALTER TABLE customers DROP COLUMN competitors;
ALTER TABLE customers DROP COLUMN decision_chain;
ALTER TABLE customers DROP COLUMN budget;
DROP TABLE visits;
