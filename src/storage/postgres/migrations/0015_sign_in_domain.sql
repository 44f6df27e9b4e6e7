-- Gatehouse schema 15 (the same number on both backends): the protocol-neutral sign-in domain.
-- Additive, with defaults: a node of the previous release keeps reading and writing the OIDC
-- columns of login_transactions (a new node still fills them for OIDC transactions, and reads a
-- row with kind '' as one an old node wrote: storage/sign_in_columns.hpp), and ignores the rest.
ALTER TABLE login_transactions ADD COLUMN kind          text    NOT NULL DEFAULT '';      -- the front door: oidc (cas, saml)
ALTER TABLE login_transactions ADD COLUMN continuation  bytea   NOT NULL DEFAULT '\x';    -- the front door's own encoding
ALTER TABLE login_transactions ADD COLUMN service       text    NOT NULL DEFAULT '';      -- who asked (client_id)
ALTER TABLE login_transactions ADD COLUMN fresh         boolean NOT NULL DEFAULT false;   -- a new sign-in is required
ALTER TABLE login_transactions ADD COLUMN requested_acr bytea   NOT NULL DEFAULT '\x';
ALTER TABLE login_transactions ADD COLUMN user_id       text    NOT NULL DEFAULT '';      -- once a step identified the user
ALTER TABLE login_transactions ADD COLUMN amr           text    NOT NULL DEFAULT '';      -- RFC 8176 values of the steps done
ALTER TABLE login_transactions ADD COLUMN acr           text    NOT NULL DEFAULT '';
-- The services signed in to from a session (protocol, service, when, detail), for logout.
ALTER TABLE sso_sessions ADD COLUMN participants text NOT NULL DEFAULT '';
