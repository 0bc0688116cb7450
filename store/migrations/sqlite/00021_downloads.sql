-- +goose Up
-- One-time download links (导出): the SHA-256 of the link's token, who
-- asked, what they may export, until when, and when it was used.
CREATE TABLE downloads (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  hash CHAR(64) NOT NULL,
  user_id BIGINT NOT NULL,
  scope_user BIGINT NULL,
  scope_team BIGINT NULL,
  created_at DATETIME NOT NULL,
  expires_at DATETIME NOT NULL,
  used_at DATETIME NULL
);
CREATE UNIQUE INDEX uq_downloads_hash ON downloads (hash);

-- +goose Down
DROP TABLE downloads;
