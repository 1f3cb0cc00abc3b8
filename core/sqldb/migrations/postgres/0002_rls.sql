-- Row-level security helper: a transaction may touch the tenants listed in
-- app.tenants (set with set_config(..., true) by sqldb.TenantTx). Without it a
-- query on a tenant table returns nothing.
CREATE OR REPLACE FUNCTION app_tenant_ok(t TEXT) RETURNS BOOLEAN
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT t = ANY (string_to_array(current_setting('app.tenants', true), ',')) $$;
