-- Gatehouse SQLite schema 9: key rotation publishes one next key per algorithm ahead of its use.
CREATE UNIQUE INDEX signing_keys_one_next_per_alg ON signing_keys (alg) WHERE state = 'next';
