-- Casbin policy (core/authz): role templates (g2) and role assignments
-- (g, user, template, tenant in v2). Loaded whole by every process's
-- enforcer, so it is platform data, not a tenant table: no tenant_id and no
-- row-level security. Only core/authz writes it; every write is audited in
-- the tenant it concerns.
CREATE TABLE casbin_rule (
    id    INTEGER PRIMARY KEY AUTOINCREMENT,
    ptype TEXT NOT NULL,
    v0    TEXT NOT NULL DEFAULT '',
    v1    TEXT NOT NULL DEFAULT '',
    v2    TEXT NOT NULL DEFAULT '',
    v3    TEXT NOT NULL DEFAULT '',
    v4    TEXT NOT NULL DEFAULT '',
    v5    TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX casbin_rule_unique ON casbin_rule (ptype, v0, v1, v2, v3, v4, v5);
-- Assignments of a tenant (policy administration, filtered loads).
CREATE INDEX casbin_rule_tenant ON casbin_rule (v2, ptype);
