-- Gatehouse schema 15 (the same number on both backends): the protocol-neutral sign-in domain.
-- Additive, with defaults: a node of the previous release keeps reading and writing the OIDC
-- columns of login_transactions (a new node still fills them for OIDC transactions, and reads a
-- row with kind '' as one an old node wrote: storage/sign_in_columns.hpp), and ignores the rest.
ALTER TABLE login_transactions ADD COLUMN kind          TEXT    NOT NULL DEFAULT '';   -- the front door: oidc (cas, saml)
ALTER TABLE login_transactions ADD COLUMN continuation  BLOB    NOT NULL DEFAULT x'';  -- the front door's own encoding
ALTER TABLE login_transactions ADD COLUMN service       TEXT    NOT NULL DEFAULT '';   -- who asked (client_id)
ALTER TABLE login_transactions ADD COLUMN fresh         INTEGER NOT NULL DEFAULT 0;    -- a new sign-in is required
ALTER TABLE login_transactions ADD COLUMN requested_acr BLOB    NOT NULL DEFAULT x'';
ALTER TABLE login_transactions ADD COLUMN user_id       TEXT    NOT NULL DEFAULT '';   -- once a step identified the user
ALTER TABLE login_transactions ADD COLUMN amr           TEXT    NOT NULL DEFAULT '';   -- RFC 8176 values of the steps done
ALTER TABLE login_transactions ADD COLUMN acr           TEXT    NOT NULL DEFAULT '';
-- The services signed in to from a session (protocol, service, when, detail), for logout.
ALTER TABLE sso_sessions ADD COLUMN participants TEXT NOT NULL DEFAULT '';
