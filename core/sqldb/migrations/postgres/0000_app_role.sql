-- The application connects as doanbd_app: not the owner of any table and without
-- BYPASSRLS, so row-level security applies to it. Tables created later by the
-- migrating role are granted to it automatically. The role itself is created by
-- the operator (deploy/postgres-init.sql) or the test harness; without it (a
-- single-role development setup) the grants are skipped.
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'doanbd_app') THEN
        GRANT USAGE ON SCHEMA public TO doanbd_app;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO doanbd_app;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO doanbd_app;
    END IF;
END $$;
