-- Gatehouse schema 13 (the same number on both backends from here on): optimistic versions of
-- users and applications (ETag / If-Match in the admin API), client metadata members that change
-- nothing Gatehouse does but are kept and returned (RFC 7591 / OIDC Registration), the clients
-- allowed to introspect tokens of an audience, and the per-user token cut-off of a sign-out
-- everywhere. Additive only: a node of the previous release keeps working on this schema.

ALTER TABLE clients ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE clients ADD COLUMN extra_metadata text NOT NULL DEFAULT '{}';  -- JSON object
ALTER TABLE clients ADD COLUMN introspection_audiences text[] NOT NULL DEFAULT '{}';

ALTER TABLE users ADD COLUMN version bigint NOT NULL DEFAULT 1;
-- Tokens issued to the user before this time (unix seconds) are no longer valid.
ALTER TABLE users ADD COLUMN tokens_valid_after bigint NOT NULL DEFAULT 0;

-- A node of the previous release writes whole rows without touching version. During a rolling
-- upgrade its changes must still move the version, or an If-Match read before them would pass.
-- This release bumps the version itself (and then this does nothing); it never bumps for a
-- change that is not part of the representation (a password rehash, the token cut-off).
CREATE FUNCTION gh_bump_client_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.version = OLD.version THEN
    NEW.version := OLD.version + 1;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER clients_version BEFORE UPDATE ON clients
  FOR EACH ROW EXECUTE FUNCTION gh_bump_client_version();

CREATE FUNCTION gh_bump_user_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.version = OLD.version AND
     (NEW.username, NEW.email, NEW.email_verified, NEW.name, NEW.given_name, NEW.family_name,
      NEW.middle_name, NEW.nickname, NEW.picture, NEW.locale, NEW.phone_number,
      NEW.phone_number_verified, NEW.active)
     IS DISTINCT FROM
     (OLD.username, OLD.email, OLD.email_verified, OLD.name, OLD.given_name, OLD.family_name,
      OLD.middle_name, OLD.nickname, OLD.picture, OLD.locale, OLD.phone_number,
      OLD.phone_number_verified, OLD.active) THEN
    NEW.version := OLD.version + 1;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER users_version BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION gh_bump_user_version();

-- No index on refresh_tokens (user_id): a sign-out everywhere (an administrator's action) scans
-- the table, rather than every refresh-token rotation paying for one more index, and rather than
-- building it inside this migration's transaction, which would stall a live cluster (writes to
-- refresh_tokens wait for the build, reads of clients and users for the ALTERs above).
