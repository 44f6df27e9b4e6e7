-- Gatehouse SQLite schema 12: rate-limit windows (used when there is no Redis).
CREATE TABLE rate_counters (
  key        TEXT    NOT NULL PRIMARY KEY,  -- rule:window start:subject
  expires_at INTEGER NOT NULL,
  hits       INTEGER NOT NULL
) STRICT;
CREATE INDEX rate_counters_by_expires_at ON rate_counters (expires_at);
