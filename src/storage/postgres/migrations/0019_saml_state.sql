-- Gatehouse schema 19 (the same number on both backends): the SAML state the nodes share (issue 14),
-- the tables behind the ports in src/saml/state_store.hpp. Additive: a node of the previous release
-- never reads them. (AuthnRequest IDs go to the existing replay table.)
-- HTTP-Artifact binding: one row per artifact, deleted by the ArtifactResolve that answers it.
CREATE TABLE saml_artifacts (
  handle_hash bytea  NOT NULL PRIMARY KEY,  -- SHA-256 of the MessageHandle
  client_id   text   NOT NULL,              -- the SP it was issued for
  message     bytea  NOT NULL,              -- the samlp:Response (TEXT on SQLite)
  created_at  bigint NOT NULL,
  expires_at  bigint NOT NULL
);
CREATE INDEX saml_artifacts_expiry ON saml_artifacts (expires_at);

-- Persistent NameIDs: one per user and audience (SP entity ID or affiliation), never derived again.
CREATE TABLE saml_persistent_ids (
  user_id    text COLLATE "C" NOT NULL,
  audience   text COLLATE "C" NOT NULL,
  name_id    text COLLATE "C" NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (user_id, audience)
);
CREATE UNIQUE INDEX saml_persistent_ids_name ON saml_persistent_ids (audience, name_id);

-- A deleted user's NameIDs go with them, in the same transaction (as their factors, 0016).
CREATE FUNCTION gh_delete_user_saml_ids() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  DELETE FROM saml_persistent_ids WHERE user_id = OLD.id;
  RETURN NULL;
END $$;
CREATE TRIGGER users_delete_saml_ids AFTER DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION gh_delete_user_saml_ids();
