-- Gatehouse SQLite schema 2: users (OIDC standard claims) and their failed sign-in counters.
-- username and email are unique ignoring ASCII case; an empty email means "none" and is not unique.

CREATE TABLE users (
  id                    TEXT    NOT NULL PRIMARY KEY,
  username              TEXT    NOT NULL COLLATE NOCASE UNIQUE,
  email                 TEXT    NOT NULL COLLATE NOCASE,
  email_verified        INTEGER NOT NULL,
  name                  TEXT    NOT NULL,
  given_name            TEXT    NOT NULL,
  family_name           TEXT    NOT NULL,
  middle_name           TEXT    NOT NULL,
  nickname              TEXT    NOT NULL,
  picture               TEXT    NOT NULL,
  locale                TEXT    NOT NULL,
  phone_number          TEXT    NOT NULL,
  phone_number_verified INTEGER NOT NULL,
  active                INTEGER NOT NULL,
  password_hash         TEXT    NOT NULL,  -- argon2id PHC string; empty when no password is set
  created_at            INTEGER NOT NULL,
  updated_at            INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX users_email ON users (email) WHERE email <> '';

CREATE TABLE failed_logins (
  user_id           TEXT    NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  count             INTEGER NOT NULL,
  window_started_at INTEGER NOT NULL,
  locked_until      INTEGER NOT NULL
) STRICT;
