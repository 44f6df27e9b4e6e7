-- Gatehouse SQLite schema 7: the algorithm a client's ID tokens are signed with (OIDC Registration §2).
ALTER TABLE clients ADD COLUMN id_token_signed_response_alg TEXT NOT NULL DEFAULT 'RS256';
