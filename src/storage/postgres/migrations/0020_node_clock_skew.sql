-- Gatehouse schema 20 (the same number on both backends): each node records, at every check-in,
-- how far its clock is from the database server's (issue 15), for /api/system/nodes: local time at
-- the middle of a round trip minus the server's clock_timestamp(), in ms. Additive and nullable: a
-- node of the previous release neither writes nor reads it.
ALTER TABLE cluster_nodes ADD COLUMN clock_skew_ms bigint;
