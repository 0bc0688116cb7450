-- +goose Up
-- How a follow-up was made: 电话 微信 拜访 到店 其他 (older ones: 其他).
ALTER TABLE followups ADD COLUMN kind VARCHAR(8) NOT NULL DEFAULT '其他';

-- +goose Down
ALTER TABLE followups DROP COLUMN kind;
