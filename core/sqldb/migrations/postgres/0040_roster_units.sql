-- Org units of a tenant, as a tree. path is the chain of ids from the root,
-- '/a/b/c/', so a subtree is one prefix range (COLLATE "C": byte order, so the
-- plain index serves LIKE 'prefix%'). parent_id '' marks a root. Units are
-- never re-used for something else: a district union that ended on
-- 2025-06-30 keeps its row with valid_to, so history stays reportable.
CREATE TABLE units (
    tenant_id      TEXT NOT NULL,
    id             TEXT NOT NULL,
    parent_id      TEXT NOT NULL DEFAULT '',
    path           TEXT COLLATE "C" NOT NULL,
    code           TEXT NOT NULL,
    name           TEXT NOT NULL,
    name_fold      TEXT NOT NULL,
    level          TEXT NOT NULL CHECK (level IN ('tw', 'tinh', 'huyen', 'co_so', 'chi_doan')),
    difficult_area BOOLEAN NOT NULL DEFAULT FALSE,
    special_area   BOOLEAN NOT NULL DEFAULT FALSE,
    security_area  BOOLEAN NOT NULL DEFAULT FALSE,
    valid_from     DATE,
    valid_to       DATE,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX units_code ON units (tenant_id, code);
CREATE INDEX units_parent ON units (tenant_id, parent_id);
CREATE INDEX units_path ON units (tenant_id, path);

ALTER TABLE units ENABLE ROW LEVEL SECURITY;
ALTER TABLE units FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON units USING (app_tenant_ok(tenant_id)) WITH CHECK (app_tenant_ok(tenant_id));
