-- Gatehouse schema 16 (the same number on both backends): multi-factor sign-in (issue 12), the
-- tables behind the ports in src/mfa/. Additive: a node of the previous release never reads them.
-- Each user's TOTP factor (mfa::TotpStore): the seed sealed under a subkey of the master key.
CREATE TABLE totp_factors (
  user_id      TEXT    NOT NULL PRIMARY KEY,
  sealed_seed  BLOB    NOT NULL,
  confirmed    INTEGER NOT NULL,  -- 0 while the enrolment is pending
  last_step    INTEGER NOT NULL,  -- the last TOTP time step accepted; -1: none
  created_at   INTEGER NOT NULL,
  confirmed_at INTEGER NOT NULL   -- 0 while pending
) STRICT;

-- Recovery codes (mfa::RecoveryCodeStore), as keyed hashes, each usable once.
CREATE TABLE recovery_codes (
  user_id    TEXT    NOT NULL,
  code_hash  BLOB    NOT NULL,
  created_at INTEGER NOT NULL,
  used_at    INTEGER,  -- NULL until used
  PRIMARY KEY (user_id, code_hash)
) STRICT;

-- WebAuthn credentials (mfa::PasskeyStore); a credential id is unique across the installation.
CREATE TABLE passkeys (
  credential_id   TEXT    NOT NULL PRIMARY KEY,  -- base64url
  user_id         TEXT    NOT NULL,
  name            TEXT    NOT NULL,              -- the user's label, any bytes
  public_key      BLOB    NOT NULL,              -- the COSE_Key as registered
  algorithm       INTEGER NOT NULL,              -- COSE alg
  sign_count      INTEGER NOT NULL,
  user_verified   INTEGER NOT NULL,
  backup_eligible INTEGER NOT NULL,
  backup_state    INTEGER NOT NULL,
  discoverable    INTEGER NOT NULL,
  transports      TEXT    NOT NULL,              -- space-separated, as the browser reported them
  aaguid          TEXT    NOT NULL,              -- lower-case hex
  flagged         INTEGER NOT NULL,              -- its counter went backwards: refused
  created_at      INTEGER NOT NULL,
  last_used_at    INTEGER NOT NULL               -- 0: never
) STRICT;
CREATE INDEX passkeys_user ON passkeys (user_id, created_at);

-- WebAuthn ceremony challenges (mfa::ChallengeStore): single use, short-lived, purged when expired.
CREATE TABLE webauthn_challenges (
  challenge  TEXT    NOT NULL PRIMARY KEY,  -- base64url
  purpose    TEXT    NOT NULL,              -- register | authenticate
  user_id    TEXT    NOT NULL,              -- '' for a passkey sign-in
  context    TEXT    NOT NULL,              -- a sign-in transaction id, or ''
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX webauthn_challenges_expiry ON webauthn_challenges (expires_at);

-- Deleting a user deletes their factors in the same transaction, whoever deletes (a node of any
-- release, an operator). Their challenges expire within minutes and are purged.
CREATE TRIGGER users_delete_factors AFTER DELETE ON users BEGIN
  DELETE FROM totp_factors WHERE user_id = OLD.id;
  DELETE FROM recovery_codes WHERE user_id = OLD.id;
  DELETE FROM passkeys WHERE user_id = OLD.id;
END;
