-- +goose Up
-- DingTalk's HTTP-mode signature covers only the timestamp, so one header
-- pair is valid for an hour with any body. Each pair seen is kept with the
-- digest of its body: the same pair with another body is refused. Shared
-- by the replicas; the daily cleanup drops rows after the dedupe days.
CREATE TABLE callback_signatures (
  sig CHAR(64) NOT NULL PRIMARY KEY,
  body CHAR(64) NOT NULL,
  seen_at DATETIME NOT NULL
);
CREATE INDEX ix_callback_signatures_seen ON callback_signatures (seen_at);

-- +goose Down
DROP INDEX ix_callback_signatures_seen;
DROP TABLE callback_signatures;
