-- +goose Up
-- Customer tags: typed by people (标签) or set by the system (segments,
-- which people cannot remove).
CREATE TABLE customer_tags (
  customer_id BIGINT NOT NULL,
  tag VARCHAR(32) NOT NULL,
  kind VARCHAR(8) NOT NULL DEFAULT 'user',
  created_at DATETIME NOT NULL,
  PRIMARY KEY (customer_id, tag)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX ix_customer_tags_tag ON customer_tags (tag, customer_id);

-- +goose Down
DROP TABLE customer_tags;
