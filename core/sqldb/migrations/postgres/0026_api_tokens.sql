-- API bearer tokens. Only the SHA-256 of the token is stored (hex), so a copy
-- of the database does not hand out working tokens. A token is valid while
-- not revoked and not expired and its user is active.
CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (hash);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
CREATE INDEX api_tokens_expires ON api_tokens (expires_at);
