-- +goose Up
-- A job's slot is done only once its work committed. Until then the replica
-- running it holds a short lease (token, lease_until); a failed attempt
-- frees the slot and is counted for 系统状态 and the metrics. Rows from
-- before this migration were claimed under the old rule: they count as done.
ALTER TABLE job_runs
  ADD COLUMN status VARCHAR(16) NOT NULL DEFAULT 'done',
  ADD COLUMN lease_until DATETIME NULL,
  ADD COLUMN token VARCHAR(32) NOT NULL DEFAULT '',
  ADD COLUMN failures INT NOT NULL DEFAULT 0,
  ADD COLUMN failed_at DATETIME NULL,
  ADD COLUMN last_error VARCHAR(500) NOT NULL DEFAULT '';
CREATE INDEX ix_job_runs_status ON job_runs (status, job, slot);

-- +goose Down
DROP INDEX ix_job_runs_status ON job_runs;
ALTER TABLE job_runs
  DROP COLUMN last_error,
  DROP COLUMN failed_at,
  DROP COLUMN failures,
  DROP COLUMN token,
  DROP COLUMN lease_until,
  DROP COLUMN status;
