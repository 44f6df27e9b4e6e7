-- Gatehouse SQLite schema 6: failed sign-ins are counted per login name (the username in ASCII
-- lower case), not per user, so unknown usernames lock like real ones and the lockout does not
-- reveal which usernames exist. Counters are short-lived; the old per-user ones are dropped.
DROP TABLE failed_logins;

CREATE TABLE login_failures (
  login_name        TEXT    NOT NULL PRIMARY KEY,
  count             INTEGER NOT NULL,
  window_started_at INTEGER NOT NULL,
  locked_until      INTEGER NOT NULL
) STRICT;
