-- Gatehouse schema 16 (the same number on both backends): multi-factor sign-in (issue 12), the
-- tables behind the ports in src/mfa/. Additive: a node of the previous release never reads them.
-- Each user's TOTP factor (mfa::TotpStore): the seed sealed under a subkey of the master key.
CREATE TABLE totp_factors (
  user_id      text COLLATE "C" NOT NULL PRIMARY KEY,
  sealed_seed  bytea   NOT NULL,
  confirmed    boolean NOT NULL,  -- false while the enrolment is pending
  last_step    bigint  NOT NULL,  -- the last TOTP time step accepted; -1: none
  created_at   bigint  NOT NULL,
  confirmed_at bigint  NOT NULL   -- 0 while pending
);

-- Recovery codes (mfa::RecoveryCodeStore), as keyed hashes, each usable once.
CREATE TABLE recovery_codes (
  user_id    text COLLATE "C" NOT NULL,
  code_hash  bytea  NOT NULL,
  created_at bigint NOT NULL,
  used_at    bigint,  -- NULL until used
  PRIMARY KEY (user_id, code_hash)
);

-- WebAuthn credentials (mfa::PasskeyStore); a credential id is unique across the installation.
CREATE TABLE passkeys (
  credential_id   text COLLATE "C" NOT NULL PRIMARY KEY,  -- base64url
  user_id         text COLLATE "C" NOT NULL,
  name            bytea   NOT NULL,  -- the user's label: any bytes (TEXT on SQLite)
  public_key      bytea   NOT NULL,  -- the COSE_Key as registered
  algorithm       integer NOT NULL,  -- COSE alg
  sign_count      bigint  NOT NULL,
  user_verified   boolean NOT NULL,
  backup_eligible boolean NOT NULL,
  backup_state    boolean NOT NULL,
  discoverable    boolean NOT NULL,
  transports      bytea   NOT NULL,  -- space-separated, as the browser reported them: any bytes
  aaguid          text    NOT NULL,  -- lower-case hex
  flagged         boolean NOT NULL,  -- its counter went backwards: refused
  created_at      bigint  NOT NULL,
  last_used_at    bigint  NOT NULL   -- 0: never
);
CREATE INDEX passkeys_user ON passkeys (user_id, created_at);

-- WebAuthn ceremony challenges (mfa::ChallengeStore): single use, short-lived, purged when expired.
CREATE TABLE webauthn_challenges (
  challenge  text COLLATE "C" NOT NULL PRIMARY KEY,  -- base64url
  purpose    text   NOT NULL,  -- register | authenticate
  user_id    text COLLATE "C" NOT NULL,  -- '' for a passkey sign-in
  context    bytea  NOT NULL,  -- a sign-in transaction id, or '': any bytes (TEXT on SQLite)
  expires_at bigint NOT NULL
);
CREATE INDEX webauthn_challenges_expiry ON webauthn_challenges (expires_at);

-- Deleting a user deletes their factors in the same transaction, whoever deletes (a node of any
-- release, an operator in psql). Their challenges expire within minutes and are purged. SET
-- search_path FROM CURRENT: the schema migrated into (as gh_record_cluster_event, 0001).
CREATE FUNCTION gh_delete_user_factors() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  DELETE FROM totp_factors WHERE user_id = OLD.id;
  DELETE FROM recovery_codes WHERE user_id = OLD.id;
  DELETE FROM passkeys WHERE user_id = OLD.id;
  RETURN NULL;
END $$;
CREATE TRIGGER users_delete_factors AFTER DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION gh_delete_user_factors();
