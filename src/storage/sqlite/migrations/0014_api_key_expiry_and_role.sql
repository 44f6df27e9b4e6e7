-- Gatehouse SQLite schema 14: an API key may expire and may be read-only. Additive, with defaults
-- that keep every existing key as it was (a node of the previous release ignores both columns).
ALTER TABLE api_keys ADD COLUMN expires_at INTEGER;                    -- Unix seconds; NULL: never
ALTER TABLE api_keys ADD COLUMN role TEXT NOT NULL DEFAULT 'admin';    -- admin | read_only
