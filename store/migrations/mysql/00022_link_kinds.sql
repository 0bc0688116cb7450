-- +goose Up
-- One-time links of more than one kind: export (导出) and dash (看板).
ALTER TABLE downloads ADD COLUMN kind VARCHAR(16) NOT NULL DEFAULT 'export';

-- +goose Down
ALTER TABLE downloads DROP COLUMN kind;
