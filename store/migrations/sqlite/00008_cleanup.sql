-- +goose Up
-- The daily cleanup deletes old dedupe records by age.
CREATE INDEX ix_processed_created ON processed_messages (created_at);

-- +goose Down
DROP INDEX ix_processed_created;
