-- Gatehouse SQLite schema 1. Timestamps are INTEGER unix seconds; hashes, sealed keys and the key
-- check value are BLOBs; lists (grant types, scopes, redirect URIs, audience) are JSON arrays of
-- strings. schema_migrations is created by the migration runner itself, not here.

CREATE TABLE clients (
  client_id                        TEXT    NOT NULL PRIMARY KEY,
  secret_hash                      BLOB    NOT NULL,  -- empty for public clients
  client_name                      TEXT    NOT NULL,
  grant_types                      TEXT    NOT NULL,  -- JSON array
  token_endpoint_auth_method       TEXT    NOT NULL,
  scopes                           TEXT    NOT NULL,  -- JSON array
  redirect_uris                    TEXT    NOT NULL,  -- JSON array
  access_token_signed_response_alg TEXT    NOT NULL,
  access_token_audience            TEXT    NOT NULL,  -- JSON array
  created_at                       INTEGER NOT NULL,
  updated_at                       INTEGER NOT NULL
) STRICT;

CREATE TABLE api_keys (
  id          TEXT    NOT NULL PRIMARY KEY,
  key_hash    BLOB    NOT NULL UNIQUE,
  description TEXT    NOT NULL,
  created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX api_keys_by_created_at ON api_keys (created_at, id);

CREATE TABLE signing_keys (
  kid            TEXT    NOT NULL PRIMARY KEY,
  alg            TEXT    NOT NULL,
  state          TEXT    NOT NULL CHECK (state IN ('next', 'current', 'previous', 'retired')),
  sealed_private BLOB    NOT NULL,
  public_jwk     TEXT    NOT NULL,
  created_at     INTEGER NOT NULL,
  activates_at   INTEGER NOT NULL,
  retires_at     INTEGER
) STRICT;
-- At most one current key per algorithm, whatever the application does.
CREATE UNIQUE INDEX signing_keys_one_current_per_alg ON signing_keys (alg) WHERE state = 'current';
CREATE INDEX signing_keys_by_created_at ON signing_keys (created_at, kid);

-- Cluster-wide values that are not configuration files (the master key check value, ...).
CREATE TABLE settings (
  name  TEXT NOT NULL PRIMARY KEY,
  value ANY  NOT NULL
) STRICT;

CREATE TABLE revoked_tokens (
  jti        TEXT    NOT NULL PRIMARY KEY,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX revoked_tokens_by_expires_at ON revoked_tokens (expires_at);
