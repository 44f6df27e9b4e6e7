-- Gatehouse SQLite schema 4: refresh tokens (hashes only) rotated atomically, and the access tokens
-- issued per grant, so a grant can be revoked as a whole.

CREATE TABLE refresh_tokens (
  token_hash        BLOB    NOT NULL PRIMARY KEY,
  grant_id          TEXT    NOT NULL,
  client_id         TEXT    NOT NULL,
  user_id           TEXT    NOT NULL,
  scope             TEXT    NOT NULL,
  sid               TEXT    NOT NULL,
  auth_time         INTEGER NOT NULL,
  amr               TEXT    NOT NULL,
  created_at        INTEGER NOT NULL,
  expires_at        INTEGER NOT NULL,
  rotated_at        INTEGER,          -- NULL until used
  previous_response BLOB,             -- sealed answer of the rotating use, for the grace window
  revoked_at        INTEGER           -- NULL unless the grant was revoked
) STRICT;
CREATE INDEX refresh_tokens_grant ON refresh_tokens (grant_id);
CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);

CREATE TABLE grant_access_tokens (
  grant_id   TEXT    NOT NULL,
  jti        TEXT    NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (grant_id, jti)
) STRICT;
CREATE INDEX grant_access_tokens_expiry ON grant_access_tokens (expires_at);

-- A revoked grant stays revoked even for tokens issued from it later (a code redeemed twice:
-- the second redemption revokes what the first one may still be issuing).
CREATE TABLE revoked_grants (
  grant_id   TEXT    NOT NULL PRIMARY KEY,
  revoked_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
