-- Gatehouse PostgreSQL schema 2: clients that authenticate with a signed JWT (private_key_jwt)
-- and the one-time ids of the assertions they sent. Additive: a binary of schema 1 still works.

-- The client's public keys as a JWK Set (JSON text); '' for clients without keys.
ALTER TABLE clients ADD COLUMN jwks text NOT NULL DEFAULT '';

-- "<client_id> <jti>" of every client assertion accepted, until the assertion expires.
CREATE TABLE used_assertions (
  id         text COLLATE "C" NOT NULL PRIMARY KEY,
  expires_at bigint NOT NULL
);
CREATE INDEX used_assertions_by_expires_at ON used_assertions (expires_at);
