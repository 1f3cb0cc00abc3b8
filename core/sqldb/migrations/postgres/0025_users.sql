-- Users are platform data, not tenant data: one person may hold roles in several
-- tenants (the roles live in Casbin). Emails are stored lower-cased; the name is
-- Unicode NFC. password_hash is an argon2id PHC string.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL CHECK (email = lower(email)),
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    last_login_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX users_email ON users (email);
