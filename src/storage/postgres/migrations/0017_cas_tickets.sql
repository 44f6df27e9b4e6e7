-- Gatehouse schema 17 (the same number on both backends): the CAS ticket registry (issue 13), the
-- tables behind the ports in src/cas/ticket_store.hpp. Additive: a node of the previous release
-- never reads them.
-- Service and proxy tickets: single use (a validation deletes the row it answers), short-lived,
-- purged when expired.
CREATE TABLE cas_tickets (
  id_hash    bytea   NOT NULL PRIMARY KEY,  -- SHA-256 of the ticket string
  kind       text    NOT NULL CHECK (kind IN ('ST', 'PT')),
  service    bytea   NOT NULL,              -- the exact service URL: any bytes (TEXT on SQLite)
  client_id  text    NOT NULL,
  user_id    text    NOT NULL,
  sid        text    NOT NULL,
  auth_time  bigint  NOT NULL,
  amr        text    NOT NULL,
  new_login  boolean NOT NULL,              -- issued right after a sign-in, not from a session
  proxies    text[]  NOT NULL,              -- the proxy chain (PT)
  created_at bigint  NOT NULL,
  expires_at bigint  NOT NULL
);
CREATE INDEX cas_tickets_expiry ON cas_tickets (expires_at);

-- Proxy-granting tickets: read by each /cas/proxy, ended with their SSO session (sid).
CREATE TABLE cas_proxy_granting_tickets (
  id_hash    bytea  NOT NULL PRIMARY KEY,  -- SHA-256 of the "PGT-..." string
  client_id  text   NOT NULL,
  user_id    text   NOT NULL,
  sid        text COLLATE "C" NOT NULL,
  auth_time  bigint NOT NULL,
  amr        text   NOT NULL,
  proxies    text[] NOT NULL,              -- the chain, its own pgtUrl first
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL
);
CREATE INDEX cas_proxy_granting_tickets_sid ON cas_proxy_granting_tickets (sid);
CREATE INDEX cas_proxy_granting_tickets_expiry ON cas_proxy_granting_tickets (expires_at);
