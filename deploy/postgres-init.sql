-- Run once as a superuser on a new PostgreSQL server (psql -f deploy/postgres-init.sql).
-- doanbd_owner owns the schema and runs migrations; doanbd_app is what the application
-- connects as: not the owner of any table and without BYPASSRLS, so row-level security applies.
CREATE ROLE doanbd_owner LOGIN PASSWORD 'change-me-owner';
CREATE ROLE doanbd_app LOGIN PASSWORD 'change-me-app' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
CREATE DATABASE doanbd OWNER doanbd_owner;
\connect doanbd
ALTER SCHEMA public OWNER TO doanbd_owner;
GRANT CONNECT ON DATABASE doanbd TO doanbd_app;
GRANT USAGE ON SCHEMA public TO doanbd_app;
-- Tables created by doanbd_owner are granted to doanbd_app by migration 0000 (default privileges).
-- pg_trgm speeds up diacritic-insensitive cadre search; create it here if the owner may not.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
