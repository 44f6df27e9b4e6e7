-- Gatehouse schema 18 (the same number on both backends): the entityID of an application that is a
-- SAML service provider (issue 14), read from its saml_metadata at registration, unique across
-- applications so that two administrators on two nodes cannot both register one SP: the unique
-- index decides between concurrent writers. NULL for every other application (NULLs are distinct).
-- Additive: a node of the previous release never names the column, so its inserts leave it NULL
-- and its updates leave it as it is. The table is small (applications), so building the index in
-- the migration's transaction is brief.
ALTER TABLE clients ADD COLUMN saml_entity_id text COLLATE "C";
CREATE UNIQUE INDEX clients_saml_entity_id ON clients (saml_entity_id);
