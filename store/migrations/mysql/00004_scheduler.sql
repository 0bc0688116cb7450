-- +goose Up
ALTER TABLE customers ADD COLUMN warned_until DATETIME NULL;
ALTER TABLE customers ADD COLUMN owned_since DATETIME NULL;
CREATE TABLE job_runs (
  job VARCHAR(64) NOT NULL,
  slot DATETIME NOT NULL,
  ran_at DATETIME NOT NULL,
  PRIMARY KEY (job, slot)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE job_runs;
ALTER TABLE customers DROP COLUMN owned_since;
ALTER TABLE customers DROP COLUMN warned_until;
