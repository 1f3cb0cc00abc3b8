-- Per-tenant plugin enablement and settings, managed by tenant administrators
-- through /api/v1/t/{tenant}/plugins. settings is a JSON object of strings.
CREATE TABLE plugin_tenants (
    tenant_id  TEXT NOT NULL,
    plugin     TEXT NOT NULL,
    enabled    BOOLEAN NOT NULL DEFAULT FALSE,
    settings   TEXT NOT NULL DEFAULT '{}',
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, plugin)
);
ALTER TABLE plugin_tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE plugin_tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON plugin_tenants USING (app_tenant_ok(tenant_id)) WITH CHECK (app_tenant_ok(tenant_id));
-- `doanbd plugin list` shows which tenants use each plugin. That one read across
-- tenants is opened explicitly, read-only, by the plugin store's Usage query with
-- set_config('app.plugin_usage', 'on', true) for its own transaction.
CREATE POLICY plugin_usage_read ON plugin_tenants FOR SELECT
    USING (current_setting('app.plugin_usage', true) = 'on');
