-- +goose Up
ALTER TABLE customers ADD COLUMN locked BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN idle_warned_for DATETIME NULL;

-- +goose Down
ALTER TABLE customers DROP COLUMN idle_warned_for;
ALTER TABLE customers DROP COLUMN locked;
