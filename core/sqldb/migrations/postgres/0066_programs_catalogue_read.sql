-- The published central catalogue is no longer readable through a policy of its
-- own: a tenant's transaction sees only its own rows, like every other tenant
-- table. Catalogue reads run in a transaction scoped to the tenant and tw
-- (core/program), which filters tw's rows to published and retired programmes.
DROP POLICY central_catalogue ON programs;
