-- The last good programme list of each catalogue plugin per tenant, shown
-- (marked stale) when the plugin fails. programs is a JSON array.
CREATE TABLE plugin_catalog_cache (
    tenant_id  TEXT NOT NULL,
    plugin     TEXT NOT NULL,
    programs   TEXT NOT NULL,
    fetched_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, plugin)
);
