-- Gatehouse SQLite schema 5: where a client may send the browser after RP-initiated logout.
ALTER TABLE clients ADD COLUMN post_logout_redirect_uris TEXT NOT NULL DEFAULT '[]';  -- JSON array
