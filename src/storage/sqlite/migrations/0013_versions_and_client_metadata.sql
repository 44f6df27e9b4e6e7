-- Gatehouse schema 13 (the same number on both backends from here on): optimistic versions of
-- users and applications (ETag / If-Match in the admin API), client metadata members that change
-- nothing Gatehouse does but are kept and returned (RFC 7591 / OIDC Registration), the clients
-- allowed to introspect tokens of an audience, and the per-user token cut-off of a sign-out
-- everywhere. Additive only: a node of the previous release keeps working on this schema.

ALTER TABLE clients ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
-- JSON object of the informational members (client_uri, logo_uri, contacts, ...).
ALTER TABLE clients ADD COLUMN extra_metadata TEXT NOT NULL DEFAULT '{}';
-- JSON array of audiences whose tokens this client may introspect (extension).
ALTER TABLE clients ADD COLUMN introspection_audiences TEXT NOT NULL DEFAULT '[]';

ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
-- Tokens issued to the user before this time (unix seconds) are no longer valid.
ALTER TABLE users ADD COLUMN tokens_valid_after INTEGER NOT NULL DEFAULT 0;

-- No index on refresh_tokens (user_id): a sign-out everywhere (an administrator's action) scans
-- the table, rather than every refresh-token rotation and code paying for one more index.
