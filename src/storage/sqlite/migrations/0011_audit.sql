-- Gatehouse SQLite schema 11: the audit trail (admin changes and sign-in attempts).
CREATE TABLE audit_events (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  at             INTEGER NOT NULL,  -- Unix milliseconds
  node_id        TEXT    NOT NULL,
  actor          TEXT    NOT NULL,
  action         TEXT    NOT NULL,
  target         TEXT    NOT NULL,
  client_address TEXT    NOT NULL,
  status         INTEGER NOT NULL,
  before_json    TEXT    NOT NULL,  -- '' when the resource did not exist
  after_json     TEXT    NOT NULL
) STRICT;
CREATE INDEX audit_events_by_at ON audit_events (at);
CREATE INDEX audit_events_by_action ON audit_events (action, id);
CREATE INDEX audit_events_by_target ON audit_events (target, id);
