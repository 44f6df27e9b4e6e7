-- Gatehouse PostgreSQL schema 3: the audit trail (admin changes and sign-in attempts). Additive.
CREATE TABLE audit_events (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at             bigint NOT NULL,  -- Unix milliseconds
  node_id        text COLLATE "C" NOT NULL,
  actor          text COLLATE "C" NOT NULL,
  action         text COLLATE "C" NOT NULL,
  target         text COLLATE "C" NOT NULL,
  client_address text NOT NULL,
  status         bigint NOT NULL,
  before_json    text NOT NULL,  -- '' when the resource did not exist
  after_json     text NOT NULL
);
CREATE INDEX audit_events_by_at ON audit_events (at);
CREATE INDEX audit_events_by_action ON audit_events (action, id);
CREATE INDEX audit_events_by_target ON audit_events (target, id);
