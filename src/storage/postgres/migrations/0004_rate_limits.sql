-- Gatehouse PostgreSQL schema 4: rate-limit windows (used when there is no Redis). Additive.
CREATE TABLE rate_counters (
  key        text COLLATE "C" NOT NULL PRIMARY KEY,  -- rule:window start:subject
  expires_at bigint NOT NULL,
  hits       bigint NOT NULL
);
CREATE INDEX rate_counters_by_expires_at ON rate_counters (expires_at);
