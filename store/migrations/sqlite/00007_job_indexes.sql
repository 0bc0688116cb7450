-- +goose Up
-- The release and warning scans read only these indexes: every condition
-- and the owner are in them, so a job touches the rows it acts on and no others.
DROP INDEX ix_customers_status;
CREATE INDEX ix_customers_status ON customers (status, protected_until, locked, warned_until, owner_id);
DROP INDEX ix_customers_idle;
CREATE INDEX ix_customers_idle ON customers (status, locked, last_activity, idle_warned_for, grade, owner_id);

-- +goose Down
DROP INDEX ix_customers_idle;
CREATE INDEX ix_customers_idle ON customers (status, locked, last_activity);
DROP INDEX ix_customers_status;
CREATE INDEX ix_customers_status ON customers (status, protected_until);
