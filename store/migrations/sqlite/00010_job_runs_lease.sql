-- +goose Up
-- A job's slot is done only once its work committed. Until then the replica
-- running it holds a short lease (token, lease_until); a failed attempt
-- frees the slot and is counted for 系统状态 and the metrics. Rows from
-- before this migration were claimed under the old rule: they count as done.
ALTER TABLE job_runs ADD COLUMN status VARCHAR(16) NOT NULL DEFAULT 'done';
ALTER TABLE job_runs ADD COLUMN lease_until DATETIME NULL;
ALTER TABLE job_runs ADD COLUMN token VARCHAR(32) NOT NULL DEFAULT '';
ALTER TABLE job_runs ADD COLUMN failures INT NOT NULL DEFAULT 0;
ALTER TABLE job_runs ADD COLUMN failed_at DATETIME NULL;
ALTER TABLE job_runs ADD COLUMN last_error VARCHAR(500) NOT NULL DEFAULT '';
CREATE INDEX ix_job_runs_status ON job_runs (status, job, slot);

-- +goose Down
DROP INDEX ix_job_runs_status;
ALTER TABLE job_runs DROP COLUMN last_error;
ALTER TABLE job_runs DROP COLUMN failed_at;
ALTER TABLE job_runs DROP COLUMN failures;
ALTER TABLE job_runs DROP COLUMN token;
ALTER TABLE job_runs DROP COLUMN lease_until;
ALTER TABLE job_runs DROP COLUMN status;
