-- +goose Up
-- RFM: the last purchase of each customer (recency, the 回访 clock), and the
-- purchases index covering the nightly scan (customer, date, amount).
ALTER TABLE customers ADD COLUMN last_purchase_at DATETIME NULL;
UPDATE customers SET last_purchase_at = (SELECT MAX(p.bought_at) FROM purchases p WHERE p.customer_id = customers.id) WHERE status = 'won';
DROP INDEX ix_purchases_customer;
CREATE INDEX ix_purchases_customer ON purchases (customer_id, bought_at, amount_cents);
CREATE INDEX ix_customer_tags_kind ON customer_tags (kind, customer_id);

-- +goose Down
DROP INDEX ix_customer_tags_kind;
DROP INDEX ix_purchases_customer;
CREATE INDEX ix_purchases_customer ON purchases (customer_id, bought_at);
ALTER TABLE customers DROP COLUMN last_purchase_at;
