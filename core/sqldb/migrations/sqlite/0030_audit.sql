-- Append-only, hash-chained audit log: one chain per tenant ('-' for platform
-- events without a tenant). Each row's hash covers its fields and the previous
-- row's hash, so changing or removing a row breaks the chain (audit verify).
-- detail is TEXT, not JSON, so the hashed bytes are stored exactly.
CREATE TABLE audit_log (
    tenant_id   TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    id          TEXT NOT NULL,
    at          TIMESTAMP NOT NULL,
    actor_id    TEXT NOT NULL DEFAULT '',
    actor_email TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    object      TEXT NOT NULL DEFAULT '',
    object_id   TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '{}',
    ip          TEXT NOT NULL DEFAULT '',
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE UNIQUE INDEX audit_log_id ON audit_log (tenant_id, id);
CREATE INDEX audit_log_at ON audit_log (tenant_id, at);
CREATE INDEX audit_log_object ON audit_log (tenant_id, object, object_id);

-- The head of each chain: where the next row links, and what verification
-- expects the last row to be (so deleting the newest rows is detected too).
CREATE TABLE audit_heads (
    tenant_id TEXT PRIMARY KEY,
    seq       INTEGER NOT NULL,
    hash      TEXT NOT NULL
);
