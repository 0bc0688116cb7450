-- +goose Up
-- The values of the custom fields of policy.fields (面积:120), one row per
-- customer and key, as baobei.FieldDef.Parse stores them.
CREATE TABLE customer_fields (
  customer_id BIGINT NOT NULL,
  field_key VARCHAR(32) NOT NULL,
  value TEXT NOT NULL,
  updated_at DATETIME NOT NULL,
  PRIMARY KEY (customer_id, field_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE customer_fields;
