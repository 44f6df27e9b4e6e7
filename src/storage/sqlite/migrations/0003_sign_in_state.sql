-- Gatehouse SQLite schema 3: the state of sign-in flows, all of it in the store so any node can
-- continue a flow another node began (login transactions, SSO sessions, authorization codes).

CREATE TABLE login_transactions (
  id                    TEXT    NOT NULL PRIMARY KEY,
  csrf_hash             BLOB    NOT NULL,
  client_id             TEXT    NOT NULL,
  redirect_uri          TEXT    NOT NULL,
  response_type         TEXT    NOT NULL,
  response_mode         TEXT    NOT NULL,
  scope                 TEXT    NOT NULL,
  state                 TEXT    NOT NULL,
  nonce                 TEXT    NOT NULL,
  code_challenge        TEXT    NOT NULL,
  code_challenge_method TEXT    NOT NULL,
  prompt                TEXT    NOT NULL,
  login_hint            TEXT    NOT NULL,
  max_age               INTEGER,           -- NULL when the request had none
  created_at            INTEGER NOT NULL,
  expires_at            INTEGER NOT NULL
) STRICT;
CREATE INDEX login_transactions_expiry ON login_transactions (expires_at);

CREATE TABLE sso_sessions (
  id_hash      BLOB    NOT NULL PRIMARY KEY,
  sid          TEXT    NOT NULL UNIQUE,
  user_id      TEXT    NOT NULL,
  auth_time    INTEGER NOT NULL,
  amr          TEXT    NOT NULL,
  created_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX sso_sessions_user ON sso_sessions (user_id);
CREATE INDEX sso_sessions_expiry ON sso_sessions (expires_at);

CREATE TABLE authorization_codes (
  code_hash             BLOB    NOT NULL PRIMARY KEY,
  grant_id              TEXT    NOT NULL,
  client_id             TEXT    NOT NULL,
  redirect_uri          TEXT    NOT NULL,
  user_id               TEXT    NOT NULL,
  scope                 TEXT    NOT NULL,
  nonce                 TEXT    NOT NULL,
  code_challenge        TEXT    NOT NULL,
  code_challenge_method TEXT    NOT NULL,
  sid                   TEXT    NOT NULL,
  auth_time             INTEGER NOT NULL,
  amr                   TEXT    NOT NULL,
  created_at            INTEGER NOT NULL,
  expires_at            INTEGER NOT NULL,
  consumed_at           INTEGER             -- NULL until redeemed
) STRICT;
CREATE INDEX authorization_codes_expiry ON authorization_codes (expires_at);
