-- Append-only, hash-chained audit log: one chain per tenant ('-' for platform
-- events without a tenant). Each row's hash covers its fields and the previous
-- row's hash, so changing or removing a row breaks the chain (audit verify).
-- detail is TEXT, not JSONB, so the hashed bytes are stored exactly.
CREATE TABLE audit_log (
    tenant_id   TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    id          TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
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
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_log USING (app_tenant_ok(tenant_id)) WITH CHECK (app_tenant_ok(tenant_id));

-- The head of each chain: where the next row links, and what verification
-- expects the last row to be (so deleting the newest rows is detected too).
-- Anyone may read the heads (verification lists the chains from them; they
-- hold only counts and hashes); only a transaction scoped to the tenant may
-- move a head.
CREATE TABLE audit_heads (
    tenant_id TEXT PRIMARY KEY,
    seq       BIGINT NOT NULL,
    hash      TEXT NOT NULL
);
ALTER TABLE audit_heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_heads FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_heads USING (app_tenant_ok(tenant_id)) WITH CHECK (app_tenant_ok(tenant_id));
CREATE POLICY read_heads ON audit_heads FOR SELECT USING (true);

-- Append-only for the application role: it may insert and read, never change
-- or remove a row (nor a head).
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'doanbd_app') THEN
        REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM doanbd_app;
        REVOKE DELETE, TRUNCATE ON audit_heads FROM doanbd_app;
    END IF;
END $$;
