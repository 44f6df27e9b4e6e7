-- Gatehouse schema 20 (the same number on both backends): each node records, at every check-in,
-- how far its clock is from the database's (issue 15), for /api/system/nodes. Additive and
-- nullable: a node of the previous release neither writes nor reads it. (SQLite runs on the
-- node's own machine: its nodes have no other clock to compare with and leave it NULL.)
ALTER TABLE cluster_nodes ADD COLUMN clock_skew_ms INTEGER;
