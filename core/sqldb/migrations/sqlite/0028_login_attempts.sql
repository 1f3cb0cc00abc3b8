-- Failed logins, for throttling per account (lower-cased email as typed, known
-- or not) and per client address. Kept in the database so every replica sees
-- the same counts. A successful login removes its account's rows; rows older
-- than a day are purged.
CREATE TABLE login_attempts (
    id      TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    ip      TEXT NOT NULL,
    at      TIMESTAMP NOT NULL
);
CREATE INDEX login_attempts_account ON login_attempts (account, at);
CREATE INDEX login_attempts_ip ON login_attempts (ip, at);
CREATE INDEX login_attempts_at ON login_attempts (at);
