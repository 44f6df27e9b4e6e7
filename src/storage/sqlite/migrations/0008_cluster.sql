-- Gatehouse SQLite schema 8: membership, cluster events and run-once jobs. A single node uses them
-- too: its jobs run through the same leases, and a change written by another process on the same
-- database file (`gatehouse` commands) reaches the running node as an event.
CREATE TABLE cluster_nodes (
  node_id       TEXT    NOT NULL PRIMARY KEY,
  instance      TEXT    NOT NULL,
  url           TEXT    NOT NULL,
  version       TEXT    NOT NULL,
  state         TEXT    NOT NULL,   -- up | recovering | left
  started_at    INTEGER NOT NULL,   -- Unix ms
  last_checkin  INTEGER NOT NULL,   -- Unix ms
  config_hash   TEXT    NOT NULL,
  keyset        TEXT    NOT NULL,
  applied_event INTEGER NOT NULL
) STRICT;

CREATE TABLE cluster_events (
  seq        INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,  -- never reused, even after a purge
  kind       TEXT    NOT NULL,
  key        TEXT    NOT NULL,
  created_at INTEGER NOT NULL                             -- Unix ms
) STRICT;
CREATE INDEX cluster_events_created ON cluster_events (created_at);

CREATE TABLE jobs (
  name          TEXT    NOT NULL PRIMARY KEY,
  next_run      INTEGER NOT NULL,             -- Unix ms
  lease_owner   TEXT    NOT NULL DEFAULT '',  -- node id; '' = not running
  lease_expires INTEGER NOT NULL DEFAULT 0,
  run_id        INTEGER                       -- the run the lease belongs to
) STRICT;

CREATE TABLE job_runs (
  id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  job         TEXT    NOT NULL,
  node_id     TEXT    NOT NULL,
  started_at  INTEGER NOT NULL,
  finished_at INTEGER,
  outcome     TEXT    NOT NULL,   -- running | ok | failed | abandoned
  detail      TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX job_runs_job ON job_runs (job, started_at);
CREATE INDEX job_runs_started ON job_runs (started_at);

-- Events written by the change itself, in its transaction: an event exists iff its change committed.
CREATE TRIGGER clients_event_insert AFTER INSERT ON clients BEGIN
  INSERT INTO cluster_events (kind, key, created_at) VALUES ('client', NEW.client_id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
CREATE TRIGGER clients_event_update AFTER UPDATE ON clients BEGIN
  INSERT INTO cluster_events (kind, key, created_at) VALUES ('client', NEW.client_id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
CREATE TRIGGER clients_event_delete AFTER DELETE ON clients BEGIN
  INSERT INTO cluster_events (kind, key, created_at) VALUES ('client', OLD.client_id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
CREATE TRIGGER users_event_update AFTER UPDATE ON users BEGIN
  INSERT INTO cluster_events (kind, key, created_at) VALUES ('user', NEW.id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
CREATE TRIGGER users_event_delete AFTER DELETE ON users BEGIN
  INSERT INTO cluster_events (kind, key, created_at) VALUES ('user', OLD.id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
CREATE TRIGGER settings_event_insert AFTER INSERT ON settings BEGIN
  INSERT INTO cluster_events (kind, key, created_at) VALUES ('setting', NEW.name, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
CREATE TRIGGER settings_event_update AFTER UPDATE ON settings BEGIN
  INSERT INTO cluster_events (kind, key, created_at) VALUES ('setting', NEW.name, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
CREATE TRIGGER signing_keys_event_insert AFTER INSERT ON signing_keys BEGIN
  INSERT INTO cluster_events (kind, key, created_at) VALUES ('key', NEW.kid, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
CREATE TRIGGER signing_keys_event_update AFTER UPDATE ON signing_keys BEGIN
  INSERT INTO cluster_events (kind, key, created_at) VALUES ('key', NEW.kid, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
CREATE TRIGGER signing_keys_event_delete AFTER DELETE ON signing_keys BEGIN
  INSERT INTO cluster_events (kind, key, created_at) VALUES ('key', OLD.kid, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
-- A session deleted before its expiry was revoked (logout, a new sign-in, an admin); the purge of
-- expired sessions is not news.
CREATE TRIGGER sso_sessions_event_delete AFTER DELETE ON sso_sessions
  WHEN OLD.expires_at > CAST(strftime('%s', 'now') AS INTEGER) BEGIN
  INSERT INTO cluster_events (kind, key, created_at) VALUES ('session', OLD.sid, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
