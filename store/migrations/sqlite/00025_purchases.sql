-- +goose Up
-- Purchases: the first (成交) and every repeat one (复购) of a won customer.
-- Won customers of before get their deal as their first purchase.
CREATE TABLE purchases (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id BIGINT NOT NULL,
  amount_cents BIGINT NOT NULL,
  items VARCHAR(200) NOT NULL DEFAULT '',
  bought_at DATETIME NOT NULL,
  recorded_by BIGINT NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL
);
CREATE INDEX ix_purchases_customer ON purchases (customer_id, bought_at);
CREATE INDEX ix_purchases_bought ON purchases (bought_at);
INSERT INTO purchases (customer_id, amount_cents, items, bought_at, recorded_by, created_at)
  SELECT id, amount_cents, '', COALESCE(last_followup_at, reported_at), COALESCE(owner_id, 0), COALESCE(last_followup_at, reported_at)
  FROM customers WHERE status = 'won';

-- +goose Down
DROP TABLE purchases;
