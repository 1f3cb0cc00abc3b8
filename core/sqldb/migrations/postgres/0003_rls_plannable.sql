-- Row-level security the planner can see through (same policies, same rows).
--
-- 0002 checked `t = ANY (string_to_array(current_setting('app.tenants'), ','))`
-- for every transaction. To the planner that array is unknown: it costs every
-- index scan as ten descents and multiplies the tenant's selectivity by that
-- of the query's own `tenant_id = '…'`, so under RLS it chose plans 5–100×
-- slower than the same query without RLS (a commune's roster counted by
-- scanning the whole province: 17 ms instead of 0.2 ms).
--
-- A transaction scoped to ONE tenant (TenantTx, ReadTenant: nearly all of
-- them) now checks plain equality, `t = current_setting('app.tenants')`.
-- With the query's own `tenant_id = 'p79'` the planner merges the two into
-- one equivalence class: the query keeps the plan it has without RLS, and
-- the policy becomes a one-time filter `current_setting(...) = 'p79'` (no
-- rows if the transaction is scoped to another tenant or to none).
--
-- A transaction that may read SEVERAL tenants (ConsolidationTx) puts schema
-- app_consolidation first in its search_path for that transaction only
-- (set_config(..., true)). app_tenant_ok resolves app_tenant_scope by
-- search_path when it is inlined into a query, so there it is the list check
-- of 0002. PostgreSQL replans a cached statement whose search_path changed,
-- so a plan made under one scope is never run under the other.
--
-- Failing closed: a list of several tenants without the search_path is
-- compared as one string, which no slug equals (slugs have no comma), so
-- the transaction sees nothing. The application role creates no schema or
-- function (it has no CREATE privilege), so it cannot put another
-- app_tenant_scope in front.
CREATE SCHEMA IF NOT EXISTS app_consolidation;

CREATE OR REPLACE FUNCTION public.app_tenant_scope(t TEXT) RETURNS BOOLEAN
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT t = current_setting('app.tenants', true) $$;

CREATE OR REPLACE FUNCTION app_consolidation.app_tenant_scope(t TEXT) RETURNS BOOLEAN
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT t = ANY (string_to_array(current_setting('app.tenants', true), ',')) $$;

-- Unqualified on purpose: resolved through the search_path (see above).
CREATE OR REPLACE FUNCTION public.app_tenant_ok(t TEXT) RETURNS BOOLEAN
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT app_tenant_scope(t) $$;

DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'doanbd_app') THEN
        GRANT USAGE ON SCHEMA app_consolidation TO doanbd_app;
    END IF;
END $$;
