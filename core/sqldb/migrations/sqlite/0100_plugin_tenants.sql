-- Per-tenant plugin enablement and settings, managed by tenant administrators
-- through /api/v1/t/{tenant}/plugins. settings is a JSON object of strings.
CREATE TABLE plugin_tenants (
    tenant_id  TEXT NOT NULL,
    plugin     TEXT NOT NULL,
    enabled    BOOLEAN NOT NULL DEFAULT FALSE,
    settings   TEXT NOT NULL DEFAULT '{}',
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, plugin)
);
