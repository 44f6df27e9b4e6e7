-- Gatehouse schema 17 (the same number on both backends): the CAS ticket registry (issue 13), the
-- tables behind the ports in src/cas/ticket_store.hpp. Additive: a node of the previous release
-- never reads them.
-- Service and proxy tickets: single use (a validation deletes the row it answers), short-lived,
-- purged when expired.
CREATE TABLE cas_tickets (
  id_hash    BLOB    NOT NULL PRIMARY KEY,  -- SHA-256 of the ticket string
  kind       TEXT    NOT NULL CHECK (kind IN ('ST', 'PT')),
  service    TEXT    NOT NULL,              -- the exact service URL: any bytes
  client_id  TEXT    NOT NULL,
  user_id    TEXT    NOT NULL,
  sid        TEXT    NOT NULL,
  auth_time  INTEGER NOT NULL,
  amr        TEXT    NOT NULL,
  new_login  INTEGER NOT NULL,              -- 1: issued right after a sign-in, not from a session
  proxies    TEXT    NOT NULL,              -- JSON array of strings: the proxy chain (PT)
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX cas_tickets_expiry ON cas_tickets (expires_at);

-- Proxy-granting tickets: read by each /cas/proxy, ended with their SSO session (sid).
CREATE TABLE cas_proxy_granting_tickets (
  id_hash    BLOB    NOT NULL PRIMARY KEY,  -- SHA-256 of the "PGT-..." string
  client_id  TEXT    NOT NULL,
  user_id    TEXT    NOT NULL,
  sid        TEXT    NOT NULL,
  auth_time  INTEGER NOT NULL,
  amr        TEXT    NOT NULL,
  proxies    TEXT    NOT NULL,              -- JSON array of strings: the chain, its own pgtUrl first
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX cas_proxy_granting_tickets_sid ON cas_proxy_granting_tickets (sid);
CREATE INDEX cas_proxy_granting_tickets_expiry ON cas_proxy_granting_tickets (expires_at);
