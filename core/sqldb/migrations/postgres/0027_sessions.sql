-- Browser sessions (alexedwards/scs). token is the SHA-256 of the cookie value
-- (scs HashTokenInStore), data the gob-encoded session values.
CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BYTEA NOT NULL,
    expiry TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expiry);
