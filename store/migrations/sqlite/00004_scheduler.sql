-- +goose Up
ALTER TABLE customers ADD COLUMN warned_until DATETIME NULL;
ALTER TABLE customers ADD COLUMN owned_since DATETIME NULL;
CREATE TABLE job_runs (
  job VARCHAR(64) NOT NULL,
  slot DATETIME NOT NULL,
  ran_at DATETIME NOT NULL,
  PRIMARY KEY (job, slot)
);

-- +goose Down
DROP TABLE job_runs;
ALTER TABLE customers DROP COLUMN owned_since;
ALTER TABLE customers DROP COLUMN warned_until;
