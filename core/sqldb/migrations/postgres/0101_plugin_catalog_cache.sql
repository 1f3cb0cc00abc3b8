-- The last good programme list of each catalogue plugin per tenant, shown
-- (marked stale) when the plugin fails. programs is a JSON array.
CREATE TABLE plugin_catalog_cache (
    tenant_id  TEXT NOT NULL,
    plugin     TEXT NOT NULL,
    programs   TEXT NOT NULL,
    fetched_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, plugin)
);
ALTER TABLE plugin_catalog_cache ENABLE ROW LEVEL SECURITY;
ALTER TABLE plugin_catalog_cache FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON plugin_catalog_cache USING (app_tenant_ok(tenant_id)) WITH CHECK (app_tenant_ok(tenant_id));
