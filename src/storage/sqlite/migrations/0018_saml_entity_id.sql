-- Gatehouse schema 18 (the same number on both backends): the entityID of an application that is a
-- SAML service provider (issue 14), read from its saml_metadata at registration, unique across
-- applications so that two administrators on two nodes cannot both register one SP. NULL for every
-- other application (a UNIQUE index allows any number of NULLs). Additive: a node of the previous
-- release never names the column, so its inserts leave it NULL and its updates leave it as it is.
ALTER TABLE clients ADD COLUMN saml_entity_id TEXT;
CREATE UNIQUE INDEX clients_saml_entity_id ON clients (saml_entity_id);
