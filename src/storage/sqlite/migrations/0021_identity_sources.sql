-- Gatehouse schema 21 (the same number on both backends): accounts linked to a directory entry
-- (issue 16). `source` names the [[identity_sources]] entry ('' = a local account), `external_id`
-- the entry's stable id (entryUUID, objectGUID as hex), `groups` the group names the directory
-- gave at the last sign-in (a JSON array of strings). Additive with defaults: a node of the
-- previous release names its columns, never reads these and inserts local accounts ('', '', []).
ALTER TABLE users ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN groups TEXT NOT NULL DEFAULT '[]';
CREATE UNIQUE INDEX users_source_link ON users (source, external_id) WHERE source <> '';
