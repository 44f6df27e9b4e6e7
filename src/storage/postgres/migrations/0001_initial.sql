-- Gatehouse PostgreSQL schema 1: everything SQLite's migrations 0001..0007 built, in PostgreSQL's
-- own types. schema_migrations is created by the migration runner itself, not here.
--
-- - Timestamps are bigint unix seconds: the ports' UnixSeconds, whose whole int64 range the
--   contract suites round-trip (timestamptz cannot hold it).
-- - Hashes, sealed keys and setting values are bytea; lists are text[].
-- - Values that are opaque bytes to Gatehouse are bytea too: grant ids, and what a browser sends
--   unvalidated (login names, state, nonce, login_hint). A text column refuses a zero byte and
--   invalid UTF-8, which SQLite and the ports accept; a junk form field must not turn into 503.
-- - Text keys are COLLATE "C": byte order and byte comparison, as SQLite's BINARY, whatever the
--   database's locale (list orders are part of the ports' contracts), and cheaper comparisons.

-- ASCII-only lower case, as SQLite's NOCASE: usernames and emails are unique and found ignoring
-- ASCII case, independently of the database's locale (lower() would fold non-ASCII letters too,
-- differently per locale). A plain SQL function, so the planner inlines it and the expression
-- indexes below serve the queries.
CREATE FUNCTION gh_ascii_lower(text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT translate($1, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') $$;

CREATE TABLE clients (
  client_id                        text COLLATE "C" NOT NULL PRIMARY KEY,
  secret_hash                      bytea  NOT NULL,  -- empty for public clients
  client_name                      text   NOT NULL,
  grant_types                      text[] NOT NULL,
  token_endpoint_auth_method       text   NOT NULL,
  scopes                           text[] NOT NULL,
  redirect_uris                    text[] NOT NULL,
  post_logout_redirect_uris        text[] NOT NULL,
  access_token_signed_response_alg text   NOT NULL,
  id_token_signed_response_alg     text   NOT NULL,
  access_token_audience            text[] NOT NULL,
  created_at                       bigint NOT NULL,
  updated_at                       bigint NOT NULL
);

CREATE TABLE api_keys (
  id          text COLLATE "C" NOT NULL PRIMARY KEY,
  key_hash    bytea  NOT NULL UNIQUE,
  description text   NOT NULL,
  created_at  bigint NOT NULL
);
CREATE INDEX api_keys_by_created_at ON api_keys (created_at, id);

CREATE TABLE signing_keys (
  kid            text COLLATE "C" NOT NULL PRIMARY KEY,
  alg            text   NOT NULL,
  state          text   NOT NULL CHECK (state IN ('next', 'current', 'previous', 'retired')),
  sealed_private bytea  NOT NULL,
  public_jwk     text   NOT NULL,
  created_at     bigint NOT NULL,
  activates_at   bigint NOT NULL,
  retires_at     bigint
);
-- At most one current key per algorithm: insert_current_if_none is one INSERT ... ON CONFLICT
-- DO NOTHING that this index arbitrates.
CREATE UNIQUE INDEX signing_keys_one_current_per_alg ON signing_keys (alg) WHERE state = 'current';
-- At most one next key per algorithm: insert_next_if_none is arbitrated the same way.
CREATE UNIQUE INDEX signing_keys_one_next_per_alg ON signing_keys (alg) WHERE state = 'next';
CREATE INDEX signing_keys_by_created_at ON signing_keys (created_at, kid);

-- Cluster-wide values that are not configuration files (the master key check value, ...).
CREATE TABLE settings (
  name  text COLLATE "C" NOT NULL PRIMARY KEY,
  value bytea NOT NULL
);

CREATE TABLE revoked_tokens (
  jti        text COLLATE "C" NOT NULL PRIMARY KEY,
  expires_at bigint NOT NULL
);
CREATE INDEX revoked_tokens_by_expires_at ON revoked_tokens (expires_at);

CREATE TABLE users (
  id                    text COLLATE "C" NOT NULL PRIMARY KEY,
  username              text COLLATE "C" NOT NULL,
  email                 text COLLATE "C" NOT NULL,  -- '' means none
  email_verified        boolean NOT NULL,
  name                  text    NOT NULL,
  given_name            text    NOT NULL,
  family_name           text    NOT NULL,
  middle_name           text    NOT NULL,
  nickname              text    NOT NULL,
  picture               text    NOT NULL,
  locale                text    NOT NULL,
  phone_number          text    NOT NULL,
  phone_number_verified boolean NOT NULL,
  active                boolean NOT NULL,
  password_hash         text    NOT NULL,  -- argon2id PHC string; empty when no password is set
  created_at            bigint  NOT NULL,
  updated_at            bigint  NOT NULL
);
-- The user store maps a violation of these two indexes, by name, to "username taken" / "email
-- taken". Created in this order on purpose: PostgreSQL checks a table's unique indexes in the
-- order they were created, so a user taking both is told about the username first, as on SQLite.
CREATE UNIQUE INDEX users_username_key ON users (gh_ascii_lower(username));
CREATE UNIQUE INDEX users_email_key ON users (gh_ascii_lower(email)) WHERE email <> '';

-- Failed sign-ins per login name (the username in ASCII lower case), for real and unknown names.
CREATE TABLE login_failures (
  login_name        bytea   NOT NULL PRIMARY KEY,
  count             integer NOT NULL,
  window_started_at bigint  NOT NULL,
  locked_until      bigint  NOT NULL
);

CREATE TABLE login_transactions (
  id                    text COLLATE "C" NOT NULL PRIMARY KEY,
  csrf_hash             bytea  NOT NULL,
  client_id             text   NOT NULL,
  redirect_uri          text   NOT NULL,
  response_type         text   NOT NULL,
  response_mode         text   NOT NULL,
  scope                 text   NOT NULL,
  state                 bytea  NOT NULL,
  nonce                 bytea  NOT NULL,
  code_challenge        text   NOT NULL,
  code_challenge_method text   NOT NULL,
  prompt                text   NOT NULL,
  login_hint            bytea  NOT NULL,
  max_age               bigint,            -- NULL when the request had none
  created_at            bigint NOT NULL,
  expires_at            bigint NOT NULL
);
CREATE INDEX login_transactions_expiry ON login_transactions (expires_at);

CREATE TABLE sso_sessions (
  id_hash      bytea  NOT NULL PRIMARY KEY,
  sid          text COLLATE "C" NOT NULL UNIQUE,
  user_id      text COLLATE "C" NOT NULL,
  auth_time    bigint NOT NULL,
  amr          text   NOT NULL,
  created_at   bigint NOT NULL,
  last_seen_at bigint NOT NULL,
  expires_at   bigint NOT NULL
);
CREATE INDEX sso_sessions_user ON sso_sessions (user_id);
CREATE INDEX sso_sessions_expiry ON sso_sessions (expires_at);

CREATE TABLE authorization_codes (
  code_hash             bytea  NOT NULL PRIMARY KEY,
  grant_id              bytea  NOT NULL,
  client_id             text   NOT NULL,
  redirect_uri          text   NOT NULL,
  user_id               text   NOT NULL,
  scope                 text   NOT NULL,
  nonce                 bytea  NOT NULL,
  code_challenge        text   NOT NULL,
  code_challenge_method text   NOT NULL,
  sid                   text   NOT NULL,
  auth_time             bigint NOT NULL,
  amr                   text   NOT NULL,
  created_at            bigint NOT NULL,
  expires_at            bigint NOT NULL,
  consumed_at           bigint             -- NULL until redeemed
);
CREATE INDEX authorization_codes_expiry ON authorization_codes (expires_at);

-- One row per grant (the family of tokens issued from one authorization), where SQLite keeps
-- only revoked ones (revoked_grants). Every write that adds a token to a grant, and every grant
-- revocation, first upserts this row: the row lock orders them, and ON CONFLICT DO UPDATE reads
-- the latest committed row whatever the statement's snapshot. So a token issued while its grant
-- is being revoked is either revoked by that revocation or born revoked, in a single statement
-- and without an explicit transaction on the hot path (SQLite gets the same from its one writer).
CREATE TABLE grants (
  grant_id   bytea  NOT NULL PRIMARY KEY,
  revoked_at bigint,            -- NULL unless revoked
  expires_at bigint NOT NULL    -- latest expiry of its tokens; revoked: remembered long after
);
CREATE INDEX grants_expiry ON grants (expires_at);

CREATE TABLE refresh_tokens (
  token_hash        bytea  NOT NULL PRIMARY KEY,
  grant_id          bytea  NOT NULL,
  client_id         text   NOT NULL,
  user_id           text   NOT NULL,
  scope             text   NOT NULL,
  sid               text   NOT NULL,
  auth_time         bigint NOT NULL,
  amr               text   NOT NULL,
  created_at        bigint NOT NULL,
  expires_at        bigint NOT NULL,
  rotated_at        bigint,          -- NULL until used
  previous_response bytea,           -- sealed answer of the rotating use, for the grace window
  revoked_at        bigint           -- NULL unless the grant was revoked
);
CREATE INDEX refresh_tokens_grant ON refresh_tokens (grant_id);
CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);

CREATE TABLE grant_access_tokens (
  grant_id   bytea  NOT NULL,
  jti        text COLLATE "C" NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (grant_id, jti)
);
CREATE INDEX grant_access_tokens_expiry ON grant_access_tokens (expires_at);

-- --- cluster: membership, events, run-once jobs (SQLite's 0008) ------------------------------
-- Times here are Unix milliseconds.

CREATE TABLE cluster_nodes (
  node_id       text COLLATE "C" NOT NULL PRIMARY KEY,
  instance      text   NOT NULL,
  url           text   NOT NULL,
  version       text   NOT NULL,
  state         text   NOT NULL CHECK (state IN ('up', 'recovering', 'left')),
  started_at    bigint NOT NULL,
  last_checkin  bigint NOT NULL,
  config_hash   text   NOT NULL,
  keyset        text   NOT NULL,
  applied_event bigint NOT NULL
);

-- seq is never reused (an identity never goes back, even after a purge).
CREATE TABLE cluster_events (
  seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind       text   NOT NULL,
  key        text   NOT NULL,
  created_at bigint NOT NULL
);
CREATE INDEX cluster_events_created ON cluster_events (created_at);

CREATE TABLE jobs (
  name          text COLLATE "C" NOT NULL PRIMARY KEY,
  next_run      bigint NOT NULL,
  lease_owner   text   NOT NULL DEFAULT '',  -- node id; '' = not running
  lease_expires bigint NOT NULL DEFAULT 0,
  run_id        bigint                       -- the run the lease belongs to
);

CREATE TABLE job_runs (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job         text COLLATE "C" NOT NULL,
  node_id     text   NOT NULL,
  started_at  bigint NOT NULL,
  finished_at bigint,
  outcome     text   NOT NULL,   -- running | ok | failed | abandoned
  detail      text   NOT NULL DEFAULT ''
);
CREATE INDEX job_runs_job ON job_runs (job, started_at);
CREATE INDEX job_runs_started ON job_runs (started_at);

-- Events are written by the change itself, in its transaction: an event exists iff its change
-- committed. Nodes read events in seq order and remember the last one applied, so seq order must
-- be commit order. An identity alone does not give that (a transaction holding seq 10 may commit
-- after one holding 11, and a reader that saw 11 would never read 10): every statement that may
-- write an event first takes this transaction-scoped lock, so event writers commit one at a time
-- in seq order. Taken BEFORE the statement touches any row, so it is always the first lock and
-- cannot deadlock with row locks. The writers are administrative changes and logouts: rare.
CREATE FUNCTION gh_lock_cluster_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7449363237540164980);  -- the schema lock's key (postgres_backend.cpp) + 1
  RETURN NULL;
END $$;

-- TG_ARGV: the event kind and the column holding its key. SET search_path FROM CURRENT: the
-- schema migrated into, so a change made from a session with another search_path (an operator in
-- psql) still finds cluster_events.
CREATE FUNCTION gh_record_cluster_event() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  changed jsonb := to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END);
BEGIN
  INSERT INTO cluster_events (kind, key, created_at)
  VALUES (TG_ARGV[0], changed ->> TG_ARGV[1], (extract(epoch FROM clock_timestamp()) * 1000)::bigint);
  -- Delivered at commit (one per transaction): every node's listener polls the events table then.
  PERFORM pg_notify('gatehouse_events', '');
  RETURN NULL;
END $$;

CREATE TRIGGER cluster_events_lock BEFORE INSERT ON cluster_events
  FOR EACH STATEMENT EXECUTE FUNCTION gh_lock_cluster_events();

CREATE TRIGGER clients_events_lock BEFORE INSERT OR UPDATE OR DELETE ON clients
  FOR EACH STATEMENT EXECUTE FUNCTION gh_lock_cluster_events();
CREATE TRIGGER clients_event AFTER INSERT OR UPDATE OR DELETE ON clients
  FOR EACH ROW EXECUTE FUNCTION gh_record_cluster_event('client', 'client_id');

-- A new user is no news (nothing caches it).
CREATE TRIGGER users_events_lock BEFORE UPDATE OR DELETE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION gh_lock_cluster_events();
CREATE TRIGGER users_event AFTER UPDATE OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION gh_record_cluster_event('user', 'id');

CREATE TRIGGER settings_events_lock BEFORE INSERT OR UPDATE ON settings
  FOR EACH STATEMENT EXECUTE FUNCTION gh_lock_cluster_events();
CREATE TRIGGER settings_event AFTER INSERT OR UPDATE ON settings
  FOR EACH ROW EXECUTE FUNCTION gh_record_cluster_event('setting', 'name');

CREATE TRIGGER signing_keys_events_lock BEFORE INSERT OR UPDATE OR DELETE ON signing_keys
  FOR EACH STATEMENT EXECUTE FUNCTION gh_lock_cluster_events();
CREATE TRIGGER signing_keys_event AFTER INSERT OR UPDATE OR DELETE ON signing_keys
  FOR EACH ROW EXECUTE FUNCTION gh_record_cluster_event('key', 'kid');

-- A session deleted before its expiry was revoked (logout, a new sign-in, an admin); the purge of
-- expired sessions is not news.
CREATE TRIGGER sso_sessions_events_lock BEFORE DELETE ON sso_sessions
  FOR EACH STATEMENT EXECUTE FUNCTION gh_lock_cluster_events();
CREATE TRIGGER sso_sessions_event AFTER DELETE ON sso_sessions
  FOR EACH ROW WHEN (OLD.expires_at > extract(epoch FROM now())::bigint)
  EXECUTE FUNCTION gh_record_cluster_event('session', 'sid');
