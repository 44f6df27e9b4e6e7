-- Gatehouse schema 19 (the same number on both backends): the SAML state the nodes share (issue 14),
-- the tables behind the ports in src/saml/state_store.hpp. Additive: a node of the previous release
-- never reads them. (AuthnRequest IDs go to the existing replay table.)
-- HTTP-Artifact binding: one row per artifact, deleted by the ArtifactResolve that answers it.
CREATE TABLE saml_artifacts (
  handle_hash BLOB    NOT NULL PRIMARY KEY,  -- SHA-256 of the MessageHandle
  client_id   TEXT    NOT NULL,              -- the SP it was issued for
  message     TEXT    NOT NULL,              -- the samlp:Response
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX saml_artifacts_expiry ON saml_artifacts (expires_at);

-- Persistent NameIDs: one per user and audience (SP entity ID or affiliation), never derived again.
CREATE TABLE saml_persistent_ids (
  user_id    TEXT    NOT NULL,
  audience   TEXT    NOT NULL,
  name_id    TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, audience)
) STRICT;
CREATE UNIQUE INDEX saml_persistent_ids_name ON saml_persistent_ids (audience, name_id);

-- A deleted user's NameIDs go with them, in the same transaction (as their factors, 0016).
CREATE TRIGGER users_delete_saml_ids AFTER DELETE ON users BEGIN
  DELETE FROM saml_persistent_ids WHERE user_id = OLD.id;
END;
